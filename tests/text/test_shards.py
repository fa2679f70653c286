"""Shards: many small shards give the ids of one plain in-memory pass; pieces stream them; list/clear the cache."""

import json
import os
import time
from collections import Counter

import numpy as np
import pytest

from w2vlm.errors import ArtifactError, CorpusError
from w2vlm.text import cache, shards
from w2vlm.text.corpus import open_corpus
from w2vlm.text.encode import encode_corpus, encode_to_directory
from w2vlm.text.encoded import EncodedCorpus
from w2vlm.text.tokenize import get_tokenizer
from w2vlm.text.vocab import Vocab

from .conftest import write

LINES = ["the cat sat on the mat", "a dog", "the dog sat", "x", "on on on the", "mat cat a the dog z", "q q"] * 7


def reference(lines):
    """Types ordered by count desc then first occurrence, and the ids and offsets of every line."""
    tokens = [t for line in lines for t in line.split()]
    counts = Counter(tokens)
    first = {}
    for i, t in enumerate(tokens):
        first.setdefault(t, i)
    types = sorted(counts, key=lambda t: (-counts[t], first[t]))
    index = {t: i for i, t in enumerate(types)}
    offsets = np.cumsum([0] + [len(line.split()) for line in lines])
    return types, [counts[t] for t in types], [index[t] for t in tokens], offsets.tolist()


@pytest.fixture
def corpus(tmp_path):
    return open_corpus(str(write(tmp_path / "c.txt", "\n".join(LINES) + "\n")))


@pytest.mark.parametrize("shard_tokens", [1, 5, 17, 1000])
def test_any_shard_size_gives_the_reference_ids(corpus, shard_tokens):
    enc = encode_corpus(corpus, get_tokenizer("whitespace"), cache=False, progress=False, shard_tokens=shard_tokens)
    types, counts, ids, offsets = reference(LINES)
    assert enc.types == types and enc.counts.tolist() == counts
    assert enc.ids.tolist() == ids and enc.line_offsets.tolist() == offsets
    assert enc.n_tokens == len(ids) and enc.n_lines == len(LINES)
    assert len(enc.shards) == (1 if shard_tokens == 1000 else len(enc.shards)) and len(enc.shards) >= 1
    if shard_tokens == 5:
        assert len(enc.shards) > 5 and all(s["n_tokens"] >= 5 for s in enc.shards[:-1])
    assert enc.line(5) == LINES[5].split()


def test_pieces_stream_whole_lines_within_the_bound(corpus):
    enc = encode_corpus(corpus, get_tokenizer("whitespace"), cache=False, progress=False, shard_tokens=40)
    _, _, ids, offsets = reference(LINES)
    pieces = list(enc.pieces(max_tokens=9))
    assert len(pieces) > 5
    joined = np.concatenate([p for p, _ in pieces])
    assert joined.tolist() == ids
    assert all(len(p) <= 9 for p, _ in pieces)   # no line here is longer than 9 tokens
    assert all(o[0] == 0 and o[-1] == len(p) for p, o in pieces)
    assert sum(len(o) - 1 for _, o in pieces) == len(LINES)
    half = len(LINES) // 2
    expect = np.bincount(ids[:offsets[half]], minlength=len(enc.types))
    assert enc.line_counts(half).tolist() == expect.tolist()


def test_mapped_pieces_join_to_to_ids(corpus):
    enc = encode_corpus(corpus, get_tokenizer("whitespace"), cache=False, progress=False, shard_tokens=11)
    vocab = Vocab.from_counts(enc.types, enc.counts, min_count=8, specials=("<unk>", "<eos>"))
    for oov, eos in [("unk", True), ("drop", False), ("unk", False)]:
        ids, offsets = enc.to_ids(vocab, oov=oov, eos=eos)
        words = [vocab.decode(ids[offsets[i]:offsets[i + 1]]) for i in range(len(LINES))]
        for line, got in zip(LINES, words):
            want = [t if t in vocab else "<unk>" for t in line.split() if oov == "unk" or t in vocab]
            assert got == want + (["<eos>"] if eos else [])


def test_shards_are_memory_mapped_int32(corpus):
    enc = encode_corpus(corpus, get_tokenizer("whitespace"), cache=False, progress=False)
    ids, offsets = enc.shard(0)
    assert isinstance(ids, np.memmap) and ids.dtype == np.int32 and offsets.dtype == np.int64


def test_encode_to_directory_then_load(tmp_path, corpus):
    out = tmp_path / "shards"
    index = encode_to_directory(corpus, get_tokenizer("whitespace"), out, progress=False, shard_tokens=13)
    assert shards.is_shard_dir(out) and index["n_lines"] == len(LINES)
    loaded = EncodedCorpus.load(out)
    assert loaded.ids.tolist() == reference(LINES)[2] and loaded.digest == corpus.fingerprint()
    again = encode_to_directory(corpus, get_tokenizer("whitespace"), out, progress=False)   # replaces shards
    assert again["n_tokens"] == index["n_tokens"] and len(EncodedCorpus.load(out).shards) == 1
    assert not [p for p in tmp_path.iterdir() if p.name.startswith(".")]


def test_encode_refuses_a_directory_of_other_files(tmp_path, corpus):
    other = tmp_path / "mine"
    other.mkdir()
    (other / "notes.txt").write_text("keep me")
    with pytest.raises(CorpusError, match="does not hold w2vlm shards"):
        encode_to_directory(corpus, get_tokenizer("whitespace"), other, progress=False)
    assert (other / "notes.txt").read_text() == "keep me"


def test_load_names_the_damaged_file(tmp_path, corpus):
    out = tmp_path / "shards"
    encode_to_directory(corpus, get_tokenizer("whitespace"), out, progress=False, shard_tokens=50)
    victim = sorted(out.glob("*.offsets.npy"))[1]
    victim.write_bytes(victim.read_bytes()[:-1] + b"\x07")
    with pytest.raises(ArtifactError, match=f"{victim.name} does not match its checksum"):
        EncodedCorpus.load(out)
    (out / "index.json").write_text(json.dumps({"kind": "something else"}))
    with pytest.raises(ArtifactError, match="not a w2vlm shard directory"):
        EncodedCorpus.load(out)


def test_cache_list_and_clear_older_than(tmp_path, corpus):
    ws = get_tokenizer("whitespace")
    enc = encode_corpus(corpus, ws, cache_dir=tmp_path, progress=False)
    other = open_corpus(str(write(tmp_path / "d.txt", "another text here\n")))
    enc2 = encode_corpus(other, ws, cache_dir=tmp_path, progress=False)
    old = time.time() - 10 * 86400
    os.utime(enc.directory / "index.json", (old, old))
    legacy = tmp_path / "encoded" / ("0123" * 8 + ".npz")
    legacy.write_bytes(b"x" * 10)   # an entry of the old format
    os.utime(legacy, (old - 86400, old - 86400))
    entries = cache.list_entries(tmp_path)
    assert [e["key"] for e in entries] == [enc2.directory.name, enc.directory.name, "0123" * 8]
    assert entries[0]["n_tokens"] == 3 and entries[0]["tokenizer"] == "whitespace" and entries[0]["bytes"] > 0
    assert entries[2]["status"] == "old format"
    removed = cache.clear(tmp_path, older_than_days=5)
    assert {e["key"] for e in removed} == {enc.directory.name, "0123" * 8}
    assert [e["key"] for e in cache.list_entries(tmp_path)] == [enc2.directory.name]
    assert encode_corpus(other, ws, cache_dir=tmp_path, progress=False).cache_hit
    assert len(cache.clear(tmp_path)) == 1 and cache.list_entries(tmp_path) == []


def test_encode_to_an_fsspec_url(tmp_path, corpus):
    out = tmp_path / "remote"
    out.mkdir()
    index = encode_to_directory(corpus, get_tokenizer("whitespace"), f"file://{out}", progress=False, shard_tokens=30)
    assert index["n_lines"] == len(LINES) and len(index["shards"]) > 3
    assert EncodedCorpus.load(out).ids.tolist() == reference(LINES)[2]   # checksums verified on load
