"""Fused CPU fastText training (numba, Hogwild threads): subword CBOW and skip-gram with word2vec.c/fastText SGD.

Same loop as ``word2vec_cpu`` (subsampling before windowing, shrunk windows, linear learning-rate decay, alias-table
negatives, one xorshift state per thread, lock-free shared matrices), with fastText's input side: a word's input
vector is the mean of its rows (own row + n-gram rows, read from the precomputed CSR arrays ``row_offsets`` /
``rows``; nothing is hashed here), and every row receives the whole hidden-layer gradient.

Skip-gram follows fastText's orientation (the centre word's subwords predict each context word). Its input rows
are written once per centre word with the sum of the per-context updates, while the composed vector in the
registers moves by ``gain * update`` after each context: the same numbers fastText's row-by-row writes give
(``gain`` is 1 unless a row is listed twice), at one pass over the rows instead of one per context word.
Rows read soon (the negatives just drawn, the next centre word's or the entering context word's subword
rows) are prefetched (``prefetch.py``), a cache hint that changes no value.
``cbow_step``/``skipgram_step`` run one update with given negatives for the tests against ``fasttext.py``.
"""

import numpy as np
from numba import njit, prange

from .word2vec_cpu import _logistic_updates, draw_into, keep_line, longest_line, window_bounds
from .prefetch import prefetch_row


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _add_rows(W_in, rows, first, last, out):
    """out += sum of W_in rows rows[first:last]."""
    dim = W_in.shape[1]
    for e in range(first, last):
        r = rows[e]
        for k in range(dim):
            out[k] += W_in[r, k]


@njit(nogil=True, cache=True, error_model="numpy")
def _prefetch_word(W_in, row_offsets, rows, word):
    """Start loading ``word``'s input rows into cache (a hint only: values are untouched)."""
    for e in range(row_offsets[word], row_offsets[word + 1]):
        prefetch_row(W_in, rows[e])


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _push_rows(W_in, rows, first, last, work):
    """Add ``work`` to every row listed in rows[first:last]."""
    dim = W_in.shape[1]
    for e in range(first, last):
        r = rows[e]
        for k in range(dim):
            W_in[r, k] += work[k]


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _cbow_update(W_in, W_out, row_offsets, rows, words, lo, hi, center, negs, lr, hidden, work, exact_gradient):
    """The mean of all rows of the context words predicts words[center]; every such row gets lr * -dL/dh."""
    dim = W_in.shape[1]
    for k in range(dim):
        hidden[k] = 0.0
        work[k] = 0.0
    count = 0
    for j in range(lo, hi):
        if j != center:
            w = words[j]
            _add_rows(W_in, rows, row_offsets[w], row_offsets[w + 1], hidden)
            count += row_offsets[w + 1] - row_offsets[w]
    inv = np.float32(1.0) / np.float32(count)
    for k in range(dim):
        hidden[k] *= inv
    loss = _logistic_updates(hidden, W_out, words[center], negs, lr, work)
    if exact_gradient:
        for k in range(dim):
            work[k] *= inv
    for j in range(lo, hi):
        if j != center:
            w = words[j]
            _push_rows(W_in, rows, row_offsets[w], row_offsets[w + 1], work)
    return loss


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _compose(W_in, row_offsets, rows, word, h):
    """h = mean of ``word``'s rows."""
    dim = W_in.shape[1]
    for k in range(dim):
        h[k] = 0.0
    first, last = row_offsets[word], row_offsets[word + 1]
    _add_rows(W_in, rows, first, last, h)
    inv = np.float32(1.0) / np.float32(last - first)
    for k in range(dim):
        h[k] *= inv


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _skipgram_prediction(h, W_out, target, negs, lr, gain, work, total):
    """One context word predicted from ``h``; h moves as the rows would, the update piles up in ``total``."""
    dim = h.shape[0]
    for k in range(dim):
        work[k] = 0.0
    loss = _logistic_updates(h, W_out, target, negs, lr, work)
    for k in range(dim):
        total[k] += work[k]
        h[k] += gain * work[k]
    return loss


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _train_chunk(W_in, W_out, row_offsets, rows, gains, ids, offsets, first, last, keep, subsampling, alias_prob,
                 alias, window, shrink, negatives, cbow, lr_start, lr_end, state):
    """Train lines [first, last) in order; returns (loss sum, examples, kept words, context words, state)."""
    dim = W_in.shape[1]
    words = np.empty(longest_line(offsets, first, last), dtype=np.int64)
    hidden = np.empty(dim, dtype=np.float32)
    work = np.empty(dim, dtype=np.float32)
    total = np.empty(dim, dtype=np.float32)
    negs = np.empty(negatives, dtype=np.int64)
    span = max(offsets[last] - offsets[first], 1)
    loss, examples, kept, contexts = 0.0, 0, 0, 0
    for line in range(first, last):
        start, end = offsets[line], offsets[line + 1]
        lr = np.float32(lr_start + (lr_end - lr_start) * ((start - offsets[first]) / span))
        n, state = keep_line(ids, start, end, keep, subsampling, words, state)
        kept += n
        for i in range(n):
            lo, hi, state = window_bounds(i, n, window, shrink, state)
            if hi - lo <= 1:
                continue
            contexts += hi - lo - 1
            ahead = i + 1 if not cbow else i + window  # skip-gram: the next centre; CBOW: the word entering
            if ahead < n:
                _prefetch_word(W_in, row_offsets, rows, words[ahead])
            if cbow:
                state = draw_into(negs, state, alias_prob, alias)
                loss += _cbow_update(W_in, W_out, row_offsets, rows, words, lo, hi, i, negs, lr, hidden, work, False)
                examples += 1
            else:
                center = words[i]
                _compose(W_in, row_offsets, rows, center, hidden)
                for k in range(dim):
                    total[k] = 0.0
                for j in range(lo, hi):
                    if j == i:
                        continue
                    state = draw_into(negs, state, alias_prob, alias)
                    loss += _skipgram_prediction(hidden, W_out, words[j], negs, lr, gains[center], work, total)
                    examples += 1
                _push_rows(W_in, rows, row_offsets[center], row_offsets[center + 1], total)
    return loss, examples, kept, contexts, state


@njit(parallel=True, nogil=True, fastmath=True, cache=True, error_model="numpy")
def train_block(W_in, W_out, row_offsets, rows, gains, ids, offsets, bounds, keep, subsampling, alias_prob, alias,
                window, shrink, negatives, cbow, lr_start, lr_end, states, stats):
    """Train lines bounds[0]..bounds[-1], chunk c = lines [bounds[c], bounds[c+1]) on its own thread.

    ``states`` (uint64, one per chunk) advance in place; ``stats[c]`` receives
    (loss sum, examples, kept words, context words) of chunk c.
    """
    for c in prange(bounds.shape[0] - 1):
        loss, examples, kept, contexts, state = _train_chunk(
            W_in, W_out, row_offsets, rows, gains, ids, offsets, bounds[c], bounds[c + 1], keep, subsampling,
            alias_prob, alias, window, shrink, negatives, cbow, lr_start, lr_end, states[c])
        states[c] = state
        stats[c, 0] = loss
        stats[c, 1] = examples
        stats[c, 2] = kept
        stats[c, 3] = contexts


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def cbow_step(W_in, W_out, row_offsets, rows, contexts, target, negs, lr, exact_gradient=False):
    """One subword CBOW update from ``contexts`` (1-D word ids) to ``target`` with the given negatives; the loss."""
    words = np.empty(contexts.shape[0] + 1, dtype=np.int64)
    words[0] = target
    words[1:] = contexts
    dim = W_in.shape[1]
    return _cbow_update(W_in, W_out, row_offsets, rows, words, 0, words.shape[0], 0, negs.astype(np.int64),
                        np.float32(lr), np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32),
                        exact_gradient)


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def skipgram_step(W_in, W_out, row_offsets, rows, gains, center, contexts, negs, lr):
    """``center``'s subwords predict each of ``contexts`` in turn (negs: one row of negatives per context)."""
    dim = W_in.shape[1]
    h = np.empty(dim, dtype=np.float32)
    work = np.empty(dim, dtype=np.float32)
    total = np.zeros(dim, dtype=np.float32)
    _compose(W_in, row_offsets, rows, center, h)
    loss = 0.0
    for j in range(contexts.shape[0]):
        loss += _skipgram_prediction(h, W_out, contexts[j], negs[j].astype(np.int64), np.float32(lr),
                                     gains[center], work, total)
    _push_rows(W_in, rows, row_offsets[center], row_offsets[center + 1], total)
    return loss
