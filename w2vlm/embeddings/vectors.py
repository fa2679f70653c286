"""WordVectors: word vectors queried like gensim's KeyedVectors (cosine neighbours, 3CosAdd/3CosMul analogies)."""

import logging
from pathlib import Path

import numpy as np

from .. import atomic_files
from ..backend import to_cpu
from ..errors import ArtifactError, QueryError
from ..model_dir import check_output, write_directory
from ..text.vocab import Vocab
from . import word2vec_format
from .evaluate import COSMUL_EPS, evaluate_analogies, evaluate_pairs
from .resolve import QueryTokenizer, Resolver, unknown_word_error
from .subword_vectors import SubwordVectors

logger = logging.getLogger("w2vlm")

VECTORS_TEXT = "vectors.txt"


class WordVectors:
    """A vocabulary (a ``text.Vocab``, most frequent word first) and one float32 row per word, like gensim's
    KeyedVectors. ``words`` is a Vocab or a list of words (with ``counts``, or None when unknown).

    ``wv[word]`` and :meth:`index` find vocabulary rows only; :meth:`get_vector` and every query (most_similar,
    analogy, similarity, ...) also give words outside the vocabulary a vector (see :meth:`resolve`).
    ``tokenizer``: a tokenizer already built for queries; by default the one ``tokenizer_config`` describes is
    built on first use."""

    def __init__(self, words, vectors, counts=None, *, config=None, tokenizer_config=None, extra_arrays=None,
                 subwords=None, tokenizer=None):
        vectors = np.asarray(to_cpu(vectors))
        if isinstance(words, Vocab):
            if counts is not None:
                raise ValueError("give counts in the Vocab, not beside it")
            self.vocab = words
        else:
            counts = None if counts is None else np.asarray(to_cpu(counts), dtype=np.int64)
            self.vocab = Vocab([str(word) for word in words], counts, unk=None, eos=None)
        if vectors.ndim != 2 or vectors.shape[0] != len(self.vocab):
            raise ValueError(f"vectors must have shape ({len(self.vocab)}, dim) for {len(self.vocab)} words, "
                             f"got {vectors.shape}")
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32).view()
        self.vectors.flags.writeable = False  # the cached unit matrix stays valid
        self.config = dict(config or {})
        self.tokenizer_config = tokenizer_config
        self.extra_arrays = dict(extra_arrays or {})
        # subword models: an object with vector(word) -> array | None and pieces(word) -> [str] (SubwordVectors)
        self.subwords = subwords
        self._unit = None
        self._tokenizer = QueryTokenizer(tokenizer_config, tokenizer)
        self._resolvers = {}

    # ---- the vocabulary -------------------------------------------------------------------------------------
    @property
    def words(self):
        """Row -> word (the Vocab's words)."""
        return self.vocab.words

    @property
    def counts(self):
        """Corpus counts per row (int64), or None for imported vectors."""
        return self.vocab.counts

    @property
    def key_to_index(self):
        """word -> row (gensim's name)."""
        return self.vocab.key_to_index

    @property
    def dim(self):
        return self.vectors.shape[1]

    @property
    def vector_size(self):
        """gensim's name for :attr:`dim`."""
        return self.dim

    @property
    def index_to_key(self):
        """gensim's name for :attr:`words` (row -> word)."""
        return self.words

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self.key_to_index

    def __iter__(self):
        return iter(self.words)

    def __repr__(self):
        return f"WordVectors({len(self):,} words x {self.dim} dims)"

    def __getitem__(self, word):
        """The (read-only) vector of ``word``, or a (n, dim) array for a list of words."""
        if isinstance(word, str):
            return self.vectors[self.index(word)]
        rows = self.vectors[[self.index(w) for w in word]]  # fancy indexing copies: keep the copy read-only too
        rows.flags.writeable = False
        return rows

    def get_vector(self, word, norm=False, compose="sum"):
        """The vector of any word (see :meth:`resolve`); unit length when ``norm``. Read-only."""
        resolved = self.resolve(word, compose=compose)
        if not norm:
            return resolved.vector
        if resolved.row is not None:
            return self.unit_vectors[resolved.row]
        unit = resolved.vector / max(float(np.linalg.norm(resolved.vector)), 1e-30)
        unit.flags.writeable = False
        return unit

    def resolve(self, word, compose="sum"):
        """How ``word`` gets a vector, as a :class:`~w2vlm.embeddings.resolve.ResolvedWord`: its vocabulary row,
        else the one in-vocabulary token the model's tokenizer makes of it (대통령 -> 대통령/NNG), else its subword
        n-grams (subword models), else its tokens' vectors summed (``compose="sum"``, kor2vec's convention) or
        averaged (``"mean"``): 먹었다 = 먹/VV + 었/EP + 다/EF. UnknownWordError when none applies."""
        if compose not in self._resolvers:
            self._resolvers[compose] = Resolver(self, compose=compose)
        resolver = self._resolvers[compose]
        resolved = resolver.resolve(word) if isinstance(word, str) else None
        if resolved is None:
            raise self.unknown_word(word, resolver.tokens(word) if isinstance(word, str) else ())
        return resolved

    def index(self, word):
        """The row of ``word``, or of the single in-vocabulary token the model's own tokenizer makes of it."""
        row = self.key_to_index.get(word)
        if row is None:
            tokens = self._tokenize_query(word)
            if len(tokens) != 1 or tokens[0] not in self.key_to_index:
                raise self.unknown_word(word, tokens)
            row = self.key_to_index[tokens[0]]
        return row

    def _tokenize_query(self, word):
        """Tokens the saved tokenizer makes of a query (대통령 -> [대통령/NNG]); [] without one or when it fails."""
        return self._tokenizer(word)

    def unknown_word(self, word, tokens=()):
        """An UnknownWordError naming the vocabulary size, up to three close spellings and the query's tokens."""
        return unknown_word_error(self, word, tokens)

    # ---- queries ----------------------------------------------------------------------------------------------
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

    def evaluate_analogies(self, path, restrict_vocab=300000, case_insensitive=True, method="add", compose="sum"):
        """Accuracy and coverage on a Google- or kor2vec-format analogy file, per section and in total
        (test words resolved like :meth:`resolve`; ``compose=None``: vocabulary words only, as gensim)."""
        return evaluate_analogies(self, path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                                  method=method, compose=compose)

    def evaluate_pairs(self, path, delimiter=None, case_insensitive=True, restrict_vocab=300000, compose="sum"):
        """Spearman and Pearson correlation with human word-pair similarity judgements (TSV or CSV), and coverage."""
        return evaluate_pairs(self, path, delimiter=delimiter, case_insensitive=case_insensitive,
                              restrict_vocab=restrict_vocab, compose=compose)

    # ---- files --------------------------------------------------------------------------------------------
    def save(self, directory, config=None, tokenizer_config=None, extra_arrays=None):
        """Write an artifact directory (params.npz, vocab.json, vectors.txt in word2vec text, config.json) beside
        ``directory`` and swap it in whole; a directory of another kind or with foreign files is refused."""
        directory = Path(directory)
        check_output(directory, "embeddings")
        config = dict(self.config if config is None else config)
        for key in ("kind", "w2vlm_version"):
            config.pop(key, None)
        if tokenizer_config is None:
            tokenizer_config = config.get("tokenizer", self.tokenizer_config)
        config.update(tokenizer=tokenizer_config, dim=self.dim, vocab_size=len(self))
        config.pop("subwords", None)
        extra = self.extra_arrays if extra_arrays is None else dict(extra_arrays)
        if "vectors" in extra:
            raise ValueError("extra_arrays cannot be named 'vectors'")
        arrays = {"vectors": self.vectors, **extra}
        if self.subwords is not None:
            config["subwords"] = self.subwords.scheme.to_config()
            arrays.update(self.subwords.arrays())

        def write(stage):
            atomic_files.save_arrays(stage / atomic_files.PARAMS, arrays)
            self.vocab.save(stage / atomic_files.VOCAB)
            if all(word.split() == [word] for word in self.words):
                word2vec_format.write_word2vec(stage / VECTORS_TEXT, self.words, self.vectors, binary=False)
            else:
                logger.warning("not writing %s: some words contain whitespace (use `w2vlm export --replace-spaces "
                               "_`)", directory / VECTORS_TEXT)
            atomic_files.save_config(stage, "embeddings", config)

        write_directory(directory, write)
        if tokenizer_config != self.tokenizer_config:  # queries now tokenize as the saved model says
            self._tokenizer, self._resolvers = QueryTokenizer(tokenizer_config), {}
        self.config, self.tokenizer_config, self.extra_arrays = config, tokenizer_config, extra
        return directory

    @classmethod
    def load(cls, directory, warn_incomplete=True):
        """Read a directory written by ``save`` (ArtifactError when it is missing, of another kind or damaged);
        a run stopped before its last epoch loads with a warning."""
        directory = Path(directory)
        config = atomic_files.load_config(directory, "embeddings")
        if warn_incomplete and config.get("incomplete"):
            logger.warning("warning: %s holds an incomplete model (training was interrupted); continue it with "
                           "w2vlm train-embeddings --resume %s", directory, directory)
        vocab_data = atomic_files.read_json(directory / atomic_files.VOCAB)
        arrays = atomic_files.load_arrays(directory / atomic_files.PARAMS)
        vectors = arrays.pop("vectors", None)

        def damaged(problem):
            return ArtifactError(f"{directory} is damaged ({problem}); train or import the vectors again")

        try:   # Vocab.save's layout, or the older {"words", "counts"} one
            vocab = Vocab.from_dict(vocab_data if isinstance(vocab_data, dict) else {})
        except (ValueError, TypeError) as exc:
            raise damaged(f"{atomic_files.VOCAB} has {exc}" if "no list" in str(exc) else exc) from None
        if vectors is None or vectors.ndim != 2 or vectors.dtype.kind != "f":
            raise damaged(f"{atomic_files.PARAMS} has no 2-D float 'vectors' array")
        if config.get("dim", vectors.shape[1]) != vectors.shape[1]:
            raise damaged(f"{atomic_files.CONFIG} says dim {config.get('dim')}, the vectors have {vectors.shape[1]}")
        subwords = None
        if isinstance(config.get("subwords"), dict):
            subwords = SubwordVectors.from_artifact(config["subwords"], arrays, vectors.shape[1])
        try:
            return cls(vocab, vectors, config=config, tokenizer_config=config.get("tokenizer"),
                       extra_arrays=arrays, subwords=subwords)
        except (ValueError, TypeError) as exc:
            raise damaged(exc) from None

    @classmethod
    def load_word2vec_format(cls, path, binary=None, unicode_errors="strict", limit=None):
        """Read word2vec text or binary vectors (binary=None detects which); no counts, vocabulary in file order."""
        words, vectors, binary = word2vec_format.read_word2vec(path, binary=binary, unicode_errors=unicode_errors,
                                                               limit=limit)
        source = {"source": str(path), "format": "word2vec-binary" if binary else "word2vec-text"}
        return cls(words, vectors, config=source)

    def save_word2vec_format(self, path, binary=False, space_replacement=None):
        """Write word2vec text (default) or binary vectors, readable by gensim and word2vec.c."""
        word2vec_format.write_word2vec(path, self.words, self.vectors, binary=binary,
                                       space_replacement=space_replacement)
        return Path(path)
