"""train-lm --tokenizer sentencepiece: the model file in the LM directory, no <unk>, perplexity, generate, resume."""

import json

import pytest
from click.testing import CliRunner

from tests.text.test_tokenizers_trained import korean_lines
from w2vlm.lm import load_lm
from w2vlm.lm.data import fit_tokenizer
from w2vlm.text import get_tokenizer, open_corpus
from w2vlm_cli.main import cli

pytest.importorskip("sentencepiece", reason="sentencepiece is not installed (pip install 'w2vlm[sentencepiece]')")

SMALL = ["--batch-size", "4", "--bptt", "8", "--embed-size", "8", "--hidden-size", "8"]
UNSEEN = "뷁쀍 영화가 좋았다 😀"   # characters the training text never had


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))


def run(*args):
    return CliRunner().invoke(cli, ["--quiet", *map(str, args)], catch_exceptions=False)


@pytest.fixture
def reviews(tmp_path):
    path = tmp_path / "reviews.txt"
    path.write_text("\n".join(korean_lines(300)) + "\n", encoding="utf-8")
    return path


@pytest.fixture
def model(tmp_path, reviews):
    out = tmp_path / "lm"
    result = run("train-lm", reviews, "-o", out, "--tokenizer", "sentencepiece:vocab=400", "--epochs", 1, *SMALL)
    assert result.exit_code == 0, result.output
    return out


def test_the_model_file_is_saved_in_the_lm_directory_and_every_piece_is_in_the_vocabulary(model):
    config = json.loads((model / "config.json").read_text())["tokenizer"]
    assert config["name"] == "sentencepiece" and config["model_file"] == "tokenizer.model"
    lm = load_lm(model)
    assert lm.tokenizer.files()["tokenizer.model"] == (model / "tokenizer.model").read_bytes()
    assert lm.tokenizer.config() == config
    pieces = lm.tokenizer.pieces()
    assert set(pieces) <= set(lm.vocab.words) and len(lm.vocab) == len(pieces) + 1   # + <eos>; <unk> is piece 0
    assert "<0xF0>" in lm.vocab   # byte pieces the training text never used are kept too


def test_perplexity_of_unseen_characters_has_no_unk(model, tmp_path):
    text = tmp_path / "new.txt"
    text.write_text(UNSEEN + "\n배우는 별로였다\n", encoding="utf-8")
    result = run("perplexity", model, text, "--json")
    assert result.exit_code == 0, result.output
    scored = json.loads(result.output)
    assert scored["unk_tokens"] == 0 and scored["tokens"] > len(UNSEEN) and scored["bits_per_char"] > 0
    whitespace = tmp_path / "ws"
    assert run("train-lm", tmp_path / "reviews.txt", "-o", whitespace, "--tokenizer", "whitespace", "--epochs", 1,
               *SMALL).exit_code == 0
    assert json.loads(run("perplexity", whitespace, text, "--json").output)["unk_tokens"] >= 2  # 뷁쀍, 😀


def test_generate_joins_the_pieces_back_into_korean_text(model):
    import sentencepiece
    result = run("generate", model, "--prompt", "영화가 좋았다", "--length", 30, "--seed", 1, "--json")
    assert result.exit_code == 0, result.output
    generated = json.loads(result.output)
    assert generated["text"].startswith("영화가 좋았다") and "▁" not in generated["text"]
    reference = sentencepiece.SentencePieceProcessor(model_file=str(model / "tokenizer.model"))
    lines = " ".join(generated["tokens"]).split("<eos>")   # pieces never hold spaces
    assert generated["text"] == "\n".join(reference.decode(line.split()) for line in lines)
    streamed = run("generate", model, "--prompt", "영화가 좋았다", "--length", 30, "--seed", 1, "--stream")
    assert streamed.output.rstrip("\n") == generated["text"]


def test_resume_keeps_the_trained_tokenizer(model, reviews, tmp_path):
    before = (model / "tokenizer.model").read_bytes()
    config = json.loads((model / "config.json").read_text())["tokenizer"]
    result = run("train-lm", reviews, "--resume", model, "--epochs", 2, "--metrics", tmp_path / "m.json")
    assert result.exit_code == 0, result.output
    assert len(json.loads((tmp_path / "m.json").read_text())["epochs"]) == 2
    assert (model / "tokenizer.model").read_bytes() == before
    assert json.loads((model / "config.json").read_text())["tokenizer"] == config


def test_the_tokenizer_never_sees_the_held_out_lines(tmp_path):
    path = tmp_path / "held.txt"
    lines = korean_lines(90) + ["뷁뷁뷁 쀍쀍쀍 뷁쀍"] * 10   # only in the last 10 %, which train-lm holds out
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    corpus = open_corpus([str(path)])
    held_out = get_tokenizer("sentencepiece:vocab=400")
    fit_tokenizer(held_out, corpus, held_out=True)
    assert not any("뷁" in piece for piece in held_out.pieces())
    everything = get_tokenizer("sentencepiece:vocab=400")
    fit_tokenizer(everything, corpus)
    assert any("뷁" in piece for piece in everything.pieces())
