"""One pass from corpus to an int32 id stream with line offsets, cached on disk by corpus content + tokenizer."""

import array
import collections
import hashlib
import json
import logging
import os
import time
from dataclasses import dataclass, field
from pathlib import Path

import numpy as np

from .. import artifacts
from ..errors import ArtifactError, CorpusError

logger = logging.getLogger("w2vlm")

CACHE_FORMAT = 1


@dataclass
class EncodedCorpus:
    """A tokenized corpus: ``ids`` index ``types`` (ordered by count desc, then first occurrence);
    line i is ``ids[line_offsets[i]:line_offsets[i + 1]]``; no <eos> is stored."""

    types: list
    counts: np.ndarray
    ids: np.ndarray
    line_offsets: np.ndarray
    tokenizer_config: dict
    cache_hit: bool = False
    description: str = ""
    cache_path: str = field(default=None, repr=False)

    @property
    def n_tokens(self):
        return int(self.ids.shape[0])

    @property
    def n_lines(self):
        return int(self.line_offsets.shape[0]) - 1

    def line(self, i):
        """The tokens of line ``i`` as strings."""
        return [self.types[j] for j in self.ids[self.line_offsets[i]:self.line_offsets[i + 1]]]

    def to_ids(self, vocab, oov="unk", eos=False):
        """``(ids int32, line_offsets int64)`` in ``vocab``'s ids. ``oov="unk"`` maps unknown tokens to unk_id
        (dropped when the vocabulary has no <unk>), ``oov="drop"`` removes them; ``eos=True`` appends
        vocab.eos_id after every line (the language-model stream)."""
        if oov not in ("unk", "drop"):
            raise ValueError(f"oov must be 'unk' or 'drop', not {oov!r}")
        table = np.fromiter((vocab.get(word, -1) for word in self.types), dtype=np.int64, count=len(self.types))
        mapped = table[self.ids] if self.n_tokens else np.zeros(0, np.int64)  # (N,) vocab ids, -1 = OOV
        offsets = self.line_offsets
        if oov == "unk" and vocab.unk_id is not None:
            mapped[mapped < 0] = vocab.unk_id
        else:
            keep = mapped >= 0
            kept_before = np.concatenate([[0], np.cumsum(keep, dtype=np.int64)])
            offsets = kept_before[offsets]
            mapped = mapped[keep]
        if eos:
            if vocab.eos_id is None:
                raise ValueError("eos=True needs a vocabulary with <eos> (specials=('<unk>', '<eos>'))")
            n_lines = len(offsets) - 1
            lengths = np.diff(offsets)
            out = np.empty(len(mapped) + n_lines, dtype=np.int64)
            # token j of line i moves right by i (the <eos> of the i lines before it)
            out[np.arange(len(mapped)) + np.repeat(np.arange(n_lines), lengths)] = mapped
            out[offsets[1:] + np.arange(n_lines)] = vocab.eos_id
            mapped, offsets = out, offsets + np.arange(n_lines + 1)
        return mapped.astype(np.int32), offsets.astype(np.int64)


def default_cache_dir():
    """$W2VLM_CACHE, else ~/.cache/w2vlm."""
    env = os.environ.get("W2VLM_CACHE")
    return Path(env).expanduser() if env else Path.home() / ".cache" / "w2vlm"


def cache_key(corpus, tokenizer):
    """sha256 of the corpus fingerprint and the tokenizer config (name, version, pos, options)."""
    payload = json.dumps({"corpus": corpus.fingerprint(), "tokenizer": tokenizer.config(), "format": CACHE_FORMAT},
                         sort_keys=True, ensure_ascii=False)
    return hashlib.sha256(payload.encode("utf-8")).hexdigest()[:32]


def _tokenize_and_count(corpus, tokenizer, workers, progress):
    """Stream tokens into provisional ids (first-occurrence order), then sort the types by count."""
    index = collections.defaultdict()
    index.default_factory = index.__len__  # an unseen token gets the next id, all inside C
    lookup = index.__getitem__
    ids = array.array("i")
    offsets = array.array("q", [0])
    for tokens in tokenizer.tokenize_lines(corpus, workers=workers, progress=progress):
        ids.extend(map(lookup, tokens))
        offsets.append(len(ids))
    provisional = np.frombuffer(ids, dtype=np.int32) if len(ids) else np.zeros(0, np.int32)
    first_seen = list(index)
    counts = np.bincount(provisional, minlength=len(first_seen)).astype(np.int64)
    order = np.argsort(-counts, kind="stable")  # count desc, ties by first occurrence
    remap = np.empty(len(order), dtype=np.int32)
    remap[order] = np.arange(len(order), dtype=np.int32)
    types = [first_seen[i] for i in order]
    return types, counts[order], remap[provisional], np.frombuffer(offsets, dtype=np.int64).copy()


def _load_cached(stem, tokenizer_config):
    meta_path, arrays_path = stem.with_suffix(".json"), stem.with_suffix(".npz")
    if not (meta_path.is_file() and arrays_path.is_file()):
        return None
    try:
        meta = artifacts.read_json(meta_path)
        arrays = artifacts.load_arrays(arrays_path)
        if meta.get("format") != CACHE_FORMAT or len(meta["types"]) != len(arrays["counts"]):
            return None
        return EncodedCorpus(meta["types"], arrays["counts"].astype(np.int64), arrays["ids"].astype(np.int32),
                             arrays["line_offsets"].astype(np.int64), meta["tokenizer"], cache_hit=True,
                             description=meta.get("corpus", ""), cache_path=str(stem))
    except (ArtifactError, KeyError, ValueError) as exc:
        logger.warning("ignoring a damaged encode cache %s (%s)", stem, exc)
        return None


def _save_cached(stem, encoded):
    try:
        # arrays first, then the JSON: a cache entry counts only once its JSON exists
        artifacts.save_arrays(stem.with_suffix(".npz"), {"ids": encoded.ids, "counts": encoded.counts,
                                                         "line_offsets": encoded.line_offsets})
        artifacts.write_json(stem.with_suffix(".json"), {
            "format": CACHE_FORMAT, "corpus": encoded.description, "tokenizer": encoded.tokenizer_config,
            "n_tokens": encoded.n_tokens, "n_lines": encoded.n_lines, "types": encoded.types})
        encoded.cache_path = str(stem)
    except OSError as exc:
        logger.warning("could not write the encode cache under %s (%s); continuing without it", stem.parent, exc)


def encode_corpus(corpus, tokenizer, *, workers=1, cache_dir=None, progress=True, cache=True):
    """Tokenize ``corpus`` once into an EncodedCorpus. With ``cache`` (default) the result is stored under
    ``cache_dir``/encoded (default $W2VLM_CACHE or ~/.cache/w2vlm) and a second call with the same corpus
    content and tokenizer settings loads it and logs "cache hit"."""
    config = tokenizer.config()
    stem = None
    if cache:
        stem = Path(cache_dir).expanduser() if cache_dir else default_cache_dir()
        stem = stem / "encoded" / cache_key(corpus, tokenizer)
        start = time.perf_counter()
        cached = _load_cached(stem, config)
        if cached is not None:
            logger.info("cache hit: %s with %s (%s tokens, %s lines) loaded in %.2fs from %s (skipped tokenization)",
                        corpus.describe(), tokenizer.name, f"{cached.n_tokens:,}", f"{cached.n_lines:,}",
                        time.perf_counter() - start, stem.parent)
            return cached
    start = time.perf_counter()
    types, counts, ids, offsets = _tokenize_and_count(corpus, tokenizer, workers, progress)
    elapsed = time.perf_counter() - start
    if len(ids) == 0:
        raise CorpusError(f"corpus {corpus.describe()} gave no tokens with tokenizer {tokenizer.name}")
    encoded = EncodedCorpus(types, counts, ids, offsets, config, description=corpus.describe())
    logger.info("tokenized %s with %s: %s tokens, %s types, %s lines in %.1fs (%s tokens/s)",
                corpus.describe(), tokenizer.name, f"{len(ids):,}", f"{len(types):,}", f"{len(offsets) - 1:,}",
                elapsed, f"{len(ids) / max(elapsed, 1e-9):,.0f}")
    if stem is not None:
        _save_cached(stem, encoded)
    return encoded
