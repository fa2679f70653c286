"""embeddings/kernels/word2vec.cu on the CPU (g++, cuda_on_cpu.h) against word2vec_emulation and the layered models.

One warp walks the positions in the emulation's order, so the training kernels must match it to float rounding;
several warps on shared rows (Hogwild) are compared with a tolerance, and their counts exactly.
"""

import re

import numpy as np
import pytest

from tests.kernels.conftest import WORD2VEC_CONFIGS
from tests.support import word2vec_emulation as emulation
from w2vlm.embeddings.kernels import word2vec_gpu
from w2vlm.embeddings.training.sampling import UnigramSampler, keep_probabilities

pytestmark = pytest.mark.kernels

CONFIGS = WORD2VEC_CONFIGS
CLOSE = dict(rtol=1e-5, atol=1e-6)


def _defines(config):
    return {k: int(v) if v.isdigit() else v for k, v in re.findall(r"#define (\w+) (\S+)",
                                                                    word2vec_gpu.kernel_source(*config))}


def _corpus(vocab=12, seed=0):
    """Lines of uneven length (empty ones too) over a small vocabulary: negatives often hit the target."""
    rng = np.random.default_rng(seed)
    lengths = np.array([0, 9, 1, 30, 3, 0, 19])
    ids = rng.integers(0, vocab, lengths.sum()).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    counts = np.bincount(ids, minlength=vocab) + 1
    sampler = UnigramSampler(counts)
    tables = (keep_probabilities(counts, 0.05).astype(np.float32), sampler.alias_prob.astype(np.float32),
              sampler.alias.astype(np.int32))
    return ids, offsets, tables


def _weights(vocab, dim, seed=1, scale=0.3):
    rng = np.random.default_rng(seed)
    return [(rng.standard_normal((vocab, dim)) * scale).astype(np.float32) for _ in range(2)]


def _center_args(W, corpus, first, last, window, shrink, subsample, stats, probe=None, tile=4, key=12345):
    ids, offsets, (keep, alias_prob, alias) = corpus
    return (W[0], W[1], ids, offsets, np.int32(len(offsets) - 1), keep, alias_prob, alias, np.int32(len(keep)),
            np.int64(first), np.int64(last), np.int32(tile), np.int32(window), np.int32(shrink),
            np.int32(subsample), np.float32(0.05), np.float32(0.01), np.uint64(key), stats,
            probe if probe is not None else np.zeros(1, np.int32))


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "dim{}-neg{}-win{}-vec{}".format(*c))
@pytest.mark.parametrize("model, mode", [("w2v_cbow", 0), ("w2v_skipgram", 1)])
@pytest.mark.parametrize("first, shrink, subsample", [(3, 1, 1), (0, 0, 0)], ids=["offset-sampled", "plain"])
def test_training_kernels_with_one_warp_match_the_emulation(word2vec_module, config, model, mode, first, shrink,
                                                           subsample):
    corpus = _corpus()
    dim, _, window, _ = config
    W, W_want = _weights(12, dim), _weights(12, dim)
    stats, stats_want = np.zeros(4), np.zeros(4)
    last = len(corpus[0]) - 2
    word2vec_module(*config).get_function(model)(
        (1,), (32,), _center_args(W, corpus, first, last, window, shrink, subsample, stats))
    emulation.centers(mode)(_defines(config), (1,), (32,),
                            list(_center_args(W_want, corpus, first, last, window, shrink, subsample, stats_want)))
    np.testing.assert_array_equal(stats[1:], stats_want[1:])  # examples, kept words, context words
    np.testing.assert_allclose(stats[0], stats_want[0], rtol=1e-5)
    for got, want in zip(W, W_want):
        np.testing.assert_allclose(got, want, **CLOSE)


@pytest.mark.parametrize("model, mode", [("w2v_cbow", 0), ("w2v_skipgram", 1)])
def test_training_kernels_with_many_warps_count_exactly_and_train_alike(word2vec_module, model, mode):
    """Two blocks of two warps, tiles of 3 positions: every position is trained once (Hogwild order aside)."""
    config = CONFIGS[1]
    corpus = _corpus()
    W, W_want = _weights(12, 8, scale=0.1), _weights(12, 8, scale=0.1)
    stats, stats_want = np.zeros(4), np.zeros(4)
    word2vec_module(*config).get_function(model)(
        (2,), (64,), _center_args(W, corpus, 2, len(corpus[0]), 2, 1, 1, stats, tile=3))
    emulation.centers(mode)(_defines(config), (2,), (64,),
                            list(_center_args(W_want, corpus, 2, len(corpus[0]), 2, 1, 1, stats_want, tile=3)))
    np.testing.assert_array_equal(stats[1:], stats_want[1:])
    np.testing.assert_allclose(stats[0], stats_want[0], rtol=2e-2)
    for got, want, before in zip(W, W_want, _weights(12, 8, scale=0.1)):  # same updates up to their order
        assert np.linalg.norm(got - want) < 0.2 * np.linalg.norm(want - before)


@pytest.mark.parametrize("config", [CONFIGS[0], CONFIGS[3]], ids=["win2", "win4"])
@pytest.mark.parametrize("shrink, subsample", [(1, 1), (0, 1), (1, 0)])
def test_probe_kernel_matches_the_emulation_exactly(word2vec_module, config, shrink, subsample):
    """What training sees at each position (kept, reach, contexts, negatives), bit for bit, with several warps."""
    _, negatives, window, _ = config
    corpus = _corpus()
    first, last = 4, len(corpus[0])
    width = 2 + 2 * window + negatives
    got, want = (np.full((last - first) * width, -2, np.int32) for _ in range(2))
    W = _weights(1, config[0])
    word2vec_module(*config).get_function("w2v_probe")(
        (2,), (64,), _center_args(W, corpus, first, last, window, shrink, subsample, np.zeros(4), got, tile=2))
    emulation.centers(2)(_defines(config), (2,), (64,),
                         list(_center_args(W, corpus, first, last, window, shrink, subsample, np.zeros(4), want)))
    np.testing.assert_array_equal(got, want)


def _examples(config, batch, rng):
    """Examples that share no rows across warps (so several warps are exact); the last one has a negative equal to
    its target and scores a confident wrong prediction (far past 69 nats, where a floor on p would cap it)."""
    dim, negatives, _, _ = config
    vocab = batch * (40 + 1 + negatives)
    words = rng.permutation(vocab).astype(np.int32)
    contexts = np.full((batch, 40), -1, np.int32)
    for b in range(batch):
        count = 1 + b * 7 % 38
        slots = np.sort(rng.choice(40, count, replace=False))
        contexts[b, slots] = words[b * 40:b * 40 + count]
    outputs = words[batch * 40:].reshape(batch, 1 + negatives)
    targets, negs = outputs[:, 0].copy(), outputs[:, 1:].copy()
    negs[-1, 0] = targets[-1]
    W = _weights(vocab, dim, seed=int(rng.integers(100)))
    W[0][contexts[-1][contexts[-1] >= 0]] = 1
    W[1][targets[-1]] = -10  # score -10 * dim: past where a floor on p would cap the term (69.08 nats)
    return W, contexts, targets, negs


def _check_step(module, name, emulate, config, W, args):
    """Two blocks of three warps (the last warps have no example) against the emulation, a confident wrong
    prediction's whole loss included."""
    W_want = [w.copy() for w in W]
    loss, loss_want = np.zeros(1), np.zeros(1)
    module.get_function(name)((2,), (96,), (*W, *args, loss))
    emulate(_defines(config), (2,), (96,), [*W_want, *args, loss_want])
    np.testing.assert_allclose(loss, loss_want, rtol=1e-5)
    assert loss_want[0] > 10 * config[0]  # the confident wrong term is in it, uncapped
    for got, want in zip(W, W_want):
        np.testing.assert_allclose(got, want, **CLOSE)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "dim{}-neg{}-win{}-vec{}".format(*c))
@pytest.mark.parametrize("exact", [0, 1])
def test_cbow_step_matches_the_emulation(word2vec_module, config, exact):
    W, contexts, targets, negs = _examples(config, 5, np.random.default_rng(7))
    args = (contexts, np.int32(40), targets, negs, np.int32(5), np.float32(0.07), np.int32(exact))
    _check_step(word2vec_module(*config), "w2v_cbow_step", emulation.cbow_step, config, W, args)


@pytest.mark.parametrize("config", CONFIGS, ids=lambda c: "dim{}-neg{}-win{}-vec{}".format(*c))
def test_pair_step_matches_the_emulation(word2vec_module, config):
    W, contexts, targets, negs = _examples(config, 5, np.random.default_rng(8))
    args = (contexts.max(axis=1), targets, negs, np.int32(5), np.float32(0.07))
    _check_step(word2vec_module(*config), "w2v_pair_step", emulation.pair_step, config, W, args)
