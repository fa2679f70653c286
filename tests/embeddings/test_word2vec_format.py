"""word2vec text and binary files: round trips through our writer and reader and through gensim's, Korean words."""

import gzip

import numpy as np
import pytest

from w2vlm.embeddings.vectors import WordVectors
from w2vlm.embeddings.word2vec_format import detect_binary, read_word2vec, write_word2vec
from w2vlm.errors import ArtifactError

WORDS = ["the", "대통령", "국민/NNG", "서울", "naïve", "😀", "Word", "word", "한국어_형태소"]


@pytest.fixture
def vectors():
    rng = np.random.default_rng(7)
    values = rng.normal(size=(len(WORDS), 10)).astype(np.float32)
    values[0, 0], values[1, 1] = 1e-30, -3.4e38  # extremes survive the text format too
    return values


def _gensim():
    return pytest.importorskip("gensim.models").KeyedVectors


@pytest.mark.parametrize("binary", [False, True])
def test_our_round_trip_is_exact(tmp_path, vectors, binary):
    path = tmp_path / ("v.bin" if binary else "v.txt")
    WordVectors(WORDS, vectors).save_word2vec_format(path, binary=binary)
    assert detect_binary(path) is binary
    for flag in (binary, None):
        loaded = WordVectors.load_word2vec_format(path, binary=flag)
        assert loaded.words == WORDS and loaded.counts is None
        np.testing.assert_array_equal(loaded.vectors, vectors)
    assert loaded.config["format"] == ("word2vec-binary" if binary else "word2vec-text")


def test_text_layout_is_word2vec(tmp_path, vectors):
    write_word2vec(tmp_path / "v.txt", WORDS, vectors)
    lines = (tmp_path / "v.txt").read_text(encoding="utf-8").splitlines()
    assert lines[0] == f"{len(WORDS)} 10" and len(lines) == len(WORDS) + 1
    assert lines[2].startswith("대통령 ") and len(lines[2].split(" ")) == 11


@pytest.mark.parametrize("binary", [False, True])
def test_gensim_reads_what_we_write(tmp_path, vectors, binary):
    path = tmp_path / "ours"
    write_word2vec(path, WORDS, vectors, binary=binary)
    theirs = _gensim().load_word2vec_format(str(path), binary=binary)
    assert list(theirs.index_to_key) == WORDS
    np.testing.assert_array_equal(theirs.vectors, vectors)
    assert theirs["대통령"][1] == np.float32(-3.4e38)


@pytest.mark.parametrize("binary", [False, True])
def test_we_read_what_gensim_writes(tmp_path, vectors, binary):
    kv = _gensim()(vectors.shape[1])
    kv.add_vectors(WORDS, vectors)
    path = tmp_path / "theirs"
    kv.save_word2vec_format(str(path), binary=binary)
    loaded = WordVectors.load_word2vec_format(path)  # format detected
    assert loaded.words == WORDS
    np.testing.assert_array_equal(loaded.vectors, vectors)
    again = tmp_path / "again"
    loaded.save_word2vec_format(again, binary=binary)
    np.testing.assert_array_equal(_gensim().load_word2vec_format(str(again), binary=binary).vectors, vectors)


def test_word2vec_c_binary_newlines_and_text_trailing_spaces(tmp_path):
    header = b"2 2\n"
    records = [("가", [1.0, 2.0]), ("b", [3.0, -4.0])]
    binary = header + b"".join(w.encode() + b" " + np.array(v, "<f4").tobytes() + b"\n" for w, v in records)
    (tmp_path / "c.bin").write_bytes(binary)
    words, values, was_binary = read_word2vec(tmp_path / "c.bin")
    assert was_binary and words == ["가", "b"] and values.tolist() == [[1, 2], [3, -4]]
    (tmp_path / "c.txt").write_bytes("2 2\n가 1.000000 2.000000 \r\nb\t3 -4\n\n".encode())
    words, values, was_binary = read_word2vec(tmp_path / "c.txt")
    assert not was_binary and words == ["가", "b"] and values.tolist() == [[1, 2], [3, -4]]


def test_headerless_gzip_limit_and_duplicates(tmp_path, caplog):
    (tmp_path / "glove.txt").write_text("the 0.1 0.2\n국민 0.3 0.4\n", encoding="utf-8")
    words, values, _ = read_word2vec(tmp_path / "glove.txt")
    assert words == ["the", "국민"] and values.shape == (2, 2)
    with gzip.open(tmp_path / "v.txt.gz", "wt", encoding="utf-8") as handle:
        handle.write("3 2\na 1 2\nb 3 4\na 5 6\n")
    words, values, _ = read_word2vec(tmp_path / "v.txt.gz")
    assert words == ["a", "b"] and values.tolist() == [[1, 2], [3, 4]] and "duplicate" in caplog.text
    words, values, _ = read_word2vec(tmp_path / "v.txt.gz", limit=1)
    assert words == ["a"] and values.shape == (1, 2)


def test_broken_utf8_strict_replace_ignore(tmp_path):
    broken = b"2 2\n" + b"ok 1 2\n" + b"bad\xff\xfe 3 4\n"
    (tmp_path / "b.txt").write_bytes(broken)
    with pytest.raises(ArtifactError, match="line 3 is not valid UTF-8.*--unicode-errors replace"):
        read_word2vec(tmp_path / "b.txt")
    assert read_word2vec(tmp_path / "b.txt", unicode_errors="replace")[0] == ["ok", "bad\ufffd\ufffd"]
    assert read_word2vec(tmp_path / "b.txt", unicode_errors="ignore")[0] == ["ok", "bad"]
    cut_korean = "한".encode()[:2]  # a truncated multi-byte word, as some binary dumps have
    (tmp_path / "b.bin").write_bytes(b"1 2\n" + cut_korean + b" " + np.array([1, 2], "<f4").tobytes())
    with pytest.raises(ArtifactError, match="word 1 is not valid UTF-8"):
        read_word2vec(tmp_path / "b.bin", binary=True)
    assert read_word2vec(tmp_path / "b.bin", binary=True, unicode_errors="ignore")[0] == [""]
    with pytest.raises(ValueError):
        read_word2vec(tmp_path / "b.txt", unicode_errors="nope")


def test_damaged_files_raise_artifact_errors(tmp_path, vectors):
    write_word2vec(tmp_path / "v.bin", WORDS, vectors, binary=True)
    data = (tmp_path / "v.bin").read_bytes()
    (tmp_path / "cut.bin").write_bytes(data[:-30])
    with pytest.raises(ArtifactError, match="truncated"):
        read_word2vec(tmp_path / "cut.bin")
    (tmp_path / "cut.txt").write_text("3 2\na 1 2\n", encoding="utf-8")
    with pytest.raises(ArtifactError, match="ends after 1 of the 3 vectors"):
        read_word2vec(tmp_path / "cut.txt")
    (tmp_path / "bad.txt").write_text("2 3\na 1 2 x\nb 1 2 3\n", encoding="utf-8")
    with pytest.raises(ArtifactError, match="line 2 is not a word followed by 3 numbers"):
        read_word2vec(tmp_path / "bad.txt", binary=False)
    (tmp_path / "nohead.bin").write_bytes(b"a " + np.ones(2, "<f4").tobytes())
    with pytest.raises(ArtifactError, match="VOCAB_SIZE DIM"):
        read_word2vec(tmp_path / "nohead.bin", binary=True)


def test_words_with_whitespace_are_refused_or_replaced(tmp_path):
    values = np.eye(3, dtype=np.float32)
    words = ["new york", "서울\t특별시", "ok"]
    with pytest.raises(ArtifactError, match="'new york'.*--replace-spaces"):
        write_word2vec(tmp_path / "v.txt", words, values)
    assert not (tmp_path / "v.txt").exists()
    write_word2vec(tmp_path / "v.txt", words, values, space_replacement="_")
    assert read_word2vec(tmp_path / "v.txt")[0] == ["new_york", "서울_특별시", "ok"]
    with pytest.raises(ArtifactError):
        write_word2vec(tmp_path / "e.txt", ["", "a", "b"], values)
    # a word with a non-breaking space inside is kept whole when reading (fastText .vec files have these)
    (tmp_path / "nbsp.txt").write_text("1 2\na\u00a0b 1 2\n", encoding="utf-8")
    assert read_word2vec(tmp_path / "nbsp.txt")[0] == ["a\u00a0b"]
