"""Layers over (N, T, ...) sequences for RNN language models (Saito, DLfS2 common/time_layers.py), xp-agnostic.

Layout: every layer takes and returns batch-major ``(N, T, ...)`` arrays, but the arrays it *returns* are
``swapaxes(0, 1)`` views of time-major ``(T, N, ...)`` buffers. The next layer swaps back for free, so each
time step is one contiguous ``(N, ...)`` block, the input projection and the weight gradients are one GEMM over
all T steps, and no layer copies its input. Callers may pass arrays in any layout.

Speed: the per-step gate math, the per-step ``h @ Wh`` and the softmax over the vocabulary run in fused kernels
picked by ``fused.kernels_for`` from the arrays (numba ``fast_cpu`` on NumPy, CUDA ``fast_gpu`` on CuPy),
each tested against the plain xp code kept here as the reference; ``fused=False`` runs the reference.
Dropout masks come from a ``CounterRNG`` (equal on NumPy and CuPy, state saved exactly for --resume).
"""

import numpy as np

from ..backend import array_module
from .counter_rng import CounterRNG
from .fused import kernels_for
from .reference import softmax_ce_backward_reference, softmax_ce_forward_reference
from .sparse import SparseGrad


def time_major(x):
    """``x`` (N, T, ...) as a contiguous (T, N, ...) array (free when ``x`` came from one of these layers)."""
    xp = array_module(x)
    return xp.ascontiguousarray(x.swapaxes(0, 1))


def _uniform(xp, rng, shape, dtype):
    """U[0, 1) draws on xp's device: from a ``CounterRNG`` (no device state), or from a NumPy Generator on the CPU."""
    dtype = np.float32 if dtype == np.float32 else np.float64
    if isinstance(rng, CounterRNG):
        return rng.uniform(xp, shape, dtype)
    if xp is np:
        return rng.random(shape, dtype=dtype)
    return xp.asarray(rng.random(shape, dtype=dtype))  # a host generator on the GPU: one upload per mask


def _keep_mask(xp, rng, shape, ratio, dtype):
    """Inverted-dropout mask: 1/(1-ratio) with probability 1-ratio, else 0."""
    keep = 1.0 - ratio
    mask = _uniform(xp, rng, shape, dtype) < keep
    return mask.astype(dtype) * dtype.type(1.0 / keep)


class TimeEmbedding:
    """``W[ids]`` for (N, T) ids -> (N, T, D); sparse gradient; optional embedding dropout of whole word types.

    Embedding dropout (Gal & Ghahramani 2016): in training each word type is dropped with probability
    ``dropout`` for the whole batch (all its occurrences), survivors scaled by 1/(1-dropout).
    """

    def __init__(self, W, dropout=0.0, rng=None):
        self.params = [W]
        self.grads = [SparseGrad(W.shape, W.dtype)]
        self.dropout, self.rng, self.train = dropout, rng, True
        self.ids = self.scale = None

    def forward(self, xs):
        W, = self.params
        xp = array_module(W)
        ids = xp.ascontiguousarray(xs.T)  # (N, T) -> (T, N)
        out = W[ids]  # (T, N) -> (T, N, D)
        self.scale = None
        if self.train and self.dropout > 0:
            word_keep = _keep_mask(xp, self.rng, (W.shape[0],), self.dropout, W.dtype)
            self.scale = word_keep[ids][..., None]  # (T, N, 1)
            out *= self.scale
        self.ids = ids
        return out.swapaxes(0, 1)

    def backward(self, dout):
        d = time_major(dout)  # (T, N, D)
        if self.scale is not None:
            d = d * self.scale
        self.grads[0].set(self.ids, d)
        return None


class TimeDropout:
    """Inverted dropout over (N, T, D); ``kind="locked"`` draws one mask per sequence, shared by all T steps
    (variational dropout, Gal & Ghahramani 2016; Merity et al. 2018). Identity when ``train`` is False."""

    def __init__(self, ratio=0.5, kind="standard", rng=None):
        if kind not in ("standard", "locked"):
            raise ValueError(f"dropout kind must be 'standard' or 'locked', not {kind!r}")
        self.params, self.grads = [], []
        self.ratio, self.kind, self.rng, self.train = ratio, kind, rng, True
        self.mask = None

    def forward(self, xs):
        if not self.train or self.ratio == 0:
            self.mask = None
            return xs
        xp = array_module(xs)
        x = time_major(xs)  # (T, N, D)
        shape = (1,) + x.shape[1:] if self.kind == "locked" else x.shape
        self.mask = _keep_mask(xp, self.rng, shape, self.ratio, x.dtype)
        x = x * self.mask  # locked: (1, N, D) broadcasts over T
        return x.swapaxes(0, 1)

    def backward(self, dout):
        if self.mask is None:
            return dout
        return (time_major(dout) * self.mask).swapaxes(0, 1)


class TimeAffine:
    """``x @ W + b`` at every step: (N, T, I) -> (N, T, O), one GEMM for all steps.

    The layer keeps W and b as two views of one (I+1, O) array and appends a column of ones to x, so that one
    GEMM adds the bias (forward) and one GEMM yields dW and db together (backward), with no extra pass over the
    (N*T, O) scores. ``params`` are those views (copies of the arrays passed in).
    ``transposed=True`` takes W as (O, I) and computes ``x @ W.T + b``: the output layer of a tied model, where
    W is the (V, D) embedding matrix itself (shared, not copied) and its gradient here is dense (V, D).
    """

    def __init__(self, W, b, transposed=False):
        xp = array_module(W)
        self.transposed = transposed
        if transposed:
            self.joint = self.joint_grad = None
            self.params = [W, b]
            self.grads = [xp.zeros_like(W), xp.zeros_like(b)]
        else:
            I = W.shape[0]
            self.joint = xp.concatenate([W, b[None]])  # (I+1, O): rows of W, then b
            self.joint_grad = xp.zeros_like(self.joint)
            self.params = [self.joint[:I], self.joint[I]]
            self.grads = [self.joint_grad[:I], self.joint_grad[I]]
        self.x = None

    def forward(self, xs):
        W, b = self.params
        xp = array_module(W)
        x = time_major(xs)
        T, N, I = x.shape
        if self.transposed:
            x2 = x.reshape(T * N, I)
            y = x2 @ W.T  # (T*N, I) -> (T*N, O)
            y += b
        else:
            x2 = xp.empty((T * N, I + 1), dtype=W.dtype)
            x2[:, :I] = x.reshape(T * N, I)
            x2[:, I] = 1
            y = x2 @ self.joint  # (T*N, I+1) @ (I+1, O): bias included
        self.x = x2
        return y.reshape(T, N, -1).swapaxes(0, 1)

    def backward(self, dout):
        W, _ = self.params
        xp = array_module(W)
        d = time_major(dout)
        T, N, O = d.shape
        d2 = d.reshape(T * N, O)
        if self.transposed:
            _matmul_into(xp, d2.T, self.x, self.grads[0])  # (O, TN) @ (TN, I)
            self.grads[1][...] = d2.sum(axis=0)
            dx = d2 @ W  # (TN, O) @ (O, I)
        else:
            _matmul_into(xp, self.x.T, d2, self.joint_grad)  # (I+1, TN) @ (TN, O): dW and db
            dx = d2 @ W.T
        return dx.reshape(T, N, -1).swapaxes(0, 1)


def _matmul_into(xp, a, b, out):
    """out[...] = a @ b with no temporary (NumPy and CuPy 14 both write the GEMM into ``out``); returns out."""
    return xp.matmul(a, b, out=out)


class TimeSoftmaxWithLoss:
    """Softmax cross-entropy at every step, mean over the labels that are not ``ignore_index``.

    Stable: ``log p = x - max - log(sum(exp(x - max)))``. With ``overwrite_input=True`` the scores array is
    reused as the work buffer (the model's output layer hands over a fresh array), saving a V-wide copy.
    """

    def __init__(self, ignore_index=-1, overwrite_input=False, fused=True):
        self.params, self.grads = [], []
        self.ignore_index = ignore_index
        self.overwrite_input = overwrite_input
        self.fused = fused
        self.cache = None

    def forward(self, xs, ts):
        xp = array_module(xs)
        x = xs.swapaxes(0, 1)
        if not (self.overwrite_input and x.flags.c_contiguous):
            x = x.copy()  # C order
        T, N, V = x.shape
        scores = x.reshape(T * N, V)
        labels = xp.ascontiguousarray(ts.T).reshape(-1)
        kernels = kernels_for(scores, "softmax", self.fused)
        if kernels:
            loss, weights = kernels.softmax_ce_forward(scores, labels.astype(np.int64, copy=False),
                                                       self.ignore_index)
        else:
            loss, weights = softmax_ce_forward_reference(scores, labels, self.ignore_index)
        self.cache = (scores, labels, weights, (T, N, V))
        return loss

    def backward(self, dout=1.0):
        scores, labels, weights, shape = self.cache
        self.cache = None  # the buffer becomes the gradient
        kernels = kernels_for(scores, "softmax", self.fused)
        if kernels:
            kernels.softmax_ce_backward(scores, labels.astype(np.int64, copy=False), weights, dout)
        else:
            softmax_ce_backward_reference(scores, labels, weights, dout)
        return scores.reshape(shape).swapaxes(0, 1)
