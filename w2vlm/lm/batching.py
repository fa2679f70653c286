"""Contiguous truncated-BPTT batches of a token stream (Zaremba et al. 2014; the book's ch. 5-6 layout)."""

import numpy as np

from ..errors import TrainingError

IGNORE = -1  # target label of padding positions; they count toward no loss and no perplexity


def stream_pairs(ids, start_id):
    """(inputs, targets) for a token stream: every token is a target, the first one after ``start_id``.

    A language-model stream ends every line with ``<eos>``, so prefixing one more ``<eos>`` as the first input
    means the first word is predicted from the same "start of line" context as every other line's first word,
    and no token of the text goes unscored.
    """
    if hasattr(ids, "inputs") and hasattr(ids, "targets"):   # a stream.TokenStream: two views, nothing copied
        return ids.inputs, ids.targets
    ids = np.asarray(ids, dtype=np.int32)
    inputs = np.empty_like(ids)
    if len(ids):
        inputs[0] = start_id
        inputs[1:] = ids[:-1]
    return inputs, ids


def to_streams(ids, batch_size, start_id, pad=False):
    """Cut a stream into ``batch_size`` contiguous rows: (inputs, targets), each (B, L).

    Row b holds tokens [b*L, (b+1)*L). With ``pad=False`` (training) L = N // B and the last N mod B tokens
    are dropped (fewer than B). With ``pad=True`` (evaluation) L = ceil(N / B) and the end of the last row is
    filled with input 0 and target IGNORE, so every token of the stream is scored exactly once.
    """
    inputs, targets = stream_pairs(ids, start_id)
    n = len(targets)
    if n == 0:
        raise TrainingError("the token stream is empty; give a corpus with at least one non-blank line")
    if pad:
        length = -(-n // batch_size)
        extra = length * batch_size - n
        inputs = np.concatenate([inputs, np.zeros(extra, dtype=np.int32)])
        targets = np.concatenate([targets, np.full(extra, IGNORE, dtype=np.int32)])
    else:
        length = n // batch_size
        if length < 2:
            raise TrainingError(f"the training text has {n:,} tokens, fewer than 2 per stream for --batch-size "
                                f"{batch_size}; use a larger corpus or a smaller --batch-size")
        inputs, targets = inputs[:length * batch_size], targets[:length * batch_size]
    return inputs.reshape(batch_size, length), targets.reshape(batch_size, length)


class BPTTBatches:
    """Windows of ``bptt`` time steps over (B, L) streams, left to right; the last window may be shorter.

    The model's hidden state is carried from one window to the next by the caller (a stateful model), which
    is what makes the truncation "truncated BPTT" rather than independent chunks.
    """

    def __init__(self, ids, batch_size, bptt, start_id, pad=False):
        if batch_size < 1 or bptt < 1:
            raise TrainingError("--batch-size and --bptt must be at least 1")
        self.inputs, self.targets = to_streams(ids, batch_size, start_id, pad=pad)
        self.batch_size, self.bptt = batch_size, bptt
        self.n_targets = int((self.targets != IGNORE).sum())

    def __len__(self):
        return -(-self.inputs.shape[1] // self.bptt)

    def __iter__(self):
        """Yield host int32 arrays (xs, ts), each (B, T) with T <= bptt."""
        return self.on_device(np)

    def on_device(self, xp):
        """The same windows as views of the two streams uploaded to ``xp`` once (one upload each per call)."""
        inputs, targets = xp.asarray(self.inputs), xp.asarray(self.targets)
        length = self.inputs.shape[1]
        for start in range(0, length, self.bptt):
            stop = min(start + self.bptt, length)
            yield inputs[:, start:stop], targets[:, start:stop]
