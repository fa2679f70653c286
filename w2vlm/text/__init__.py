"""Text pipeline: corpora -> tokenizers -> vocabulary -> cached id streams (see ARCHITECTURE.md, data flow)."""

from .corpus import Corpus, open_corpus
from .encode import EncodedCorpus, encode_corpus
from .tokenize import Tokenizer, available_tokenizers, get_tokenizer, tokenizer_from_config
from .vocab import Vocab

__all__ = ["Corpus", "open_corpus", "Tokenizer", "get_tokenizer", "tokenizer_from_config", "available_tokenizers", "Vocab",
           "EncodedCorpus", "encode_corpus"]
