"""fastText CBOW and skip-gram with subword n-grams (Bojanowski et al. 2017), the readable xp-agnostic reference.

A word's input vector is the mean of its rows in one input matrix: its own row and one row per hashed n-gram
(``subwords.ngram_table``), as fastText's ``computeHidden`` averages them. Both models are the word-level ones
from ``cbow.py`` with a different input side:

* ``SubwordCBOW``: the context words are expanded into their rows and CBOW's mean runs over all of those rows,
  as fastText and gensim's FastText do (a long word weighs more than a short one).
* ``SubwordSkipGram``: the centre word's composed vector predicts each context word (fastText's orientation).

Like word2vec.c and fastText, each row receives the whole hidden-layer gradient; ``exact_gradient=True`` gives
the true gradient of the mean instead (what the numerical gradient check compares against).
"""

import numpy as np

from ...backend import array_module
from ...nn.layers import Embedding
from ..cbow import CBOW, SkipGram


def padded_rows(row_offsets, rows, xp=np):
    """The CSR row lists as a (V, longest) int32 matrix padded with -1."""
    lengths = np.diff(row_offsets)
    table = np.full((len(lengths), int(lengths.max(initial=1))), -1, dtype=np.int32)
    columns = np.arange(len(rows)) - np.repeat(row_offsets[:-1], lengths)
    table[np.repeat(np.arange(len(lengths)), lengths), columns] = rows
    return xp.asarray(table)


class SubwordEmbedding:
    """Word ids -> the mean of each word's rows of ``W`` (its own row and its n-gram rows); sparse gradient."""

    def __init__(self, W, row_table, exact_gradient=False):
        self.rows = Embedding(W)
        self.params, self.grads = self.rows.params, self.rows.grads
        self.row_table = row_table  # (V, R) padded with -1
        self.exact_gradient = exact_gradient
        self.weight = None

    def forward(self, idx):
        xp = array_module(self.row_table)
        table = self.row_table[idx]  # (N,) -> (N, R)
        mask = table >= 0
        count = xp.maximum(mask.sum(axis=1, keepdims=True), 1).astype(self.params[0].dtype)  # (N, 1)
        mean_weight = mask / count
        vecs = self.rows.forward(xp.where(mask, table, 0))  # (N, R) -> (N, R, D)
        self.weight = mean_weight if self.exact_gradient else mask.astype(mean_weight.dtype)
        return (vecs * mean_weight[:, :, None]).sum(axis=1)  # (N, R, D) -> (N, D)

    def backward(self, dout):
        self.rows.backward(dout[:, None, :] * self.weight[:, :, None])  # (N, D) -> (N, R, D)
        return None


class SubwordCBOW(CBOW):
    """CBOW whose hidden vector is the mean of all rows of all context words (fastText / gensim FastText).

    ``row_table`` (V, R) lists each word's rows padded with -1; ``weights`` are (W_in of V + n-gram rows, W_out of
    V rows). ``forward(contexts, target, negatives=None)`` takes word ids exactly as ``CBOW`` does.
    """

    def __init__(self, row_table, *args, **kwargs):
        super().__init__(*args, **kwargs)
        self.row_table = row_table

    def forward(self, contexts, target, negatives=None):
        xp = array_module(self.row_table)
        expanded = self.row_table[xp.where(contexts >= 0, contexts, 0)]  # (B, C) -> (B, C, R)
        expanded = xp.where((contexts >= 0)[:, :, None], expanded, -1)
        return super().forward(expanded.reshape(len(contexts), -1), target, negatives)  # (B, C * R) row ids


class SubwordSkipGram(SkipGram):
    """Skip-gram whose input vector is the centre word's mean of rows; same inputs as ``SkipGram``."""

    def __init__(self, row_table, *args, exact_gradient=False, **kwargs):
        super().__init__(*args, **kwargs)
        self.in_layer = SubwordEmbedding(self.word_vecs, row_table, exact_gradient)
        self.params = self.in_layer.params + self.ns_loss.params
        self.grads = self.in_layer.grads + self.ns_loss.grads


SUBWORD_MODELS = {"cbow": SubwordCBOW, "skipgram": SubwordSkipGram}


def composed_vectors(W_in, row_offsets, rows, block=4096):
    """Each vocabulary word's vector as fastText's ``getWordVector`` gives it: the mean of its rows (host NumPy)."""
    W_in = np.asarray(W_in)
    vocab = len(row_offsets) - 1
    out = np.empty((vocab, W_in.shape[1]), dtype=np.float32)
    for first in range(0, vocab, block):  # a block of words at a time keeps the gathered rows small
        last = min(first + block, vocab)
        gathered = W_in[rows[row_offsets[first]:row_offsets[last]]].astype(np.float64)  # (rows, D)
        sums = np.add.reduceat(gathered, row_offsets[first:last] - row_offsets[first], axis=0)  # (words, D)
        out[first:last] = sums / np.diff(row_offsets[first:last + 1])[:, None]
    return out
