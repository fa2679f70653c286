"""Fuzzing what w2vlm parses from disk with a seeded mutator: index.json, vocab.json, config.json, word2vec text and
binary files, user dictionaries and TSV. Every mutated input loads or gives one Error line (never a traceback);
a file covered by a digest (index.json) never loads once its content changed."""

import json
import random
import struct
import time

import pytest

from w2vlm.errors import W2VLMError
from w2vlm.text import read_user_dict

from .conftest import run

ROUNDS = 60          # mutations per target; the whole file stays well under a minute
JSON_VALUES = [None, True, -1, 0, 2 ** 63, 1e308, "", "../x", "/etc/passwd", [], {}, [1, "a"], "NaN", 3.5]


def mutate_bytes(data, rng):
    """One random damage: a flipped bit, a cut, a deleted or inserted or repeated stretch, a swapped byte."""
    data = bytearray(data)
    kind = rng.randrange(6)
    at = rng.randrange(max(len(data), 1))
    if kind == 0 and data:
        data[at] ^= 1 << rng.randrange(8)
    elif kind == 1:
        del data[at:]
    elif kind == 2:
        del data[at:at + rng.randint(1, 16)]
    elif kind == 3:
        data[at:at] = bytes(rng.randrange(256) for _ in range(rng.randint(1, 8)))
    elif kind == 4:
        data[at:at] = data[at:at + rng.randint(1, 32)]
    elif data:
        data[at] = rng.choice(b"0123456789 \t\n-.,{}[]\":e")
    return bytes(data)


def mutate_json(obj, rng):
    """A structural change: a value replaced by a hostile one, a key dropped, or a list entry duplicated."""
    obj = json.loads(json.dumps(obj))
    paths = list(_paths(obj))
    path = rng.choice(paths)
    parent, key = _walk(obj, path[:-1]), path[-1]
    action = rng.randrange(3)
    if action == 0 or not isinstance(parent, (dict, list)):
        parent[key] = rng.choice(JSON_VALUES)
    elif action == 1 and isinstance(parent, dict):
        del parent[key]
    elif isinstance(parent, list):
        parent.insert(key, parent[key])
    else:
        parent[key] = rng.choice(JSON_VALUES)
    return obj


def _paths(obj, prefix=()):
    items = obj.items() if isinstance(obj, dict) else enumerate(obj) if isinstance(obj, list) else ()
    for key, value in list(items)[:50]:
        yield prefix + (key,)
        yield from _paths(value, prefix + (key,))


def _walk(obj, path):
    for key in path:
        obj = obj[key]
    return obj


def mutations(path, rng, rounds=ROUNDS):
    """``rounds`` damaged versions of the file at ``path`` (half byte-level, half JSON-aware for .json files)."""
    original = path.read_bytes()
    for n in range(rounds):
        if path.suffix == ".json" and n % 2:
            yield json.dumps(mutate_json(json.loads(original), rng), ensure_ascii=False).encode("utf-8")
        else:
            yield mutate_bytes(original, rng)


def assert_loads_or_one_error(result, data):
    assert result.exception is None or isinstance(result.exception, SystemExit), (repr(result.exception), data[:300])
    assert "Traceback" not in result.output, data[:300]
    assert result.exit_code in (0, 1, 2), result.output
    if result.exit_code:
        errors = [line for line in result.output.splitlines() if line.startswith("Error:")]
        assert len(errors) == 1, (result.output, data[:300])


def _same_json(first, second):
    try:
        return json.loads(first) == json.loads(second)
    except ValueError:
        return False


@pytest.fixture
def started():
    began = time.monotonic()
    yield
    assert time.monotonic() - began < 60


def test_fuzz_shard_index_never_loads_when_changed(corpus, tmp_path, started):
    shards = tmp_path / "shards"
    assert run("encode", corpus, "-o", shards, "--tokenizer", "whitespace").exit_code == 0
    index = shards / "index.json"
    original = index.read_bytes()
    rng = random.Random(21)
    for n, data in enumerate(mutations(index, rng, rounds=2 * ROUNDS)):
        index.write_bytes(data)
        result = run("train-embeddings", shards, "-o", tmp_path / f"v{n}", "--dim", "4", "--min-count", "1",
                     "--epochs", "1")
        assert_loads_or_one_error(result, data)
        if not _same_json(data, original):
            assert result.exit_code != 0, data[:300]   # the digest covers it: a changed index never loads
    index.write_bytes(original)


@pytest.mark.parametrize("name", ["vocab.json", "config.json"])
def test_fuzz_embeddings_artifact(vectors_dir, tmp_path, name, started):
    target = vectors_dir / name
    original = target.read_bytes()
    rng = random.Random(name)
    for data in mutations(target, rng):
        target.write_bytes(data)
        assert_loads_or_one_error(run("similar", vectors_dir, "cat", "-k", "2"), data)
    target.write_bytes(original)


@pytest.mark.parametrize("name", ["vocab.json", "config.json"])
def test_fuzz_lm_artifact(lm_dir, name, started):
    target = lm_dir / name
    original = target.read_bytes()
    rng = random.Random(name + "lm")
    for data in mutations(target, rng):
        target.write_bytes(data)
        assert_loads_or_one_error(run("generate", lm_dir, "--length", "3"), data)
    target.write_bytes(original)


@pytest.mark.parametrize("binary", [False, True])
def test_fuzz_word2vec_import(tmp_path, binary, started):
    source = tmp_path / ("vec.bin" if binary else "vec.txt")
    rows = [(f"w{i}", [((i * 7 + j) % 11) / 10 for j in range(4)]) for i in range(12)]
    if binary:
        source.write_bytes(b"12 4\n" + b"".join(w.encode() + b" " + struct.pack("<4f", *v) + b"\n" for w, v in rows))
    else:
        source.write_text("12 4\n" + "".join(f"{w} {' '.join(map(str, v))}\n" for w, v in rows))
    rng = random.Random(int(binary))
    for n, data in enumerate(mutations(source, rng, rounds=2 * ROUNDS)):
        damaged = tmp_path / f"damaged{n}{source.suffix}"
        damaged.write_bytes(data)
        result = run("import-vectors", damaged, "-o", tmp_path / f"m{n}", "--binary" if binary else "--text")
        assert_loads_or_one_error(result, data)


def test_fuzz_user_dictionary(tmp_path, started):
    source = tmp_path / "words.tsv"
    source.write_text("# my words\n고양이\tNNG\t1.5\n강아지\tNNG\n먹보\tNNP\t-2  # a comment\n", encoding="utf-8")
    rng = random.Random(7)
    for n, data in enumerate(mutations(source, rng, rounds=4 * ROUNDS)):
        damaged = tmp_path / f"d{n}.tsv"
        damaged.write_bytes(data)
        try:
            entries = read_user_dict(damaged)
        except W2VLMError as exc:
            assert "\n" not in str(exc).strip()
            continue
        assert all(isinstance(score, float) and abs(score) <= 100 for _, _, score in entries)


@pytest.mark.parametrize("errors", ["strict", "replace"])
def test_fuzz_tsv_column(tmp_path, errors, started):
    source = tmp_path / "ratings.tsv"
    source.write_text("id\tdocument\tlabel\n" + "".join(f"{i}\tthe cat sat {i}\t{i % 2}\n" for i in range(30)),
                      encoding="utf-8")
    rng = random.Random(errors)
    for n, data in enumerate(mutations(source, rng, rounds=2 * ROUNDS)):
        damaged = tmp_path / f"r{n}.tsv"
        damaged.write_bytes(data)
        result = run("tokenize", damaged, "--tokenizer", "whitespace", "--column", "document", "--errors", errors)
        assert_loads_or_one_error(result, data)


def test_the_mutator_damages_its_input():
    rng = random.Random(0)
    assert sum(mutate_bytes(b"0123456789", rng) != b"0123456789" for _ in range(20)) >= 15
    original = {"a": [1, 2], "b": {"c": "d"}}
    assert sum(mutate_json(original, rng) != original for _ in range(20)) >= 10
