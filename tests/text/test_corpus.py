"""Corpus reading: files, folders, globs, stdin, decoding errors with file:line, binary and empty inputs."""

import io
import sys

import pytest

from w2vlm.errors import CorpusError
from w2vlm.text.corpus import open_corpus

from .conftest import S1, S2, write


def test_file_lines_are_stripped_blank_lines_skipped_and_restartable(tmp_path):
    path = write(tmp_path / "a.txt", f"\ufeff{S1}\r\n\r\n   \n\t{S2}  \n")
    corpus = open_corpus(str(path))
    assert list(corpus) == [S1, S2]
    assert list(corpus) == [S1, S2]  # a second pass reads the file again
    assert corpus.default_tokenizer == "kiwi" and corpus.language == "ko"
    assert corpus.splits() == {"train": corpus}


def test_directory_is_read_recursively_in_sorted_order_skipping_hidden(tmp_path):
    write(tmp_path / "d" / "b.txt", "two\n")
    write(tmp_path / "d" / "a.txt", "one\n")
    write(tmp_path / "d" / "sub" / "c.txt", "three\n")
    write(tmp_path / "d" / ".hidden" / "x.txt", "hidden\n")
    assert list(open_corpus(str(tmp_path / "d"))) == ["one", "two", "three"]
    assert open_corpus(str(tmp_path / "d")).language == "en"


def test_glob_and_several_specs(tmp_path):
    write(tmp_path / "x1.txt", "one\n")
    write(tmp_path / "x2.txt", "two\n")
    write(tmp_path / "y.txt", "three\n")
    assert list(open_corpus(str(tmp_path / "x*.txt"))) == ["one", "two"]
    assert list(open_corpus([str(tmp_path / "y.txt"), str(tmp_path / "x1.txt")])) == ["three", "one"]


def test_stdin_is_spooled_so_the_corpus_restarts(monkeypatch):
    fake = io.TextIOWrapper(io.BytesIO(f"{S2}\n\nsecond line\n".encode()), encoding="utf-8")
    monkeypatch.setattr(sys, "stdin", fake)
    corpus = open_corpus("-")
    assert list(corpus) == [S2, "second line"]
    assert list(corpus) == [S2, "second line"]
    assert corpus.describe() == "<stdin>"


def test_nfkc_is_optional(tmp_path):
    path = write(tmp_path / "a.txt", "ｆｕｌｌ ①\n")
    assert list(open_corpus(str(path))) == ["ｆｕｌｌ ①"]
    assert list(open_corpus(str(path), normalize="NFKC")) == ["full 1"]


def test_undecodable_byte_names_file_and_line(tmp_path):
    path = write(tmp_path / "bad.txt", "good line\n".encode() + b"second \xff\xfe line\n")
    with pytest.raises(CorpusError, match=r"bad\.txt:2: byte 0xff at column 8 is not valid utf-8.*--errors replace"):
        list(open_corpus(str(path)))
    assert list(open_corpus(str(path), errors="replace")) == ["good line", "second \ufffd\ufffd line"]


def test_undecodable_first_line_fails_at_open(tmp_path):
    path = write(tmp_path / "bad.txt", b"\xff\n")
    with pytest.raises(CorpusError, match="bad.txt:1"):
        open_corpus(str(path))


def test_other_encodings(tmp_path):
    euc = write(tmp_path / "euc.txt", S2 + "\n", encoding="cp949")
    assert list(open_corpus(str(euc), encoding="cp949")) == [S2]
    wide = write(tmp_path / "wide.txt", f"{S1}\n\n{S2}\n", encoding="utf-16")
    assert list(open_corpus(str(wide), encoding="utf-16")) == [S1, S2]
    with pytest.raises(CorpusError, match="unknown encoding 'nope'"):
        open_corpus(str(euc), encoding="nope")


def test_binary_file_is_refused(tmp_path):
    path = write(tmp_path / "model.bin", bytes(range(256)) * 40)
    with pytest.raises(CorpusError, match="model.bin looks like a binary file"):
        open_corpus(str(path))


def test_a_stray_nul_is_not_binary(tmp_path):
    path = write(tmp_path / "a.txt", "가\x00나\n")
    assert list(open_corpus(str(path))) == ["가\x00나"]  # the tokenizer guards replace it


def test_missing_and_empty_inputs(tmp_path):
    with pytest.raises(CorpusError, match="nope.txt: no such file, directory or named corpus"):
        open_corpus(str(tmp_path / "nope.txt"))
    write(tmp_path / "blank.txt", "\n   \n\t\n")
    with pytest.raises(CorpusError, match="is empty"):
        open_corpus(str(tmp_path / "blank.txt"))
    (tmp_path / "empty").mkdir()
    with pytest.raises(CorpusError, match="holds no files"):
        open_corpus(str(tmp_path / "empty"))
    with pytest.raises(CorpusError, match="no file matches"):
        open_corpus(str(tmp_path / "*.none"))


def test_a_5mb_single_line_streams(tmp_path):
    path = write(tmp_path / "long.txt", ("word " * 1_000_000 + "\nnext\n"))
    lines = list(open_corpus(str(path)))
    assert len(lines) == 2 and len(lines[0]) == 4_999_999 and lines[1] == "next"


def test_fingerprint_follows_content_and_options(tmp_path):
    path = write(tmp_path / "a.txt", "one\n")
    first = open_corpus(str(path)).fingerprint()
    assert open_corpus(str(path)).fingerprint() == first
    assert open_corpus(str(path), normalize="NFKC").fingerprint() != first
    write(path, "one two\n")
    assert open_corpus(str(path)).fingerprint() != first


def test_default_corpus_is_konlpy_kolaw_and_kobill():
    pytest.importorskip("konlpy")
    for spec in (None, []):
        corpus = open_corpus(spec)
        assert corpus.language == "ko" and corpus.default_tokenizer == "kiwi"
        assert [p.name for p in corpus.files][:2] == ["constitution.txt", "1809890.txt"]
    assert next(iter(corpus)) == "대한민국헌법"


def test_default_corpus_ignores_a_folder_of_the_same_name_in_the_working_directory(tmp_path, monkeypatch):
    pytest.importorskip("konlpy")
    (tmp_path / "kolaw").mkdir()
    write(tmp_path / "kolaw" / "params.txt", "not the constitution\n")
    monkeypatch.chdir(tmp_path)
    assert next(iter(open_corpus(None))) == "대한민국헌법"
    assert list(open_corpus("kolaw")) == ["not the constitution"]  # an explicit name still prefers the local path
