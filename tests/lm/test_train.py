"""Training mechanics: learning, lr decay, clipping, best checkpoint, resume, NaN guard, Ctrl-C and stop()."""

import math

import numpy as np
import pytest

from tests.embeddings.test_resume import StopAfter   # a stop() that says yes after N calls
from w2vlm import atomic_files
from w2vlm.errors import TrainingError
from w2vlm.lm.batching import BPTTBatches
from w2vlm.lm.checkpoint import RESUME, LMCheckpoint, load_resume
from w2vlm.lm.evaluate import perplexity
from w2vlm.lm.train import TrainConfig, train

from .stubs import BigramLM, tiny_vocab

V = 8


def cycle(n, step=1):
    return (np.arange(n) * step) % V


def make(seed=0, dropout=0.3):
    rng = np.random.default_rng(seed)
    return BigramLM(V, rng=rng, dropout=dropout), rng


def checkpoint(directory):
    return LMCheckpoint(directory, tiny_vocab(V), {"name": "whitespace"}, training={"batch_size": 4})


def test_training_learns_a_cycle_and_reports_per_epoch_metrics():
    model, rng = make()
    config = TrainConfig(batch_size=4, bptt=5, lr=5.0, epochs=3)
    history = train(model, cycle(400), cycle(60), config, start_id=1, test_ids=cycle(40), progress=False)
    ppls = [e.valid_ppl for e in history.epochs]
    assert ppls[-1] < ppls[0] < V and history.test_ppl < 2.0
    metrics = history.metrics()
    assert metrics["kind"] == "lm" and metrics["config"]["training"]["lr"] == 5.0
    assert metrics["valid_ppl"] == min(ppls) and metrics["test_ppl"] == history.test_ppl
    assert metrics["train_tokens_per_sec"] > 0 and metrics["train_seconds"] > 0
    assert set(metrics["epochs"][0]) >= {"train_ppl", "valid_ppl", "lr", "tokens_per_sec"}


def test_adam_option_trains():
    model, rng = make()
    config = TrainConfig(batch_size=4, bptt=5, lr=0.05, optimizer="adam", epochs=2)
    history = train(model, cycle(400), cycle(60), config, start_id=1, progress=False)
    assert history.best_valid_ppl < 3.0


def test_lr_is_divided_when_validation_perplexity_does_not_improve():
    model, rng = make(dropout=0.0)
    config = TrainConfig(batch_size=4, bptt=5, lr=20.0, epochs=4)
    # validation text runs the cycle backwards: learning the training text makes it worse every epoch
    history = train(model, cycle(400), cycle(60, step=-1), config, start_id=1, progress=False)
    assert [e.lr for e in history.epochs] == [20.0, 20.0, 5.0, 1.25]
    assert history.best_epoch == 1


def _one_sgd_step(clip):
    """The parameter change of one SGD step (lr 1: the change is the gradient the optimizer applied)."""
    model, _ = make(dropout=0.0)
    before = model.params[0].copy()
    config = TrainConfig(batch_size=4, bptt=5, lr=1.0, clip=clip, epochs=1)
    assert len(BPTTBatches(cycle(20), 4, 5, 1)) == 1
    train(model, cycle(20), None, config, start_id=1, progress=False)
    return model.params[0] - before


def test_gradients_are_clipped_to_the_global_norm():
    free = _one_sgd_step(clip=0)                    # clipping off: the raw gradient
    assert np.linalg.norm(free) > 0.1
    clipped = _one_sgd_step(clip=0.01)
    assert np.linalg.norm(clipped) == pytest.approx(0.01, rel=1e-3)   # scaled down to the limit ...
    np.testing.assert_allclose(clipped, free * (0.01 / np.linalg.norm(free)), rtol=1e-3, atol=1e-9)  # ... same way
    np.testing.assert_array_equal(_one_sgd_step(clip=100.0), free)   # a norm under the limit is left alone


def test_resumed_run_matches_an_uninterrupted_run(tmp_path):
    config = TrainConfig(batch_size=4, bptt=5, lr=20.0, epochs=4)
    train_ids, valid_ids = cycle(300, step=3), np.random.default_rng(5).integers(0, V, 50)
    model, rng = make(seed=7)
    full = train(model, train_ids, valid_ids, config, start_id=1, progress=False)

    model, rng = make(seed=7)
    first = TrainConfig(**dict(config.to_dict(), epochs=2))
    train(model, train_ids, valid_ids, first, start_id=1, checkpoint=checkpoint(tmp_path), progress=False)
    model, rng = make(seed=99)  # a fresh process: different init and RNG, all restored from resume.npz
    resumed = train(model, train_ids, valid_ids, config, start_id=1, checkpoint=checkpoint(tmp_path),
                    resume=load_resume(tmp_path), progress=False)
    strip = [{k: v for k, v in vars(e).items() if k not in ("seconds", "tokens_per_sec")} for e in full.epochs]
    assert [{k: v for k, v in vars(e).items() if k not in ("seconds", "tokens_per_sec")}
            for e in resumed.epochs] == strip
    assert len({e["lr"] for e in strip}) > 1  # the lr decay state was carried over too
    assert resumed.best_valid_ppl == full.best_valid_ppl


def test_resume_needs_a_resume_file(tmp_path):
    from w2vlm.errors import ArtifactError
    with pytest.raises(ArtifactError, match="--resume"):
        load_resume(tmp_path)


class NaNAfter(BigramLM):
    def __init__(self, steps, **kw):
        super().__init__(V, **kw)
        self.nan_at = steps

    def forward(self, xs, ts):
        loss = super().forward(xs, ts)
        return loss * np.float32("nan") if self.steps >= self.nan_at else loss


def test_nan_loss_stops_training_and_leaves_the_best_checkpoint_untouched(tmp_path):
    steps_per_epoch = len(BPTTBatches(cycle(400), 4, 5, 1))
    model = NaNAfter(steps_per_epoch + 3)
    with pytest.raises(TrainingError, match="epoch 2.*best model \\(epoch 1\\) is untouched"):
        train(model, cycle(400), cycle(60), TrainConfig(batch_size=4, bptt=5, lr=5.0, epochs=3), start_id=1,
              checkpoint=checkpoint(tmp_path), progress=False)
    saved = atomic_files.load_arrays(tmp_path / atomic_files.PARAMS)["W"]
    assert np.isfinite(saved).all()
    assert load_resume(tmp_path).history["best_epoch"] == 1


class InterruptAfter(BigramLM):
    def __init__(self, steps, **kw):
        super().__init__(V, **kw)
        self.stop_at = steps

    def forward(self, xs, ts):
        if self.steps + 1 == self.stop_at:
            raise KeyboardInterrupt
        return super().forward(xs, ts)


def test_ctrl_c_keeps_the_best_checkpoint_and_still_reports_test_perplexity(tmp_path):
    steps_per_epoch = len(BPTTBatches(cycle(400), 4, 5, 1))
    model = InterruptAfter(steps_per_epoch + 5)
    config = TrainConfig(batch_size=4, bptt=5, lr=5.0, epochs=3)
    history = train(model, cycle(400), cycle(60), config, start_id=1,
                    test_ids=cycle(40), checkpoint=checkpoint(tmp_path), progress=False)
    assert history.interrupted and len(history.epochs) == 1 and history.best_epoch == 1
    best = BigramLM(V, W=atomic_files.load_arrays(tmp_path / atomic_files.PARAMS)["W"])
    assert history.test_ppl == pytest.approx(perplexity(best, cycle(40), 1))
    assert (tmp_path / RESUME).exists()
    assert math.isfinite(history.metrics()["test_ppl"])


def test_resume_replays_an_lstm_with_dropout_exactly(tmp_path):
    from w2vlm.lm.model import LMConfig, RNNLM

    def lstm(seed):
        rng = np.random.default_rng(seed)
        return RNNLM(LMConfig(V, embed_size=6, hidden_size=6, dropout=0.3, num_layers=2), rng=rng), rng

    config = TrainConfig(batch_size=3, bptt=4, lr=0.01, optimizer="adam", epochs=3)
    train_ids, valid_ids = cycle(150, step=3), cycle(30)
    model, rng = lstm(3)
    full = train(model, train_ids, valid_ids, config, start_id=1, progress=False)
    model, rng = lstm(3)
    train(model, train_ids, valid_ids, TrainConfig(**dict(config.to_dict(), epochs=1)), start_id=1,
          checkpoint=checkpoint(tmp_path), progress=False)
    model, rng = lstm(4)
    resumed = train(model, train_ids, valid_ids, config, start_id=1, checkpoint=checkpoint(tmp_path),
                    resume=load_resume(tmp_path), progress=False)
    assert [(e.train_ppl, e.valid_ppl) for e in resumed.epochs] == [(e.train_ppl, e.valid_ppl) for e in full.epochs]


def test_init_embeddings_copies_matching_rows_and_checks_the_size():
    from w2vlm.embeddings.vectors import WordVectors
    from w2vlm.lm.data import init_embeddings

    model, _ = make()
    vocab = tiny_vocab(V)
    before = model.params[0].copy()
    vectors = WordVectors(["w3", "zzz", "w5"], np.arange(3 * V, dtype=np.float32).reshape(3, V))
    assert init_embeddings(model, vocab, vectors) == 2
    W = model.params[0]
    assert (W[3] == vectors.vectors[0]).all() and (W[5] == vectors.vectors[2]).all()
    assert (W[4] == before[4]).all()
    with pytest.raises(TrainingError, match="--embed-size 4"):
        init_embeddings(model, vocab, WordVectors(["w1"], np.zeros((1, 4), dtype=np.float32)))


def test_stop_inside_an_epoch_drops_it_keeps_the_best_and_resumes_as_the_same_run(tmp_path):
    config = TrainConfig(batch_size=4, bptt=5, lr=20.0, epochs=3)
    steps = len(BPTTBatches(cycle(400), 4, 5, 1))   # asked after every step but an epoch's last, then at its end
    full = train(make(seed=3)[0], cycle(400), cycle(60, step=3), config, start_id=1, progress=False)
    model, _ = make(seed=3)
    stop = StopAfter(steps + 2)                      # epoch 1, then three steps of epoch 2
    history = train(model, cycle(400), cycle(60, step=3), config, start_id=1, test_ids=cycle(40),
                    checkpoint=checkpoint(tmp_path), progress=False, stop=stop)
    assert stop.calls == steps + 3 and history.interrupted and [e.epoch for e in history.epochs] == [1]
    assert history.best_epoch == 1 and history.test_ppl is not None and history.metrics()["interrupted"] is True
    resumed = train(make(seed=8)[0], cycle(400), cycle(60, step=3), config, start_id=1,
                    checkpoint=checkpoint(tmp_path), resume=load_resume(tmp_path), progress=False)
    assert not resumed.interrupted
    assert [(e.loss, e.valid_ppl, e.lr) for e in resumed.epochs] == [(e.loss, e.valid_ppl, e.lr) for e in full.epochs]


def test_stop_at_an_epoch_end_keeps_that_epoch_and_after_the_last_is_no_interruption():
    config = TrainConfig(batch_size=4, bptt=5, lr=5.0, epochs=3)
    steps = len(BPTTBatches(cycle(400), 4, 5, 1))
    history = train(make()[0], cycle(400), cycle(60), config, start_id=1, progress=False, stop=StopAfter(steps - 1))
    assert history.interrupted and len(history.epochs) == 1
    one_step = TrainConfig(batch_size=4, bptt=5, lr=5.0, epochs=1)   # cycle(20) is one batch: asked only at the end
    history = train(make()[0], cycle(20), None, one_step, start_id=1, progress=False, stop=lambda: True)
    assert not history.interrupted and len(history.epochs) == 1
