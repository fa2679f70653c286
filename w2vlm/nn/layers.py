"""Basic layers in the book's protocol (Saito, Deep Learning from Scratch 2, common/layers.py), xp-agnostic."""

from ..backend import array_module
from .functions import log_softmax, sigmoid, log_sigmoid
from .sparse import SparseGrad


class Embedding:
    """Row lookup ``W[idx]``; the gradient is sparse (touched rows only), never a dense V x D array."""

    def __init__(self, W):
        self.params = [W]
        self.grads = [SparseGrad(W.shape, W.dtype)]
        self.idx = None

    def forward(self, idx):
        W, = self.params
        self.idx = idx
        return W[idx]  # idx.shape -> idx.shape + (D,)

    def backward(self, dout):
        self.grads[0].set(self.idx, dout)
        return None


class Affine:
    """x @ W + b over the last axis (any leading shape)."""

    def __init__(self, W, b):
        self.params = [W, b]
        xp = array_module(W)
        self.grads = [xp.zeros_like(W), xp.zeros_like(b)]
        self.x = None

    def forward(self, x):
        W, b = self.params
        self.x = x
        return x @ W + b  # (..., I) -> (..., O)

    def backward(self, dout):
        W, _ = self.params
        x2 = self.x.reshape(-1, W.shape[0])
        d2 = dout.reshape(-1, W.shape[1])
        self.grads[0][...] = x2.T @ d2
        self.grads[1][...] = d2.sum(axis=0)
        return dout @ W.T


class SigmoidWithLoss:
    """Binary cross-entropy of sigmoid(scores) against 0/1 labels, mean over all elements."""

    def __init__(self):
        self.params, self.grads = [], []
        self.y = self.t = None

    def forward(self, x, t):
        self.t = t
        self.y = sigmoid(x)
        # -[t log s(x) + (1-t) log s(-x)]
        loss = -(t * log_sigmoid(x) + (1 - t) * log_sigmoid(-x))
        return loss.mean()

    def backward(self, dout=1.0):
        return (self.y - self.t) * (dout / self.t.size)


class SoftmaxWithLoss:
    """Softmax cross-entropy over the last axis, mean over the labels that are not ``ignore_index``."""

    def __init__(self, ignore_index=-1):
        self.params, self.grads = [], []
        self.ignore_index = ignore_index
        self.cache = None

    def forward(self, x, t):
        xp = array_module(x)
        V = x.shape[-1]
        x2, t2 = x.reshape(-1, V), t.ravel()
        logp = log_softmax(x2)
        mask = t2 != self.ignore_index
        safe_t = xp.where(mask, t2, 0)
        count = max(int(mask.sum()), 1) if xp.__name__ == "numpy" else xp.maximum(mask.sum(), 1)
        loss = -(logp[xp.arange(len(t2)), safe_t] * mask).sum() / count
        self.cache = (logp, safe_t, mask, count, x.shape)
        return loss

    def backward(self, dout=1.0):
        xp = array_module(self.cache[0])
        logp, safe_t, mask, count, shape = self.cache
        dx = xp.exp(logp)
        dx[xp.arange(len(safe_t)), safe_t] -= 1
        dx *= (mask[:, None] * (dout / count)).astype(dx.dtype)
        return dx.reshape(shape)


class Dropout:
    """Inverted dropout: scale kept units by 1/(1-ratio) in training, identity at evaluation."""

    def __init__(self, ratio=0.5, rng=None):
        self.params, self.grads = [], []
        self.ratio = ratio
        self.rng = rng
        self.train = True
        self.mask = None

    def forward(self, x):
        if not self.train or self.ratio == 0:
            self.mask = None
            return x
        xp = array_module(x)
        keep = 1.0 - self.ratio
        if xp.__name__ == "numpy":
            self.mask = (self.rng.random(x.shape, dtype=x.dtype) < keep) / x.dtype.type(keep)
        else:
            self.mask = (xp.random.random(x.shape, dtype=x.dtype) < keep) / x.dtype.type(keep)
        self.mask = self.mask.astype(x.dtype, copy=False)
        return x * self.mask

    def backward(self, dout):
        return dout if self.mask is None else dout * self.mask
