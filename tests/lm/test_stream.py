"""The memory-mapped LM stream: the same splits and the same batches as the in-memory arrays, with no copies."""

import random

import numpy as np
import pytest

from w2vlm.lm.batching import BPTTBatches, stream_pairs
from w2vlm.lm.data import SPECIALS, prepare_lm_data
from w2vlm.lm.stream import write_token_stream
from w2vlm.text.corpus import open_corpus
from w2vlm.text.encode import encode_corpus
from w2vlm.text.tokenize import get_tokenizer
from w2vlm.text.vocab import Vocab

WORDS = "the cat sat on a mat dog ran to house big small red".split()


@pytest.fixture
def encoded(tmp_path):
    rng = random.Random(1)
    path = tmp_path / "c.txt"
    path.write_text("\n".join(" ".join(rng.choice(WORDS) for _ in range(rng.randint(1, 9))) for _ in range(200)))
    return encode_corpus(open_corpus(str(path)), get_tokenizer("whitespace"), cache=False, progress=False,
                         shard_tokens=97)


def test_stream_and_boundaries_match_to_ids(encoded):
    vocab = Vocab.from_counts(encoded.types, encoded.counts, min_count=30, specials=SPECIALS)
    ids, offsets = encoded.to_ids(vocab, oov="unk", eos=True)
    stream, at = write_token_stream(encoded, vocab, (0, 57, 180, 200))
    assert isinstance(stream.buffer, np.memmap) and len(stream) == len(ids)
    assert np.array_equal(np.asarray(stream), ids)
    assert at == {0: 0, 57: offsets[57], 180: offsets[180], 200: offsets[200]}
    part = stream.split(at[57], at[180])
    inputs, targets = stream_pairs(part, vocab.eos_id)
    reference_inputs, reference_targets = stream_pairs(ids[offsets[57]:offsets[180]], vocab.eos_id)
    assert np.array_equal(inputs, reference_inputs) and np.array_equal(targets, reference_targets)
    assert isinstance(inputs, np.memmap) and isinstance(targets, np.memmap)   # views, not copies


@pytest.mark.parametrize("pad", [False, True])
def test_batches_over_the_stream_equal_batches_over_the_array(encoded, pad):
    vocab = Vocab.from_counts(encoded.types, encoded.counts, specials=SPECIALS)
    stream, _ = write_token_stream(encoded, vocab)
    over_stream = list(BPTTBatches(stream, 4, 7, vocab.eos_id, pad=pad))
    over_array = list(BPTTBatches(np.asarray(stream), 4, 7, vocab.eos_id, pad=pad))
    assert len(over_stream) == len(over_array) > 5
    for (xs, ts), (xa, ta) in zip(over_stream, over_array):
        assert np.array_equal(xs, xa) and np.array_equal(ts, ta)


def test_prepare_lm_data_splits_are_the_held_out_lines(encoded):
    data = prepare_lm_data(encoded, None, progress=False)
    ids, offsets = encoded.to_ids(data.vocab, oov="unk", eos=True)
    train, valid = 180, 190   # 10% held out: 10 lines for validation, 10 for test
    assert np.array_equal(np.asarray(data.train_ids), ids[:offsets[train]])
    assert np.array_equal(np.asarray(data.valid_ids), ids[offsets[train]:offsets[valid]])
    assert np.array_equal(np.asarray(data.test_ids), ids[offsets[valid]:])
