"""Encoded corpora on disk: int32 id shards + line offsets written incrementally, merged into one id order.

A shard directory holds ``index.json`` (format, counts, tokenizer settings, corpus digest, the sha256 of every
other file, and ``index_sha256`` over all of that: text/shard_index.py is its one loader), ``types.json`` (the types, most frequent first, and their counts) and per shard
``NAME.ids.npy`` (int32 ids into types.json) and ``NAME.offsets.npy`` (int64, line i of the shard is
``ids[offsets[i]:offsets[i + 1]]``). Writing happens in two steps, so that any number of tasks can tokenize
parts of a corpus at once: each task's :class:`ShardWriter` writes shards with task-local ids (first
occurrence order) and returns the local types and counts; :func:`merge_types` orders all types globally (count
desc, then first occurrence in corpus order) and :func:`rewrite_shard` rewrites a shard to those ids. The ids
therefore depend only on the text, never on how it was cut into tasks. Directories may be fsspec URLs.
"""

import array
import collections
import hashlib
import io
import json
import os

import numpy as np

from .. import atomic_files
from .shard_index import seal

FORMAT = 3   # 3: index.json carries index_sha256 over its names and counts
INDEX = "index.json"
TYPES = "types.json"
KIND = "w2vlm-shards"
SHARD_TOKENS = 8 << 20   # tokens per shard (32 MB of int32 ids)


def is_url(path):
    return "://" in str(path)


def join(directory, name):
    return f"{str(directory).rstrip('/')}/{name}"


def write_file(path, data):
    """Write bytes atomically (local path) or in one put (fsspec URL); return their sha256."""
    if is_url(path):
        import fsspec
        with fsspec.open(path, "wb") as handle:
            handle.write(data)
    else:
        atomic_files.write_bytes(path, data)
    return hashlib.sha256(data).hexdigest()


def read_file(path):
    if is_url(path):
        import fsspec
        with fsspec.open(path, "rb") as handle:
            return handle.read()
    with open(path, "rb") as handle:
        return handle.read()


def npy_bytes(values):
    buffer = io.BytesIO()
    np.save(buffer, values, allow_pickle=False)
    return buffer.getvalue()


def file_sha256(path):
    digest = hashlib.sha256()
    with open(path, "rb") as handle:
        for block in iter(lambda: handle.read(1 << 20), b""):
            digest.update(block)
    return digest.hexdigest()


class ShardWriter:
    """Tokenized lines -> shards ``PREFIX-00000`` ... under ``directory``, one every ``shard_tokens`` tokens.

    Ids are local to this writer (first occurrence); :meth:`close` returns the record :func:`merge_types`
    needs: ``{"shards": [{"name", "n_tokens", "n_lines"}], "types": [...], "counts": [...]}``.
    """

    def __init__(self, directory, prefix, shard_tokens=SHARD_TOKENS):
        self.directory, self.prefix, self.shard_tokens = directory, prefix, max(1, int(shard_tokens))
        self.n_tokens = 0   # written so far, the buffered shard included
        index = collections.defaultdict()
        index.default_factory = index.__len__   # an unseen token gets the next local id, all inside C
        self._index, self._lookup = index, index.__getitem__
        self.counts = np.zeros(0, dtype=np.int64)
        self.shards = []
        self._ids, self._offsets = array.array("i"), array.array("q", [0])

    def add(self, tokens):
        """Append one line (a list of tokens; an empty list is an empty line)."""
        self._ids.extend(map(self._lookup, tokens))
        self._offsets.append(len(self._ids))
        self.n_tokens += len(tokens)
        if len(self._ids) >= self.shard_tokens:
            self._flush()

    def _flush(self):
        if len(self._offsets) == 1:
            return
        ids = np.frombuffer(self._ids, dtype=np.int32) if len(self._ids) else np.zeros(0, np.int32)
        name = f"{self.prefix}-{len(self.shards):05d}"
        write_file(join(self.directory, f"{name}.ids.npy"), npy_bytes(ids))
        write_file(join(self.directory, f"{name}.offsets.npy"), npy_bytes(np.frombuffer(self._offsets, np.int64)))
        seen = np.bincount(ids, minlength=len(self._index)).astype(np.int64)
        seen[:len(self.counts)] += self.counts
        self.counts = seen
        self.shards.append({"name": name, "n_tokens": len(self._ids), "n_lines": len(self._offsets) - 1})
        self._ids, self._offsets = array.array("i"), array.array("q", [0])

    def close(self):
        self._flush()
        counts = np.zeros(len(self._index), np.int64)
        counts[:len(self.counts)] = self.counts
        return {"shards": self.shards, "types": list(self._index), "counts": counts.tolist()}


def tokenize_into(writer, lines, tokenizer, *, workers=1, report=None, every=1 << 16):
    """Tokenize ``lines`` into ``writer``; ``report(n)`` receives the tokens added, about every ``every``."""
    reported = 0
    for tokens in tokenizer.tokenize_lines(lines, workers=workers):
        writer.add(tokens)
        if report is not None and writer.n_tokens - reported >= every:
            report(writer.n_tokens - reported)
            reported = writer.n_tokens
    record = writer.close()
    if report is not None and writer.n_tokens > reported:
        report(writer.n_tokens - reported)
    return record


def merge_types(records):
    """Global types (count desc, ties by first occurrence in record order), their counts, and per record the
    int32 table from its local ids to the global ones."""
    index = {}
    local_to_first = []
    for record in records:
        local_to_first.append(np.fromiter((index.setdefault(t, len(index)) for t in record["types"]),
                                          dtype=np.int64, count=len(record["types"])))
    counts = np.zeros(len(index), dtype=np.int64)
    for record, table in zip(records, local_to_first):
        np.add.at(counts, table, np.asarray(record["counts"], dtype=np.int64))
    order = np.argsort(-counts, kind="stable")
    rank = np.empty(len(order), dtype=np.int32)
    rank[order] = np.arange(len(order), dtype=np.int32)
    first_seen = list(index)
    types = [first_seen[i] for i in order]
    return types, counts[order], [rank[table] for table in local_to_first]


def rewrite_shard(directory, name, table):
    """Rewrite shard ``name``'s ids through ``table`` (local -> global); return the sha256 of its two files."""
    ids = np.load(io.BytesIO(read_file(join(directory, f"{name}.ids.npy"))), allow_pickle=False)
    ids_sha = write_file(join(directory, f"{name}.ids.npy"), npy_bytes(np.asarray(table, np.int32)[ids]))
    offsets_sha = hashlib.sha256(read_file(join(directory, f"{name}.offsets.npy"))).hexdigest()
    return {"ids_sha256": ids_sha, "offsets_sha256": offsets_sha}


def write_index(directory, *, types, counts, shards, tokenizer_config, digest, description):
    """Write types.json, then index.json last: a directory counts as complete once its index exists."""
    types_sha = write_file(join(directory, TYPES), json.dumps(
        {"types": types, "counts": np.asarray(counts).tolist()}, ensure_ascii=False).encode("utf-8"))
    index = {"kind": KIND, "format": FORMAT, "corpus": description, "digest": digest,
             "tokenizer": tokenizer_config, "n_tokens": int(sum(s["n_tokens"] for s in shards)),
             "n_lines": int(sum(s["n_lines"] for s in shards)), "n_types": len(types),
             "types_sha256": types_sha, "shards": shards}
    index = seal(index)   # the digest covers the counts and names: an edited index never loads
    write_file(join(directory, INDEX), (json.dumps(index, ensure_ascii=False, indent=1) + "\n").encode("utf-8"))
    return index


def finish(directory, records, *, tokenizer_config, digest, description, rewrite=None):
    """Merge the writers' records (in corpus order), rewrite every shard to global ids and write the index.

    ``rewrite(jobs)`` runs ``rewrite_shard`` over ``[(directory, name, table)]`` and returns the results in
    order (default: here, one after another; the Dask driver maps it over its workers)."""
    types, counts, tables = merge_types(records)
    jobs = [(directory, shard["name"], table) for record, table in zip(records, tables) for shard in record["shards"]]
    sums = rewrite(jobs) if rewrite is not None else [rewrite_shard(*job) for job in jobs]
    shards = [dict(shard, **sha) for shard, sha in zip((s for r in records for s in r["shards"]), sums)]
    return write_index(directory, types=types, counts=counts, shards=shards, tokenizer_config=tokenizer_config,
                       digest=digest, description=description)


def is_shard_file(name):
    """True for the names w2vlm writes in a shard directory (index, types, shard arrays)."""
    return name in (INDEX, TYPES) or name.endswith((".ids.npy", ".offsets.npy"))


def is_shard_dir(path):
    """True when ``path`` is a local directory holding a shard index."""
    index = os.path.join(str(path), INDEX)
    if is_url(path) or not os.path.isfile(index):
        return False
    try:
        with open(index, encoding="utf-8") as handle:
            return json.load(handle).get("kind") == KIND
    except (OSError, ValueError, AttributeError):
        return False


def token_bar(progress, desc):
    """The one progress bar of an encode, counted in tokens."""
    from tqdm.auto import tqdm
    return tqdm(desc=desc, unit=" tok", unit_scale=True, disable=not progress or None, mininterval=0.5,
                leave=False, dynamic_ncols=True)
