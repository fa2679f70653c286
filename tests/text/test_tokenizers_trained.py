"""The trained tokenizer (SentencePiece): fitting, byte fallback, its model file and digest, the cache key."""

import hashlib
import sys

import numpy as np
import pytest

from w2vlm.errors import ArtifactError, TokenizerError
from w2vlm.text import get_tokenizer, open_corpus, tokenizer_from_config
from w2vlm.text.cache import cache_key

pytest.importorskip("sentencepiece", reason="sentencepiece is not installed (pip install 'w2vlm[sentencepiece]')")

STEMS = ["영화", "배우", "연기", "감독", "음악", "장면", "이야기", "주인공"]
ENDINGS = ["가 좋았다", "는 별로였다", "를 다시 보고 싶다", "도 재미있었어요", "이 지루했다", "에 감동했다"]


def korean_lines(lines=400, seed=0):
    """Short review-like Korean lines from a fixed set of stems and endings."""
    rng = np.random.default_rng(seed)
    return [" ".join(STEMS[rng.integers(len(STEMS))] + ENDINGS[rng.integers(len(ENDINGS))]
                     for _ in range(rng.integers(1, 4))) for _ in range(lines)]


def trained(lines=None, vocab=400):
    return get_tokenizer(f"sentencepiece:vocab={vocab}").fit(korean_lines() if lines is None else lines)


@pytest.fixture(scope="module")
def sp():
    return trained()


def test_pieces_join_back_into_the_text_and_unseen_characters_become_bytes(sp):
    line = "영화가 좋았다 배우도 재미있었어요"
    tokens = sp.tokenize(line)
    assert len(tokens) < len(line.replace(" ", "")) and tokens[0].startswith("▁")  # pieces longer than characters
    assert sp.detokenize(tokens) == line
    unseen = "뷁 쀍 😀 다시"   # never in the training text: UTF-8 byte pieces, never <unk>
    tokens = sp.tokenize(unseen)
    assert "<unk>" not in tokens and "<0xEB>" in tokens and set(tokens) <= set(sp.pieces())
    assert sp.detokenize(tokens) == unseen
    assert sp.tokenize("   ") == [] and sp.detokenize(sp.tokenize(" 영화\t배우 ")) == "영화 배우"


def test_config_names_the_model_file_by_digest_and_rebuilds_from_it(sp, tmp_path):
    files = sp.files()
    assert list(files) == ["tokenizer.model"]
    config = sp.config()
    assert config["model_file"] == "tokenizer.model" and config["vocab"] == 400 and config["pos"] is False
    assert config["model_sha256"] == hashlib.sha256(files["tokenizer.model"]).hexdigest()
    (tmp_path / "tokenizer.model").write_bytes(files["tokenizer.model"])
    again = tokenizer_from_config(config, tmp_path)
    assert again.config() == config and again.pieces() == sp.pieces()
    assert again.tokenize("감독이 지루했다") == sp.tokenize("감독이 지루했다")
    with pytest.raises(TokenizerError, match="load it from that model directory"):
        tokenizer_from_config(config)


@pytest.mark.parametrize("damage, message", [
    (lambda path, config: path.write_bytes(path.read_bytes()[:-1]), "does not match the sha256 digest"),
    (lambda path, config: path.unlink(), "cannot read .*tokenizer.model"),
    (lambda path, config: (path.write_bytes(b"not a model"),
                           config.update(model_sha256=hashlib.sha256(b"not a model").hexdigest())),
     "is not a readable sentencepiece model"),
    (lambda path, config: config.update(model_file="../tokenizer.model"), "name the model file '../tokenizer.model'"),
])
def test_a_damaged_model_file_is_a_one_line_artifact_error(sp, tmp_path, damage, message):
    path = tmp_path / "tokenizer.model"
    path.write_bytes(sp.files()["tokenizer.model"])
    config = sp.config()
    damage(path, config)
    with pytest.raises(ArtifactError, match=message) as caught:
        tokenizer_from_config(config, tmp_path)
    assert "\n" not in str(caught.value)


def test_untrained_it_refuses_to_tokenize_or_describe_itself():
    fresh = get_tokenizer("sentencepiece")
    assert fresh.options == {"vocab": 8000} and not fresh.trained and fresh.files() == {}
    for use in (lambda: fresh.tokenize("영화"), fresh.config):
        with pytest.raises(TokenizerError, match="use it with train-lm"):
            use()
    with pytest.raises(TokenizerError, match="between 300"):
        get_tokenizer("sentencepiece:vocab=10")
    with pytest.raises(TokenizerError, match="has no part-of-speech tags"):
        get_tokenizer("sentencepiece", pos=True)


def test_too_small_a_vocabulary_for_the_characters_is_a_one_line_error():
    lines = [" ".join(chr(0xAC00 + 7 * i + j) for j in range(7)) for i in range(60)]  # 420 distinct syllables
    with pytest.raises(TokenizerError, match="training the sentencepiece model failed: .*vocab") as caught:
        trained(lines, vocab=300)
    assert "\n" not in str(caught.value)


def test_the_cache_key_follows_the_model_files_digest(sp, tmp_path):
    path = tmp_path / "reviews.txt"
    path.write_text("\n".join(korean_lines(50, seed=3)) + "\n", encoding="utf-8")
    corpus = open_corpus([str(path)])
    retrained = trained()          # the same text: the same model file, the same key
    other = trained(korean_lines(seed=1))
    assert retrained.files() == sp.files() and cache_key(corpus, retrained) == cache_key(corpus, sp)
    assert other.config()["model_sha256"] != sp.config()["model_sha256"]
    assert cache_key(corpus, other) != cache_key(corpus, sp)


def test_a_missing_package_names_the_install_command(monkeypatch):
    monkeypatch.setitem(sys.modules, "sentencepiece", None)   # import sentencepiece -> ImportError
    with pytest.raises(TokenizerError, match=r"pip install 'w2vlm\[sentencepiece\]'"):
        get_tokenizer("sentencepiece:vocab=300").fit(["영화가 좋았다"])
