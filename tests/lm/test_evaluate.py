"""Perplexity: known answers for a uniform and a bigram model, independent of batch size and bptt."""

import math

import numpy as np
import pytest

from w2vlm.lm.evaluate import count_characters, perplexity, score_stream

from .stubs import BigramLM, CountingLM, UniformLM


def test_uniform_model_perplexity_is_the_vocabulary_size():
    ids = np.random.default_rng(0).integers(0, 37, size=101)
    assert perplexity(UniformLM(37), ids, start_id=1) == pytest.approx(37, rel=1e-5)


def test_bits_per_character_of_a_uniform_model():
    lines = ["영화 좋다", "a b", "재밌었어요"]
    characters = count_characters(lines)
    assert characters == (5 + 1) + (3 + 1) + (5 + 1)  # one newline per line: what each scored <eos> stands for
    ids = np.random.default_rng(0).integers(0, 37, size=9)  # 9 tokens, <eos> included
    result = score_stream(UniformLM(37), ids, start_id=1)
    assert result.bits_per_character(characters) == pytest.approx(9 * math.log2(37) / 16, rel=1e-5)
    with pytest.raises(ValueError, match="at least one character"):
        result.bits_per_character(0)


@pytest.mark.parametrize("batch_size,bptt", [(1, 35), (1, 4), (3, 5), (7, 2), (10, 35), (200, 3)])
def test_bigram_perplexity_matches_a_hand_computation_for_any_batch_layout(batch_size, bptt):
    rng = np.random.default_rng(1)
    V, eos = 6, 1
    W = rng.standard_normal((V, V)).astype(np.float32)
    ids = rng.integers(0, V, size=53)
    prev = np.concatenate([[eos], ids[:-1]])
    logp = W - np.log(np.exp(W).sum(axis=1, keepdims=True))
    expected = math.exp(-np.mean(logp[prev, ids].astype(np.float64)))
    result = score_stream(BigramLM(V, W=W), ids, start_id=eos, batch_size=batch_size, bptt=bptt)
    assert result.tokens == 53
    assert result.ppl == pytest.approx(expected, rel=1e-5)


def test_scoring_resets_the_state_and_leaves_eval_mode():
    model = CountingLM(5)
    model.train()
    score_stream(model, np.arange(5).repeat(4), start_id=0, batch_size=2, bptt=3)
    assert model.resets >= 1 and model.seen == 0
    assert model.dropout.train is False


def test_an_lstm_with_a_zero_output_layer_is_uniform():
    from w2vlm.lm.model import LMConfig, RNNLM
    model = RNNLM(LMConfig(23, embed_size=5, hidden_size=7, num_layers=2), rng=np.random.default_rng(0))
    state = model.state_dict()
    model.load_state_dict(dict(state, **{"out.W": 0 * state["out.W"], "out.b": 0 * state["out.b"]}))
    ids = np.random.default_rng(2).integers(0, 23, size=77)
    for batch_size in (1, 4):
        assert perplexity(model, ids, start_id=1, batch_size=batch_size, bptt=6) == pytest.approx(23, rel=1e-5)
