"""The LM directory: config.json, vocab.json, the best model (params.npz) and the training checkpoint (resume.npz)."""

from dataclasses import dataclass, replace
from pathlib import Path

import numpy as np

from .. import atomic_files
from ..errors import ArtifactError
from ..model_dir import write_directory
from ..resume_record import RESUME, ResumeRecord
from ..nn.optim import Adam
from ..text.tokenize import tokenizer_from_config
from ..text.vocab import Vocab
from .model import LMConfig, RNNLM



@dataclass
class LanguageModel:
    """A loaded LM directory: everything generation and scoring need, without the training corpus."""
    model: object
    vocab: object
    tokenizer: object
    config: dict

    @property
    def start_id(self):
        return start_id(self.vocab)


def start_id(vocab):
    """The id that opens a stream (``<eos>``, as if a line had just ended)."""
    if vocab.eos_id is None:
        raise ArtifactError("the language-model vocabulary has no <eos> token; train it again with w2vlm train-lm")
    return vocab.eos_id


def save_lm(directory, model, vocab, tokenizer_config, training=None, info=None, keep=(), tokenizer_files=None):
    """Write params.npz, vocab.json and config.json as one new directory swapped in whole (``keep``: names of
    files carried over from the current version, e.g. resume.npz; ``tokenizer_files``: a trained tokenizer's
    ``files()``, its model file, which ``load_lm`` checks against the digest in its config)."""
    config = {"model": model.config.to_dict(), "tokenizer": dict(tokenizer_config), "vocab_size": len(vocab)}
    if training is not None:
        config["training"] = training
    config.update(info or {})

    def write(stage):
        atomic_files.save_arrays(stage / atomic_files.PARAMS, model.state_dict())
        vocab.save(stage / atomic_files.VOCAB)
        atomic_files.save_config(stage, "lm", config)
        for name, data in (tokenizer_files or {}).items():
            (stage / name).write_bytes(data)   # the staged directory is fsynced and swapped in whole

    write_directory(directory, write, keep=keep)


def load_lm(directory, xp=np, rng=None, fused=True):
    """Rebuild the model, vocabulary and tokenizer of a ``train-lm`` directory (``fused``: see ``RNNLM``)."""
    directory = Path(directory)
    config = atomic_files.load_config(directory, "lm")
    vocab = _load_vocab(Vocab, directory / atomic_files.VOCAB)
    try:   # config.json is read back untrusted: any odd value is a damaged directory, never a traceback
        model_config = LMConfig.from_dict(config["model"])
        tokenizer = tokenizer_from_config(config["tokenizer"], directory)
        model = RNNLM(model_config, xp=xp, rng=rng if rng is not None else np.random.default_rng(0), fused=fused)
    except (KeyError, TypeError, ValueError, AttributeError, OverflowError) as exc:
        raise ArtifactError(f"{directory / atomic_files.CONFIG} does not describe a model ({type(exc).__name__}: "
                            f"{exc}); the model directory is damaged") from None
    load_params(model, atomic_files.load_arrays(directory / atomic_files.PARAMS), directory)
    model.eval()
    return LanguageModel(model=model, vocab=vocab, tokenizer=tokenizer, config=config)


def load_params(model, arrays, where):
    """model.load_state_dict(arrays), with damaged or mismatched arrays reported as ArtifactError."""
    odd = [name for name, value in arrays.items() if np.asarray(value).dtype.kind != "f"]
    if odd:
        raise ArtifactError(f"the parameters in {where} are not float arrays ({', '.join(odd[:3])}); "
                            f"the model directory is damaged, train it again")
    try:
        model.load_state_dict(arrays)
    except (KeyError, ValueError) as exc:
        raise ArtifactError(f"the parameters in {where} do not fit the model config ({exc}); "
                            f"the model directory is damaged, train it again") from None


def _load_vocab(vocab_class, path):
    if not Path(path).exists():
        raise ArtifactError(f"{path} is missing; the model directory is damaged, train it again")
    return vocab_class.load(path)


class LMCheckpoint:
    """Where ``train`` keeps the best model (the LM directory itself) and the state to resume from.

    The first best model replaces whatever was in the directory as a whole (an old run's resume.npz goes with
    it); later saves carry resume.npz over. ``owned``: the directory already belongs to this run (resuming in
    place). ``record``: a ResumeRecord holding what the run read (corpus, inputs, tokenizer); each resume state
    is saved as a copy of it with the trainer's state filled in."""

    def __init__(self, directory, vocab, tokenizer_config, training, info=None, owned=False, record=None,
                 tokenizer_files=None):
        self.directory = Path(directory)
        self.vocab, self.tokenizer_config, self.tokenizer_files = vocab, tokenizer_config, tokenizer_files
        self.training, self.info = training, dict(info or {})
        self.owned = owned
        self.record = record if record is not None else ResumeRecord("lm", tokenizer=dict(tokenizer_config))

    def save_best(self, model, history):
        info = dict(self.info, best_epoch=history.best_epoch, valid_ppl=history.best_valid_ppl)
        save_lm(self.directory, model, self.vocab, self.tokenizer_config, self.training, info,
                keep=(RESUME,) if self.owned else (), tokenizer_files=self.tokenizer_files)
        self.owned = True

    def restore_best(self, model):
        load_params(model, atomic_files.load_arrays(self.directory / atomic_files.PARAMS), self.directory)

    def save_state(self, model, optimizer, history_state):
        """resume.npz after an epoch: see ``save_resume``."""
        if self.owned:   # never put this run's resume state next to another run's model
            save_resume(self.directory, model, optimizer, history_state, self.record)


def save_resume(directory, model, optimizer, history_state, record=None):
    """The one training checkpoint, a ResumeRecord in resume.npz: model params ("param.*"), optimizer arrays
    ("optim.*"), the history, the optimizer's lr and scalars and the model's generators (``model.rng`` and, when
    it has one, ``model.dropout_rng``). ``restore_training`` reads exactly this back."""
    random = {"rng": model.rng.bit_generator.state}
    dropout_rng = getattr(model, "dropout_rng", None)
    if dropout_rng is not None:
        random["dropout"] = dropout_rng.state_dict()
    arrays = {f"param.{k}": v for k, v in model.state_dict().items()}
    scalars = {"lr": float(optimizer.lr)}
    for key, value in optimizer.state_dict().items():
        if np.ndim(value) == 0 and not hasattr(value, "shape"):
            scalars[key] = value
        else:
            arrays[f"optim.{key}"] = value
    record = record if record is not None else ResumeRecord("lm")
    epochs = len(history_state.get("epochs") or [])
    replace(record, epoch=epochs, position=0, history=history_state, random=random, optimizer=scalars,
            arrays=arrays).save(Path(directory) / RESUME)


def restore_training(model, optimizer, record, xp=np):
    """Put model, optimizer and the model's generators back where a saved run stopped (``record``: what
    ``load_resume`` returned); returns the saved history state."""
    params = {k[len("param."):]: v for k, v in record.arrays.items() if k.startswith("param.")}
    optim_state = dict(record.optimizer)
    optim_state.update({k[len("optim."):]: v for k, v in record.arrays.items() if k.startswith("optim.")})
    model.load_state_dict(params)
    if isinstance(optimizer, Adam):
        optimizer.load_state_dict(optim_state, xp)   # moment arrays back onto the model's device
    else:
        optimizer.load_state_dict(optim_state)
    optimizer.lr = float(record.optimizer["lr"])
    model.rng.bit_generator.state = record.random["rng"]
    if "dropout" in record.random and getattr(model, "dropout_rng", None) is not None:
        model.dropout_rng.load_state_dict(record.random["dropout"])
    return record.history


def load_resume(directory):
    """The ResumeRecord of ``directory``/resume.npz, for ``train(..., resume=...)``."""
    record = ResumeRecord.load(directory, "lm")
    if not isinstance(record.random, dict) or "rng" not in record.random or "lr" not in record.optimizer:
        raise ArtifactError(f"{Path(directory) / RESUME} is damaged (no generator or lr state); "
                            f"{atomic_files.what_to_do(Path(directory) / RESUME)}")
    return record
