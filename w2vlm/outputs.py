"""The one output-path guard: every output of a command checked before any work and held against other runs."""

import fcntl
import glob
import os
import re
from dataclasses import dataclass
from pathlib import Path

from .atomic_files import load_config
from .errors import ArtifactError
from .model_dir import check_file_output, check_output, check_writable

DIRECTORY_KINDS = ("embeddings", "lm", "shards", "projector")
PROJECTOR_MARK = ".w2vlm-projector"   # written beside vectors.tsv/metadata.tsv: w2vlm wrote that folder
_PROJECTOR_FILES = ("vectors.tsv", "metadata.tsv")
_GLOB = ("*", "?", "[")
_URL = re.compile(r"^([A-Za-z][A-Za-z0-9+.-]+):/(.*)$")


@dataclass(frozen=True)
class Output:
    """One place a command writes: ``kind`` is a model directory kind ("embeddings", "lm"), "shards",
    "projector" (a folder) or "file"; ``what`` names it in messages; ``replaces`` is the one input it may
    replace in place (the directory of --resume)."""
    path: object
    kind: str = "file"
    what: str = "-o/--output"
    replaces: object = None


def check_outputs(outputs, inputs=()):
    """Refuse, before any work and without changing anything on disk, every output that cannot or must not
    be written: a URL where none is possible (or whose scheme is unknown or needs a package), an unwritable or
    read-only place, a directory of another kind or of foreign files, two outputs on one path, and any path
    that is one of ``inputs`` (the same file through a symlink or hard link included) or inside an input
    directory. Returns an :class:`OutputLease` that holds the directory outputs against a second w2vlm run
    until it is closed (the CLI closes it when the command ends)."""
    outputs = [out for out in outputs if out.path is not None]
    sources = _existing(inputs)
    replaced = {os.path.realpath(out.replaces) for out in outputs if out.replaces is not None}
    seen = {}
    for out in outputs:
        if _check_url(out):
            continue
        path = Path(out.path)
        if out.replaces is not None and out.kind in ("embeddings", "lm"):
            load_config(out.replaces, out.kind)   # resuming another kind's directory: say that first
        _check_kind(out, path)
        _check_not_read_only(out, path)
        for source in sources:
            if out.replaces is None or not _same(source, Path(out.replaces)):
                _check_not_input(out, path, source, inside=os.path.realpath(source) not in replaced)
        real = os.path.realpath(path)
        if real in seen:
            raise ArtifactError(f"{out.what} and {seen[real]} are the same path {path}; give each its own")
        seen[real] = out.what
    lease = OutputLease()
    try:
        for out in outputs:
            if out.kind in DIRECTORY_KINDS and "://" not in str(out.path):
                lease.hold(Path(out.path))
    except BaseException:
        lease.close()
        raise
    return lease


def _check_kind(out, path):
    if out.kind in ("embeddings", "lm"):
        check_output(path, out.kind)
    elif out.kind in ("shards", "projector"):
        if path.exists() and not path.is_dir():
            raise ArtifactError(f"{out.what} {path} is a file; give a folder")
        if out.kind == "projector" and path.is_dir() and not (path / PROJECTOR_MARK).exists():
            found = [name for name in _PROJECTOR_FILES if (path / name).exists()]
            if found:
                raise ArtifactError(f"{path} holds {', '.join(found)} that w2vlm did not write; choose another "
                                    f"folder or move them away")
        check_writable(path, out.what)
    else:
        check_file_output(path, out.what)


def _check_not_read_only(out, path):
    """An existing output without write permission is refused, for root too: its owner marked it read-only."""
    if path.exists() and (not os.access(path, os.W_OK | (os.X_OK if path.is_dir() else 0))
                          or not path.stat().st_mode & 0o222):
        raise ArtifactError(f"{out.what} {path} is read-only; change its permissions or choose another path")


def _check_url(out):
    """True for a URL output that fsspec can write (shards only); anything else URL-like is refused here."""
    match = _URL.match(str(out.path))   # click's Path types turn s3://b into s3:/b: both are URLs
    if match is None:
        return False
    scheme, text = match.group(1), f"{match.group(1)}://{match.group(2).lstrip('/')}"
    if out.kind != "shards":
        raise ArtifactError(f"{out.what} {text}: only `w2vlm encode` writes to URLs ({scheme}://); give a local path")
    if scheme in ("http", "https"):
        raise ArtifactError(f"{out.what} {text}: {scheme}:// URLs are read-only; give a local directory or a "
                            f"writable store (s3://, gs://, ...)")
    try:
        import fsspec
    except ImportError:
        raise ArtifactError(f"{out.what} {text}: URLs need fsspec: pip install 'w2vlm[distributed]'") from None
    try:
        fsspec.get_filesystem_class(scheme)
    except ValueError:
        raise ArtifactError(f"{out.what} {text}: unknown URL scheme '{scheme}://'; give a local directory or a "
                            f"URL fsspec knows (file://, s3://, gs://, ...)") from None
    except ImportError as exc:
        hint = " ".join(str(exc).split()) or f"a package for {scheme}://"
        raise ArtifactError(f"{out.what} {text}: the {scheme}:// scheme needs another package ({hint})") from None
    return True


def _existing(inputs):
    """The inputs that are local paths on disk (globs expanded; corpus names, '-' and URLs left out)."""
    found = []
    for item in inputs:
        if item is None or "://" in str(item):
            continue
        text = str(item)
        for name in (glob.glob(text) if any(ch in text for ch in _GLOB) else [text]):
            if os.path.lexists(name):
                found.append(Path(name))
    return found


def _same(first, second):
    try:
        return os.path.samefile(first, second)
    except OSError:
        return os.path.realpath(first) == os.path.realpath(second)


def _check_not_input(out, path, source, inside=True):
    real, source_real = Path(os.path.realpath(path)), Path(os.path.realpath(source))
    if real == source_real or (path.exists() and _same(path, source)):
        how = "" if os.path.abspath(path) == os.path.abspath(source) else " (the same file through a link)"
        raise ArtifactError(f"{out.what} {path} is the input {source}{how}; writing it would destroy the input; "
                            f"choose another path")
    if inside and source_real.is_dir() and source_real in real.parents:
        raise ArtifactError(f"{out.what} {path} is inside the input directory {source}; choose a path outside it")


class OutputLease:
    """Directory outputs held against other w2vlm runs: a lock file beside each (``.NAME.w2vlm-lock``, flock'd
    while this run lasts, removed on close). A second run on the same output is refused, never mixed in."""

    def __init__(self):
        self._held = []

    def hold(self, directory):
        directory.parent.mkdir(parents=True, exist_ok=True)
        lock = directory.with_name(f".{directory.name}.w2vlm-lock")
        while True:
            fd = os.open(lock, os.O_RDWR | os.O_CREAT, 0o666)
            try:
                fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            except BlockingIOError:
                os.close(fd)
                raise ArtifactError(f"{directory} is being written by another w2vlm run; wait for it to finish "
                                    f"or choose another -o/--output") from None
            try:   # the run before us may have removed the lock file after we opened it: take the new one
                if os.stat(lock).st_ino == os.fstat(fd).st_ino:
                    break
            except FileNotFoundError:
                pass
            os.close(fd)
        self._held.append((lock, fd))

    def close(self):
        for lock, fd in self._held:
            try:
                os.unlink(lock)
            except OSError:
                pass
            os.close(fd)
        self._held = []

    def __enter__(self):
        return self

    def __exit__(self, *exc):
        self.close()
