"""Model directories are written atomically and read back without pickle."""

import numpy as np
import pytest

from w2vlm import atomic_files
from w2vlm.errors import ArtifactError


def test_json_round_trip_keeps_korean_readable(tmp_path):
    path = tmp_path / "a" / "x.json"
    atomic_files.write_json(path, {"word": "국민"})
    assert "국민" in path.read_text(encoding="utf-8")
    assert atomic_files.read_json(path) == {"word": "국민"}
    assert [p.name for p in path.parent.iterdir()] == ["x.json"]  # no temp file left behind


def test_failed_write_leaves_old_file_and_no_temp(tmp_path):
    path = tmp_path / "x.txt"
    atomic_files.write_text(path, "old")

    def boom(handle):
        handle.write(b"half")
        raise RuntimeError("disk full")

    with pytest.raises(RuntimeError):
        atomic_files.atomic_write(path, boom)
    assert path.read_text() == "old"
    assert [p.name for p in tmp_path.iterdir()] == ["x.txt"]


def test_arrays_saved_as_float32_and_loaded_without_pickle(tmp_path):
    path = tmp_path / "params.npz"
    atomic_files.save_arrays(path, {"W": np.ones((2, 3), np.float64), "ids": np.arange(4, dtype=np.int32)})
    loaded = atomic_files.load_arrays(path)
    assert loaded["W"].dtype == np.float32 and loaded["ids"].dtype == np.int32


def test_object_arrays_are_refused(tmp_path):
    path = tmp_path / "evil.npz"
    np.savez(path, x=np.array([{"a": 1}], dtype=object))
    with pytest.raises(ArtifactError, match="cannot be read"):
        atomic_files.load_arrays(path)


def test_config_kind_is_checked(tmp_path):
    atomic_files.save_config(tmp_path, "lm", {"hidden_size": 3})
    assert atomic_files.load_config(tmp_path, "lm")["hidden_size"] == 3
    with pytest.raises(ArtifactError, match="language model"):
        atomic_files.load_config(tmp_path, "embeddings")


def test_missing_and_damaged_directories(tmp_path):
    with pytest.raises(ArtifactError, match="does not exist"):
        atomic_files.load_config(tmp_path / "nope", "lm")
    with pytest.raises(ArtifactError, match="not a w2vlm model directory"):
        atomic_files.load_config(tmp_path, "lm")
    (tmp_path / "config.json").write_text("{not json")
    with pytest.raises(ArtifactError, match="damaged"):
        atomic_files.load_config(tmp_path, "lm")
