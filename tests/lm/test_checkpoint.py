"""The LM directory (lm/checkpoint.py): save/load round trip, damaged parameters, the resume file, the start id."""

import numpy as np
import pytest

from w2vlm import atomic_files
from w2vlm.errors import ArtifactError
from w2vlm.lm import LMConfig, RNNLM
from w2vlm.lm.checkpoint import (RESUME, load_lm, load_params, load_resume, restore_training, save_lm, save_resume,
                               start_id)
from w2vlm.nn.optim import Adam
from w2vlm.text import Vocab

WORDS = ["<unk>", "<eos>", "가", "나", "다", "the"]


def small_lm(seed=0):
    config = LMConfig(vocab_size=len(WORDS), cell="lstm", embed_size=4, hidden_size=4, tie_weights=True)
    return RNNLM(config, rng=np.random.default_rng(seed))


def vocab():
    return Vocab(WORDS, [0, 0, 5, 4, 3, 2])


def test_save_then_load_rebuilds_the_same_model(tmp_path):
    model = small_lm()
    save_lm(tmp_path / "lm", model, vocab(), {"name": "whitespace"}, training={"epochs": 1}, info={"valid_ppl": 5.5})
    loaded = load_lm(tmp_path / "lm")
    assert loaded.model.config == model.config
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(loaded.model.state_dict()[name], value)
    assert loaded.vocab.words == WORDS and loaded.start_id == 1
    assert loaded.config["training"] == {"epochs": 1} and loaded.config["valid_ppl"] == 5.5
    assert loaded.tokenizer.tokenize("가 나") == ["가", "나"]
    xs = np.array([[1, 2, 3]])
    model.eval()
    np.testing.assert_allclose(loaded.model.predict(xs), model.predict(xs), rtol=1e-6)


def test_parameters_that_do_not_fit_the_config_are_an_artifact_error(tmp_path):
    model = small_lm()
    arrays = model.state_dict()
    name = next(iter(arrays))
    arrays[name] = np.zeros((1, 1), np.float32)
    with pytest.raises(ArtifactError, match="has shape"):
        load_params(model, arrays, tmp_path)
    arrays[name] = np.array(["text"])
    with pytest.raises(ArtifactError, match="not float arrays"):
        load_params(model, arrays, tmp_path)


def test_missing_vocab_is_named(tmp_path):
    save_lm(tmp_path / "lm", small_lm(), vocab(), {"name": "whitespace"})
    (tmp_path / "lm" / atomic_files.VOCAB).unlink()
    with pytest.raises(ArtifactError, match="vocab.json is missing"):
        load_lm(tmp_path / "lm")


def test_resume_file_round_trips_params_optimizer_and_generators(tmp_path):
    model = small_lm()
    optimizer = Adam(0.01)
    optimizer.update(model.params, [np.ones_like(p) for p in model.params])
    model.dropout_rng.uniform(np, (5,))
    save_resume(tmp_path, model, optimizer, {"epochs": [], "best_epoch": 0})
    record = load_resume(tmp_path)
    assert record.history == {"epochs": [], "best_epoch": 0} and record.optimizer == {"lr": 0.01, "step": 1}
    assert record.kind == "lm" and record.epoch == 0 and set(record.random) == {"rng", "dropout"}
    for name, value in model.state_dict().items():
        np.testing.assert_array_equal(record.arrays[f"param.{name}"], value)
    np.testing.assert_array_equal(record.arrays["optim.m.0"], optimizer.m[0])
    expected_draw = model.rng.random(3)
    expected_mask = model.dropout_rng.uniform(np, (4,))

    again, again_optimizer = small_lm(seed=5), Adam(0.5)
    assert restore_training(again, again_optimizer, record) == record.history
    np.testing.assert_array_equal(again.rng.random(3), expected_draw)
    np.testing.assert_array_equal(again.dropout_rng.uniform(np, (4,)), expected_mask)
    assert again_optimizer.lr == 0.01 and again_optimizer.step == 1
    np.testing.assert_array_equal(again_optimizer.v[1], optimizer.v[1])


def test_resume_without_file_or_state_says_what_to_do(tmp_path):
    with pytest.raises(ArtifactError, match="has no resume.npz"):
        load_resume(tmp_path)
    atomic_files.save_arrays(tmp_path / RESUME, {"param.x": np.zeros(2, np.float32)})
    with pytest.raises(ArtifactError, match="damaged"):
        load_resume(tmp_path)


def test_start_id_needs_an_eos_token():
    assert start_id(vocab()) == 1
    with pytest.raises(ArtifactError, match="no <eos>"):
        start_id(Vocab(["a", "b"], [2, 1]))
