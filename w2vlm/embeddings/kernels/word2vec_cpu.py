"""Fused CPU word2vec training (numba, Hogwild threads), the same SGD as gensim's word2vec_inner / word2vec.c.

One call of ``train_block`` trains a range of lines split into one chunk per thread (``prange``); the threads
update the shared float32 matrices without locks (Hogwild, as word2vec.c and gensim do), except the rows of the
``HOT_ROWS`` most frequent words, which each thread updates in a copy of its own, merged as the block ends. Each
chunk has its own xorshift64* random state. Negatives come from the sampler's alias tables, subsampling from precomputed keep
probabilities. ``cbow_step``/``skipgram_step`` run one update with given negatives: the tests compare them
with the layered reference in ``cbow.py``.
"""

import numpy as np
from numba import njit, prange

from .prefetch import prefetch_row

HOT_ROWS = 256   # with 2+ threads, the most frequent words whose rows each thread trains in a copy of its own
_MUL = np.uint64(0x2545F4914F6CDD1D)
_LOW32 = np.uint64(0xFFFFFFFF)
_S12, _S25, _S27, _S32, _S40 = (np.uint64(s) for s in (12, 25, 27, 32, 40))


def seed_states(seed, n):
    """n distinct non-zero uint64 xorshift states derived from ``seed`` (SplitMix64 via NumPy's SeedSequence)."""
    states = np.random.SeedSequence(int(seed)).generate_state(n, dtype=np.uint64)
    states[states == 0] = np.uint64(0x9E3779B97F4A7C15)
    return states


@njit(nogil=True, cache=True, error_model="numpy")
def _next(state):
    state ^= state >> _S12
    state ^= state << _S25
    state ^= state >> _S27
    return state


@njit(nogil=True, cache=True, error_model="numpy")
def _below(state, n):
    """A number in [0, n) from the high 32 bits of the scrambled state (Lemire's multiply-shift)."""
    return np.int64((((state * _MUL) >> _S32) * np.uint64(n)) >> _S32)


@njit(nogil=True, cache=True, error_model="numpy")
def _uniform(state):
    return np.float32(((state * _MUL) >> _S40) * (1.0 / 16777216.0))  # 24 bits: exact in float32, < 1


@njit(nogil=True, cache=True, error_model="numpy")
def _negative(state, alias_prob, alias):
    """Alias-method draw: column from the high 32 bits, coin from the low 32 bits."""
    r = state * _MUL
    column = np.int64(((r >> _S32) * np.uint64(alias_prob.shape[0])) >> _S32)
    coin = np.float32((r & _LOW32) * (1.0 / 4294967296.0))
    other = np.int64(alias[column])
    # arithmetic, not a branch: the coin is random, so a branch here is often mispredicted (3.0 instead of 9.8 ns
    # a draw in a loop of draws alone, one core of the project's machine)
    return other + np.int64(coin < alias_prob[column]) * (column - other)


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _logistic_updates(h, W_out, target, negs, lr, work):
    """``_hot_logistic_updates`` with no hot rows (the subword kernels)."""
    return _hot_logistic_updates(h, W_out, W_out[:0], target, negs, lr, work)


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _hot_logistic_updates(h, W_out, hot_out, target, negs, lr, work):
    """Positive target + negatives: update their W_out rows, add lr * (-dL/dh) into ``work``; return the loss.

    Rows below ``len(hot_out)`` are this thread's copies in ``hot_out`` (see ``train_block``). With e = exp(-|f|),
    -log p of the right label is log(1 + e), plus |f| when f lies on the wrong side, so the loss is exact for any f
    with one log per call: log of the float64 product of the (1 + e) terms (each at most 2) plus the wrong-side |f|.
    All the W_out rows are prefetched first, so their cache misses overlap instead of coming one after another.
    """
    dim = h.shape[0]
    n_hot = hot_out.shape[0]
    if target >= n_hot:
        prefetch_row(W_out, target)
    for d in range(negs.shape[0]):
        if negs[d] >= n_hot:
            prefetch_row(W_out, negs[d])
    product = 1.0
    wrong = 0.0
    for d in range(negs.shape[0] + 1):
        if d == 0:
            word, label = target, np.float32(1.0)
        else:
            word, label = negs[d - 1], np.float32(0.0)
            if word == target:  # as word2vec.c: a negative equal to the target is skipped
                continue
        row = hot_out[word] if word < n_hot else W_out[word]
        f = np.float32(0.0)
        for k in range(dim):
            f += h[k] * row[k]
        e = np.exp(-abs(f))  # sigmoid of f and of -f from one exp, stable for any f
        big = np.float32(1.0) / (np.float32(1.0) + e)
        sig = big if f >= 0 else e * big
        product *= 1.0 + e
        if product > 1e300:   # only with about a thousand negatives: fold before float64 overflows
            wrong += np.log(product)
            product = 1.0
        wrong += abs(f) * np.float32((f >= 0) != (d == 0))
        g = np.float32((label - sig) * lr)
        for k in range(dim):
            work[k] += g * row[k]
            row[k] += g * h[k]
    return np.log(product) + wrong


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _cbow_update(W_in, W_out, hot_in, hot_out, words, lo, hi, center, negs, lr, hidden, work, exact_gradient):
    """Mean of the context vectors predicts words[center].

    Like word2vec.c and gensim (cbow_mean=1), every context word then gets the whole lr * -dL/dh; the exact
    gradient of the mean would give each 1/count of it (``exact_gradient``, used to check against the reference).
    """
    dim = W_in.shape[1]
    count = hi - lo - 1
    n_hot = hot_in.shape[0]
    for k in range(dim):
        hidden[k] = 0.0
        work[k] = 0.0
    for j in range(lo, hi):
        if j != center:
            w = words[j]
            row = hot_in[w] if w < n_hot else W_in[w]
            for k in range(dim):
                hidden[k] += row[k]
    inv = np.float32(1.0) / np.float32(count)
    for k in range(dim):
        hidden[k] *= inv
    loss = _hot_logistic_updates(hidden, W_out, hot_out, words[center], negs, lr, work)
    if exact_gradient:
        for k in range(dim):
            work[k] *= inv
    for j in range(lo, hi):
        if j != center:
            w = words[j]
            row = hot_in[w] if w < n_hot else W_in[w]
            for k in range(dim):
                row[k] += work[k]
    return loss


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _pair_update(W_in, W_out, hot_in, hot_out, source, target, negs, lr, work):
    dim = W_in.shape[1]
    for k in range(dim):
        work[k] = 0.0
    row = hot_in[source] if source < hot_in.shape[0] else W_in[source]
    loss = _hot_logistic_updates(row, W_out, hot_out, target, negs, lr, work)
    for k in range(dim):
        row[k] += work[k]
    return loss


@njit(nogil=True, cache=True, error_model="numpy")
def draw_into(negs, state, alias_prob, alias):
    """Fill ``negs`` with negative word ids; returns the advanced state."""
    for d in range(negs.shape[0]):
        state = _next(state)
        negs[d] = _negative(state, alias_prob, alias)
    return state


@njit(nogil=True, cache=True, error_model="numpy")
def keep_line(ids, start, end, keep, subsampling, words, state):
    """Copy the words of ids[start:end] that survive subsampling into ``words``; returns (count, state).

    Subsampling comes before windowing, so windows span dropped words (word2vec.c).
    """
    n = 0
    for p in range(start, end):
        w = ids[p]
        words[n] = w
        if subsampling:   # kept or not by arithmetic: a branch on the random draw is often mispredicted
            state = _next(state)
            n += np.int64(_uniform(state) < keep[w])
        else:
            n += 1
    return n, state


@njit(nogil=True, cache=True, error_model="numpy")
def window_bounds(i, n, window, shrink, state):
    """The window [lo, hi) around position i of a line of n kept words, shrunk at random; returns (lo, hi, state)."""
    reach = window
    if shrink:
        state = _next(state)
        reach = window - _below(state, window)
    return max(0, i - reach), min(n, i + reach + 1), state


@njit(nogil=True, cache=True, error_model="numpy")
def longest_line(offsets, first, last):
    longest = 1
    for line in range(first, last):
        longest = max(longest, offsets[line + 1] - offsets[line])
    return longest


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _train_chunk(W_in, W_out, hot_in, hot_out, ids, offsets, first, last, keep, subsampling, alias_prob, alias,
                 window, shrink, negatives, cbow, lr_start, lr_end, state):
    """Train lines [first, last) in order, rows below ``len(hot_in)`` in this thread's copies ``hot_in``/``hot_out``;
    returns (loss sum, examples, kept words, context words, state)."""
    dim = W_in.shape[1]
    words = np.empty(longest_line(offsets, first, last), dtype=np.int64)
    hidden = np.empty(dim, dtype=np.float32)  # h: the mean of the context vectors (word2vec.c calls it neu1)
    work = np.empty(dim, dtype=np.float32)
    negs = np.empty(negatives, dtype=np.int64)
    total = max(offsets[last] - offsets[first], 1)
    loss, examples, kept, contexts = 0.0, 0, 0, 0
    for line in range(first, last):
        start, end = offsets[line], offsets[line + 1]
        lr = np.float32(lr_start + (lr_end - lr_start) * ((start - offsets[first]) / total))
        n, state = keep_line(ids, start, end, keep, subsampling, words, state)
        kept += n
        for i in range(n):
            lo, hi, state = window_bounds(i, n, window, shrink, state)
            if hi - lo <= 1:
                continue
            contexts += hi - lo - 1
            if cbow:
                state = draw_into(negs, state, alias_prob, alias)
                loss += _cbow_update(W_in, W_out, hot_in, hot_out, words, lo, hi, i, negs, lr, hidden, work, False)
                examples += 1
            else:
                for j in range(lo, hi):  # gensim/word2vec.c orientation: the context word predicts the center
                    if j == i:
                        continue
                    state = draw_into(negs, state, alias_prob, alias)
                    loss += _pair_update(W_in, W_out, hot_in, hot_out, words[j], words[i], negs, lr, work)
                    examples += 1
    return loss, examples, kept, contexts, state


@njit(parallel=True, nogil=True, fastmath=True, cache=True, error_model="numpy")
def train_block(W_in, W_out, hot_in, hot_out, ids, offsets, bounds, keep, subsampling, alias_prob, alias, window,
                shrink, negatives, cbow, lr_start, lr_end, states, stats):
    """Train lines bounds[0]..bounds[-1], chunk c = lines [bounds[c], bounds[c+1]) on its own thread.

    ``hot_in``/``hot_out`` (chunks, H, dim): each chunk trains the H most frequent words' rows (ids below H) in a
    copy of its own, taken from W_in/W_out as the block starts, and the block ends by adding every chunk's change
    of those rows to W_in/W_out. Two threads then never write the same hot cache line (measured in
    docs/benchmarks.md: writing shared rows kept two threads from scaling); H = 0 is plain Hogwild. ``states``
    (uint64, one per chunk) advance in place; ``stats[c]`` receives (loss sum, examples, kept words, context
    words) of chunk c.
    """
    n_hot = hot_in.shape[1]
    for c in prange(bounds.shape[0] - 1):
        hot_in[c, :, :] = W_in[:n_hot]
        hot_out[c, :, :] = W_out[:n_hot]
        loss, examples, kept, contexts, state = _train_chunk(
            W_in, W_out, hot_in[c], hot_out[c], ids, offsets, bounds[c], bounds[c + 1], keep, subsampling,
            alias_prob, alias, window, shrink, negatives, cbow, lr_start, lr_end, states[c])
        states[c] = state
        stats[c, 0] = loss
        stats[c, 1] = examples
        stats[c, 2] = kept
        stats[c, 3] = contexts
    _merge_hot_rows(W_in, hot_in, bounds.shape[0] - 1)
    _merge_hot_rows(W_out, hot_out, bounds.shape[0] - 1)


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def _merge_hot_rows(W, hot, chunks):
    """W[:H] += the sum over chunks of (hot[c] - W[:H]); W[:H] is still the block's starting value (no chunk
    writes a hot row of W)."""
    for r in range(hot.shape[1]):
        for k in range(hot.shape[2]):
            start = W[r, k]
            total = start
            for c in range(chunks):
                total += hot[c, r, k] - start
            W[r, k] = total


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def cbow_step(W_in, W_out, contexts, target, negs, lr, exact_gradient=False):
    """One CBOW update from ``contexts`` (1-D ids) to ``target`` with the given negatives; returns the loss."""
    words = np.empty(contexts.shape[0] + 1, dtype=np.int64)
    words[0] = target
    words[1:] = contexts
    dim = W_in.shape[1]
    return _cbow_update(W_in, W_out, W_in[:0], W_out[:0], words, 0, words.shape[0], 0, negs.astype(np.int64),
                        np.float32(lr), np.empty(dim, dtype=np.float32), np.empty(dim, dtype=np.float32),
                        exact_gradient)


@njit(nogil=True, fastmath=True, cache=True, error_model="numpy")
def skipgram_step(W_in, W_out, source, target, negs, lr):
    """One skip-gram update: ``source``'s input vector predicts ``target`` against the given negatives."""
    return _pair_update(W_in, W_out, W_in[:0], W_out[:0], source, target, negs.astype(np.int64), np.float32(lr),
                        np.empty(W_in.shape[1], dtype=np.float32))


@njit(nogil=True, cache=True, error_model="numpy")
def draw_negatives(state, n, alias_prob, alias):
    """``n`` negative ids drawn exactly as the training loop draws them (for tests of the distribution)."""
    state = np.uint64(state)
    out = np.empty(n, dtype=np.int64)
    for i in range(n):
        state = _next(state)
        out[i] = _negative(state, alias_prob, alias)
    return out


def split_lines(offsets, first, last, parts):
    """Line bounds (parts+1 int64) cutting lines [first, last) into ``parts`` runs of about equal word counts."""
    targets = np.linspace(offsets[first], offsets[last], parts + 1)
    bounds = np.searchsorted(offsets[first:last + 1], targets, side="left") + first
    bounds[0], bounds[-1] = first, last
    return np.maximum.accumulate(bounds).astype(np.int64)
