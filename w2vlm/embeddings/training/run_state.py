"""Where a word2vec run stands (epoch, block, loss so far, generator states) so that it can stop and resume exactly."""

from dataclasses import dataclass

import numpy as np

from ...errors import ArtifactError
from ...history import Epoch

SAVED_BEFORE_BLOCK_WORDS = 1 << 17   # the numba path's block size of runs saved before the state recorded it


@dataclass
class ResumePoint:
    """What ``train_word2vec(resume=...)`` continues from: the weights and ``history.state`` of a saved run."""
    W_in: np.ndarray
    W_out: np.ndarray
    state: dict
    words: tuple = ()   # the vocabulary, most frequent first (checked against the resumed corpus)
    corpus_digest: str = None   # content digest of the corpus the run trained on
    tokenizer: dict = None      # the run's tokenizer config

    @classmethod
    def from_vectors(cls, vectors, where):
        """From a loaded train-embeddings directory (its vectors, output weights and config's run_state)."""
        if vectors.config.get("subwords"):
            raise ArtifactError(f"{where} holds subword (--subwords) vectors, which --resume cannot continue yet "
                                f"(only their composed word vectors are saved); train anew without --resume")
        state = vectors.config.get("run_state")
        W_out = vectors.extra_arrays.get("output_weights")
        if not isinstance(state, dict) or W_out is None:
            raise ArtifactError(f"{where} holds no training state (made by import-vectors or an older w2vlm); "
                                f"train anew without --resume")
        if W_out.shape != vectors.vectors.shape:
            raise ArtifactError(f"{where}: output_weights {W_out.shape} do not match the vectors "
                                f"{vectors.vectors.shape}; the model directory is damaged, train it again")
        return cls(np.array(vectors.vectors, dtype=np.float32), np.array(W_out, dtype=np.float32), state,
                   tuple(vectors.words), vectors.config.get("corpus_digest"), vectors.config.get("tokenizer"))


@dataclass
class _Start:
    epoch: int
    position: int
    loss_sum: float
    examples: int
    seconds: float


def snapshot(trainer, history, epoch, position, loss_sum, examples, seconds):
    """The JSON state of a run stopped in ``epoch`` (0-based) before ``position`` (a block boundary)."""
    return {"epoch": int(epoch), "position": int(position), "loss_sum": float(loss_sum), "examples": int(examples),
            "seconds": float(seconds), "trained_words": int(trainer.trained_words),
            "epochs": [e.to_dict("embeddings") for e in history.epochs], "train_seconds": float(history.train_seconds),
            "block_words": int(trainer.config.block_words), "path": getattr(trainer, "path", None),
            "random": trainer.random_state() if hasattr(trainer, "random_state") else None}


def restore(resume, trainer, history):
    """Put the trainer's generators and ``history`` back where ``resume.state`` stopped; return where to start."""
    state = resume.state
    try:
        history.epochs = [Epoch.from_dict(row, number, history.raw_words)   # older states' rows too
                          for number, row in enumerate(state["epochs"], 1)]
        if state["random"] is not None and hasattr(trainer, "set_random_state"):
            _check_same_path(state, trainer)
            trainer.set_random_state(state["random"])
        elif int(state["position"]):   # the CUDA runner keys its generator by epoch: only epoch ends resume
            raise ArtifactError("this run stopped inside an epoch on a path that cannot continue there (the "
                                "CUDA kernel); train anew without --resume")
        _check_block_grid(state, trainer)
        trainer.trained_words = int(state["trained_words"])
        return _Start(int(state["epoch"]), int(state["position"]), float(state["loss_sum"]),
                      int(state["examples"]), float(state["seconds"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"the saved training state is damaged ({exc}); train anew without --resume") from None


# how to put a run back on the path it trained on
_PATH_HINTS = {"numba kernel": "the fused CPU kernel: --device cpu without --no-fused (fused=True on NumPy)",
               "layered model": "the layered model: w2vlm --no-fused (fused=False)"}


def _check_same_path(state, trainer):
    """The generators of one runner cannot continue on another: name the path the run needs."""
    saved, now = state.get("path"), getattr(trainer, "path", None)
    if saved and now and saved != now:
        raise ArtifactError(f"this run trained on the {saved} and cannot continue on the {now} (their random "
                            f"generators differ); resume it on {_PATH_HINTS.get(saved, 'the ' + saved)}")


def _check_block_grid(state, trainer):
    """A run stopped inside an epoch continues on the block grid it stopped on: the same block size."""
    saved = int(state.get("block_words", SAVED_BEFORE_BLOCK_WORDS))
    now = getattr(trainer, "block_words", None)   # the numba runners; the others do not cut epochs by it
    if int(state["position"]) and now is not None and now != saved:
        raise ArtifactError(f"this run stopped inside an epoch at a block boundary of block_words={saved}; resume "
                            f"it with the same block size (Word2VecConfig(block_words={saved}), now {now})")


def resume_weights(resume, shape):
    """The saved (W_in, W_out), checked against the vocabulary size and dim of the resumed run."""
    if resume.W_in.shape != shape:
        raise ArtifactError(f"the saved vectors have shape {resume.W_in.shape}, the resumed run needs {shape}; "
                            f"resume with the same corpus and options")
    return resume.W_in.copy(), resume.W_out.copy()


def describe(state, epochs):
    """'epoch 2 of 5' (the epoch a stopped run was in) for messages about an incomplete run."""
    epoch = int(state.get("epoch", 0))
    return f"epoch {min(epoch + 1, epochs)} of {epochs}" if epoch < epochs else f"all {epochs} epochs"

