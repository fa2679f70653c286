"""Dask tokenization: byte ranges cut at line boundaries, and ids identical to the in-process encode (2 workers)."""

import subprocess
import sys

import numpy as np
import pytest
from click.testing import CliRunner

from w2vlm.errors import W2VLMError
from w2vlm.text.corpus import open_corpus
from w2vlm.text.distributed import encode_on_dask, plan_ranges
from w2vlm.text.encode import encode_corpus
from w2vlm.text.encoded import EncodedCorpus
from w2vlm.text.tokenize import get_tokenizer
from w2vlm_cli.main import cli

from .conftest import S1, S2, S3

KOREAN = f"{S1}\r\n\r\n{S2}\n  \n{S3}\n" * 6 + "마지막 줄"
ENGLISH = "".join(f"line {i} has words {i % 7} and {i % 3}\n" + ("\n" if i % 5 == 0 else "") for i in range(120))


@pytest.fixture
def files(tmp_path):
    (tmp_path / "a.txt").write_text(KOREAN, encoding="utf-8")
    (tmp_path / "b.txt").write_text(ENGLISH, encoding="utf-8")
    (tmp_path / "c.tsv").write_text("id\tdocument\tlabel\n" + "".join(
        f"{i}\t{S2 if i % 2 else S1}\t{i % 2}\n" for i in range(15)), encoding="utf-8")
    (tmp_path / "d.txt").write_bytes(("한국어 cp949 문장\n" * 40).encode("cp949"))
    return tmp_path


@pytest.mark.parametrize("task_bytes", [1, 7, 64, 1000, None])
def test_byte_ranges_partition_the_lines(files, task_bytes):
    for corpus in (open_corpus([str(files / "a.txt"), str(files / "b.txt")]),
                   open_corpus(str(files / "d.txt"), encoding="cp949")):
        ranges = plan_ranges(corpus, 2, task_bytes)
        if task_bytes == 7:
            assert len(ranges) > 50
        assert [line for r in ranges for line in corpus.read_range(*r)] == list(corpus)


def test_byte_ranges_of_a_tsv_keep_its_column(files):
    corpus = open_corpus(str(files / "c.tsv"))
    from dataclasses import replace
    corpus.sources = [replace(corpus.sources[0], format="tsv", column="document")]
    ranges = plan_ranges(corpus, 2, 20)
    lines = [line for r in ranges for line in corpus.read_range(*r)]
    assert len(ranges) > 10 and lines == list(corpus) and lines[:2] == [S1, S2]


@pytest.fixture(scope="module")
def cluster():
    distributed = pytest.importorskip("distributed", reason="dask[distributed] is not installed")
    with distributed.LocalCluster(n_workers=2, threads_per_worker=1, processes=True, dashboard_address=":0") as c:
        with distributed.Client(c) as client:
            yield client


@pytest.mark.parametrize("tokenizer", ["whitespace", "kiwi"])
def test_dask_ids_equal_the_in_process_ids(files, cluster, tmp_path, tokenizer):
    corpus = open_corpus([str(files / "a.txt"), str(files / "b.txt")])
    tok = get_tokenizer(tokenizer)
    here = encode_corpus(corpus, tok, cache=False, progress=False)
    seen = []

    class Recorder:
        n = 0

        def update(self, n):
            self.n += n
            seen.append(n)

        def close(self):
            pass

    out = tmp_path / "dask"
    index = encode_on_dask(corpus, tok, str(out), scheduler=cluster, task_bytes=97, shard_tokens=50, bar=Recorder())
    there = EncodedCorpus.load(out)
    assert len(index["shards"]) > 10 and {s["name"][:10] for s in index["shards"]} != {"part-00000"}
    assert there.types == here.types and there.counts.tolist() == here.counts.tolist()
    assert np.array_equal(there.ids, here.ids) and np.array_equal(there.line_offsets, here.line_offsets)
    assert there.digest == here.digest and there.tokenizer_config == here.tokenizer_config
    assert sum(seen) == here.n_tokens and len(seen) >= 2


def test_cli_encode_on_a_running_scheduler_address(files, cluster, tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    address = cluster.scheduler.address
    out = tmp_path / "shards"
    result = CliRunner().invoke(cli, ["--quiet", "encode", str(files / "b.txt"), "-o", str(out), "--tokenizer",
                                      "whitespace", "--scheduler", address], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    local = encode_corpus(open_corpus(str(files / "b.txt")), get_tokenizer("whitespace"), cache=False,
                          progress=False)
    assert np.array_equal(EncodedCorpus.load(out).ids, local.ids)
    lines = CliRunner().invoke(cli, ["--quiet", "tokenize", str(files / "b.txt"), "--tokenizer", "whitespace",
                                     "--scheduler", address], catch_exceptions=False)
    assert lines.output.splitlines() == [line.strip() for line in ENGLISH.splitlines() if line.strip()]


def test_without_a_scheduler_dask_is_never_imported(files, tmp_path):
    code = ("import sys; from click.testing import CliRunner; from w2vlm_cli.main import cli; "
            f"r = CliRunner().invoke(cli, ['--quiet', 'encode', {str(files / 'b.txt')!r}, '-o', "
            f"{str(tmp_path / 'o')!r}, '--tokenizer', 'whitespace']); assert r.exit_code == 0, r.output; "
            "print(sorted(m for m in sys.modules if m.split('.')[0] in ('dask', 'distributed')))")
    done = subprocess.run([sys.executable, "-c", code], capture_output=True, text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    assert done.stdout.strip() == "[]"


def test_a_missing_extra_is_a_one_line_hint(files, tmp_path, monkeypatch):
    monkeypatch.setitem(sys.modules, "distributed", None)   # import distributed -> ImportError
    with pytest.raises(W2VLMError, match=r"pip install 'w2vlm\[distributed\]'"):
        encode_corpus(open_corpus(str(files / "b.txt")), get_tokenizer("whitespace"), cache=False,
                      progress=False, scheduler="local")
