"""Perplexity: exp of the mean cross-entropy over every token of a text (no dropped tail)."""

import math
import time
from dataclasses import dataclass

import numpy as np

from ..backend import array_module
from ..errors import TrainingError
from ..nn.fused import kernels_for
from ..nn.reference import token_nll_reference
from .batching import IGNORE, BPTTBatches


@dataclass
class Perplexity:
    """The result of scoring a token stream: ``ppl = exp(nll / tokens)``."""
    ppl: float
    nll: float        # summed negative log-likelihood in nats
    tokens: int       # every token of the stream, <eos> included
    seconds: float = 0.0

    @property
    def tokens_per_sec(self):
        return self.tokens / self.seconds if self.seconds > 0 else float("nan")

    def bits_per_character(self, characters):
        """The summed negative log-likelihood in bits over the ``characters`` of the original text (see
        :func:`count_characters`): unlike perplexity, comparable across tokenizers (kiwi, mecab, char, whitespace)."""
        if characters <= 0:
            raise ValueError("bits per character needs a text with at least one character")
        return self.nll / math.log(2) / characters


def count_characters(lines):
    """Characters of a text as the model reads it (stripped, non-blank lines), plus one per line for the newline
    that the line's scored <eos> stands for."""
    return sum(len(line) + 1 for line in lines)


def score_stream(model, ids, start_id, batch_size=10, bptt=35, progress=False):
    """Score every token of ``ids`` (a host int array with ``<eos>`` after each line) under ``model``.

    Protocol: the stream is prefixed with one ``<eos>`` (see ``batching.stream_pairs``), cut into
    ``batch_size`` contiguous rows padded at the end with ignored labels, and read in windows of ``bptt``
    with the hidden state carried across windows. Each row starts from a zero state, so a smaller batch
    gives an RNN slightly more context (batch 1 = the whole text as one sequence); models without memory
    score the same for every batch size. The model is left in eval mode with its state reset.
    """
    from tqdm.auto import tqdm

    batches = BPTTBatches(ids, batch_size, bptt, start_id, pad=True)
    xp = _xp_of(model)
    fused = getattr(model, "fused", False)
    model.eval()
    model.reset_state()
    total = xp.zeros((), dtype=xp.float64)
    started = time.perf_counter()
    windows = batches.on_device(xp)                          # the streams uploaded once, windows cut there
    for xs, ts in tqdm(windows, total=len(batches), desc="evaluate", leave=False, disable=not progress or None,
                       unit="batch"):
        logits = model.predict(xs)                           # (B, T) -> (B, T, V)
        total = total + token_nll(logits, ts, fused=fused).sum(dtype=xp.float64)
    nll = float(total)
    seconds = time.perf_counter() - started
    model.reset_state()
    count = batches.n_targets
    if not math.isfinite(nll):
        raise TrainingError("the model gives a non-finite loss on the evaluation text; its parameters are damaged")
    return Perplexity(ppl=math.exp(nll / count), nll=nll, tokens=count, seconds=seconds)


def perplexity(model, ids, start_id, batch_size=10, bptt=35):
    """exp(mean cross-entropy) over every token of ``ids``, as a Python float."""
    return score_stream(model, ids, start_id, batch_size=batch_size, bptt=bptt).ppl


def token_nll(logits, targets, fused=False):
    """Per-position negative log-likelihood (B, T); 0 where the target is IGNORE.

    ``fused`` on CuPy arrays: one CUDA row pass (``fast_gpu.token_nll``) with no (B*T, V) temporaries, when
    that kernel family passed its self-check; otherwise (and on NumPy) the one reference cross-entropy.
    """
    kernels = kernels_for(logits, "softmax", fused)
    if hasattr(kernels, "token_nll"):  # the CUDA kernels have one; on NumPy the plain pass is the fast one
        return kernels.token_nll(logits, targets, IGNORE)
    return token_nll_reference(logits, targets, IGNORE)


def _xp_of(model):
    return array_module(model.params[0]) if getattr(model, "params", None) else np
