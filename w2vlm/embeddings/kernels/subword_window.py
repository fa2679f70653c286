"""Window-batched subword CBOW (numba, Hogwild threads): each context occurrence is composed once and updated once.

fastText's CBOW (``subword_cpu``) reads every row of every context word for each target and writes the whole
hidden-layer gradient back to each of those rows: with jamo n-grams (about 26 rows per eojeol) and about 6 context
words, some 150 row reads and 150 row writes per target. Here every position p of a line has two vectors in slot
``p & mask`` of a ring buffer (a power of two of at least 2 * window + 1 slots; ``&`` where ``%`` would divide):

* ``sums[p]``, the sum of p's rows (own row + n-gram rows), read from W_in once, when p enters the window (before
  target p - window is trained; positions 0..window at the start of the line);
* ``grads[p]``, the update fastText would give each of p's rows, summed over every target whose context holds p,
  and added to p's rows once, when p leaves the window (after target p + window is trained, or at the line end).

A target's hidden vector is the sum over its context positions of ``sums[p] + gain * rows * grads[p]`` divided by
their row count (fastText's mean over all rows), and its update adds ``work`` to each of their ``grads``.
``gain * rows * grads[p]`` is how far the sum of p's rows moves when ``grads[p]`` is flushed, so a target sees
the occurrence's own earlier updates, as it would with fastText's per-target writes. It does not see, until the
flush, updates that reach the same rows through another position (the same word twice in a window, a shared
n-gram), nor rows written by other threads meanwhile. So this is not fastText's per-target update but a
minibatch-like update within the window; ``Word2VecConfig.subword_updates = "target"`` keeps the exact one.

Random draws (subsampling, shrunk windows, negatives) come in the same order as in ``subword_cpu``, so a block
leaves the same generator states, and every pending gradient is flushed by the end of each line: a block boundary
holds no state outside W_in, W_out and the generators (resume is exact).
"""

import numpy as np
from numba import njit, prange

from .word2vec_cpu import _logistic_updates, draw_into, keep_line, longest_line, window_bounds
from .subword_cpu import _add_rows, _prefetch_word, _push_rows


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _enter(W_in, row_offsets, rows, word, sums, grads, slot):
    """Slot ``slot`` starts a new occurrence of ``word``: the sum of its rows, no gradient yet."""
    dim = W_in.shape[1]
    for k in range(dim):
        sums[slot, k] = 0.0
        grads[slot, k] = 0.0
    _add_rows(W_in, rows, row_offsets[word], row_offsets[word + 1], sums[slot])


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _target_update(W_out, row_offsets, gains, words, lo, hi, center, mask, negs, lr, sums, grads, hidden, work):
    """Positions lo..hi-1 except ``center`` predict words[center] from their buffered sums; returns the loss."""
    dim = W_out.shape[1]
    for k in range(dim):
        hidden[k] = 0.0
        work[k] = 0.0
    count = 0
    for j in range(lo, hi):
        if j != center:
            slot, w = j & mask, words[j]
            rows_of_w = row_offsets[w + 1] - row_offsets[w]
            move = gains[w] * np.float32(rows_of_w)   # the sum of w's rows moves this much per unit of update
            for k in range(dim):
                hidden[k] += sums[slot, k] + move * grads[slot, k]
            count += rows_of_w
    inv = np.float32(1.0) / np.float32(count)
    for k in range(dim):
        hidden[k] *= inv
    loss = _logistic_updates(hidden, W_out, words[center], negs, lr, work)
    for j in range(lo, hi):
        if j != center:
            slot = j & mask
            for k in range(dim):
                grads[slot, k] += work[k]
    return loss


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _train_line(W_in, W_out, row_offsets, rows, gains, words, n, alias_prob, alias, window, shrink, lr, negs,
                sums, grads, hidden, work, state):
    """Train the targets of one subsampled line; returns (loss sum, examples, context words, state)."""
    mask = sums.shape[0] - 1
    loss, examples, contexts = 0.0, 0, 0
    entered = 0   # positions [0, entered) have a slot
    for i in range(n):
        while entered < min(i + window + 1, n):
            _enter(W_in, row_offsets, rows, words[entered], sums, grads, entered & mask)
            entered += 1
        if entered < n:
            _prefetch_word(W_in, row_offsets, rows, words[entered])
        lo, hi, state = window_bounds(i, n, window, shrink, state)
        if hi - lo > 1:
            contexts += hi - lo - 1
            state = draw_into(negs, state, alias_prob, alias)
            loss += _target_update(W_out, row_offsets, gains, words, lo, hi, i, mask, negs, lr, sums, grads,
                                   hidden, work)
            examples += 1
        leaving = i - window
        if leaving >= 0:
            w = words[leaving]
            _push_rows(W_in, rows, row_offsets[w], row_offsets[w + 1], grads[leaving & mask])
    for p in range(max(n - window, 0), entered):   # the positions still in the window at the line end
        w = words[p]
        _push_rows(W_in, rows, row_offsets[w], row_offsets[w + 1], grads[p & mask])
    return loss, examples, contexts, state


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _train_chunk(W_in, W_out, row_offsets, rows, gains, ids, offsets, first, last, keep, subsampling, alias_prob,
                 alias, window, shrink, negatives, lr_start, lr_end, state):
    """Train lines [first, last) in order; returns (loss sum, examples, kept words, context words, state)."""
    dim = W_in.shape[1]
    words = np.empty(longest_line(offsets, first, last), dtype=np.int64)
    slots = 1
    while slots < 2 * window + 1:
        slots *= 2
    sums = np.empty((slots, dim), dtype=np.float32)
    grads = np.empty((slots, dim), dtype=np.float32)
    hidden = np.empty(dim, dtype=np.float32)
    work = np.empty(dim, dtype=np.float32)
    negs = np.empty(negatives, dtype=np.int64)
    span = max(offsets[last] - offsets[first], 1)
    loss, examples, kept, contexts = 0.0, 0, 0, 0
    for line in range(first, last):
        start, end = offsets[line], offsets[line + 1]
        lr = np.float32(lr_start + (lr_end - lr_start) * ((start - offsets[first]) / span))
        n, state = keep_line(ids, start, end, keep, subsampling, words, state)
        kept += n
        if n == 1:   # no context; the window draw subword_cpu makes all the same keeps the generators in step
            _, _, state = window_bounds(0, 1, window, shrink, state)
            continue
        if n == 0:
            continue
        line_loss, line_examples, line_contexts, state = _train_line(
            W_in, W_out, row_offsets, rows, gains, words, n, alias_prob, alias, window, shrink, lr, negs, sums,
            grads, hidden, work, state)
        loss += line_loss
        examples += line_examples
        contexts += line_contexts
    return loss, examples, kept, contexts, state


@njit(parallel=True, nogil=True, fastmath=True, cache=True, error_model="numpy")
def train_block(W_in, W_out, row_offsets, rows, gains, ids, offsets, bounds, keep, subsampling, alias_prob, alias,
                window, shrink, negatives, lr_start, lr_end, states, stats):
    """``subword_cpu.train_block`` for CBOW with window-batched updates (same arguments, less ``cbow``)."""
    for c in prange(bounds.shape[0] - 1):
        loss, examples, kept, contexts, state = _train_chunk(
            W_in, W_out, row_offsets, rows, gains, ids, offsets, bounds[c], bounds[c + 1], keep, subsampling,
            alias_prob, alias, window, shrink, negatives, lr_start, lr_end, states[c])
        states[c] = state
        stats[c, 0] = loss
        stats[c, 1] = examples
        stats[c, 2] = kept
        stats[c, 3] = contexts
