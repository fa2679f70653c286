"""Issue 21, files the user owns: kept on retrain, never deleted by a refused command, never overwritten by an
output that is also an input; outputs checked up front; encode -o swapped whole under kill -9; URL outputs."""

import os
import resource
import signal
import subprocess
import sys
from pathlib import Path

import pytest

from w2vlm import Output, check_outputs
from w2vlm.text import EncodedCorpus, encode_to_directory, get_tokenizer, open_corpus

from .conftest import LM_SMALL, W2V_SMALL, assert_one_error, run, write_corpus
from .test_kill_during_write import _kill_everywhere

CLI = [sys.executable, "-c", "from w2vlm_cli.main import cli; cli()"]


def _tree(path):
    return sorted(str(p.relative_to(path)) for p in Path(path).rglob("*"))


def test_retrain_keeps_the_users_files_in_a_model_directory(vectors_dir, corpus):   # item 1
    (vectors_dir / "notes.txt").write_text("my notes")
    (vectors_dir / "plots").mkdir()
    (vectors_dir / "plots" / "curve.png").write_bytes(b"png")
    assert run("train-embeddings", corpus, "-o", vectors_dir, *W2V_SMALL, "--epochs", "2").exit_code == 0
    assert (vectors_dir / "notes.txt").read_text() == "my notes"
    assert (vectors_dir / "plots" / "curve.png").read_bytes() == b"png"


def test_re_encode_keeps_the_users_files_in_a_shard_directory(corpus, tmp_path):   # item 1
    shards = tmp_path / "shards"
    assert run("encode", corpus, "-o", shards, "--tokenizer", "whitespace").exit_code == 0
    (shards / "notes.txt").write_text("source: crawl of May")
    assert run("encode", corpus, "-o", shards, "--tokenizer", "char").exit_code == 0
    assert (shards / "notes.txt").read_text() == "source: crawl of May"
    assert EncodedCorpus.load(shards).tokenizer_config["name"] == "char"


def test_only_w2vlm_temp_files_of_dead_writers_are_removed(vectors_dir, corpus, tmp_path):   # item 2
    draft = tmp_path / ".vec.txt.draft.tmp"
    draft.write_text("a draft of mine")
    inside = vectors_dir / ".scratch.tmp"
    inside.write_text("mine too")
    assert run("export", vectors_dir, "-o", tmp_path / "vec.txt").exit_code == 0
    assert run("train-embeddings", corpus, "-o", vectors_dir, *W2V_SMALL).exit_code == 0
    foreign = tmp_path / "foreign"
    foreign.mkdir()
    (foreign / "x.jpg").write_bytes(b"x")
    (tmp_path / ".foreign.old.tmp").write_text("kept")
    assert_one_error(run("train-embeddings", corpus, "-o", foreign, *W2V_SMALL), "not a w2vlm model directory")
    assert draft.read_text() == "a draft of mine" and inside.read_text() == "mine too"
    assert (tmp_path / ".foreign.old.tmp").read_text() == "kept"


def test_an_output_never_overwrites_its_own_input(vectors_dir, corpus, tmp_path):   # item 3
    params = vectors_dir / "params.npz"
    before = params.read_bytes()
    assert_one_error(run("export", vectors_dir, "-o", params), "inside the input directory")
    assert params.read_bytes() == before
    text = corpus.read_bytes()
    hard = tmp_path / "hard.json"
    os.link(corpus, hard)
    soft = tmp_path / "soft.json"
    soft.symlink_to(corpus)
    for metrics in (corpus, hard, soft):
        assert_one_error(run("train-embeddings", corpus, "-o", tmp_path / "v", *W2V_SMALL, "--metrics", metrics),
                         "is the input")
    assert corpus.read_bytes() == text and not (tmp_path / "v").exists()
    valid = tmp_path / "valid.txt"
    valid.write_text("the cat\n")
    assert_one_error(run("train-lm", corpus, "-o", tmp_path / "lm", *LM_SMALL, "--valid", valid, "--metrics", valid),
                     "is the input")
    assert valid.read_text() == "the cat\n"


def test_projector_export_keeps_a_users_tsv(vectors_dir, tmp_path):   # item 3
    folder = tmp_path / "proj"
    folder.mkdir()
    (folder / "vectors.tsv").write_text("my own table")
    assert_one_error(run("export", vectors_dir, "--format", "projector", "-o", folder), "vectors.tsv",
                     "did not write")
    assert (folder / "vectors.tsv").read_text() == "my own table"
    fresh = tmp_path / "fresh"
    for _ in range(2):   # w2vlm's own export is replaced
        assert run("export", vectors_dir, "--format", "projector", "-o", fresh).exit_code == 0


def test_a_read_only_output_is_refused_before_any_work(vectors_dir, corpus, tmp_path):   # item 5
    metrics = tmp_path / "m.json"
    metrics.write_text("{}")
    for path in [metrics, *vectors_dir.iterdir(), vectors_dir]:
        os.chmod(path, 0o555 if path.is_dir() else 0o444)
    cached = sorted((tmp_path / "cache").rglob("*"))
    try:
        fresh = write_corpus(tmp_path / "fresh.txt", seed=9)
        assert_one_error(run("train-embeddings", fresh, "-o", vectors_dir, *W2V_SMALL), "read-only")
        assert_one_error(run("train-embeddings", fresh, "-o", tmp_path / "other", *W2V_SMALL, "--metrics", metrics),
                         "--metrics", "read-only")
        assert_one_error(run("export", vectors_dir, "-o", metrics), "read-only")
        assert not (tmp_path / "other").exists() and metrics.read_text() == "{}"
        assert sorted((tmp_path / "cache").rglob("*")) == cached   # nothing was tokenized: the check came first
    finally:
        os.chmod(vectors_dir, 0o755)


@pytest.mark.skipif(not hasattr(os, "fork"), reason="needs os.fork to kill a writer mid-write")
def test_kill_during_encode_onto_existing_shards_leaves_old_or_new(tmp_path):   # item 6
    old = write_corpus(tmp_path / "old.txt", lines=40, seed=1)
    new = write_corpus(tmp_path / "new.txt", lines=60, seed=2)
    target = tmp_path / "shards"
    whitespace = get_tokenizer("whitespace")

    def encode(path):
        encode_to_directory(open_corpus([str(path)]), whitespace, target, progress=False, shard_tokens=64)

    def check():
        encoded = EncodedCorpus.load(target)   # verified: complete, checksums match
        return {40: "old", 60: "new"}[encoded.n_lines]

    outcomes = _kill_everywhere(lambda: encode(new), check, lambda: encode(old))
    assert outcomes[0] == "old" and outcomes[-1] == "new"


@pytest.mark.parametrize("url,fragment", [("nosuchproto://bucket/x", "unknown URL scheme 'nosuchproto://'"),
                                          ("http://example.invalid/x", "read-only")])
def test_url_outputs_get_one_error_line(corpus, url, fragment, tmp_path, monkeypatch):   # item 22
    monkeypatch.chdir(tmp_path)
    assert_one_error(run("encode", corpus, "-o", url, "--tokenizer", "whitespace"), fragment)


def test_url_output_of_a_model_is_refused(corpus, tmp_path, monkeypatch):   # item 22
    monkeypatch.chdir(tmp_path)   # before the fix this wrote a local folder s3:/bucket/model
    assert_one_error(run("train-embeddings", corpus, "-o", "s3://bucket/model", *W2V_SMALL), "s3://",
                     "local path")
    assert not (tmp_path / "s3:").exists()


def test_a_second_run_on_the_same_output_is_refused(corpus, tmp_path):   # fault: concurrent writers
    output = tmp_path / "model"
    with check_outputs([Output(output, "embeddings")]):
        assert_one_error(run("train-embeddings", corpus, "-o", output, *W2V_SMALL), "another w2vlm run")
        assert_one_error(run("encode", corpus, "-o", output, "--tokenizer", "whitespace"), "another w2vlm run")
    assert not output.exists()
    assert run("train-embeddings", corpus, "-o", output, *W2V_SMALL).exit_code == 0
    assert sorted(p.name for p in tmp_path.iterdir() if p.name.startswith(".")) == []   # lock file removed


def _limited(limit):
    def apply():
        signal.signal(signal.SIGXFSZ, signal.SIG_IGN)   # a write past the limit fails with EFBIG instead
        resource.setrlimit(resource.RLIMIT_FSIZE, (limit, limit))
    return apply


def test_full_disk_during_a_save_keeps_the_old_model(corpus, tmp_path):   # fault: file-size limit
    words = [f"w{i}" for i in range(600)]
    big = write_corpus(tmp_path / "big.txt", lines=2000, words=words)
    model = tmp_path / "model"
    env = dict(os.environ, W2VLM_CACHE=str(tmp_path / "cache"))
    base = [*CLI, "--quiet", "train-embeddings", *W2V_SMALL]
    assert subprocess.run([*base, str(corpus), "-o", str(model)], env=env).returncode == 0
    assert subprocess.run([*base, str(big), "-o", str(tmp_path / "warm")], env=env).returncode == 0   # cached
    before = {p.name: p.read_bytes() for p in model.iterdir()}
    result = subprocess.run([*base, str(big), "-o", str(model), "--dim", "64"], env=env, capture_output=True,
                            text=True, preexec_fn=_limited(60_000))
    assert result.returncode == 1 and "Traceback" not in result.stderr, result.stderr
    assert len([line for line in result.stderr.splitlines() if line.startswith("Error:")]) == 1, result.stderr
    assert {p.name: p.read_bytes() for p in model.iterdir()} == before
    assert not [p for p in tmp_path.rglob("*") if ".w2vlm-" in p.name or p.name.endswith(".tmp")]
    assert "File too large" in result.stderr
