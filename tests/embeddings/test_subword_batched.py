"""Subword skip-gram with negatives shared in a window (kernels/subword_batched.py): the plain estimator, its
gradient, training, the options."""

import numpy as np
import pytest

from tests.embeddings.test_subword_train import HELD_OUT, _config, _neighbour_topic_accuracy, eojeol_corpus
from w2vlm.embeddings.kernels import subword_batched, word2vec_cpu
from w2vlm.embeddings.subword.ngrams import SubwordScheme
from w2vlm.embeddings.subword.train import SubwordRows
from w2vlm.embeddings.train import Word2VecConfig, train_vectors
from w2vlm.embeddings.training.sampling import UnigramSampler
from w2vlm.errors import TrainingError

WORDS = ["학교", "학교에", "학교의", "바다", "바다를", "영화관", "영화"]


def _table():
    return SubwordRows.build(WORDS, SubwordScheme("jamo", 3, 5, buckets=61))   # small: repeated rows in a word


def plain_centre_update(W_in, W_out, table, centre, targets, negs, lr, groups=1):
    """The estimator written plainly in float64: h predicts every target and every shared negative, a negative
    weighted by the number of targets it differs from over the number of draws; every listed row of the centre
    gets the summed update."""
    W_in, W_out = W_in.astype(np.float64), W_out.astype(np.float64)
    listed = table.rows[table.row_offsets[centre]:table.row_offsets[centre + 1]]
    h = W_in[listed].mean(axis=0)
    work, loss = np.zeros_like(h), 0.0
    items = [(t, 1.0, 1) for t in targets] + [(n, 0.0, sum(t != n for t in targets) / groups) for n in negs]
    for word, label, weight in items:
        if weight == 0:
            continue
        sig = 1.0 / (1.0 + np.exp(-(h @ W_out[word])))
        loss -= weight * np.log(sig if label else 1.0 - sig)
        g = (label - sig) * lr * weight
        work += g * W_out[word]
        W_out[word] += g * h
    np.add.at(W_in, listed, work)
    return loss, W_in, W_out


@pytest.mark.parametrize("centre, targets, negs, groups", [
    (1, [0, 3, 5], [2, 6, 4], 1), (5, [6, 6, 0, 2], [6, 3, 3, 1], 1), (2, [4], [4, 4], 1),
    (5, [6, 6, 0, 2], [6, 3, 3, 1, 4, 0], 2), (1, [0, 3, 5, 4, 6], [2, 6, 4, 0, 1, 2], 3)])   # repeats, negative = target
def test_the_kernel_is_the_plain_estimator(centre, targets, negs, groups):
    table = _table()
    assert not np.all(table.gains == 1)   # some word lists a row twice
    rng = np.random.default_rng(centre)
    W_in = (rng.standard_normal((table.n_rows, 6)) * 0.5).astype(np.float32)
    W_out = (rng.standard_normal((len(WORDS), 6)) * 0.5).astype(np.float32)
    expected = plain_centre_update(W_in, W_out, table, centre, targets, negs, 0.1, groups)
    loss = subword_batched.skipgram_step(W_in, W_out, table.row_offsets, table.rows, centre, np.array(targets),
                                         np.array(negs), 0.1, groups)
    assert loss == pytest.approx(expected[0], rel=1e-5)
    np.testing.assert_allclose(W_in, expected[1], atol=1e-5)
    np.testing.assert_allclose(W_out, expected[2], atol=1e-5)


@pytest.mark.parametrize("groups", [1, 2])
def test_the_update_is_the_numerical_gradient_of_the_window_loss(groups):
    table = _table()
    rng = np.random.default_rng(9)
    W_in = (rng.standard_normal((table.n_rows, 5)) * 0.5).astype(np.float32)
    W_out = (rng.standard_normal((len(WORDS), 5)) * 0.5).astype(np.float32)
    centre, targets, negs, lr = 3, [0, 1, 5], [2, 6], 0.01   # no id twice: every row is read before it moves
    listed = table.rows[table.row_offsets[centre]:table.row_offsets[centre + 1]]
    h = W_in[listed].astype(np.float64).mean(axis=0)
    O = W_out.astype(np.float64)

    def loss(vector):
        pos = sum(np.log1p(np.exp(-(vector @ O[t]))) for t in targets)
        return pos + sum(len(targets) / groups * np.log1p(np.exp(vector @ O[n])) for n in negs)

    numeric = np.array([(loss(h + e) - loss(h - e)) / 2e-6 for e in np.eye(len(h)) * 1e-6])
    before = W_in.copy()
    subword_batched.skipgram_step(W_in, W_out, table.row_offsets, table.rows, centre, np.array(targets),
                                  np.array(negs), lr, groups)
    moved = (W_in - before)[listed[0]] / np.count_nonzero(listed == listed[0])   # work, once per listing
    np.testing.assert_allclose(moved, -lr * numeric, rtol=1e-3, atol=1e-7)


def test_batched_subword_training_learns_and_unseen_words_get_vectors(tmp_path):
    encoded = eojeol_corpus(tmp_path)
    config = _config(model="skipgram", kernel="batched")
    vectors, history = train_vectors(encoded, config, progress=False)
    assert history.loss < history.epochs[0].loss + 1e-9 and _neighbour_topic_accuracy(vectors) > 0.8
    assert vectors.subwords.vector(HELD_OUT) is not None and vectors.config["kernel"] == "batched"
    pairs, _ = train_vectors(encoded, _config(model="skipgram", kernel="pairs"), progress=False)
    assert not np.allclose(pairs.vectors, vectors.vectors)   # another estimator, another run


def test_batched_subwords_are_skipgram_only():
    with pytest.raises(TrainingError, match="--kernel batched with --subwords trains skip-gram only"):
        Word2VecConfig(model="cbow", subwords="jamo", kernel="batched")
    assert Word2VecConfig(model="skipgram", subwords="jamo", kernel="batched").kernel == "batched"


@pytest.mark.parametrize("window", [1, 2, 3])
def test_a_window_draws_one_set_of_negatives_for_every_two_context_words(window):
    """With a fixed window and no subsampling the random state moves only for negatives: a centre with C context
    words draws ceil(C / 2) sets of K, so the chunk's state ends advanced by that many steps summed over centres."""
    table = _table()
    line = np.array([0, 3, 5, 1, 6, 2, 4], dtype=np.int64)
    offsets = np.array([0, len(line)], dtype=np.int64)
    negatives = 3
    sampler = UnigramSampler(np.arange(1, len(WORDS) + 1))
    W_in = np.zeros((table.n_rows, 4), dtype=np.float32)
    W_out = np.zeros((len(WORDS), 4), dtype=np.float32)
    states = word2vec_cpu.seed_states(5, 1)
    expected = states[0]
    for i in range(len(line)):
        context = min(len(line), i + window + 1) - max(0, i - window) - 1
        for _ in range(-(-context // 2) * negatives):
            expected = np.uint64(word2vec_cpu._next(np.uint64(expected)))
    stats = np.zeros((1, 4))
    subword_batched.train_block(W_in, W_out, table.row_offsets, table.rows, table.gains, line, offsets,
                                np.array([0, 1], dtype=np.int64), np.ones(len(WORDS), dtype=np.float32), False,
                                sampler.alias_prob, sampler.alias, window, False, negatives, 0.0, 0.0, states, stats)
    assert states[0] == expected
    assert stats[0, 1] == sum(min(len(line), i + window + 1) - max(0, i - window) - 1 for i in range(len(line)))
