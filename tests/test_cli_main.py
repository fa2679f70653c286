"""The w2vlm group: help, version, usage errors (exit 2) and library errors (one line, exit 1)."""

import pytest
from click.testing import CliRunner

from w2vlm import __version__, backend
from w2vlm_cli.main import cli

COMMANDS = ["tokenize", "corpora", "train-embeddings", "similar", "analogy", "evaluate-embeddings", "export",
            "import-vectors", "train-lm", "perplexity", "generate"]


@pytest.fixture
def runner():
    return CliRunner()


def test_help_lists_every_command(runner):
    result = runner.invoke(cli, ["--help"])
    assert result.exit_code == 0
    for name in COMMANDS:
        assert name in result.output


def test_version(runner):
    result = runner.invoke(cli, ["--version"])
    assert result.exit_code == 0 and __version__ in result.output


@pytest.mark.parametrize("args", [["no-such-command"], ["--device", "tpu", "tokenize"], ["--seed", "x", "tokenize"]])
def test_usage_errors_exit_2(runner, args):
    result = runner.invoke(cli, args)
    assert result.exit_code == 2
    assert "Usage:" in result.output


def test_gpu_without_cupy_is_one_line_exit_1(runner, tmp_path):
    if backend.gpu_available():
        pytest.skip("this machine has a usable GPU")
    corpus = tmp_path / "c.txt"
    corpus.write_text("a b c d\n" * 20)
    result = runner.invoke(cli, ["--device", "gpu", "train-embeddings", str(corpus), "--tokenizer", "whitespace",
                                 "--min-count", "1", "-o", str(tmp_path / "out")])
    assert result.exit_code == 1
    lines = result.output.strip().splitlines()
    assert lines[-1].startswith("Error: --device gpu needs CuPy") and "pip install" in lines[-1]
    assert "Traceback" not in result.output
    assert not (tmp_path / "out").exists()
