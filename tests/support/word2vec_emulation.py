"""NumPy transcription of w2vlm/embeddings/kernels/word2vec.cu for the CuPy stand-in (plumbing checks, not CUDA).

Warps run one after another here (the device runs them concurrently with atomic adds), so an example always
sees the updates of the examples before it; positions, contexts, negatives, learning rates and the stats the
launch accumulates follow the CUDA source exactly (same counter-based random streams).
"""

import numpy as np

MASK = np.uint64(0xFFFFFFFFFFFFFFFF)
GOLDEN, MIX1, MIX2 = np.uint64(0x9E3779B97F4A7C15), np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)
U32 = np.uint64(0xFFFFFFFF)


def draw(key, positions, stream, streams):
    """splitmix64(key + (pos * STREAMS + stream) * golden) for an array of positions (uint64 wrap-around)."""
    pos = np.asarray(positions, dtype=np.int64).astype(np.uint64)
    stream = np.asarray(stream, dtype=np.uint64)
    with np.errstate(over="ignore"):
        z = np.uint64(key) + (pos * np.uint64(streams) + stream) * GOLDEN
        z = (z ^ (z >> np.uint64(30))) * MIX1
        z = (z ^ (z >> np.uint64(27))) * MIX2
    return z ^ (z >> np.uint64(31))


def _uniform24(r):
    return (r >> np.uint64(40)).astype(np.float32) * np.float32(1.0 / 16777216.0)


def _below(r, n):
    return (((r >> np.uint64(32)) * np.uint64(n)) >> np.uint64(32)).astype(np.int64)


def _negatives(r, alias_prob, alias, vocab):
    column = (((r >> np.uint64(32)) * np.uint64(vocab)) >> np.uint64(32)).astype(np.int64)
    coin = (r & U32).astype(np.float32) * np.float32(2.3283064365386963e-10)
    return np.where(coin < alias_prob[column], column, alias[column])


def _logistic(h, W_out, target, negs, lr):
    """The target and the negatives against h (rows read before any update); returns (work, loss)."""
    words = np.concatenate([[target], negs])
    rows = W_out[words].copy()
    f = rows @ h
    work = np.zeros_like(h)
    loss = 0.0
    for d, word in enumerate(words):
        if d > 0 and word == target:
            continue
        e = np.exp(-abs(f[d]), dtype=np.float32)
        big, small = 1 / (1 + e), e / (1 + e)
        sig = big if f[d] >= 0 else small
        right_is_big = (f[d] >= 0) == (d == 0)
        loss += np.log1p(e) if right_is_big else abs(f[d]) + np.log1p(e)
        g = np.float32(((1.0 if d == 0 else 0.0) - sig) * lr)
        work += g * rows[d]
        W_out[word] += g * h
    return work, float(loss)


def _cbow(W_in, W_out, ctx, target, negs, lr, exact=False):
    h = W_in[ctx].sum(axis=0, dtype=np.float32) * np.float32(1.0 / len(ctx))
    work, loss = _logistic(h, W_out, target, negs, lr)
    share = np.float32(1.0 / len(ctx)) if exact else np.float32(1.0)
    for c in ctx:
        W_in[c] += share * work
    return loss


def _pair(W_in, W_out, source, target, negs, lr):
    work, loss = _logistic(W_in[source].copy(), W_out, target, negs, lr)
    W_in[source] += work
    return loss


def _matrices(W_in, W_out, dim):
    return W_in.reshape(-1, dim), W_out.reshape(-1, dim)


def centers(mode):
    """Emulation of w2v_cbow (mode 0), w2v_skipgram (1) and w2v_probe (2)."""
    def run(defines, grid, block, args):
        (W_in, W_out, ids, offsets, n_lines, keep, alias_prob, alias, vocab, first, last, tile, window, shrink,
         subsample, lr_start, lr_end, key, stats, probe) = args
        dim, neg, maxw, streams = defines["DIM"], defines["NEG"], defines["MAXW"], int(str(defines["STREAMS"])[:-3])
        first, last, window, vocab = int(first), int(last), int(window), int(vocab)
        W_in, W_out = _matrices(W_in, W_out, dim)
        n = last - first
        if n <= 0:
            return
        positions = np.arange(first, last)
        kept_all = np.ones(len(ids), dtype=bool)
        if subsample:
            kept_all = _uniform24(draw(key, np.arange(len(ids)), 0, streams)) < keep[ids]
        reach = np.full(n, window, dtype=np.int64)
        if shrink:
            reach = window - _below(draw(key, positions, 1, streams), window)
        line_of = np.searchsorted(offsets[:int(n_lines) + 1], positions, side="right") - 1
        totals = np.zeros(4)
        for i, p in enumerate(positions):
            ls, le = int(offsets[line_of[i]]), int(offsets[line_of[i] + 1])
            ok = bool(kept_all[p])
            r = int(reach[i]) if ok else 0
            ctx = []
            if ok:
                left = [q for q in range(p - 1, ls - 1, -1) if kept_all[q]][:r]
                right = [q for q in range(p + 1, le) if kept_all[q]][:r]
                ctx = [int(ids[q]) for q in left + right]
            if mode == 2:
                out = probe.reshape(-1, 2 + 2 * maxw + neg)[p - first]
                out[0], out[1] = ok, r
                out[2:2 + 2 * maxw] = -1
                out[2:2 + len(ctx)] = ctx
                out[2 + 2 * maxw:] = _negatives(draw(key, p, 2 + np.arange(neg), streams), alias_prob, alias, vocab)
                continue
            totals[2] += ok
            if not ctx:
                continue
            totals[3] += len(ctx)
            lr = np.float32(lr_start + (lr_end - lr_start) * np.float32((p - first) / n))
            center = int(ids[p])
            if mode == 0:
                negs = _negatives(draw(key, p, 2 + np.arange(neg), streams), alias_prob, alias, vocab)
                totals[0] += _cbow(W_in, W_out, ctx, center, negs, lr)
                totals[1] += 1
            else:
                for c, word in enumerate(ctx):
                    negs = _negatives(draw(key, p, 2 + c * neg + np.arange(neg), streams), alias_prob, alias,
                                      vocab)
                    totals[0] += _pair(W_in, W_out, word, center, negs, lr)
                totals[1] += len(ctx)
        if mode != 2:
            stats[:4] += totals
    return run


def cbow_step(defines, grid, block, args):
    W_in, W_out, contexts, C, targets, negatives, batch, lr, exact, loss_out = args
    W_in, W_out = _matrices(W_in, W_out, defines["DIM"])
    contexts, negatives = contexts.reshape(-1, int(C)), negatives.reshape(-1, defines["NEG"])
    warps = grid[0] * block[0] // 32
    for b in range(min(int(batch), warps)):
        ctx = [int(w) for w in contexts[b] if w >= 0]
        if ctx:
            loss_out[0] += _cbow(W_in, W_out, ctx, int(targets[b]), negatives[b], np.float32(lr), bool(exact))


def pair_step(defines, grid, block, args):
    W_in, W_out, sources, targets, negatives, batch, lr, loss_out = args
    W_in, W_out = _matrices(W_in, W_out, defines["DIM"])
    negatives = negatives.reshape(-1, defines["NEG"])
    warps = grid[0] * block[0] // 32
    for b in range(min(int(batch), warps)):
        loss_out[0] += _pair(W_in, W_out, int(sources[b]), int(targets[b]), negatives[b], np.float32(lr))


def register_word2vec(register):
    for name, mode in (("w2v_cbow", 0), ("w2v_skipgram", 1), ("w2v_probe", 2)):
        register(name, centers(mode))
    register("w2v_cbow_step", cbow_step)
    register("w2v_pair_step", pair_step)
