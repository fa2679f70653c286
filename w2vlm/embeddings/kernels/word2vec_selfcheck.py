"""First-use check of the fused word2vec CUDA kernels (word2vec_gpu) against the layered models on tiny inputs.

``train._runner`` runs ``self_check`` once per process and configuration (through ``nn.fused.self_checked``) and
trains the layered model instead when it reports a mismatch.
"""

import numpy as np

from ...nn.optim import SGD
from ..cbow import CBOW, SkipGram
from ..training.sampling import UnigramSampler, keep_probabilities
from .word2vec_gpu import cbow_step, epoch_key, pair_step, probe_centers, train_range_gpu


def self_check(cupy, dim, negatives, window):
    """None when the fused kernels of this configuration agree with the layered model on tiny inputs, else what
    differs (``nn.fused.self_checked`` runs it once per process): CBOW and skip-gram steps on examples that share no
    rows, the training kernels w2v_cbow and w2v_skipgram themselves (one warp, a vocabulary larger than a block),
    and the contexts the training kernels' position walk finds, against a host re-count."""
    rng = np.random.default_rng(0)
    vocab, batch, width, lr = 32 + 8 * (1 + negatives), 4, 4, 0.05
    W_in, W_out = (rng.standard_normal((vocab, dim)).astype(np.float32) * 0.3 for _ in range(2))
    words = rng.permutation(vocab)
    contexts = words[:batch * width].reshape(batch, width).astype(np.int32)
    outputs = words[:batch * (1 + negatives)].reshape(batch, 1 + negatives).astype(np.int32)
    targets, negs = outputs[:, 0].copy(), outputs[:, 1:].copy()
    for name, model, run in (
            ("w2v_cbow_step", CBOW(weights=(W_in, W_out), negatives=negatives, xp=cupy),
             lambda a, b: cbow_step(a, b, contexts, targets, negs, lr)),
            ("w2v_pair_step", SkipGram(weights=(W_in, W_out), negatives=negatives, xp=cupy),
             lambda a, b: pair_step(a, b, contexts[:, 0], targets, negs, lr))):
        inputs = (contexts, targets) if name == "w2v_cbow_step" else (targets[:, None], contexts[:, 0])
        model.forward(cupy.asarray(inputs[0]), cupy.asarray(inputs[1]), cupy.asarray(negs))
        model.backward()
        SGD(lr * batch).update(model.params, model.grads)
        got = [cupy.asarray(W_in), cupy.asarray(W_out)]
        run(*got)
        for g, want in zip(got, model.params):
            error = float(np.abs(g.get() - want.get()).max())
            if not error <= 1e-4:
                return f"{name}: max error {error:.2g}"
    return _check_training(cupy, dim, negatives, window) or _check_contexts(cupy, dim, negatives, window)


def _check_training(cupy, dim, negatives, window):
    """w2v_cbow and w2v_skipgram on one warp (positions in order) against the layered models replayed position by
    position. Lines of distinct words, no subsampling, full windows and every negative drawn as word 0 (alias
    tables that always pick it) make what the kernel sees known without its random streams."""
    rng = np.random.default_rng(2)
    vocab, lengths = 300, [5, 1, 2 * window + 3, 0, 4]  # vocab > one block of 256 threads
    ids = rng.permutation(np.arange(1, vocab))[:sum(lengths)].astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    tables = (cupy.ones(vocab, dtype=np.float32), cupy.zeros(vocab, dtype=np.float32),
              cupy.zeros(vocab, dtype=np.int32))  # keep all; alias column always rejected -> alias[.] = 0
    first, last, lr_start, lr_end = 1, len(ids), 0.05, 0.02
    negs = cupy.zeros((1, negatives), dtype=np.int32)
    for model, Model in (("cbow", CBOW), ("skipgram", SkipGram)):
        W_in, W_out = (rng.standard_normal((vocab, dim)).astype(np.float32) * 0.3 for _ in range(2))
        reference = Model(weights=(W_in, W_out), negatives=negatives, xp=cupy)
        for p in range(first, last):
            line = int(np.searchsorted(offsets, p, side="right")) - 1
            left = ids[max(offsets[line], p - window):p][::-1]
            contexts = np.concatenate([left, ids[p + 1:min(offsets[line + 1], p + 1 + window)]])
            lr = float(np.float32(lr_start + (lr_end - lr_start) * np.float32((p - first) / (last - first))))
            examples = ([(contexts[None], ids[p:p + 1])] if model == "cbow" and len(contexts) else
                        [(ids[p:p + 1, None], contexts[c:c + 1]) for c in range(len(contexts))] if model != "cbow"
                        else [])
            for x, y in examples:
                reference.forward(cupy.asarray(x), cupy.asarray(y), negs)
                reference.backward()
                SGD(lr).update(reference.params, reference.grads)
        got = [cupy.asarray(W_in), cupy.asarray(W_out)]
        train_range_gpu(cupy.asarray(ids), cupy.asarray(offsets), *got, *tables, first, last, lr_start, lr_end,
                        cupy.zeros(4, dtype=np.float64), model=model, window=window, negatives=negatives,
                        shrink=False, subsampling=False, blocks=1, threads=32)
        for g, want in zip(got, reference.params):
            error = float(np.abs(g.get() - want.get()).max())
            if not error <= 1e-4:
                return f"w2v_{model}: max error {error:.2g}"
    return None


def _check_contexts(cupy, dim, negatives, window):
    """The probe kernel (the training kernels' position walk) against a host re-count of the nearest kept words."""
    rng = np.random.default_rng(1)
    lengths = np.array([0, 7, 1, 40, 3, 0, 25])
    ids = rng.integers(0, 12, lengths.sum()).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    counts = np.bincount(ids, minlength=12) + 1
    sampler = UnigramSampler(counts)
    tables = (cupy.asarray(keep_probabilities(counts, 0.05).astype(np.float32)),
              cupy.asarray(sampler.alias_prob.astype(np.float32)), cupy.asarray(sampler.alias.astype(np.int32)))
    kept, reach, contexts, _ = probe_centers(cupy.asarray(ids), cupy.asarray(offsets), *tables, dim, window=window,
                                             negatives=negatives, key=epoch_key(0, 0), tile=3)
    for a, b in zip(offsets[:-1], offsets[1:]):
        positions = [q for q in range(a, b) if kept[q]]
        for i, p in enumerate(positions):
            r = reach[p]
            want = [ids[q] for q in positions[max(0, i - r):i][::-1] + positions[i + 1:i + 1 + r]]
            want += [-1] * (2 * window - len(want))
            if list(contexts[p]) != want:
                return f"w2v_probe: position {p} sees contexts {list(contexts[p])}, expected {want}"
    return None
