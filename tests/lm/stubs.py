"""Tiny stand-in language models with the RNNLM interface, for testing batching, training and scoring."""

from dataclasses import asdict, dataclass

import numpy as np

from w2vlm.nn.layers import Dropout, Embedding, SoftmaxWithLoss


@dataclass
class StubConfig:
    vocab_size: int
    dropout: float = 0.0

    def to_dict(self):
        return asdict(self)


class BigramLM:
    """logits(next | x) = W[x] (+ dropout): a trainable model without memory across time steps."""

    def __init__(self, vocab_size, rng=None, W=None, dropout=0.0):
        rng = rng if rng is not None else np.random.default_rng(0)
        self.config = StubConfig(vocab_size, dropout)
        if W is None:
            W = (0.01 * rng.standard_normal((vocab_size, vocab_size))).astype(np.float32)
        self.embed = Embedding(np.asarray(W, dtype=np.float32))
        self.dropout = Dropout(dropout, rng=rng)
        self.loss = SoftmaxWithLoss()
        self.params, self.grads = self.embed.params, self.embed.grads
        self.steps = 0

    def predict(self, xs):
        return self.dropout.forward(self.embed.forward(xs))   # (B, T) -> (B, T, V)

    def forward(self, xs, ts):
        self.steps += 1
        return self.loss.forward(self.predict(xs), ts)

    def backward(self):
        self.embed.backward(self.dropout.backward(self.loss.backward()))

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


class TinyVocab:
    """Just enough of text.vocab.Vocab for LMCheckpoint (len, save)."""

    def __init__(self, size):
        self.words = [f"w{i}" for i in range(size)]
        self.eos_id, self.unk_id = 1, 0

    def __len__(self):
        return len(self.words)

    def save(self, path):
        from w2vlm.artifacts import write_json
        write_json(path, {"words": self.words})
