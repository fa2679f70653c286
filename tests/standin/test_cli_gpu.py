"""Every CLI command on ``--device gpu`` through the strict CuPy stand-in, compared with ``--device cpu``.

The stand-in runs the GPU code path (CuPy arrays, the fused-kernel dispatch, the NumPy transcriptions of the CUDA
kernels) on the CPU: these tests prove the plumbing, not the CUDA code (benchmarks/gpu_check.py does that on a
lent GPU).
"""

import json
import random

import numpy as np
import pytest
from click.testing import CliRunner

from w2vlm.embeddings.vectors import WordVectors
from w2vlm_cli.main import cli

TOPICS = ["cat dog mouse bird fish horse", "red green blue yellow black white", "run walk jump swim fly sit"]


@pytest.fixture
def corpus(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    rnd = random.Random(0)
    lines = []
    for _ in range(400):
        words = TOPICS[rnd.randrange(3)].split()
        lines.append(" ".join(rnd.choice(words) for _ in range(rnd.randint(3, 9))))
    path = tmp_path / "train.txt"
    path.write_text("\n".join(lines) + "\n")
    return path


def run(*args, device="cpu"):
    result = CliRunner().invoke(cli, ["--quiet", "--device", device, *map(str, args)], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    return result.output


def both(*args):
    """The command's output on cpu and on gpu (the stand-in)."""
    return run(*args, device="cpu"), run(*args, device="gpu")


def _first_number(text):
    return float(text.split("ppl ")[1].split()[0])


EMBED = ["--tokenizer", "whitespace", "--dim", "8", "--min-count", "1", "--epochs", "2", "--window", "2"]


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_train_embeddings_layered_gpu_equals_cpu(standin_cupy, corpus, tmp_path, model):
    """--no-fused: the layered model with the same seed draws the same windows and negatives on both devices."""
    for device in ("cpu", "gpu"):
        run("--no-fused", "train-embeddings", corpus, "-o", tmp_path / device, "--model", model, *EMBED, device=device)
    cpu, gpu = WordVectors.load(tmp_path / "cpu"), WordVectors.load(tmp_path / "gpu")
    assert cpu.words == gpu.words
    np.testing.assert_allclose(gpu.vectors, cpu.vectors, rtol=1e-4, atol=1e-6)


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_train_embeddings_fused_gpu_runs_the_cuda_runner_and_learns(standin_cupy, corpus, tmp_path, model, caplog):
    """Fused: numba on the CPU, the CUDA runner (its NumPy transcription here) on the GPU, one training loop."""
    caplog.set_level("INFO", logger="w2vlm")
    metrics = {}
    for device in ("cpu", "gpu"):
        out = tmp_path / device
        CliRunner().invoke(cli, ["--device", device, "train-embeddings", str(corpus), "-o", str(out), "--model", model,
                                 "--metrics", str(tmp_path / f"{device}.json"), *EMBED, "--epochs", "8", "--sample", "0",
                                 "--lr", "0.1"],
                           catch_exceptions=False)
        metrics[device] = json.loads((tmp_path / f"{device}.json").read_text())
    assert "fused CUDA kernel" in caplog.text and "thread(s)" in caplog.text  # the log names what ran
    losses = {d: [e["loss"] for e in m["epochs"]] for d, m in metrics.items()}
    assert losses["gpu"][-1] < losses["gpu"][0]
    assert losses["gpu"][-1] == pytest.approx(losses["cpu"][-1], rel=0.15)
    vectors = WordVectors.load(tmp_path / "gpu")
    same_topic = [w for w, _ in vectors.most_similar("cat", topn=3)]
    assert set(same_topic) <= set(TOPICS[0].split())


def test_subword_embeddings_on_gpu_train_the_layered_model_like_cpu(standin_cupy, corpus, tmp_path, caplog):
    """There is no CUDA fastText kernel: on the GPU --subwords trains the layered model, as --no-fused on the CPU."""
    caplog.set_level("INFO", logger="w2vlm")
    run("--no-fused", "train-embeddings", corpus, "-o", tmp_path / "cpu", *EMBED, "--subwords", "char")
    CliRunner().invoke(cli, ["--device", "gpu", "train-embeddings", str(corpus), "-o", str(tmp_path / "gpu"),
                             *EMBED, "--subwords", "char"], catch_exceptions=False)
    assert "with subwords" in caplog.text and "layered model on cupy" in caplog.text
    cpu, gpu = WordVectors.load(tmp_path / "cpu"), WordVectors.load(tmp_path / "gpu")
    np.testing.assert_allclose(gpu.vectors, cpu.vectors, rtol=1e-4, atol=1e-6)


def test_queries_and_evaluation_on_gpu_equal_cpu(standin_cupy, corpus, tmp_path):
    run("train-embeddings", corpus, "-o", tmp_path / "vectors", *EMBED)
    model = tmp_path / "vectors"
    assert len(set(both("similar", model, "cat", "-k", "3", "--json"))) == 1
    assert len(set(both("analogy", model, "cat", "dog", "red", "-k", "2", "--json"))) == 1
    analogies = tmp_path / "analogies.txt"
    analogies.write_text(": animals\ncat dog red green\nbird fish blue yellow\n")
    pairs = tmp_path / "pairs.tsv"
    pairs.write_text("cat\tdog\t9\ncat\tred\t1\nrun\twalk\t8\nblue\tswim\t2\n")
    cpu, gpu = both("evaluate-embeddings", model, "--analogies", analogies, "--pairs", pairs, "--json")
    assert cpu == gpu and json.loads(gpu)


LM = ["--tokenizer", "whitespace", "--batch-size", "4", "--bptt", "6", "--embed-size", "8", "--hidden-size", "8",
      "--epochs", "2"]
LM_CASES = {
    "lstm-1": ["--lr", "2"],  # a gentle lr: float32 rounding of numba vs CUDA kernels must not be amplified
    "rnn-2-locked-tied": ["--cell", "rnn", "--layers", "2", "--dropout", "0.3", "--dropout-kind", "locked",
                          "--tie-weights", "--lr", "2"],
    "lstm-2-dropout-adam": ["--layers", "2", "--dropout", "0.2", "--optimizer", "adam", "--lr", "0.01"],
}


@pytest.mark.parametrize("case", LM_CASES)
@pytest.mark.parametrize("fused", [True, False], ids=["fused", "layered"])
def test_train_lm_on_gpu_equals_cpu(standin_cupy, corpus, tmp_path, case, fused):
    flags = [] if fused else ["--no-fused"]
    outputs = [run(*flags, "train-lm", corpus, "-o", tmp_path / device, *LM, *LM_CASES[case], device=device)
               for device in ("cpu", "gpu")]
    assert _first_number(outputs[1]) == pytest.approx(_first_number(outputs[0]), rel=1e-4)
    assert "test ppl" in outputs[1]


def test_perplexity_and_generate_on_gpu_equal_cpu(standin_cupy, corpus, tmp_path):
    model = tmp_path / "lm"
    run("train-lm", corpus, "-o", model, *LM, "--layers", "2", "--lr", "2")
    cpu, gpu = both("perplexity", model, corpus, "--json")
    assert json.loads(gpu)["perplexity"] == pytest.approx(json.loads(cpu)["perplexity"], rel=1e-5)
    cpu, gpu = both("perplexity", model, corpus, "--batch-size", "1")
    assert float(gpu) == pytest.approx(float(cpu), rel=1e-5)
    for options in (["--temperature", "0"], ["--top-k", "3"], ["--top-p", "0.9", "--stop-at-eos"]):
        cpu, gpu = both("generate", model, "--prompt", "cat dog", "--length", "8", "--seed", "3", *options)
        assert gpu == cpu and gpu.strip()


def test_resume_on_gpu_continues_exactly(standin_cupy, corpus, tmp_path):
    """Dropout masks come from a counter-based generator whose state resume.npz keeps: an interrupted GPU run
    resumed in a fresh model ends where an uninterrupted one does."""
    options = [*LM, "--dropout", "0.3", "--layers", "2"]  # 2 epochs
    whole = run("train-lm", corpus, "-o", tmp_path / "whole", *options, "--epochs", "3", device="gpu")
    run("train-lm", corpus, "-o", tmp_path / "part", *options, device="gpu")  # stops after epoch 2 of 3
    # (a different --seed would be refused: resume continues the same run; the generator state comes from
    # resume.npz, not from the seed, since the fresh model's generator starts at the seed's first state)
    resumed = run("train-lm", "--resume", tmp_path / "part", "--epochs", "3", device="gpu")
    assert resumed.split("; model")[0] == whole.split("; model")[0]
    cpu = run("train-lm", corpus, "-o", tmp_path / "cpu", *options, "--epochs", "3", device="cpu")
    assert _first_number(cpu) == pytest.approx(_first_number(whole), rel=1e-4)


def test_init_embeddings_on_gpu_equals_cpu(standin_cupy, corpus, tmp_path):
    run("train-embeddings", corpus, "-o", tmp_path / "vectors", *EMBED)
    outputs = [run("train-lm", corpus, "-o", tmp_path / device, *LM, "--lr", "2", "--init-embeddings",
                   tmp_path / "vectors", device=device) for device in ("cpu", "gpu")]
    assert _first_number(outputs[1]) == pytest.approx(_first_number(outputs[0]), rel=1e-4)
