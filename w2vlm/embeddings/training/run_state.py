"""Where a word2vec run stands (epoch, block, loss so far, generator states) as a ResumeRecord, so that it can stop
and resume exactly; and the divergence check of its loss."""

from dataclasses import dataclass

import numpy as np

from ...errors import ArtifactError
from ...history import Epoch
from ...resume_record import ResumeRecord

SAVED_BEFORE_BLOCK_WORDS = 1 << 17   # the numba path's block size of runs saved before the state recorded it


@dataclass
class _Start:
    epoch: int
    position: int
    loss_sum: float
    examples: int
    seconds: float


def snapshot(trainer, history, epoch, position, loss_sum, examples, seconds):
    """The ResumeRecord (without arrays) of a run stopped in ``epoch`` (0-based) before ``position`` (a block
    boundary)."""
    progress = {"loss_sum": float(loss_sum), "examples": int(examples), "seconds": float(seconds),
                "trained_words": int(trainer.trained_words), "block_words": int(trainer.config.block_words),
                "path": trainer.path}
    rows = {"epochs": [e.to_dict("embeddings") for e in history.epochs],
            "train_seconds": float(history.train_seconds)}
    return ResumeRecord("embeddings", epoch=int(epoch), position=int(position), history=rows, progress=progress,
                        random=trainer.random_state())


def restore(record, trainer, history):
    """Put the trainer's generators and ``history`` back where ``record`` stopped; return where to start."""
    progress = record.progress
    try:
        history.epochs = [Epoch.from_dict(row, number, history.raw_words)   # older states' rows too
                          for number, row in enumerate(record.history["epochs"], 1)]
        if record.position and not trainer.stops_mid_epoch:   # the CUDA runner keys its generator by epoch
            raise ArtifactError("this run stopped inside an epoch on a path that cannot continue there (the "
                                "CUDA kernel); train anew without --resume")
        if record.random is not None:
            _check_same_path(progress, trainer)
            trainer.set_random_state(record.random)
        _check_block_grid(record, trainer)
        trainer.trained_words = int(progress["trained_words"])
        return _Start(record.epoch, record.position, float(progress["loss_sum"]), int(progress["examples"]),
                      float(progress["seconds"]))
    except (KeyError, TypeError, ValueError) as exc:
        raise ArtifactError(f"the saved training state is damaged ({exc}); train anew without --resume") from None


# how to put a run back on the path it trained on
_PATH_HINTS = {"numba kernel": "the fused CPU kernel: --device cpu without --no-fused (fused=True on NumPy)",
               "numba batched kernel": "the batched CPU kernel: --kernel batched on --device cpu",
               "layered model": "the layered model: w2vlm --no-fused (fused=False)"}


def _check_same_path(progress, trainer):
    """The generators of one runner cannot continue on another: name the path the run needs."""
    saved, now = progress.get("path"), trainer.path
    if saved and now and saved != now:
        raise ArtifactError(f"this run trained on the {saved} and cannot continue on the {now} (their random "
                            f"generators differ); resume it on {_PATH_HINTS.get(saved, 'the ' + saved)}")


def _check_block_grid(record, trainer):
    """A run stopped inside an epoch continues on the block grid it stopped on: the same block size."""
    saved = int(record.progress.get("block_words", SAVED_BEFORE_BLOCK_WORDS))
    now = trainer.block_words   # the numba runners cut epochs by it; the others have None
    if record.position and now is not None and now != saved:
        raise ArtifactError(f"this run stopped inside an epoch at a block boundary of block_words={saved}; resume "
                            f"it with the same block size (Word2VecConfig(block_words={saved}), now {now})")


def resume_weights(record, shape, n_words):
    """The saved (W_in, W_out) float32 copies, checked against the rows (words, plus n-grams for a subword model)
    and dim of the resumed run."""
    W_in, W_out = record.arrays.get("W_in"), record.arrays.get("W_out")
    if W_in is None or W_out is None:
        raise ArtifactError("the resume record holds no weights (W_in, W_out); train anew without --resume")
    if W_in.shape != shape or W_out.shape != (n_words, shape[1]) or W_in.dtype.kind != "f" \
            or W_out.dtype.kind != "f":
        raise ArtifactError(f"the saved weights have shapes {W_in.shape} and {W_out.shape}, the resumed run needs "
                            f"{shape} and {(n_words, shape[1])}; resume with the same corpus and options")
    if not (np.isfinite(W_in).all() and np.isfinite(W_out).all()):
        raise ArtifactError("the saved weights hold non-finite numbers; the model directory is damaged, train anew")
    return np.array(W_in, dtype=np.float32), np.array(W_out, dtype=np.float32)


