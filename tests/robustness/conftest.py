"""Shared pieces of the robustness suite: tiny corpora and models, and the checks every failing command must pass."""

import contextlib
import logging
import os
import random
import signal

import pytest
from click.testing import CliRunner

from w2vlm_cli.main import cli

WORDS = "the cat sat on a mat dog ran to house big small red".split()
LM_SMALL = ["--tokenizer", "whitespace", "--batch-size", "4", "--bptt", "8", "--embed-size", "8", "--hidden-size", "8"]
W2V_SMALL = ["--tokenizer", "whitespace", "--dim", "8", "--min-count", "1", "--epochs", "1"]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))


def write_corpus(path, lines=300, seed=0, words=WORDS):
    rng = random.Random(seed)
    path.write_text("\n".join(" ".join(rng.choice(words) for _ in range(rng.randint(3, 9))) for _ in range(lines))
                    + "\n", encoding="utf-8")
    return path


@pytest.fixture
def corpus(tmp_path):
    return write_corpus(tmp_path / "train.txt")


def run(*args, input=None, verbose=False):
    """Invoke the CLI in-process (``--quiet`` unless ``verbose``: then log lines are in the output too);
    exceptions are caught so that a traceback shows up as a test failure."""
    return CliRunner().invoke(cli, [*([] if verbose else ["--quiet"]), *map(str, args)], input=input)


class _CtrlC(logging.Handler):
    """Sends this process a real SIGINT (Ctrl-C) when the w2vlm log first shows a message starting with ``prefix``."""

    def __init__(self, prefix):
        super().__init__(logging.INFO)
        self.prefix, self.pressed = prefix, False

    def emit(self, record):
        if not self.pressed and record.getMessage().startswith(self.prefix):
            self.pressed = True
            os.kill(os.getpid(), signal.SIGINT)


@contextlib.contextmanager
def ctrl_c_when_logged(prefix):
    """Within the block, Ctrl-C arrives the moment the command logs ``prefix`` (run the command ``verbose``: a
    --quiet run logs no info lines)."""
    press = _CtrlC(prefix)
    logger = logging.getLogger("w2vlm")
    logger.addHandler(press)
    try:
        yield press
    finally:
        logger.removeHandler(press)


def assert_one_error(result, *fragments, code=1):
    """Exit ``code``, one ``Error:`` line naming ``fragments``, no traceback, no escaped exception."""
    output = result.output
    assert result.exit_code == code, output
    assert result.exception is None or isinstance(result.exception, SystemExit), repr(result.exception)
    assert "Traceback" not in output
    errors = [line for line in output.splitlines() if line.startswith("Error:")]
    assert len(errors) == 1, output
    for fragment in fragments:
        assert fragment in errors[0], errors[0]
    return errors[0]


@pytest.fixture
def vectors_dir(tmp_path, corpus):
    out = tmp_path / "vectors"
    result = run("train-embeddings", corpus, "-o", out, *W2V_SMALL)
    assert result.exit_code == 0, result.output
    return out


@pytest.fixture
def lm_dir(tmp_path, corpus):
    out = tmp_path / "lm"
    result = run("train-lm", corpus, "-o", out, "--epochs", "2", *LM_SMALL)
    assert result.exit_code == 0, result.output
    return out
