"""The query, evaluation, export and import commands through click's CliRunner: exit codes and output."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tests.embeddings.test_evaluate import ANALOGIES, PAIRS_TSV
from tests.embeddings.test_vectors import toy_vectors
from w2vlm.embeddings.vectors import WordVectors
from w2vlm_cli.main import cli


@pytest.fixture
def model(tmp_path):
    directory = tmp_path / "model"
    toy_vectors().save(directory, {"model": "cbow"})
    return directory


def run(*args, env=None):
    result = CliRunner().invoke(cli, [str(arg) for arg in args], env=env)
    return result


def test_similar_table_and_json(model):
    result = run("similar", model, "paris", "-k", "3")
    assert result.exit_code == 0, result.output
    lines = result.output.splitlines()
    assert lines[0].split() == ["#", "word", "similarity"] and lines[2].split()[:2] == ["1", "france"]
    assert len(lines) == 5
    result = run("similar", model, "왕", "여자", "--negative", "남자", "-k", "2", "--json")
    assert result.exit_code == 0, result.output
    payload = json.loads(result.output)
    assert payload["positive"] == ["왕", "여자"] and payload["negative"] == ["남자"]
    assert payload["results"][0]["word"] == "여왕" and isinstance(payload["results"][0]["similarity"], float)


def test_korean_table_columns_line_up(model):
    result = run("similar", model, "여자", "-k", "3")
    assert result.exit_code == 0, result.output
    from w2vlm_cli.tables import display_width
    widths = {display_width(line.rstrip()) for line in result.output.splitlines()[1:]}
    assert len(widths) == 1  # right-aligned scores end in the same column whatever the script


def test_analogy_add_and_mul(model):
    for method in ("add", "mul"):
        result = run("analogy", model, "남자", "왕", "여자", "--method", method)
        assert result.exit_code == 0, result.output
        assert result.output.splitlines()[0] == "남자 : 왕 :: 여자 : ?"
        assert result.output.splitlines()[3].split()[:2] == ["1", "여왕"]
    result = run("analogy", model, "france", "paris", "korea", "-k", "2", "--json")
    payload = json.loads(result.output)
    assert [r["word"] for r in payload["results"]][0] == "seoul" and len(payload["results"]) == 2


def test_unknown_word_is_one_line_error(model):
    result = run("similar", model, "kinng")
    assert result.exit_code == 1
    assert result.output.strip() == "Error: 'kinng' is not in the vocabulary (39 words); closest spellings: king"
    result = run("analogy", model, "man", "king", "여자사람")
    assert result.exit_code == 1 and "'여자사람' is not in the vocabulary" in result.output


def test_korean_query_uses_the_saved_tokenizer(tmp_path):
    words = ["대통령/NNG", "국민/NNG", "시민/NNG"]
    vectors = np.array([[1, 0, 0], [0.2, 1, 0], [0.3, 0.9, 0.1]], dtype=np.float32)
    WordVectors(words, vectors).save(tmp_path / "ko", tokenizer_config={"name": "kiwi", "pos": True})
    result = run("similar", tmp_path / "ko", "국민", "-k", "1", "--json")
    assert result.exit_code == 0, result.output
    assert json.loads(result.output)["results"][0]["word"] == "시민/NNG"


def test_bad_directories_and_options(tmp_path, model):
    assert run("similar", tmp_path / "missing", "king").exit_code == 2  # click.Path(exists=True)
    (tmp_path / "empty").mkdir()
    result = run("similar", tmp_path / "empty", "king")
    assert result.exit_code == 1 and "not a w2vlm model directory" in result.output
    assert run("similar", model).exit_code == 2  # WORD is required
    assert run("similar", model, "king", "-k", "0").exit_code == 2
    assert run("analogy", model, "a", "b", "c", "--method", "nope").exit_code == 2


def test_evaluate_embeddings_text_and_json(tmp_path, model):
    (tmp_path / "q.txt").write_text(ANALOGIES, encoding="utf-8")
    (tmp_path / "p.tsv").write_text(PAIRS_TSV, encoding="utf-8")
    result = run("evaluate-embeddings", model, "--analogies", tmp_path / "q.txt", "--pairs", tmp_path / "p.tsv")
    assert result.exit_code == 0, result.output
    assert "capital-world" in result.output and "75.0%" in result.output and "5/7" in result.output
    assert "p.tsv" in result.output and "2 of 9 questions" in result.output
    result = run("evaluate-embeddings", model, "--analogies", tmp_path / "q.txt", "--pairs", tmp_path / "p.tsv",
                 "--json")
    payload = json.loads(result.output)
    analogies, pairs = payload["analogies"], payload["pairs"]
    assert (analogies["accuracy"], analogies["correct"], analogies["evaluated"], analogies["oov"]) == \
        (pytest.approx(5 / 7), 5, 7, 2)
    assert analogies["sections"][0]["section"] == "capital-world"
    assert -1 <= pairs["spearman"] <= 1 and "pearson" in pairs and pairs["oov_ratio"] == pytest.approx(1 / 6)
    result = run("evaluate-embeddings", model, "--pairs", tmp_path / "p.tsv", "--pairs", tmp_path / "p.tsv",
                 "--json")
    assert [entry["oov"] for entry in json.loads(result.output)["pairs"]] == [1, 1]


def test_evaluate_embeddings_defaults_come_from_w2vlm_data(tmp_path, model):
    result = run("evaluate-embeddings", model, env={"W2VLM_DATA": ""})
    assert result.exit_code == 2 and "--analogies" in result.output
    data = tmp_path / "data" / "en-eval"
    data.mkdir(parents=True)
    (data / "questions-words.txt").write_text(ANALOGIES, encoding="utf-8")
    result = run("evaluate-embeddings", model, env={"W2VLM_DATA": str(tmp_path / "data")})
    assert result.exit_code == 2 and "wordsim353.tsv is missing" in result.output
    (data / "wordsim353.tsv").write_text(PAIRS_TSV, encoding="utf-8")
    result = run("evaluate-embeddings", model, "--json", env={"W2VLM_DATA": str(tmp_path / "data")})
    assert result.exit_code == 0, result.output
    assert set(json.loads(result.output)) == {"analogies", "pairs"}


@pytest.mark.parametrize("file_format", ["word2vec-text", "word2vec-binary"])
def test_export_then_import_round_trip(tmp_path, model, file_format):
    exported = tmp_path / "vectors.out"
    result = run("export", model, "--format", file_format, "-o", exported)
    assert result.exit_code == 0, result.output
    assert "wrote 39 vectors of 16 dims" in result.output
    result = run("import-vectors", exported, "-o", tmp_path / "imported")
    assert result.exit_code == 0, result.output
    imported = WordVectors.load(tmp_path / "imported")
    original = WordVectors.load(model)
    assert imported.words == original.words
    np.testing.assert_array_equal(imported.vectors, original.vectors)
    assert imported.config["format"] == file_format
    result = run("analogy", tmp_path / "imported", "남자", "왕", "여자")
    assert result.exit_code == 0 and "여왕" in result.output
    assert run("-q", "export", model, "--format", file_format, "-o", exported).output == ""


def test_import_options_and_errors(tmp_path):
    (tmp_path / "ko.txt").write_bytes(b"2 2\n\xed\x95\x9c\xea\xb5 1 2\n\xea\xb5\xad 3 4\n")  # first word cut short
    result = run("import-vectors", tmp_path / "ko.txt", "-o", tmp_path / "m")
    assert result.exit_code == 1 and "--unicode-errors replace" in result.output
    result = run("import-vectors", tmp_path / "ko.txt", "-o", tmp_path / "m", "--unicode-errors", "replace",
                 "--text", "--limit", "1")
    assert result.exit_code == 0, result.output
    assert WordVectors.load(tmp_path / "m").words == ["한\ufffd"]
    result = run("import-vectors", tmp_path / "ko.txt", "-o", tmp_path / "m2", "--binary")
    assert result.exit_code == 1 and result.output.startswith("Error: ")
    spaced = tmp_path / "spaced"
    WordVectors(["new york", "서울"], np.eye(2, dtype=np.float32)).save(spaced)
    result = run("export", spaced, "-o", tmp_path / "s.txt")
    assert result.exit_code == 1 and "--replace-spaces" in result.output
    assert run("export", spaced, "-o", tmp_path / "s.txt", "--replace-spaces", "_").exit_code == 0
    assert (tmp_path / "s.txt").read_text(encoding="utf-8").splitlines()[1].startswith("new_york ")


def test_export_projector_folder(tmp_path, model):
    result = run("export", model, "--format", "projector", "-o", tmp_path / "proj")
    assert result.exit_code == 0, result.output
    assert "wrote 39 vectors of 16 dims" in result.output
    vector_rows = (tmp_path / "proj" / "vectors.tsv").read_text(encoding="utf-8").splitlines()
    meta_rows = (tmp_path / "proj" / "metadata.tsv").read_text(encoding="utf-8").splitlines()
    assert len(vector_rows) == 39 and all(len(row.split("\t")) == 16 for row in vector_rows)
    assert meta_rows[0] == "word\tcount" and len(meta_rows) == 40
    assert meta_rows[1].split("\t")[0] == WordVectors.load(model).words[0]
    (tmp_path / "file").write_text("x")
    result = run("export", model, "--format", "projector", "-o", tmp_path / "file")
    assert result.exit_code == 2 and "writes a folder" in result.output
    result = run("export", model, "-o", tmp_path / "proj")
    assert result.exit_code == 2 and "writes a file" in result.output
