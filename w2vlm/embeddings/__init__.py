"""Word2vec (CBOW and skip-gram with negative sampling): training, word vectors, queries and evaluation."""

from .cbow import CBOW, SkipGram
from .eval_formats import detect_format
from .projector import write_projector
from .training.run_state import ResumePoint, describe as describe_run_state
from .subword.file_format import is_subword_file, read_subword_file, write_subword_file
from ..history import History
from .train import Word2VecConfig, train_embeddings, train_word2vec
from .vectors import WordVectors
from .word2vec_format import UNICODE_ERRORS

__all__ = ["CBOW", "SkipGram", "History", "Word2VecConfig", "train_embeddings", "train_word2vec",
           "WordVectors", "ResumePoint", "describe_run_state", "detect_format", "write_projector",
           "write_subword_file", "is_subword_file", "read_subword_file", "UNICODE_ERRORS"]
