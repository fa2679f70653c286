"""The token cache: where entries live, their key (corpus content + tokenizer settings), listing and clearing."""

import hashlib
import json
import os
import re
import shutil
import time
from pathlib import Path

from . import shards as shard_files

_KEY = re.compile(r"^[0-9a-f]{32}$")
_STAGING = re.compile(r"^\.[0-9a-f]{32}\..+\.tmp$")
CACHE_FORMAT = 3   # 1 was one .npz + .json per entry (still listed and cleared); 3: sealed shard indexes


def default_cache_dir():
    """$W2VLM_CACHE, else ~/.cache/w2vlm."""
    env = os.environ.get("W2VLM_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "w2vlm"


def cache_key(corpus, tokenizer):
    """sha256 of the corpus fingerprint and the tokenizer config (name, version, pos, options)."""
    payload = json.dumps({"corpus": corpus.fingerprint(), "tokenizer": tokenizer.config(), "format": CACHE_FORMAT},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def touch(entry):
    """Mark an entry as just used (clear --older-than goes by last use)."""
    try:
        os.utime(Path(entry) / shard_files.INDEX)
    except OSError:
        pass


def list_entries(cache_dir=None):
    """One dict per cache entry, newest use first: key, path, corpus, tokenizer, n_tokens, bytes, last_used
    (epoch seconds), status ("ok", "incomplete" for a leftover of an interrupted run, "old format")."""
    root = (Path(cache_dir).expanduser() if cache_dir else default_cache_dir()) / "encoded"
    if not root.is_dir():
        return []
    entries = []
    for path in root.iterdir():
        if not is_entry(path):
            continue   # not made by w2vlm: never listed, never cleared
        if path.is_dir():
            entries.append(_describe_dir(path))
        elif path.suffix == ".npz" or (path.suffix == ".json" and not path.with_suffix(".npz").exists()):
            entries.append(_describe_legacy(path))
    return sorted(entries, key=lambda e: -e["last_used"])


def is_entry(path):
    """True for what w2vlm writes under encoded/: a KEY directory holding a shard index, a ``.KEY.*.tmp``
    directory left by an interrupted write, or an old-format KEY.npz / KEY.json (KEY: 32 hex digits)."""
    path = Path(path)
    if path.is_symlink():
        return False
    if path.is_dir():
        if _STAGING.match(path.name):
            return True
        return bool(_KEY.match(path.name)) and (path / shard_files.INDEX).is_file()
    return bool(_KEY.match(path.stem)) and path.suffix in (".npz", ".json")


def clear(cache_dir=None, older_than_days=None, now=None):
    """Remove the entries last used more than ``older_than_days`` ago (all of them when None); return them."""
    now = time.time() if now is None else now
    removed = []
    for entry in list_entries(cache_dir):
        if older_than_days is not None and now - entry["last_used"] < older_than_days * 86400:
            continue
        for path in entry["files"]:
            if Path(path).is_dir():
                shutil.rmtree(path, ignore_errors=True)
            else:
                Path(path).unlink(missing_ok=True)
        removed.append(entry)
    return removed


def _describe_dir(path):
    index_path = path / shard_files.INDEX
    info = {"key": path.name.strip("."), "path": str(path), "files": [str(path)], "corpus": "", "tokenizer": "",
            "n_tokens": None, "bytes": _tree_size(path), "status": "ok"}
    try:
        with open(index_path, encoding="utf-8") as handle:
            index = json.load(handle)
        info.update(corpus=index.get("corpus", ""), tokenizer=(index.get("tokenizer") or {}).get("name", ""),
                    n_tokens=index.get("n_tokens"))
        info["last_used"] = index_path.stat().st_mtime
    except (OSError, ValueError, AttributeError):
        info["status"] = "incomplete"
        info["last_used"] = path.stat().st_mtime
    if path.name.startswith("."):
        info["status"] = "incomplete"
    return info


def _describe_legacy(path):
    files = [p for p in (path.with_suffix(".npz"), path.with_suffix(".json")) if p.exists()]
    info = {"key": path.stem, "path": str(path.with_suffix("")), "files": [str(p) for p in files], "corpus": "",
            "tokenizer": "", "n_tokens": None, "bytes": sum(p.stat().st_size for p in files),
            "last_used": max(p.stat().st_mtime for p in files), "status": "old format"}
    return info


def _tree_size(path):
    total = 0
    for folder, _, names in os.walk(path):
        for name in names:
            try:
                total += os.path.getsize(os.path.join(folder, name))
            except OSError:
                pass
    return total
