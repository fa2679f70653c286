"""Stopping word2vec at a block boundary and resuming it gives exactly the uninterrupted run (one thread)."""

from dataclasses import replace

import numpy as np
import pytest

from tests.embeddings.test_train import topic_corpus
from w2vlm.divergence import DivergenceGuard
from w2vlm.embeddings.training.stream import ArrayStream
from w2vlm.embeddings.train import Word2VecConfig, train_word2vec, train_word2vec_stream
from w2vlm.errors import ArtifactError, TrainingError


def _config(model, **changes):
    settings = dict(model=model, dim=12, window=3, min_count=1, sample=1e-2, epochs=3, lr=0.05, seed=5)
    settings.update(changes)
    return Word2VecConfig(**settings)


class StopAfter:
    """A stop() that says yes after ``blocks`` calls."""

    def __init__(self, blocks):
        self.blocks, self.calls = blocks, 0

    def __call__(self):
        self.calls += 1
        return self.calls > self.blocks


def _stop_and_resume(ids, offsets, counts, config, fast, stops):
    """Train with interruptions after each count in ``stops`` (block calls), resuming each time."""
    resume = None
    for blocks in stops:
        W_in, W_out, history = train_word2vec(ids, offsets, counts, config, fused=fast, progress=False,
                                              resume=resume, stop=StopAfter(blocks))
        assert history.interrupted
        resume = history.state
    return train_word2vec(ids, offsets, counts, config, fused=fast, progress=False, resume=resume)


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
@pytest.mark.parametrize("fast", [True, False])
def test_interrupted_and_resumed_run_equals_the_uninterrupted_one(model, fast):
    ids, offsets, counts, _ = topic_corpus(lines=300 if fast else 120)
    # several blocks (numba) or reports (layered) per epoch on a tiny corpus
    config = _config(model, batch_size=8, block_words=700, report_batches=3)
    W_in, W_out, history = train_word2vec(ids, offsets, counts, config, fused=fast, progress=False)
    assert not history.interrupted and history.state.epoch == 3
    # stop mid-epoch 1, again at once (a zero-progress resume), then mid-epoch 2 and at an epoch boundary
    R_in, R_out, resumed = _stop_and_resume(ids, offsets, counts, config, fast, [2, 0, 4, 1])
    np.testing.assert_array_equal(R_in, W_in)
    np.testing.assert_array_equal(R_out, W_out)
    assert [e.loss for e in resumed.epochs] == pytest.approx([e.loss for e in history.epochs], rel=1e-9)
    assert [e.trained_words for e in resumed.epochs] == [e.trained_words for e in history.epochs]


class PiecewiseStream(ArrayStream):
    """The corpus in pieces of about ``lines`` lines, as an encoded corpus is read shard by shard."""

    def __init__(self, ids, offsets, lines):
        super().__init__(ids, offsets)
        self.lines = lines

    def pieces(self):
        for first in range(0, len(self.line_offsets) - 1, self.lines):
            last = min(first + self.lines, len(self.line_offsets) - 1)
            lo, hi = self.line_offsets[first], self.line_offsets[last]
            yield self.ids[lo:hi], self.line_offsets[first:last + 1] - lo


def test_resume_across_stream_pieces():
    ids, offsets, counts, _ = topic_corpus(lines=300)
    config = _config("skipgram", block_words=500)   # block cuts fall inside and across pieces
    W_in, W_out, _ = train_word2vec_stream(PiecewiseStream(ids, offsets, 70), counts, config, progress=False)
    resume = None
    for blocks in (3, 5, 2):
        R_in, R_out, history = train_word2vec_stream(PiecewiseStream(ids, offsets, 70), counts, config,
                                                     progress=False, resume=resume, stop=StopAfter(blocks))
        resume = history.state
    R_in, R_out, history = train_word2vec_stream(PiecewiseStream(ids, offsets, 70), counts, config,
                                                 progress=False, resume=resume)
    assert not history.interrupted and len(history.epochs) == 3
    np.testing.assert_array_equal(R_in, W_in)
    np.testing.assert_array_equal(R_out, W_out)


def test_a_stop_mid_epoch_records_where_it_stopped():
    ids, offsets, counts, _ = topic_corpus(lines=300)
    config = _config("cbow", block_words=700)
    W_in, _, history = train_word2vec(ids, offsets, counts, config, progress=False, stop=StopAfter(2))
    state = history.state
    assert history.interrupted and state.epoch == 0 and 0 < state.position < len(ids)
    # the third block's end: the first line end at or after 3 x 700 words (stop() said yes after block 3)
    assert 3 * 700 <= state.position < 3 * 700 + np.diff(offsets).max()
    assert state.progress["block_words"] == 700 and history.epochs == [] and np.isfinite(W_in).all()


def test_a_run_stopped_mid_epoch_resumes_only_on_its_own_block_grid():
    ids, offsets, counts, _ = topic_corpus(lines=300)
    W_in, W_out, history = train_word2vec(ids, offsets, counts, _config("cbow", block_words=700), progress=False,
                                          stop=StopAfter(2))
    resume = history.state
    with pytest.raises(ArtifactError, match=r"block_words=700\)"):
        train_word2vec(ids, offsets, counts, _config("cbow", block_words=900), progress=False, resume=resume)
    # a state saved before the block size was recorded: the old default
    saved_before = replace(history.state, progress={k: v for k, v in history.state.progress.items()
                                                    if k != "block_words"})
    with pytest.raises(ArtifactError, match=r"block_words=131072\)"):
        train_word2vec(ids, offsets, counts, _config("cbow", block_words=700), progress=False,
                       resume=saved_before)
    _, _, resumed = train_word2vec(ids, offsets, counts, _config("cbow", block_words=700), progress=False,
                                   resume=resume)
    assert not resumed.interrupted and len(resumed.epochs) == 3


def test_block_sizes_must_be_positive():
    for bad in (dict(block_words=0), dict(report_batches=0)):
        with pytest.raises(TrainingError, match="block_words and report_batches must be at least 1"):
            Word2VecConfig(**bad)


def test_resume_weights_must_fit():
    ids, offsets, counts, _ = topic_corpus(lines=50)
    config = _config("cbow")
    W_in, W_out, history = train_word2vec(ids, offsets, counts, config, progress=False, stop=StopAfter(0))
    bad = history.state.with_arrays(W_in=W_in[:, :5], W_out=W_out[:, :5])
    with pytest.raises(ArtifactError, match="shape"):
        train_word2vec(ids, offsets, counts, config, progress=False, resume=bad)


@pytest.mark.parametrize("lr", [2.0, 5.0, 20.0, 0.0, -1.0])
def test_learning_rate_range(lr):
    with pytest.raises(TrainingError, match=r"--lr .* is outside \(0, 1\.0\]"):
        Word2VecConfig(lr=lr)


def test_exploding_or_nan_loss_is_a_training_error():
    config = _config("cbow")
    guard = DivergenceGuard.for_word2vec(config)
    guard.check(4.0, "in epoch 1")   # normal: about (negatives + 1) * ln 2 per example
    for loss in (float("nan"), float("inf"), 1e4):
        with pytest.raises(TrainingError, match="diverged in epoch 2.*lower --lr"):
            guard.check(loss, "in epoch 2")


def test_diverging_training_stops_with_a_training_error():
    ids, offsets, counts, _ = topic_corpus(lines=400)
    with pytest.raises(TrainingError, match="diverged.*lower --lr"):
        train_word2vec(ids, offsets, counts, _config("skipgram", lr=1.0, dim=50, sample=0.0, epochs=5),
                       progress=False)


@pytest.mark.parametrize("stopped_fused, resumed_fused, needs", [(False, True, "--no-fused"),
                                                                  (True, False, "without --no-fused")])
def test_a_run_resumes_only_on_the_path_it_trained_on(stopped_fused, resumed_fused, needs):
    ids, offsets, counts, _ = topic_corpus(lines=120)
    config = _config("cbow", batch_size=8, block_words=300, report_batches=2)
    W_in, W_out, history = train_word2vec(ids, offsets, counts, config, fused=stopped_fused, progress=False,
                                          stop=StopAfter(2))
    assert history.interrupted
    with pytest.raises(ArtifactError, match=f"cannot continue on the .*{needs}"):
        train_word2vec(ids, offsets, counts, config, fused=resumed_fused, progress=False,
                       resume=history.state)
