"""The one training record: both trainers' --metrics share their common keys, and older resume states still load."""

from dataclasses import replace

import json
import math

import numpy as np
import pytest

from tests.embeddings.test_train import topic_corpus
from tests.lm.stubs import BigramLM, tiny_vocab
from w2vlm import Epoch, History, atomic_files
from w2vlm.embeddings.train import Word2VecConfig, train_word2vec
from w2vlm.errors import ArtifactError
from w2vlm.lm.checkpoint import RESUME, LMCheckpoint, load_resume
from w2vlm.lm.train import TrainConfig, train

COMMON = {"kind", "unit", "epochs", "items_per_sec", "train_seconds", "interrupted", "stopped_early", "config"}
COMMON_EPOCH = {"epoch", "loss", "seconds", "items", "items_per_sec", "lr"}


def lm_history():
    epochs = [Epoch(1, math.log(300.0), 2.0, 1000, 20.0, valid_ppl=200.0),
              Epoch(2, math.log(150.0), 3.0, 1000, 20.0, valid_ppl=210.0)]
    return History("lm", epochs, config={"training": {"lr": 20.0}}, best_epoch=1, best_valid_ppl=200.0,
                   test_ppl=190.0, test_tokens_per_sec=5e4)


def embeddings_history():
    epochs = [Epoch(1, 3.9, 2.0, 5000, 0.025, trained_words=4000, examples=30000),
              Epoch(2, 3.1, 3.0, 5000, 0.0125, trained_words=4100, examples=31000)]
    return History("embeddings", epochs, config={"dim": 100}, raw_words=5000)


def test_both_kinds_write_the_common_keys_plus_their_own():
    lm, w2v = lm_history().metrics(), embeddings_history().metrics()
    assert COMMON <= set(lm) and COMMON <= set(w2v)
    assert all(COMMON_EPOCH <= set(row) for row in lm["epochs"] + w2v["epochs"])
    assert (lm["kind"], lm["unit"], w2v["kind"], w2v["unit"]) == ("lm", "tokens", "embeddings", "words")
    assert lm["items_per_sec"] == lm["train_tokens_per_sec"] == pytest.approx(2000 / 5.0)
    assert w2v["items_per_sec"] == w2v["words_per_sec"] == pytest.approx(10000 / 5.0)
    assert lm["train_seconds"] == w2v["train_seconds"] == 5.0
    assert (lm["valid_ppl"], lm["best_epoch"], lm["test_ppl"]) == (200.0, 1, 190.0)
    assert [row["train_ppl"] for row in lm["epochs"]] == pytest.approx([300.0, 150.0])
    assert [row["tokens_per_sec"] for row in lm["epochs"]] == pytest.approx([500.0, 1000 / 3])
    assert w2v["raw_words"] == 5000 and [row["trained_words"] for row in w2v["epochs"]] == [4000, 4100]
    assert [row["words_per_sec"] for row in w2v["epochs"]] == pytest.approx([2500.0, 5000 / 3])
    assert "valid_ppl" not in w2v and "raw_words" not in lm
    json.dumps(lm), json.dumps(w2v)   # plain JSON


@pytest.mark.parametrize("make", [lm_history, embeddings_history])
def test_metrics_read_back_into_the_same_history(make):
    history = make()
    again = History.from_metrics(json.loads(json.dumps(history.metrics())), None)
    assert again == history


def test_a_history_without_epochs():
    history = History("lm")
    assert history.items_per_sec is None and history.train_seconds == 0 and math.isnan(history.loss)
    assert history.metrics()["valid_ppl"] is None
    with pytest.raises(ValueError, match="unknown model kind"):
        History("glove")


def test_a_damaged_record_is_an_artifact_error():
    with pytest.raises(ArtifactError, match="history is damaged"):
        History.from_metrics({"epochs": [{"loss": 1.0}]}, "lm")   # no seconds


def _old_lm_state(metrics):
    """The resume state as w2vlm wrote it before history.py: EpochStats rows, no loss, best_valid_ppl."""
    rows = [{"epoch": r["epoch"], "train_ppl": r["train_ppl"], "valid_ppl": r["valid_ppl"], "lr": r["lr"],
             "tokens_per_sec": r["tokens_per_sec"], "seconds": r["seconds"], "train_tokens": r["items"]}
            for r in metrics["epochs"]]
    return {"train_tokens_per_sec": metrics["items_per_sec"], "train_seconds": metrics["train_seconds"],
            "valid_ppl": metrics["valid_ppl"], "best_epoch": metrics["best_epoch"], "interrupted": False,
            "stopped_early": False, "epochs": rows, "best_valid_ppl": metrics["valid_ppl"]}


def test_an_lm_resume_state_in_the_older_layout_still_continues_the_run(tmp_path):
    V = 8
    config = TrainConfig(batch_size=4, bptt=5, lr=20.0, epochs=4)
    train_ids, valid_ids = (np.arange(300) * 3) % V, np.random.default_rng(5).integers(0, V, 50)

    def model():
        return BigramLM(V, rng=np.random.default_rng(7), dropout=0.3)

    def checkpoint():
        return LMCheckpoint(tmp_path, tiny_vocab(V), {"name": "whitespace"}, training={"batch_size": 4})

    full = train(model(), train_ids, valid_ids, config, start_id=1, progress=False)
    train(model(), train_ids, valid_ids, TrainConfig(**dict(config.to_dict(), epochs=2)), start_id=1,
          checkpoint=checkpoint(), progress=False)
    arrays = atomic_files.load_arrays(tmp_path / RESUME)   # rewritten as w2vlm wrote it before the ResumeRecord
    record = json.loads(str(arrays.pop("record")))
    state = {"history": _old_lm_state(record["history"]), "lr": record["optimizer"]["lr"],
             "rng": record["random"]["rng"], **({"dropout": record["random"]["dropout"]} if "dropout" in record["random"] else {}),
             "optimizer": {k: v for k, v in record["optimizer"].items() if k != "lr"}}
    arrays["state"] = np.array(json.dumps(state))
    atomic_files.save_arrays(tmp_path / RESUME, arrays)
    resumed = train(model(), train_ids, valid_ids, config, start_id=1, checkpoint=checkpoint(),
                    resume=load_resume(tmp_path), progress=False)
    assert [e.epoch for e in resumed.epochs] == [1, 2, 3, 4] and resumed.best_epoch == full.best_epoch
    assert [(e.lr, e.valid_ppl, e.items) for e in resumed.epochs] == [(e.lr, e.valid_ppl, e.items) for e in full.epochs]
    assert [e.train_ppl for e in resumed.epochs] == pytest.approx([e.train_ppl for e in full.epochs], rel=1e-12)
    assert resumed.best_valid_ppl == full.best_valid_ppl


def test_a_word2vec_run_state_in_the_older_layout_still_resumes():
    ids, offsets, counts, _ = topic_corpus(lines=100)
    config = Word2VecConfig(dim=8, window=2, min_count=1, sample=0.0, epochs=2, seed=1)
    W_in, W_out, done = train_word2vec(ids, offsets, counts, config, progress=False)
    old_rows = [{"loss": e.loss, "words_per_sec": e.items_per_sec, "seconds": e.seconds,
                 "trained_words": e.trained_words, "examples": e.examples} for e in done.epochs]
    old_state = replace(done.state, history=dict(done.state.history, epochs=old_rows))
    longer = Word2VecConfig(**dict(vars(config), epochs=3))
    runs = [train_word2vec(ids, offsets, counts, longer, progress=False, resume=state)
            for state in (done.state, old_state)]
    (new_in, _, new), (old_in, _, old) = runs
    np.testing.assert_array_equal(old_in, new_in)
    assert [e.epoch for e in old.epochs] == [1, 2, 3] and [e.items for e in old.epochs] == [len(ids)] * 3
    assert [e.loss for e in old.epochs] == [e.loss for e in new.epochs]
    assert [e.lr for e in old.epochs][:2] == [None, None] and old.epochs[2].lr == new.epochs[2].lr
    assert [e.seconds for e in old.epochs[:2]] == [e.seconds for e in done.epochs]   # kept from the saved run
