"""SubwordVectors: the trained n-gram rows of a fastText-style model, giving a vector to any string."""

import numpy as np

from ...errors import ArtifactError, TrainingError
from .ngrams import SubwordScheme

NGRAM_VECTORS = "ngram_vectors"  # names of the two arrays in params.npz
NGRAM_BUCKETS = "ngram_buckets"


class SubwordVectors:
    """N-gram vectors for the hash buckets training used (``buckets`` sorted, one row of ``vectors`` each).

    ``vector(word)`` is the mean of the rows of ``word``'s n-grams that have one (fastText's vector for an
    out-of-vocabulary word, except that buckets no training word used are left out instead of adding their
    random initial values), or None when none has; ``pieces(word)`` names those n-grams.
    """

    def __init__(self, scheme, buckets, vectors):
        self.scheme = scheme
        self.buckets = np.asarray(buckets, dtype=np.int64)
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32)
        if self.buckets.ndim != 1 or self.vectors.ndim != 2 or len(self.buckets) != len(self.vectors):
            raise ValueError(f"need one n-gram vector per bucket, got {self.buckets.shape} buckets and "
                             f"{self.vectors.shape} vectors")
        if len(self.buckets) and (np.any(np.diff(self.buckets) <= 0) or self.buckets[-1] >= scheme.buckets):
            raise ValueError(f"n-gram buckets must be sorted, unique and below {scheme.buckets}")

    def __repr__(self):
        return f"SubwordVectors({self.scheme.kind} n-grams {self.scheme.min_n}-{self.scheme.max_n}, " \
               f"{len(self.buckets):,} of {self.scheme.buckets:,} buckets x {self.vectors.shape[1]} dims)"

    def _known(self, word):
        """(n-grams, their rows) for the n-grams of ``word`` whose bucket has a vector."""
        grams = self.scheme.ngrams(word)
        if not grams or not len(self.buckets):
            return [], np.zeros(0, dtype=np.int64)
        ids = self.scheme.bucket_ids(word)
        where = np.minimum(np.searchsorted(self.buckets, ids), len(self.buckets) - 1)
        found = self.buckets[where] == ids
        return [gram for gram, ok in zip(grams, found) if ok], where[found]

    def vector(self, word):
        """The mean of ``word``'s known n-gram vectors (float32, dim), or None when no n-gram of it is known."""
        _, rows = self._known(word)
        if not len(rows):
            return None
        return self.vectors[rows].mean(axis=0, dtype=np.float64).astype(np.float32)

    def pieces(self, word):
        """The n-grams of ``word`` that have a vector, in fastText's order (jamo n-grams for a jamo model)."""
        return self._known(word)[0]

    # ---- the artifact's extra arrays and config fields -------------------------------------------------------
    def arrays(self):
        return {NGRAM_VECTORS: self.vectors, NGRAM_BUCKETS: self.buckets}

    @classmethod
    def from_artifact(cls, subword_config, arrays, dim):
        """Rebuild from config.json's ``subwords`` object and the arrays popped from params.npz."""
        try:
            scheme = SubwordScheme.from_config(subword_config)
            vectors, buckets = arrays.pop(NGRAM_VECTORS), arrays.pop(NGRAM_BUCKETS)
            if vectors.ndim != 2 or vectors.shape[1] != dim:
                raise ValueError(f"n-gram vectors of shape {vectors.shape} for {dim}-dim word vectors")
            return cls(scheme, buckets, vectors)
        except (KeyError, TypeError, ValueError, AttributeError, TrainingError) as exc:
            raise ArtifactError(f"the subword part of the model is damaged ({exc}); train the model again") from None
