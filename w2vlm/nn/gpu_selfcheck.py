"""First-use checks of the fused CUDA kernels (fast_gpu) against the layered reference on tiny inputs.

Each check returns None when every output agrees within float32/float64 rounding, else a description naming the
kernel; ``fused.self_checked`` runs it once per process and falls back to the reference on a mismatch.
"""

import numpy as np

from . import fast_gpu
from .reference import (lstm_step_backward_reference, lstm_step_forward_reference, softmax_ce_backward_reference,
                        softmax_ce_forward_reference, token_nll_reference)

TOLERANCE = {np.float32: 1e-4, np.float64: 1e-10}


def _mismatch(name, got, want, dtype):
    got = got.get()
    if got.shape != want.shape or not np.all(np.isfinite(got) == np.isfinite(want)):
        return f"{name}: wrong shape or non-finite values"
    error = float(np.max(np.abs(got - want) / (np.abs(want) + 1.0), initial=0.0))
    return None if error <= TOLERANCE[dtype] else f"{name}: relative error {error:.2g}"


def _first(*problems):
    return next((p for p in problems if p), None)


def check_lstm(cp):
    rng = np.random.default_rng(0)
    N, H = 3, 5
    for dtype in (np.float32, np.float64):
        a, rec = (rng.standard_normal((N, 4 * H)).astype(dtype) for _ in range(2))
        c_prev, dh_out, dh, dc = (rng.standard_normal((N, H)).astype(dtype) for _ in range(4))
        want = [a.copy(), np.empty((N, H), dtype), np.empty((N, H), dtype), np.empty((N, H), dtype)]
        lstm_step_forward_reference(want[0], rec, c_prev, *want[1:])
        got = [cp.asarray(a)] + [cp.full((N, H), np.nan, dtype=dtype) for _ in range(3)]
        fast_gpu.lstm_step_forward(got[0], cp.asarray(rec), cp.asarray(c_prev), *got[1:])
        problem = _first(*(_mismatch("lstm_forward", g, w, dtype) for g, w in zip(got, want)))
        gates, tanh_c = want[0], want[3]
        want_a, want_dc = gates.copy(), dc.copy()
        lstm_step_backward_reference(want_a, c_prev, tanh_c, dh_out, dh.copy(), want_dc)
        got_a, got_dc = cp.asarray(gates), cp.asarray(dc)
        fast_gpu.lstm_step_backward(got_a, cp.asarray(c_prev), cp.asarray(tanh_c), cp.asarray(dh_out),
                                       cp.asarray(dh), got_dc)
        problem = _first(problem, _mismatch("lstm_backward", got_a, want_a, dtype),
                         _mismatch("lstm_backward", got_dc, want_dc, dtype))
        if problem:
            return problem
    return None


def check_softmax(cp):
    rng = np.random.default_rng(1)
    M, V = 4, 300  # V > fast_gpu.ROW_THREADS: threads loop over their row
    labels = np.array([3, -1, 0, V - 1])
    for dtype in (np.float32, np.float64):
        scores = (rng.standard_normal((M, V)) * 3).astype(dtype)
        want = scores.copy()
        want_loss, want_w = softmax_ce_forward_reference(want, labels, -1)
        got = cp.asarray(scores)
        loss, weights = fast_gpu.softmax_ce_forward(got, cp.asarray(labels), -1)
        problem = _first(_mismatch("softmax_ce_forward", loss, np.asarray(want_loss), dtype),
                         _mismatch("softmax_ce_forward", weights, want_w, dtype),
                         _mismatch("softmax_ce_forward", got, want, dtype))
        softmax_ce_backward_reference(want, labels, want_w, 0.5)
        fast_gpu.softmax_ce_backward(got, cp.asarray(labels), weights, 0.5)
        logits = scores.reshape(2, 2, V)
        nll = fast_gpu.token_nll(cp.asarray(logits), cp.asarray(labels.reshape(2, 2)), -1)
        problem = _first(problem, _mismatch("softmax_ce_backward", got, want, dtype),
                         _mismatch("token_nll", nll, token_nll_reference(logits, labels.reshape(2, 2)), dtype))
        if problem:
            return problem
    return None


CHECKS = {"lstm": check_lstm, "softmax": check_softmax}
