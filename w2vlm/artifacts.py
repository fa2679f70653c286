"""Model directories on disk: config.json + vocab.json + params.npz, written atomically, read without pickle."""

import json
import os
import tempfile
from pathlib import Path

import numpy as np

from . import __version__
from .errors import ArtifactError

CONFIG = "config.json"
VOCAB = "vocab.json"
PARAMS = "params.npz"


def atomic_write(path, write):
    """Call ``write(file_object)`` on a temp file beside ``path``, then rename it into place."""
    path = Path(path)
    path.parent.mkdir(parents=True, exist_ok=True)
    fd, tmp = tempfile.mkstemp(dir=path.parent, prefix=f".{path.name}.", suffix=".tmp")
    try:
        os.fchmod(fd, 0o666 & ~_umask())  # mkstemp makes 0600 files; artifacts get the usual permissions
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


def _umask():
    mask = os.umask(0)
    os.umask(mask)
    return mask


def write_bytes(path, data):
    """Atomically write bytes."""
    atomic_write(path, lambda handle: handle.write(data))


def write_text(path, text):
    """Atomically write UTF-8 text."""
    write_bytes(path, text.encode("utf-8"))


def write_json(path, obj):
    """Atomically write ``obj`` as pretty UTF-8 JSON (Korean kept readable)."""
    write_text(path, json.dumps(obj, ensure_ascii=False, indent=2) + "\n")


def read_json(path):
    """Read a JSON file, turning a missing or damaged file into an ArtifactError."""
    path = Path(path)
    try:
        with open(path, encoding="utf-8") as handle:
            return json.load(handle)
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing") from None
    except (json.JSONDecodeError, UnicodeDecodeError) as exc:
        raise ArtifactError(f"{path} is not valid JSON ({exc}); the model directory is damaged, train it again") from None


def save_arrays(path, arrays):
    """Atomically save a dict of arrays as .npz (float arrays stored as float32 on the CPU)."""
    from .backend import to_cpu
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
            return {name: data[name] for name in data.files}
    except FileNotFoundError:
        raise ArtifactError(f"{path} is missing") from None
    except (ValueError, OSError) as exc:
        raise ArtifactError(f"{path} cannot be read ({exc}); the model directory is damaged, train it again") from None


def save_config(directory, kind, config):
    """Write config.json with the artifact ``kind`` and the w2vlm version that made it."""
    payload = {"kind": kind, "w2vlm_version": __version__}
    payload.update(config)
    write_json(Path(directory) / CONFIG, payload)


def load_config(directory, kind):
    """Read config.json of a model directory and check that it holds a model of ``kind``."""
    directory = Path(directory)
    if not directory.is_dir():
        raise ArtifactError(f"model directory {directory} does not exist")
    if not (directory / CONFIG).exists():
        raise ArtifactError(f"{directory} is not a w2vlm model directory (no {CONFIG})")
    config = read_json(directory / CONFIG)
    found = config.get("kind")
    if found != kind:
        names = {"embeddings": "word vectors (train-embeddings)", "lm": "a language model (train-lm)"}
        raise ArtifactError(f"{directory} holds {names.get(found, repr(found))}, not {names.get(kind, kind)}")
    return config
