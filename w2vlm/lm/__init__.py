"""Language models: RNNLM (RNN/LSTM, dropout, weight tying), the train_lm recipe, perplexity and generation."""

from ..history import History
from .checkpoint import LanguageModel, load_lm, save_lm
from .evaluate import Perplexity, count_characters, perplexity, score_stream
from .generate import MAX_GENERATE_LENGTH, generate_text, stream_text
from .model import LMConfig, RNNLM
from .protocol import LMProtocol
from .recipe import train_lm
from .scoring import TextPerplexity, score_perplexity
from .train import TrainConfig

__all__ = ["LMConfig", "RNNLM", "LMProtocol", "TrainConfig", "History", "train_lm", "LanguageModel",
           "load_lm", "save_lm", "Perplexity", "count_characters", "perplexity", "score_stream", "score_perplexity",
           "TextPerplexity", "generate_text", "stream_text", "MAX_GENERATE_LENGTH"]
