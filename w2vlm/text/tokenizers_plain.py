"""Tokenizers that need no analyzer: whitespace (pre-tokenized text, eojeol) and char (one token per character)."""

import unicodedata

from . import guards
from .tokenizer_base import Tokenizer


class WhitespaceTokenizer(Tokenizer):
    """Split at whitespace: for text that is already tokenized (PTB, WikiText) or for eojeol-level Korean."""

    name = "whitespace"
    parallel = "none"
    has_tags = False

    def tokenize(self, line):
        # str.split needs no length guard: it is linear and cheap even for a 5 MB line
        if guards._CONTROL.search(line):
            line = guards._CONTROL.sub(" ", line)
        return line.split()

    def _tag(self, piece):
        return piece.split()

    def detokenize(self, tokens):
        return " ".join(tokens)


class CharTokenizer(Tokenizer):
    """One token per character (Hangul syllable); spaces are dropped, so detokenize cannot restore them."""

    name = "char"
    parallel = "none"
    has_tags = False

    def tokenize(self, line):
        if not unicodedata.is_normalized("NFC", line):  # decomposed jamo -> syllables
            line = unicodedata.normalize("NFC", line)
        if guards._CONTROL.search(line):
            line = guards._CONTROL.sub(" ", line)
        return list("".join(line.split()))

    def _tag(self, piece):
        return self.tokenize(piece)

    def detokenize(self, tokens):
        return "".join(tokens)
