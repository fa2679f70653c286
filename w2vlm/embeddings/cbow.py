"""CBOW and skip-gram with negative sampling (Mikolov et al. 2013), the readable xp-agnostic reference models."""

import numpy as np

from ..backend import array_module
from ..nn.layers import Embedding
from ..nn.negative_sampling import NegativeSamplingLoss


def init_weights(vocab_size, dim, rng, dtype=np.float32):
    """gensim 4's start: input vectors uniform in [-1/dim, 1/dim), output vectors zero (NumPy, host).

    (word2vec.c uses half that range; gensim's wider start scored slightly better on PTB analogies here.)
    """
    W_in = ((rng.random((vocab_size, dim)) * 2.0 - 1.0) / dim).astype(dtype)
    W_out = np.zeros((vocab_size, dim), dtype=dtype)
    return W_in, W_out


class _Word2Vec:
    """Shared parts: input Embedding (W_in), NegativeSamplingLoss over output vectors (W_out)."""

    def __init__(self, vocab_size=None, dim=100, *, negatives=5, sampler=None, xp=np, rng=None, weights=None):
        if weights is None:
            weights = init_weights(vocab_size, dim, rng if rng is not None else np.random.default_rng())
        W_in, W_out = (xp.asarray(w) for w in weights)
        self.in_layer = Embedding(W_in)
        self.ns_loss = NegativeSamplingLoss(W_out, sampler, negatives)
        self.params = self.in_layer.params + self.ns_loss.params
        self.grads = self.in_layer.grads + self.ns_loss.grads
        self.word_vecs = W_in
        self.output_vecs = W_out


class CBOW(_Word2Vec):
    """Predict the target from the mean of its context vectors (gensim ``cbow_mean=1``).

    ``forward(contexts, target, negatives=None)``: contexts (B, C) int ids padded with -1 (windows are shrunk and
    stop at line ends, so rows have different lengths), target (B,), optional negatives (B, K).

    ``backward`` follows word2vec.c and gensim: each context word receives the whole dL/dh, not the 1/count
    share that the mean's exact gradient gives it (a per-row step size that trains clearly better vectors).
    ``exact_gradient=True`` gives the true gradient (what the numerical gradient check compares against).
    """

    def __init__(self, *args, exact_gradient=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.exact_gradient = exact_gradient

    def forward(self, contexts, target, negatives=None):
        xp = array_module(self.word_vecs)
        mask = contexts >= 0
        count = xp.maximum(mask.sum(axis=1, keepdims=True), 1).astype(self.word_vecs.dtype)  # (B, 1)
        weight = mask / count  # (B, C): 1/count for real context words, 0 for padding
        vecs = self.in_layer.forward(xp.where(mask, contexts, 0))  # (B, C) -> (B, C, D)
        h = (vecs * weight[:, :, None]).sum(axis=1)  # (B, C, D) -> (B, D)
        self.weight = weight if self.exact_gradient else mask.astype(weight.dtype)
        return self.ns_loss.forward(h, target, negatives)

    def backward(self, dout=1.0):
        dh = self.ns_loss.backward(dout)  # (B, D)
        self.in_layer.backward(dh[:, None, :] * self.weight[:, :, None])  # (B, C, D)


class SkipGram(_Word2Vec):
    """Predict every context word from the target's vector; the loss sums over context words, averages over targets.

    Same inputs as CBOW; with explicit negatives give one row per real (target, context) pair, in row-major order
    of the non-padding entries of ``contexts``: shape (pairs, K).
    """

    def forward(self, contexts, target, negatives=None):
        xp = array_module(self.word_vecs)
        rows, cols = xp.nonzero(contexts >= 0)  # one (target, context) pair per real context word
        h = self.in_layer.forward(target[rows])  # (P,) -> (P, D)
        self.scale = len(rows) / max(len(target), 1)  # pair mean -> sum over a target's contexts
        return self.ns_loss.forward(h, contexts[rows, cols], negatives) * self.scale

    def backward(self, dout=1.0):
        dh = self.ns_loss.backward(dout * self.scale)  # (P, D)
        self.in_layer.backward(dh)


MODELS = {"cbow": CBOW, "skipgram": SkipGram}
