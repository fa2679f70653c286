"""Picture commands through CliRunner: plot-vectors, plot-metrics, --plot on the train commands, early failures."""

import json
import sys

import pytest
from click.testing import CliRunner

from tests.test_cli_embeddings import model  # noqa: F401  (the toy word-vector model fixture)
from tests.test_cli_lm import SMALL
from tests.test_cli_lm import corpus as lm_corpus  # noqa: F401
from tests.test_cli_train_embeddings import corpus_file  # noqa: F401
from w2vlm.plot.fonts import missing_characters
from w2vlm_cli.main import cli

PNG = b"\x89PNG\r\n\x1a\n"


def run(*args):
    return CliRunner().invoke(cli, [str(arg) for arg in args])


def test_plot_vectors_words_top_and_analogies(tmp_path, model):  # noqa: F811
    result = run("plot-vectors", model, "--words", "king,queen", "--words", "남자 여자 왕 여왕 nope", "-o",
                 tmp_path / "w.png", "--json")
    assert result.exit_code == 0, result.output
    report = json.loads(result.stdout)
    assert report["words"] == 6 and report["skipped"] == ["nope"] and report["missing_glyphs"] == []
    assert missing_characters(report["font"], "king queen 남자 여자 왕 여왕") == []
    assert (tmp_path / "w.png").read_bytes().startswith(PNG)
    assert "left out: nope" in result.stderr
    result = run("plot-vectors", model, "--top", "12", "-o", tmp_path / "t.png")
    assert result.exit_code == 0 and "drew 12 words (pca)" in result.output
    (tmp_path / "q.txt").write_text("# 성별\n남자 여자 왕 여왕\n: capital\nfrance paris korea seoul\n", encoding="utf-8")
    result = run("plot-vectors", model, "--analogies", tmp_path / "q.txt", "-o", tmp_path / "a.png")
    assert result.exit_code == 0, result.output
    assert "drew 8 words and 4 arrows" in result.output and (tmp_path / "a.png").stat().st_size > 5_000


def test_plot_vectors_usage_errors(tmp_path, model):  # noqa: F811
    result = run("plot-vectors", model, "-o", tmp_path / "x.png")
    assert result.exit_code == 2 and "--words" in result.output
    result = run("plot-vectors", model, "--top", "5", "-o", tmp_path / "missing" / "x.png")
    assert result.exit_code == 2 and "does not exist" in result.output
    result = run("plot-vectors", model, "--words", "zzz,yyy", "-o", tmp_path / "x.png")
    assert result.exit_code == 1 and result.output.startswith("Error: ") and "at least 2" in result.output
    assert not (tmp_path / "x.png").exists()


def test_plot_metrics_for_both_kinds(tmp_path):
    (tmp_path / "w2v.json").write_text(json.dumps({"epochs": [{"loss": 3.0, "words_per_sec": 1e6}]}))
    result = run("plot-metrics", tmp_path / "w2v.json", "-o", tmp_path / "w2v.png")
    assert result.exit_code == 0 and "word2vec curves of 1 epochs" in result.output
    (tmp_path / "lm.json").write_text(json.dumps({"best_epoch": 1, "epochs": [
        {"epoch": 1, "train_ppl": 300.0, "valid_ppl": 200.0, "lr": 20.0},
        {"epoch": 2, "train_ppl": 200.0, "valid_ppl": 210.0, "lr": 20.0}]}))
    result = run("plot-metrics", tmp_path / "lm.json", "-o", tmp_path / "lm.svg", "--title", "한국어 LM")
    assert result.exit_code == 0 and (tmp_path / "lm.svg").is_file()
    (tmp_path / "bad.json").write_text("{\"epochs\": []}")
    result = run("plot-metrics", tmp_path / "bad.json", "-o", tmp_path / "bad.png")
    assert result.exit_code == 1 and "no epochs" in result.output and not (tmp_path / "bad.png").exists()


def test_train_embeddings_and_train_lm_draw_their_curves(tmp_path, corpus_file, lm_corpus):  # noqa: F811
    result = run("-q", "train-embeddings", corpus_file, "-o", tmp_path / "v", "--tokenizer", "whitespace",
                 "--dim", "8", "--min-count", "1", "--epochs", "2", "--plot", tmp_path / "v.png")
    assert result.exit_code == 0, result.output
    assert (tmp_path / "v.png").read_bytes().startswith(PNG)
    result = run("-q", "train-lm", lm_corpus, "-o", tmp_path / "lm", "--epochs", "2", "--plot",
                 tmp_path / "lm.png", *SMALL)
    assert result.exit_code == 0, result.output
    assert (tmp_path / "lm.png").read_bytes().startswith(PNG)


@pytest.mark.parametrize("command", ["train-embeddings", "train-lm"])
def test_a_bad_plot_path_fails_before_training(tmp_path, corpus_file, command):  # noqa: F811
    result = run(command, corpus_file, "-o", tmp_path / "out", "--tokenizer", "whitespace",
                 "--plot", tmp_path / "no-such-folder" / "c.png")
    assert result.exit_code == 2 and "does not exist" in result.output
    result = run(command, corpus_file, "-o", tmp_path / "out", "--tokenizer", "whitespace", "--plot", tmp_path / "c.gif")
    assert result.exit_code == 2 and "suffix" in result.output
    assert not (tmp_path / "out").exists()  # nothing was trained


@pytest.mark.parametrize("command", ["train-embeddings", "plot-metrics"])
def test_missing_matplotlib_is_a_one_line_install_hint(tmp_path, corpus_file, monkeypatch, command):  # noqa: F811
    monkeypatch.setitem(sys.modules, "matplotlib", None)
    if command == "train-embeddings":
        result = run(command, corpus_file, "-o", tmp_path / "out", "--plot", tmp_path / "c.png")
    else:
        (tmp_path / "m.json").write_text("{}")
        result = run(command, tmp_path / "m.json", "-o", tmp_path / "c.png")
    assert result.exit_code == 1
    assert result.output == "Error: plotting needs matplotlib, which is not installed: pip install 'w2vlm[plot]'\n"
    assert not (tmp_path / "out").exists()
