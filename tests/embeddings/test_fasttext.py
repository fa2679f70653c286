"""Subword (fastText) models: gradient checks of the layered reference, and the numba kernel against it."""

import numpy as np
import pytest

from tests.gradcheck import check_loss
from w2vlm.embeddings.kernels import word2vec_cpu, subword_cpu
from w2vlm.embeddings.subword.models import SubwordCBOW, SubwordEmbedding, SubwordSkipGram, composed_vectors, padded_rows
from w2vlm.embeddings.training.sampling import UnigramSampler, keep_probabilities
from w2vlm.embeddings.subword.ngrams import update_gains
from w2vlm.nn.optim import SGD

LR = 0.05
VOCAB = 6
# word i owns row i, then n-gram rows 6..11; word 4 lists row 9 twice (a repeated n-gram or a collision)
ROW_OFFSETS = np.array([0, 3, 5, 9, 10, 14, 17], dtype=np.int64)
ROWS = np.array([0, 6, 7, 1, 7, 2, 8, 9, 10, 3, 4, 9, 9, 11, 5, 6, 10], dtype=np.int32)
N_ROWS = 12


def _weights(seed, dtype=np.float64, dim=5):
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal((N_ROWS, dim)) * 0.3).astype(dtype),
            (rng.standard_normal((VOCAB, dim)) * 0.3).astype(dtype))


def test_padded_rows_and_composed_vectors():
    table = padded_rows(ROW_OFFSETS, ROWS)
    assert table.shape == (VOCAB, 4)
    np.testing.assert_array_equal(table[1], [1, 7, -1, -1])
    W_in, _ = _weights(0)
    composed = composed_vectors(W_in, ROW_OFFSETS, ROWS, block=4)
    for word in range(VOCAB):
        expected = W_in[ROWS[ROW_OFFSETS[word]:ROW_OFFSETS[word + 1]]].mean(axis=0)
        np.testing.assert_allclose(composed[word], expected, rtol=1e-6)


def test_subword_cbow_gradients():
    model = SubwordCBOW(padded_rows(ROW_OFFSETS, ROWS), weights=_weights(1), negatives=2, exact_gradient=True)
    contexts = np.array([[1, 2, 4, -1], [3, -1, -1, -1], [5, 5, 0, 4]])  # -1 = padding, repeats allowed
    check_loss(model, contexts, np.array([0, 4, 1]), np.array([[2, 3], [5, 4], [0, 2]]))


def test_subword_skipgram_gradients():
    model = SubwordSkipGram(padded_rows(ROW_OFFSETS, ROWS), weights=_weights(2), negatives=2, exact_gradient=True)
    contexts = np.array([[1, 2, -1], [-1, 0, 5]])
    pairs_negatives = np.array([[3, 5], [0, 4], [2, 2], [1, 3]])  # one row per real (centre, context) pair
    check_loss(model, contexts, np.array([4, 3]), pairs_negatives)


def test_fasttext_update_gives_each_row_the_whole_gradient():
    W_in, _ = _weights(3)
    exact, fasttext = (SubwordEmbedding(W_in, padded_rows(ROW_OFFSETS, ROWS), exact_gradient=flag)
                       for flag in (True, False))
    dout = np.random.default_rng(4).standard_normal((1, W_in.shape[1]))
    for layer in (exact, fasttext):
        layer.forward(np.array([2]))
        layer.backward(dout)
    np.testing.assert_allclose(fasttext.grads[0].to_dense(np), 4 * exact.grads[0].to_dense(np))  # word 2: 4 rows


def _reference_step(model, contexts, target, negatives):
    loss = model.forward(np.array([contexts]), np.array([target]), np.array([negatives]))
    model.backward()
    SGD(LR).update(model.params, model.grads)
    return float(loss)


@pytest.mark.parametrize("exact", [False, True])
def test_cbow_step_matches_reference_sgd(exact):
    W_in, W_out = _weights(5, np.float32)
    model = SubwordCBOW(padded_rows(ROW_OFFSETS, ROWS), weights=(W_in.copy(), W_out.copy()), negatives=2,
                        exact_gradient=exact)
    rng = np.random.default_rng(6)
    for _ in range(10):
        words = rng.permutation(VOCAB)
        contexts, target, negatives = words[:rng.integers(1, 4)], words[4], words[4:6].tolist()
        fast_loss = subword_cpu.cbow_step(W_in, W_out, ROW_OFFSETS, ROWS, contexts, target, np.array(negatives),
                                          LR, exact)
        assert fast_loss == pytest.approx(_reference_step(model, contexts, target, negatives), rel=1e-5)
    np.testing.assert_allclose(W_in, model.params[0], atol=1e-6)
    np.testing.assert_allclose(W_out, model.params[1], atol=1e-6)


def test_skipgram_step_matches_reference_pair_by_pair():
    """One centre, several contexts: the kernel writes the rows once, the reference after every pair."""
    W_in, W_out = _weights(7, np.float32)
    gains = update_gains(ROW_OFFSETS, ROWS)
    model = SubwordSkipGram(padded_rows(ROW_OFFSETS, ROWS), weights=(W_in.copy(), W_out.copy()), negatives=2)
    rng = np.random.default_rng(8)
    for center in (4, 2, 4, 0):  # word 4 lists a row twice: its gain is not 1
        contexts = rng.integers(0, VOCAB, size=3)
        # distinct negatives per pair: the kernel updates a repeated negative twice in turn, the reference at once
        negatives = np.array([rng.permutation(VOCAB)[:2] for _ in contexts])
        fast_loss = subword_cpu.skipgram_step(W_in, W_out, ROW_OFFSETS, ROWS, gains, center, contexts, negatives, LR)
        ref_loss = sum(_reference_step(model, [context], center, negs) for context, negs in zip(contexts, negatives))
        assert fast_loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(W_in, model.params[0], atol=1e-6)
    np.testing.assert_allclose(W_out, model.params[1], atol=1e-6)


@pytest.mark.parametrize("cbow", [True, False])
def test_training_loop_matches_reference_steps(cbow):
    """train_block (one thread, fixed window, no subsampling) = the reference fed the kernel's own negatives.

    One negative per prediction: with more, a negative drawn twice is updated twice in turn by the kernel and
    once with the summed gradient by the reference, a legitimate difference this test is not about.
    """
    rng = np.random.default_rng(9)
    ids = rng.integers(0, VOCAB, size=40).astype(np.int32)
    offsets = np.array([0, 15, 16, 40], dtype=np.int64)  # a one-word line trains nothing
    counts = np.bincount(ids, minlength=VOCAB)
    window, negatives = 2, 1
    W_in, W_out = _weights(10, np.float32)
    sampler = UnigramSampler(counts)
    model_cls = SubwordCBOW if cbow else SubwordSkipGram
    model = model_cls(padded_rows(ROW_OFFSETS, ROWS), weights=(W_in.copy(), W_out.copy()), negatives=negatives)
    assert not np.all(update_gains(ROW_OFFSETS, ROWS) == 1)
    states = word2vec_cpu.seed_states(3, 1)
    draws = iter(word2vec_cpu.draw_negatives(states[0], 10_000, sampler.alias_prob, sampler.alias).reshape(-1, 1))
    expected_loss = 0.0
    for line in range(len(offsets) - 1):
        words = ids[offsets[line]:offsets[line + 1]]
        for i in range(len(words)):
            lo, hi = max(0, i - window), min(len(words), i + window + 1)
            contexts = [int(words[j]) for j in range(lo, hi) if j != i]
            if not contexts:
                continue
            if cbow:
                expected_loss += _reference_step(model, contexts, int(words[i]), next(draws))
            else:
                for context in contexts:
                    expected_loss += _reference_step(model, [context], int(words[i]), next(draws))
    stats = np.zeros((1, 4))
    subword_cpu.train_block(W_in, W_out, ROW_OFFSETS, ROWS, update_gains(ROW_OFFSETS, ROWS), ids, offsets,
                            np.array([0, 3], dtype=np.int64), keep_probabilities(counts, 0.0), False,
                            sampler.alias_prob, sampler.alias, window, False, negatives, cbow, LR, LR, states, stats)
    assert stats[0, 0] == pytest.approx(expected_loss, rel=1e-4)
    assert stats[0, 2] == 40
    np.testing.assert_allclose(W_in, model.params[0], atol=1e-5)
    np.testing.assert_allclose(W_out, model.params[1], atol=1e-5)
