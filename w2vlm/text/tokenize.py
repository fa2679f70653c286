"""Tokenizers by name: get_tokenizer("kiwi" | "mecab" | "okt" | "komoran" | "kkma" | "hannanum" | "whitespace" | "char")."""

import logging

from ..errors import TokenizerError
from .tokenizer_base import Tokenizer
from .tokenizers_konlpy import HannanumTokenizer, KkmaTokenizer, KomoranTokenizer, OktTokenizer
from .tokenizers_korean import KiwiTokenizer, MecabTokenizer
from .tokenizers_plain import CharTokenizer, WhitespaceTokenizer

__all__ = ["Tokenizer", "TOKENIZERS", "get_tokenizer", "tokenizer_from_config", "available_tokenizers",
           "parse_tokenizer_spec", "DEFAULT_TOKENIZER"]

logger = logging.getLogger("w2vlm")

DEFAULT_TOKENIZER = "kiwi"

# The registry: every tokenizer by name, in listing order. A new tokenizer is a class in text/tokenizers_*.py
# plus one entry here.
TOKENIZERS = {cls.name: cls for cls in (KiwiTokenizer, MecabTokenizer, OktTokenizer, KomoranTokenizer,
                                        KkmaTokenizer, HannanumTokenizer, WhitespaceTokenizer, CharTokenizer)}


def available_tokenizers():
    """The registered tokenizer names (whether their packages are installed is checked on use)."""
    return list(TOKENIZERS)


def _parse_value(text):
    """``true``/``false`` (or a bare key: true) -> bool, digits -> int, anything else stays text (the tokenizer
    then refuses a value of the wrong type)."""
    lowered = text.strip().lower()
    if lowered in ("true", ""):
        return True
    if lowered == "false":
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
    return _tokenizer_class(name)(pos=pos, **{**spec_options, **options})


def tokenizer_from_config(config):
    """The tokenizer a saved ``Tokenizer.config()`` describes (warns when the package version changed)."""
    config = dict(config)
    name = config.pop("name", None)
    saved_version = config.pop("version", None)
    pos = config.pop("pos", False)
    tokenizer = _tokenizer_class(name)(pos=pos, **config)
    current = tokenizer.version()
    if saved_version and current and saved_version != current:
        logger.warning("tokenizer %s was version %s when saved and is %s now; tokens may differ slightly",
                       name, saved_version, current)
    return tokenizer


def _tokenizer_class(name):
    if name not in TOKENIZERS:
        raise TokenizerError(f"unknown tokenizer '{name}'; choose one of: {', '.join(TOKENIZERS)}")
    return TOKENIZERS[name]
