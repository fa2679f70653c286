"""Readers for word-vector test files (Google or kor2vec analogies, TSV/CSV word pairs), told apart by content."""

import codecs
import csv

from ..errors import CorpusError


def read_lines(path, encoding="utf-8"):
    """Lines of a text file (a UTF-8 byte-order mark is dropped); undecodable bytes become a CorpusError."""
    try:
        utf8 = codecs.lookup(encoding).name == "utf-8"
    except LookupError:
        raise CorpusError(f"unknown text encoding {encoding!r} for {path}; use e.g. utf-8 or cp949") from None
    try:
        with open(path, encoding="utf-8-sig" if utf8 else encoding) as handle:
            return handle.read().splitlines()
    except UnicodeDecodeError as exc:
        hint = "; convert it, e.g. iconv -f cp949 -t utf-8" if utf8 else ""
        name = "UTF-8" if utf8 else encoding
        raise CorpusError(f"{path} is not {name} ({exc.reason} at byte {exc.start}){hint}") from None


def _is_section_header(line):
    return line.startswith(":") or line.startswith("#")


def parse_analogies(path):
    """``(sections, skipped)``: sections are ``{"section": name, "questions": [[a, b, c, d], ...]}`` in file order.

    A line starting with ':' (Google/gensim) or '#' (kor2vec) names a new section; a blank line ends one, so
    questions after it without a header form "(section N)"; questions before any header form "(no section)".
    Lines that are not four words are skipped (and counted)."""
    sections, skipped, open_section = [], 0, False
    for line in read_lines(path):
        stripped = line.strip()
        if not stripped:
            open_section = False
            continue
        if _is_section_header(stripped):
            sections.append({"section": stripped[1:].strip(), "questions": []})
            open_section = True
            continue
        words = stripped.split()
        if len(words) != 4:
            skipped += 1
            continue
        if not open_section:
            name = "(no section)" if not sections else f"(section {len(sections) + 1})"
            sections.append({"section": name, "questions": []})
            open_section = True
        sections[-1]["questions"].append(words)
    return sections, skipped


def _split_pair_line(line, delimiter):
    if delimiter == ",":
        fields = next(csv.reader([line]))
    else:
        fields = line.split(delimiter)
    return [field.strip() for field in fields]


def parse_pairs(path, delimiter=None, encoding="utf-8"):
    """``(rows, skipped)``: rows are (word1, word2, score); '#' lines and blank lines are passed over, headers and
    malformed lines skipped (and counted). The delimiter (tab, comma or spaces) comes from the first data line
    unless given."""
    rows, skipped = [], 0
    for line in read_lines(path, encoding):
        if not line.strip() or line.startswith("#"):
            continue
        if delimiter is None:
            delimiter = "\t" if "\t" in line else "," if "," in line else " "
        fields = _split_pair_line(line, delimiter if delimiter != " " else None)
        try:
            first, second, score = fields
            rows.append((first, second, float(score)))
        except ValueError:
            skipped += 1
    return rows, skipped


def _is_pair_line(line):
    for delimiter in ("\t", ",", None):
        fields = line.split(delimiter)
        if len(fields) == 3:
            try:
                float(fields[2])
                return True
            except ValueError:
                pass
    return False


def detect_format(path, sample=200):
    """"analogies" or "pairs", from the first ``sample`` data lines (not the file name): lines of three fields
    ending in a number are pairs, lines of four words are analogy questions. CorpusError when neither fits."""
    analogies = pairs = 0
    for line in read_lines(path):
        stripped = line.strip()
        if not stripped or _is_section_header(stripped):
            continue
        if _is_pair_line(stripped):
            pairs += 1
        elif len(stripped.split()) == 4:
            analogies += 1
        if analogies + pairs >= sample:
            break
    if not analogies and not pairs:
        raise CorpusError(f"{path} holds neither analogy questions ('a b c d' lines) nor scored word pairs "
                          "('word1<TAB>word2<TAB>score' or comma-separated lines)")
    return "pairs" if pairs > analogies else "analogies"
