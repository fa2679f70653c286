"""Tokenizers by name: get_tokenizer("kiwi" | "mecab" | ... | "char" | "sentencepiece:vocab=8000")."""

import logging
from pathlib import Path

from ..errors import ArtifactError, TokenizerError
from .tokenizer_base import Tokenizer
from .tokenizers_konlpy import HannanumTokenizer, KkmaTokenizer, KomoranTokenizer, OktTokenizer
from .tokenizers_korean import KiwiTokenizer, MecabTokenizer
from .tokenizers_plain import CharTokenizer, WhitespaceTokenizer
from .tokenizers_trained import SentencePieceTokenizer

__all__ = ["Tokenizer", "TOKENIZERS", "get_tokenizer", "tokenizer_from_config", "available_tokenizers",
           "parse_tokenizer_spec", "DEFAULT_TOKENIZER"]

logger = logging.getLogger("w2vlm")

DEFAULT_TOKENIZER = "kiwi"

# The registry: every tokenizer by name, in listing order. A new tokenizer is a class in text/tokenizers_*.py
# plus one entry here. A trained tokenizer (tokenizers_trained.py) is named the same way; its learned model is a
# file saved beside the model, named with its digest in the config.
TOKENIZERS = {cls.name: cls for cls in (KiwiTokenizer, MecabTokenizer, OktTokenizer, KomoranTokenizer,
                                        KkmaTokenizer, HannanumTokenizer, WhitespaceTokenizer, CharTokenizer,
                                        SentencePieceTokenizer)}


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


def tokenizer_from_config(config, directory=None):
    """The tokenizer a saved ``Tokenizer.config()`` describes (warns when the package version changed). A trained
    tokenizer's model file is read from ``directory`` (the model directory it was saved in) and must match the
    digest in ``config``."""
    config = dict(config)
    name = config.pop("name", None)
    saved_version = config.pop("version", None)
    pos = config.pop("pos", False)
    model_file, digest = config.pop("model_file", None), config.pop("model_sha256", None)
    tokenizer = _tokenizer_class(name)(pos=pos, **config)
    if model_file is not None or digest is not None:
        _load_model_file(tokenizer, model_file, digest, directory)
    current = tokenizer.version()
    if saved_version and current and saved_version != current:
        logger.warning("tokenizer %s was version %s when saved and is %s now; tokens may differ slightly",
                       name, saved_version, current)
    return tokenizer


def _tokenizer_class(name):
    if name not in TOKENIZERS:
        raise TokenizerError(f"unknown tokenizer '{name}'; choose one of: {', '.join(TOKENIZERS)}")
    return TOKENIZERS[name]


def _load_model_file(tokenizer, model_file, digest, directory):
    """Give a trained tokenizer its saved model file (untrusted: a plain name of the tokenizer's own file)."""
    if getattr(tokenizer, "model_file", None) is None or model_file != tokenizer.model_file or not digest:
        raise ArtifactError(f"the saved {tokenizer.name} tokenizer settings name the model file {model_file!r}; "
                            f"the model directory is damaged, train it again")
    if directory is None:
        raise TokenizerError(f"the {tokenizer.name} tokenizer's model is the file {model_file} saved with its model; "
                             f"load it from that model directory")
    path = Path(directory) / model_file
    try:
        data = path.read_bytes()
    except OSError as exc:
        raise ArtifactError(f"cannot read {path} ({exc.strerror or exc}); the model directory is damaged, "
                            f"train it again") from None
    tokenizer.load(data, digest, where=str(path))
