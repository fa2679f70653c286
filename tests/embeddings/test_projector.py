"""The Embedding Projector export: row counts agree, numbers round-trip, odd words stay on one escaped row."""

import numpy as np

from w2vlm.embeddings.projector import escape_tsv_field, write_projector
from w2vlm.embeddings.vectors import WordVectors


def _unescape(field):
    out, chars = [], iter(field)
    for ch in chars:
        if ch != "\\":
            out.append(ch)
            continue
        code = next(chars)
        if code == "u":
            out.append(chr(int("".join(next(chars) for _ in range(4)), 16)))
        else:
            out.append({"\\": "\\", "t": "\t", "n": "\n", "r": "\r"}[code])
    return "".join(out)


def test_escaping_is_reversible_and_single_line():
    words = ["plain", "대통령/NNG", "tab\there", "new\nline", "cr\rx", "back\\slash", "\\t literally",
             "nul\x00", "sep\u2028x"]
    for word in words:
        escaped = escape_tsv_field(word)
        assert "\t" not in escaped and "\n" not in escaped and "\r" not in escaped and "\u2028" not in escaped
        assert _unescape(escaped) == word
    assert escape_tsv_field("tab\there") == "tab\\there"
    assert escape_tsv_field("\\t literally") != escape_tsv_field("\t literally")


def test_projector_files_have_one_row_per_word(tmp_path):
    words = ["국민", "a\tb", "c\nd", "e\\f", "정부"]
    rng = np.random.default_rng(0)
    matrix = rng.normal(size=(5, 7)).astype(np.float32)
    vectors = WordVectors(words, matrix, counts=[50, 4, 3, 2, 1])
    vectors_path, metadata_path = write_projector(vectors, tmp_path / "proj")
    vector_rows = vectors_path.read_text(encoding="utf-8").split("\n")
    assert vector_rows[-1] == "" and len(vector_rows) - 1 == 5
    parsed = np.array([[float(x) for x in row.split("\t")] for row in vector_rows[:-1]], dtype=np.float32)
    assert parsed.shape == (5, 7)
    np.testing.assert_allclose(parsed, matrix, rtol=1e-5, atol=1e-6)  # 6 significant digits
    meta_rows = metadata_path.read_text(encoding="utf-8").split("\n")
    assert meta_rows[0] == "word\tcount" and meta_rows[-1] == "" and len(meta_rows) - 2 == 5
    cells = [row.split("\t") for row in meta_rows[1:-1]]
    assert all(len(row) == 2 for row in cells)
    assert [_unescape(word) for word, _ in cells] == words
    assert [int(count) for _, count in cells] == [50, 4, 3, 2, 1]
    assert not list((tmp_path / "proj").glob(".*.tmp"))  # no temp files left behind


def test_vectors_without_counts_leave_the_count_empty(tmp_path):
    vectors = WordVectors(["x", "y"], np.eye(2, dtype=np.float32))
    _, metadata_path = write_projector(vectors, tmp_path)
    assert metadata_path.read_text(encoding="utf-8") == "word\tcount\nx\t\ny\t\n"
