"""Tokenizers by name: get_tokenizer("kiwi" | "mecab" | "okt" | "komoran" | "kkma" | "hannanum" | "whitespace" | "char")."""

import unicodedata

from ..errors import TokenizerError
from . import guards
from .tokenizer_base import REGISTRY, Tokenizer, register
from . import tokenizers_korean  # noqa: F401,I001  (registers kiwi, mecab; order = listing order)
from . import tokenizers_konlpy  # noqa: F401  (registers okt, komoran, kkma, hannanum)

__all__ = ["Tokenizer", "get_tokenizer", "available_tokenizers", "parse_tokenizer_spec", "DEFAULT_TOKENIZER"]

DEFAULT_TOKENIZER = "kiwi"


@register
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


@register
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


def available_tokenizers():
    """The registered tokenizer names (whether their packages are installed is checked on use)."""
    return list(REGISTRY)


def _parse_value(text):
    lowered = text.strip().lower()
    if lowered in ("true", "yes", "on", "1", ""):
        return True
    if lowered in ("false", "no", "off", "0"):
        return False
    try:
        return int(lowered)
    except ValueError:
        return text.strip()


def parse_tokenizer_spec(spec):
    """``"okt:norm=true,stem"`` -> ``("okt", {"norm": True, "stem": True})``; a bare name has no options."""
    name, _, rest = str(spec).partition(":")
    options = {}
    for item in filter(None, (part.strip() for part in rest.split(","))):
        key, _, value = item.partition("=")
        options[key.strip()] = _parse_value(value)
    return name.strip().lower(), options


def get_tokenizer(name=DEFAULT_TOKENIZER, pos=False, **options):
    """A Tokenizer by registry name; ``name`` may carry options (``"okt:stem=true"``), keyword options win.
    Building one is cheap: the analyzer (model, JVM) loads on the first line it tags."""
    name, spec_options = parse_tokenizer_spec(name or DEFAULT_TOKENIZER)
    if name not in REGISTRY:
        raise TokenizerError(f"unknown tokenizer '{name}'; choose one of: {', '.join(REGISTRY)}")
    return REGISTRY[name](pos=pos, **{**spec_options, **options})
