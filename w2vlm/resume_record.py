"""ResumeRecord: where a stopped or finished run stands, the same for both trainers, kept in the model's resume.npz.

A train-embeddings or train-lm directory holds one ``resume.npz``: the training arrays (``param.*``: the weights
the trainer updates; ``optim.*``: optimizer arrays) and one JSON ``record`` with the fields of
:class:`ResumeRecord`. This module is the only one that writes or reads it. Directories written before it still
resume: the LM's older ``resume.npz`` (a JSON ``state``) and word2vec's ``run_state`` in config.json beside the
``output_weights`` of params.npz are read into the same record.
"""

import json
import math
from dataclasses import asdict, dataclass, field, fields, replace
from pathlib import Path
from typing import Optional

import numpy as np

from . import atomic_files
from .errors import ArtifactError, RunFinished

RESUME = "resume.npz"
KINDS = ("embeddings", "lm")
FORMAT = 1


@dataclass
class ResumeRecord:
    """Everything a trainer needs to continue a run exactly as if it had never stopped.

    ``epoch`` is the 0-based epoch the run continues in and ``position`` where inside it (word2vec stops at block
    boundaries; 0 means the epoch's start, so ``epoch`` is then the number of completed epochs). ``history`` holds
    the completed epochs' rows (``History.metrics()``'s layout); ``random`` the generators' states; ``optimizer``
    the optimizer's scalars (the LM's lr, Adam's step); ``progress`` the trainer's own counters (word2vec: the
    loss, examples and seconds of the epoch so far, trained words, block size, which runner). ``corpus`` is
    ``{"digest", "specs"}`` and ``inputs`` the other files the run read (``{"valid": {"path", "digest"}}``,
    absolute paths); ``tokenizer`` the tokenizer's config. ``arrays`` are saved beside the JSON in resume.npz.
    """
    kind: str
    epoch: int = 0
    position: int = 0
    history: dict = field(default_factory=dict)
    random: Optional[dict] = None
    optimizer: dict = field(default_factory=dict)
    progress: dict = field(default_factory=dict)
    corpus: dict = field(default_factory=dict)
    inputs: dict = field(default_factory=dict)
    tokenizer: Optional[dict] = None
    arrays: dict = field(default_factory=dict, repr=False)

    def __post_init__(self):
        if self.kind not in KINDS:
            raise ArtifactError(f"a resume record of unknown kind {self.kind!r}; expected one of {', '.join(KINDS)}")

    @property
    def completed_epochs(self):
        """Epochs finished before the run stopped."""
        return len(self.history.get("epochs") or [])

    def with_arrays(self, **arrays):
        """A copy holding ``arrays`` (name -> array) instead of its own."""
        return replace(self, arrays=dict(arrays))

    def check_unfinished(self, epochs, where):
        """RunFinished when the run already trained all ``epochs`` epochs (nothing left to continue)."""
        done = self.completed_epochs if self.kind == "lm" else self.epoch
        if done >= epochs:
            raise RunFinished(f"{where} already finished {done} of its {epochs} epochs; give --epochs above {done} "
                              f"to train it further")

    def describe(self, epochs):
        """'epoch 2 of 5' (the epoch a stopped run was in) for messages about an incomplete run."""
        epoch = self.epoch if self.kind == "embeddings" else self.completed_epochs
        return f"epoch {min(epoch + 1, epochs)} of {epochs}" if epoch < epochs else f"all {epochs} epochs"

    def to_json(self):
        """The record without its arrays, as a JSON-able dict (finite numbers only)."""
        data = {f.name: getattr(self, f.name) for f in fields(self) if f.name != "arrays"}
        return dict(data, format=FORMAT)

    def save(self, path):
        """Write resume.npz at ``path`` atomically: the arrays plus the JSON record."""
        text = json.dumps(self.to_json(), ensure_ascii=False, allow_nan=False)
        arrays = {name: np.asarray(value) for name, value in self.arrays.items()}
        if "record" in arrays:
            raise ValueError("an array cannot be named 'record'")
        arrays["record"] = np.array(text)
        atomic_files.save_arrays(Path(path), arrays)

    @classmethod
    def from_json(cls, data, arrays=None):
        """The record of ``to_json()``'s dict (ArtifactError naming the problem when it is not one)."""
        if not isinstance(data, dict):
            raise ValueError("the record is not a JSON object")
        names = {f.name for f in fields(cls)} - {"arrays"}
        values = {name: data[name] for name in names if name in data}
        for name in ("epoch", "position"):
            if not isinstance(values.get(name, 0), int) or values.get(name, 0) < 0:
                raise ValueError(f"{name} is not a count")
        for name in ("history", "optimizer", "progress", "corpus", "inputs"):
            if not isinstance(values.get(name, {}), dict):
                raise ValueError(f"{name} is not an object")
        return cls(**values, arrays=dict(arrays or {}))

    @classmethod
    def load(cls, directory, kind):
        """The record of the ``kind`` run saved in ``directory`` (its resume.npz, or the layouts before it)."""
        directory = Path(directory)
        path = directory / RESUME
        if not path.exists():
            if kind == "embeddings":
                return _legacy_embeddings(directory)
            raise ArtifactError(f"{directory} has no {RESUME}; --resume needs the output directory of an earlier "
                                f"train-lm run that completed at least one epoch")
        arrays = atomic_files.load_arrays(path)
        try:
            if "record" in arrays:
                record = cls.from_json(json.loads(str(arrays.pop("record"))), arrays)
            elif kind == "lm" and "state" in arrays:
                record = _legacy_lm(json.loads(str(arrays.pop("state"))), arrays)
            else:
                raise ValueError("no training record")
        except (ValueError, TypeError, KeyError) as exc:
            raise ArtifactError(f"{path} is damaged ({exc}); {atomic_files.what_to_do(path)}") from None
        if record.kind != kind:
            raise ArtifactError(f"{path} belongs to a {record.kind} run, not a {kind} run; resume it with the "
                                f"command that trained it")
        _check_finite(record, path)
        return record


def _check_finite(record, path):
    """Numbers read back must be finite: a damaged record is refused, never trained on."""
    def walk(value):
        if isinstance(value, float) and not math.isfinite(value):
            raise ArtifactError(f"{path} holds a non-finite number; {atomic_files.what_to_do(path)}")
        if isinstance(value, dict):
            for item in value.values():
                walk(item)
        elif isinstance(value, list):
            for item in value:
                walk(item)
    walk(asdict(replace(record, arrays={})))


def _legacy_lm(state, arrays):
    """An LM resume.npz written before the record: params, optimizer arrays and a JSON ``state``."""
    if not isinstance(state, dict) or not isinstance(state.get("history"), dict):
        raise ValueError("no training history")
    random = {"rng": state["rng"]}
    if "dropout" in state:
        random["dropout"] = state["dropout"]
    optimizer = dict(state.get("optimizer") or {}, lr=float(state["lr"]))
    history = state["history"]
    return ResumeRecord("lm", epoch=len(history.get("epochs") or []), history=history, random=random,
                        optimizer=optimizer, arrays=arrays)


def _legacy_embeddings(directory):
    """A train-embeddings directory written before resume.npz: config.json's run_state and params.npz's vectors
    and output_weights."""
    config = atomic_files.load_config(directory, "embeddings")
    state = config.get("run_state")
    if config.get("subwords") and isinstance(state, dict):
        raise ArtifactError(f"{directory} holds subword vectors from a w2vlm that saved only their composed word "
                            f"vectors, which cannot be continued; train anew without --resume")
    arrays = atomic_files.load_arrays(directory / atomic_files.PARAMS)
    W_in, W_out = arrays.get("vectors"), arrays.get("output_weights")
    if not isinstance(state, dict) or W_in is None or W_out is None:
        raise ArtifactError(f"{directory} holds no training state (made by import-vectors or an older w2vlm); "
                            f"train anew without --resume")
    try:
        progress = {name: state[name] for name in ("loss_sum", "examples", "seconds", "trained_words")}
        for name in ("block_words", "path"):
            if name in state:
                progress[name] = state[name]
        history = {"epochs": list(state["epochs"]), "train_seconds": state.get("train_seconds", 0.0)}
        return ResumeRecord("embeddings", epoch=int(state["epoch"]), position=int(state["position"]),
                            history=history, random=state.get("random"), progress=progress,
                            corpus={"digest": config.get("corpus_digest"), "specs": config.get("corpus_specs")},
                            tokenizer=config.get("tokenizer"), arrays={"W_in": W_in, "W_out": W_out})
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"the saved training state in {directory} is damaged ({exc}); train anew without "
                            f"--resume") from None
