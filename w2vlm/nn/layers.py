"""The Embedding layer in the book's protocol (Saito, Deep Learning from Scratch 2, common/layers.py), xp-agnostic."""

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
