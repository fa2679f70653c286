"""Host syncs and uploads of GPU training, counted per call site by the CuPy stand-in: no step waits for the host."""

import numpy as np
import pytest

from tests.support.standin_array import LEDGER
from w2vlm.lm import LMConfig, RNNLM
from w2vlm.lm.evaluate import score_stream
from w2vlm.lm.train import TrainConfig, train

LOG_EVERY = 20  # lm/train.py reads the loss once per 20 steps


def _train_counting(cp, config, model_options, tokens=2000, fused=True):
    rng = np.random.default_rng(0)
    model = RNNLM(LMConfig(vocab_size=30, embed_size=8, hidden_size=8, **model_options), xp=cp, rng=rng,
                  fused=fused)
    ids = np.random.default_rng(1).integers(0, 30, tokens)
    train(model, ids[:200], None, TrainConfig(**dict(config, epochs=1)), start_id=0, progress=False)
    LEDGER.reset()  # kernel self-checks and compilation are behind us: count steady-state epochs only
    history = train(model, ids, None, TrainConfig(**config), start_id=0, progress=False)
    steps = -(-(tokens // config["batch_size"]) // config["bptt"])
    return history, steps, model


@pytest.mark.parametrize("optimizer", ["sgd", "adam"])
@pytest.mark.parametrize("model_options", [dict(cell="lstm"), dict(cell="rnn", num_layers=2, tie_weights=True,
                                                                 dropout=0.3, dropout_kind="locked")])
@pytest.mark.parametrize("fused", [True, False])
def test_train_lm_syncs_once_per_logging_interval_and_uploads_the_stream_once_per_epoch(
        standin_cupy, optimizer, model_options, fused):
    epochs = 2
    config = dict(batch_size=4, bptt=5, optimizer=optimizer, lr=1.0 if optimizer == "sgd" else 0.01, epochs=epochs)
    history, steps, model = _train_counting(standin_cupy, config, model_options, fused=fused)
    assert len(history.epochs) == epochs and steps > 3 * LOG_EVERY
    in_loop = LEDGER.total("syncs", "lm/train.py")
    assert in_loop <= epochs * (-(-steps // LOG_EVERY) + 1), LEDGER.syncs  # + the end-of-epoch mean
    # everything else is the best model's host copy after each epoch (one read per parameter)
    assert LEDGER.total("syncs") - in_loop == epochs * len(model.params), LEDGER.syncs
    assert LEDGER.total("uploads") == 2 * epochs, LEDGER.uploads  # inputs and targets, once per epoch
    assert LEDGER.total("uploads", "batching.py") == 2 * epochs


def test_evaluation_uploads_the_stream_once_and_reads_one_number(standin_cupy):
    model = RNNLM(LMConfig(vocab_size=30, embed_size=8, hidden_size=8), xp=standin_cupy,
                  rng=np.random.default_rng(0))
    ids = np.random.default_rng(1).integers(0, 30, 1000)
    score_stream(model, ids[:50], 0, batch_size=3, bptt=7)
    LEDGER.reset()
    score_stream(model, ids, 0, batch_size=3, bptt=7)
    assert LEDGER.total("syncs") == 1 and LEDGER.total("uploads") == 2, (LEDGER.syncs, LEDGER.uploads)
