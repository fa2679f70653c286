"""Window-batched subword CBOW: the numba kernel against a plain NumPy run of the same algorithm, resume, config."""

import json

import numpy as np
import pytest

from tests.embeddings.test_fasttext import ROW_OFFSETS, ROWS, VOCAB, _weights
from tests.embeddings.test_resume import StopAfter
from tests.embeddings.test_subword_train import PARTICLES, STEMS, _config, eojeol_corpus
from w2vlm.embeddings.kernels import word2vec_cpu, subword_cpu, subword_window
from w2vlm.embeddings.training.run_state import ResumePoint
from w2vlm.embeddings.training.sampling import UnigramSampler, keep_probabilities
from w2vlm.embeddings.subword.train import SubwordRows
from w2vlm.embeddings.subword.ngrams import update_gains
from w2vlm.embeddings.train import Word2VecConfig, train_embeddings, train_word2vec
from w2vlm.errors import TrainingError


class WindowBatchedReference:
    """The window-batched algorithm written plainly (float64, dicts of positions, ``np.add.at`` for the rows)."""

    def __init__(self, W_in, W_out, row_offsets, rows):
        self.W_in, self.W_out = W_in.astype(np.float64), W_out.astype(np.float64)
        self.word_rows = [rows[row_offsets[w]:row_offsets[w + 1]] for w in range(len(row_offsets) - 1)]
        self.loss, self.examples, self.contexts = 0.0, 0, 0

    def _row_sum_move(self, word):
        """How much the sum of ``word``'s rows moves when each listed row gets the same update (once per listing)."""
        _, multiplicity = np.unique(self.word_rows[word], return_counts=True)
        return float((multiplicity ** 2).sum())

    def _predict(self, hidden, target, negatives, lr):
        """Target, then each negative other than the target, in turn; returns lr * -dL/dhidden."""
        work = np.zeros_like(hidden)
        for word, label in [(target, 1.0)] + [(int(n), 0.0) for n in negatives if n != target]:
            p = 1.0 / (1.0 + np.exp(-hidden @ self.W_out[word]))
            self.loss -= np.log(p if label else 1.0 - p)
            g = (label - p) * lr
            work += g * self.W_out[word]
            self.W_out[word] += g * hidden
        return work

    def line(self, words, window, shrink, lr, state, alias_prob, alias, negatives):
        n = len(words)
        sums, grads = {}, {}

        def flush(p):
            np.add.at(self.W_in, self.word_rows[words[p]], grads.pop(p))

        for i in range(n):
            for p in range(i + window + 1):   # each position enters when it comes within `window` of the target
                if p < n and p not in sums:
                    sums[p] = self.W_in[self.word_rows[words[p]]].sum(axis=0)
                    grads[p] = np.zeros(self.W_in.shape[1])
            # numba returns the state as a Python int: np.uint64 keeps the next call on unsigned arithmetic
            lo, hi, state = word2vec_cpu.window_bounds(i, n, window, shrink, np.uint64(state))
            if hi - lo > 1:
                negs = np.empty(negatives, dtype=np.int64)
                state = word2vec_cpu.draw_into(negs, np.uint64(state), alias_prob, alias)
                context = [j for j in range(lo, hi) if j != i]
                count = sum(len(self.word_rows[words[j]]) for j in context)
                work = self._predict(sum(sums[j] for j in context) / count, words[i], negs, lr)
                for j in context:
                    grads[j] += work
                    sums[j] += self._row_sum_move(words[j]) * work
                self.examples += 1
                self.contexts += len(context)
            if i - window >= 0:
                flush(i - window)
        for p in list(grads):
            flush(p)
        return state

    def train(self, ids, offsets, keep, subsampling, sampler, window, shrink, negatives, lr_start, lr_end, state):
        words = np.empty(max(np.diff(offsets).max(), 1), dtype=np.int64)
        span = max(offsets[-1] - offsets[0], 1)
        kept = 0
        for line in range(len(offsets) - 1):
            lr = lr_start + (lr_end - lr_start) * (offsets[line] - offsets[0]) / span
            n, state = word2vec_cpu.keep_line(ids, offsets[line], offsets[line + 1], keep, subsampling, words,
                                          np.uint64(state))
            kept += n
            state = self.line([int(w) for w in words[:n]], window, shrink, np.float32(lr), state,
                              sampler.alias_prob, sampler.alias, negatives)
        return kept, np.uint64(state)


@pytest.mark.parametrize("shrink, sample", [(False, 0.0), (True, 0.05)])
def test_kernel_matches_the_plain_reference(shrink, sample):
    """Lines longer than the ring of 2 * window + 1 slots, a one-word line, an empty line, a row listed twice."""
    rng = np.random.default_rng(11)
    ids = rng.integers(0, VOCAB, size=60).astype(np.int32)
    offsets = np.array([0, 17, 18, 18, 45, 60], dtype=np.int64)
    counts = np.bincount(ids, minlength=VOCAB)
    window, negatives, lr_start, lr_end = 2, 3, 0.05, 0.02
    W_in, W_out = _weights(12, np.float32)
    W_out *= 3  # larger scores: the sigmoids are far from 1/2, so a wrong update order would show
    sampler = UnigramSampler(counts)
    keep = keep_probabilities(counts, sample)
    state = word2vec_cpu.seed_states(4, 1)
    reference = WindowBatchedReference(W_in, W_out, ROW_OFFSETS, ROWS)
    kept, reference_state = reference.train(ids, offsets, keep, sample > 0, sampler, window, shrink, negatives,
                                            lr_start, lr_end, state[0])
    stats = np.zeros((1, 4))
    subword_window.train_block(W_in, W_out, ROW_OFFSETS, ROWS, update_gains(ROW_OFFSETS, ROWS), ids, offsets,
                               np.array([0, len(offsets) - 1], dtype=np.int64), keep, sample > 0,
                               sampler.alias_prob, sampler.alias, window, shrink, negatives, lr_start, lr_end,
                               state, stats)
    assert state[0] == reference_state
    assert stats[0, 0] == pytest.approx(reference.loss, rel=1e-5)
    assert tuple(stats[0, 1:]) == (reference.examples, kept, reference.contexts)
    assert (kept < 60) == (sample > 0)
    np.testing.assert_allclose(W_in, reference.W_in, atol=2e-6)
    np.testing.assert_allclose(W_out, reference.W_out, atol=2e-6)


def test_same_random_draws_as_the_per_target_kernel_but_not_the_same_update():
    rng = np.random.default_rng(13)
    ids = rng.integers(0, VOCAB, size=200).astype(np.int32)
    offsets = np.array([0, 1, 90, 91, 200], dtype=np.int64)
    counts = np.bincount(ids, minlength=VOCAB)
    sampler, keep = UnigramSampler(counts), keep_probabilities(counts, 0.05)
    results = []
    for kernel, extra in ((subword_window, ()), (subword_cpu, (True,))):
        W_in, W_out = _weights(14, np.float32)
        states, stats = word2vec_cpu.seed_states(6, 1), np.zeros((1, 4))
        kernel.train_block(W_in, W_out, ROW_OFFSETS, ROWS, update_gains(ROW_OFFSETS, ROWS), ids, offsets,
                           np.array([0, 4], dtype=np.int64), keep, True, sampler.alias_prob, sampler.alias, 3,
                           True, 2, *extra, 0.05, 0.05, states, stats)
        results.append((W_in, states, stats))
    (window_in, window_states, window_stats), (target_in, target_states, target_stats) = results
    assert window_states[0] == target_states[0]
    np.testing.assert_array_equal(window_stats[0, 1:], target_stats[0, 1:])   # examples, kept, contexts
    assert not np.allclose(window_in, target_in, atol=1e-6)   # a different schedule of the same updates
    np.testing.assert_allclose(window_in, target_in, atol=0.05)


def _big_corpus(words=300_000, seed=0):
    """Random eojeol over 108 types, lines of 1-15 words: a few fast-path blocks per epoch."""
    types = [stem + particle for topic in STEMS for stem in topic for particle in PARTICLES]
    rng = np.random.default_rng(seed)
    ids = rng.integers(0, len(types), size=words).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(rng.integers(1, 16, size=words // 4))])
    offsets = np.append(offsets[offsets < words], words).astype(np.int64)
    return types, ids, offsets, np.bincount(ids, minlength=len(types))


def test_stopped_and_resumed_run_equals_the_uninterrupted_one():
    types, ids, offsets, counts = _big_corpus()
    config = _config(dim=8, epochs=2, sample=1e-2, buckets=5000)
    table = SubwordRows.build(types, config.subword_scheme())
    W_in, W_out, history = train_word2vec(ids, offsets, counts, config, progress=False, subword_rows=table)
    resume = None
    for blocks in (1, 0, 0):   # mid-epoch 1, at the end of epoch 1, mid-epoch 2
        R_in, R_out, stopped = train_word2vec(ids, offsets, counts, config, progress=False, subword_rows=table,
                                              resume=resume, stop=StopAfter(blocks))
        assert stopped.interrupted
        resume = ResumePoint(R_in, R_out, stopped.state)
    R_in, R_out, resumed = train_word2vec(ids, offsets, counts, config, progress=False, subword_rows=table,
                                          resume=resume)
    np.testing.assert_array_equal(R_in, W_in)
    np.testing.assert_array_equal(R_out, W_out)
    assert [e.loss for e in resumed.epochs] == pytest.approx([e.loss for e in history.epochs], rel=1e-9)


def test_the_update_rule_is_a_config_field_saved_with_the_model(tmp_path):
    assert Word2VecConfig().subword_updates == "window"
    with pytest.raises(TrainingError, match="--subword-updates must be one of window, target"):
        Word2VecConfig(subword_updates="batch")
    encoded = eojeol_corpus(tmp_path, lines=100)
    for updates in ("window", "target"):
        vectors, _ = train_embeddings(encoded, _config(subword_updates=updates, epochs=1), progress=False)
        vectors.save(tmp_path / updates)
        assert json.loads((tmp_path / updates / "config.json").read_text())["subword_updates"] == updates
