"""One tiny ``--device gpu`` word2vec run and one LSTM LM run whose stand-in RawModule runs the real .cu kernels.

Not marked ``kernels`` (they take longer than the direct kernel tests); they run with the rest of the suite.
"""

import json
import random
import sys

import pytest
from click.testing import CliRunner

from tests.support import cupy_standin
from w2vlm_cli.main import cli

WORDS = ["cat dog mouse bird", "red green blue black", "run walk jump swim"]


@pytest.fixture
def real_cupy(monkeypatch, toolchain, tmp_path):
    """The stand-in with the real kernels (first-use self-checks included), and a tiny corpus."""
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    rnd = random.Random(0)
    lines = [" ".join(rnd.choice(WORDS[rnd.randrange(3)].split()) for _ in range(rnd.randint(3, 7)))
             for _ in range(40)]
    (tmp_path / "train.txt").write_text("\n".join(lines) + "\n")
    cupy = cupy_standin.install(monkeypatch, cupy_standin.make_cupy(toolchain=toolchain))
    assert sys.modules["cupy"] is cupy
    return tmp_path / "train.txt"


def _run(device, *args, quiet=True):
    result = CliRunner().invoke(cli, ["--quiet"] * quiet + ["--device", device, *map(str, args)],
                                catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_word2vec_on_gpu_runs_the_cuda_kernel_and_learns(real_cupy, tmp_path, model, caplog):
    caplog.set_level("INFO", logger="w2vlm")
    metrics = tmp_path / "metrics.json"
    _run("gpu", "train-embeddings", real_cupy, "-o", tmp_path / "vectors", "--model", model, "--tokenizer",
         "whitespace", "--dim", "8", "--min-count", "1", "--window", "2", "--epochs", "3", "--sample", "0",
         "--lr", "0.025", "--metrics", metrics, quiet=False)
    assert "fused CUDA kernel" in caplog.text and "disagree" not in caplog.text
    losses = [e["loss"] for e in json.loads(metrics.read_text())["epochs"]]
    assert losses[-1] < losses[0]


def test_lstm_lm_on_gpu_runs_the_cuda_kernels_and_equals_cpu(real_cupy, tmp_path, caplog):
    caplog.set_level("INFO", logger="w2vlm")
    options = ["--tokenizer", "whitespace", "--batch-size", "2", "--bptt", "4", "--embed-size", "8",
               "--hidden-size", "8", "--epochs", "1", "--lr", "2"]
    outputs = [_run(device, "train-lm", real_cupy, "-o", tmp_path / device, *options) for device in ("cpu", "gpu")]
    assert "disagree" not in caplog.text
    cupy = sys.modules["cupy"]
    from w2vlm.nn import fused
    assert all(fused.verdicts(cupy).values()) and fused.verdicts(cupy)  # the self-checks ran the real kernels
    ppl = [float(out.split("ppl ")[1].split()[0]) for out in outputs]
    assert ppl[1] == pytest.approx(ppl[0], rel=1e-4)
