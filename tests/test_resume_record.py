"""The one resume record of both trainers and the one conflict rule of both recipes."""

import inspect
import json

import numpy as np
import pytest

from w2vlm import ResumeRecord, atomic_files, merge_options
from w2vlm.embeddings import train_embeddings
from w2vlm.errors import ArtifactError, ResumeConflict, RunFinished
from w2vlm.lm import train_lm
from w2vlm.resume_record import RESUME


def _record(**fields):
    base = dict(kind="embeddings", epoch=1, position=700, history={"epochs": [{"epoch": 1, "loss": 2.5}]},
                random={"threads": [1, 2]}, progress={"loss_sum": 3.0, "examples": 4}, corpus={"digest": "ab"},
                tokenizer={"name": "whitespace"}, arrays={"W_in": np.ones((3, 2), np.float32)})
    return ResumeRecord(**dict(base, **fields))


def test_the_record_round_trips_through_resume_npz(tmp_path):
    record = _record()
    record.save(tmp_path / RESUME)
    again = ResumeRecord.load(tmp_path, "embeddings")
    assert again.to_json() == record.to_json() and again.completed_epochs == 1
    np.testing.assert_array_equal(again.arrays["W_in"], record.arrays["W_in"])
    assert again.describe(5) == "epoch 2 of 5"


def test_a_record_of_the_other_trainer_or_a_damaged_one_is_refused(tmp_path):
    _record().save(tmp_path / RESUME)
    with pytest.raises(ArtifactError, match="belongs to a embeddings run, not a lm run"):
        ResumeRecord.load(tmp_path, "lm")
    arrays = atomic_files.load_arrays(tmp_path / RESUME)
    for bad in ("[1, 2]", '{"kind": "embeddings", "epoch": -3}', '{"kind": "embeddings", "history": 5}',
                '{"kind": "embeddings", "progress": {"loss_sum": NaN}}', "not json"):
        arrays["record"] = np.array(bad)
        atomic_files.save_arrays(tmp_path / RESUME, arrays)
        with pytest.raises(ArtifactError, match="resume.npz"):
            ResumeRecord.load(tmp_path, "embeddings")


def test_a_record_never_holds_non_finite_numbers(tmp_path):
    with pytest.raises(ValueError):
        _record(progress={"loss_sum": float("inf")}).save(tmp_path / RESUME)
    assert not (tmp_path / RESUME).exists()


def test_finished_runs_say_how_to_continue():
    with pytest.raises(RunFinished, match="already finished 3 of its 3 epochs; give --epochs above 3"):
        _record(epoch=3, position=0).check_unfinished(3, "out")
    _record(epoch=2, position=0).check_unfinished(3, "out")
    lm = ResumeRecord("lm", history={"epochs": [{}, {}]})
    with pytest.raises(RunFinished, match="2 of its 2"):
        lm.check_unfinished(2, "lm")


def test_one_rule_equal_is_fine_different_names_both_epochs_may_grow():
    saved = {"dim": 8, "lr": 0.025, "subwords": None, "epochs": 5, "shrink_window": True}
    assert merge_options(saved, {"dim": 8, "lr": 0.025 + 1e-15}) == saved
    with pytest.raises(ResumeConflict, match="--subwords jamo conflicts with the resumed run's off"):
        merge_options(saved, {"subwords": "jamo"})
    with pytest.raises(ResumeConflict, match="--dim 9 conflicts with the resumed run's 8"):
        merge_options(saved, {"dim": 9})
    with pytest.raises(ResumeConflict, match="--epochs 4 is below the resumed run's 5"):
        merge_options(saved, {"epochs": 4})
    assert merge_options(saved, {"epochs": 7})["epochs"] == 7
    with pytest.raises(ResumeConflict, match="--fixed-window False conflicts"):
        merge_options(saved, {"shrink_window": False}, flags={"shrink_window": "--fixed-window"})


def test_both_recipes_have_the_same_shape():
    embeddings, lm = (inspect.signature(f).parameters for f in (train_embeddings, train_lm))
    assert list(embeddings)[:2] == list(lm)[:2] == ["corpus", "output"]
    shared = ("tokenizer", "resume", "xp", "fused", "workers", "scheduler", "progress", "stop", "run")
    for name in shared:
        assert embeddings[name].kind == lm[name].kind == inspect.Parameter.KEYWORD_ONLY, name
        assert embeddings[name].default == lm[name].default, name


def test_an_older_embeddings_directory_still_resumes(tmp_path):
    """A directory written before resume.npz: run_state in config.json, output_weights in params.npz."""
    directory = tmp_path / "old"
    directory.mkdir()
    state = {"epoch": 1, "position": 0, "loss_sum": 0.0, "examples": 0, "seconds": 0.0, "trained_words": 9,
             "epochs": [{"loss": 2.0, "seconds": 1.0}], "train_seconds": 1.0, "random": {"threads": [5]}}
    atomic_files.save_config(directory, "embeddings", {"run_state": state, "corpus_digest": "cd",
                                                       "tokenizer": {"name": "whitespace"}})
    W = np.arange(6, dtype=np.float32).reshape(3, 2)
    atomic_files.save_arrays(directory / atomic_files.PARAMS, {"vectors": W, "output_weights": W + 1})
    record = ResumeRecord.load(directory, "embeddings")
    assert record.epoch == 1 and record.random == {"threads": [5]} and record.corpus["digest"] == "cd"
    np.testing.assert_array_equal(record.arrays["W_out"], W + 1)
    config = json.loads((directory / "config.json").read_text())
    atomic_files.save_config(directory, "embeddings", dict(config, subwords={"kind": "jamo"}))
    with pytest.raises(ArtifactError, match="cannot be continued"):
        ResumeRecord.load(directory, "embeddings")
