"""Word2vec (CBOW and skip-gram with negative sampling): training, word vectors, queries and evaluation."""

from .cbow import CBOW, SkipGram
from .eval_formats import detect_format
from .projector import write_projector
from .subword.file_format import is_subword_file, read_subword_file, write_subword_file
from ..history import History
from .recipe import train_embeddings
from .train import Word2VecConfig, train_vectors, train_word2vec
from .vectors import WordVectors
from .word2vec_format import UNICODE_ERRORS

__all__ = ["CBOW", "SkipGram", "History", "Word2VecConfig", "train_embeddings", "train_vectors", "train_word2vec",
           "WordVectors", "detect_format", "write_projector",
           "write_subword_file", "is_subword_file", "read_subword_file", "UNICODE_ERRORS"]
