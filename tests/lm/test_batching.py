"""Truncated-BPTT batching: contiguous streams, windows, padding for evaluation."""

import numpy as np
import pytest

from w2vlm.errors import TrainingError
from w2vlm.lm.batching import IGNORE, BPTTBatches, stream_pairs, to_streams


def test_stream_pairs_scores_every_token_after_a_start_token():
    inputs, targets = stream_pairs([5, 6, 7], start_id=1)
    assert inputs.tolist() == [1, 5, 6]
    assert targets.tolist() == [5, 6, 7]


def test_training_streams_are_contiguous_rows_and_drop_less_than_one_column():
    ids = np.arange(2, 25)  # 23 tokens
    xs, ts = to_streams(ids, batch_size=4, start_id=1)
    assert xs.shape == ts.shape == (4, 5)  # 23 // 4 = 5; 3 tokens dropped
    assert ts[1].tolist() == list(range(7, 12))  # row 1 holds tokens [5, 10)
    assert (xs[:, 1:] == ts[:, :-1]).all() and xs[1, 0] == ts[0, -1]


def test_evaluation_streams_pad_the_last_row_with_ignored_labels():
    ids = np.arange(2, 25)
    xs, ts = to_streams(ids, batch_size=4, start_id=1, pad=True)
    assert xs.shape == (4, 6)
    assert (ts != IGNORE).sum() == 23
    assert sorted(ts[ts != IGNORE].tolist()) == ids.tolist()
    assert (ts[-1, -1:] == IGNORE).all()


def test_windows_cover_the_streams_with_a_short_last_window():
    batches = BPTTBatches(np.arange(2, 102), batch_size=2, bptt=7, start_id=1)
    windows = list(batches)
    assert len(windows) == len(batches) == 8  # 50 columns: 7 x 7 + 1
    assert [w[0].shape[1] for w in windows] == [7] * 7 + [1]
    assert np.concatenate([t for _, t in windows], axis=1).tolist() == batches.targets.tolist()
    assert batches.n_targets == 100


def test_corpus_shorter_than_one_batch_is_a_clear_error():
    with pytest.raises(TrainingError, match="--batch-size"):
        BPTTBatches(np.arange(5), batch_size=20, bptt=35, start_id=0)
    with pytest.raises(TrainingError, match="empty"):
        to_streams(np.array([], dtype=np.int32), 2, 0, pad=True)
