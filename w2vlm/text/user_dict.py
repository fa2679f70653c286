"""User dictionaries for kiwi: word<TAB>tag[<TAB>score] lines read, normalized and hashed (discover.py finds words)."""

import hashlib
import json
import math

from ..errors import TokenizerError

MAX_SCORE = 100.0


def read_user_dict(path):
    """``[(word, tag, score), ...]`` from ``word<TAB>tag[<TAB>score]`` lines (UTF-8, BOM allowed); blank lines and
    '#' comments (whole lines, or after the last field) are skipped. The score (default 0.0) is kiwi's
    add_user_word score: higher makes the analyzer prefer the word."""
    try:
        with open(path, encoding="utf-8-sig") as handle:
            lines = handle.read().splitlines()
    except UnicodeDecodeError as exc:
        raise TokenizerError(f"{path} is not UTF-8 ({exc.reason} at byte {exc.start}); convert it, "
                             f"e.g. iconv -f cp949 -t utf-8") from None
    entries = []
    for lineno, line in enumerate(lines, 1):
        fields = [field.strip() for field in line.split("\t")]
        while fields and (not fields[-1] or fields[-1].startswith("#")):
            fields.pop()  # a trailing comment (discover-words writes one) or trailing tabs
        if not fields or fields[0].startswith("#"):
            continue
        if len(fields) not in (2, 3) or not fields[0] or not fields[1] or " " in fields[0]:
            raise TokenizerError(f"{path}:{lineno}: expected 'word<TAB>tag[<TAB>score]' (a word without spaces, "
                                 f"a tag such as NNP), got {line!r}")
        entries.append((fields[0], fields[1], _score(fields[2] if len(fields) == 3 else 0.0, f"{path}:{lineno}")))
    if not entries:
        raise TokenizerError(f"{path} holds no entries (lines 'word<TAB>tag[<TAB>score]')")
    return entries


def _score(value, where):
    """A finite score within +-MAX_SCORE (kiwi's scores are log-probability-like, a few units either side of 0)."""
    try:
        score = float(value)
    except (TypeError, ValueError):
        raise TokenizerError(f"{where}: the score {value!r} is not a number") from None
    if not math.isfinite(score) or abs(score) > MAX_SCORE:
        raise TokenizerError(f"{where}: the score {value!r} is not a number between -{MAX_SCORE:g} and "
                             f"{MAX_SCORE:g}")
    return score


def normalize_entries(entries):
    """Entries as a tuple of (word, tag, score) tuples, from a list read back out of a saved config."""
    normalized = []
    for entry in entries or ():
        if not isinstance(entry, (list, tuple)) or len(entry) not in (2, 3):
            raise TokenizerError(f"a user dictionary entry must be [word, tag] or [word, tag, score], not {entry!r}")
        word, tag, score = (list(entry) + [0.0])[:3]
        normalized.append((str(word), str(tag), _score(score, "a saved user dictionary entry")))
    return tuple(normalized)


def entries_digest(entries):
    """A short hash of the entries: the key under which an analyzer with these words is shared in a process."""
    return hashlib.sha256(json.dumps(list(entries), ensure_ascii=False).encode("utf-8")).hexdigest()[:16]
