"""Issue 21, shard directories are untrusted input: plain names only, an index digest over the counts, counts
checked against the arrays, ids in range; `cache clear` removes only what w2vlm wrote."""

import hashlib
import io
import json

import numpy as np
import pytest

from w2vlm.text.shard_index import seal

from .conftest import W2V_SMALL, assert_one_error, run


@pytest.fixture
def shards(corpus, tmp_path):
    out = tmp_path / "shards"
    assert run("encode", corpus, "-o", out, "--tokenizer", "whitespace").exit_code == 0
    return out


def _index(shards):
    return json.loads((shards / "index.json").read_text())


def _write_index(shards, index, reseal=True):
    index = {k: v for k, v in index.items() if k != "index_sha256"}
    (shards / "index.json").write_text(json.dumps(seal(index) if reseal else index))


def _train(shards, tmp_path):
    return run("train-embeddings", shards, "-o", tmp_path / "v", "--dim", "8", "--min-count", "1", "--epochs", "1")


@pytest.mark.parametrize("name", ["../outside", "/etc/passwd", "sub/part", "..", ".hidden"])
def test_shard_names_outside_the_directory_are_refused(shards, tmp_path, name):   # item 7
    index = _index(shards)
    real = index["shards"][0]["name"]
    for suffix in (".ids.npy", ".offsets.npy"):   # a readable copy outside, so only the name check can stop it
        (tmp_path / f"outside{suffix}").write_bytes((shards / f"{real}{suffix}").read_bytes())
    index["shards"][0]["name"] = name
    _write_index(shards, index)
    assert_one_error(_train(shards, tmp_path), "not a plain file name", "nothing was opened")
    assert not (tmp_path / "v").exists()


@pytest.mark.parametrize("key,value", [("n_lines", 5), ("n_tokens", 10 ** 9)])
def test_edited_counts_never_load(shards, tmp_path, key, value):   # item 8
    index = _index(shards)
    index[key] = value
    _write_index(shards, index, reseal=False)
    assert_one_error(_train(shards, tmp_path), "index.json", "index_sha256")
    index["shards"][0][key] = value   # counts edited consistently and the digest recomputed: the arrays disagree
    _write_index(shards, index)
    assert_one_error(_train(shards, tmp_path), "index entry says")


def test_token_ids_out_of_range_name_the_shard(shards, tmp_path):   # item 9
    index = _index(shards)
    name = index["shards"][0]["name"]
    path = shards / f"{name}.ids.npy"
    ids = np.load(path)
    ids[3] = index["n_types"] + 7
    buffer = io.BytesIO()
    np.save(buffer, ids)
    path.write_bytes(buffer.getvalue())
    index["shards"][0]["ids_sha256"] = hashlib.sha256(buffer.getvalue()).hexdigest()
    _write_index(shards, index)
    assert_one_error(_train(shards, tmp_path), f"shard {name}", "token ids outside")
    assert_one_error(run("train-lm", shards, "-o", tmp_path / "lm", "--epochs", "1"), f"shard {name}")


def test_cache_clear_removes_only_w2vlm_entries(corpus, tmp_path):   # item 4
    assert run("train-embeddings", corpus, "-o", tmp_path / "v", *W2V_SMALL).exit_code == 0
    encoded = tmp_path / "cache" / "encoded"
    mine = encoded / "my-notes"
    mine.mkdir()
    (mine / "keep.txt").write_text("mine")
    (encoded / "0123456789abcdef0123456789abcdef").mkdir()   # a key-like name, but no index: not w2vlm's
    result = run("cache", "clear")
    assert result.exit_code == 0 and "removed 1 entry" in result.output, result.output
    assert sorted(p.name for p in encoded.iterdir()) == ["0123456789abcdef0123456789abcdef", "my-notes"]
    assert (mine / "keep.txt").read_text() == "mine"
