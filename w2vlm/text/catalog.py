"""The corpus shelf: named corpora from corpora/catalog.json, where their files live, and fetching them."""

import functools
import hashlib
import importlib.util
import json
import logging
import os
import shutil
import tempfile
import urllib.error
import urllib.request
import zipfile
from pathlib import Path

from ..errors import CorpusError

logger = logging.getLogger("w2vlm")

DEFAULT_CORPUS = ("kolaw", "kobill")  # what open_corpus(None) reads: KoNLPy's bundled Korean text


def package_dir():
    """The folder of the installed ``w2vlm_corpora`` package (the repository's corpora/)."""
    spec = importlib.util.find_spec("w2vlm_corpora")
    if spec is None or not spec.submodule_search_locations:
        raise CorpusError("the w2vlm_corpora package is missing; reinstall w2vlm (pip install -e .)")
    return Path(list(spec.submodule_search_locations)[0])


@functools.lru_cache(maxsize=1)
def _read_catalog():
    with open(package_dir() / "catalog.json", encoding="utf-8") as handle:
        return json.load(handle)


def load_catalog():
    """``{name: entry}`` from catalog.json (entries hold language, format, splits with file/sha256/url, ...)."""
    return _read_catalog()


def names():
    return list(load_catalog())


def entry(name):
    """The catalog entry of ``name``, or CorpusError listing the known names."""
    catalog = load_catalog()
    if name not in catalog:
        raise CorpusError(f"unknown corpus '{name}'; named corpora: {', '.join(catalog)}")
    return catalog[name]


def default_data_dir(package=None):
    """data/ inside ``package`` (default: the installed w2vlm_corpora folder) when writable, else
    $XDG_CACHE_HOME/w2vlm/corpora (~/.cache/w2vlm/corpora)."""
    inside = Path(package if package is not None else package_dir()) / "data"
    probe = inside if inside.exists() else inside.parent
    if os.access(probe, os.W_OK):
        return inside
    cache = Path(os.environ.get("XDG_CACHE_HOME") or Path.home() / ".cache")
    return cache / "w2vlm" / "corpora"


def data_dir():
    """Where named corpora are looked up: $W2VLM_DATA, else :func:`default_data_dir`."""
    env = os.environ.get("W2VLM_DATA")
    return Path(env).expanduser() if env else default_data_dir()


def _bundled_dir(info):
    spec = importlib.util.find_spec(info["package"])
    if spec is None or not spec.submodule_search_locations:
        return None
    return Path(list(spec.submodule_search_locations)[0]) / info["path"]


def _split_files(folder, pattern):
    if folder is None:
        return []
    if any(ch in pattern for ch in "*?["):
        return sorted(p for p in folder.glob(pattern) if p.is_file())
    path = folder / pattern
    return [path] if path.is_file() else []


def corpus_dirs(name, root=None):
    """Candidate folders of ``name``: the bundled package folder, or <root>/<dir> for each catalogued dir."""
    info = entry(name)
    if "bundled" in info:
        return [_bundled_dir(info["bundled"])]
    root = Path(root) if root is not None else data_dir()
    return [root / folder for folder in info["dirs"]]


def split_files(name, root=None):
    """``{split: [paths]}`` for the splits of ``name`` that are present (first catalogued folder that has them)."""
    info = entry(name)
    found = {}
    for split, spec in info["splits"].items():
        for folder in corpus_dirs(name, root):
            files = _split_files(folder, spec["file"])
            if files:
                found[split] = files
                break
    return found


def resolve_split(name, split="train"):
    """The split to read for ``name``: ``split`` if catalogued, else the entry's default (nsmc has only test)."""
    info = entry(name)
    if split in info["splits"]:
        return split
    if split == "train":
        return info.get("default_split", next(iter(info["splits"])))
    raise CorpusError(f"corpus '{name}' has no split '{split}'; splits: {', '.join(info['splits'])}")


def locate(name, split="train", root=None):
    """The files of one split of ``name``, or CorpusError saying how to get them."""
    info = entry(name)
    split = resolve_split(name, split)
    files = split_files(name, root).get(split)
    if files:
        return files
    if "bundled" in info:
        package = info["bundled"]["package"]
        raise CorpusError(f"corpus '{name}' ships with the {package} package, which is not installed: "
                          f"pip install {package}")
    where = " or ".join(str(d) for d in corpus_dirs(name, root))
    raise CorpusError(f"corpus '{name}' ({split}: {info['splits'][split]['file']}) is not under {where}; "
                      f"run `w2vlm corpora fetch {name}` or set W2VLM_DATA to the folder that holds {info['dirs'][0]}/")


def status(root=None):
    """One row per catalogued corpus: name, language, splits, status (present/partial/missing/bundled), path."""
    rows = []
    for name, info in load_catalog().items():
        present = split_files(name, root)
        folders = corpus_dirs(name, root)
        if "bundled" in info:
            state = "bundled" if present else f"missing (pip install {info['bundled']['package']})"
        else:
            state = "present" if len(present) == len(info["splits"]) else "partial" if present else "missing"
        path = next(iter(present.values()))[0].parent if present else folders[0]
        rows.append({"name": name, "language": info["language"], "splits": list(info["splits"]),
                     "status": state, "path": str(path) if path else "", "description": info.get("description", "")})
    return rows


def sha256_of(path, chunk=1 << 20):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        while block := handle.read(chunk):
            digest.update(block)
    return digest.hexdigest()


def _download(url, path, sha256=None, name=None):
    """Stream ``url`` into a temp file beside ``path``, check its sha256, then rename it into place. Errors name
    the corpus ``name`` and the URL, never a temp file."""
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        digest = hashlib.sha256()
        with os.fdopen(fd, "wb") as out, urllib.request.urlopen(url, timeout=60) as response:
            while block := response.read(1 << 20):
                digest.update(block)
                out.write(block)
        if sha256 and digest.hexdigest() != sha256:
            raise CorpusError(f"checksum mismatch for {url}: expected sha256 {sha256}, got {digest.hexdigest()}; "
                              f"the download is damaged or the source changed (nothing was written)")
        os.replace(tmp, path)
    except (urllib.error.URLError, OSError, ValueError) as exc:
        reason = getattr(exc, "reason", None) or exc
        what = f"corpus {name} from {url}" if name else url
        raise CorpusError(f"cannot download {what} ({reason}); check the network connection, or download it "
                          f"elsewhere and pass the folder that holds it as --mirror") from None
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)
    return path


def _present_and_valid(path, sha256):
    return path.is_file() and (not sha256 or sha256_of(path) == sha256)


def _extract_member(archive, member, path):
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".part")
    try:
        with os.fdopen(fd, "wb") as out, archive.open(member) as source:
            shutil.copyfileobj(source, out, 1 << 20)
        os.replace(tmp, path)
    finally:
        if os.path.exists(tmp):
            os.unlink(tmp)


def fetch(name, dest=None, *, mirror=None, catalog_entry=None):
    """Download the files of ``name`` into <dest or data_dir()>/<dir>/, verifying sha256; returns their paths.
    ``mirror``: a base URL (https://, file://) or a local folder that holds the same files under their own names
    (the last part of each catalogued URL), for a machine that cannot reach the sources; the checksums are still
    verified. ``catalog_entry`` replaces catalog.json's entry for ``name`` (other URLs and checksums)."""
    info = entry(name) if catalog_entry is None else catalog_entry
    if "bundled" in info:
        files = [p for paths in split_files(name).values() for p in paths]
        if not files:
            locate(name)  # raises with the install hint
        logger.info("%s ships with the %s package; nothing to fetch", name, info["bundled"]["package"])
        return files
    folder = (Path(dest).expanduser() if dest else data_dir()) / info["dirs"][0]
    targets = {split: folder / spec["file"] for split, spec in info["splits"].items()}
    created = [p for p in (folder, *folder.parents) if not p.exists()]   # removed again if nothing arrives
    try:
        if "archive" in info:
            if not all(p.is_file() for p in targets.values()):
                _fetch_archive(info["archive"], targets, folder, mirror, name)
            return list(targets.values())
        for split, spec in info["splits"].items():
            path = targets[split]
            if _present_and_valid(path, spec.get("sha256")):
                logger.info("%s (%s) is already present: %s", name, split, path)
                continue
            url = _from_mirror(spec["url"], mirror)
            logger.info("downloading %s -> %s", url, path)
            _download(url, path, spec.get("sha256"), name)
        return list(targets.values())
    except BaseException:
        for path in created:   # innermost first; a folder that holds anything stays
            try:
                path.rmdir()
            except OSError:
                break
        raise


def _from_mirror(url, mirror):
    """``url``, or the file of the same name under ``mirror`` (a base URL or a local folder)."""
    if not mirror:
        return url
    base = str(mirror) if "://" in str(mirror) else Path(mirror).expanduser().resolve().as_uri()
    return f"{base.rstrip('/')}/{url.rsplit('/', 1)[-1]}"


def _fetch_archive(archive, targets, folder, mirror=None, name=None):
    folder.mkdir(parents=True, exist_ok=True)
    fd, zip_path = tempfile.mkstemp(dir=folder, prefix=".archive.", suffix=".zip")
    os.close(fd)
    try:
        url = _from_mirror(archive["url"], mirror)
        logger.info("downloading %s", url)
        _download(url, Path(zip_path), archive.get("sha256"), name)
        try:
            with zipfile.ZipFile(zip_path) as bundle:
                for split, member in archive["members"].items():
                    _extract_member(bundle, member, targets[split])
        except (zipfile.BadZipFile, KeyError) as exc:
            raise CorpusError(f"{url} is not the expected zip archive ({exc})") from None
    finally:
        if os.path.exists(zip_path):
            os.unlink(zip_path)
