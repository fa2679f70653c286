"""`w2vlm train-embeddings` through click's CliRunner: artifact, metrics, options, errors."""

import json
import os
from pathlib import Path

import numpy as np
import pytest
from click.testing import CliRunner

from tests.embeddings.test_train import topic_corpus
from w2vlm.embeddings.vectors import WordVectors
from w2vlm_cli.main import cli


@pytest.fixture
def corpus_file(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    ids, offsets, _, _ = topic_corpus(lines=400)
    topic_of = lambda i: i % 4  # noqa: E731  (words only need stable names here)
    path = tmp_path / "topics.txt"
    path.write_text("".join(" ".join(f"t{topic_of(j)}w{j}" for j in ids[a:b]) + "\n"
                            for a, b in zip(offsets[:-1], offsets[1:])), encoding="utf-8")
    return path


def _run(*args):
    return CliRunner().invoke(cli, ["--quiet", *map(str, args)], catch_exceptions=False)


def test_trains_and_saves_an_artifact_with_metrics(corpus_file, tmp_path):
    out, metrics = tmp_path / "vectors", tmp_path / "metrics.json"
    result = _run("--seed", 3, "train-embeddings", corpus_file, "-o", out, "--tokenizer", "whitespace",
                  "--dim", 12, "--min-count", 1, "--epochs", 2, "--metrics", metrics)
    assert result.exit_code == 0, result.output
    assert "saved 32 word vectors x 12" in result.output
    assert {p.name for p in out.iterdir()} >= {"config.json", "vocab.json", "params.npz", "vectors.txt"}
    config = json.loads((out / "config.json").read_text())
    assert config["kind"] == "embeddings" and config["model"] == "cbow" and config["seed"] == 3
    assert config["tokenizer"]["name"] == "whitespace" and config["epochs"] == 2
    vectors = WordVectors.load(out)
    assert len(vectors) == 32 and vectors.dim == 12 and vectors.extra_arrays["output_weights"].shape == (32, 12)
    report = json.loads(metrics.read_text())
    assert report["words_per_sec"] > 0 and len(report["epochs"]) == 2 and report["config"]["dim"] == 12
    assert report["kind"] == "embeddings" and report["interrupted"] is False and report["epochs"][0]["lr"] == 0.025


def test_skipgram_options_and_two_threads(corpus_file, tmp_path):
    out = tmp_path / "sg"
    result = _run("train-embeddings", corpus_file, "-o", out, "--tokenizer", "whitespace", "--model", "skipgram",
                  "--dim", 8, "--window", 2, "--fixed-window", "--sample", 0, "--negatives", 3, "--min-count", 1,
                  "--threads", 2, "--lr", 0.05, "--min-lr", 0.001, "--epochs", 1, "--max-vocab", 20)
    assert result.exit_code == 0, result.output
    config = json.loads((out / "config.json").read_text())
    assert (config["model"], config["window"], config["shrink_window"], config["sample"]) == ("skipgram", 2, False, 0)
    assert config["threads"] == 2 and config["vocab_size"] == 20
    assert np.isfinite(WordVectors.load(out).vectors).all()


def test_too_few_words_after_min_count_is_a_one_line_error(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    (tmp_path / "tiny.txt").write_text("a b c\n")
    result = _run("train-embeddings", tmp_path / "tiny.txt", "-o", tmp_path / "out", "--tokenizer", "whitespace")
    assert result.exit_code == 1
    assert "Error:" in result.output and "min_count=5" in result.output and "lower --min-count" in result.output


@pytest.mark.parametrize("option", [["--dim", "0"], ["--model", "glove"], ["--sample", "-1"]])
def test_bad_options_are_usage_errors(corpus_file, tmp_path, option):
    result = _run("train-embeddings", corpus_file, "-o", tmp_path / "out", *option)
    assert result.exit_code == 2


def test_output_is_required(corpus_file):
    assert _run("train-embeddings", corpus_file).exit_code == 2


@pytest.mark.slow
def test_ptb_catalog_name_trains_sensible_vectors(tmp_path, monkeypatch):
    data = os.environ.get("W2VLM_DATA")
    if not data or not (Path(data) / "ptb" / "ptb.train.txt").exists():
        pytest.skip("W2VLM_DATA with ptb/ptb.train.txt is not set; real-data test skipped")
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    out = tmp_path / "ptb"
    result = _run("train-embeddings", "ptb", "-o", out, "--epochs", 2, "--threads", 2, "--min-count", 1)
    assert result.exit_code == 0, result.output
    vectors = WordVectors.load(out)
    assert len(vectors) == 9999
    days = [word for word, _ in vectors.most_similar("monday", topn=5)]
    assert {"tuesday", "wednesday", "thursday", "friday"} & set(days)


def test_embedded_corpus_gets_small_corpus_defaults_unless_overridden(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    runner = CliRunner()
    result = runner.invoke(cli, ["-q", "train-embeddings", "-o", str(tmp_path / "a")])
    assert result.exit_code == 0, result.output
    config = json.loads((tmp_path / "a" / "config.json").read_text(encoding="utf-8"))
    assert (config["epochs"], config["min_count"]) == (30, 3)
    assert config["tokenizer"]["name"] == "kiwi"
    similar = runner.invoke(cli, ["similar", str(tmp_path / "a"), "대통령", "-k", "5", "--json"])
    assert similar.exit_code == 0, similar.output
    assert "국무총리" in similar.output or "국회의원" in similar.output  # the constitution's other office holders
    result = runner.invoke(cli, ["-q", "train-embeddings", "-o", str(tmp_path / "b"), "--epochs", "2"])
    config = json.loads((tmp_path / "b" / "config.json").read_text(encoding="utf-8"))
    assert (config["epochs"], config["min_count"]) == (2, 3)


def test_json_summary_on_stdout_progress_on_stderr(corpus_file, tmp_path):
    result = CliRunner().invoke(cli, ["train-embeddings", str(corpus_file), "-o", str(tmp_path / "v"),
                                      "--tokenizer", "whitespace", "--dim", "8", "--min-count", "1", "--epochs", "2",
                                      "--json"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)  # stdout holds the JSON object and nothing else
    assert summary["output"] == str(tmp_path / "v") and summary["vocab_size"] == 32
    assert len(summary["epochs"]) == 2 and summary["loss"] == summary["epochs"][-1]["loss"] > 0
    assert summary["config"]["dim"] == 8 and summary["words_per_sec"] > 0
    assert "epoch 2/2" in result.stderr and "saved" not in result.stdout
