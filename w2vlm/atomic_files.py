"""Atomic file I/O for model directories: JSON, npz without pickle, config.json kinds (temp name, then rename)."""

import json
import math
import os
import tempfile
import zipfile
import zlib
from pathlib import Path

import numpy as np

from .backend import to_cpu
from .errors import ArtifactError
from .temp_files import TEMP_TAG, remove_strays, temp_prefix
from .version import __version__

CONFIG = "config.json"
VOCAB = "vocab.json"
PARAMS = "params.npz"
KIND_NAMES = {"embeddings": "word vectors (train-embeddings)", "lm": "a language model (train-lm)"}
_BACKUP_TAG = ".w2vlm-old"


def current_umask():
    """The process umask (read without changing it for longer than a moment)."""
    mask = os.umask(0)
    os.umask(mask)
    return mask


def backup_name(directory):
    """Where a directory swap that cannot be atomic sets the old version aside (model_dir._swap_in)."""
    return directory.with_name(f".{directory.name}{_BACKUP_TAG}")


def restore_backup(directory):
    """Undo a swap that a crash cut in half (possible only where the atomic exchange is unavailable): the old
    model, complete, goes back in place; the staged new one may not be complete."""
    directory = Path(directory)
    backup = backup_name(directory)
    if backup.is_dir() and not directory.exists():
        os.rename(backup, directory)


def atomic_write(path, write):
    """Call ``write(file_object)`` on a temp file beside ``path``, then rename it into place. Only temp files of
    killed w2vlm writers are cleared first (their names carry w2vlm's tag and a pid that is gone)."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    remove_strays(path.parent.glob(f".{glob_escape(path.name)}{TEMP_TAG}*.tmp"))
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=temp_prefix(path), suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~current_umask())  # mkstemp makes 0600 files; artifacts get the usual permissions
        with os.fdopen(fd, "wb") as handle:
            write(handle)
            handle.flush()
            os.fsync(handle.fileno())
        os.replace(tmp, path)
    except BaseException:
        try:
            os.unlink(tmp)
        except OSError:
            pass
        raise


def glob_escape(name):
    """``name`` with glob's special characters taken literally."""
    return "".join(f"[{ch}]" if ch in "*?[" else ch for ch in name)


def write_bytes(path, data):
    """Atomically write bytes."""
    atomic_write(path, lambda handle: handle.write(data))


def write_text(path, text):
    """Atomically write UTF-8 text."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path, obj):
    """Atomically write ``obj`` as pretty UTF-8 JSON (Korean kept readable). A NaN or infinite number is
    written as null: JSON has no such numbers, and no file w2vlm writes may hold them."""
    write_text(path, json.dumps(finite_json(obj), ensure_ascii=False, indent=2, allow_nan=False) + "\n")


def finite_json(obj):
    """``obj`` with every non-finite float (NaN, inf) replaced by None."""
    if isinstance(obj, float):
        return obj if math.isfinite(obj) else None
    if isinstance(obj, dict):
        return {key: finite_json(value) for key, value in obj.items()}
    if isinstance(obj, (list, tuple)):
        return [finite_json(value) for value in obj]
    return obj


def read_json(path):
    """Read a JSON file, turning a missing or damaged file into an ArtifactError."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing; {what_to_do(path)}") from None
    except (ValueError, OSError) as exc:   # JSONDecodeError and UnicodeDecodeError are ValueErrors
        reason = exc.strerror if isinstance(exc, OSError) and exc.strerror else exc
        raise ArtifactError(f"{path} is not valid JSON ({reason}); {what_to_do(path)}") from None


def what_to_do(path):
    """The fix for a damaged file: resume state is retrained without --resume, anything else retrained."""
    if Path(path).name == "resume.npz":
        return "the resume state is damaged; train again without --resume (or delete that file)"
    return "the model directory is damaged; train or import it again"


def save_arrays(path, arrays):
    """Atomically save a dict of arrays as .npz (float arrays stored as float32 on the CPU)."""
    host = {}
    for name, value in arrays.items():
        value = np.asarray(to_cpu(value))
        if value.dtype.kind == "f":
            value = value.astype(np.float32, copy=False)
        host[name] = value
    atomic_write(path, lambda handle: np.savez(handle, **host))


def load_arrays(path):
    """Load every array of an .npz file (never with pickle)."""
    path = Path(path)
    try:
        with np.load(path, allow_pickle=False) as data:
            if not isinstance(data, np.lib.npyio.NpzFile):
                raise ValueError("not an .npz archive")
            return {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing; {what_to_do(path)}") from None
    # a truncated, empty or bit-flipped archive surfaces as any of these, depending on where the damage is
    except (ValueError, OSError, EOFError, KeyError, zipfile.BadZipFile, zlib.error) as exc:
        reason = " ".join(str(exc).split()) or type(exc).__name__
        raise ArtifactError(f"{path} cannot be read ({reason}); {what_to_do(path)}") from None


def save_config(directory, kind, config):
    """Write config.json with the artifact ``kind`` and the w2vlm version that made it."""
    payload = {"kind": kind, "w2vlm_version": __version__}
    payload.update(config)
    write_json(Path(directory) / CONFIG, payload)


def load_config(directory, kind):
    """Read config.json of a model directory and check that it holds a model of ``kind``."""
    directory = Path(directory)
    if not directory.exists():
        restore_backup(directory)   # a swap cut short where the atomic exchange is unavailable
    if not directory.is_dir():
        raise ArtifactError(f"model directory {directory} does not exist")
    if not (directory / CONFIG).exists():
        raise ArtifactError(f"{directory} is not a w2vlm model directory (no {CONFIG})")
    config = read_json(directory / CONFIG)
    if not isinstance(config, dict):
        raise ArtifactError(f"{directory / CONFIG} does not hold a JSON object; {what_to_do(directory / CONFIG)}")
    found = config.get("kind")
    if found != kind:
        raise ArtifactError(f"{directory} holds {KIND_NAMES.get(found, repr(found))}, not {KIND_NAMES.get(kind, kind)}")
    return config
