"""WordVectors: a text.Vocab and one row per word, like gensim's KeyedVectors; its resolution, evaluation and files."""

import logging
from numbers import Integral
from pathlib import Path

import numpy as np

from .. import atomic_files
from ..backend import to_cpu
from ..errors import ArtifactError
from ..model_dir import check_output, write_directory
from ..resume_record import RESUME
from ..text.vocab import Vocab
from . import evaluate, similarity as queries, word2vec_format
from .resolve import QueryTokenizer, Resolver, unknown_word_error
from .subword.vectors import SubwordVectors

logger = logging.getLogger("w2vlm")

VECTORS_TEXT = "vectors.txt"


class WordVectors:
    """A vocabulary (a ``text.Vocab``, most frequent word first) and one float32 row per word, like gensim's
    KeyedVectors. ``words`` is a Vocab or a list of words (with ``counts``, or None when unknown).

    ``wv[word]`` and :meth:`index` find vocabulary rows only; :meth:`get_vector` and every query (most_similar,
    analogy, similarity, ...) also give words outside the vocabulary a vector (see :meth:`resolve`). The queries
    (similarity.py) and the evaluations (evaluate.py) are functions of a WordVectors, methods here under gensim's
    names.
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

    def __contains__(self, key):
        """A vocabulary word (as spelled) or a row number, as gensim's ``key in kv``."""
        return self.has_index_for(key)

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

    @property
    def unit_vectors(self):
        """The rows scaled to unit length (zero rows stay zero), computed once; read-only."""
        if self._unit is None:
            norms = np.linalg.norm(self.vectors, axis=1, keepdims=True)
            unit = (self.vectors / np.maximum(norms, np.finfo(np.float32).tiny)).astype(np.float32, copy=False)
            unit.flags.writeable = False
            self._unit = unit
        return self._unit

    def get_normed_vectors(self):
        """gensim's name for :attr:`unit_vectors`."""
        return self.unit_vectors

    def get_index(self, key, default=None):
        """The row of a vocabulary word (exactly as spelled) or of a row number, else ``default``; without one,
        UnknownWordError (a KeyError), as gensim."""
        row = self.key_to_index.get(key) if isinstance(key, str) else None
        if row is None and isinstance(key, Integral) and 0 <= key < len(self):
            row = int(key)
        if row is not None:
            return row
        if default is not None:
            return default
        raise self.unknown_word(key)

    def has_index_for(self, key):
        """Whether :meth:`get_index` finds a row for ``key`` (a vocabulary word or a row number)."""
        return self.get_index(key, -1) >= 0

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

    # ---- similarity queries (similarity.py) and evaluation (evaluate.py), with gensim's names ---------------
    most_similar = queries.most_similar
    most_similar_cosmul = queries.most_similar_cosmul
    similar_by_key = queries.similar_by_key
    similar_by_word = queries.similar_by_word
    similar_by_vector = queries.similar_by_vector
    analogy = queries.analogy
    similarity = queries.similarity
    n_similarity = queries.n_similarity
    distance = queries.distance
    distances = queries.distances
    cosine_similarities = staticmethod(queries.cosine_similarities)
    closer_than = queries.closer_than
    rank = queries.rank
    most_similar_to_given = queries.most_similar_to_given
    relative_cosine_similarity = queries.relative_cosine_similarity
    doesnt_match = queries.doesnt_match
    get_mean_vector = queries.get_mean_vector
    evaluate_analogies = evaluate.evaluate_analogies
    evaluate_pairs = evaluate.evaluate_pairs
    evaluate_word_analogies = evaluate.evaluate_word_analogies
    evaluate_word_pairs = evaluate.evaluate_word_pairs

    # ---- files --------------------------------------------------------------------------------------------
    def save(self, directory, config=None, tokenizer_config=None, extra_arrays=None, resume=None):
        """Write an artifact directory (params.npz, vocab.json, vectors.txt in word2vec text, config.json, and with
        ``resume`` (a training run's ResumeRecord) resume.npz) beside ``directory`` and swap it in whole; a
        directory of another kind or with foreign files is refused."""
        directory = Path(directory)
        check_output(directory, "embeddings")
        config = dict(self.config if config is None else config)
        for key in ("kind", "w2vlm_version", "run_state"):
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
            if resume is not None:
                resume.save(stage / RESUME)

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
