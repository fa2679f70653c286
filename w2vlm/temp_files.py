"""The names of w2vlm's temp files and staging directories, and which of them a killed writer left behind.

Every temp name w2vlm makes is ``.NAME.w2vlm-[stage-]PID-RANDOM.tmp``: it names w2vlm and the writing process, so
only the leftovers of a w2vlm process that is gone are ever removed; a user's ``.draft.tmp`` or a live writer's
temp file is never touched.
"""

import os
import re
from pathlib import Path

TEMP_TAG = ".w2vlm-"
STAGE_TAG = ".w2vlm-stage-"
_TEMP_PID = re.compile(r"\.w2vlm-(?:stage-)?(\d+)-[^/]*\.tmp$")


def temp_prefix(path):
    """The prefix of a temp file for ``path`` (``.NAME.w2vlm-PID-``)."""
    return f".{Path(path).name}{TEMP_TAG}{os.getpid()}-"


def is_stray(path):
    """True for a temp file or staging directory that w2vlm made in a process that is gone (a killed writer)."""
    match = _TEMP_PID.search(Path(path).name)
    if match is None:
        return False
    pid = int(match.group(1))
    if pid == os.getpid():
        return False
    try:
        os.kill(pid, 0)
    except ProcessLookupError:
        return True
    except OSError:   # alive, owned by someone else
        return False
    return False


def remove_strays(paths):
    """Remove the files among ``paths`` that :func:`is_stray` marks as left by a killed w2vlm writer."""
    for stray in paths:
        if stray.is_file() and is_stray(stray):
            stray.unlink(missing_ok=True)
