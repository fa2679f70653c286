"""Training glue for subword (fastText) vectors: the row tables, the two trainers, and the trained model's parts."""

from dataclasses import dataclass

import numpy as np

from .models import SUBWORD_MODELS, composed_vectors, padded_rows
from .vectors import SubwordVectors
from .ngrams import ngram_table, update_gains
from ..training.runners import FastRun, ReferenceRun


@dataclass
class SubwordRows:
    """Every vocabulary word's input rows (CSR), built once before training; see ``subwords.ngram_table``."""
    scheme: object            # SubwordScheme
    row_offsets: np.ndarray   # (V + 1,) int64
    rows: np.ndarray          # (total,) int32: word i's own row i, then V + compact n-gram index
    row_buckets: np.ndarray   # (U,) int64 hash bucket of each n-gram row, in row order
    gains: np.ndarray         # (V,) float32, see subwords.update_gains

    @classmethod
    def build(cls, words, scheme, counts=None, whole_word_count=0):
        """The rows of ``words`` (most frequent first); with ``whole_word_count`` > 0 a word counted at least that
        often (``counts``) is its own row alone, and only the rarer words add their n-grams."""
        with_ngrams = None if not whole_word_count else np.asarray(counts) < whole_word_count
        row_offsets, rows, row_buckets = ngram_table(words, scheme, with_ngrams)
        return cls(scheme, row_offsets, rows, row_buckets, update_gains(row_offsets, rows))

    @property
    def n_rows(self):
        """Rows of the input matrix: the words, then one per used bucket."""
        return len(self.row_offsets) - 1 + len(self.row_buckets)

    def split(self, W_in):
        """(composed word vectors (V, D), SubwordVectors of the n-gram rows) from the trained input matrix."""
        vocab = len(self.row_offsets) - 1
        words = composed_vectors(W_in, self.row_offsets, self.rows)
        by_bucket = np.argsort(self.row_buckets)  # SubwordVectors looks buckets up in sorted order
        ngram_rows = np.asarray(W_in[vocab:])[by_bucket].astype(np.float32)
        return words, SubwordVectors(self.scheme, self.row_buckets[by_bucket], ngram_rows)


def window_batched(config):
    """Whether the numba kernel trains this config with window-batched CBOW updates (``subword_window.py``)."""
    return config.model == "cbow" and config.subword_updates == "window"


class SubwordFastRun(FastRun):
    """The numba subword kernel over blocks of lines (block and thread split as the word-level fast path)."""

    @staticmethod
    def describe(config, xp):
        updates = ", window-batched CBOW updates" if window_batched(config) else ""
        updates = ", negatives shared in each window" if config.kernel == "batched" else updates
        return f"numba kernel, {config.threads} thread(s){updates}"

    def __init__(self, setup):
        from ..kernels import subword_batched, subword_cpu, subword_window  # numba: compiled on first use
        self.table, self.subword_cpu, self.subword_window = setup.subword_rows, subword_cpu, subword_window
        self.subword_batched = subword_batched
        super().__init__(setup)
        self.path = "numba batched subword kernel" if setup.config.kernel == "batched" else "numba kernel"

    def _block(self, ids, offsets, chunks, lr_start, lr_end):
        config, table = self.config, self.table
        self.stats[:] = 0
        shared = (self.W_in, self.W_out, table.row_offsets, table.rows, table.gains, ids, offsets, chunks,
                  self.keep, config.sample > 0, self.sampler.alias_prob, self.sampler.alias, config.window,
                  config.shrink_window, config.negatives)
        if config.kernel == "batched":   # skip-gram, one draw of negatives per two context words
            self.subword_batched.train_block(*shared, lr_start, lr_end, self.states, self.stats)
        elif window_batched(config):
            self.subword_window.train_block(*shared, lr_start, lr_end, self.states, self.stats)
        else:
            self.subword_cpu.train_block(*shared, config.model == "cbow", lr_start, lr_end, self.states, self.stats)


class SubwordReferenceRun(ReferenceRun):
    """The layered subword model (models.py) on ``xp`` with plain SGD over batches of targets."""

    @staticmethod
    def build_model(setup):
        config, table = setup.config, setup.subword_rows
        row_table = padded_rows(table.row_offsets, table.rows, setup.xp)
        return SUBWORD_MODELS[config.model](row_table, negatives=config.negatives, sampler=setup.sampler,
                                            xp=setup.xp, weights=(setup.W_in, setup.W_out))
