"""`w2vlm encode`, training on the shard directory, `w2vlm cache list|clear` and a damaged cache through the CLI."""

import json
import os
import time

import numpy as np
import pytest

from tests.test_cli_lm import corpus, run  # noqa: F401  (the 300-line corpus fixture and the quiet runner)
from w2vlm.text.encoded import EncodedCorpus


@pytest.fixture(autouse=True)
def cache_dir(tmp_path, monkeypatch):
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    return tmp_path / "cache"


def test_encode_then_train_embeddings_and_lm_on_the_directory(tmp_path, corpus):
    shards = tmp_path / "shards"
    result = run("encode", corpus, "-o", shards, "--tokenizer", "whitespace", "--shard-tokens", 500)
    assert result.exit_code == 0, result.output
    n_tokens = len(corpus.read_text().split())
    assert f"wrote {n_tokens:,} tokens (13 types, 300 lines)" in result.output
    assert len(EncodedCorpus.load(shards).shards) > 1
    from_dir = run("--seed", 1, "train-embeddings", shards, "-o", tmp_path / "v1", "--dim", 8, "--epochs", 1,
                   "--min-count", 1)
    from_text = run("--seed", 1, "train-embeddings", corpus, "-o", tmp_path / "v2", "--dim", 8, "--epochs", 1,
                    "--min-count", 1, "--tokenizer", "whitespace")
    assert from_dir.exit_code == 0 and from_text.exit_code == 0, from_dir.output + from_text.output
    config = json.loads((tmp_path / "v1" / "config.json").read_text())
    assert config["tokenizer"]["name"] == "whitespace"
    # the same ids and the same seed give the same vectors
    np.testing.assert_array_equal(np.load(tmp_path / "v1" / "params.npz")["vectors"],
                                  np.load(tmp_path / "v2" / "params.npz")["vectors"])
    lm = run("train-lm", shards, "-o", tmp_path / "lm", "--epochs", 1, "--batch-size", 4, "--bptt", 8,
             "--embed-size", 8, "--hidden-size", 8)
    assert lm.exit_code == 0, lm.output
    assert "valid ppl" in lm.output and "test ppl" in lm.output


def test_encode_refuses_a_folder_of_other_files(tmp_path, corpus):
    (tmp_path / "mine").mkdir()
    (tmp_path / "mine" / "keep.txt").write_text("x")
    result = run("encode", corpus, "-o", tmp_path / "mine", "--tokenizer", "whitespace")
    assert result.exit_code == 1 and "Error:" in result.output and "does not hold w2vlm shards" in result.output
    assert "Traceback" not in result.output


def test_a_damaged_shard_directory_is_one_error_line(tmp_path, corpus):
    shards = tmp_path / "shards"
    run("encode", corpus, "-o", shards, "--tokenizer", "whitespace")
    (ids_file,) = shards.glob("*.ids.npy")
    ids_file.write_bytes(ids_file.read_bytes()[:-8])
    result = run("train-embeddings", shards, "-o", tmp_path / "v", "--min-count", 1)
    assert result.exit_code == 1 and "does not match its checksum" in result.output
    assert len(result.output.strip().splitlines()) == 1


def test_damaged_cache_warns_rebuilds_and_cache_list_clear(tmp_path, corpus, cache_dir, caplog):
    args = ("train-embeddings", corpus, "--tokenizer", "whitespace", "--dim", 8, "--epochs", 1, "--min-count", 1)
    assert run(*args, "-o", tmp_path / "v1").exit_code == 0
    (entry,) = (cache_dir / "encoded").iterdir()
    ids_file = next(entry.glob("*.ids.npy"))
    data = bytearray(ids_file.read_bytes())
    data[-3] ^= 0xFF
    ids_file.write_bytes(bytes(data))
    again = run(*args, "-o", tmp_path / "v2")
    assert again.exit_code == 0, again.output
    assert "token cache entry" in caplog.text and "damaged" in caplog.text and "rebuilding" in caplog.text
    listed = run("cache", "list", "--json")
    rows = [json.loads(line) for line in listed.output.splitlines()]
    assert len(rows) == 1 and rows[0]["tokenizer"] == "whitespace" and rows[0]["status"] == "ok"
    assert rows[0]["n_tokens"] == len(corpus.read_text().split())
    table = run("cache", "list")
    assert rows[0]["key"][:12] in table.output and "1 entries" in table.output
    assert "removed 0 entries" in run("cache", "clear", "--older-than", 1).output
    old = time.time() - 3 * 86400
    os.utime(entry / "index.json", (old, old))
    assert "removed 1 entry" in run("cache", "clear", "--older-than", 2).output
    assert not any((cache_dir / "encoded").iterdir())
