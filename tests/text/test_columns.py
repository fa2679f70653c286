"""TSV/CSV corpora: --column NAME|INDEX with --delimiter, header detection, the no-column warning, the cache key."""

import json
import logging

import pytest
from click.testing import CliRunner

from w2vlm.errors import CorpusError
from w2vlm.text.columns import looks_like_header, parse_column, parse_delimiter, pick_column, plan_column, table_hint
from w2vlm.text.corpus import open_corpus
from w2vlm.text.encode import cache_key
from w2vlm.text.tokenize import get_tokenizer
from w2vlm_cli.main import cli

# NSMC's layout: id, review, label; one review is empty, one holds a quote character
REVIEWS = [("9976970", "아 더빙.. 진짜 짜증나네요 목소리", "0"), ("3819312", "흠...포스터보고 초딩영화줄....오버연기조차 가볍지 않구나", "1"),
           ("10265843", "", "0"), ("9045019", '교도소 이야기구먼 ..솔직히 재미는 없다.."평점 조정"', "0"),
           ("6483659", "사이몬페그의 익살스런 연기가 돋보였던 영화!", "1")]
TEXTS = [text for _, text, _ in REVIEWS if text]


def write_tsv(path, header=True):
    lines = (["id\tdocument\tlabel"] if header else []) + ["\t".join(row) for row in REVIEWS]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def lines_of(column, text, delimiter=None):
    lines = text.splitlines()
    plan = plan_column(lines[:50], column, delimiter)
    return [line for _, line in pick_column(enumerate(lines, 1), plan)]


def test_parse_options():
    assert (parse_column("document"), parse_column("1"), parse_column(None)) == ("document", 1, None)
    assert [parse_delimiter(v) for v in ("tab", "\\t", "comma", ";", None)] == ["\t", "\t", ",", ";", None]
    with pytest.raises(CorpusError, match="one character"):
        parse_delimiter("ab")
    with pytest.raises(CorpusError, match="header name or a 0-based index"):
        parse_column(" ")


def test_header_detection():
    assert looks_like_header(["id", "document", "label"], [["1", "좋다", "1"], ["2", "별로", "0"]])
    assert looks_like_header(["word", "text"], [["a", "좋은 영화"], ["b", "별로다"]])  # identifiers over text
    assert not looks_like_header(["1", "좋다", "1"], [["2", "별로", "0"]])
    assert not looks_like_header(["영화", "재미"], [["배우", "연기"]])


def test_select_a_column_by_name_index_and_delimiter(tmp_path):
    tsv = write_tsv(tmp_path / "ratings.txt").read_text(encoding="utf-8")
    assert [t for t in lines_of("document", tsv) if t] == TEXTS
    assert [t for t in lines_of(1, tsv) if t] == TEXTS  # header detected and skipped
    assert lines_of(2, tsv) == ["0", "1", "0", "0", "1"]
    headless = write_tsv(tmp_path / "headless.txt", header=False).read_text(encoding="utf-8")
    assert lines_of(0, headless)[0] == "9976970"  # no header: the first line is data
    csv_text = 'id,text\n1,"영화가, 좋다"\n2,"그냥 ""그럭저럭"""\n3\n'
    assert lines_of("text", csv_text) == ["영화가, 좋다", '그냥 "그럭저럭"']   # the short row "3" is skipped
    with pytest.raises(CorpusError, match="corpus:4: 1 field"):   # ... and refused under --errors strict
        list(pick_column(enumerate(csv_text.splitlines(), 1), plan_column(csv_text.splitlines(), "text"),
                         strict=True))
    assert lines_of("text", "id;text\n1;좋다\n", delimiter=";") == ["좋다"]
    # a byte range after the file's start has no header line to drop
    plan = plan_column(tsv.splitlines(), "document")
    assert [t for _, t in pick_column([(9, "1\t중간부터\t0")], plan, from_file_start=False)] == ["중간부터"]
    with pytest.raises(CorpusError, match=r"no column 'review' in the header \['id', 'document', 'label'\]"):
        lines_of("review", tsv)
    with pytest.raises(CorpusError, match="there is no column 7"):
        lines_of(7, tsv)


def test_open_corpus_reads_the_column_and_keys_the_cache_by_it(tmp_path):
    path = write_tsv(tmp_path / "ratings_train.txt")
    by_name = open_corpus(path, column="document")
    assert list(by_name) == TEXTS
    assert list(open_corpus(path, column="1")) == TEXTS
    whole = open_corpus(path)
    assert next(iter(whole)) == "id\tdocument\tlabel"
    tokenizer = get_tokenizer("whitespace")
    keys = {cache_key(corpus, tokenizer) for corpus in
            (by_name, whole, open_corpus(path, column=1), open_corpus(path, column=1, delimiter="tab"))}
    assert len(keys) == 4
    assert cache_key(by_name, tokenizer) == cache_key(open_corpus(path, column="document"), tokenizer)


def test_a_tsv_with_a_header_without_column_gets_one_warning(tmp_path, caplog):
    path = write_tsv(tmp_path / "ratings_train.txt")
    with caplog.at_level(logging.WARNING, logger="w2vlm"):
        open_corpus(path)
    warnings = [r.getMessage() for r in caplog.records if r.levelno == logging.WARNING]
    assert warnings == [f"{path} looks like a TSV file with a header (id, document, label): every column is read "
                        f"as text; pass --column document (or --column 1) to read only the text"]
    caplog.clear()
    with caplog.at_level(logging.WARNING, logger="w2vlm"):
        open_corpus(path, column="document")
        (tmp_path / "plain.txt").write_text("영화가 좋다\n배우\t연기\n", encoding="utf-8")
        open_corpus(tmp_path / "plain.txt")
    assert not caplog.records
    assert table_hint(["a\tb", "1\t2", "3"]) is None  # ragged lines are not a table


def test_cli_trains_and_tokenizes_the_review_column(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    path = write_tsv(tmp_path / "ratings_train.txt")
    runner = CliRunner()
    result = runner.invoke(cli, ["tokenize", str(path), "--tokenizer", "whitespace", "--column", "document"])
    assert result.exit_code == 0, result.output
    assert result.output.splitlines() == [" ".join(text.split()) for text in TEXTS]
    result = runner.invoke(cli, ["tokenize", str(path), "--tokenizer", "whitespace"])
    assert "looks like a TSV file with a header (id, document, label)" in result.output
    result = runner.invoke(cli, ["-q", "train-embeddings", str(path), "--column", "document", "--tokenizer",
                                 "whitespace", "--min-count", "1", "--epochs", "1", "-o", str(tmp_path / "vec")])
    assert result.exit_code == 0, result.output
    words = json.loads((tmp_path / "vec" / "vocab.json").read_text(encoding="utf-8"))["words"]
    assert "목소리" in words and not {"9976970", "document", "label", "0", "1"} & set(words)
    result = runner.invoke(cli, ["tokenize", str(path), "--column", "review"])
    assert result.exit_code == 1 and "Error:" in result.output and "no column 'review'" in result.output


def test_the_real_nsmc_file_by_column_matches_the_catalog_entry():
    import os
    from pathlib import Path
    path = Path(os.environ.get("W2VLM_DATA", "/nonexistent")) / "ko-corpus" / "ratings_test.txt"
    if not path.is_file():
        pytest.skip("W2VLM_DATA with ko-corpus/ratings_test.txt is not set; real-data test skipped")
    by_column = list(open_corpus(path, column="document"))
    assert by_column == list(open_corpus("nsmc")) and len(by_column) == 50_000 - 3  # 3 empty reviews


def test_byte_ranges_read_the_same_column(tmp_path):
    from w2vlm.text.distributed import plan_ranges
    path = write_tsv(tmp_path / "ranges.txt")
    for column in ("document", 1):
        corpus = open_corpus(path, column=column)
        ranges = plan_ranges(corpus, 2, 16)
        assert len(ranges) > 3 and [line for r in ranges for line in corpus.read_range(*r)] == TEXTS
