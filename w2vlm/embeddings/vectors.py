"""WordVectors: word vectors queried like gensim's KeyedVectors (cosine neighbours, 3CosAdd/3CosMul analogies)."""

import difflib
import logging
from pathlib import Path

import numpy as np

from .. import artifacts
from ..backend import to_cpu
from ..errors import ArtifactError, UnknownWordError
from . import word2vec_format

logger = logging.getLogger("w2vlm")

VECTORS_TEXT = "vectors.txt"
COSMUL_EPS = 1e-3        # Levy & Goldberg (2014) use 0.001; gensim's most_similar_cosmul uses 1e-6
SUGGESTION_POOL = 50_000  # difflib looks for close spellings among this many most frequent words only


class WordVectors:
    """A vocabulary (most frequent word first) and one float32 row per word, like gensim's KeyedVectors."""

    def __init__(self, words, vectors, counts=None, *, config=None, tokenizer_config=None, extra_arrays=None):
        vectors = np.asarray(to_cpu(vectors))
        words = [str(word) for word in words]
        if vectors.ndim != 2 or vectors.shape[0] != len(words):
            raise ValueError(f"vectors must have shape ({len(words)}, dim) for {len(words)} words, got {vectors.shape}")
        self.key_to_index = {word: i for i, word in enumerate(words)}
        if len(self.key_to_index) != len(words):
            duplicate = next(word for i, word in enumerate(words) if self.key_to_index[word] != i)
            raise ValueError(f"duplicate word {duplicate!r} in the vocabulary")
        self.words = words
        self.vectors = np.ascontiguousarray(vectors, dtype=np.float32).view()
        self.vectors.flags.writeable = False  # the cached unit matrix stays valid
        if counts is not None:
            counts = np.asarray(to_cpu(counts), dtype=np.int64)
            if counts.shape != (len(words),):
                raise ValueError(f"counts must have shape ({len(words)},), got {counts.shape}")
        self.counts = counts
        self.config = dict(config or {})
        self.tokenizer_config = tokenizer_config
        self.extra_arrays = dict(extra_arrays or {})
        self._unit = None
        self._tokenizer = None

    # ---- the vocabulary -------------------------------------------------------------------------------------
    @property
    def dim(self):
        return self.vectors.shape[1]

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

    def get_vector(self, word, norm=False):
        """The vector of ``word``; unit length when ``norm``."""
        return (self.unit_vectors if norm else self.vectors)[self.index(word)]

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
        if not self.tokenizer_config or not isinstance(word, str):
            return []
        if self._tokenizer is None:
            try:
                from ..text.tokenize import Tokenizer
                self._tokenizer = Tokenizer.from_config(self.tokenizer_config)
            except Exception as exc:  # best effort: a missing or broken tagger means "unknown word", not a crash
                logger.debug("cannot tokenize queries with %s: %s", self.tokenizer_config, exc)
                self._tokenizer = False
        if self._tokenizer is False:
            return []
        try:
            return list(self._tokenizer.tokenize(word))
        except Exception as exc:
            logger.debug("tokenizing the query %r failed: %s", word, exc)
            return []

    def unknown_word(self, word, tokens=()):
        """An UnknownWordError naming the vocabulary size, up to three close spellings and the query's tokens."""
        word = str(word)
        folded = word.casefold()
        tagged = [w for w in self.words if w.startswith(word + "/")][:3]  # pos-tagged forms: 대통령/NNG
        cased = [w for w in self.words if w.casefold() == folded][:3]
        close = difflib.get_close_matches(word, self.words[:SUGGESTION_POOL], n=3, cutoff=0.6)
        suggestions = list(dict.fromkeys(tagged + cased + close))[:3]
        message = f"{word!r} is not in the vocabulary ({len(self):,} words)"
        if suggestions:
            message += "; closest spellings: " + ", ".join(suggestions)
        if len(tokens) > 1:
            known = [token for token in tokens if token in self.key_to_index]
            message += f"; the model's tokenizer splits it into {' + '.join(tokens)}"
            message += f" (query {', '.join(known)} instead)" if known else ""
        return UnknownWordError(message)

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
                row = self.index(item)
                rows.append(row)
                vectors.append(self.unit_vectors[row])
            else:
                item = np.asarray(to_cpu(item), dtype=np.float32)
                vectors.append(item / max(float(np.linalg.norm(item)), 1e-30))
        return vectors, rows

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

    def most_similar(self, positive=(), negative=(), topn=10, restrict_vocab=None):
        """Words closest by cosine to the sum of ``positive`` minus ``negative`` unit vectors, queries excluded."""
        pos, pos_rows = self._terms(positive)
        neg, neg_rows = self._terms(negative)
        if not pos and not neg:
            raise ValueError("most_similar needs at least one positive or negative word")
        mean = (np.sum(pos, axis=0) if pos else 0) - (np.sum(neg, axis=0) if neg else 0)
        mean = mean / max(float(np.linalg.norm(mean)), 1e-30)
        scores = self.unit_vectors[:self._limit(restrict_vocab)] @ mean.astype(np.float32)  # (V',)
        return self._top(scores, pos_rows + neg_rows, topn)

    def most_similar_cosmul(self, positive=(), negative=(), topn=10, restrict_vocab=None, eps=COSMUL_EPS):
        """3CosMul (Levy & Goldberg 2014): product of positive cosines over negative ones, cosines shifted to [0, 1]."""
        pos, pos_rows = self._terms(positive)
        neg, neg_rows = self._terms(negative)
        if not pos:
            raise ValueError("most_similar_cosmul needs at least one positive word")
        unit = self.unit_vectors[:self._limit(restrict_vocab)]
        scores = np.prod([(1.0 + unit @ t) / 2.0 for t in pos], axis=0)
        scores = scores / ((np.prod([(1.0 + unit @ t) / 2.0 for t in neg], axis=0) if neg else 1.0) + eps)
        return self._top(scores, pos_rows + neg_rows, topn)

    def analogy(self, a, b, c, method="add", topn=1, restrict_vocab=None):
        """a is to b as c is to ?: [(word, score)] by 3CosAdd (method='add') or 3CosMul (method='mul')."""
        if method == "add":
            return self.most_similar(positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab)
        if method == "mul":
            return self.most_similar_cosmul(positive=[b, c], negative=[a], topn=topn, restrict_vocab=restrict_vocab)
        raise ValueError(f"unknown analogy method {method!r}; use 'add' (3CosAdd) or 'mul' (3CosMul)")

    def similarity(self, word1, word2):
        """Cosine similarity of two words."""
        return float(self.unit_vectors[self.index(word1)] @ self.unit_vectors[self.index(word2)])

    def doesnt_match(self, words):
        """The word farthest from the mean of the others' unit vectors (gensim's doesnt_match)."""
        words = list(words)
        if not words:
            raise ValueError("doesnt_match needs at least one word")
        unit = self.unit_vectors[[self.index(word) for word in words]]  # (n, D)
        mean = unit.mean(axis=0)
        mean = mean / max(float(np.linalg.norm(mean)), 1e-30)
        return words[int(np.argmin(unit @ mean))]

    def evaluate_analogies(self, path, restrict_vocab=300000, case_insensitive=True, method="add"):
        """Accuracy on a Google-format analogy file (per section and total, OOV questions counted)."""
        from .evaluate import evaluate_analogies
        return evaluate_analogies(self, path, restrict_vocab=restrict_vocab, case_insensitive=case_insensitive,
                                  method=method)

    def evaluate_pairs(self, path, delimiter=None, case_insensitive=True, restrict_vocab=300000):
        """Spearman and Pearson correlation with human word-pair similarity judgements (TSV or CSV)."""
        from .evaluate import evaluate_pairs
        return evaluate_pairs(self, path, delimiter=delimiter, case_insensitive=case_insensitive,
                              restrict_vocab=restrict_vocab)

    # ---- files --------------------------------------------------------------------------------------------
    def save(self, directory, config=None, tokenizer_config=None, extra_arrays=None):
        """Write an artifact directory (params.npz, vocab.json, vectors.txt in word2vec text, config.json) beside
        ``directory`` and swap it in whole; a directory of another kind or with foreign files is refused."""
        from ..model_dir import check_output, write_directory
        directory = Path(directory)
        check_output(directory, "embeddings")
        config = dict(self.config if config is None else config)
        for key in ("kind", "w2vlm_version"):
            config.pop(key, None)
        if tokenizer_config is None:
            tokenizer_config = config.get("tokenizer", self.tokenizer_config)
        config.update(tokenizer=tokenizer_config, dim=self.dim, vocab_size=len(self))
        extra = self.extra_arrays if extra_arrays is None else dict(extra_arrays)
        if "vectors" in extra:
            raise ValueError("extra_arrays cannot be named 'vectors'")

        def write(stage):
            artifacts.save_arrays(stage / artifacts.PARAMS, {"vectors": self.vectors, **extra})
            counts = None if self.counts is None else self.counts.tolist()
            artifacts.write_json(stage / artifacts.VOCAB, {"words": self.words, "counts": counts})
            if all(word.split() == [word] for word in self.words):
                word2vec_format.write_word2vec(stage / VECTORS_TEXT, self.words, self.vectors, binary=False)
            else:
                logger.warning("not writing %s: some words contain whitespace (use `w2vlm export --replace-spaces "
                               "_`)", directory / VECTORS_TEXT)
            artifacts.save_config(stage, "embeddings", config)

        write_directory(directory, write)
        self.config, self.tokenizer_config, self.extra_arrays = config, tokenizer_config, extra
        return directory

    @classmethod
    def load(cls, directory):
        """Read a directory written by ``save`` (ArtifactError when it is missing, of another kind or damaged)."""
        directory = Path(directory)
        config = artifacts.load_config(directory, "embeddings")
        vocab = artifacts.read_json(directory / artifacts.VOCAB)
        arrays = artifacts.load_arrays(directory / artifacts.PARAMS)
        vectors = arrays.pop("vectors", None)
        words = vocab.get("words") if isinstance(vocab, dict) else None
        counts = vocab.get("counts") if isinstance(vocab, dict) else None

        def damaged(problem):
            return ArtifactError(f"{directory} is damaged ({problem}); train or import the vectors again")

        if not isinstance(words, list) or not all(isinstance(word, str) for word in words):
            raise damaged(f"{artifacts.VOCAB} has no list of words")
        if vectors is None or vectors.ndim != 2 or vectors.dtype.kind != "f":
            raise damaged(f"{artifacts.PARAMS} has no 2-D float 'vectors' array")
        if config.get("dim", vectors.shape[1]) != vectors.shape[1]:
            raise damaged(f"{artifacts.CONFIG} says dim {config.get('dim')}, the vectors have {vectors.shape[1]}")
        try:
            return cls(words, vectors, counts, config=config, tokenizer_config=config.get("tokenizer"),
                       extra_arrays=arrays)
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
