"""One file of a corpus read as lines: decoding (strict or replace), BOM, binary-file guard, byte ranges, one column."""

import codecs
import io
import itertools
import unicodedata
from dataclasses import dataclass
from pathlib import Path

from ..errors import CorpusError
from . import columns
from .replacements import ReplacementCount

_HEAD_BYTES = 8192


@dataclass(frozen=True)
class Source:
    """One file of a corpus: plain text, or a TSV whose ``column`` holds the text."""
    path: Path
    format: str = "text"
    column: object = None  # a header name (str) or a 0-based index (int): read only that column of each line
    label: str = None  # how messages name it ("<stdin>" for a spooled stdin)
    delimiter: str = None  # of the columns; None: tab when the first line has one, else comma

    @property
    def name(self):
        return self.label or str(self.path)


def read_lines(source, encoding, errors, normalize, start=0, end=None):
    """Yield the stripped, non-blank (and optionally normalized) lines of one file, decoding line by line
    (only the lines that start in the byte range [start, end))."""
    wide = codecs.lookup(encoding).name.startswith(("utf-16", "utf-32"))
    try:
        handle = open(source.path, "rb")
    except FileNotFoundError:
        raise CorpusError(f"{source.name}: no such file (was it moved while reading?)") from None
    with handle:
        head = handle.read(_HEAD_BYTES)
        nuls = head.count(b"\0")
        if not wide and nuls > max(1, len(head) // 1000):
            raise CorpusError(f"{source.name} looks like a binary file ({nuls} NUL bytes in its first "
                              f"{len(head):,} bytes); pass a plain-text file (compressed files are not read)")
        handle.seek(0)
        plan = None
        if source.column is not None:  # found from the file's first lines, whichever range this is
            plan = columns.plan_column(_head_lines(handle, source, encoding, errors), source.column,
                                       source.delimiter, source.name)
            handle.seek(0)
        if wide:
            lines = _wide_lines(handle, source, encoding, errors)
        else:
            if start > 0:
                handle.seek(start - 1)
                handle.readline()  # the rest of the line that holds byte start - 1 belongs to an earlier range
            lines = _decoded_lines(handle, source, encoding, errors, start, end)
        if start == 0:
            lines = _without_bom(lines)
        counter = None
        if errors == "replace" and start == 0 and end is None:   # a whole file: say what was replaced
            counter = ReplacementCount(source, encoding)
            lines = counter.count(lines)
        if plan is not None:
            lines = columns.pick_column(lines, plan, from_file_start=start == 0, strict=errors == "strict",
                                        name=source.name)
        for lineno, text in lines:
            text = text.strip()
            if not text:
                continue
            if normalize:
                text = unicodedata.normalize(normalize, text).strip()
                if not text:
                    continue
            yield text
        if counter is not None:
            counter.report()


def _head_lines(handle, source, encoding, errors):
    """The first lines of the open file (BOM removed), for finding its columns; the caller seeks back."""
    if codecs.lookup(encoding).name.startswith(("utf-16", "utf-32")):
        stream = io.TextIOWrapper(handle, encoding=encoding, errors=errors, newline=None)
        lines = enumerate(stream, 1)
        head = [text for _, text in itertools.islice(_without_bom(lines), columns.SAMPLE_LINES)]
        stream.detach()
        return head
    lines = _without_bom(_decoded_lines(handle, source, encoding, errors))
    return [text for _, text in itertools.islice(lines, columns.SAMPLE_LINES)]


def _without_bom(lines):
    for lineno, text in lines:
        yield lineno, text[1:] if lineno == 1 and text.startswith("\ufeff") else text


def _decoded_lines(handle, source, encoding, errors, start=0, end=None):
    decode = codecs.getdecoder(encoding)
    position = handle.tell()
    for lineno, raw in enumerate(handle, 1):
        if end is not None and position >= end:
            return
        position += len(raw)
        try:
            yield lineno, decode(raw, errors)[0]
        except UnicodeDecodeError as exc:
            where = f"{source.name}:{lineno}" if start == 0 else f"{source.name}: line {lineno} after byte {start:,}"
            raise CorpusError(f"{where}: byte 0x{raw[exc.start]:02x} at column {exc.start + 1} is "
                              f"not valid {encoding}; pass the right --encoding (e.g. cp949) or --errors replace") from None


def _wide_lines(handle, source, encoding, errors):
    """UTF-16/32 cannot be split at b"\\n" first, so decode as a stream (line numbers are approximate)."""
    stream = io.TextIOWrapper(handle, encoding=encoding, errors=errors, newline=None)
    lineno = 0
    try:
        for lineno, text in enumerate(stream, 1):
            yield lineno, text
    except UnicodeDecodeError:
        raise CorpusError(f"{source.name}: near line {lineno + 1}: text is not valid {encoding}; pass the right "
                          f"--encoding or --errors replace") from None
