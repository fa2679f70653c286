"""`w2vlm train-embeddings --subwords` through click's CliRunner: options, artifact, errors."""

import json
import re

import numpy as np
import pytest
from click.testing import CliRunner

from tests.embeddings.test_subword_train import HELD_OUT, eojeol_lines
from w2vlm.embeddings.vectors import WordVectors
from w2vlm_cli.main import cli


@pytest.fixture
def eojeol_file(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    path = tmp_path / "eojeol.txt"
    path.write_text("\n".join(eojeol_lines(lines=300)) + "\n", encoding="utf-8")
    return path


def _run(*args):
    return CliRunner().invoke(cli, ["--quiet", *map(str, args)], catch_exceptions=False)


@pytest.fixture
def jamo_model(eojeol_file, tmp_path):
    out = tmp_path / "jamo"
    result = CliRunner().invoke(cli, [
        "train-embeddings", str(eojeol_file), "-o", str(out), "--tokenizer", "whitespace", "--subwords", "jamo",
        "--dim", "16", "--min-count", "1", "--epochs", "3", "--buckets", "500000", "--model", "skipgram"])
    assert result.exit_code == 0, result.output
    assert re.search(r"saved 107 word vectors x 16 and [\d,]+ jamo n-gram vectors to ", result.output)
    return out


def test_train_with_jamo_subwords_saves_a_subword_artifact(jamo_model):
    config = json.loads((jamo_model / "config.json").read_text())
    assert config["subwords"] == {"kind": "jamo", "min_n": 3, "max_n": 6, "buckets": 500_000}
    assert config["subword_updates"] == "window"
    vectors = WordVectors.load(jamo_model)
    assert vectors.subwords is not None and vectors.subwords.vector(HELD_OUT) is not None


def test_char_subwords_with_ngram_lengths(eojeol_file, tmp_path):
    out = tmp_path / "char"
    result = _run("train-embeddings", eojeol_file, "-o", out, "--tokenizer", "whitespace", "--subwords", "char",
                  "--min-n", 1, "--max-n", 2, "--dim", 8, "--min-count", 1, "--epochs", 1,
                  "--subword-updates", "target")
    assert result.exit_code == 0, result.output
    assert json.loads((out / "config.json").read_text())["subword_updates"] == "target"
    subwords = WordVectors.load(out).subwords
    assert (subwords.scheme.kind, subwords.scheme.min_n, subwords.scheme.max_n) == ("char", 1, 2)
    assert subwords.pieces("학교의") == ["<학", "학", "학교", "교", "의", "의>"]  # 교의: never seen


@pytest.mark.parametrize("options, message", [
    (("--subwords", "bpe"), "Invalid value for '--subwords'"),
    (("--subwords", "jamo", "--buckets", 0), "Invalid value for '--buckets'"),
    (("--subwords", "jamo", "--subword-updates", "batch"), "Invalid value for '--subword-updates'"),
])
def test_bad_subword_options_are_usage_errors(eojeol_file, tmp_path, options, message):
    result = _run("train-embeddings", eojeol_file, "-o", tmp_path / "x", *options)
    assert result.exit_code == 2 and message in result.output


def test_min_n_above_max_n_is_a_one_line_error(eojeol_file, tmp_path):
    result = _run("train-embeddings", eojeol_file, "-o", tmp_path / "x", "--tokenizer", "whitespace",
                  "--subwords", "jamo", "--min-n", 5, "--max-n", 4)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == ["Error: need 1 <= --min-n <= --max-n (got min_n=5, max_n=4)"]
    assert not (tmp_path / "x").exists()


def test_similar_answers_for_an_eojeol_the_corpus_never_had(jamo_model):
    result = _run("similar", jamo_model, HELD_OUT, "-k", 3, "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.output)
    assert [row["word"][:2] for row in report["results"]].count("학교") >= 2, report
    assert report["resolution"] == {HELD_OUT: "subwords"}
    assert report["resolved"][HELD_OUT].startswith(f"{HELD_OUT} = mean of ")
    known = WordVectors.load(jamo_model).words[:2]
    report = json.loads(_run("analogy", jamo_model, known[0], known[1], HELD_OUT, "--json").output)
    assert report["resolution"] == {known[0]: "vocabulary", known[1]: "vocabulary", HELD_OUT: "subwords"}
    assert list(report["resolved"]) == [HELD_OUT]  # vocabulary words need no explanation
    table = _run("similar", jamo_model, HELD_OUT, "-k", 3).output
    assert table.startswith(f"({HELD_OUT} = mean of ") and "subword n-grams (<ㅎㅏ, " in table


def test_unknown_without_any_known_ngram_is_a_one_line_error(jamo_model):
    result = _run("similar", jamo_model, "xyz")
    assert result.exit_code == 1
    assert result.output.startswith("Error: 'xyz' is not in the vocabulary") and len(result.output.splitlines()) == 1


def test_export_word2vec_and_a_subword_file_that_imports_back(jamo_model, tmp_path):
    vec, npz, back = tmp_path / "m.vec", tmp_path / "m.npz", tmp_path / "back"
    assert _run("export", jamo_model, "-o", vec).exit_code == 0
    words = WordVectors.load_word2vec_format(vec)
    original = WordVectors.load(jamo_model)
    assert words.words == original.words and words.subwords is None
    result = _run("export", jamo_model, "--format", "w2vlm-subwords", "-o", npz)
    assert result.exit_code == 0, result.output
    result = _run("import-vectors", npz, "-o", back)
    assert result.exit_code == 0, result.output
    imported = WordVectors.load(back)
    np.testing.assert_array_equal(imported.vectors, original.vectors)
    np.testing.assert_array_equal(imported.subwords.vector(HELD_OUT), original.subwords.vector(HELD_OUT))
    assert imported.tokenizer_config == original.tokenizer_config
    assert _run("similar", back, HELD_OUT, "-k", 1).exit_code == 0


def test_subword_export_of_a_plain_model_and_damaged_files_are_one_line_errors(eojeol_file, tmp_path):
    plain = tmp_path / "plain"
    assert _run("train-embeddings", eojeol_file, "-o", plain, "--tokenizer", "whitespace", "--dim", 8,
                "--min-count", 1, "--epochs", 1, "--subwords", "none").exit_code == 0
    result = _run("export", plain, "--format", "w2vlm-subwords", "-o", tmp_path / "p.npz")
    assert result.exit_code == 1 and result.output.startswith("Error: this model has no subword vectors")
    fake = tmp_path / "fake.npz"
    np.savez(fake, meta=np.array('{"format": "other"}'), words=np.array(["a"]))
    result = _run("import-vectors", fake, "-o", tmp_path / "f")
    assert result.exit_code == 1 and "is not a readable w2vlm-subwords file" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_import_fasttext_vec_text(tmp_path):
    vec = tmp_path / "cc.ko.vec"  # fastText's own writer ends every line with a space
    vec.write_text("3 4\n영화 0.1 0.2 0.3 0.4 \n재미 -0.1 0.5 0.25 1 \n</s> 0 0 0 1 \n", encoding="utf-8")
    result = _run("import-vectors", vec, "-o", tmp_path / "ft")
    assert result.exit_code == 0, result.output
    vectors = WordVectors.load(tmp_path / "ft")
    assert vectors.words == ["영화", "재미", "</s>"]
    np.testing.assert_allclose(vectors["재미"], [-0.1, 0.5, 0.25, 1.0])


def test_jamo_plus_char_subwords_with_syllable_lengths(eojeol_file, tmp_path):
    out = tmp_path / "jamo-char"
    result = _run("train-embeddings", eojeol_file, "-o", out, "--tokenizer", "whitespace", "--subwords", "jamo+char",
                  "--max-n", 4, "--min-char-n", 2, "--max-char-n", 3, "--dim", 8, "--min-count", 1, "--epochs", 1)
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert config["subwords"] == {"kind": "jamo+char", "min_n": 3, "max_n": 4, "buckets": 2_000_000,
                                  "min_char_n": 2, "max_char_n": 3}
    pieces = WordVectors.load(out).subwords.pieces("학교의")
    assert [piece for piece in pieces if "학" in piece] == ["<학", "<학교", "학교"]  # 학교의 itself: never seen


def test_min_char_n_above_max_char_n_is_a_one_line_error(eojeol_file, tmp_path):
    result = _run("train-embeddings", eojeol_file, "-o", tmp_path / "x", "--tokenizer", "whitespace",
                  "--subwords", "jamo+char", "--min-char-n", 4, "--max-char-n", 2)
    assert result.exit_code == 1
    assert result.output.strip().splitlines() == [
        "Error: need 1 <= --min-char-n <= --max-char-n (got min_char_n=4, max_char_n=2)"]
