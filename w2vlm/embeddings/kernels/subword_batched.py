"""Subword skip-gram with negatives shared within a window (``--kernel batched`` with ``--subwords``), numba.

fastText's skip-gram predicts each context word from the centre's composed vector h (the mean of its rows). The
per-pair kernel (``subword_cpu.py``) draws K negatives for every (centre, context) pair, so a window of C context
words costs C x (1 + K) output rows. Here a centre draws G = ceil(C / 2) sets of K negatives, one for every two
context words, and all C predictions share them (HogBatch, Ji et al. 2016, in fastText's orientation), with h held
for the whole window: each context row and each negative row is scored once against h, a negative weighted by the
number of targets it differs from (word2vec's rule that a negative equal to the target is skipped) divided by G,
so the window costs C + G x K output rows and the negatives' expected weight is the per-pair kernel's. One draw
per centre (G = 1) ran 2.7x faster than the per-pair kernel but lost 2.3 kor2vec points on NSMC kiwi; one per two
context words keeps the quality (docs/korean.md). The centre's rows get the summed update once, as in the per-pair
kernel. ``skipgram_step`` applies one centre's update (the tests compare it with the plain float64 estimator and
with a numerical gradient).
"""

import numpy as np
from numba import njit, prange

from .prefetch import prefetch_row
from .subword_cpu import _compose, _prefetch_word, _push_rows
from .word2vec_cpu import draw_into, keep_line, longest_line, window_bounds


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _centre_update(h, W_out, targets, count, negs, groups, lr, work):
    """h predicts targets[:count] against the shared ``negs`` (``groups`` draws, all of ``negs``); W_out rows move,
    work = lr * -dL/dh; returns the loss.

    L = sum_t -log s(h.o_t) + sum_n (m_n / groups) * -log s(-h.o_n), m_n = the number of targets other than n."""
    dim = h.shape[0]
    for k in range(dim):
        work[k] = 0.0
    for p in range(count):
        prefetch_row(W_out, targets[p])
    for d in range(negs.shape[0]):
        prefetch_row(W_out, negs[d])
    share = np.float32(1.0) / np.float32(groups)
    full = np.float32(count) * share   # the weight of a negative that differs from every target (nearly all)
    loss = 0.0
    product = 1.0   # prod (1 + e) over the targets and the full-weight negatives, each term taken 1 or `full` times
    full_product = 1.0
    for p in range(count + negs.shape[0]):
        if p < count:
            word, label, weight, others = targets[p], np.float32(1.0), np.float32(1.0), count
        else:
            word, label = negs[p - count], np.float32(0.0)
            others = 0
            for q in range(count):
                if targets[q] != word:
                    others += 1
            if others == 0:
                continue
            weight = np.float32(others) * share
        f = np.float32(0.0)
        for k in range(dim):
            f += h[k] * W_out[word, k]
        e = np.exp(-abs(f))  # sigmoid of f and of -f from one exp, stable for any f
        big = np.float32(1.0) / (np.float32(1.0) + e)
        sig = big if f >= 0 else e * big
        # -log p of the right label = log(1 + e), plus |f| on the wrong side: exact for any f, few logs
        loss += weight * abs(f) * np.float32((f >= 0) != (p < count))
        if p < count:
            product *= 1.0 + e
        elif others == count:
            full_product *= 1.0 + e
        else:
            loss += weight * np.log1p(e)
        if product > 1e300 or full_product > 1e300:   # only in very wide windows: fold before float64 overflows
            loss += np.log(product) + full * np.log(full_product)
            product = full_product = 1.0
        g = np.float32((label - sig) * lr * weight)
        for k in range(dim):
            work[k] += g * W_out[word, k]
            W_out[word, k] += g * h[k]
    loss += np.log(product) + full * np.log(full_product)
    return loss


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _train_chunk(W_in, W_out, row_offsets, rows, ids, offsets, first, last, keep, subsampling, alias_prob, alias,
                 window, shrink, negatives, lr_start, lr_end, state):
    """Train lines [first, last) in order; returns (loss sum, examples, kept words, context words, state)."""
    dim = W_in.shape[1]
    words = np.empty(longest_line(offsets, first, last), dtype=np.int64)
    targets = np.empty(2 * window, dtype=np.int64)
    h = np.empty(dim, dtype=np.float32)
    work = np.empty(dim, dtype=np.float32)
    negs = np.empty(window * negatives, dtype=np.int64)   # at most ceil(2 * window / 2) draws
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
            if i + 1 < n:
                _prefetch_word(W_in, row_offsets, rows, words[i + 1])
            count = 0
            for j in range(lo, hi):
                if j != i:
                    targets[count] = words[j]
                    count += 1
            contexts += count
            examples += count
            groups = (count + 1) // 2
            drawn = negs[:groups * negatives]
            state = draw_into(drawn, state, alias_prob, alias)
            centre = words[i]
            _compose(W_in, row_offsets, rows, centre, h)
            loss += _centre_update(h, W_out, targets, count, drawn, groups, lr, work)
            _push_rows(W_in, rows, row_offsets[centre], row_offsets[centre + 1], work)
    return loss, examples, kept, contexts, state


@njit(parallel=True, nogil=True, fastmath=True, cache=True, error_model="numpy")
def train_block(W_in, W_out, row_offsets, rows, gains, ids, offsets, bounds, keep, subsampling, alias_prob, alias,
                window, shrink, negatives, lr_start, lr_end, states, stats):
    """``subword_cpu.train_block`` for skip-gram with shared negatives (the same arguments, less ``cbow``;
    ``gains`` is unused: h does not move within a window)."""
    for c in prange(bounds.shape[0] - 1):
        loss, examples, kept, contexts, state = _train_chunk(
            W_in, W_out, row_offsets, rows, ids, offsets, bounds[c], bounds[c + 1], keep, subsampling, alias_prob,
            alias, window, shrink, negatives, lr_start, lr_end, states[c])
        states[c] = state
        stats[c, 0] = loss
        stats[c, 1] = examples
        stats[c, 2] = kept
        stats[c, 3] = contexts


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def skipgram_step(W_in, W_out, row_offsets, rows, centre, targets, negs, lr, groups=1):
    """One centre's update: its composed vector predicts ``targets`` against the shared ``negs``, ``groups`` draws
    of negatives laid end to end (training draws ceil(len(targets) / 2)); the loss."""
    dim = W_in.shape[1]
    h = np.empty(dim, dtype=np.float32)
    work = np.empty(dim, dtype=np.float32)
    _compose(W_in, row_offsets, rows, centre, h)
    loss = _centre_update(h, W_out, targets.astype(np.int64), targets.shape[0], negs.astype(np.int64),
                          groups, np.float32(lr), work)
    _push_rows(W_in, rows, row_offsets[centre], row_offsets[centre + 1], work)
    return loss
