"""Whole model directories replaced atomically: staged beside the target, fsynced, then swapped into place."""

import ctypes
import errno
import os
import shutil
import uuid
from pathlib import Path

from .atomic_files import KIND_NAMES, backup_name, current_umask, restore_backup
from .errors import ArtifactError
from .temp_files import STAGE_TAG, TEMP_TAG, is_stray, remove_strays

MODEL_FILES = frozenset({"config.json", "vocab.json", "params.npz", "vectors.txt", "vectors.bin", "resume.npz"})
_RENAME_EXCHANGE = 2   # linux/fs.h
_AT_FDCWD = -100


def staging_name(directory):
    """A fresh sibling path for building the next version of ``directory``."""
    directory = Path(directory)
    return directory.with_name(f".{directory.name}{STAGE_TAG}{os.getpid()}-{uuid.uuid4().hex[:12]}.tmp")


def recover(directory):
    """Before writing: restore_backup, then remove stray staging directories and temp files of ``directory``
    left by a killed writer."""
    directory = Path(directory)
    restore_backup(directory)
    backup = backup_name(directory)
    if backup.is_dir():
        shutil.rmtree(backup, ignore_errors=True)
    if directory.parent.is_dir():
        for stray in directory.parent.glob(f".{directory.name}{STAGE_TAG}*.tmp"):
            if is_stray(stray):
                shutil.rmtree(stray, ignore_errors=True)
    if directory.is_dir():
        remove_strays(directory.glob(f".*{TEMP_TAG}*.tmp"))


def existing_kind(directory):
    """The ``kind`` in ``directory``/config.json, or None when it has no readable one."""
    import json
    try:
        with open(Path(directory) / "config.json", encoding="utf-8") as handle:
            config = json.load(handle)
    except (OSError, ValueError):
        return None
    return config.get("kind") if isinstance(config, dict) else "?"


def check_output(directory, kind):
    """Refuse, before any work, an output that is a file, an unwritable place, a model of another kind, or a
    directory with files that are not a w2vlm model. An empty or same-kind directory is fine: its model files
    are replaced whole, every other file in it is kept. Nothing on disk changes here."""
    directory = Path(directory)
    if directory.exists() and not directory.is_dir():
        raise ArtifactError(f"{directory} is a file, not a model directory; choose another -o/--output")
    if directory.is_dir():
        found = existing_kind(directory)
        entries = [p.name for p in directory.iterdir()]
        if found is not None and found != kind:
            what = KIND_NAMES.get(found, f"a {found!r} artifact") if isinstance(found, str) else "another program's"
            raise ArtifactError(f"{directory} holds {what} and would be overwritten by {KIND_NAMES[kind]}; choose "
                                f"another -o/--output or delete that directory first")
        foreign = [name for name in entries if name not in MODEL_FILES]
        if found is None and foreign:
            shown = ", ".join(sorted(foreign)[:3]) + (", ..." if len(foreign) > 3 else "")
            raise ArtifactError(f"{directory} is not a w2vlm model directory and holds files ({shown}); choose an "
                                f"empty or new -o/--output")
    check_writable(directory, "output directory")


def check_writable(path, what):
    """Refuse ``path`` when the nearest existing folder above it cannot be written."""
    path = Path(path).absolute()
    parent = path.parent
    while not parent.exists():
        parent = parent.parent
    if not parent.is_dir():
        raise ArtifactError(f"cannot write the {what} {path}: {parent} is a file")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise ArtifactError(f"cannot write the {what} {path}: {parent} is not writable; choose another path")


def check_file_output(path, what="--metrics file"):
    """Refuse a file output (e.g. --metrics) that is a directory or in an unwritable place, before any work."""
    path = Path(path)
    if path.is_dir():
        raise ArtifactError(f"the {what} {path} is a directory; give a file name")
    check_writable(path, what)


def write_directory(directory, write, keep=(), ours=MODEL_FILES.__contains__):
    """Build the next version of ``directory`` with ``write(staging_dir)``, carry over the files named in ``keep``
    and every entry that w2vlm did not write (``ours(name)`` is False: the user's notes, plots) from the current
    version (hard links), fsync everything, then swap it in: a kill at any moment leaves either the complete old
    directory or the complete new one."""
    directory = Path(directory)
    directory.parent.mkdir(parents=True, exist_ok=True)
    recover(directory)
    stage = staging_name(directory)
    stage.mkdir()
    try:
        os.chmod(stage, 0o777 & ~current_umask())
        write(stage)
        for name in keep:
            source = directory / name
            if source.is_file() and not (stage / name).exists():
                _link_or_copy(source, stage / name)
        for source in (directory.iterdir() if directory.is_dir() else ()):
            if not ours(source.name) and not is_stray(source) and not (stage / source.name).exists():
                _carry(source, stage / source.name)
        for item in stage.iterdir():
            if not item.is_symlink():
                _fsync_path(item)
        _fsync_path(stage)
        _swap_in(stage, directory)
    finally:
        if stage.exists():
            shutil.rmtree(stage, ignore_errors=True)
    return directory


def _swap_in(stage, directory):
    if not directory.exists():
        os.rename(stage, directory)
    elif not _exchange(stage, directory):
        backup = backup_name(directory)
        os.rename(directory, backup)     # a crash here is undone by recover(): backup -> directory
        os.rename(stage, directory)
        shutil.rmtree(backup, ignore_errors=True)
    _fsync_path(directory.parent)


def _exchange(first, second):
    """Atomically swap two paths with renameat2(RENAME_EXCHANGE); False where the system cannot."""
    try:
        libc = ctypes.CDLL(None, use_errno=True)
        renameat2 = libc.renameat2
    except (OSError, AttributeError):
        return False
    result = renameat2(_AT_FDCWD, os.fsencode(first), _AT_FDCWD, os.fsencode(second), _RENAME_EXCHANGE)
    if result == 0:
        return True
    code = ctypes.get_errno()
    if code in (errno.EINVAL, errno.ENOSYS, errno.ENOTSUP, errno.EOPNOTSUPP):
        return False
    raise OSError(code, os.strerror(code), str(second))


def _carry(source, target):
    """A user's file or folder, hard-linked (copied where links fail) into the next version."""
    if source.is_dir() and not source.is_symlink():
        shutil.copytree(source, target, symlinks=True, copy_function=_link_or_copy)
    elif source.is_symlink():
        os.symlink(os.readlink(source), target)
    else:
        _link_or_copy(source, target)


def _link_or_copy(source, target):
    try:
        os.link(source, target)
    except OSError:
        shutil.copy2(source, target)


def _fsync_path(path):
    fd = os.open(path, os.O_RDONLY)
    try:
        os.fsync(fd)
    finally:
        os.close(fd)
