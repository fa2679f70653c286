"""Output locations are checked before any work; replacing a model is all-or-nothing, even under kill -9."""

import json
import os
import signal
import subprocess
import sys
import time

import numpy as np
import pytest

from w2vlm.embeddings.vectors import WordVectors

from .conftest import LM_SMALL, W2V_SMALL, assert_one_error, run, write_corpus


def _cache_entries(tmp_path):
    return sorted(str(p) for p in (tmp_path / "cache").rglob("*"))


def test_lm_refuses_an_embeddings_directory_before_tokenizing(vectors_dir, tmp_path):
    fresh = write_corpus(tmp_path / "fresh.txt", seed=5)
    before, cached = sorted(p.name for p in vectors_dir.iterdir()), _cache_entries(tmp_path)
    result = run("train-lm", fresh, "-o", vectors_dir, *LM_SMALL)
    assert_one_error(result, str(vectors_dir), "word vectors", "choose another -o/--output")
    assert sorted(p.name for p in vectors_dir.iterdir()) == before
    assert _cache_entries(tmp_path) == cached   # nothing was tokenized


def test_embeddings_refuse_an_lm_directory_and_a_foreign_directory(lm_dir, tmp_path):
    corpus = write_corpus(tmp_path / "fresh.txt", seed=5)
    cached = _cache_entries(tmp_path)
    assert_one_error(run("train-embeddings", corpus, "-o", lm_dir, *W2V_SMALL), "a language model")
    foreign = tmp_path / "photos"
    foreign.mkdir()
    (foreign / "holiday.jpg").write_bytes(b"jpeg")
    assert_one_error(run("train-embeddings", corpus, "-o", foreign, *W2V_SMALL), "not a w2vlm model directory",
                     "holiday.jpg")
    assert_one_error(run("train-lm", corpus, "-o", foreign, *LM_SMALL), "not a w2vlm model directory")
    assert [p.name for p in foreign.iterdir()] == ["holiday.jpg"]
    assert_one_error(run("train-lm", corpus, "-o", corpus, *LM_SMALL), "is a file", code=2)
    assert _cache_entries(tmp_path) == cached


@pytest.mark.parametrize("command,small", [("train-embeddings", W2V_SMALL), ("train-lm", LM_SMALL)])
def test_bad_metrics_path_is_refused_before_training(corpus, tmp_path, command, small):
    out = tmp_path / "out"
    assert_one_error(run(command, corpus, "-o", out, "--metrics", tmp_path, *small), "--metrics", "directory",
                     code=2)
    assert_one_error(run(command, corpus, "-o", out, "--metrics", corpus / "m.json", *small), "is a file")
    assert not out.exists() and not (tmp_path / "cache").exists()


def test_same_kind_is_replaced_whole(vectors_dir, tmp_path):
    other = write_corpus(tmp_path / "other.txt", words="one two three four five six".split())
    result = run("train-embeddings", other, "-o", vectors_dir, *W2V_SMALL)
    assert result.exit_code == 0, result.output
    vectors = WordVectors.load(vectors_dir)
    assert set(vectors.words) == set("one two three four five six".split())
    assert "cat" not in (vectors_dir / "vectors.txt").read_text()
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []


def test_lm_over_an_lm_directory_drops_the_old_resume_state(lm_dir, tmp_path):
    other = write_corpus(tmp_path / "other.txt", words="one two three four five six".split())
    old = json.loads((lm_dir / "config.json").read_text())
    result = run("train-lm", other, "-o", lm_dir, "--epochs", 1, *LM_SMALL)
    assert result.exit_code == 0, result.output
    new = json.loads((lm_dir / "config.json").read_text())
    assert new["run"]["corpus"] != old["run"]["corpus"] and (lm_dir / "resume.npz").exists()


def _signature(directory):
    """(config words, params words, vectors.txt words): all three agree in a whole model."""
    config = json.loads((directory / "config.json").read_text())
    params = np.load(directory / "params.npz")["vectors"].shape[0]
    vocab = json.loads((directory / "vocab.json").read_text())["words"]
    text = (directory / "vectors.txt").read_text().splitlines()
    return config["vocab_size"], params, len(vocab), len(text) - 1, tuple(sorted(vocab)) == tuple(
        sorted(line.split()[0] for line in text[1:]))


def test_kill_9_during_train_embeddings_leaves_old_or_new(vectors_dir, tmp_path):
    """The issue's experiment: kill the CLI at times spread over a whole run that replaces a model."""
    other = write_corpus(tmp_path / "other.txt", lines=3000, words=[f"w{i}" for i in range(3000)])
    old = _signature(vectors_dir)
    env = dict(os.environ, W2VLM_CACHE=str(tmp_path / "cache"))
    command = [sys.executable, "-c", "from w2vlm_cli.main import cli; cli()", "--quiet", "train-embeddings", str(other), "-o",
               str(vectors_dir), *W2V_SMALL]
    started = time.perf_counter()
    subprocess.run(command, env=env, check=True)
    whole_run = time.perf_counter() - started
    new = _signature(vectors_dir)
    assert new != old and new[-1] and old[-1]
    WordVectors([f"x{i}" for i in range(5)], np.ones((5, 8), np.float32)).save(vectors_dir)
    for i in range(8):
        restore = _signature(vectors_dir)
        child = subprocess.Popen(command, env=env)
        time.sleep(whole_run * (0.4 + 0.6 * i / 7))   # the write is at the end of the run
        child.send_signal(signal.SIGKILL)
        child.wait()
        now = _signature(vectors_dir)
        assert now in (restore, new), now
        if now == new:
            WordVectors([f"x{i}" for i in range(5)], np.ones((5, 8), np.float32)).save(vectors_dir)
    assert WordVectors.load(vectors_dir)
