"""One text column out of TSV/CSV corpora (--column NAME|INDEX, --delimiter), the header found or detected."""

import csv
import logging
import re
from dataclasses import dataclass

from ..errors import CorpusError

logger = logging.getLogger("w2vlm")

SAMPLE_LINES = 50  # first lines read to find the delimiter and the header
_IDENTIFIER = re.compile(r"[A-Za-z_][A-Za-z0-9_ .-]{0,39}")
_DELIMITER_NAMES = {"tab": "\t", "\\t": "\t", "comma": ",", "semicolon": ";", "pipe": "|"}


def parse_column(value):
    """``"document"`` -> "document" (a header name); ``"1"`` -> 1 (a 0-based index); None stays None."""
    if value is None or isinstance(value, int):
        return value
    text = str(value).strip()
    if not text:
        raise CorpusError("--column needs a header name or a 0-based index")
    return int(text) if text.isdigit() else text


def parse_delimiter(value):
    """``"tab"``/``"\\t"`` -> tab, ``"comma"`` -> ",", any single character as itself; None: detect it."""
    if value is None:
        return None
    delimiter = _DELIMITER_NAMES.get(str(value).lower(), str(value))
    if len(delimiter) != 1 or delimiter in "\r\n\"":
        raise CorpusError(f"--delimiter must be one character, 'tab' or 'comma', not {value!r}")
    return delimiter


def detect_delimiter(line):
    """Tab when the line has one, else comma."""
    return "\t" if "\t" in line else ","


def split_fields(line, delimiter):
    """The fields of one line: tabs split plainly (NSMC keeps quotes inside reviews), other delimiters as CSV."""
    line = line.rstrip("\r\n")
    if delimiter == "\t":
        return line.split("\t")
    return next(csv.reader([line], delimiter=delimiter), [])


def _is_number(text):
    try:
        float(text)
        return True
    except ValueError:
        return False


def looks_like_header(first, rows):
    """Whether the fields ``first`` name the columns of the data ``rows`` that follow: some column is numeric in
    every data row but not in the first, or the first row is short identifiers (id, document, label) where the
    data rows are not."""
    for j, name in enumerate(first):
        values = [row[j] for row in rows if j < len(row) and row[j].strip()]
        if values and all(map(_is_number, values)) and not _is_number(name):
            return True
    if len(set(first)) == len(first) and all(_IDENTIFIER.fullmatch(field.strip()) for field in first):
        return any(not all(_IDENTIFIER.fullmatch(field.strip()) for field in row) for row in rows)
    return False


@dataclass(frozen=True)
class ColumnPlan:
    """Where the text is: field ``index`` of lines split by ``delimiter``; the file's first line is a header to skip
    when ``header``."""
    index: int
    delimiter: str
    header: bool


def plan_column(head, column, delimiter=None, name="corpus"):
    """The ColumnPlan for ``column`` from the first lines ``head`` of a file (BOM removed). A NAME must be in the
    first line (the header); with an INDEX the first line is a header when it looks like one."""
    if not head:
        return ColumnPlan(column if isinstance(column, int) else 0, delimiter or "\t", False)
    delimiter = delimiter or detect_delimiter(head[0])
    first = split_fields(head[0], delimiter)
    if isinstance(column, str):
        if column not in first:
            raise CorpusError(f"{name}: no column '{column}' in the header {first}; pass --column with one of "
                              f"those names or a 0-based index")
        return ColumnPlan(first.index(column), delimiter, True)
    if column >= len(first):
        raise CorpusError(f"{name}: there is no column {column} (0-based); the first line has {len(first)} "
                          f"field(s) split by {delimiter!r}; check --column and --delimiter")
    rows = [split_fields(text, delimiter) for text in head[1:]]
    return ColumnPlan(column, delimiter, looks_like_header(first, rows))


def pick_column(lines, plan, from_file_start=True, strict=False, name="corpus"):
    """``(lineno, text)`` pairs of the planned column; the header is dropped when the lines start the file. A
    non-blank line with too few fields is refused when ``strict`` (--errors strict), else skipped and counted in
    one warning at the end."""
    ragged = 0
    for n, (lineno, text) in enumerate(lines):
        if n == 0 and from_file_start and plan.header:
            continue
        fields = split_fields(text, plan.delimiter)
        if plan.index < len(fields):
            yield lineno, fields[plan.index]
            continue
        if not text.strip():
            continue
        if strict:
            raise CorpusError(f"{name}:{lineno}: {len(fields)} field(s), too few for column {plan.index} "
                              f"(0-based); fix the row, or pass --errors replace to skip such rows with a warning")
        ragged += 1
    if ragged:
        logger.warning("warning: %s: skipped %s row(s) with too few fields for column %d", name, f"{ragged:,}",
                       plan.index)


def table_hint(lines, name="corpus"):
    """A one-line warning when ``lines`` (the first lines of a file read as plain text) look like a TSV file with a
    header, naming its columns and the likely text column; None otherwise."""
    rows = [line.rstrip("\r\n").split("\t") for line in lines if line.strip()]
    if len(rows) < 2 or len(rows[0]) < 2 or any(len(row) != len(rows[0]) for row in rows):
        return None
    first, data = rows[0], rows[1:]
    if not looks_like_header(first, data):
        return None
    def text_likeness(j):  # prefer columns that are not all numbers, then the longest on average
        values = [row[j] for row in data if row[j].strip()]
        return (not all(map(_is_number, values)), sum(map(len, values)) / len(data))

    text = max(range(len(first)), key=text_likeness)
    return (f"{name} looks like a TSV file with a header ({', '.join(first)}): every column is read as text; "
            f"pass --column {first[text]} (or --column {text}) to read only the text")
