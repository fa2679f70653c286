"""A vector for any word: its vocabulary row, the tokenizer's single token, its tokens composed (each a row or its
subword n-grams), or the subword n-grams of the whole word."""

import logging
from dataclasses import dataclass

import numpy as np

from ..errors import UnknownWordError
from ..text.tokenize import tokenizer_from_config

logger = logging.getLogger("w2vlm")

COMPOSE_METHODS = ("sum", "mean")
_SHOWN_NGRAMS = 6  # how many n-grams an explanation lists before "..."


@dataclass(frozen=True)
class ResolvedWord:
    """How a word got its vector, tried in this order. ``source`` is "vocabulary" (the word is a row), "token" (the
    model's tokenizer makes one in-vocabulary token of it: 대통령 -> 대통령/NNG), "composed" (its tokens' vectors
    summed or averaged, each token its row or, in a subword model, its n-gram vector: 먹었다 = 먹/VV + 었/EP + 다/EF)
    or "subwords" (the mean of the n-gram vectors of its one unknown token, or of the word itself when its tokens
    give no vector; subword models only). A CBOW-trained subword model tries the whole word's n-grams before
    composing: on kor2vec's syntactic analogies that order scored better for CBOW and composing first for skip-gram
    (docs/korean.md, "One Korean model")."""

    word: str
    vector: np.ndarray
    source: str
    pieces: tuple = ()
    row: int = None      # the vocabulary row when the vector is exactly one row
    compose: str = "sum"

    def explain(self):
        """One line saying how the vector was made; just the word for a vocabulary word."""
        if self.source == "vocabulary":
            return self.word
        if self.source == "token":
            return f"{self.word} = {self.pieces[0]}"
        if self.source == "subwords":
            shown = ", ".join(self.pieces[:_SHOWN_NGRAMS]) + (", ..." if len(self.pieces) > _SHOWN_NGRAMS else "")
            return f"{self.word} = mean of {len(self.pieces)} subword n-grams ({shown})"
        if self.compose == "mean":
            return f"{self.word} = mean({', '.join(self.pieces)})"
        return f"{self.word} = {' + '.join(self.pieces)}"


class Resolver:
    """Resolves words against a WordVectors: only its first ``limit`` rows take part (evaluation's restrict_vocab),
    words match case-folded when ``case_insensitive`` (the most frequent case variant wins, as gensim does), and
    ``compose`` ("sum" or "mean") joins a word's tokens; ``compose=None`` resolves vocabulary words only.
    Results are cached per word."""

    def __init__(self, wv, *, compose="sum", limit=None, case_insensitive=False):
        if compose not in COMPOSE_METHODS + (None,):
            raise ValueError(f"unknown compose method {compose!r}; use 'sum' (kor2vec's convention) or 'mean'")
        self.wv = wv
        self.compose = compose
        self.limit = len(wv) if limit is None else max(0, min(int(limit), len(wv)))
        self.fold = str.upper if case_insensitive else None
        self._known = None
        self._cache = {}
        # a CBOW subword model's own n-gram mean of the whole word beats composing its tokens (docs/korean.md)
        self.subwords_first = getattr(wv, "config", {}).get("model") == "cbow"

    def row(self, word):
        """The vocabulary row of ``word`` among the first ``limit`` rows (case-folded when asked), or None."""
        if self.fold is None:
            row = self.wv.key_to_index.get(word)
            return row if row is not None and row < self.limit else None
        if self._known is None:
            known = {}
            for row, key in enumerate(self.wv.words[:self.limit]):
                known.setdefault(self.fold(key), row)
            self._known = known
        return self._known.get(self.fold(word))

    def resolve(self, word):
        """A ResolvedWord, or None when no rule gives ``word`` a vector (see :meth:`tokens` for why)."""
        if word not in self._cache:
            self._cache[word] = self._resolve(word)
        return self._cache[word]

    def tokens(self, word):
        """The tokens the model's own tokenizer makes of ``word`` ([] without a saved tokenizer)."""
        return self.wv._tokenize_query(word)

    def _resolve(self, word):
        row = self.row(word)
        if row is not None:
            return ResolvedWord(word, self.wv.vectors[row], "vocabulary", (self.wv.words[row],), row)
        if self.compose is None:
            return None
        tokens = self.tokens(word)
        if len(tokens) == 1 and self.row(tokens[0]) is not None:
            row = self.row(tokens[0])
            return ResolvedWord(word, self.wv.vectors[row], "token", (self.wv.words[row],), row)
        subwords = getattr(self.wv, "subwords", None)
        if self.subwords_first:
            resolved = self._whole_word(word, subwords)
            if resolved is not None:
                return resolved
        parts = [self._token_vector(token, subwords) for token in tokens]
        if len(tokens) == 1 and parts[0] is not None:   # one unknown token: its own n-grams (a --pos tag included)
            return ResolvedWord(word, _frozen(parts[0]), "subwords", tuple(subwords.pieces(tokens[0])))
        if len(tokens) > 1 and all(part is not None for part in parts):
            stacked = np.stack(parts)  # (n_tokens, D)
            vector = stacked.sum(axis=0) if self.compose == "sum" else stacked.mean(axis=0)
            return ResolvedWord(word, _frozen(vector), "composed", tuple(tokens), compose=self.compose)
        return None if self.subwords_first else self._whole_word(word, subwords)

    @staticmethod
    def _whole_word(word, subwords):
        """The mean of ``word``'s own n-gram vectors as a ResolvedWord, or None (no subwords, no known n-gram)."""
        vector = subwords.vector(word) if subwords is not None else None
        return None if vector is None else ResolvedWord(word, _frozen(vector), "subwords", tuple(subwords.pieces(word)))

    def _token_vector(self, token, subwords):
        row = self.row(token)
        if row is not None:
            return self.wv.vectors[row]
        return subwords.vector(token) if subwords is not None else None


def _frozen(vector):
    vector = np.array(vector, dtype=np.float32)
    vector.flags.writeable = False
    return vector


class QueryTokenizer:
    """The model's saved tokenizer applied to query words, built on first use; [] without one or when it fails
    (a missing or broken tagger means "unknown word", not a crash). ``tokenizer``: one already built (anything
    with ``tokenize(line)``), used instead of building one from ``tokenizer_config``; ``build`` makes one from
    the config (default ``text.tokenizer_from_config``)."""

    def __init__(self, tokenizer_config, tokenizer=None, build=tokenizer_from_config):
        self.config = tokenizer_config
        self.build = build
        self._tokenizer = tokenizer if tokenizer is not None else (None if tokenizer_config else False)

    def __call__(self, word):
        if self._tokenizer is None:
            try:
                self._tokenizer = self.build(self.config)
            except Exception as exc:
                logger.debug("cannot tokenize queries with %s: %s", self.config, exc)
                self._tokenizer = False
        if self._tokenizer is False or not isinstance(word, str):
            return []
        try:
            return list(self._tokenizer.tokenize(word))
        except Exception as exc:
            logger.debug("tokenizing the query %r failed: %s", word, exc)
            return []


def unknown_word_error(wv, word, tokens=()):
    """An UnknownWordError naming the vocabulary size, up to three close spellings and the query's tokens."""
    word = str(word)
    suggestions = wv.vocab.close_spellings(word)   # the one close-spelling search (text.Vocab)
    message = f"{word!r} is not in the vocabulary ({len(wv):,} words)"
    if suggestions:
        message += "; closest spellings: " + ", ".join(suggestions)
    if len(tokens) > 1:
        known = [token for token in tokens if token in wv.key_to_index]
        message += f"; the model's tokenizer splits it into {' + '.join(tokens)}"
        message += f" (query {', '.join(known)} instead)" if known else ""
    return UnknownWordError(message)
