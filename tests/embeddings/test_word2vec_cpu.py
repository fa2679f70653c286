"""The numba kernel against the layered reference: same loss and updates; sampling statistics of the fast path."""

import numpy as np
import pytest

from w2vlm.embeddings.kernels import word2vec_cpu
from w2vlm.embeddings.cbow import CBOW, SkipGram
from w2vlm.embeddings.training.sampling import UnigramSampler, keep_probabilities
from w2vlm.nn.optim import SGD

LR = 0.05


def _weights(seed, vocab=30, dim=16):
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal((vocab, dim)) * 0.3).astype(np.float32),
            (rng.standard_normal((vocab, dim)) * 0.3).astype(np.float32))


def _reference_step(model, contexts, target, negatives, lr=LR):
    loss = model.forward(np.array([contexts]), np.array([target]), np.array([negatives]))
    model.backward()
    SGD(lr).update(model.params, model.grads)
    return float(loss)


def _examples(seed, count=12, vocab=30, negatives=5):
    """Distinct negatives that differ from the target (the kernel skips a negative equal to the target)."""
    rng = np.random.default_rng(seed)
    for _ in range(count):
        words = rng.permutation(vocab)
        size = rng.integers(1, 9)
        yield words[:size], words[size], words[size + 1:size + 1 + negatives]


@pytest.mark.parametrize("exact", [False, True])
def test_cbow_step_matches_reference_sgd(exact):
    W_in, W_out = _weights(0)
    model = CBOW(weights=(W_in.copy(), W_out.copy()), negatives=5, exact_gradient=exact)
    for contexts, target, negatives in _examples(1):
        fast_loss = word2vec_cpu.cbow_step(W_in, W_out, contexts, target, negatives, LR, exact)
        ref_loss = _reference_step(model, contexts, target, negatives)
        assert fast_loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(W_in, model.params[0], atol=1e-6)
    np.testing.assert_allclose(W_out, model.params[1], atol=1e-6)


def test_skipgram_step_matches_reference_sgd():
    W_in, W_out = _weights(2)
    model = SkipGram(weights=(W_in.copy(), W_out.copy()), negatives=5)
    for contexts, target, negatives in _examples(3):
        source = contexts[0]  # one (input word -> predicted word) pair per step
        fast_loss = word2vec_cpu.skipgram_step(W_in, W_out, source, target, negatives, LR)
        ref_loss = _reference_step(model, [target], source, negatives)
        assert fast_loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(W_in, model.params[0], atol=1e-6)
    np.testing.assert_allclose(W_out, model.params[1], atol=1e-6)


def test_negative_equal_to_target_is_skipped():
    W_in, W_out = _weights(4)
    a_in, a_out = W_in.copy(), W_out.copy()
    loss_a = word2vec_cpu.cbow_step(a_in, a_out, np.array([1, 2]), 3, np.array([3, 5]), LR)
    loss_b = word2vec_cpu.cbow_step(W_in, W_out, np.array([1, 2]), 3, np.array([5]), LR)
    assert loss_a == pytest.approx(loss_b)
    np.testing.assert_array_equal(a_out, W_out)


def test_the_loss_is_exact_for_confident_predictions_and_many_negatives():
    """-log p summed in float64: a negative scored at f = 120 costs 120 nats (a floor on p would cap it near 69),
    and 1,500 negatives (a product of 1,501 terms of up to 2 each) stay finite."""
    dim = 4
    W_in = np.zeros((3, dim), dtype=np.float32)
    W_out = np.zeros((3, dim), dtype=np.float32)
    W_in[0, 0] = 12.0
    W_out[2, 0] = 10.0             # the negative: h.o = 120, far on the wrong side
    loss = word2vec_cpu.skipgram_step(W_in, W_out, 0, 1, np.array([2]), 0.0)
    assert loss == pytest.approx(np.log(2.0) + 120.0 + np.log1p(np.exp(-120.0)), rel=1e-6)
    W_out[2, 0] = 0.0              # every score 0: each of the 1 + 1,500 predictions costs log 2
    many = np.full(1500, 2)
    loss = word2vec_cpu.skipgram_step(W_in, W_out, 0, 1, many, 0.0)
    assert loss == pytest.approx(1501 * np.log(2.0), rel=1e-6)


def _run_block(ids, offsets, counts, *, sample=0.0, window=5, shrink=True, cbow=True, chunks=1, lr=0.0, seed=0,
               dim=8, weights=None, hot=0, bounds=None, states=None):
    W_in, W_out = weights if weights is not None else _weights(seed, len(counts), dim)
    sampler = UnigramSampler(counts)
    keep = keep_probabilities(counts, sample)
    states = word2vec_cpu.seed_states(seed, chunks) if states is None else states
    stats = np.zeros((chunks, 4))
    bounds = word2vec_cpu.split_lines(offsets, 0, len(offsets) - 1, chunks) if bounds is None else bounds
    hot_in, hot_out = (np.full((chunks, hot, W_in.shape[1]), np.nan, dtype=np.float32) for _ in range(2))
    word2vec_cpu.train_block(W_in, W_out, hot_in, hot_out, ids, offsets, bounds, keep, sample > 0,
                             sampler.alias_prob, sampler.alias, window, shrink, 5, cbow, lr, lr, states, stats)
    return stats.sum(axis=0), W_in, W_out


@pytest.mark.parametrize("cbow", [True, False])
def test_hot_row_copies_add_each_threads_change_of_the_frequent_rows(cbow):
    """With every row hot, the chunks share nothing while they run: the block must equal each chunk trained alone
    from the starting weights, their changes added. Then a partly hot block with one empty chunk equals the plain
    one-chunk block."""
    ids, offsets, counts = _corpus(lines=60, length=12, vocab=20, seed=3)
    start = _weights(5, len(counts), 6)
    bounds = np.array([0, 25, 60], dtype=np.int64)
    states = word2vec_cpu.seed_states(7, 2)
    _, W_in, W_out = _run_block(ids, offsets, counts, cbow=cbow, chunks=2, lr=0.05, hot=len(counts), bounds=bounds,
                                weights=tuple(w.copy() for w in start), states=states.copy())
    expected_in, expected_out = start[0].astype(np.float64), start[1].astype(np.float64)
    for c in range(2):
        _, alone_in, alone_out = _run_block(ids, offsets, counts, cbow=cbow, chunks=1, lr=0.05,
                                            bounds=bounds[c:c + 2], weights=tuple(w.copy() for w in start),
                                            states=states[c:c + 1].copy())
        expected_in += alone_in - start[0]
        expected_out += alone_out - start[1]
    assert not np.allclose(W_out, start[1])
    np.testing.assert_allclose(W_in, expected_in, atol=1e-6)
    np.testing.assert_allclose(W_out, expected_out, atol=1e-6)
    _, hot_in, hot_out = _run_block(ids, offsets, counts, cbow=cbow, chunks=2, lr=0.05, hot=5,
                                    bounds=np.array([0, 60, 60], dtype=np.int64),
                                    weights=tuple(w.copy() for w in start), states=states.copy())
    _, plain_in, plain_out = _run_block(ids, offsets, counts, cbow=cbow, chunks=1, lr=0.05,
                                        bounds=np.array([0, 60], dtype=np.int64),
                                        weights=tuple(w.copy() for w in start), states=states[:1].copy())
    np.testing.assert_allclose(hot_in, plain_in, atol=1e-6)
    np.testing.assert_allclose(hot_out, plain_out, atol=1e-6)


def _corpus(lines=400, length=50, vocab=30, seed=0):
    rng = np.random.default_rng(seed)
    counts = np.sort(rng.integers(1, 1000, vocab))[::-1]
    ids = rng.choice(vocab, size=lines * length, p=counts / counts.sum()).astype(np.int32)
    return ids, np.arange(0, lines * length + 1, length, dtype=np.int64), np.bincount(ids, minlength=vocab)


def test_fixed_window_sees_every_context_and_nothing_across_lines():
    ids, offsets, counts = _corpus(lines=50, length=7)
    W_in, _ = _weights(0, len(counts), 8)
    weights = (W_in, np.zeros_like(W_in))
    (loss, examples, kept, contexts), _, _ = _run_block(ids, offsets, counts, window=2, shrink=False,
                                                        weights=weights)
    # per line of 7 words with window 2, context sizes are 2,3,4,4,4,3,2
    assert kept == len(ids) and examples == len(ids) and contexts == 50 * 22
    # zero output vectors: every term costs log 2; negatives that hit the target are skipped
    assert examples * 5 * np.log(2) < loss <= examples * 6 * np.log(2) + 1e-6


def test_shrunk_window_is_uniform():
    ids, offsets, counts = _corpus(lines=200, length=200)
    stats, _, _ = _run_block(ids, offsets, counts, window=5, shrink=True)
    per_side = stats[3] / stats[1] / 2
    assert per_side == pytest.approx(3.0, abs=0.05)  # reach uniform on 1..5, few line edges


def test_subsampling_keeps_expected_number_of_words():
    ids, offsets, counts = _corpus()
    sample = 1e-2
    stats, _, _ = _run_block(ids, offsets, counts, sample=sample)
    expected = (counts * keep_probabilities(counts, sample)).sum()
    assert expected < 0.9 * len(ids)
    assert stats[2] == pytest.approx(expected, rel=0.02)


def test_skipgram_counts_one_example_per_pair():
    ids, offsets, counts = _corpus(lines=20, length=10)
    stats, _, _ = _run_block(ids, offsets, counts, window=3, shrink=False, cbow=False)
    assert stats[1] == stats[3] == 20 * (2 * (3 + 4 + 5) + 4 * 6)


def test_negative_draws_match_the_sampler():
    counts = np.array([500, 200, 100, 50, 20, 5])
    sampler = UnigramSampler(counts)
    draws = word2vec_cpu.draw_negatives(word2vec_cpu.seed_states(0, 1)[0], 60_000, sampler.alias_prob, sampler.alias)
    observed = np.bincount(draws, minlength=len(counts))
    expected = sampler.probs * len(draws)
    assert (((observed - expected) ** 2) / expected).sum() < 25  # 5 dof


def test_training_is_deterministic_for_one_thread_and_runs_with_two():
    ids, offsets, counts = _corpus(lines=100, length=30)
    runs = [_run_block(ids, offsets, counts, sample=1e-2, lr=0.05, seed=7) for _ in range(2)]
    np.testing.assert_array_equal(runs[0][1], runs[1][1])
    np.testing.assert_array_equal(runs[0][0], runs[1][0])
    stats, W_in, W_out = _run_block(ids, offsets, counts, lr=0.05, chunks=2, seed=7)
    assert stats[2] == len(ids) and np.isfinite(W_in).all() and np.abs(W_out).sum() > 0


def test_split_lines_balances_words():
    offsets = np.array([0, 10, 20, 30, 40, 50, 60, 70, 80], dtype=np.int64)
    bounds = word2vec_cpu.split_lines(offsets, 2, 8, 3)
    assert bounds.tolist() == [2, 4, 6, 8]
    assert word2vec_cpu.split_lines(offsets, 0, 1, 4).tolist() == [0, 1, 1, 1, 1]
