"""The language-model training loop: truncated BPTT, clipping, SGD/Adam with lr decay, best checkpoint, resume."""

import logging
import math
import time
from dataclasses import asdict, dataclass, fields

from ..backend import array_module
from ..divergence import DivergenceGuard
from ..errors import TrainingError
from ..history import Epoch, History
from ..interrupt import DeferInterrupt
from ..nn.optim import SGD, Adam, clip_grads
from .checkpoint import restore_training
from .batching import BPTTBatches
from .evaluate import score_stream

logger = logging.getLogger("w2vlm")
MAX_LR = 1000.0   # far above any rate that trains (sgd 20, adam 0.002); higher is a typo


@dataclass
class TrainConfig:
    """Training hyper-parameters (saved in config.json under "training")."""
    batch_size: int = 20
    bptt: int = 35
    lr: float = 20.0
    clip: float = 0.25          # max global gradient norm; 0 turns clipping off
    optimizer: str = "sgd"      # "sgd" | "adam"
    epochs: int = 4
    lr_decay: float = 4.0       # lr /= lr_decay after an epoch whose validation perplexity did not improve
    eval_batch_size: int = 10
    min_lr: float | None = None  # the decay stops here; None: lr / 1000
    patience: int = 0            # stop after this many epochs without validation improvement; 0: never

    def __post_init__(self):
        if self.optimizer not in ("sgd", "adam"):
            raise TrainingError(f"unknown optimizer {self.optimizer!r}; use sgd or adam")
        if not 0 < self.lr <= MAX_LR:
            raise TrainingError(f"--lr {self.lr:g} is outside (0, {MAX_LR:g}]; the usual start is 20 for sgd "
                                f"(with --clip 0.25) and 0.002 for adam")
        if self.clip < 0 or self.epochs < 1 or self.lr_decay < 1 or self.patience < 0:
            raise TrainingError("--clip must be >= 0, --epochs >= 1, --patience >= 0 and the lr decay >= 1")
        if self.min_lr is None:
            self.min_lr = self.lr / 1000
        if not 0 <= self.min_lr <= self.lr:
            raise TrainingError(f"--min-lr {self.min_lr:g} must be between 0 and --lr {self.lr:g}")

    def to_dict(self):
        return asdict(self)

    @classmethod
    def from_dict(cls, d):
        names = {f.name for f in fields(cls)}
        return cls(**{k: v for k, v in d.items() if k in names})


def make_optimizer(config):
    return SGD(lr=config.lr) if config.optimizer == "sgd" else Adam(lr=config.lr)


def train(model, train_ids, valid_ids, config, *, start_id, test_ids=None, checkpoint=None, resume=None,
          progress=True, stop=None):
    """Train ``model`` on a host id stream and return a ``History`` (kind "lm").

    ``valid_ids``/``test_ids``: id streams scored with ``evaluate.score_stream`` (``None`` to skip). The model's
    generators (``model.rng``, and ``model.dropout_rng`` when it has one) are saved for ``resume``. The training
    stream is uploaded to the model's device once per epoch; a step never waits for the host (one host sync per
    20 steps reads the loss for the NaN check and the progress bar).
    ``checkpoint`` (a ``checkpoint.LMCheckpoint``, or None to keep the best parameters in memory) receives the
    best model after every improving epoch and the resume state after every epoch. ``resume`` is what
    ``checkpoint.load_resume`` returned: training continues after its last completed epoch, as if never stopped.
    ``stop()`` is asked after every step and every epoch: True ends training there, as Ctrl-C does (the epoch in
    progress is dropped, ``history.interrupted``); the best model is then scored on ``test_ids``.
    A diverged run (DivergenceGuard: a training loss, checked every 20 steps, that is not finite or whose
    perplexity is far above the vocabulary size) raises TrainingError without touching the saved best model.
    Validation perplexity is not guarded: a validation text unlike the training text may rightly score worse.
    """
    xp = array_module(model.params[0])
    batches = BPTTBatches(train_ids, config.batch_size, config.bptt, start_id)
    optimizer = make_optimizer(config)
    history = History("lm")
    best_state = None
    if resume is not None:
        history = History.from_metrics(restore_training(model, optimizer, resume, xp), "lm")
        logger.info("resuming after epoch %d (lr %g, best valid ppl %.2f)",
                    len(history.epochs), optimizer.lr, history.best_valid_ppl)
    history.config = {"model": model.config.to_dict(), "training": config.to_dict()}
    guard = DivergenceGuard.for_lm(model.config.vocab_size, config)
    try:
        for epoch in range(len(history.epochs) + 1, config.epochs + 1):
            with _epoch_bar(len(batches), epoch, config.epochs, progress) as bar:
                stats = _train_epoch(model, optimizer, batches, config, epoch, bar, history, stop, guard)
                if stats is not None and valid_ids is not None:
                    stats.valid_ppl = score_stream(model, valid_ids, start_id, config.eval_batch_size,
                                                   config.bptt, progress=progress).ppl
                    bar.set_postfix(loss=f"{stats.loss:.3f}", ppl=f"{stats.train_ppl:.1f}",
                                    tok_s=f"{stats.items_per_sec:,.0f}", valid_ppl=f"{stats.valid_ppl:.2f}")
            if stats is None:   # stop() ended the epoch: it is dropped, as after Ctrl-C
                history.interrupted = True
                break
            with DeferInterrupt():   # a Ctrl-C now lands after the checkpoint is saved, never inside it
                best_state, done = _end_epoch(model, optimizer, config, history, stats, checkpoint, best_state)
            if done:
                break
            if stop is not None and stop() and epoch < config.epochs:
                history.interrupted = True
                break
    except KeyboardInterrupt:
        history.interrupted = True
    if history.interrupted:
        logger.warning("interrupted after %d completed epochs; the best model (epoch %d) is kept",
                       len(history.epochs), history.best_epoch)
    if test_ids is not None and history.best_epoch:
        if checkpoint is not None:
            checkpoint.restore_best(model)
        elif best_state is not None:
            model.load_state_dict(best_state)
        result = score_stream(model, test_ids, start_id, config.eval_batch_size, config.bptt, progress=progress)
        history.test_ppl, history.test_tokens_per_sec = result.ppl, result.tokens_per_sec
    return history


def _end_epoch(model, optimizer, config, history, stats, checkpoint, best_state):
    """Record the epoch, keep the best model, decay the lr, log, save the resume state; returns
    ``(best_state, stop)`` where ``stop`` says --patience ran out."""
    epoch = stats.epoch
    history.epochs.append(stats)
    improved = (stats.valid_ppl is None or stats.valid_ppl < history.best_valid_ppl
                or not history.best_epoch)   # the first epoch is the best so far, whatever its score
    if improved:
        history.best_epoch = epoch
        history.best_valid_ppl = stats.valid_ppl if stats.valid_ppl is not None else math.inf
        if checkpoint is not None:
            checkpoint.save_best(model, history)
        else:
            best_state = model.state_dict()
    else:
        optimizer.lr = max(optimizer.lr / config.lr_decay, config.min_lr)
    waited = epoch - history.best_epoch
    logger.info("epoch %d/%d: train ppl %.2f, valid ppl %s, lr %g (min %g), %s tok/s, %.1f s%s", epoch,
                config.epochs, stats.train_ppl, _fmt(stats.valid_ppl), stats.lr, config.min_lr,
                f"{stats.items_per_sec:,.0f}", stats.seconds,
                " (best)" if improved else _patience_note(waited, config.patience))
    if checkpoint is not None:
        checkpoint.save_state(model, optimizer, history.metrics())
    if config.patience and waited >= config.patience and epoch < config.epochs:
        history.stopped_early = True
        logger.info("stopping early: no validation improvement for %d epoch(s) (--patience %d); the best "
                    "model is epoch %d", waited, config.patience, history.best_epoch)
        return best_state, True
    return best_state, False


def _epoch_bar(total, epoch, epochs, progress):
    """One bar per epoch: training loss, ppl and tok/s while it runs, then the validation perplexity."""
    from tqdm.auto import tqdm
    bar = tqdm(total=total, desc=f"epoch {epoch}/{epochs}", unit="batch", disable=not progress or None)
    return bar


def _train_epoch(model, optimizer, batches, config, epoch, bar, history, stop, guard):
    """One pass over the batches; returns the epoch's ``Epoch`` (valid_ppl filled in by the caller), or None
    when ``stop()`` ended it early."""
    xp = array_module(model.params[0])
    model.train()
    model.reset_state()
    lr = optimizer.lr
    loss_sum = xp.zeros((), dtype=xp.float64)
    tokens = 0
    started = time.perf_counter()
    for step, (xs, ts) in enumerate(batches.on_device(xp), 1):  # the streams go to the device once per epoch
        loss = model.forward(xs, ts)   # (B, T) ids -> mean CE over B*T
        model.backward()
        if config.clip > 0:
            clip_grads(model.grads, config.clip)
        optimizer.update(model.params, model.grads)
        loss_sum = loss_sum + loss * ts.size
        tokens += ts.size
        if step % 20 == 0 or step == len(batches):   # one host sync per 20 steps: NaN check + progress
            mean = float(loss_sum) / tokens
            guard.check(mean, f"in epoch {epoch} by step {step}", _kept(history))
            rate = tokens / (time.perf_counter() - started)
            bar.set_postfix(loss=f"{mean:.3f}", ppl=f"{_exp(mean):.1f}", tok_s=f"{rate:,.0f}", refresh=False)
        bar.update(1)
        if stop is not None and step < len(batches) and stop():
            return None
    seconds = time.perf_counter() - started
    mean = float(loss_sum) / tokens
    guard.check(mean, f"in epoch {epoch} by step {len(batches)}", _kept(history))
    return Epoch(epoch=epoch, loss=mean, seconds=seconds, items=tokens, lr=float(lr))


def _kept(history):
    return (f"the best model (epoch {history.best_epoch}) is untouched" if history.best_epoch
            else "nothing was saved")


def _patience_note(waited, patience):
    return f" (no improvement for {waited}" + (f" of --patience {patience} epochs)" if patience else
                                               f" epoch{'s' if waited > 1 else ''})")


def _exp(x):
    return math.exp(x) if x < 700 else math.inf


def _fmt(value):
    return "-" if value is None else f"{value:.2f}"

