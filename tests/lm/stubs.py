"""Tiny stand-in language models that follow lm.protocol.LMProtocol, for testing batching, training and scoring."""

from dataclasses import asdict, dataclass

import numpy as np

from w2vlm.nn.layers import Embedding
from w2vlm.nn.time_layers import TimeDropout, TimeSoftmaxWithLoss
from w2vlm.text import Vocab


@dataclass
class StubConfig:
    vocab_size: int
    dropout: float = 0.0

    def to_dict(self):
        return asdict(self)


class BigramLM:
    """logits(next | x) = W[x] (+ dropout): a trainable model without memory across time steps."""

    def __init__(self, vocab_size, rng=None, W=None, dropout=0.0):
        self.rng = rng = rng if rng is not None else np.random.default_rng(0)
        self.config = StubConfig(vocab_size, dropout)
        if W is None:
            W = (0.01 * rng.standard_normal((vocab_size, vocab_size))).astype(np.float32)
        self.embed = Embedding(np.asarray(W, dtype=np.float32))
        self.dropout = TimeDropout(dropout, rng=rng)
        self.loss = TimeSoftmaxWithLoss()
        self.params, self.grads = self.embed.params, self.embed.grads
        self.steps = 0

    def predict(self, xs):
        return self.dropout.forward(self.embed.forward(xs))   # (B, T) -> (B, T, V)

    def forward(self, xs, ts):
        self.steps += 1
        return self.loss.forward(self.predict(xs), ts)

    def backward(self, dout=1.0):
        self.embed.backward(self.dropout.backward(self.loss.backward(dout)))

    def train(self):
        self.dropout.train = True

    def eval(self):
        self.dropout.train = False

    def reset_state(self):
        pass

    def get_state(self):
        return None

    def set_state(self, state):
        pass

    def state_dict(self):
        return {"W": self.params[0].copy()}

    def load_state_dict(self, d):
        self.params[0][...] = d["W"]


class UniformLM(BigramLM):
    """Every token equally likely: perplexity = vocabulary size."""

    def __init__(self, vocab_size):
        super().__init__(vocab_size, W=np.zeros((vocab_size, vocab_size), dtype=np.float32))


class CountingLM(BigramLM):
    """A model whose hidden state counts the tokens seen since reset (to check state carrying)."""

    def __init__(self, vocab_size):
        super().__init__(vocab_size)
        self.seen = 0
        self.resets = 0

    def predict(self, xs):
        self.seen += xs.size
        return super().predict(xs)

    def reset_state(self):
        self.resets += 1
        self.seen = 0


def tiny_vocab(size):
    """A real Vocab of ``size`` words: <unk> (id 0), <eos> (id 1), then w2, w3, ..."""
    words = ["<unk>", "<eos>"] + [f"w{i}" for i in range(2, size)]
    return Vocab(words, [0, 0] + [size - i for i in range(2, size)])
