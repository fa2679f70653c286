"""Negative sampling layers (Mikolov et al. 2013; Saito, DLfS2 ch. 4): EmbeddingDot and NegativeSamplingLoss."""

from ..backend import array_module
from .functions import log_sigmoid, sigmoid
from .layers import Embedding


class EmbeddingDot:
    """Scores ``h . W[idx]`` for several output words per row; the gradient of W is sparse (touched rows only)."""

    def __init__(self, W):
        self.embed = Embedding(W)
        self.params = self.embed.params
        self.grads = self.embed.grads
        self.cache = None

    def forward(self, h, idx):
        rows = self.embed.forward(idx)  # (B, K) -> (B, K, D)
        self.cache = (h, rows)
        return (rows * h[:, None, :]).sum(axis=2)  # (B, K, D) -> (B, K)

    def backward(self, dout):
        h, rows = self.cache
        self.embed.backward(dout[:, :, None] * h[:, None, :])  # (B, K, D) row gradients
        return (dout[:, :, None] * rows).sum(axis=1)  # (B, K, D) -> (B, D)


class NegativeSamplingLoss:
    """-log s(h.w_target) - sum_k log s(-h.w_neg_k), summed over the 1 + K words of a row, averaged over rows.

    ``negatives`` words per row are drawn from ``sampler`` (a UnigramSampler) unless given to ``forward``;
    giving them makes the layer deterministic (gradient checks, comparison with the fused kernel).
    A negative that equals the row's target is left out (no loss, no gradient), as in word2vec.c and gensim.
    """

    def __init__(self, W, sampler=None, negatives=5):
        self.negatives = negatives
        self.sampler = sampler
        self.dot = EmbeddingDot(W)
        self.params, self.grads = self.dot.params, self.dot.grads
        self.cache = None

    def forward(self, h, target, negatives=None):
        xp = array_module(h)
        if negatives is None:
            negatives = xp.asarray(self.sampler.sample((target.shape[0], self.negatives)))
        idx = xp.concatenate([target[:, None], negatives], axis=1)  # (B, 1 + K): positive first
        sign = xp.full(idx.shape, -1, dtype=h.dtype)  # score sign: loss = softplus(-s) for 1, softplus(s) for 0
        sign[:, 0] = 1
        keep = (idx != target[:, None]).astype(h.dtype)
        keep[:, 0] = 1
        scores = self.dot.forward(h, idx)  # (B, 1 + K)
        self.cache = (scores, sign, keep)
        return -(log_sigmoid(sign * scores) * keep).sum() / idx.shape[0]

    def backward(self, dout=1.0):
        scores, sign, keep = self.cache
        # d softplus(-sign*s)/ds = -sign * sigmoid(-sign*s)
        dscores = -sign * sigmoid(-sign * scores) * keep * (dout / scores.shape[0])
        return self.dot.backward(dscores)
