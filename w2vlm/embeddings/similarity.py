"""Cosine similarity queries over a WordVectors, under gensim's KeyedVectors names, semantics and return types."""

from numbers import Integral

import numpy as np

from ..backend import to_cpu
from ..errors import QueryError

COSMUL_EPS = 1e-3          # Levy & Goldberg (2014): analogy(method="mul") and analogy evaluation use it
GENSIM_COSMUL_EPS = 1e-6   # what gensim's most_similar_cosmul adds to its denominator


def _listed(items):
    """gensim's rule for positive/negative: None -> [], one key or vector -> [it], else a list."""
    if items is None:
        return []
    if isinstance(items, (str, Integral, np.ndarray)) or hasattr(items, "__cuda_array_interface__"):
        return [items]
    return list(items)


def _unit(vector):
    return vector / max(float(np.linalg.norm(vector)), 1e-30)


def key_vector(wv, key, norm=False):
    """``(vector, row)`` of a word (resolved as WordVectors.resolve does), a row number, or a vector (as given,
    never normalized, as gensim treats arrays); ``row`` is None unless the vector is one vocabulary row."""
    if isinstance(key, str):
        resolved = wv.resolve(key)
        return wv.get_vector(key, norm=norm), resolved.row
    if isinstance(key, Integral):
        row = wv.get_index(key)
        return (wv.unit_vectors if norm else wv.vectors)[row], row
    return np.asarray(to_cpu(key), dtype=np.float32), None


def get_mean_vector(wv, keys, weights=None, pre_normalize=True, post_normalize=False, ignore_missing=True):
    """The weighted mean of keys' vectors (words, row numbers or arrays), divided by the sum of |weights|, as
    gensim: word vectors unit length first when ``pre_normalize``, the mean unit length when ``post_normalize``;
    a word without a vector is left out (``ignore_missing``) or raises UnknownWordError (a KeyError)."""
    keys = _listed(keys)
    if not keys:
        raise ValueError("cannot compute a mean vector of no keys")
    weights = np.ones(len(keys), dtype=np.float32) if weights is None else np.asarray(weights, dtype=np.float32)
    if weights.shape != (len(keys),):
        raise ValueError(f"keys and weights must have the same length, got {len(keys)} and {weights.shape}")
    mean, total = np.zeros(wv.dim, dtype=np.float32), 0.0
    for key, weight in zip(keys, weights):
        try:
            vector, _ = key_vector(wv, key, norm=pre_normalize)
        except KeyError:
            if ignore_missing:
                continue
            raise
        mean += weight * vector
        total += abs(float(weight))
    if total > 0:
        mean /= total
    return _unit(mean).astype(np.float32) if post_normalize else mean


def _weighted_terms(positive, negative):
    """Keys and weights: +1 for positive, -1 for negative, or the weight of a ``(key, weight)`` pair."""
    keys, weights = [], []
    for items, sign in ((_listed(positive), 1.0), (_listed(negative), -1.0)):
        for item in items:
            plain = isinstance(item, (str, Integral, np.ndarray))
            keys.append(item if plain else item[0])
            weights.append(sign if plain else float(item[1]))
    return keys, weights


def _query_rows(wv, keys):
    """Vocabulary rows of the query keys that are words or row numbers (they are left out of the answers)."""
    return [key_vector(wv, key)[1] for key in keys if isinstance(key, (str, Integral))]


def _refuse_overlap(wv, positive, negative):
    """A word both added and subtracted cancels out (X - X is no direction): say so instead of ranking noise."""
    both = sorted(set(_query_rows(wv, positive)) & set(_query_rows(wv, negative)) - {None})
    if both:
        words = ", ".join(repr(wv.words[row]) for row in both)
        raise QueryError(f"{words} is given both as positive and as negative; the two cancel out, so give "
                         f"each word on one side only")


def _best(wv, scores, start, exclude, topn):
    """The ``topn`` best (word, score) pairs of ``scores`` (rows ``start``...), leaving out the query rows."""
    ranked = np.asarray(scores, dtype=np.float64).copy()
    hidden = [row - start for row in exclude if row is not None and 0 <= row - start < len(ranked)]
    ranked[hidden] = -np.inf
    k = min(int(topn), len(ranked))
    if k <= 0:
        return []
    best = np.argpartition(-ranked, k - 1)[:k]
    best = best[np.argsort(-ranked[best], kind="stable")]
    return [(wv.words[start + row], float(scores[row])) for row in best if ranked[row] != -np.inf]


def most_similar(wv, positive=None, negative=None, topn=10, clip_start=0, clip_end=None, restrict_vocab=None,
                 indexer=None, allow_overlap=False):
    """Words closest by cosine to the weighted mean of the ``positive`` unit vectors minus the ``negative`` ones
    (words, row numbers, arrays or ``(key, weight)`` pairs), the query words left out: ``[(word, cosine)]``, or
    with ``topn=None`` every row's cosine as a float32 array. Only rows ``clip_start:clip_end`` take part, or the
    first ``restrict_vocab``; ``indexer`` (e.g. an Annoy index) answers instead when given, as in gensim.
    A word on both sides is a QueryError unless ``allow_overlap`` (analogies such as a:a::c:? allow it)."""
    if isinstance(topn, Integral) and topn < 1:
        return []
    if not allow_overlap:
        _refuse_overlap(wv, _weighted_terms(positive, ())[0], _weighted_terms((), negative)[0])
    keys, weights = _weighted_terms(positive, negative)
    if not keys:
        raise ValueError("most_similar needs at least one positive or negative word")
    mean = get_mean_vector(wv, keys, weights, pre_normalize=True, post_normalize=True, ignore_missing=False)
    if indexer is not None and isinstance(topn, Integral):
        return indexer.most_similar(mean, topn)
    start, end = (0, restrict_vocab) if restrict_vocab else (clip_start, clip_end or len(wv))
    scores = wv.unit_vectors[start:end] @ mean  # (rows,)
    if not topn:
        return scores
    return _best(wv, scores, start, _query_rows(wv, keys), topn)


def most_similar_cosmul(wv, positive=None, negative=None, topn=10, restrict_vocab=None, eps=GENSIM_COSMUL_EPS,
                        allow_overlap=False):
    """3CosMul (Levy & Goldberg 2014) with gensim's formula: the product of the positive cosines shifted to [0, 1]
    over the product of the negative ones plus ``eps``, ``[(word, score)]`` (or every score with ``topn=None``).
    Words are unit vectors, arrays are used as given; only the first ``restrict_vocab`` rows take part."""
    if isinstance(topn, Integral) and topn < 1:
        return []
    positive, negative = _listed(positive), _listed(negative)
    if not allow_overlap:
        _refuse_overlap(wv, positive, negative)
    if not positive:
        raise ValueError("most_similar_cosmul needs at least one positive word")
    unit = wv.unit_vectors[:restrict_vocab or len(wv)]

    def shifted_cosines(keys):  # one (rows,) array per key, cosines moved to [0, 1]
        return [(1.0 + unit @ key_vector(wv, key, norm=True)[0]) / 2.0 for key in keys]

    scores = np.prod(shifted_cosines(positive), axis=0) / (np.prod(shifted_cosines(negative), axis=0) + eps)
    if not topn:
        return scores
    return _best(wv, scores, 0, _query_rows(wv, positive + negative), topn)


def similar_by_key(wv, key, topn=10, restrict_vocab=None):
    """The ``topn`` words closest to ``key`` (most_similar of one positive key)."""
    return most_similar(wv, positive=[key], topn=topn, restrict_vocab=restrict_vocab)


def similar_by_word(wv, word, topn=10, restrict_vocab=None):
    """gensim's older name for :func:`similar_by_key`."""
    return similar_by_key(wv, word, topn=topn, restrict_vocab=restrict_vocab)


def similar_by_vector(wv, vector, topn=10, restrict_vocab=None):
    """The ``topn`` words closest to a vector (nothing is left out)."""
    return most_similar(wv, positive=[np.asarray(to_cpu(vector))], topn=topn, restrict_vocab=restrict_vocab)


def analogy(wv, a, b, c, method="add", topn=1, restrict_vocab=None):
    """a is to b as c is to ?: [(word, score)] by 3CosAdd (method='add') or 3CosMul (method='mul', eps 1e-3 as
    the analogy evaluation)."""
    if method == "add":
        return most_similar(wv, positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab,
                            allow_overlap=True)
    if method == "mul":
        return most_similar_cosmul(wv, positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab,
                                   eps=COSMUL_EPS, allow_overlap=True)
    raise ValueError(f"unknown analogy method {method!r}; use 'add' (3CosAdd) or 'mul' (3CosMul)")


def similarity(wv, word1, word2):
    """Cosine similarity of two words."""
    return float(key_vector(wv, word1, norm=True)[0] @ key_vector(wv, word2, norm=True)[0])


def n_similarity(wv, words1, words2):
    """Cosine similarity of the means of two word sets."""
    words1, words2 = list(words1), list(words2)
    if not words1 or not words2:
        raise ValueError("n_similarity needs at least one word on each side")
    first, second = (np.mean([key_vector(wv, word)[0] for word in words], axis=0) for words in (words1, words2))
    return float(_unit(first) @ _unit(second))


def distance(wv, word1, word2):
    """Cosine distance, 1 - similarity."""
    return 1.0 - similarity(wv, word1, word2)


def cosine_similarities(vector_1, vectors_all):
    """Cosines between one vector (dim,) and each row of ``vectors_all`` (n, dim), as an array (n,)."""
    vector_1, vectors_all = np.asarray(to_cpu(vector_1)), np.asarray(to_cpu(vectors_all))
    return vectors_all @ vector_1 / (np.linalg.norm(vector_1) * np.linalg.norm(vectors_all, axis=1))


def distances(wv, word_or_vector, other_words=()):
    """Cosine distances from a word (or vector) to ``other_words``, or to every vocabulary word when none are
    given, as a float32 array."""
    query = _unit(key_vector(wv, word_or_vector)[0]).astype(np.float32)
    others = list(other_words)
    unit = wv.unit_vectors if not others else np.stack([key_vector(wv, word, norm=True)[0] for word in others])
    return (1.0 - unit @ query).astype(np.float32)


def closer_than(wv, key1, key2):
    """Every vocabulary word closer to ``key1`` than ``key2`` is (``key1`` itself left out)."""
    distance_to = distances(wv, key1)
    row1, row2 = key_vector(wv, key1)[1], key_vector(wv, key2)[1]
    if row2 is None:
        raise wv.unknown_word(key2)
    return [wv.words[row] for row in np.flatnonzero(distance_to < distance_to[row2]) if row != row1]


def rank(wv, key1, key2):
    """The rank of ``key2`` among all words by distance from ``key1`` (1 = nearest)."""
    return len(closer_than(wv, key1, key2)) + 1


def most_similar_to_given(wv, key1, keys_list):
    """The key of ``keys_list`` most similar to ``key1``."""
    return keys_list[int(np.argmax([similarity(wv, key1, key) for key in keys_list]))]


def relative_cosine_similarity(wv, wa, wb, topn=10):
    """similarity(wa, wb) over the summed similarities of wa's ``topn`` nearest words (Leeuwenberg et al. 2016)."""
    neighbours = similar_by_word(wv, wa, topn)
    if not neighbours:
        raise ValueError("relative_cosine_similarity needs at least one similar word (topn >= 1)")
    return similarity(wv, wa, wb) / sum(score for _, score in neighbours)


def doesnt_match(wv, words):
    """The word farthest from the mean of the words' unit vectors."""
    words = list(words)
    if not words:
        raise ValueError("doesnt_match needs at least one word")
    unit = np.stack([key_vector(wv, word, norm=True)[0] for word in words])  # (n, D)
    return words[int(np.argmin(unit @ _unit(unit.mean(axis=0))))]
