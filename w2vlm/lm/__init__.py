"""Language models: RNNLM (RNN/LSTM, dropout, weight tying) and its configuration."""

from .model import LMConfig, RNNLM

__all__ = ["LMConfig", "RNNLM"]
