"""Named corpora: resolution under $W2VLM_DATA, splits, status, and fetching (file:// URLs, checksums, offline)."""

import copy
import hashlib
import os
import zipfile

import pytest

from w2vlm.errors import CorpusError
from w2vlm.text import catalog
from w2vlm.text.corpus import open_corpus

from .conftest import write

PTB_LINE = " the cat sat on the mat \n"


@pytest.fixture
def data(tmp_path, monkeypatch):
    """A fake W2VLM_DATA tree: ptb/ptb.{train,valid,test}.txt and ko-corpus/ratings_test.txt (NSMC layout)."""
    root = tmp_path / "data"
    write(root / "ptb" / "ptb.train.txt", PTB_LINE * 3 + " a <unk> N \n")
    write(root / "ptb" / "ptb.valid.txt", " valid line \n")
    write(root / "ptb" / "ptb.test.txt", " test line \n")
    write(root / "ko-corpus" / "ratings_test.txt",
          "id\tdocument\tlabel\n1\t굳 ㅋ\t1\n2\t\t0\n3\t뭐야 이 평점들은.... 나쁘진 않지만\t0\n")
    monkeypatch.setenv("W2VLM_DATA", str(root))
    return root


def test_ptb_resolves_with_splits_and_its_own_tokenizer(data):
    corpus = open_corpus("ptb")
    assert corpus.files == [data / "ptb" / "ptb.train.txt"]
    assert corpus.default_tokenizer == "whitespace" and corpus.language == "en"
    assert next(iter(corpus)) == "the cat sat on the mat"
    splits = corpus.splits()
    assert list(splits) == ["train", "valid", "test"]
    assert list(splits["valid"]) == ["valid line"] and list(splits["test"]) == ["test line"]
    assert list(open_corpus("ptb", split="test")) == ["test line"]
    assert list(open_corpus("ptb:valid")) == ["valid line"]
    with pytest.raises(CorpusError, match="no split 'dev'"):
        open_corpus("ptb", split="dev")


def test_nsmc_reads_the_document_column_of_its_only_split(data):
    corpus = open_corpus("nsmc")
    assert corpus.files == [data / "ko-corpus" / "ratings_test.txt"]
    assert list(corpus) == ["굳 ㅋ", "뭐야 이 평점들은.... 나쁘진 않지만"]  # header and empty document skipped
    assert corpus.language == "ko" and corpus.default_tokenizer == "kiwi"
    assert corpus.splits() == {"train": corpus}


def test_nsmc_prefers_its_own_folder(data):
    write(data / "nsmc" / "ratings_test.txt", "id\tdocument\tlabel\n1\t좋아요\t1\n")
    assert list(open_corpus("nsmc")) == ["좋아요"]


def test_missing_named_corpus_says_how_to_get_it(data):
    with pytest.raises(CorpusError, match=r"corpus .wikitext-2. .* `w2vlm corpora fetch wikitext-2`"):
        open_corpus("wikitext-2")


def test_default_data_dir_without_env(monkeypatch, tmp_path):
    monkeypatch.delenv("W2VLM_DATA", raising=False)
    assert catalog.data_dir() == catalog.default_data_dir()
    writable = tmp_path / "package"
    writable.mkdir()
    assert catalog.default_data_dir(writable) == writable / "data"
    readonly = tmp_path / "readonly"
    readonly.mkdir()
    readonly.chmod(0o555)
    if os.access(readonly, os.W_OK):   # root may write anywhere: let the check answer as it does for users
        monkeypatch.setattr(os, "access", lambda *args: False)
    monkeypatch.setenv("XDG_CACHE_HOME", str(tmp_path / "cache"))
    assert catalog.default_data_dir(readonly) == tmp_path / "cache" / "w2vlm" / "corpora"


def test_status_rows(data):
    rows = {row["name"]: row for row in catalog.status()}
    assert set(rows) >= {"ptb", "wikitext-2", "nsmc", "kolaw", "kobill"}
    assert rows["ptb"]["status"] == "present" and rows["ptb"]["path"] == str(data / "ptb")
    assert rows["ptb"]["splits"] == ["train", "valid", "test"]
    assert rows["wikitext-2"]["status"] == "missing"
    assert rows["nsmc"]["path"] == str(data / "ko-corpus")
    if rows["kolaw"]["status"] == "bundled":
        assert rows["kolaw"]["path"].endswith(os.path.join("konlpy", "data", "corpus", "kolaw"))


def test_every_catalog_entry_is_complete():
    for name, info in catalog.load_catalog().items():
        assert {"language", "format", "tokenizer", "splits", "source", "licence"} <= set(info), name
        assert info["default_split"] in info["splits"], name
        for split in info["splits"].values():
            if "url" in split:
                assert len(split["sha256"]) == 64, name


def _served(tmp_path, content, sha256=None):
    """ptb's catalog entry with every split at one local file:// URL (with the right or a given checksum)."""
    source = write(tmp_path / "source" / "split.txt", content)
    served = copy.deepcopy(catalog.entry("ptb"))
    for split in served["splits"].values():
        split.update(url=source.as_uri(), sha256=sha256 or hashlib.sha256(content).hexdigest())
    return served


def test_fetch_from_a_file_url_verifies_and_writes_atomically(tmp_path, monkeypatch):
    content = b" fetched line \n"
    served = _served(tmp_path, content)
    dest = tmp_path / "dest"
    files = catalog.fetch("ptb", dest, catalog_entry=served)
    assert files == [dest / "ptb" / f"ptb.{s}.txt" for s in ("train", "valid", "test")]
    assert all(path.read_bytes() == content for path in files)
    assert sorted(p.name for p in (dest / "ptb").iterdir()) == ["ptb.test.txt", "ptb.train.txt", "ptb.valid.txt"]
    monkeypatch.setenv("W2VLM_DATA", str(dest))
    assert list(open_corpus("ptb")) == ["fetched line"]
    (tmp_path / "source" / "split.txt").unlink()   # present and valid: nothing is downloaded again
    assert catalog.fetch("ptb", dest, catalog_entry=served) == files


def test_fetch_from_a_mirror_folder_takes_each_file_by_its_name(tmp_path):
    served = copy.deepcopy(catalog.entry("ptb"))   # catalog.json's URLs, checksums of the mirrored test content
    for split in served["splits"].values():
        split["sha256"] = hashlib.sha256(b" mirrored line \n").hexdigest()
    mirror = tmp_path / "mirror"
    for split in ("train", "valid", "test"):
        write(mirror / f"ptb.{split}.txt", " mirrored line \n")
    files = catalog.fetch("ptb", tmp_path / "dest", mirror=mirror, catalog_entry=served)
    assert [path.read_bytes() for path in files] == [b" mirrored line \n"] * 3


def test_fetch_checksum_mismatch_leaves_no_file(tmp_path):
    served = _served(tmp_path, b"tampered\n", sha256="0" * 64)
    dest = tmp_path / "dest"
    with pytest.raises(CorpusError, match="checksum mismatch .* expected sha256 0000"):
        catalog.fetch("ptb", dest, catalog_entry=served)
    assert not dest.exists()   # the folders this fetch made are gone again


def test_fetch_offline_is_one_clear_error(tmp_path):
    offline = copy.deepcopy(catalog.entry("ptb"))
    offline["splits"]["train"]["url"] = "http://127.0.0.1:9/ptb.train.txt"
    with pytest.raises(CorpusError, match=r"cannot download corpus ptb from http://127\.0\.0\.1:9/ptb\.train\.txt "
                                          r".*network"):
        catalog.fetch("ptb", tmp_path / "dest", catalog_entry=offline)
    assert not (tmp_path / "dest").exists()


def test_fetch_archive_extracts_the_members(tmp_path, monkeypatch):
    archive = tmp_path / "wt2.zip"
    with zipfile.ZipFile(archive, "w") as bundle:
        for split in ("train", "valid", "test"):
            bundle.writestr(f"wikitext-2/wiki.{split}.tokens", f" = Heading = \n {split} text \n")
    served = copy.deepcopy(catalog.entry("wikitext-2"))
    served["archive"].update(url=archive.as_uri(), sha256=hashlib.sha256(archive.read_bytes()).hexdigest())
    catalog.fetch("wikitext-2", tmp_path / "data", catalog_entry=served)
    monkeypatch.setenv("W2VLM_DATA", str(tmp_path / "data"))
    assert list(open_corpus("wikitext-2:test")) == ["= Heading =", "test text"]
    assert sorted(p.name for p in (tmp_path / "data" / "wikitext-2").iterdir()) == [
        "wiki.test.tokens", "wiki.train.tokens", "wiki.valid.tokens"]
    assert "file:" not in catalog.entry("wikitext-2")["archive"]["url"]   # catalog.json's entry is untouched


def test_bundled_corpora_need_no_download():
    pytest.importorskip("konlpy")
    files = catalog.fetch("kobill")
    assert len(files) == 10 and all(path.is_file() for path in files)
    assert open_corpus("kolaw").files[0].name == "constitution.txt"


def test_an_explicit_split_is_a_corpus_of_its_own(data):
    assert list(open_corpus("ptb:test").splits()) == ["train"]
    assert list(open_corpus("ptb:test").splits()["train"]) == ["test line"]
    corpus = open_corpus("ptb")
    assert corpus.splits()["train"] is corpus and corpus.split == "train"
