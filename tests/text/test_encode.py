"""Encoding: the id stream matches a plain reference, to_ids (unk/drop/eos), and the on-disk cache."""

import logging
from collections import Counter

import numpy as np
import pytest

from w2vlm.errors import CorpusError
from w2vlm.text.corpus import open_corpus
from w2vlm.text.encode import encode_corpus
from w2vlm.text.tokenize import get_tokenizer
from w2vlm.text.tokenizers_plain import WhitespaceTokenizer
from w2vlm.text.vocab import Vocab

from .conftest import S1, S2, write

TEXT = "b a c\n\na b\n  \nd a b b\n"


@pytest.fixture
def corpus(tmp_path):
    return open_corpus(str(write(tmp_path / "c.txt", TEXT)))


def test_encode_matches_a_plain_reference(corpus, tmp_path):
    enc = encode_corpus(corpus, get_tokenizer("whitespace"), cache=False, progress=False)
    lines = [line.split() for line in TEXT.splitlines() if line.strip()]
    tokens = [t for line in lines for t in line]
    counts = Counter(tokens)
    first = {t: tokens.index(t) for t in counts}
    assert enc.types == sorted(counts, key=lambda t: (-counts[t], first[t])) == ["b", "a", "c", "d"]
    assert enc.counts.tolist() == [4, 3, 1, 1] and enc.counts.dtype == np.int64
    assert enc.ids.dtype == np.int32 and [enc.types[i] for i in enc.ids] == tokens
    assert enc.line_offsets.tolist() == [0, 3, 5, 9] and enc.n_lines == 3 and enc.n_tokens == 9
    assert enc.line(2) == ["d", "a", "b", "b"] and not enc.cache_hit


def test_to_ids_unk_drop_and_eos(corpus):
    enc = encode_corpus(corpus, get_tokenizer("whitespace"), cache=False, progress=False)
    vocab = Vocab.from_counts(enc.types, enc.counts, min_count=2, specials=("<unk>", "<eos>"))
    assert vocab.words == ["<unk>", "<eos>", "b", "a"]
    ids, offsets = enc.to_ids(vocab, oov="unk", eos=True)
    assert ids.dtype == np.int32 and offsets.dtype == np.int64
    assert vocab.decode(ids) == "b a <unk> <eos> a b <eos> <unk> a b b <eos>".split()
    assert offsets.tolist() == [0, 4, 7, 12]
    ids, offsets = enc.to_ids(vocab, oov="drop")
    assert vocab.decode(ids) == "b a a b a b b".split() and offsets.tolist() == [0, 2, 4, 7]
    w2v = Vocab.from_counts(enc.types, enc.counts, min_count=2)
    ids, offsets = enc.to_ids(w2v, oov="unk")  # no <unk> in the vocabulary: dropped
    assert w2v.decode(ids) == "b a a b a b b".split() and offsets.tolist() == [0, 2, 4, 7]


def test_second_run_is_a_cache_hit_without_tokenizing(tmp_path, corpus, caplog):
    tokenizer = get_tokenizer("whitespace")
    first = encode_corpus(corpus, tokenizer, cache_dir=tmp_path / "cache", progress=False)
    calls = []
    tokenizer.tokenize = lambda line: calls.append(line)  # a hit must not tokenize anything
    with caplog.at_level(logging.INFO, logger="w2vlm"):
        second = encode_corpus(corpus, tokenizer, cache_dir=tmp_path / "cache", progress=False)
    assert second.cache_hit and calls == []
    assert "cache hit" in caplog.text and "skipped tokenization" in caplog.text
    assert second.types == first.types and np.array_equal(second.ids, first.ids)
    assert np.array_equal(second.line_offsets, first.line_offsets) and second.tokenizer_config == first.tokenizer_config
    assert not list((tmp_path / "cache" / "encoded").glob("*.tmp"))


def test_cache_key_follows_corpus_content_and_tokenizer_settings(tmp_path, kiwi):
    path = write(tmp_path / "ko.txt", f"{S1}\n{S2}\n")
    cache = tmp_path / "cache"
    assert not encode_corpus(open_corpus(str(path)), kiwi, cache_dir=cache, progress=False).cache_hit
    assert encode_corpus(open_corpus(str(path)), kiwi, cache_dir=cache, progress=False).cache_hit
    tagged = get_tokenizer("kiwi", pos=True)
    assert not encode_corpus(open_corpus(str(path)), tagged, cache_dir=cache, progress=False).cache_hit
    write(path, f"{S2}\n")
    changed = encode_corpus(open_corpus(str(path)), kiwi, cache_dir=cache, progress=False)
    assert not changed.cache_hit and changed.n_lines == 1


def test_default_cache_dir_is_w2vlm_cache(tmp_path, corpus, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "envcache"))
    encode_corpus(corpus, get_tokenizer("whitespace"), progress=False)
    (entry,) = (tmp_path / "envcache" / "encoded").iterdir()
    assert (entry / "index.json").is_file() and list(entry.glob("*.ids.npy"))


@pytest.mark.parametrize("damage", ["flip a byte of a shard", "truncate a shard", "empty the index",
                                    "delete the types", "garbage offsets"])
def test_a_damaged_cache_entry_is_reported_and_rebuilt(tmp_path, corpus, caplog, damage):
    tokenizer = get_tokenizer("whitespace")
    first = encode_corpus(corpus, tokenizer, cache_dir=tmp_path, progress=False)
    entry = first.directory
    (ids_file,) = entry.glob("*.ids.npy")
    if damage == "flip a byte of a shard":
        data = bytearray(ids_file.read_bytes())
        data[-1] ^= 0x01
        ids_file.write_bytes(bytes(data))
    elif damage == "truncate a shard":
        ids_file.write_bytes(ids_file.read_bytes()[:-4])
    elif damage == "empty the index":
        (entry / "index.json").write_bytes(b"")
    elif damage == "delete the types":
        (entry / "types.json").unlink()
    else:
        next(entry.glob("*.offsets.npy")).write_bytes(b"garbage")
    with caplog.at_level(logging.WARNING, logger="w2vlm"):
        again = encode_corpus(corpus, tokenizer, cache_dir=tmp_path, progress=False)
    assert "is damaged" in caplog.text and "rebuilding" in caplog.text
    assert not again.cache_hit and again.n_tokens == 9
    assert np.array_equal(again.ids, first_ids(tokenizer, corpus))
    third = encode_corpus(corpus, tokenizer, cache_dir=tmp_path, progress=False)
    assert third.cache_hit


def first_ids(tokenizer, corpus):
    return encode_corpus(corpus, tokenizer, cache=False, progress=False).ids


def test_no_tokens_is_an_error(tmp_path):
    corpus = open_corpus(str(write(tmp_path / "p.txt", "\x01\x02\n")))
    with pytest.raises(CorpusError, match="gave no tokens"):
        encode_corpus(corpus, get_tokenizer("whitespace"), cache=False, progress=False)


def test_an_entry_filled_by_another_process_meanwhile_is_kept(tmp_path, corpus):
    other = {}

    class Raced(WhitespaceTokenizer):
        """The same settings (so the same cache entry); while it tokenizes, another writer finishes that entry."""

        def tokenize_lines(self, lines, workers=1, progress=False):
            other["encoded"] = encode_corpus(corpus, get_tokenizer("whitespace"), cache_dir=tmp_path, progress=False)
            other["inode"] = other["encoded"].directory.stat().st_ino
            yield from super().tokenize_lines(lines, workers=workers, progress=progress)

    tokenizer = Raced()
    assert tokenizer.config() == get_tokenizer("whitespace").config()
    mine = encode_corpus(corpus, tokenizer, cache_dir=tmp_path, progress=False)
    assert mine.directory == other["encoded"].directory and np.array_equal(mine.ids, other["encoded"].ids)
    assert mine.directory.stat().st_ino == other["inode"]   # theirs kept, not swapped out under a reader
    assert [p.name for p in (tmp_path / "encoded").iterdir()] == [mine.directory.name]   # no staging left
