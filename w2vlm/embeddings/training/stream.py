"""Where word2vec's training words come from: host arrays, or an encoded corpus mapped to a vocabulary piecewise."""

import numpy as np


class ArrayStream:
    """Vocabulary ids already in memory: one piece, the whole corpus."""

    def __init__(self, ids, line_offsets):
        self.ids = np.ascontiguousarray(ids, dtype=np.int32)
        self.line_offsets = np.ascontiguousarray(line_offsets, dtype=np.int64)

    @property
    def n_tokens(self):
        return len(self.ids)

    def pieces(self):
        yield self.ids, self.line_offsets

    def arrays(self):
        return self.ids, self.line_offsets


class CorpusStream:
    """An EncodedCorpus in ``vocab``'s ids with out-of-vocabulary words dropped (gensim's min_count), read shard
    by shard: memory stays at one piece (about a million words) however large the corpus is."""

    def __init__(self, encoded, vocab, piece_tokens=None):
        self.encoded, self.vocab, self.piece_tokens = encoded, vocab, piece_tokens

    @property
    def n_tokens(self):
        return int(np.asarray(self.vocab.counts).sum())   # the corpus count of every kept word

    def pieces(self):
        sizes = {} if self.piece_tokens is None else {"max_tokens": self.piece_tokens}
        for ids, offsets in self.encoded.mapped_pieces(self.vocab, oov="drop", **sizes):
            yield np.ascontiguousarray(ids), np.ascontiguousarray(offsets)

    def arrays(self):
        """The whole stream in memory (the layered xp path, which subsamples and batches over all of it)."""
        return self.encoded.to_ids(self.vocab, oov="drop")
