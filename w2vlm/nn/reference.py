"""The plain xp reference of every fused kernel: LSTM steps and the one softmax cross-entropy (NumPy or CuPy).

``fast_cpu`` (numba) and ``fast_gpu`` (CUDA) implement these same contracts; the layers run these when no
kernel applies (``fused.kernels_for`` gives None), and the tests and the GPU self-check compare the kernels
against them. ``softmax_nll_rows`` is the one cross-entropy: training (``softmax_ce_forward_reference``),
evaluation (``token_nll_reference``) and the checks all compute it here.
"""

from ..backend import array_module


def lstm_step_forward_reference(a, recurrent, c_prev, c_next, h_next, tanh_c):
    """One step, plain xp: a + recurrent (N, 4H) -> gate activations in a; writes c_next, h_next, tanh(c_next)."""
    xp = array_module(a)
    H = c_prev.shape[1]
    a += recurrent
    a[:, :3 * H] = 0.5 * xp.tanh(0.5 * a[:, :3 * H]) + 0.5  # sigmoid, stable for any |x|
    xp.tanh(a[:, 3 * H:], out=a[:, 3 * H:])
    i, f, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    c_next[...] = f * c_prev + i * g
    xp.tanh(c_next, out=tanh_c)
    xp.multiply(o, tanh_c, out=h_next)


def lstm_step_backward_reference(a, c_prev, tanh_c, dh_out, dh, dc):
    """One step back, plain xp. ``dh`` holds dL/dh_t from step t+1 and ``dh_out`` the output's share;
    ``dc`` holds dL/dc_t and becomes dL/dc_{t-1}. The activations in ``a`` become d pre-activations."""
    H = c_prev.shape[1]
    i, f, o, g = a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:]
    dh_total = dh + dh_out
    dc += dh_total * o * (1 - tanh_c * tanh_c)
    di = dc * g * i * (1 - i)
    df = dc * c_prev * f * (1 - f)
    do = dh_total * tanh_c * o * (1 - o)
    dg = dc * i * (1 - g * g)
    dc *= f
    a[:, :H], a[:, H:2 * H], a[:, 2 * H:3 * H], a[:, 3 * H:] = di, df, do, dg


def softmax_nll_rows(scores, labels, ignore_index, overwrite=False):
    """-log softmax(scores)[label] per row of ``scores`` (M, V), 0 for rows labelled ``ignore_index``.

    Returns ``(nll (M,), sums (M,), counted (M,) bool)`` with sums = sum(exp(x - max)). Stable: the row max is
    subtracted before exp. ``overwrite=True`` turns ``scores`` into exp(x - max) (training reuses it as the
    gradient buffer); otherwise ``scores`` is left unchanged.
    """
    xp = array_module(scores)
    rows = xp.arange(len(labels))
    counted = labels != ignore_index
    safe = xp.where(counted, labels, 0)
    shifted = scores if overwrite else scores.copy()
    shifted -= shifted.max(axis=1, keepdims=True)
    picked = shifted[rows, safe]  # x_label - max, a copy
    xp.exp(shifted, out=shifted)
    sums = shifted.sum(axis=1)
    nll = (xp.log(sums) - picked) * counted  # -log p(label)
    return nll, sums, counted


def softmax_ce_forward_reference(scores, labels, ignore_index):
    """Training's loss: overwrites ``scores`` (M, V) with exp(x - max), returns (mean loss, row weights (M, 2)).

    weights[:, 0] = 1 / sum(exp(x - max)) and weights[:, 1] = 1/count for counted rows, 0 for ignored ones,
    so that the backward is ``(exp(x - max) * w0 - onehot) * w1 * dout``.
    """
    xp = array_module(scores)
    nll, sums, counted = softmax_nll_rows(scores, labels, ignore_index, overwrite=True)
    count = xp.maximum(counted.sum(), 1)
    loss = nll.sum() / count
    weights = xp.stack([1 / sums, counted / count], axis=1).astype(scores.dtype)
    return xp.asarray(loss, dtype=scores.dtype), weights


def softmax_ce_backward_reference(scores, labels, weights, dout):
    """In place: exp(x - max) (M, V) -> d loss / d x, given the forward's row weights."""
    xp = array_module(scores)
    rows = xp.arange(len(labels))
    coef = weights[:, 1] * dout
    safe = xp.where(weights[:, 1] > 0, labels, 0)
    scores *= (weights[:, 0] * coef)[:, None]
    scores[rows, safe] -= coef  # labels of counted rows are distinct (one per row), so no duplicates
    return scores


def token_nll_reference(logits, targets, ignore_index=-1):
    """Evaluation's loss: -log softmax(logits)[target] per position, (B, T) from logits (B, T, V); 0 where
    ignored. Logits unchanged."""
    V = logits.shape[-1]
    nll, _, _ = softmax_nll_rows(logits.reshape(-1, V), targets.reshape(-1), ignore_index)
    return nll.reshape(targets.shape)
