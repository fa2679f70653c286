"""Recurrent time layers: Elman RNN and LSTM over (N, T) sequences (Saito, DLfS2 common/time_layers.py).

Same layout and fast-path rules as ``time_layers``: the per-step ``h @ Wh`` and the LSTM gate math run in the
fused kernels that ``fused.kernels_for`` picks from the arrays (numba on NumPy, CUDA on CuPy; ``fused=False``:
the plain xp reference kept here).
"""

from ..backend import array_module
from .fused import kernels_for
from .reference import lstm_step_backward_reference, lstm_step_forward_reference
from .time_layers import _matmul_into, time_major


def _step_matmul(W, batch, fused):
    """``f(h, out)``: out[...] = h @ W, called once per time step with the same W (packed once if that pays)."""
    kernels = kernels_for(W, "lstm", fused)
    if kernels and kernels.use_packed(W, batch):
        packed = kernels.pack_weights(W)
        return lambda h, out: kernels.matmul_packed(h, packed, out)
    xp = array_module(W)
    W = xp.ascontiguousarray(W)  # BLAS runs ~1.3x faster on a contiguous copy of Wh.T
    return lambda h, out: _matmul_into(xp, h, W, out)


def _start_sequence(xs, Wx, Wh, b):
    """The time-major input flattened to ``x2`` (T*N, D); its projection ``x Wx + b`` for all steps, one GEMM
    (T, N, G); an empty hidden-state buffer ``hs`` (T + 1, N, H): hs[0] = h_0, hs[t+1] = h after step t."""
    xp = array_module(Wx)
    x = time_major(xs)
    T, N, D = x.shape
    x2 = x.reshape(T * N, D)
    projected = (x2 @ Wx).reshape(T, N, Wx.shape[1])
    projected += b
    return x2, projected, xp.empty((T + 1, N, Wh.shape[0]), dtype=Wx.dtype)


class TimeRNN:
    """Elman RNN ``h_t = tanh(x_t Wx + h_{t-1} Wh + b)`` over T steps; ``stateful`` carries h across calls."""

    def __init__(self, Wx, Wh, b, stateful=False, fused=True):
        self.params = [Wx, Wh, b]
        xp = array_module(Wx)
        self.grads = [xp.zeros_like(Wx), xp.zeros_like(Wh), xp.zeros_like(b)]
        self.stateful, self.fused = stateful, fused
        self.h = None
        self.dh = None
        self.cache = None

    def set_state(self, h):
        self.h = h

    def reset_state(self):
        self.h = None

    def forward(self, xs):
        Wx, Wh, b = self.params
        xp = array_module(Wx)
        x2, a, hs = _start_sequence(xs, Wx, Wh, b)
        T, N, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
        hs[0] = self.h if (self.stateful and self.h is not None) else 0
        recurrent, step_matmul = xp.empty((N, H), dtype=Wx.dtype), _step_matmul(Wh, N, self.fused)
        for t in range(T):
            a[t] += step_matmul(hs[t], recurrent)
            xp.tanh(a[t], out=hs[t + 1])
        self.h = hs[T]
        self.cache = (x2, hs)
        return hs[1:].swapaxes(0, 1)

    def backward(self, dhs):
        Wx, Wh, b = self.params
        xp = array_module(Wx)
        x2, hs = self.cache
        dh_seq = time_major(dhs)
        T, N, H = dh_seq.shape
        da = xp.empty((T, N, H), dtype=Wx.dtype)
        dh = xp.zeros((N, H), dtype=Wx.dtype)  # truncated BPTT: nothing flows in from the next batch
        step_matmul = _step_matmul(Wh.T, N, self.fused)
        for t in range(T - 1, -1, -1):
            dh += dh_seq[t]
            h = hs[t + 1]
            xp.multiply(dh, 1 - h * h, out=da[t])
            step_matmul(da[t], dh)
        da2 = da.reshape(T * N, H)
        _matmul_into(xp, x2.T, da2, self.grads[0])
        _matmul_into(xp, hs[:T].reshape(T * N, H).T, da2, self.grads[1])  # all h_{t-1} stacked: one GEMM
        self.grads[2][...] = da2.sum(axis=0)
        self.dh = dh
        return (da2 @ Wx.T).reshape(T, N, -1).swapaxes(0, 1)


class TimeLSTM:
    """LSTM over T steps with the four gates fused in one (·, 4H) matrix, ordered [i, f, o, g].

    ``stateful=True`` carries (h, c) from one call to the next (truncated BPTT); ``reset_state`` clears them.
    Forward: one GEMM projects every step's input, then per step ``h_{t-1} @ Wh`` and the fused gate math.
    Backward: per step only the gate math and ``dgates @ Wh.T``; dWx, dWh, db and dx are GEMMs over all steps.
    """

    def __init__(self, Wx, Wh, b, stateful=False, fused=True):
        self.params = [Wx, Wh, b]
        xp = array_module(Wx)
        self.grads = [xp.zeros_like(Wx), xp.zeros_like(Wh), xp.zeros_like(b)]
        self.stateful, self.fused = stateful, fused
        self.h = self.c = None
        self.dh = self.dc = None
        self.cache = None

    def set_state(self, h, c=None):
        self.h, self.c = h, c

    def reset_state(self):
        self.h = self.c = None

    def forward(self, xs):
        Wx, Wh, b = self.params
        xp = array_module(Wx)
        x2, gates, hs = _start_sequence(xs, Wx, Wh, b)
        T, N, H = hs.shape[0] - 1, hs.shape[1], hs.shape[2]
        cs = xp.empty((T + 1, N, H), dtype=Wx.dtype)
        tanh_cs = xp.empty((T, N, H), dtype=Wx.dtype)
        carried = self.stateful and self.h is not None
        hs[0] = self.h if carried else 0
        cs[0] = self.c if (carried and self.c is not None) else 0
        kernels = kernels_for(Wx, "lstm", self.fused)
        step = kernels.lstm_step_forward if kernels else lstm_step_forward_reference
        recurrent, step_matmul = xp.empty((N, 4 * H), dtype=Wx.dtype), _step_matmul(Wh, N, self.fused)
        for t in range(T):
            step_matmul(hs[t], recurrent)  # (N, H) @ (H, 4H)
            step(gates[t], recurrent, cs[t], cs[t + 1], hs[t + 1], tanh_cs[t])  # gates[t] -> activations
        self.h, self.c = hs[T], cs[T]
        self.cache = (x2, gates, hs, cs, tanh_cs)
        return hs[1:].swapaxes(0, 1)

    def backward(self, dhs):
        Wx, Wh, b = self.params
        xp = array_module(Wx)
        x2, gates, hs, cs, tanh_cs = self.cache
        self.cache = None  # gates becomes the gate gradients
        dh_seq = time_major(dhs)
        T, N, H = dh_seq.shape
        dh = xp.zeros((N, H), dtype=Wx.dtype)  # truncated BPTT: nothing flows in from the next batch
        dc = xp.zeros((N, H), dtype=Wx.dtype)
        kernels = kernels_for(Wx, "lstm", self.fused)
        step = kernels.lstm_step_backward if kernels else lstm_step_backward_reference
        step_matmul = _step_matmul(Wh.T, N, self.fused)
        for t in range(T - 1, -1, -1):
            step(gates[t], cs[t], tanh_cs[t], dh_seq[t], dh, dc)  # activations -> d pre-activations
            step_matmul(gates[t], dh)  # (N, 4H) @ (4H, H)
        dgates = gates.reshape(T * N, 4 * H)
        _matmul_into(xp, x2.T, dgates, self.grads[0])
        _matmul_into(xp, hs[:T].reshape(T * N, H).T, dgates, self.grads[1])  # all h_{t-1} stacked: one GEMM
        self.grads[2][...] = dgates.sum(axis=0)
        self.dh, self.dc = dh, dc
        return (dgates @ Wx.T).reshape(T, N, -1).swapaxes(0, 1)
