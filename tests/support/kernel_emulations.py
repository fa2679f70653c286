"""NumPy transcriptions of w2vlm's CUDA kernels (nn/lstm_softmax.cu), registered with the CuPy stand-in.

Each follows the CUDA source line by line on the raw buffers a launch receives (flat, C-contiguous, pointer
semantics), and honours the launch grid: an element no thread reaches stays unwritten, a grid that reaches past
an array raises. Running them proves the plumbing around the kernels (names, argument order and types, grids,
buffer layouts), not the CUDA code: tests/kernels runs that on the CPU (cuda_on_cpu), a real device the rest.
"""

import numpy as np

from .cupy_standin import register_kernel
from .word2vec_emulation import register_word2vec


def _flat(*arrays):
    for a in arrays:
        if not a.flags.c_contiguous:
            raise ValueError("a CUDA kernel received a non-contiguous buffer")
    return [a.reshape(-1) for a in arrays]


def _covered(grid, block, H, N, rows_total):
    """Columns j < H and rows n reached by a (ceil(H / threads), N) grid, as the kernels index them."""
    cols = min(H, grid[0] * block[0])
    rows = grid[1] if len(grid) > 1 else 1
    if rows * 4 * H > rows_total:
        raise IndexError(f"launch grid reaches row {rows - 1} of a buffer with {rows_total // (4 * H)} rows")
    return cols, rows


def lstm_forward(defines, grid, block, args):
    a, rec, c_prev, c_next, h_next, tanh_c, H = args
    H = int(H)
    a, rec, c_prev, c_next, h_next, tanh_c = _flat(a, rec, c_prev, c_next, h_next, tanh_c)
    cols, rows = _covered(grid, block, H, None, a.size)
    A, R = a.reshape(-1, 4 * H)[:rows], rec.reshape(-1, 4 * H)[:rows]
    j = slice(0, cols)
    half = a.dtype.type(0.5)
    pre = [A[:, g * H:(g * H + cols)] + R[:, g * H:(g * H + cols)] for g in range(4)]
    gi, gf, go = (half * np.tanh(half * p) + half for p in pre[:3])
    gg = np.tanh(pre[3])
    for g, value in enumerate((gi, gf, go, gg)):
        A[:, g * H:g * H + cols] = value
    c = gf * c_prev.reshape(-1, H)[:rows, j] + gi * gg
    t = np.tanh(c)
    c_next.reshape(-1, H)[:rows, j] = c
    tanh_c.reshape(-1, H)[:rows, j] = t
    h_next.reshape(-1, H)[:rows, j] = go * t


def lstm_backward(defines, grid, block, args):
    a, c_prev, tanh_c, dh_out, dh, dc, H = args
    H = int(H)
    a, c_prev, tanh_c, dh_out, dh, dc = _flat(a, c_prev, tanh_c, dh_out, dh, dc)
    cols, rows = _covered(grid, block, H, None, a.size)
    A = a.reshape(-1, 4 * H)[:rows]
    j = slice(0, cols)

    def part(x):
        return x.reshape(-1, H)[:rows, j]
    gi, gf, go, gg = (A[:, g * H:g * H + cols].copy() for g in range(4))
    d, t = part(dh) + part(dh_out), part(tanh_c)
    one = a.dtype.type(1)
    dct = part(dc) + d * go * (one - t * t)
    A[:, 0:cols] = dct * gg * gi * (one - gi)
    A[:, H:H + cols] = dct * part(c_prev) * gf * (one - gf)
    A[:, 2 * H:2 * H + cols] = d * t * go * (one - go)
    A[:, 3 * H:3 * H + cols] = dct * gi * (one - gg * gg)
    part(dc)[...] = dct * gf


def softmax_ce_forward(defines, grid, block, args):
    scores, labels, ignore, V, count, write, weights, nll = args
    V, ignore, M = int(V), int(ignore), grid[0]
    scores, labels, weights, nll = _flat(scores, labels, weights, nll)
    if M * V > scores.size or M > labels.size:
        raise IndexError(f"softmax launch of {M} rows over a buffer of {scores.size // max(V, 1)}")
    for m in range(M):
        with np.errstate(invalid="ignore", over="ignore"):  # NaN/inf rows give a NaN loss, as on the device
            _softmax_row(scores[m * V:(m + 1) * V], int(labels[m]), m, ignore, V, count, write, weights, nll)


def _softmax_row(x, label, m, ignore, V, count, write, weights, nll):
    """One block of the forward kernel: row m."""
    counted = label != ignore
    bad = counted and not 0 <= label < V
    picked = x[label] if counted and not bad else x.dtype.type(0)
    bad = bad or not np.all(x < np.inf)  # NaN or +inf
    mx = x.max() if V else -np.inf
    s = np.exp(x - mx).sum(dtype=x.dtype)
    if bad:
        s = x.dtype.type(np.nan)
    if write:
        x[...] = np.exp(x - mx)
    nll[m] = np.log(s) - (picked - mx) if counted else 0
    if write:
        weights[2 * m] = 1 / s
        weights[2 * m + 1] = 1 / count.reshape(-1)[0] if counted else 0




def softmax_ce_backward(defines, grid, block, args):
    scores, labels, V, weights, dout = args
    V, M = int(V), grid[0]
    scores, labels, weights = _flat(scores, labels, weights)
    for m in range(M):
        label = int(labels[m])
        coef = weights[2 * m + 1] * dout.reshape(-1)[0]
        x = scores[m * V:(m + 1) * V]
        x *= weights[2 * m] * coef
        if coef != 0 and 0 <= label < V:
            x[label] -= coef


for _name, _fn in (("lstm_forward", lstm_forward), ("lstm_backward", lstm_backward),
                   ("softmax_ce_forward", softmax_ce_forward), ("softmax_ce_backward", softmax_ce_backward)):
    for _ctype in ("float", "double"):
        register_kernel(f"{_name}<{_ctype}>", _fn)
register_word2vec(register_kernel)
