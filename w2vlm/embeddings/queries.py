"""gensim-style queries over a WordVectors' unit rows: most_similar, 3CosMul, analogy, similarity, distances."""

import numpy as np

from ..backend import to_cpu
from ..errors import QueryError
from .evaluate import COSMUL_EPS


class VectorQueries:
    """The query methods of :class:`~w2vlm.embeddings.vectors.WordVectors` (a mixin): they use its ``vectors``,
    ``words``, ``resolve`` and ``get_vector``, and cache the unit rows."""

    _unit = None

    @property
    def unit_vectors(self):
        """The rows scaled to unit length (zero rows stay zero), computed once."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            unit = (self.vectors / np.maximum(norms, np.finfo(np.float32).tiny)).astype(np.float32, copy=False)
            unit.flags.writeable = False
            self._unit = unit
        return self._unit

    def _terms(self, items):
        """Unit vectors and vocabulary rows for query words (or raw vectors)."""
        if isinstance(items, (str, np.ndarray)):
            items = [items]
        vectors, rows = [], []
        for item in items or ():
            if isinstance(item, str):
                resolved = self.resolve(item)
                if resolved.row is not None:
                    rows.append(resolved.row)
                vectors.append(self.get_vector(item, norm=True))
            else:
                item = np.asarray(to_cpu(item), dtype=np.float32)
                vectors.append(item / max(float(np.linalg.norm(item)), 1e-30))
        return vectors, rows

    def _refuse_overlap(self, pos_rows, neg_rows):
        """A word both added and subtracted cancels out (X - X is no direction): say so instead of ranking noise."""
        both = sorted(set(pos_rows) & set(neg_rows))
        if both:
            words = ", ".join(repr(self.words[row]) for row in both)
            raise QueryError(f"{words} is given both as positive and as negative; the two cancel out, so give "
                             f"each word on one side only")

    def _limit(self, restrict_vocab):
        return len(self) if restrict_vocab is None else max(0, min(int(restrict_vocab), len(self)))

    def _top(self, scores, exclude, topn):
        """The ``topn`` best (word, score) pairs, leaving out the query rows."""
        scores = np.asarray(scores, dtype=np.float64)
        exclude = [row for row in exclude if row < len(scores)]
        scores[exclude] = -np.inf
        k = min(int(topn), len(scores))
        if k <= 0:
            return []
        best = np.argpartition(-scores, k - 1)[:k]
        best = best[np.argsort(-scores[best], kind="stable")]
        return [(self.words[row], float(scores[row])) for row in best if scores[row] != -np.inf]

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None, allow_overlap=False):
        """Words closest by cosine to the sum of ``positive`` minus ``negative`` unit vectors, queries excluded.
        A word on both sides is a QueryError unless ``allow_overlap`` (analogies such as a:a::c:? allow it)."""
        pos, pos_rows = self._terms(positive)
        neg, neg_rows = self._terms(negative)
        if not allow_overlap:
            self._refuse_overlap(pos_rows, neg_rows)
        if not pos and not neg:
            raise ValueError("most_similar needs at least one positive or negative word")
        mean = (np.sum(pos, axis=0) if pos else 0) - (np.sum(neg, axis=0) if neg else 0)
        mean = mean / max(float(np.linalg.norm(mean)), 1e-30)
        scores = self.unit_vectors[:self._limit(restrict_vocab)] @ mean.astype(np.float32)  # (V',)
        return self._top(scores, pos_rows + neg_rows, topn)

    def most_similar_cosmul(self, positive=(), negative=(), topn=10, restrict_vocab=None, eps=COSMUL_EPS,
                            allow_overlap=False):
        """3CosMul (Levy & Goldberg 2014): product of positive cosines over negative ones, cosines shifted to [0, 1]."""
        pos, pos_rows = self._terms(positive)
        neg, neg_rows = self._terms(negative)
        if not allow_overlap:
            self._refuse_overlap(pos_rows, neg_rows)
        if not pos:
            raise ValueError("most_similar_cosmul needs at least one positive word")
        unit = self.unit_vectors[:self._limit(restrict_vocab)]
        scores = np.prod([(1.0 + unit @ t) / 2.0 for t in pos], axis=0)
        scores = scores / ((np.prod([(1.0 + unit @ t) / 2.0 for t in neg], axis=0) if neg else 1.0) + eps)
        return self._top(scores, pos_rows + neg_rows, topn)

    def analogy(self, a, b, c, method="add", topn=1, restrict_vocab=None):
        """a is to b as c is to ?: [(word, score)] by 3CosAdd (method='add') or 3CosMul (method='mul')."""
        if method == "add":
            return self.most_similar(positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab,
                                     allow_overlap=True)
        if method == "mul":
            return self.most_similar_cosmul(positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab,
                                            allow_overlap=True)
        raise ValueError(f"unknown analogy method {method!r}; use 'add' (3CosAdd) or 'mul' (3CosMul)")

    def similarity(self, word1, word2):
        """Cosine similarity of two words."""
        return float(self.get_vector(word1, norm=True) @ self.get_vector(word2, norm=True))

    def n_similarity(self, words1, words2):
        """Cosine similarity of the means of two word sets (gensim's n_similarity)."""
        words1, words2 = list(words1), list(words2)
        if not words1 or not words2:
            raise ValueError("n_similarity needs at least one word on each side")
        first, second = (np.mean([self.get_vector(word) for word in words], axis=0) for words in (words1, words2))
        return float(first @ second / max(float(np.linalg.norm(first) * np.linalg.norm(second)), 1e-30))

    def distance(self, word1, word2):
        """Cosine distance, 1 - similarity (gensim's distance)."""
        return 1.0 - self.similarity(word1, word2)

    def distances(self, word_or_vector, other_words=()):
        """Cosine distances from a word (or vector) to ``other_words``, or to every vocabulary word when none
        are given, as a float32 array (gensim's distances)."""
        (query,), _ = self._terms([word_or_vector])
        others = list(other_words)
        unit = self.unit_vectors if not others else np.stack([self.get_vector(w, norm=True) for w in others])
        return (1.0 - unit @ query.astype(np.float32)).astype(np.float32)

    def doesnt_match(self, words):
        """The word farthest from the mean of the others' unit vectors (gensim's doesnt_match)."""
        words = list(words)
        if not words:
            raise ValueError("doesnt_match needs at least one word")
        unit = np.stack([self.get_vector(word, norm=True) for word in words])  # (n, D)
        mean = unit.mean(axis=0)
        mean = mean / max(float(np.linalg.norm(mean)), 1e-30)
        return words[int(np.argmin(unit @ mean))]
