"""One training record for both trainers: an Epoch per completed epoch, the run's History, and its --metrics JSON."""

import math
from dataclasses import dataclass, field
from typing import Optional

from .atomic_files import write_json
from .errors import ArtifactError

UNITS = {"embeddings": "words", "lm": "tokens"}   # what an epoch's ``items`` counts, by model kind


@dataclass
class Epoch:
    """One completed epoch of either trainer (model-specific fields stay None for the other kind)."""
    epoch: int                            # 1-based
    loss: float                           # mean training loss: word2vec's negative-sampling loss per example,
                                          # the LM's cross-entropy in nats per token
    seconds: float
    items: int                            # what the rate counts: corpus words read (word2vec, before min_count),
                                          # tokens trained on (LM)
    lr: Optional[float]                   # LM: the rate of the whole epoch; word2vec: the rate it began at (the
                                          # schedule decays linearly over the run); None in older word2vec rows
    valid_ppl: Optional[float] = None     # LM: validation perplexity (None without validation text)
    trained_words: Optional[int] = None   # word2vec: words left after frequent-word subsampling
    examples: Optional[int] = None        # word2vec: predictions the loss averages over

    @property
    def items_per_sec(self):
        return self.items / max(self.seconds, 1e-9)

    @property
    def train_ppl(self):
        """exp(loss): the LM's training perplexity."""
        return math.exp(self.loss) if self.loss < 700 else math.inf

    def to_dict(self, kind):
        """The epoch's row in the metrics JSON: the common keys, then the ``kind``'s own."""
        row = {"epoch": self.epoch, "loss": self.loss, "seconds": self.seconds, "items": self.items,
               "items_per_sec": self.items_per_sec, "lr": self.lr}
        if kind == "lm":
            row.update(train_ppl=self.train_ppl, valid_ppl=self.valid_ppl, tokens_per_sec=self.items_per_sec)
        else:
            row.update(words_per_sec=self.items_per_sec, trained_words=self.trained_words, examples=self.examples)
        return row

    @classmethod
    def from_dict(cls, row, number, items=None):
        """An epoch back from ``to_dict``, or from the rows written before it: the LM's (``train_ppl`` and
        ``train_tokens``, no ``loss``) and word2vec's (no ``epoch``, ``items`` or ``lr``: ``number`` and ``items``
        stand in, the lr stays unknown)."""
        loss = row["loss"] if "loss" in row else math.log(row["train_ppl"])
        items = row.get("items", row.get("train_tokens", items))
        lr = row.get("lr")
        return cls(epoch=int(row.get("epoch", number)), loss=float(loss), seconds=float(row["seconds"]),
                   items=int(items), lr=None if lr is None else float(lr), valid_ppl=row.get("valid_ppl"),
                   trained_words=row.get("trained_words"), examples=row.get("examples"))


@dataclass
class History:
    """What a training run did, for word2vec and the LM alike; ``metrics()`` is the ``--metrics`` JSON object."""
    kind: str                                    # "embeddings" | "lm"
    epochs: list = field(default_factory=list)   # one Epoch per completed epoch
    config: Optional[dict] = None                # the settings the run trained with
    interrupted: bool = False                    # stopped (Ctrl-C, ``stop()``) before its last epoch
    stopped_early: bool = False                  # the LM's --patience ran out
    # word2vec
    raw_words: Optional[int] = None              # corpus words per epoch before min_count (the words/s numerator)
    state: Optional[object] = None               # the run's ResumeRecord (w2vlm/resume_record.py), for --resume
    # language model
    best_epoch: int = 0                          # 0: no epoch completed
    best_valid_ppl: float = math.inf
    test_ppl: Optional[float] = None             # the best model on the test text
    test_tokens_per_sec: Optional[float] = None

    def __post_init__(self):
        if self.kind not in UNITS:
            raise ValueError(f"unknown model kind {self.kind!r}; use one of {', '.join(UNITS)}")

    @property
    def train_seconds(self):
        """Seconds spent in the completed epochs."""
        return sum(e.seconds for e in self.epochs)

    @property
    def items_per_sec(self):
        """Words (word2vec) or tokens (LM) per second over the completed epochs; None before the first."""
        return sum(e.items for e in self.epochs) / max(self.train_seconds, 1e-9) if self.epochs else None

    @property
    def words_per_sec(self):
        """word2vec's name for ``items_per_sec`` (corpus words, as gensim counts them)."""
        return self.items_per_sec

    @property
    def loss(self):
        """The last completed epoch's mean loss (NaN before the first)."""
        return self.epochs[-1].loss if self.epochs else math.nan

    def metrics(self):
        """The ``--metrics`` JSON object: the common keys, then the kind's own (see docs/ARCHITECTURE.md)."""
        metrics = {"kind": self.kind, "unit": UNITS[self.kind], "epochs": [e.to_dict(self.kind) for e in self.epochs],
                   "items_per_sec": self.items_per_sec, "train_seconds": self.train_seconds,
                   "interrupted": self.interrupted, "stopped_early": self.stopped_early, "config": self.config}
        if self.kind == "embeddings":
            metrics.update(words_per_sec=self.items_per_sec, raw_words=self.raw_words)
            return metrics
        metrics.update(train_tokens_per_sec=self.items_per_sec, best_epoch=self.best_epoch,
                       valid_ppl=self.best_valid_ppl if math.isfinite(self.best_valid_ppl) else None)
        if self.test_ppl is not None:
            metrics.update(test_ppl=self.test_ppl, test_tokens_per_sec=self.test_tokens_per_sec)
        return metrics

    @classmethod
    def from_metrics(cls, metrics, kind):
        """A History back from ``metrics()``, or from the layouts before it (the LM's resume state with
        ``best_valid_ppl``; word2vec's run state with dict epochs); ``kind`` says which when the object does not."""
        try:
            kind = metrics.get("kind", kind)
            raw_words = metrics.get("raw_words")
            epochs = [Epoch.from_dict(row, number, raw_words) for number, row in enumerate(metrics["epochs"], 1)]
            best = metrics.get("valid_ppl", metrics.get("best_valid_ppl"))
            return cls(kind=kind, epochs=epochs, config=metrics.get("config"), raw_words=raw_words,
                       best_epoch=int(metrics.get("best_epoch", 0)), best_valid_ppl=math.inf if best is None else best,
                       test_ppl=metrics.get("test_ppl"), test_tokens_per_sec=metrics.get("test_tokens_per_sec"))
        except (AttributeError, KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"the saved training history is damaged ({exc!r}); train anew without "
                                f"--resume") from None


def write_metrics(path, history):
    """Write ``history.metrics()`` as JSON to ``path`` (atomically)."""
    write_json(path, history.metrics())
