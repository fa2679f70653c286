"""Damaged model files (truncated, bit-flipped, empty, wrong shape or dtype) are one `Error:` line naming the file."""

import json

import numpy as np
import pytest

from .conftest import LM_SMALL, assert_one_error, run


def truncate(path):
    data = path.read_bytes()
    path.write_bytes(data[: len(data) // 2])


def flip_bit(path):
    data = bytearray(path.read_bytes())
    data[len(data) // 2] ^= 0x10   # inside the stored array data: the CRC no longer matches
    path.write_bytes(bytes(data))


def empty(path):
    path.write_bytes(b"")


DAMAGES = [truncate, flip_bit, empty]


def _uncompressed_npz(path):
    """np.savez stores arrays uncompressed: a flipped data bit is caught by the zip CRC only."""
    assert path.read_bytes()[:2] == b"PK"


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_vectors_params(vectors_dir, damage):
    _uncompressed_npz(vectors_dir / "params.npz")
    damage(vectors_dir / "params.npz")
    assert_one_error(run("similar", vectors_dir, "cat"), "params.npz", "train or import it again")


@pytest.mark.parametrize("name", ["vocab.json", "config.json"])
@pytest.mark.parametrize("damage", [truncate, empty])   # JSON has no checksum: a flipped bit may still parse
def test_damaged_vectors_json(vectors_dir, name, damage):
    damage(vectors_dir / name)
    assert_one_error(run("similar", vectors_dir, "cat"), name)


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_lm_params(lm_dir, damage):
    damage(lm_dir / "params.npz")
    assert_one_error(run("generate", lm_dir, "--length", 3), "params.npz", "train or import it again")


@pytest.mark.parametrize("damage", DAMAGES)
def test_damaged_resume_state(lm_dir, corpus, damage):
    damage(lm_dir / "resume.npz")
    assert_one_error(run("train-lm", "--resume", lm_dir, "--epochs", 3), "resume.npz", "without --resume")


def test_wrong_shape_and_dtype(vectors_dir, lm_dir):
    arrays = dict(np.load(lm_dir / "params.npz"))
    name = next(iter(arrays))
    np.savez(lm_dir / "params.npz", **dict(arrays, **{name: arrays[name][:1]}))
    assert_one_error(run("perplexity", lm_dir, lm_dir / "vocab.json"), "shape")
    np.savez(lm_dir / "params.npz", **dict(arrays, **{name: arrays[name].astype(np.int32)}))
    assert_one_error(run("generate", lm_dir), "not float arrays", name)
    np.savez(vectors_dir / "params.npz", vectors=np.zeros((3, 8), dtype=np.int64))
    assert_one_error(run("similar", vectors_dir, "cat"), "float 'vectors'")
    config = json.loads((vectors_dir / "config.json").read_text())
    (vectors_dir / "config.json").write_text(json.dumps([config]))
    assert_one_error(run("similar", vectors_dir, "cat"), "config.json")


@pytest.mark.parametrize("damage", DAMAGES)
@pytest.mark.parametrize("binary", [False, True])
def test_damaged_word2vec_files(vectors_dir, tmp_path, damage, binary):
    path = tmp_path / ("v.bin" if binary else "v.txt")
    result = run("export", vectors_dir, "-o", path, *(["--format", "word2vec-binary"] if binary else []))
    assert result.exit_code == 0, result.output
    damage(path)
    result = run("import-vectors", path, "-o", tmp_path / "imported")
    if damage is flip_bit and result.exit_code == 0:   # word2vec files have no checksum: a flipped bit
        return                                          # may leave a valid word or number
    assert_one_error(result, str(path))
    assert not (tmp_path / "imported").exists()


def test_lm_options_are_small():   # keeps LM_SMALL imported for the modules that extend this suite
    assert "--hidden-size" in LM_SMALL
