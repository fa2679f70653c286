"""Korean evaluation through the model's tokenizer: kor2vec's file formats, composed eojeol, coverage, the CLI."""

import json

import numpy as np
import pytest
from click.testing import CliRunner

from tests.embeddings.test_resolve import morpheme_vectors
from w2vlm.embeddings.eval_formats import detect_format, parse_analogies
from w2vlm.embeddings.correlation import spearman
from w2vlm.errors import CorpusError
from w2vlm_cli.main import cli

# kor2vec's layout: '# section' lines, blank lines between sections; 책 has no vector in the model below
KOR2VEC_ANALOGIES = """\
# 명사 - 명사+조사 (3 pairs)
밥 밥을 물 물을
물 물을 돈 돈을
밥 밥을 책 책을

먹었다 밥 먹었다 밥
"""
KOR2VEC_PAIRS = "\ufeff밥을,물을,8.5\r\n밥,돈,3\r\n책을,밥,5\r\n먹었다,밥을,6.25\r\n"


@pytest.fixture
def tagged():
    return morpheme_vectors()


@pytest.fixture
def files(tmp_path):
    analogies = tmp_path / "kor_analogy.txt"
    analogies.write_text(KOR2VEC_ANALOGIES, encoding="utf-8")
    pairs = tmp_path / "kor_ws.csv"
    pairs.write_bytes(KOR2VEC_PAIRS.encode("utf-8"))
    return analogies, pairs


def test_kor2vec_sections_and_format_detection(files, tmp_path):
    analogies, pairs = files
    sections, skipped = parse_analogies(analogies)
    assert [s["section"] for s in sections] == ["명사 - 명사+조사 (3 pairs)", "(section 2)"]
    assert [len(s["questions"]) for s in sections] == [3, 1] and skipped == 0
    assert (detect_format(analogies), detect_format(pairs)) == ("analogies", "pairs")
    google = tmp_path / "google.txt"
    google.write_text(": capital\nParis France Berlin Germany\n", encoding="utf-8")
    tsv = tmp_path / "ws.tsv"
    tsv.write_text("# comment\nold\tnew\t1.5\n", encoding="utf-8")
    assert (detect_format(google), detect_format(tsv)) == ("analogies", "pairs")
    prose = tmp_path / "prose.txt"
    prose.write_text("이것은 그냥 문장입니다\n", encoding="utf-8")
    with pytest.raises(CorpusError, match="holds neither analogy questions"):
        detect_format(prose)


def test_composed_eojeol_answer_syntactic_analogies(tagged, files):
    analogies, _ = files
    result = tagged.evaluate_analogies(analogies)
    first, second = result["sections"]
    # 밥을 - 밥 + 물 = 물을 (composed, a candidate of its own); 책 has no vector, so the third is not answered
    assert (first["questions"], first["evaluated"], first["correct"]) == (3, 2, 2)
    assert first["coverage"] == pytest.approx(2 / 3) and first["accuracy"] == 1.0
    # "먹었다 밥 먹었다 밥": the answer repeats a question word, which can never be chosen (gensim's rule)
    assert (second["questions"], second["evaluated"], second["correct"]) == (1, 1, 0)
    assert (result["questions"], result["evaluated"], result["oov"]) == (4, 3, 1)
    assert result["coverage"] == pytest.approx(3 / 4) and result["accuracy"] == pytest.approx(2 / 3)
    # candidates: 15 vocabulary rows + 밥을, 물을, 돈을, 먹었다 (책을's 책/NNG is unknown)
    assert (result["candidates"], result["extra_candidates"]) == (15 + 4, 4)
    assert result["words"] == {"vocabulary": 0, "token": 3, "subwords": 0, "composed": 4, "unknown": 2}


def test_vocabulary_only_scoring_finds_nothing_on_a_pos_model(tagged, files):
    analogies, pairs = files
    result = tagged.evaluate_analogies(analogies, compose=None)
    assert (result["evaluated"], result["coverage"], result["accuracy"]) == (0, 0.0, None)
    assert tagged.evaluate_pairs(pairs, compose=None)["evaluated"] == 0


def test_pairs_from_a_bom_csv_are_scored_with_composed_vectors(tagged, files):
    _, pairs = files
    result = tagged.evaluate_pairs(pairs)
    assert (result["pairs"], result["evaluated"], result["coverage"], result["skipped_lines"]) == (4, 3, 0.75, 0)
    cosines = [tagged.similarity(a, b) for a, b in [("밥을", "물을"), ("밥", "돈"), ("먹었다", "밥을")]]
    assert result["spearman"] == pytest.approx(spearman([8.5, 3, 6.25], cosines))
    # the mean is the sum scaled by 1/n: the same direction, so every cosine score is the same
    mean = tagged.evaluate_pairs(pairs, compose="mean")
    assert mean["spearman"] == pytest.approx(result["spearman"]) and mean["compose"] == "mean"
    np.testing.assert_allclose(3 * tagged.get_vector("먹었다", compose="mean"), tagged.get_vector("먹었다"),
                               rtol=1e-6)


def test_cli_routes_files_by_content_and_reports_coverage(tagged, files, tmp_path):
    analogies, pairs = files
    tagged.save(tmp_path / "ko")
    runner = CliRunner()
    result = runner.invoke(cli, ["evaluate-embeddings", str(tmp_path / "ko"), str(pairs), str(analogies)])
    assert result.exit_code == 0, result.output
    assert "명사 - 명사+조사 (3 pairs)" in result.output and "66.7%" in result.output  # coverage of section 1
    assert "kor_ws.csv" in result.output and "75.0%" in result.output
    assert "4 composed" in result.output and "2 without a vector" in result.output
    result = runner.invoke(cli, ["evaluate-embeddings", str(tmp_path / "ko"), str(pairs), str(analogies), "--json"])
    payload = json.loads(result.output)
    assert payload["analogies"]["coverage"] == pytest.approx(0.75) and payload["analogies"]["correct"] == 2
    assert payload["pairs"]["coverage"] == 0.75 and payload["analogies"]["compose"] == "sum"
    result = runner.invoke(cli, ["evaluate-embeddings", str(tmp_path / "ko"), str(analogies), "--vocab-only",
                                 "--json"])
    assert json.loads(result.output)["analogies"]["evaluated"] == 0


def test_cli_queries_say_how_the_vector_was_made(tagged, tmp_path):
    tagged.save(tmp_path / "ko")
    runner = CliRunner()
    result = runner.invoke(cli, ["similar", str(tmp_path / "ko"), "먹었다", "-k", "2"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines()[0] == "(먹었다 = 먹/VV + 었/EP + 다/EF)"
    result = runner.invoke(cli, ["analogy", str(tmp_path / "ko"), "밥", "밥을", "물", "--json"])
    payload = json.loads(result.output)
    assert payload["resolved"] == {"밥": "밥 = 밥/NNG", "밥을": "밥을 = 밥/NNG + 을/JKO", "물": "물 = 물/NNG"}
    assert payload["resolution"] == {"밥": "token", "밥을": "composed", "물": "token"}
    assert payload["results"][0]["word"] == "을/JKO"
    payload = json.loads(runner.invoke(cli, ["similar", str(tmp_path / "ko"), "먹었다", "밥/NNG", "--negative", "물",
                                             "--json"]).output)
    assert payload["resolution"] == {"먹었다": "composed", "밥/NNG": "vocabulary", "물": "token"}
    assert set(payload["resolved"]) == {"먹었다", "물"}


def test_the_real_kor2vec_files_parse_completely():
    import os
    from pathlib import Path
    folder = Path(os.environ.get("W2VLM_DATA", "/nonexistent")) / "ko-eval"
    if not (folder / "kor_ws353.csv").is_file():
        pytest.skip("W2VLM_DATA with ko-eval/ (kor2vec's test sets) is not set; real-data test skipped")
    from w2vlm.embeddings.eval_formats import parse_pairs
    semantic, skipped = parse_analogies(folder / "kor_analogy_semantic.txt")
    assert [len(s["questions"]) for s in semantic] == [210, 210] and skipped == 0
    assert semantic[0]["section"] == "국가 - 수도 (15 pairs)"
    syntactic, skipped = parse_analogies(folder / "kor_analogy_syntactic.txt")
    assert [len(s["questions"]) for s in syntactic] == [210] * 4 and skipped == 0
    pairs, skipped = parse_pairs(folder / "kor_ws353.csv")
    assert len(pairs) == 323 and skipped == 0 and pairs[0] == ("사랑", "섹스", 6.77)
    assert [detect_format(folder / name) for name in ("kor_analogy_semantic.txt", "kor_ws353.csv")] == \
        ["analogies", "pairs"]
