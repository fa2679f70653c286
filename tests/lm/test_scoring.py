"""score_perplexity: the perplexity command's body as a library function (model's tokenizer, <unk>, characters)."""

import math

import numpy as np
import pytest

from w2vlm.errors import CorpusError
from w2vlm.lm import TextPerplexity, count_characters, load_lm, score_perplexity, score_stream, train_lm
from w2vlm.text import encode_corpus, get_tokenizer, open_corpus

WORDS = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran"]


@pytest.fixture(scope="module")
def model_dir(tmp_path_factory):
    root = tmp_path_factory.mktemp("scoring")
    rng = np.random.default_rng(0)
    path = root / "train.txt"
    path.write_text("\n".join(" ".join(rng.choice(WORDS, size=6)) for _ in range(120)) + "\n", encoding="utf-8")
    train_lm(open_corpus(str(path)), root / "lm", {"embed_size": 8, "hidden_size": 8},
             {"epochs": 1, "batch_size": 4, "bptt": 5}, tokenizer=get_tokenizer("whitespace"), progress=False,
             run={"normalize": "NFKC"})
    return root / "lm"


@pytest.fixture
def text(tmp_path):
    path = tmp_path / "score.txt"
    path.write_text("the cat sat on a zebra\n\n  the dog ran  \n", encoding="utf-8")
    return path


def test_scores_every_token_with_unknown_words_as_unk(model_dir, text):
    result = score_perplexity(model_dir, text, batch_size=1)
    lm = load_lm(model_dir)
    ids, _ = encode_corpus(open_corpus(str(text)), lm.tokenizer).to_ids(lm.vocab, oov="unk", eos=True)
    expected = score_stream(lm.model, ids, lm.start_id, batch_size=1)
    assert isinstance(result, TextPerplexity)
    assert (result.ppl, result.nll, result.tokens) == pytest.approx((expected.ppl, expected.nll, expected.tokens))
    assert result.tokens == 6 + 3 + 2 and result.unk_tokens == 1   # words + one <eos> per line; "zebra"
    assert result.characters == count_characters(["the cat sat on a zebra", "the dog ran"]) == 23 + 12
    assert result.bits_per_char == pytest.approx(result.nll / math.log(2) / result.characters)
    assert result.cross_entropy == pytest.approx(math.log(result.ppl))
    assert set(result.to_dict()) == {"perplexity", "bits_per_char", "tokens", "characters", "unk_tokens",
                                     "cross_entropy", "tokens_per_sec"}


def test_a_loaded_model_and_an_opened_corpus_score_the_same(model_dir, text):
    by_path = score_perplexity(model_dir, [str(text)])
    by_objects = score_perplexity(load_lm(model_dir), open_corpus(str(text)))
    assert by_objects.to_dict() | {"tokens_per_sec": 0} == by_path.to_dict() | {"tokens_per_sec": 0}


def test_the_text_is_read_with_the_models_own_normalization(model_dir, tmp_path):
    wide = tmp_path / "wide.txt"
    wide.write_text("ｔｈｅ ｃａｔ ｓａｔ\n", encoding="utf-8")   # full-width letters: "the cat sat" after NFKC
    assert score_perplexity(model_dir, wide).unk_tokens == 0
    assert score_perplexity(load_lm(model_dir), open_corpus(str(wide))).unk_tokens == 3   # opened without NFKC


def test_a_text_without_words_is_a_corpus_error(model_dir, tmp_path):
    blank = tmp_path / "blank.txt"
    blank.write_text("\n  \n", encoding="utf-8")
    with pytest.raises(CorpusError):
        score_perplexity(model_dir, blank)
