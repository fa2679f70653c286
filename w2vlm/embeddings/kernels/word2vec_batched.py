"""Minibatched shared-negative word2vec (HogBatch, Ji et al. 2016, arXiv 1604.04661) in numba, Hogwild threads.

Skip-gram: one center word's window gives C context rows; they share one draw of K negatives, so the scores are
one (C x d) . (d x (1+K)) product, the gradients two more, and every row is read and written once (word2vec.c
reads and writes each output row C times, and draws C times as many negatives). Each output row is scored
against all C input rows and updated while it is in cache; the input rows get their summed updates last, so
every update comes from the same weights (a negative drawn twice sees its first update, as in word2vec.c). CBOW: ``batch`` consecutive centers of
a line, each with its averaged context vector, share one draw of K negatives: a (B x d) . (d x K) product plus
each center's own target. The estimator differs from word2vec.c's only in sharing the negatives (and in taking
the C or B updates from the same weights); ``layered_*`` in the tests reproduce it with the layered model.
Line walk, subsampling, shrunk windows, learning-rate schedule and random draws follow ``word2vec_cpu``.
"""

import numpy as np
from numba import njit, prange

from .prefetch import prefetch_row
from .word2vec_cpu import draw_into, keep_line, longest_line, window_bounds

CBOW_BATCH = 16   # centers sharing one draw of negatives (pWord2Vec's default minibatch is 16-17)


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _output_row(inputs, n_in, W_out, word, labels, column, lr, d_in, acc):
    """One output row against the ``n_in`` input rows: its scores, their gradients into ``d_in`` (computed from
    the row before this update) and its own update, summed in ``acc`` and written once; returns the log of the
    product of the right labels' probabilities (float64, exact for any score: with e = exp(-|f|), -log p is
    log(1 + e) plus |f| on the wrong side, as in ``word2vec_cpu._hot_logistic_updates``).

    ``labels[i, column]`` is 1 for the target, 0 for a negative and -1 for a pair to skip (a negative equal to
    the target, as word2vec.c skips it, or another CBOW center's target)."""
    dim = W_out.shape[1]
    for k in range(dim):
        acc[k] = 0.0
    product, wrong = 1.0, 0.0   # prod (1 + e), each term at most 2; the wrong-side |f| summed
    for i in range(n_in):
        label = labels[i, column]
        if label < 0:
            continue
        f = np.float32(0.0)
        for k in range(dim):
            f += inputs[i, k] * W_out[word, k]
        e = np.exp(-abs(f))  # sigmoid of f and of -f from one exp, stable for any f
        big = np.float32(1.0) / (np.float32(1.0) + e)
        sig = big if f >= 0 else e * big
        product *= 1.0 + e
        wrong += abs(f) * np.float32((f >= 0) != (label > 0))
        if product > 1e300:   # fold before float64 overflows (a batch of about a thousand rows)
            wrong += np.log(product)
            product = 1.0
        g = np.float32((np.float32(label) - sig) * lr)
        for k in range(dim):
            d_in[i, k] += g * W_out[word, k]
            acc[k] += g * inputs[i, k]
    for k in range(dim):
        W_out[word, k] += acc[k]
    return -(np.log(product) + wrong)


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def skipgram_center(W_in, W_out, contexts, n_ctx, target, negs, lr, buf):
    """The C = ``n_ctx`` context words of one center predict ``target`` against the shared ``negs``; returns the
    loss. The C input rows are gathered once and each output row is read, scored against all of them and written
    once while it is in cache; the input rows get their summed updates at the end. ``buf``: scratch arrays."""
    in_rows, d_in, labels, acc = buf
    dim = W_in.shape[1]
    n_out = negs.shape[0] + 1
    for i in range(n_ctx):
        prefetch_row(W_in, contexts[i])
    prefetch_row(W_out, target)
    for d in range(negs.shape[0]):
        prefetch_row(W_out, negs[d])
    for i in range(n_ctx):
        w = contexts[i]
        labels[i, 0] = 1
        for o in range(1, n_out):
            labels[i, o] = -1 if negs[o - 1] == target else 0
        for k in range(dim):
            in_rows[i, k] = W_in[w, k]
            d_in[i, k] = 0.0
    log_likelihood = _output_row(in_rows, n_ctx, W_out, target, labels, 0, lr, d_in, acc)
    for o in range(1, n_out):
        log_likelihood += _output_row(in_rows, n_ctx, W_out, negs[o - 1], labels, o, lr, d_in, acc)
    for i in range(n_ctx):
        w = contexts[i]
        for k in range(dim):
            W_in[w, k] += d_in[i, k]
    return -log_likelihood


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def cbow_batch(W_in, W_out, words, n_centers, centers, los, his, negs, lr, buf):
    """``n_centers`` CBOW examples (center ``words[centers[b]]``, context ``words[los[b]:his[b]]`` minus the
    center, mean of its input rows) share ``negs``; every context word gets its center's whole lr * -dL/dh, as in
    word2vec.c (cbow_mean=1). Returns the loss."""
    hidden, d_in, labels, acc = buf
    dim = W_in.shape[1]
    n_negs = negs.shape[0]
    for b in range(n_centers):
        for k in range(dim):
            hidden[b, k] = 0.0
            d_in[b, k] = 0.0
        for j in range(los[b], his[b]):
            if j != centers[b]:
                w = words[j]
                for k in range(dim):
                    hidden[b, k] += W_in[w, k]
        inv = np.float32(1.0) / np.float32(his[b] - los[b] - 1)
        for k in range(dim):
            hidden[b, k] *= inv
        target = words[centers[b]]
        for o in range(n_centers):   # column o < n_centers: center o's target, a positive for b == o only
            labels[b, o] = 1 if o == b else -1
        for o in range(n_negs):
            labels[b, n_centers + o] = -1 if negs[o] == target else 0
    log_likelihood = 0.0
    for o in range(n_centers):
        log_likelihood += _output_row(hidden, n_centers, W_out, words[centers[o]], labels, o, lr, d_in, acc)
    for o in range(n_negs):
        log_likelihood += _output_row(hidden, n_centers, W_out, negs[o], labels, n_centers + o, lr, d_in, acc)
    for b in range(n_centers):
        for j in range(los[b], his[b]):
            if j != centers[b]:
                w = words[j]
                for k in range(dim):
                    W_in[w, k] += d_in[b, k]
    return -log_likelihood


@njit(nogil=True, cache=True, error_model="numpy")
def _scratch(rows, cols, dim):
    """(input rows or hidden vectors, their summed updates, labels, one output row's update)."""
    return (np.empty((rows, dim), np.float32), np.empty((rows, dim), np.float32), np.empty((rows, cols), np.int8),
            np.empty(dim, np.float32))


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _train_chunk(W_in, W_out, ids, offsets, first, last, keep, subsampling, alias_prob, alias, window, shrink,
                 negatives, cbow, batch, lr_start, lr_end, state):
    """Train lines [first, last) in order; returns (loss sum, examples, kept words, context words, state)."""
    dim = W_in.shape[1]
    words = np.empty(longest_line(offsets, first, last), dtype=np.int64)
    negs = np.empty(negatives, dtype=np.int64)
    rows = batch if cbow else 2 * window
    buf = _scratch(rows, rows + negatives + 1, dim)
    contexts = np.empty(2 * window, dtype=np.int64)
    centers, los, his = np.empty(batch, np.int64), np.empty(batch, np.int64), np.empty(batch, np.int64)
    total = max(offsets[last] - offsets[first], 1)
    loss, examples, kept, n_contexts = 0.0, 0, 0, 0
    for line in range(first, last):
        start, end = offsets[line], offsets[line + 1]
        lr = np.float32(lr_start + (lr_end - lr_start) * ((start - offsets[first]) / total))
        n, state = keep_line(ids, start, end, keep, subsampling, words, state)
        kept += n
        pending = 0
        for i in range(n):
            lo, hi, state = window_bounds(i, n, window, shrink, state)
            if hi - lo <= 1:
                continue
            n_contexts += hi - lo - 1
            if cbow:
                centers[pending], los[pending], his[pending] = i, lo, hi
                pending += 1
                if pending == batch:
                    state = draw_into(negs, state, alias_prob, alias)
                    loss += cbow_batch(W_in, W_out, words, pending, centers, los, his, negs, lr, buf)
                    examples += pending
                    pending = 0
            else:
                c = 0
                for j in range(lo, hi):  # gensim/word2vec.c orientation: the context words predict the center
                    if j != i:
                        contexts[c] = words[j]
                        c += 1
                state = draw_into(negs, state, alias_prob, alias)
                loss += skipgram_center(W_in, W_out, contexts, c, words[i], negs, lr, buf)
                examples += c
        if pending:   # a line's last centers: a smaller batch
            state = draw_into(negs, state, alias_prob, alias)
            loss += cbow_batch(W_in, W_out, words, pending, centers, los, his, negs, lr, buf)
            examples += pending
    return loss, examples, kept, n_contexts, state


@njit(parallel=True, nogil=True, fastmath=True, cache=True, error_model="numpy")
def train_block(W_in, W_out, ids, offsets, bounds, keep, subsampling, alias_prob, alias, window, shrink,
                negatives, cbow, batch, lr_start, lr_end, states, stats):
    """``word2vec_cpu.train_block`` with shared negatives: chunk c = lines [bounds[c], bounds[c+1]) on its own
    thread; ``batch`` centers share a draw in CBOW (a window shares one in skip-gram)."""
    for c in prange(bounds.shape[0] - 1):
        loss, examples, kept, contexts, state = _train_chunk(
            W_in, W_out, ids, offsets, bounds[c], bounds[c + 1], keep, subsampling, alias_prob, alias,
            window, shrink, negatives, cbow, batch, lr_start, lr_end, states[c])
        states[c] = state
        stats[c, 0] = loss
        stats[c, 1] = examples
        stats[c, 2] = kept
        stats[c, 3] = contexts


def skipgram_step(W_in, W_out, contexts, target, negs, lr):
    """One HogBatch skip-gram update (tests): ``contexts`` (1-D ids) predict ``target`` against shared ``negs``."""
    contexts, negs = np.asarray(contexts, np.int64), np.asarray(negs, np.int64)
    buf = _scratch(len(contexts), len(contexts) + len(negs) + 1, W_in.shape[1])
    return skipgram_center(W_in, W_out, contexts, len(contexts), int(target), negs, np.float32(lr), buf)


def cbow_step(W_in, W_out, words, centers, los, his, negs, lr):
    """One shared-negative CBOW batch (tests): centers ``words[centers[b]]`` with windows ``[los[b], his[b])``."""
    arrays = [np.asarray(a, np.int64) for a in (words, centers, los, his, negs)]
    words, centers, los, his, negs = arrays
    buf = _scratch(len(centers), len(centers) + len(negs), W_in.shape[1])
    return cbow_batch(W_in, W_out, words, len(centers), centers, los, his, negs, np.float32(lr), buf)
