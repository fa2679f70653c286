"""An encoded corpus read from its shard directory: checksummed, memory-mapped, mapped to a vocabulary piecewise."""

import json
from pathlib import Path

import numpy as np

from .. import atomic_files
from ..errors import ArtifactError
from . import shards as shard_files
from .shard_index import check_index, check_shard_arrays, check_types

PIECE_TOKENS = 1 << 20   # tokens per piece handed out by pieces(): bounds the memory of mapping a shard


class EncodedCorpus:
    """A tokenized corpus on disk: ids index ``types`` (ordered by count desc, then first occurrence); lines
    are cut by line offsets; no <eos> is stored. Arrays are read shard by shard with ``np.load(mmap_mode="r")``.
    ``ids``/``line_offsets``/``to_ids`` put the whole corpus in memory (small corpora, tests, the GPU path);
    ``pieces`` streams it."""

    def __init__(self, directory, index, types, counts, cache_hit=False):
        self.directory = Path(directory)
        self.index = index
        self.types = types
        self.counts = counts
        self.cache_hit = cache_hit

    @classmethod
    def load(cls, directory, verify=True, cache_hit=False):
        """Read the index and types of a shard directory; with ``verify`` check every file's sha256 first.
        A damaged, edited or incomplete directory raises ArtifactError naming the file (shard_index.py: plain
        names only, the index digest, counts against the arrays, ids in range)."""
        directory = Path(directory)
        index = atomic_files.read_json(directory / shard_files.INDEX)
        if not isinstance(index, dict) or index.get("kind") != shard_files.KIND:
            raise ArtifactError(f"{directory} is not a w2vlm shard directory (its {shard_files.INDEX} is of "
                                f"another kind); write one with `w2vlm encode CORPUS -o DIR`")
        if index.get("format") != shard_files.FORMAT:
            raise ArtifactError(f"{directory} holds shards of format {index.get('format')}, this w2vlm reads "
                                f"format {shard_files.FORMAT}; encode the corpus again")
        expected = check_index(index, directory / shard_files.INDEX)
        if verify:
            for name, sha in expected:
                path = directory / name
                if not path.is_file():
                    raise ArtifactError(f"{path} is missing; encode the corpus again")
                if shard_files.file_sha256(path) != sha:
                    raise ArtifactError(f"{path} does not match its checksum in {shard_files.INDEX} (damaged); "
                                        f"encode the corpus again")
        try:
            with open(directory / shard_files.TYPES, encoding="utf-8") as handle:
                data = json.load(handle)
            types, counts = list(data["types"]), np.asarray(data["counts"], dtype=np.int64)
        except (OSError, ValueError, KeyError, TypeError) as exc:
            raise ArtifactError(f"{directory / shard_files.TYPES} cannot be read ({exc}); encode the corpus "
                                f"again") from None
        if len(types) != len(counts) or not all(isinstance(t, str) for t in types):
            raise ArtifactError(f"{directory / shard_files.TYPES} has {len(types)} types but {len(counts)} counts, or a type "
                                f"that is not text; encode the corpus again")
        check_types(index, types, directory / shard_files.TYPES)
        encoded = cls(directory, index, types, counts, cache_hit=cache_hit)
        if verify:
            for k, shard in enumerate(encoded.shards):
                check_shard_arrays(shard, *encoded.shard(k), len(types), directory)
        return encoded

    # ---- what the index says -------------------------------------------------------------------------------
    @property
    def n_tokens(self):
        return int(self.index["n_tokens"])

    @property
    def n_lines(self):
        return int(self.index["n_lines"])

    @property
    def tokenizer_config(self):
        return self.index["tokenizer"]

    @property
    def description(self):
        return self.index.get("corpus", "")

    @property
    def digest(self):
        """The corpus fingerprint the shards were made from (content of every file + reading options)."""
        return self.index.get("digest")

    @property
    def cache_path(self):
        return str(self.directory)

    @property
    def shards(self):
        return self.index["shards"]

    def __repr__(self):
        return (f"EncodedCorpus({self.description!r}, {self.n_tokens:,} tokens, {self.n_lines:,} lines, "
                f"{len(self.shards)} shard(s) in {self.directory})")

    # ---- reading -----------------------------------------------------------------------------------------
    def shard(self, k):
        """``(ids, offsets)`` of shard ``k``, memory-mapped (read-only)."""
        name = self.shards[k]["name"]
        try:
            ids = np.load(self.directory / f"{name}.ids.npy", mmap_mode="r", allow_pickle=False)
            offsets = np.load(self.directory / f"{name}.offsets.npy", mmap_mode="r", allow_pickle=False)
        except (OSError, ValueError) as exc:
            raise ArtifactError(f"shard {name} of {self.directory} cannot be read ({exc}); encode the corpus "
                                f"again") from None
        return ids, offsets

    def pieces(self, max_tokens=PIECE_TOKENS, stop_line=None):
        """Yield ``(ids, offsets)`` host copies of consecutive runs of whole lines (offsets start at 0), each of
        at most ``max_tokens`` tokens unless one line is longer; ``stop_line`` ends before that line."""
        remaining = self.n_lines if stop_line is None else int(stop_line)
        for k in range(len(self.shards)):
            if remaining <= 0:
                return
            ids, offsets = self.shard(k)
            lines = min(len(offsets) - 1, remaining)
            remaining -= lines
            first = 0
            while first < lines:
                last = int(np.searchsorted(offsets, offsets[first] + max_tokens, side="right")) - 1
                last = min(max(last, first + 1), lines)
                start, stop = int(offsets[first]), int(offsets[last])
                yield np.array(ids[start:stop], dtype=np.int32), np.array(offsets[first:last + 1]) - start
                first = last
            del ids, offsets   # unmap this shard before the next one

    @property
    def ids(self):
        """All ids as one int32 array (in memory)."""
        parts = [ids for ids, _ in self.pieces()]
        return np.concatenate(parts) if parts else np.zeros(0, np.int32)

    @property
    def line_offsets(self):
        """All line offsets as one int64 array (in memory)."""
        return _join_offsets([offsets for _, offsets in self.pieces()])

    def line(self, i):
        """The tokens of line ``i`` as strings."""
        for k, shard in enumerate(self.shards):
            if i < shard["n_lines"]:
                ids, offsets = self.shard(k)
                return [self.types[j] for j in ids[offsets[i]:offsets[i + 1]]]
            i -= shard["n_lines"]
        raise IndexError(f"line {i} is past the end of the corpus")

    def line_counts(self, stop_line):
        """Counts of every type (in ``types`` order) over lines [0, stop_line)."""
        counts = np.zeros(len(self.types), dtype=np.int64)
        for ids, _ in self.pieces(stop_line=stop_line):
            counts += np.bincount(ids, minlength=len(self.types))
        return counts

    def vocab_table(self, vocab):
        """int64 table: type id -> ``vocab`` id, -1 for types outside it."""
        return np.fromiter((vocab.get(word, -1) for word in self.types), dtype=np.int64, count=len(self.types))

    def mapped_pieces(self, vocab, oov="unk", eos=False, max_tokens=PIECE_TOKENS):
        """:meth:`pieces` in ``vocab``'s ids (see :meth:`to_ids` for ``oov`` and ``eos``)."""
        table = self.vocab_table(vocab)
        for ids, offsets in self.pieces(max_tokens):
            yield map_ids(table, ids, offsets, vocab, oov=oov, eos=eos)

    def to_ids(self, vocab, oov="unk", eos=False):
        """``(ids int32, line_offsets int64)`` of the whole corpus in ``vocab``'s ids (in memory). ``oov="unk"``
        maps unknown tokens to unk_id (dropped when the vocabulary has no <unk>), ``oov="drop"`` removes them;
        ``eos=True`` appends vocab.eos_id after every line (the language-model stream)."""
        pieces = list(self.mapped_pieces(vocab, oov=oov, eos=eos))
        if not pieces:
            return np.zeros(0, np.int32), np.zeros(1, np.int64)
        return np.concatenate([ids for ids, _ in pieces]), _join_offsets([offsets for _, offsets in pieces])


def map_ids(table, ids, offsets, vocab, oov="unk", eos=False):
    """One run of lines (``ids``, ``offsets`` from 0) through ``table`` (type -> vocab id, -1 = OOV)."""
    if oov not in ("unk", "drop"):
        raise ValueError(f"oov must be 'unk' or 'drop', not {oov!r}")
    mapped = table[ids] if len(ids) else np.zeros(0, np.int64)   # (N,) vocab ids, -1 = OOV
    offsets = np.asarray(offsets, dtype=np.int64)
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
        out = np.empty(len(mapped) + n_lines, dtype=np.int64)
        # token j of line i moves right by i (the <eos> of the i lines before it)
        out[np.arange(len(mapped)) + np.repeat(np.arange(n_lines), np.diff(offsets))] = mapped
        out[offsets[1:] + np.arange(n_lines)] = vocab.eos_id
        mapped, offsets = out, offsets + np.arange(n_lines + 1)
    return mapped.astype(np.int32), offsets.astype(np.int64)


def _join_offsets(parts):
    """Concatenate per-piece offsets (each from 0) into one offsets array over the joined ids."""
    if not parts:
        return np.zeros(1, np.int64)
    ends = np.cumsum([0] + [int(p[-1]) for p in parts[:-1]])
    return np.concatenate([np.zeros(1, np.int64)] + [p[1:] + end for p, end in zip(parts, ends)]).astype(np.int64)

