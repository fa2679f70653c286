"""nn/lstm_softmax.cu on the CPU (g++, cuda_on_cpu.h) against the plain references of nn/reference.py."""

import numpy as np
import pytest

from w2vlm.nn import fast_gpu, reference

pytestmark = pytest.mark.kernels

TYPES = {np.float32: ("float", dict(rtol=2e-6, atol=2e-7)), np.float64: ("double", dict(rtol=1e-13, atol=1e-15))}


def _launch(module, name, dtype, grid, block, args):
    module.get_function(f"{name}<{TYPES[dtype][0]}>")(grid, block, args)


def _close(got, want, dtype):
    np.testing.assert_allclose(got, want, **TYPES[dtype][1])


@pytest.mark.parametrize("dtype", TYPES)
@pytest.mark.parametrize("threads", [fast_gpu.STEP_THREADS, 32], ids=["one-partial-block", "two-blocks"])
def test_lstm_forward_matches_the_reference(lstm_module, dtype, threads):
    rng = np.random.default_rng(0)
    N, H = 3, 40
    a, rec = (rng.standard_normal((N, 4 * H)).astype(dtype) * 2 for _ in range(2))
    c_prev = rng.standard_normal((N, H)).astype(dtype)
    got = [np.full((N, H), 7, dtype) for _ in range(3)]
    want = [np.full((N, H), 7, dtype) for _ in range(3)]
    a_ref = a.copy()
    reference.lstm_step_forward_reference(a_ref, rec, c_prev, *want)
    _launch(lstm_module, "lstm_forward", dtype, (-(-H // threads), N), (threads,), (a, rec, c_prev, *got, np.int32(H)))
    for g, w in zip([a] + got, [a_ref] + want):
        _close(g, w, dtype)


@pytest.mark.parametrize("dtype", TYPES)
@pytest.mark.parametrize("threads", [fast_gpu.STEP_THREADS, 32], ids=["one-partial-block", "two-blocks"])
def test_lstm_backward_matches_the_reference(lstm_module, dtype, threads):
    rng = np.random.default_rng(1)
    N, H = 3, 40
    a = rng.uniform(0.05, 0.95, (N, 4 * H)).astype(dtype)
    a[:, 3 * H:] = rng.uniform(-0.9, 0.9, (N, H))  # g = tanh(.)
    c_prev, dh_out, dh, dc = (rng.standard_normal((N, H)).astype(dtype) for _ in range(4))
    tanh_c = np.tanh(rng.standard_normal((N, H))).astype(dtype)
    a_ref, dc_ref, dh_before = a.copy(), dc.copy(), dh.copy()
    reference.lstm_step_backward_reference(a_ref, c_prev, tanh_c, dh_out, dh.copy(), dc_ref)
    _launch(lstm_module, "lstm_backward", dtype, (-(-H // threads), N), (threads,),
            (a, c_prev, tanh_c, dh_out, dh, dc, np.int32(H)))
    _close(a, a_ref, dtype)
    _close(dc, dc_ref, dtype)
    np.testing.assert_array_equal(dh, dh_before)


def _rows(dtype, V, seed=2):
    rng = np.random.default_rng(seed)
    M = 6
    scores = (rng.standard_normal((M, V)) * 3 - 40).astype(dtype)  # far from 0: a missing max shift shows
    labels = np.array([0, V - 1, -1, 5, 17 % V, -1], dtype=np.int64)
    return scores, labels


def _forward(module, scores, labels, ignore, write, threads=fast_gpu.ROW_THREADS):
    dtype = scores.dtype.type
    M, V = scores.shape
    count = np.array([max(1, int((labels != ignore).sum()))], dtype=dtype)
    weights, nll = np.full((M, 2), 5, dtype), np.full(M, 5, dtype)
    _launch(module, "softmax_ce_forward", dtype, (M,), (threads,),
            (scores, labels, np.int64(ignore), np.int64(V), count, np.int32(write), weights, nll))
    return nll, count, weights


@pytest.mark.parametrize("dtype", TYPES)
@pytest.mark.parametrize("V", [100, 700], ids=["V<block", "V>block"])
@pytest.mark.parametrize("threads", [fast_gpu.ROW_THREADS, 96])
def test_softmax_ce_forward_matches_the_reference(lstm_module, dtype, V, threads):
    scores, labels = _rows(dtype, V)
    want_scores = scores.copy()
    loss, want_weights = reference.softmax_ce_forward_reference(want_scores, labels, -1)
    nll, count, weights = _forward(lstm_module, scores, labels, -1, 1, threads)
    _close(scores, want_scores, dtype)
    _close(weights, want_weights, dtype)
    _close(nll.sum() / count[0], loss, dtype)


@pytest.mark.parametrize("dtype", TYPES)
@pytest.mark.parametrize("V", [100, 700], ids=["V<block", "V>block"])
def test_token_nll_pass_leaves_scores_and_matches_the_reference(lstm_module, dtype, V):
    scores, labels = _rows(dtype, V, seed=3)
    before = scores.copy()
    want = reference.token_nll_reference(scores[None], labels[None], ignore_index=-1)[0]
    nll, _, weights = _forward(lstm_module, scores, labels, -1, 0)
    np.testing.assert_array_equal(scores, before)
    np.testing.assert_array_equal(weights, np.full_like(weights, 5))  # no write: weights untouched
    _close(nll, want, dtype)
    assert np.all(nll[labels == -1] == 0)


@pytest.mark.parametrize("dtype", TYPES)
def test_softmax_ce_forward_gives_nan_for_bad_labels_and_non_finite_rows(lstm_module, dtype):
    scores, labels = _rows(dtype, 300, seed=4)
    labels[0], labels[3] = 300, -7  # out of range: NaN loss, no wild read
    scores[1, 250] = np.inf
    scores[4, 3] = np.nan
    nll, _, _ = _forward(lstm_module, scores, labels, -1, 0)
    assert np.isnan(nll[[0, 1, 3, 4]]).all()
    assert np.isfinite(nll[[2, 5]]).all()


@pytest.mark.parametrize("dtype", TYPES)
@pytest.mark.parametrize("columns", [1, 2])
def test_softmax_ce_backward_matches_the_reference(lstm_module, dtype, columns):
    scores, labels = _rows(dtype, 700, seed=5)
    _, _, weights = _forward(lstm_module, scores, labels, -1, 1)  # scores become exp(x - max)
    want = scores.copy()
    M, V = scores.shape
    dout = np.array([0.7], dtype=dtype)
    reference.softmax_ce_backward_reference(want, labels, weights, dtype(0.7))
    _launch(lstm_module, "softmax_ce_backward", dtype, (M, columns), (fast_gpu.ROW_THREADS,),
            (scores, labels, np.int64(V), weights, dout))
    _close(scores, want, dtype)
