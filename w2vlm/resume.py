"""Resume means the same run: saved options win, explicit conflicts are refused, the corpus must be the same."""

from .errors import ResumeConflict


def merge_resumed_options(saved, given, explicit, extendable=("epochs",), flags=None):
    """The options of the resumed run: ``saved`` values, except that an ``extendable`` option given explicitly may
    grow. An explicitly given option (names in ``explicit``) that differs from the saved one raises
    ResumeConflict naming it (``flags``: name -> how the user spells it); options not given take the saved
    values."""
    flags = flags or {}
    merged = dict(saved)
    for name in sorted(explicit):
        if name not in given or name not in saved:
            continue
        value, before = given[name], saved[name]
        if name in extendable:
            if value < before:
                raise ResumeConflict(f"{flags.get(name, _flag(name))} {value} is below the saved run's {before}; give a larger "
                                     f"value to extend it, or leave it out")
            merged[name] = value
        elif not _same(value, before):
            raise ResumeConflict(f"{flags.get(name, _flag(name))} {_show(value)} conflicts with the resumed run's "
                                 f"{_show(before)}; leave it out (resume continues the same run) or train anew "
                                 f"without --resume")
    return merged


def check_same_corpus(saved_digest, digest, directory):
    """Refuse resuming on a corpus whose content digest differs from the saved run's."""
    if saved_digest and digest != saved_digest:
        raise ResumeConflict(f"the corpus differs from the one {directory} was trained on (content digest "
                             f"{digest[:12]} vs {saved_digest[:12]}); resume needs the same corpus, or train anew "
                             f"without --resume")


def _flag(name):
    return "--" + name.replace("_", "-")


def _same(a, b):
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-12 * max(abs(float(a)), abs(float(b)), 1.0)
        except (TypeError, ValueError):
            return False
    return a == b


def _show(value):
    return "off" if value is None else str(value)
