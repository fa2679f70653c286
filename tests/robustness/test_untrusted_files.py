"""Issue 21, files read from disk are untrusted: word2vec headers that lie, NaN/inf vectors, user-dictionary
scores, ragged TSV rows; and no JSON w2vlm writes holds NaN or Infinity."""

import json
import struct

import pytest

from w2vlm import write_json

from .conftest import W2V_SMALL, assert_one_error, run


def _rows(n, dim):
    return "".join(f"w{i} " + " ".join(f"{(i + j) / 10:.1f}" for j in range(dim)) + "\n" for i in range(n))


@pytest.mark.parametrize("header,rows,fragment", [
    ("5 20", _rows(7, 20), "line 7 is a vector past the 5"),        # rows silently dropped before
    ("7 10", _rows(7, 20), "more than 10 numbers"),                 # 20-dim rows read as 10-dim garbage before
    ("2 3", "a 1 2 nan\nb 1 2 3\n", "line 2 holds NaN"),
    ("2 3", "a 1 2 3\nb 1 inf 3\n", "line 3 holds NaN"),
    ("2 3", "a 1 2 3\nb 1 1e40 3\n", "line 3 holds NaN"),
])
def test_word2vec_text_that_lies_is_refused(tmp_path, header, rows, fragment):   # item 10
    path = tmp_path / "vec.txt"
    path.write_text(f"{header}\n{rows}")
    result = run("import-vectors", path, "-o", tmp_path / "m")
    assert_one_error(result, str(path), fragment)
    assert "RuntimeWarning" not in result.output
    assert not (tmp_path / "m").exists()


def test_word2vec_binary_with_nan_is_refused(tmp_path):   # item 10
    path = tmp_path / "vec.bin"
    path.write_bytes(b"2 2\n" + b"a " + struct.pack("<2f", 1, 2) + b"\n" + b"b " + struct.pack("<2f", 1, float("nan"))
                     + b"\n")
    assert_one_error(run("import-vectors", path, "-o", tmp_path / "m", "--binary"), "vector 2 ('b')", "NaN")


@pytest.mark.parametrize("score", ["nan", "inf", "-inf", "1e300"])
def test_user_dictionary_scores_must_be_finite(corpus, tmp_path, score):   # item 11
    user = tmp_path / "words.tsv"
    user.write_text(f"고양이\tNNG\t1.5\n강아지\tNNG\t{score}\n", encoding="utf-8")
    result = run("train-embeddings", corpus, "-o", tmp_path / "v", "--dim", "8", "--min-count", "1",
                 "--epochs", "1", "--user-dict", user)
    assert_one_error(result, f"{user}:2", "score")
    assert not (tmp_path / "v").exists()


def test_written_json_never_holds_nan(tmp_path):   # item 11
    write_json(tmp_path / "x.json", {"loss": float("nan"), "rows": [1.0, float("inf")]})
    text = (tmp_path / "x.json").read_text()
    assert "NaN" not in text and "Infinity" not in text
    assert json.loads(text) == {"loss": None, "rows": [1.0, None]}


def test_ragged_tsv_rows_warn_or_are_refused(tmp_path):   # item 12
    tsv = tmp_path / "ratings.tsv"
    tsv.write_text("id\tdocument\tlabel\n" + "".join(f"{i}\tthe cat sat on a mat {i}\t1\n" for i in range(40))
                   + "41\n42\n", encoding="utf-8")
    strict = run("train-embeddings", tsv, "-o", tmp_path / "v", *W2V_SMALL, "--column", "document")
    assert_one_error(strict, f"{tsv}:42", "too few for column 1", "--errors replace")
    result = run("train-embeddings", tsv, "-o", tmp_path / "v", *W2V_SMALL, "--column", "document",
                 "--errors", "replace", verbose=True)
    assert result.exit_code == 0, result.output
    warnings = [line for line in result.output.splitlines() if "too few fields" in line]
    assert warnings == [f"warning: {tsv}: skipped 2 row(s) with too few fields for column 1"]
