"""Fused numba CPU kernels: LSTM gate math, softmax cross-entropy, per-step GEMM (their reference: reference.py).

Each kernel does in one pass what the NumPy reference does in a dozen array operations, with no temporaries.
numba has no vectorized tanh/exp without Intel's SVML, and scalar libm calls cost ~15 ns each, so float32 uses
polynomial approximations that LLVM turns into AVX code: tanh as Eigen's rational approximation (abs. error
< 3e-7) and exp as Cephes' expf (range reduction + degree-6 polynomial, rel. error < 1e-7). float64 (gradient
checks) uses libm. NaN/inf still propagate: the fast-math flags leave out nnan and ninf.
The per-step recurrent product ``h @ Wh`` (a few rows times a large matrix, once per time step) loses most of
its time in BLAS to re-packing Wh on every call; ``matmul_packed`` packs it once per sequence into column panels
and keeps a 4-row x 64-column tile of the result in registers (1.5-4x faster than OpenBLAS at batch 1-64).
Each function keeps the contract of its twin in ``reference.py`` (the tests compare them on the same inputs).
``fused.kernels_for`` imports this module lazily for NumPy arrays; ``fused=False`` in the API (``--no-fused``)
runs the reference instead.
"""

import math

import numba
import numpy as np
from llvmlite import binding, ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic, overload

_FLAGS = {"nsz", "arcp", "contract", "afn", "reassoc"}  # no nnan/ninf: a NaN loss must stay NaN
_jit = numba.njit(cache=True, nogil=True, fastmath=_FLAGS, error_model="numpy")
f32 = np.float32
PACKED_MAX_BATCH = 128  # matmul_packed runs float32 steps of at most this many rows (BLAS packs better above)
_ROWS = 4  # the register tile: _ROWS x _COLS accumulators (8 AVX-512 registers, or 8 AVX2 ones at 32 columns)
_COLS = 64 if binding.get_host_cpu_features().get("avx512f", False) else 32


def lstm_step_forward(a, recurrent, c_prev, c_next, h_next, tanh_c):
    """Same contract as ``reference.lstm_step_forward_reference``."""
    _lstm_forward(a, recurrent, c_prev, c_next, h_next, tanh_c)


def lstm_step_backward(a, c_prev, tanh_c, dh_out, dh, dc):
    """Same contract as ``reference.lstm_step_backward_reference``."""
    _lstm_backward(a, c_prev, tanh_c, dh_out, dh, dc)


def softmax_ce_forward(scores, labels, ignore_index):
    """Same contract as ``reference.softmax_ce_forward_reference`` (labels int64)."""
    weights = np.empty((scores.shape[0], 2), dtype=scores.dtype)
    tops = scores.max(axis=1)  # NumPy's vectorized max (a max reduction vectorizes in numba only with nnan)
    total, count = _softmax_forward(scores, tops, labels, ignore_index, weights)
    return np.asarray(total / max(count, 1), dtype=scores.dtype), weights


def softmax_ce_backward(scores, labels, weights, dout):
    """Same contract as ``reference.softmax_ce_backward_reference`` (labels int64)."""
    _softmax_backward(scores, labels, weights, float(dout))
    return scores


def use_packed(W, batch):
    """True when ``matmul_packed`` should run the per-step product of ``batch`` rows with ``W``."""
    return W.dtype == np.float32 and 0 < batch <= PACKED_MAX_BATCH


def pack_weights(W):
    """(K, M) weights in any layout -> (ceil(M / C), K, C) contiguous column panels, zero-padded."""
    K, M = W.shape
    panels = -(-M // _COLS)
    packed = np.zeros((panels, K, _COLS), dtype=W.dtype)
    full = M // _COLS
    packed[:full] = W[:, :full * _COLS].reshape(K, full, _COLS).transpose(1, 0, 2)
    if full < panels:
        packed[full, :, :M - full * _COLS] = W[:, full * _COLS:]
    return packed


def matmul_packed(h, packed, out):
    """out[...] = h @ W for h (N, K) and out (N, M), W given as ``pack_weights(W)``."""
    _matmul_packed(np.ascontiguousarray(h), packed, out)
    return out


def tanh32(x):
    """The float32 tanh approximation over an array (for tests)."""
    return _map_tanh(np.ascontiguousarray(x, dtype=np.float32).ravel()).reshape(np.shape(x))


def exp32(x):
    """The float32 exp approximation over an array of values <= 0 (for tests)."""
    return _map_exp(np.ascontiguousarray(x, dtype=np.float32).ravel()).reshape(np.shape(x))


# --- elementwise functions: approximations for float32, libm otherwise ------------------------------------------

@intrinsic
def _pow2_f32(typingctx, n):
    """2**n for an integral float32 n in [-126, 127], by writing the exponent bits."""
    def codegen(context, builder, signature, args):
        i32 = ir.IntType(32)
        exponent = builder.add(builder.fptosi(args[0], i32), ir.Constant(i32, 127))
        return builder.bitcast(builder.shl(exponent, ir.Constant(i32, 23)), ir.FloatType())
    return types.float32(types.float32), codegen


_CLAMP, _TINY = f32(7.90531110763549805), f32(0.0004)
_A = [f32(c) for c in (4.89352455891786e-03, 6.37261928875436e-04, 1.48572235717979e-05, 5.12229709037114e-08,
                       -8.60467152213735e-11, 2.00018790482477e-13, -2.76076847742355e-16)]
_B = [f32(c) for c in (4.89352518554385e-03, 2.26843463243900e-03, 1.18534705686654e-04, 1.19825839466702e-06)]
A1, A3, A5, A7, A9, A11, A13 = _A
B0, B2, B4, B6 = _B
_LOW, _LOG2E, _C1, _C2 = f32(-87.33654), f32(1.44269504088896341), f32(0.693359375), f32(-2.12194440e-4)
P0, P1, P2, P3, P4, P5 = (f32(1.9875691500e-4), f32(1.3981999507e-3), f32(8.3334519073e-3),
                          f32(4.1665795894e-2), f32(1.6666665459e-1), f32(5.0000001201e-1))
_HALF, _ONE = f32(0.5), f32(1.0)


def fast_tanh(x):
    return math.tanh(x)


def fast_exp(x):
    return math.exp(x)


@overload(fast_tanh, jit_options={"fastmath": _FLAGS})
def _fast_tanh(x):
    if x != types.float32:
        return lambda x: math.tanh(x)

    def tanh_f32(x):  # Eigen's generic_fast_tanh_float
        y = min(max(x, -_CLAMP), _CLAMP)
        y2 = y * y
        p = ((((((A13 * y2 + A11) * y2 + A9) * y2 + A7) * y2 + A5) * y2 + A3) * y2 + A1) * y
        q = ((B6 * y2 + B4) * y2 + B2) * y2 + B0
        return x if abs(x) < _TINY else p / q
    return tanh_f32


@overload(fast_exp, jit_options={"fastmath": _FLAGS})
def _fast_exp(x):
    if x != types.float32:
        return lambda x: math.exp(x)

    def exp_f32(x):  # Cephes expf, for x <= 0 (softmax after subtracting the max); NaN is handled by the caller
        y = max(x, _LOW)
        n = math.floor(y * _LOG2E + _HALF)
        r = y - n * _C1 - n * _C2
        p = (((((P0 * r + P1) * r + P2) * r + P3) * r + P4) * r + P5) * (r * r) + r + _ONE
        return p * _pow2_f32(n)
    return exp_f32


@intrinsic
def _stack_tile(typingctx):
    """A _ROWS x _COLS float32 scratch array on the stack, which LLVM keeps in registers."""
    def codegen(context, builder, signature, args):
        return cgutils.alloca_once(builder, ir.FloatType(), size=_ROWS * _COLS)
    return types.CPointer(types.float32)(), codegen


@_jit
def _matmul_packed(h, packed, out):
    N, K = h.shape
    M = out.shape[1]
    acc = numba.carray(_stack_tile(), (_ROWS, _COLS))
    for p in range(packed.shape[0]):
        panel = packed[p]
        width = min(_COLS, M - p * _COLS)
        for n0 in range(0, N, _ROWS):
            rows = min(_ROWS, N - n0)
            for r in range(_ROWS):
                for u in range(_COLS):
                    acc[r, u] = 0.0
            if rows == _ROWS:  # the register tile: each weight loaded once for 4 rows
                for k in range(K):
                    w = panel[k]
                    a0, a1, a2, a3 = h[n0, k], h[n0 + 1, k], h[n0 + 2, k], h[n0 + 3, k]
                    for u in range(_COLS):
                        wu = w[u]
                        acc[0, u] += a0 * wu
                        acc[1, u] += a1 * wu
                        acc[2, u] += a2 * wu
                        acc[3, u] += a3 * wu
            else:
                for r in range(rows):
                    for k in range(K):
                        w = panel[k]
                        a = h[n0 + r, k]
                        for u in range(_COLS):
                            acc[r, u] += a * w[u]
            for r in range(rows):
                o = out[n0 + r, p * _COLS:p * _COLS + width]
                for u in range(width):
                    o[u] = acc[r, u]


# --- kernels. Loops run from 0 over 1-D row views touching few arrays: that is what LLVM vectorizes (an offset
# range start or many interleaved arrays make it fall back to scalar code, 3-8x slower). -------------------------

@_jit
def _lstm_forward(a, recurrent, c_prev, c_next, h_next, tanh_c):
    N, H = c_prev.shape
    half = a.dtype.type(0.5)
    for n in range(N):
        sig, sig_in = a[n, :3 * H], recurrent[n, :3 * H]
        for j in range(3 * H):  # sigmoid(x) = (1 + tanh(x/2)) / 2, stable for any x
            sig[j] = half * fast_tanh(half * (sig[j] + sig_in[j])) + half
        g, g_in = a[n, 3 * H:], recurrent[n, 3 * H:]
        for j in range(H):
            g[j] = fast_tanh(g[j] + g_in[j])
        i, f, o = a[n, :H], a[n, H:2 * H], a[n, 2 * H:3 * H]
        c, cp = c_next[n], c_prev[n]
        for j in range(H):
            c[j] = f[j] * cp[j] + i[j] * g[j]
        tc, h = tanh_c[n], h_next[n]
        for j in range(H):
            t = fast_tanh(c[j])
            tc[j] = t
            h[j] = o[j] * t


@_jit
def _lstm_backward(a, c_prev, tanh_c, dh_out, dh, dc):
    N, H = c_prev.shape
    one = a.dtype.type(1.0)
    for n in range(N):
        i, f, o, g = a[n, :H], a[n, H:2 * H], a[n, 2 * H:3 * H], a[n, 3 * H:]
        dhn, dhon, dcn, tc, cp = dh[n], dh_out[n], dc[n], tanh_c[n], c_prev[n]
        for j in range(H):
            dhn[j] += dhon[j]  # dL/dh_t from step t+1 plus the output's share (dh is overwritten next)
        for j in range(H):
            t, oj, d = tc[j], o[j], dhn[j]
            dcn[j] += d * oj * (one - t * t)
            o[j] = d * t * oj * (one - oj)
        for j in range(H):
            ij, gj, d = i[j], g[j], dcn[j]
            i[j] = d * gj * ij * (one - ij)
            g[j] = d * ij * (one - gj * gj)
        for j in range(H):
            fj, d = f[j], dcn[j]
            f[j] = d * cp[j] * fj * (one - fj)
            dcn[j] = d * fj  # dL/dc_{t-1}


@_jit
def _softmax_forward(scores, tops, labels, ignore_index, weights):
    M, V = scores.shape
    total = 0.0
    count = 0
    for m in range(M):
        row, top, label = scores[m], tops[m], labels[m]
        picked = row[label] - top if label != ignore_index else 0.0
        s = row.dtype.type(0.0)
        for v in range(V):
            e = fast_exp(row[v] - top)
            row[v] = e
            s += e
        if top - top != 0:  # a NaN or inf score: the loss must not look finite
            s = row.dtype.type(np.nan)
        weights[m, 0] = 1.0 / s
        if label != ignore_index:
            total += math.log(s) - picked
            count += 1
            weights[m, 1] = 1.0
        else:
            weights[m, 1] = 0.0
    inv = 1.0 / max(count, 1)
    for m in range(M):
        weights[m, 1] *= inv
    return total, count


@_jit
def _softmax_backward(scores, labels, weights, dout):
    M, V = scores.shape
    for m in range(M):
        coef = weights[m, 1] * dout
        scale = scores.dtype.type(weights[m, 0] * coef)
        row = scores[m]
        for v in range(V):
            row[v] *= scale
        if coef != 0.0:
            row[labels[m]] -= coef


@_jit
def _map_tanh(x):
    out = np.empty_like(x)
    for k in range(x.shape[0]):
        out[k] = fast_tanh(x[k])
    return out


@_jit
def _map_exp(x):
    out = np.empty_like(x)
    for k in range(x.shape[0]):
        out[k] = fast_exp(x[k])
    return out
