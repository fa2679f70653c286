"""Training from memory-mapped shards, piece by piece, equals training on the same ids held in memory."""

import numpy as np
import pytest

from w2vlm.embeddings.training.stream import CorpusStream
from w2vlm.embeddings.train import Word2VecConfig, train_vectors, train_word2vec, train_word2vec_stream
from w2vlm.text.corpus import open_corpus
from w2vlm.text.encode import encode_corpus
from w2vlm.text.tokenize import get_tokenizer
from w2vlm.text.vocab import Vocab


@pytest.fixture
def encoded(tmp_path):
    rng = np.random.default_rng(5)
    words = [f"w{i}" for i in range(40)]
    p = 1.0 / np.arange(1, 41)
    lines = [" ".join(rng.choice(words, size=rng.integers(1, 12), p=p / p.sum())) for _ in range(400)]
    path = tmp_path / "c.txt"
    path.write_text("\n".join(lines) + "\n")
    return encode_corpus(open_corpus(str(path)), get_tokenizer("whitespace"), cache=False, progress=False,
                         shard_tokens=300)


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_shards_train_like_the_arrays_in_memory(encoded, model):
    config = Word2VecConfig(model=model, dim=8, window=3, min_count=3, epochs=2, sample=1e-2, seed=1)
    vocab = Vocab.from_counts(encoded.types, encoded.counts, min_count=config.min_count)
    assert len(encoded.shards) > 3
    stream = CorpusStream(encoded, vocab, piece_tokens=70)
    assert len(list(stream.pieces())) > 10
    ids, offsets = encoded.to_ids(vocab, oov="drop")
    assert stream.n_tokens == len(ids)
    W_mem, O_mem, h_mem = train_word2vec(ids, offsets, vocab.counts, config, progress=False)
    W_str, O_str, h_str = train_word2vec_stream(stream, vocab.counts, config, progress=False)
    np.testing.assert_allclose(W_str, W_mem, rtol=1e-4, atol=1e-6)
    np.testing.assert_allclose(O_str, O_mem, rtol=1e-4, atol=1e-6)
    assert [e.trained_words for e in h_str.epochs] == [e.trained_words for e in h_mem.epochs]


def test_train_embeddings_reads_the_shards(encoded):
    config = Word2VecConfig(dim=8, window=2, min_count=2, epochs=1, seed=0)
    vectors, history = train_vectors(encoded, config, progress=False)
    assert len(vectors) == int((encoded.counts >= 2).sum()) and history.raw_words == encoded.n_tokens
    assert np.isfinite(history.loss)
