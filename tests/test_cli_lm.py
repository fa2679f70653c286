"""The language-model CLI through CliRunner: train-lm, perplexity, generate, resume, init-embeddings, errors."""

import json
import math
import random

import numpy as np
import pytest
from click.testing import CliRunner

from w2vlm.lm import score_perplexity
from w2vlm_cli.main import cli

WORDS = "the cat sat on a mat dog ran to house big small red".split()
SMALL = ["--tokenizer", "whitespace", "--batch-size", "4", "--bptt", "8", "--embed-size", "8", "--hidden-size", "8"]


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))


@pytest.fixture
def corpus(tmp_path):
    rng = random.Random(0)
    path = tmp_path / "train.txt"
    path.write_text("\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(3, 9))) for _ in range(300)))
    return path


def run(*args):
    return CliRunner().invoke(cli, ["--quiet", *map(str, args)], catch_exceptions=False)


@pytest.fixture
def model(tmp_path, corpus):
    out = tmp_path / "lm"
    result = run("train-lm", corpus, "-o", out, "--epochs", "2", "--metrics", tmp_path / "m.json", *SMALL)
    assert result.exit_code == 0, result.output
    return out


def test_train_lm_writes_a_model_and_metrics(model, tmp_path):
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert len(metrics["epochs"]) == 2 and 1 < metrics["valid_ppl"] < 50
    assert {"train_tokens_per_sec", "train_seconds", "test_ppl"} <= set(metrics)
    assert metrics["kind"] == "lm" and metrics["unit"] == "tokens" and metrics["config"]["model"]["hidden_size"] == 8
    assert [e["epoch"] for e in metrics["epochs"]] == [1, 2] and metrics["epochs"][0]["lr"] == 20.0
    config = json.loads((model / "config.json").read_text())
    assert config["kind"] == "lm" and config["tokenizer"]["name"] == "whitespace"
    assert config["training"]["batch_size"] == 4 and config["model"]["hidden_size"] == 8


def test_train_lm_json_summary_on_stdout_progress_on_stderr(tmp_path, corpus):
    result = CliRunner().invoke(cli, ["train-lm", str(corpus), "-o", str(tmp_path / "j"), "--epochs", "2",
                                      "--json", *SMALL], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    summary = json.loads(result.stdout)
    assert summary["output"] == str(tmp_path / "j") and len(summary["epochs"]) == 2
    assert summary["best_epoch"] in (1, 2) and 1 < summary["valid_ppl"] < 50 and 1 < summary["test_ppl"] < 50
    assert summary["epochs"][0]["lr"] == 20.0
    assert "epoch 2/2" in result.stderr and "model saved" not in result.stdout


def test_perplexity_prints_a_number_and_json(model, corpus):
    plain = run("perplexity", model, corpus)
    assert plain.exit_code == 0 and 1 < float(plain.output) < 50
    as_json = json.loads(run("perplexity", model, corpus, "--json", "--batch-size", "1").output)
    assert as_json["tokens"] == len(corpus.read_text().split()) + 300  # every word and every <eos>
    assert as_json["perplexity"] == pytest.approx(float(plain.output), rel=0.05)
    lines = [line.strip() for line in corpus.read_text().splitlines() if line.strip()]
    assert as_json["characters"] == sum(len(line) + 1 for line in lines)
    nats = as_json["cross_entropy"] * as_json["tokens"]
    assert as_json["bits_per_char"] == pytest.approx(nats / math.log(2) / as_json["characters"], rel=1e-9)
    api = score_perplexity(model, corpus, batch_size=1).to_dict()   # the command is this library call
    assert {k: v for k, v in as_json.items() if k != "tokens_per_sec"} == \
           {k: v for k, v in api.items() if k != "tokens_per_sec"}


def test_generate_is_seeded_and_honours_skip_and_stop(model):
    first = run("generate", model, "--prompt", "the cat", "--length", "30", "--seed", "3")
    again = run("--seed", "3", "generate", model, "--prompt", "the cat", "--length", "30")
    assert first.exit_code == 0 and first.output == again.output and first.output.startswith("the cat")
    line = run("generate", model, "--prompt", "the", "--length", "200", "--stop-at-eos", "--skip", "<unk>", "--json")
    result = json.loads(line.output)
    assert "\n" not in result["text"] and "<unk>" not in result["tokens"] and "<eos>" not in result["tokens"]


def test_generate_stream_prints_the_same_text(model):
    whole = run("generate", model, "--prompt", "the cat", "--length", "40", "--seed", "5")
    streamed = run("generate", model, "--prompt", "the cat", "--length", "40", "--seed", "5", "--stream")
    assert streamed.exit_code == 0 and streamed.output == whole.output and whole.output.count(" ") > 5
    result = run("generate", model, "--stream", "--json")
    assert result.exit_code == 2 and "pick one" in result.output


def test_generate_reports_unknown_prompt_words(model, caplog):
    partly = run("generate", model, "--prompt", "the zebra", "--length", "3")
    assert partly.exit_code == 0 and "not in the vocabulary (read as <unk>): zebra" in caplog.text
    assert partly.output.splitlines()[-1].startswith("the zebra")  # shown as typed, read as <unk>
    result = run("generate", model, "--prompt", "zebra unicorn")
    assert result.exit_code == 1 and result.output.count("\n") == 1 and "no word of the prompt" in result.output


def test_resume_continues_to_the_same_curve(tmp_path, corpus):
    straight = tmp_path / "straight"
    run("train-lm", corpus, "-o", straight, "--epochs", "3", "--metrics", tmp_path / "a.json", "--dropout", "0.2",
        *SMALL)
    part = tmp_path / "part"
    run("train-lm", corpus, "-o", part, "--epochs", "1", "--dropout", "0.2", *SMALL)
    result = run("train-lm", "--resume", part, "--epochs", "3", "--metrics", tmp_path / "b.json")
    assert result.exit_code == 0, result.output
    a, b = (json.loads((tmp_path / name).read_text()) for name in ("a.json", "b.json"))
    assert [(e["train_ppl"], e["valid_ppl"], e["lr"]) for e in a["epochs"]] == \
           [(e["train_ppl"], e["valid_ppl"], e["lr"]) for e in b["epochs"]]
    assert a["test_ppl"] == b["test_ppl"]


def test_init_embeddings_from_word_vectors(tmp_path, corpus, caplog):
    from w2vlm.embeddings.vectors import WordVectors
    vectors = tmp_path / "vectors"
    WordVectors(WORDS[:5] + ["zzz"], np.ones((6, 8), dtype=np.float32)).save(vectors)
    result = CliRunner().invoke(cli, ["train-lm", str(corpus), "-o", str(tmp_path / "lm"), "--epochs", "1",
                                      "--init-embeddings", str(vectors), *SMALL])
    assert result.exit_code == 0 and "initialized 5 of 15 embedding rows" in caplog.text
    result = run("train-lm", corpus, "-o", tmp_path / "lm2", "--init-embeddings", vectors, *SMALL[:-4],
                 "--embed-size", "4", "--hidden-size", "4")
    assert result.exit_code == 1 and "--embed-size 8" in result.output


def test_bad_input_is_one_clear_line(tmp_path, corpus, model):
    empty = tmp_path / "empty.txt"
    empty.write_text("\n\n")
    tiny = tmp_path / "tiny.txt"
    tiny.write_text("\n".join(["a b"] * 12))
    vectors = tmp_path / "vectors"
    from w2vlm.embeddings.vectors import WordVectors
    WordVectors(["a"], np.ones((1, 2), dtype=np.float32)).save(vectors)
    cases = [
        (("train-lm", empty, "-o", tmp_path / "x", "--tokenizer", "whitespace"), "empty"),
        (("train-lm", tiny, "-o", tmp_path / "x", "--tokenizer", "whitespace"), "--batch-size"),
        (("perplexity", vectors, corpus), "not a language model"),
        (("generate", tmp_path / "nowhere"), "does not exist"),
        (("train-lm", "--resume", vectors), "not a language model"),
    ]
    for args, message in cases:
        result = run(*args)
        assert result.exit_code == 1, (args, result.output)
        assert result.output.startswith("Error:") and result.output.count("\n") == 1, result.output
        assert message in result.output, result.output
