"""The LM learning-rate schedule: decay stops at --min-lr (default lr/1000), --patience stops early, lr range."""

import logging

import pytest

from w2vlm.errors import TrainingError
from w2vlm.lm.train import TrainConfig, train

from .test_train import cycle, make


def _never_improving(config):
    model, _ = make(dropout=0.0)
    # validation text runs the cycle backwards: learning the training text makes it worse every epoch
    return train(model, cycle(400), cycle(60, step=-1), config, start_id=1, progress=False)


def test_decay_stops_at_min_lr():
    history = _never_improving(TrainConfig(batch_size=4, bptt=5, lr=20.0, epochs=6, min_lr=2.0))
    assert [e.lr for e in history.epochs] == [20.0, 20.0, 5.0, 2.0, 2.0, 2.0]


def test_default_min_lr_is_a_thousandth_of_lr():
    assert TrainConfig(lr=20.0).min_lr == pytest.approx(0.02)
    history = _never_improving(TrainConfig(batch_size=4, bptt=5, lr=1.0, epochs=8, lr_decay=10.0))
    assert min(e.lr for e in history.epochs) == pytest.approx(1e-3)   # not 1e-6


def test_patience_stops_after_epochs_without_improvement(caplog):
    with caplog.at_level(logging.INFO, logger="w2vlm"):
        history = _never_improving(TrainConfig(batch_size=4, bptt=5, lr=20.0, epochs=10, patience=2))
    assert len(history.epochs) == 3 and history.stopped_early and history.best_epoch == 1
    assert history.metrics()["stopped_early"] is True
    log = caplog.text
    assert "lr 20 (min 0.02)" in log and "no improvement for 2 of --patience 2 epochs" in log
    assert "stopping early" in log


@pytest.mark.parametrize("changes, message", [({"lr": 0.0}, "--lr 0 is outside"), ({"lr": 5000.0}, "outside"),
                                              ({"min_lr": 30.0}, "--min-lr 30 must be between"),
                                              ({"patience": -1}, "--patience >= 0")])
def test_settings_out_of_range_name_the_option(changes, message):
    with pytest.raises(TrainingError, match=message):
        TrainConfig(**{"lr": 20.0, **changes})
