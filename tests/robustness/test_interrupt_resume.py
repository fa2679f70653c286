"""Ctrl-C keeps what was trained (exit 130); --resume continues the same run and refuses a different one."""

import json
import os
import signal
import subprocess
import sys

import numpy as np
import pytest

from w2vlm import ResumeRecord
from w2vlm.embeddings.vectors import WordVectors

from .conftest import LM_SMALL, W2V_SMALL, assert_one_error, ctrl_c_when_logged, run, write_corpus

W2V = ["--tokenizer", "whitespace", "--dim", "8", "--min-count", "1", "--threads", "1", "--sample", "0.01"]


def _cli(*args):
    return [sys.executable, "-c", "from w2vlm_cli.main import cli; cli()", *map(str, args)]


def _interrupt_after_first_epoch(command, env):
    """Run ``command``, send SIGINT once its log shows a finished epoch; return (code, stdout, stderr)."""
    child = subprocess.Popen(command, env=env, stdout=subprocess.PIPE, stderr=subprocess.PIPE, text=True)
    seen = []
    for line in child.stderr:
        seen.append(line)
        if line.startswith("epoch 1/"):
            child.send_signal(signal.SIGINT)
            break
    rest_out, rest_err = child.communicate(timeout=120)
    return child.returncode, rest_out, "".join(seen) + rest_err


@pytest.fixture
def env(tmp_path):
    return dict(os.environ, W2VLM_CACHE=str(tmp_path / "cache"))


def test_ctrl_c_in_train_embeddings_saves_incomplete_vectors_and_resume_matches(tmp_path, env):
    corpus = write_corpus(tmp_path / "c.txt", lines=4000, words=[f"w{i}" for i in range(300)])
    out, whole = tmp_path / "run", tmp_path / "whole"
    code, stdout, stderr = _interrupt_after_first_epoch(_cli("train-embeddings", corpus, "-o", out, "--epochs", 60,
                                                             *W2V), env)
    assert code == 130, stderr
    assert "Traceback" not in stderr and "interrupted in epoch" in stdout and "--resume" in stdout
    config = json.loads((out / "config.json").read_text())
    assert config["incomplete"] is True and ResumeRecord.load(out, "embeddings").epoch < 60
    query = run("similar", out, "w1")
    assert query.exit_code == 0 and "incomplete model" in query.output
    resumed = run("train-embeddings", "--resume", out)
    assert resumed.exit_code == 0, resumed.output
    assert json.loads((out / "config.json").read_text())["incomplete"] is False
    assert run("train-embeddings", corpus, "-o", whole, "--epochs", 60, *W2V).exit_code == 0
    np.testing.assert_array_equal(WordVectors.load(out).vectors, WordVectors.load(whole).vectors)


def test_ctrl_c_in_train_lm_keeps_the_best_model_and_exits_130(tmp_path, env, corpus):
    out = tmp_path / "lm"
    code, stdout, stderr = _interrupt_after_first_epoch(_cli("train-lm", corpus, "-o", out, "--epochs", 500,
                                                             *LM_SMALL), env)
    assert code == 130, stderr
    assert "Traceback" not in stderr and "interrupted after" in stdout and "best model is kept" in stdout
    assert run("generate", out, "--length", 3).exit_code == 0 and (out / "resume.npz").exists()


def test_resumed_embeddings_keep_their_options_and_corpus(tmp_path, corpus):
    out = tmp_path / "v"
    with ctrl_c_when_logged("training cbow") as ctrl_c:   # Ctrl-C as the first epoch starts
        interrupted = run("train-embeddings", corpus, "-o", out, "--epochs", 5, *W2V, verbose=True)
    assert ctrl_c.pressed and interrupted.exit_code == 130, interrupted.output
    assert "interrupted in epoch 2 of 5" in interrupted.output   # the first epoch finished, then it stopped
    assert_one_error(run("train-embeddings", "--resume", out, "--dim", 9), "--dim 9", "conflicts", code=2)
    assert_one_error(run("train-embeddings", "--resume", out, "--epochs", 2), "--epochs 2", "below", code=2)
    assert_one_error(run("train-embeddings", "--resume", out, "--fixed-window"), "--fixed-window", code=2)
    other = write_corpus(tmp_path / "other.txt", seed=9)
    assert_one_error(run("train-embeddings", "--resume", out, other), "corpus differs")
    into = tmp_path / "continued"
    result = run("train-embeddings", "--resume", out, "-o", into, "--dim", 8)   # same value: no conflict
    assert result.exit_code == 0, result.output
    config = json.loads((into / "config.json").read_text())
    assert config["epochs"] == 5 and config["dim"] == 8 and config["incomplete"] is False
    assert json.loads((out / "config.json").read_text())["incomplete"] is True   # the source is left as it was
    assert_one_error(run("train-embeddings", "--resume", into), "already finished 5 of its 5 epochs", code=2)
    extended = run("train-embeddings", "--resume", into, "--epochs", 6)
    assert extended.exit_code == 0, extended.output
    assert ResumeRecord.load(into, "embeddings").completed_epochs == 6


def test_resumed_lm_trains_to_the_saved_target(tmp_path, corpus):
    out, metrics = tmp_path / "lm", tmp_path / "m.json"
    with ctrl_c_when_logged("epoch 2/6:") as ctrl_c:   # while epoch 2 is recorded: it lands after the save
        result = run("train-lm", corpus, "-o", out, "--epochs", 6, "--layers", 1, *LM_SMALL, verbose=True)
    assert ctrl_c.pressed and result.exit_code == 130, result.output
    assert "interrupted after 2 of 6 epochs" in result.output
    assert_one_error(run("train-lm", "--resume", out, "--hidden-size", 16), "--hidden-size 16", code=2)
    assert_one_error(run("train-lm", "--resume", out, "--optimizer", "adam"), "--optimizer adam", code=2)
    assert_one_error(run("train-lm", "--resume", out, "--tokenizer", "char"), "--tokenizer", code=2)
    other = write_corpus(tmp_path / "other.txt", seed=9)
    assert_one_error(run("train-lm", "--resume", out, other), "corpus differs")
    result = run("train-lm", "--resume", out, "--metrics", metrics)
    assert result.exit_code == 0, result.output
    assert len(json.loads(metrics.read_text())["epochs"]) == 6   # the saved target, not the default 4
    assert_one_error(run("train-lm", "--resume", out), "already finished 6 of its 6 epochs", code=2)
    into = tmp_path / "lm8"
    assert run("train-lm", "--resume", out, "-o", into, "--epochs", 8, "--metrics", metrics).exit_code == 0
    assert len(json.loads(metrics.read_text())["epochs"]) == 8 and (into / "resume.npz").exists()
    assert json.loads((into / "config.json").read_text())["training"]["epochs"] == 8


def test_w2v_small_options_are_shared():
    assert "--dim" in W2V_SMALL


def test_ctrl_c_outside_training_exits_130_without_a_model(corpus, tmp_path):
    with ctrl_c_when_logged("tokenized ") as ctrl_c:   # Ctrl-C while the corpus is tokenized, before training
        result = run("train-embeddings", corpus, "-o", tmp_path / "v", *W2V, verbose=True)
    assert ctrl_c.pressed and result.exit_code == 130 and "interrupted; nothing more was saved" in result.output
    assert "training cbow" not in result.output
    assert "Traceback" not in result.output and not (tmp_path / "v").exists()
