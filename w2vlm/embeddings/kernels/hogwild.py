"""The one Hogwild loop of the numba CPU kernels: blocks of lines -> a chunk per thread -> lines -> targets.

Every CPU kernel runs here: word2vec (``word2vec_cpu.target_step``), fastText's per-target subword update
(``subword_cpu.target_step``) and window-batched subword CBOW (``subword_window.train_line``, whose line loop
keeps ring buffers). ``kind`` picks one at each line: a branch the CPU predicts, chosen over numba function
arguments because those do not survive numba's on-disk cache across processes. The shared arrays travel as
one tuple ``model = (W_in, W_out, row_offsets, rows, gains)`` (word2vec's subword arrays are empty, see
:func:`model_arrays`) and each thread's work arrays as ``scratch = (hidden, work, total, negatives, sums, grads)``.
"""

import numpy as np
from numba import literally, njit, prange

from . import subword_cpu, subword_window, word2vec_cpu
from .word2vec_cpu import keep_line, longest_line, window_bounds

WORD2VEC, SUBWORD_TARGET, SUBWORD_WINDOW = 0, 1, 2   # kind: which kernel trains the lines


def model_arrays(W_in, W_out, row_offsets=None, rows=None, gains=None):
    """The ``model`` tuple ``train_block`` takes; without subword rows (word2vec) the row arrays are empty."""
    if row_offsets is None:
        row_offsets, rows, gains = np.zeros(1, np.int64), np.zeros(0, np.int32), np.zeros(0, np.float32)
    return W_in, W_out, row_offsets, rows, gains


@njit(nogil=True, cache=True, error_model="numpy")
def _scratch(dim, window, negatives):
    """A thread's work arrays: hidden, work, total (skip-gram's summed update), negatives, and the window kernel's
    two ring buffers of a power of two of at least 2 * window + 1 slots."""
    slots = 1
    while slots < 2 * window + 1:
        slots *= 2
    return (np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32),
            np.empty(negatives, dtype=np.int64), np.empty((slots, dim), dtype=np.float32),
            np.empty((slots, dim), dtype=np.float32))


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def each_target(kind, model, scratch, words, n, alias_prob, alias, window, shrink, cbow, lr, state):
    """Every position i of a line of n kept words with a context in its (shrunk) window, trained by the kind's
    ``target_step``; returns (loss sum, examples, context words, state)."""
    literally(kind)
    loss, examples, contexts = 0.0, 0, 0
    for i in range(n):
        lo, hi, state = window_bounds(i, n, window, shrink, state)
        if hi - lo <= 1:
            continue
        contexts += hi - lo - 1
        if kind == WORD2VEC:
            step_loss, step_examples, state = word2vec_cpu.target_step(
                model, scratch, words, n, i, lo, hi, alias_prob, alias, window, cbow, lr, state)
        else:
            step_loss, step_examples, state = subword_cpu.target_step(
                model, scratch, words, n, i, lo, hi, alias_prob, alias, window, cbow, lr, state)
        loss += step_loss
        examples += step_examples
    return loss, examples, contexts, state


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _train_chunk(kind, model, ids, offsets, first, last, keep, subsampling, alias_prob, alias, window, shrink,
                 negatives, cbow, lr_start, lr_end, state):
    """Train lines [first, last) in order; returns (loss sum, examples, kept words, context words, state)."""
    literally(kind)
    words = np.empty(longest_line(offsets, first, last), dtype=np.int64)
    scratch = _scratch(model[0].shape[1], window, negatives)
    span = max(offsets[last] - offsets[first], 1)
    loss, examples, kept, contexts = 0.0, 0, 0, 0
    for line in range(first, last):
        start, end = offsets[line], offsets[line + 1]
        lr = np.float32(lr_start + (lr_end - lr_start) * ((start - offsets[first]) / span))
        n, state = keep_line(ids, start, end, keep, subsampling, words, state)
        kept += n
        if kind == SUBWORD_WINDOW:
            line_loss, line_examples, line_contexts, state = subword_window.train_line(
                model, scratch, words, n, alias_prob, alias, window, shrink, cbow, lr, state)
        else:
            line_loss, line_examples, line_contexts, state = each_target(
                kind, model, scratch, words, n, alias_prob, alias, window, shrink, cbow, lr, state)
        loss += line_loss
        examples += line_examples
        contexts += line_contexts
    return loss, examples, kept, contexts, state


@njit(parallel=True, nogil=True, fastmath=True, cache=True, error_model="numpy")
def train_block(kind, model, ids, offsets, bounds, keep, subsampling, alias_prob, alias, window, shrink, negatives,
                cbow, lr_start, lr_end, states, stats):
    """Train lines bounds[0]..bounds[-1] with the ``kind`` kernel, chunk c = lines [bounds[c], bounds[c+1]) on its
    own thread. ``model``: see :func:`model_arrays`. ``states`` (uint64, one per chunk) advance in place;
    ``stats[c]`` receives (loss sum, examples, kept words, context words) of chunk c.
    """
    literally(kind)   # one compiled loop per kernel: the other kernels' branches are pruned away
    for c in prange(bounds.shape[0] - 1):
        loss, examples, kept, contexts, state = _train_chunk(
            kind, model, ids, offsets, bounds[c], bounds[c + 1], keep, subsampling, alias_prob, alias, window, shrink,
            negatives, cbow, lr_start, lr_end, states[c])
        states[c] = state
        stats[c, 0] = loss
        stats[c, 1] = examples
        stats[c, 2] = kept
        stats[c, 3] = contexts
