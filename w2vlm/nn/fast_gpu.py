"""CUDA kernels (CuPy RawModule) for the LSTM gate math and the softmax cross-entropy (their reference: reference.py).

The GPU twin of ``fast_cpu`` with the same functions and contracts, so ``fused.kernels_for`` hands CuPy
arrays here (after ``gpu_selfcheck`` passed): one kernel per LSTM step forward and one backward (gates [i, f, o, g], sigmoid as
0.5 * tanh(x / 2) + 0.5), and a softmax cross-entropy that reads each (V,) row once for an online max + sum and
writes exp(x - max) in a second pass, with the loss, the ignore label and the row weights of the reference.
``token_nll`` is the same row pass without the write (evaluation). All kernels take C-contiguous float32 or
float64 arrays and are compiled once per process by NVRTC from ``lstm_softmax.cu`` (read into ``SOURCE``).
"""

from pathlib import Path

import numpy as np

ROW_THREADS = 256  # one block per softmax row
STEP_THREADS = 128

SOURCE = (Path(__file__).parent / "lstm_softmax.cu").read_text(encoding="utf-8")


def use_packed(W, batch):
    """False: on the GPU the per-step ``h @ Wh`` is a cuBLAS GEMM (``fast_cpu`` packs Wh for the CPU only)."""
    return False


_NAMES = [f"{kernel}<{t}>" for kernel in ("lstm_forward", "lstm_backward", "softmax_ce_forward", "softmax_ce_backward")
          for t in ("float", "double")]
_STATE = {}  # compiled modules and constants, per cupy module


def _kernel(name, dtype):
    """The compiled kernel ``name`` for float32 or float64 (one NVRTC compile per process, cached on disk)."""
    import cupy
    key = (cupy, "module")
    if key not in _STATE:
        _STATE[key] = cupy.RawModule(code=SOURCE, name_expressions=_NAMES)
    ctype = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}[np.dtype(dtype)]
    return _STATE[key].get_function(f"{name}<{ctype}>")


def _contiguous(*arrays):
    for x in arrays:
        if not x.flags.c_contiguous:
            raise ValueError("the fused GPU kernels need C-contiguous arrays")


def _const(value, dtype):
    """A cached one-element device array holding ``value`` (a Python number), or ``value`` itself if an array."""
    import cupy
    if isinstance(value, cupy.ndarray):
        return value.astype(dtype, copy=False).reshape(1)
    key = (cupy, float(value), np.dtype(dtype).str)
    if key not in _STATE:
        _STATE[key] = cupy.full(1, value, dtype=dtype)
    return _STATE[key]


def lstm_step_forward(a, recurrent, c_prev, c_next, h_next, tanh_c):
    """Same contract as ``reference.lstm_step_forward_reference`` (all arrays C-contiguous, one dtype)."""
    N, H = c_prev.shape
    _contiguous(a, recurrent, c_prev, c_next, h_next, tanh_c)
    grid = (-(-H // STEP_THREADS), N)
    _kernel("lstm_forward", a.dtype)(grid, (STEP_THREADS,), (a, recurrent, c_prev, c_next, h_next, tanh_c,
                                                             np.int32(H)))


def lstm_step_backward(a, c_prev, tanh_c, dh_out, dh, dc):
    """Same contract as ``reference.lstm_step_backward_reference`` (``dh`` is left unchanged)."""
    N, H = c_prev.shape
    _contiguous(a, c_prev, tanh_c, dh_out, dh, dc)
    grid = (-(-H // STEP_THREADS), N)
    _kernel("lstm_backward", a.dtype)(grid, (STEP_THREADS,), (a, c_prev, tanh_c, dh_out, dh, dc, np.int32(H)))


def _rows(scores, labels, ignore_index, write):
    import cupy
    M, V = scores.shape
    _contiguous(scores)
    labels = cupy.ascontiguousarray(cupy.asarray(labels, dtype=np.int64))
    count = cupy.maximum((labels != ignore_index).sum(), 1).astype(scores.dtype)
    weights = cupy.empty((M, 2), dtype=scores.dtype)
    nll = cupy.empty(M, dtype=scores.dtype)
    if M:
        _kernel("softmax_ce_forward", scores.dtype)((M,), (ROW_THREADS,), (
            scores, labels, np.int64(ignore_index), np.int64(V), count, np.int32(write), weights, nll))
    return nll, count, weights


def softmax_ce_forward(scores, labels, ignore_index):
    """Same contract as ``reference.softmax_ce_forward_reference``: scores (M, V) become exp(x - max);
    returns (mean loss as a 0-d device array, row weights (M, 2))."""
    nll, count, weights = _rows(scores, labels, ignore_index, True)
    return nll.sum() / count, weights


def softmax_ce_backward(scores, labels, weights, dout):
    """Same contract as ``reference.softmax_ce_backward_reference`` (in place; ``dout`` a number or 0-d array)."""
    import cupy
    M, V = scores.shape
    _contiguous(scores, weights)
    labels = cupy.ascontiguousarray(cupy.asarray(labels, dtype=np.int64))
    columns = max(1, min(-(-V // (ROW_THREADS * 4)), 65535))
    if M:
        _kernel("softmax_ce_backward", scores.dtype)((M, columns), (ROW_THREADS,), (
            scores, labels, np.int64(V), weights, _const(dout, scores.dtype)))
    return scores


def token_nll(logits, targets, ignore_index=-1):
    """-log softmax(logits)[target] per position, (B, T) from logits (B, T, V); 0 where ignored. Logits unchanged.

    Same values as ``lm.evaluate.token_nll`` without its (B*T, V) temporaries.
    """
    import cupy
    B, T, V = logits.shape
    rows = cupy.ascontiguousarray(logits.swapaxes(0, 1)).reshape(T * B, V)  # free for the model's (T, B, V) output
    labels = cupy.ascontiguousarray(targets.T).reshape(-1)
    nll, _, _ = _rows(rows, labels, ignore_index, False)
    return nll.reshape(T, B).T
