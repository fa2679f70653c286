"""The word2vec vector formats of word2vec.c and gensim: text (`V D` header, `word v1 ... vD`) and binary (float32)."""

import bz2
import gzip
import logging
import re

import numpy as np

from ..atomic_files import atomic_write
from ..errors import ArtifactError

logger = logging.getLogger("w2vlm")

_CHUNK = 1 << 20
_FLOAT = np.dtype("<f4")  # word2vec.c writes native floats; every machine it ran on was little-endian
_WHITESPACE = re.compile(r"\s")
UNICODE_ERRORS = ("strict", "replace", "ignore")


def _open(path):
    """Open for binary reading; .gz and .bz2 files are decompressed on the fly (as gensim does)."""
    name = str(path)
    if name.endswith(".gz"):
        return gzip.open(path, "rb")
    if name.endswith(".bz2"):
        return bz2.open(path, "rb")
    return open(path, "rb")


def _parse_header(line):
    """(vocab_size, dim) from a `V D` header line, or None when the line is not one."""
    parts = line.split()
    if len(parts) == 2 and all(part.isdigit() for part in parts):
        return int(parts[0]), int(parts[1])
    return None


def _split_text_line(text, dim):
    """``word v1 ... vD`` -> (word, list of D number strings), or None.  The word may hold non-space whitespace."""
    text = text.rstrip()  # word2vec.c leaves a space before the newline
    parts = text.rsplit(" ", dim) if dim else text.split(" ")
    if dim and (len(parts) != dim + 1 or not parts[0]):
        parts = text.rsplit(None, dim)  # tab- or multi-space-separated files
        if len(parts) != dim + 1:
            return None
    return parts[0], parts[1:]


def _decode(raw, unicode_errors, path, where):
    try:
        return raw.decode("utf-8", errors=unicode_errors)
    except UnicodeDecodeError as exc:
        raise ArtifactError(f"{path}: {where} is not valid UTF-8 ({exc.reason}); "
                            "read it with --unicode-errors replace (or ignore)") from None


def detect_binary(path):
    """True when the file after its header is word2vec binary rather than text."""
    with _open(path) as handle:
        header = handle.readline(1 << 16)
        if _parse_header(header.decode("latin-1")) is None:
            return False  # headerless files (GloVe) are text
        dim = _parse_header(header.decode("latin-1"))[1]
        first = handle.readline(1 << 20)
    if not first:
        return False
    try:
        split = _split_text_line(first.decode("utf-8"), dim)
        if split is None:
            return True
        with np.errstate(over="ignore", invalid="ignore"):
            np.asarray(split[1], dtype=np.float32)
    except (UnicodeDecodeError, ValueError):
        return True
    return False


def read_word2vec(path, binary=None, unicode_errors="strict", limit=None):
    """Read a word2vec file -> (words, float32 vectors (V, D), binary).  Duplicate words keep their first vector."""
    if unicode_errors not in UNICODE_ERRORS:
        raise ValueError(f"unicode_errors must be one of {UNICODE_ERRORS}, got {unicode_errors!r}")
    if binary is None:
        binary = detect_binary(path)
    with _open(path) as handle:
        header_line = handle.readline(1 << 16)
        header = _parse_header(header_line.decode("latin-1"))
        if binary:
            if header is None:
                raise ArtifactError(f"{path}: a binary word2vec file starts with a 'VOCAB_SIZE DIM' line; "
                                    f"found {header_line[:40]!r}")
            words, vectors = _read_binary(handle, path, header, unicode_errors, limit)
        else:
            lines = handle if header else _prepend(header_line, handle)
            words, vectors = _read_text(lines, path, header, unicode_errors, limit)
    return words, vectors, binary


def _prepend(first, handle):
    yield first
    yield from handle


class _Collector:
    """Rows gathered in file order; duplicate words keep the first vector (as gensim does)."""

    def __init__(self, size, dim):
        self.words, self.seen, self.duplicates = [], set(), 0
        self.vectors = np.empty((size, dim), dtype=np.float32)

    def add(self, word, vector):
        if word in self.seen:
            self.duplicates += 1
            return
        self.seen.add(word)
        self.vectors[len(self.words)] = vector
        self.words.append(word)

    def result(self, path):
        if self.duplicates:
            logger.warning("%s: %d duplicate words; kept the first vector of each", path, self.duplicates)
        return self.words, self.vectors[:len(self.words)].copy() if self.duplicates else self.vectors


def _read_text(lines, path, header, unicode_errors, limit):
    if header is None:  # headerless (GloVe style): collect rows, the width set by the first line
        rows, dim, size = [], None, None
    else:
        size, dim = header
        size = size if limit is None else min(size, limit)
        rows = _Collector(size, dim)
    count, announced = 0, None if header is None else header[0]
    for line_no, raw in enumerate(lines, start=1 if header is None else 2):
        if count == size or (header is None and limit is not None and count == limit):
            if limit is None and raw.strip():   # the header promised fewer rows than the file holds
                raise ArtifactError(f"{path}: line {line_no} is a vector past the {announced:,} that the header "
                                    f"announces; fix the header's count")
            if limit is None:
                continue
            break
        text = _decode(raw, unicode_errors, path, f"line {line_no}")
        if not text.strip():
            continue
        split = _split_text_line(text, dim)
        if split is not None and dim is None:
            dim = len(split[1])
        if split is not None and " " in split[0]:   # more numbers than the header's (or first line's) dimension
            raise ArtifactError(f"{path}: line {line_no} holds more than {dim} numbers after the word; the "
                                f"{'header' if header else 'first line'} says {dim} dimensions")
        vector = _numbers(split[1], path, line_no) if split and split[1] else None
        if vector is None:
            raise ArtifactError(f"{path}: line {line_no} is not a word followed by {dim or 'some'} numbers; "
                                "is this a word2vec text file (binary files need --binary)?")
        if isinstance(rows, list):
            rows.append((split[0], vector))
        else:
            rows.add(split[0], vector)
        count += 1
    if isinstance(rows, list):
        if not rows:
            raise ArtifactError(f"{path} holds no vectors")
        collector = _Collector(len(rows), dim)
        for word, vector in rows:
            collector.add(word, vector)
        return collector.result(path)
    if count < size:
        raise ArtifactError(f"{path} ends after {count:,} of the {size:,} vectors its header announces; "
                            "is it truncated?")
    return rows.result(path)


def _numbers(fields, path, line_no):
    """float32 values of one row, or None when a field is not a number; NaN, inf and overflow are refused."""
    with np.errstate(over="ignore", invalid="ignore"):
        try:
            vector = np.asarray(fields, dtype=np.float32)
        except ValueError:
            return None
    _check_finite(vector, path, f"line {line_no}")
    return vector


def _check_finite(vector, path, where):
    if not np.isfinite(vector).all():
        raise ArtifactError(f"{path}: {where} holds NaN, inf or a number too large for float32; such vectors "
                            f"cannot be imported")


def _read_binary(handle, path, header, unicode_errors, limit):
    size, dim = header
    size = size if limit is None else min(size, limit)
    rows = _Collector(size, dim)
    width = dim * _FLOAT.itemsize
    buffer, start, count = b"", 0, 0
    while count < size:
        space = buffer.find(b" ", start)
        if space == -1 or len(buffer) - (space + 1) < width:
            more = handle.read(_CHUNK)
            if not more:
                raise ArtifactError(f"{path} ends after {count:,} of the {size:,} vectors its header announces; "
                                    "is it truncated, or a text file (use --text)?")
            buffer, start = buffer[start:] + more, 0
            continue
        raw_word = buffer[start:space].lstrip(b"\n")  # word2vec.c ends each vector with a newline; gensim doesn't
        word = _decode(raw_word, unicode_errors, path, f"word {count + 1}")
        vector = np.frombuffer(buffer, dtype=_FLOAT, count=dim, offset=space + 1)
        _check_finite(vector, path, f"vector {count + 1} ({word!r})")
        rows.add(word, vector)
        start = space + 1 + width
        count += 1
    return rows.result(path)


def _safe_words(words, space_replacement):
    """Words fit for the format: whitespace inside a word is replaced when asked, otherwise refused."""
    out, changed = [], False
    for word in words:
        if word.split() != [word]:
            fixed = _WHITESPACE.sub(space_replacement, word) if space_replacement is not None else ""
            if not fixed or fixed.split() != [fixed]:
                raise ArtifactError(f"cannot write the word {word!r}: word2vec files separate fields with spaces; "
                                    "replace whitespace inside words (--replace-spaces _)")
            word, changed = fixed, True
        out.append(word)
    if changed and len(set(out)) != len(out):
        logger.warning("replacing whitespace made some words identical; readers will keep the first of each")
    return out


def write_word2vec(path, words, vectors, binary=False, space_replacement=None):
    """Write vectors in word2vec text or binary format (atomically); words with whitespace are refused
    unless ``space_replacement`` (e.g. "_") is given."""
    vectors = np.asarray(vectors, dtype=np.float32)
    words = _safe_words(words, space_replacement)
    size, dim = vectors.shape
    header = f"{size} {dim}\n".encode()

    def write_text(handle):
        handle.write(header)
        row_format = " ".join(["%.9g"] * dim)  # 9 significant digits: every float32 reads back exactly
        for begin in range(0, size, 4096):
            block = vectors[begin:begin + 4096].tolist()
            lines = (f"{word} {row_format % tuple(row)}\n" for word, row in zip(words[begin:begin + 4096], block))
            handle.write("".join(lines).encode("utf-8"))

    def write_binary(handle):
        handle.write(header)
        little = vectors.astype(_FLOAT, copy=False)
        for word, row in zip(words, little):
            handle.write(word.encode("utf-8") + b" " + row.tobytes() + b"\n")  # newline as word2vec.c writes

    atomic_write(path, write_binary if binary else write_text)
