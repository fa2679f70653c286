"""Word2vec (CBOW and skip-gram with negative sampling): training, word vectors, queries and evaluation."""

from .cbow import CBOW, SkipGram
from .train import History, Word2VecConfig, train_embeddings, train_word2vec
from .vectors import WordVectors

__all__ = ["CBOW", "SkipGram", "History", "Word2VecConfig", "train_embeddings", "train_word2vec", "WordVectors"]
