"""CBOW / skip-gram reference models and the sampling they train on: gradients, distributions, windows."""

import numpy as np
import pytest

from tests.gradcheck import check_loss, numerical_gradient
from w2vlm.embeddings.cbow import CBOW, SkipGram, init_weights
from w2vlm.embeddings.training.sampling import (UnigramSampler, alias_tables, context_windows, keep_probabilities,
                                       subsample)
from w2vlm.errors import TrainingError


def _weights(rng, vocab=8, dim=4):
    return rng.standard_normal((vocab, dim)), rng.standard_normal((vocab, dim))


def test_cbow_gradients_with_padded_contexts():
    rng = np.random.default_rng(0)
    model = CBOW(weights=_weights(rng), negatives=2, exact_gradient=True)
    contexts = np.array([[1, 2, 3, -1], [4, -1, -1, -1], [5, 5, 6, 7]])  # -1 = padding, repeats allowed
    check_loss(model, contexts, np.array([0, 3, 1]), np.array([[2, 7], [6, 6], [0, 4]]))


def test_skipgram_gradients_with_padded_contexts():
    rng = np.random.default_rng(1)
    model = SkipGram(weights=_weights(rng), negatives=2)
    contexts = np.array([[1, 2, -1], [-1, 4, 5]])
    pairs_negatives = np.array([[3, 6], [7, 0], [2, 2], [1, 6]])  # one row per real (target, context) pair
    check_loss(model, contexts, np.array([0, 3]), pairs_negatives)


def test_cbow_word2vec_update_gives_each_context_the_whole_hidden_gradient():
    rng = np.random.default_rng(2)
    W_in, W_out = _weights(rng)
    contexts, target, negatives = np.array([[1, 2, 3]]), np.array([0]), np.array([[5, 6]])
    exact = CBOW(weights=(W_in.copy(), W_out.copy()), negatives=2, exact_gradient=True)
    word2vec = CBOW(weights=(W_in.copy(), W_out.copy()), negatives=2)
    for model in (exact, word2vec):
        model.forward(contexts, target, negatives)
        model.backward()
    np.testing.assert_allclose(word2vec.grads[0].to_dense(np), 3 * exact.grads[0].to_dense(np))
    np.testing.assert_allclose(word2vec.grads[1].to_dense(np), exact.grads[1].to_dense(np))


def test_cbow_loss_is_mean_of_rows():
    rng = np.random.default_rng(3)
    weights = _weights(rng)
    model = CBOW(weights=weights, negatives=1)
    contexts, target, negatives = np.array([[1, 2], [3, -1]]), np.array([4, 5]), np.array([[6], [7]])
    both = float(model.forward(contexts, target, negatives))
    rows = [float(model.forward(contexts[i:i + 1], target[i:i + 1], negatives[i:i + 1])) for i in range(2)]
    assert both == pytest.approx(np.mean(rows))


def test_models_run_in_float32_with_the_sampler():
    rng = np.random.default_rng(4)
    sampler = UnigramSampler(np.arange(20, 0, -1), rng=rng)
    # word2vec start: zero output vectors, so every score is 0 and each prediction costs (1 + K) log 2;
    # skip-gram makes 5 predictions for 2 targets here
    for cls, predictions in ((CBOW, 1.0), (SkipGram, 2.5)):
        model = cls(20, 8, negatives=3, sampler=sampler, rng=rng)
        loss = model.forward(np.array([[1, 2, -1], [3, 4, 5]]), np.array([0, 9]))
        model.backward()
        assert model.word_vecs.dtype == np.float32 and np.isfinite(float(loss))
        # (a sampled negative equal to the target is left out, so up to K terms may be missing)
        assert predictions * np.log(2) < float(loss) <= predictions * 4 * np.log(2) * (1 + 1e-6)


def test_init_weights_like_gensim():
    W_in, W_out = init_weights(500, 10, np.random.default_rng(0))
    assert W_in.dtype == np.float32 and not W_out.any()
    assert np.abs(W_in).max() <= 0.1 and np.abs(W_in).max() > 0.099 and abs(W_in.mean()) < 0.002


def test_sampler_matches_unigram_to_the_075():
    counts = np.array([1000, 400, 250, 100, 30, 10, 3, 1, 0])
    sampler = UnigramSampler(counts, 0.75, rng=np.random.default_rng(0))
    n = 400_000
    draws = sampler.sample((n // 4, 4))
    assert draws.shape == (n // 4, 4) and draws.dtype == np.int32
    observed = np.bincount(draws.ravel(), minlength=len(counts))
    expected = counts ** 0.75 / (counts ** 0.75).sum() * n
    assert observed[-1] == 0  # a zero-count word is never drawn
    chi2 = (((observed - expected) ** 2)[:-1] / expected[:-1]).sum()
    assert chi2 < 30  # 7 degrees of freedom: p(chi2 > 30) < 1e-4


def test_sampler_is_seeded_and_exponent_is_used():
    counts = np.array([100, 10, 1])
    a = UnigramSampler(counts, rng=np.random.default_rng(5)).sample(50)
    b = UnigramSampler(counts, rng=np.random.default_rng(5)).sample(50)
    assert (a == b).all()
    np.testing.assert_allclose(UnigramSampler(counts, 1.0).probs, counts / 111)
    np.testing.assert_allclose(UnigramSampler(counts, 0.0).probs, [1 / 3] * 3)
    with pytest.raises(TrainingError):
        UnigramSampler([0, 0])


def test_alias_tables_reproduce_probabilities():
    probs = np.random.default_rng(0).dirichlet(np.ones(30))
    prob, alias = alias_tables(probs)
    implied = prob / len(probs)
    np.add.at(implied, alias, (1 - prob) / len(probs))
    np.testing.assert_allclose(implied, probs, atol=1e-6)


def test_keep_probabilities_follow_word2vec_formula():
    counts = np.array([10_000, 1_000, 100, 1])
    keep = keep_probabilities(counts, 1e-3)
    threshold = 1e-3 * counts.sum()
    f = counts[0]
    assert keep[0] == pytest.approx((np.sqrt(f / threshold) + 1) * threshold / f, rel=1e-6)
    assert keep[-1] == 1.0 and (np.diff(keep) >= 0).all()
    assert (keep_probabilities(counts, 0) == 1).all()


def test_subsample_keeps_expected_share_and_line_structure():
    rng = np.random.default_rng(0)
    ids = rng.integers(0, 4, size=20_000).astype(np.int32)
    offsets = np.arange(0, 20_001, 100)
    keep = np.array([0.1, 0.5, 1.0, 0.0], dtype=np.float32)
    kept, kept_offsets = subsample(ids, offsets, keep, rng)
    assert kept_offsets[-1] == len(kept) and (np.diff(kept_offsets) >= 0).all()
    share = np.bincount(kept, minlength=4) / np.bincount(ids, minlength=4)
    np.testing.assert_allclose(share, keep, atol=0.03)


def test_context_windows_stay_in_line_and_shrink():
    rng = np.random.default_rng(0)
    ids = np.arange(1000, dtype=np.int32)
    offsets = np.array([0, 3, 1000])
    fixed = context_windows(ids, offsets, np.array([0, 2, 500]), 2, False, rng)
    assert fixed.tolist() == [[-1, -1, 1, 2], [0, 1, -1, -1], [498, 499, 501, 502]]
    positions = np.arange(10, 990)
    shrunk = context_windows(ids, offsets, np.repeat(positions, 20), 5, True, rng)
    per_side = (shrunk >= 0).sum(axis=1) / 2
    assert per_side.min() == 1 and per_side.max() == 5
    assert per_side.mean() == pytest.approx(3.0, abs=0.05)  # uniform on 1..5


def test_numerical_gradient_helper_is_exact_on_a_quadratic():
    x = np.array([1.0, -2.0, 3.0])
    np.testing.assert_allclose(numerical_gradient(lambda: (x ** 2).sum(), x), 2 * x, rtol=1e-8)
