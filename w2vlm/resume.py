"""Resume means the same run: the one conflict rule of both recipes, and the checks that the inputs are the same.

The rule (``merge_options``): the saved run's options stand; an option given again with the saved value is fine;
one given with another value is a ResumeConflict naming both values, except that ``--epochs`` may grow. The
inputs (corpus, validation and test files) must have the content digests the run saved (CorpusError otherwise).
"""

from .errors import CorpusError, ResumeConflict

EXTENDABLE = ("epochs",)


def merge_options(saved, given, *, extendable=EXTENDABLE, flags=None, what="the resumed run"):
    """``saved`` updated with ``given`` under the rule above (``flags``: option name -> how the user spells it)."""
    flags = flags or {}
    merged = dict(saved)
    for name in sorted(given):
        if name not in saved:
            merged[name] = given[name]
            continue
        value, before = given[name], saved[name]
        if name in extendable and value is not None and before is not None:
            if value < before:
                raise ResumeConflict(f"{flags.get(name, _flag(name))} {value} is below {what}'s {before}; give a "
                                     f"larger value to extend it, or leave it out")
            merged[name] = value
        elif not same_value(value, before):
            raise ResumeConflict(f"{flags.get(name, _flag(name))} {show(value)} conflicts with {what}'s "
                                 f"{show(before)}; leave it out (resume continues the same run) or train anew "
                                 f"without --resume")
    return merged


def check_same_tokenizer(saved, given):
    """A tokenizer given on resume must be the saved one (same name, options and --pos)."""
    if given is None or saved is None:
        return
    if _tokenizer_key(given) != _tokenizer_key(saved):
        raise ResumeConflict(f"--tokenizer {_tokenizer_text(given)} conflicts with the resumed run's "
                             f"{_tokenizer_text(saved)}; leave it out (resume keeps the run's tokenizer) or train "
                             f"anew without --resume")


def check_same_corpus(saved_digest, digest, directory):
    """Refuse resuming on a corpus whose content digest differs from the saved run's."""
    if saved_digest and digest != saved_digest:
        raise CorpusError(f"the corpus differs from the one {directory} was trained on (content digest "
                             f"{digest[:12]} vs {saved_digest[:12]}); resume needs the same corpus, or train anew "
                             f"without --resume")


def same_value(a, b):
    """Equal options: floats within rounding, lists and tuples alike, everything else by ==."""
    if isinstance(a, (list, tuple)) and isinstance(b, (list, tuple)):
        return len(a) == len(b) and all(same_value(x, y) for x, y in zip(a, b))
    if isinstance(a, bool) or isinstance(b, bool):
        return a == b
    if isinstance(a, float) or isinstance(b, float):
        try:
            return abs(float(a) - float(b)) <= 1e-12 * max(abs(float(a)), abs(float(b)), 1.0)
        except (TypeError, ValueError):
            return False
    return a == b


def show(value):
    return "off" if value is None else str(value)


def _flag(name):
    return "--" + name.replace("_", "-")


def _tokenizer_key(config):
    return {k: v for k, v in config.items() if k != "version"}


def _tokenizer_text(config):
    options = {k: v for k, v in config.items() if k not in ("name", "version", "pos")}
    text = config.get("name", "?") + (":" + ",".join(f"{k}={v}" for k, v in sorted(options.items()))
                                      if options else "")
    return text + (" --pos" if config.get("pos") else "")
