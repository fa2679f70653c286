"""Text generation from a language model: temperature, top-k and nucleus (top-p) sampling (Holtzman et al. 2020)."""

import logging
import math
import os

import numpy as np

from ..backend import array_module, to_cpu
from ..errors import TrainingError, UnknownWordError

logger = logging.getLogger("w2vlm")
MAX_GENERATE_LENGTH = 100_000   # tokens per call: the ids and the text are held in memory


def encode_prompt(text, tokenizer, vocab):
    """Prompt text -> (ids, tokens, unknown_words); unknown words become ``<unk>`` (or are dropped without one).

    Raises UnknownWordError when no prompt word is in the vocabulary (nothing to condition on).
    """
    tokens = tokenizer.tokenize(text) if text else []
    unknown = [t for t in tokens if t not in vocab]
    if tokens and len(unknown) == len(tokens):
        raise UnknownWordError(f"no word of the prompt {text!r} is in the model's vocabulary "
                               f"({len(vocab):,} words; tokens: {' '.join(tokens)}); try other words")
    if unknown:
        logger.warning("prompt words not in the vocabulary%s: %s",
                       " (read as <unk>)" if vocab.unk_id is not None else " (left out)", ", ".join(unknown))
    if vocab.unk_id is None:
        tokens = [t for t in tokens if t in vocab]
    return [int(i) for i in vocab.encode(tokens)], tokens, unknown


def sample_next(logits, rng, temperature=1.0, top_k=0, top_p=1.0, banned=()):
    """Draw one id from host ``logits`` (V,). temperature 0 -> argmax; ``banned`` ids are never drawn."""
    logits = np.asarray(logits, dtype=np.float64).copy()
    if len(banned):
        logits[list(banned)] = -np.inf
    if not np.isfinite(logits).any():
        raise TrainingError("every token is excluded by --skip; skip fewer tokens")
    if temperature <= 0:
        return int(np.argmax(logits))
    logits = logits / temperature
    if 0 < top_k < len(logits):
        kth = np.partition(logits, -top_k)[-top_k]
        logits[logits < kth] = -np.inf
    probs = np.exp(logits - logits.max())
    probs /= probs.sum()
    if top_p < 1.0:
        order = np.argsort(-probs, kind="stable")
        cumulative = np.cumsum(probs[order])
        keep = order[: int(np.searchsorted(cumulative, top_p)) + 1]  # smallest prefix with mass >= top_p
        mask = np.zeros_like(probs)
        mask[keep] = probs[keep]
        probs = mask / mask.sum()
    return int(rng.choice(len(probs), p=probs))


def iter_generated_ids(model, prompt_ids, start_id, length, rng, temperature=1.0, top_k=0, top_p=1.0,
                       skip_ids=(), stop_id=None):
    """Yield up to ``length`` new ids, one as soon as it is drawn, after ``[start_id] + prompt_ids`` (the start
    id marks a line start). Stops early after drawing ``stop_id`` (e.g. ``<eos>``), which is yielded."""
    if not (0 <= length <= MAX_GENERATE_LENGTH and 0 <= temperature < math.inf and top_k >= 0 and 0 < top_p <= 1):
        raise TrainingError(f"--length must be 0 to {MAX_GENERATE_LENGTH:,}, --temperature a finite number >= 0, "
                            f"--top-k >= 0 and --top-p in (0, 1]")
    xp = array_module(model.params[0])
    model.eval()
    model.reset_state()
    context = np.array([[start_id] + list(prompt_ids)], dtype=np.int32)   # (1, P+1)
    try:
        for _ in range(length):
            logits = model.predict(xp.asarray(context))                  # (1, T, V): T = P+1, then 1
            next_id = sample_next(to_cpu(logits[0, -1]), rng, temperature, top_k, top_p, skip_ids)
            yield next_id
            if stop_id is not None and next_id == stop_id:
                break
            context = np.array([[next_id]], dtype=np.int32)
    finally:
        model.reset_state()


def generate_ids(model, prompt_ids, start_id, length, rng, temperature=1.0, top_k=0, top_p=1.0, skip_ids=(),
                 stop_id=None):
    """The list of ids ``iter_generated_ids`` yields."""
    return list(iter_generated_ids(model, prompt_ids, start_id, length, rng, temperature, top_k, top_p, skip_ids,
                                   stop_id))


def tokens_to_text(tokens, tokenizer, eos="<eos>"):
    """Readable text: lines split at ``eos``, each joined by ``tokenizer.detokenize``."""
    lines, current = [], []
    for token in tokens:
        if token == eos:
            lines.append(current)
            current = []
        else:
            current.append(token)
    if current or not lines:
        lines.append(current)
    return "\n".join(tokenizer.detokenize(tokens) for tokens in lines)


def _prepare(lm, prompt, skip):
    prompt_ids, prompt_tokens, unknown = encode_prompt(prompt, lm.tokenizer, lm.vocab)
    skip_ids = []
    for token in skip:
        if token not in lm.vocab:
            raise UnknownWordError(f"--skip {token!r} is not in the model's vocabulary ({len(lm.vocab):,} words)")
        skip_ids.append(lm.vocab.index(token))
    return prompt_ids, prompt_tokens, unknown, skip_ids


def generate_text(lm, prompt="", length=50, rng=None, temperature=1.0, top_k=0, top_p=1.0, skip=(),
                  stop_at_eos=False):
    """Prompt + continuation as text from a loaded ``artifact.LanguageModel``; returns a dict for the CLI."""
    rng = rng if rng is not None else np.random.default_rng()
    vocab = lm.vocab
    prompt_ids, prompt_tokens, unknown, skip_ids = _prepare(lm, prompt, skip)
    new_ids = generate_ids(lm.model, prompt_ids, lm.start_id, length, rng, temperature, top_k, top_p, skip_ids,
                           stop_id=vocab.eos_id if stop_at_eos else None)
    if stop_at_eos and new_ids and new_ids[-1] == vocab.eos_id:
        new_ids = new_ids[:-1]
    # the prompt is shown as typed (unknown words too, not <unk>), so that the tokenizer can join it back
    tokens = prompt_tokens + [vocab.words[i] for i in new_ids]
    return {"prompt": prompt, "unknown": unknown, "tokens": tokens,
            "text": tokens_to_text(tokens, lm.tokenizer, vocab.eos)}


def stream_text(lm, prompt="", length=50, rng=None, temperature=1.0, top_k=0, top_p=1.0, skip=(),
                stop_at_eos=False):
    """Yield the text ``generate_text`` returns in pieces, as tokens are drawn.

    A joining tokenizer may still change the last word when the next morpheme arrives (하 + ㅂ니다 -> 합니다), so
    a line's text is yielded up to its last space once the token after it is known, and the rest at the line's
    end. With the same ``rng`` the pieces add up to ``generate_text(...)["text"]``.
    """
    rng = rng if rng is not None else np.random.default_rng()
    vocab = lm.vocab
    prompt_ids, line, _, skip_ids = _prepare(lm, prompt, skip)
    shown, newline_due, ended_line = "", False, False
    ids = iter_generated_ids(lm.model, prompt_ids, lm.start_id, length, rng, temperature, top_k, top_p, skip_ids,
                             stop_id=vocab.eos_id if stop_at_eos else None)
    for next_id in ids:
        if next_id == vocab.eos_id:
            if stop_at_eos:
                break
            yield ("\n" if newline_due else "") + _rest(lm.tokenizer.detokenize(line), shown)
            line, shown, newline_due, ended_line = [], "", True, True
            continue
        line.append(vocab.words[next_id])
        settled = os.path.commonprefix([lm.tokenizer.detokenize(line[:-1]), lm.tokenizer.detokenize(line)])
        settled = settled[:settled.rfind(" ") + 1]
        if len(settled) > len(shown) and settled.startswith(shown):
            yield ("\n" if newline_due else "") + settled[len(shown):]
            shown, newline_due = settled, False
    if line or not ended_line:
        yield ("\n" if newline_due else "") + _rest(lm.tokenizer.detokenize(line), shown)


def _rest(text, shown):
    """What is left of a line's ``text`` after the part already ``shown`` (a printed piece cannot be undone; the
    settled part is a prefix of the full line for the tokenizers w2vlm has, which the tests check)."""
    return text[len(shown):]
