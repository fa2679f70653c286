"""Text pipeline: corpora -> tokenizers -> vocabulary -> cached id streams (see ARCHITECTURE.md, data flow)."""

from . import cache, catalog
from .corpus import Corpus, open_corpus, reopen_corpus
from .discover import discover_words, format_user_dict_line
from .encode import EncodedCorpus, encode_corpus, encode_to_directory
from .shards import SHARD_TOKENS, is_shard_dir
from .tokenize import Tokenizer, available_tokenizers, get_tokenizer, parse_tokenizer_spec, tokenizer_from_config
from .user_dict import read_user_dict
from .vocab import Vocab

__all__ = ["Corpus", "open_corpus", "reopen_corpus", "Tokenizer", "get_tokenizer", "tokenizer_from_config", "available_tokenizers",
           "parse_tokenizer_spec", "Vocab", "EncodedCorpus", "encode_corpus", "encode_to_directory", "SHARD_TOKENS",
           "is_shard_dir", "read_user_dict", "discover_words", "format_user_dict_line", "cache", "catalog"]
