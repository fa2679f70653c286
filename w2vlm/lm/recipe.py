"""train_lm: the language-model recipe (data, model, resume, checkpoints), the twin of embeddings.train_embeddings."""

import logging
from pathlib import Path

import numpy as np

from .. import atomic_files
from ..backend import seed_everything
from ..errors import ArtifactError, CorpusError, TrainingError
from ..model_dir import check_output
from ..resume import check_same_corpus, check_same_tokenizer, merge_options
from ..resume_record import ResumeRecord
from ..text import Vocab, get_tokenizer, open_corpus, reopen_corpus, tokenizer_from_config
from .checkpoint import LMCheckpoint, LanguageModel, load_resume
from .data import init_embeddings, prepare_lm_data
from .model import LMConfig, RNNLM
from .train import TrainConfig, train

logger = logging.getLogger("w2vlm")
# model option -> how the user spells it
MODEL_FLAGS = {"num_layers": "--layers", "tie_weights": "--tie-weights/--no-tie-weights"}
TEXT_OPTIONS = ("encoding", "errors", "normalize", "column", "delimiter")


def train_lm(corpus, output, model=None, training=None, *, tokenizer=None, valid=None, test=None, min_count=None,
             max_vocab=None, init_vectors=None, resume=None, seed=None, xp=np, fused=True, workers=1, scheduler=None,
             progress=True, run=None, stop=None):
    """Train an RNN/LSTM language model on ``corpus``; the best model of the epochs is kept in ``output``.

    ``corpus``: a ``text.Corpus`` (its own valid/test splits are used when it has them), an ``EncodedCorpus``,
    or None with ``resume`` (the run's own corpus, reopened as it was saved). ``model``: ``LMConfig`` options
    other than ``vocab_size`` (dict); ``training``: a ``TrainConfig`` or its fields as a dict; ``tokenizer``: a
    ``Tokenizer`` (default kiwi). ``valid``/``test``: corpora to validate and test on (default: the corpus's
    splits, else its last 10% of lines). ``min_count`` (default 1), ``max_vocab``, ``seed`` (default 0).
    ``init_vectors``: word vectors (e.g. ``WordVectors``) whose rows start the embedding of the words both
    vocabularies share. ``resume``: the directory of an earlier ``train_lm``: training continues after its last
    completed epoch with its vocabulary, tokenizer, inputs and state; an option given again must equal the saved
    one (``model``/``training`` dicts name just the given options; a TrainConfig gives all of them) except that
    ``epochs`` may grow, and the corpus, valid and test files must have their saved content digests.
    ``run``: how the run was started (corpus names, text options), saved under "run" in config.json.
    ``stop()`` is asked after every step and epoch (see ``train.train``): True ends training as Ctrl-C does.
    Returns ``(LanguageModel, History)``; Ctrl-C ends training cleanly (``history.interrupted``).
    """
    output = Path(output)
    if resume is not None:
        atomic_files.load_config(resume, "lm")   # a directory of another kind is named as such first
    check_output(output, "lm")       # before any tokenizing or training
    given_run = {name: value for name, value in (("min_count", min_count), ("max_vocab", max_vocab), ("seed", seed))
                 if value is not None}
    record = vocab = None
    if resume is not None:
        resumed = _resumed(resume, model, training, given_run, corpus, tokenizer, valid, test)
        model_options, config, run_options, corpus, tokenizer, valid, test, record, vocab, saved_run = resumed
    else:
        model_options = dict(model or {})
        config = training if isinstance(training, TrainConfig) else TrainConfig.from_dict(training or {})
        run_options = dict({"min_count": 1, "max_vocab": None, "seed": 0}, **given_run)
        if corpus is None:
            raise TrainingError("give a corpus to train on (or resume= an earlier run's directory)")
        saved_run = dict(run or {}, **run_options, **_input_records(corpus, valid, test))
        tokenizer = tokenizer if tokenizer is not None else get_tokenizer()
    model_options.pop("vocab_size", None)
    digest = getattr(corpus, "digest", None) or corpus.fingerprint()
    data = prepare_lm_data(corpus, tokenizer, valid=valid, test=test, vocab=vocab,
                           min_count=run_options["min_count"], max_vocab=run_options["max_vocab"], workers=workers,
                           scheduler=scheduler, progress=progress)
    if data.split_note:
        logger.info("%s", data.split_note)
    lm = RNNLM(LMConfig(vocab_size=len(data.vocab), **model_options), xp=xp,
               rng=seed_everything(run_options["seed"], xp), fused=fused)
    if init_vectors is not None and record is None:
        _start_from(lm, data.vocab, init_vectors)
    logger.info("training on %s tokens (vocabulary %s); validation %s tokens%s", f"{len(data.train_ids):,}",
                f"{len(data.vocab):,}", f"{len(data.valid_ids):,}",
                f", test {len(data.test_ids):,}" if data.test_ids is not None else "")
    run_info = dict(saved_run, corpus_digest=digest)
    in_place = resume is not None and Path(resume).resolve() == output.resolve()
    template = ResumeRecord("lm", corpus={"digest": digest}, inputs=dict(run_info.get("inputs") or {}),
                            tokenizer=dict(tokenizer.config()))
    checkpoint = LMCheckpoint(output, data.vocab, tokenizer.config(), config.to_dict(), {"run": run_info},
                              owned=in_place, record=template, tokenizer_files=tokenizer.files())
    history = train(lm, data.train_ids, data.valid_ids, config, start_id=data.vocab.eos_id, test_ids=data.test_ids,
                    checkpoint=checkpoint, resume=record, progress=progress, stop=stop)
    if history.best_epoch:
        checkpoint.restore_best(lm)   # the returned model is the saved one, not the last epoch's
    lm.eval()
    result = LanguageModel(model=lm, vocab=data.vocab, tokenizer=tokenizer,
                           config={"model": lm.config.to_dict(), "training": config.to_dict(), "run": run_info})
    return result, history


def _resumed(directory, model, training, given_run, corpus, tokenizer, valid, test):
    """Everything a resumed run continues with; what the caller gave is checked against the saved run by the one
    rule of ``w2vlm.resume``."""
    directory = Path(directory)
    saved = atomic_files.load_config(directory, "lm")
    record = load_resume(directory)
    saved_model = {k: v for k, v in _section(saved, "model", directory).items() if k != "vocab_size"}
    model_options = merge_options(saved_model, dict(model or {}), flags=MODEL_FLAGS)
    given_training = training.to_dict() if isinstance(training, TrainConfig) else dict(training or {})
    config = TrainConfig.from_dict(merge_options(_section(saved, "training", directory), given_training))
    record.check_unfinished(config.epochs, directory)
    saved_run = _section(saved, "run", directory)
    run_options = merge_options({"min_count": saved_run.get("min_count", 1), "max_vocab": saved_run.get("max_vocab"),
                                 "seed": saved_run.get("seed", 0)}, given_run)
    if corpus is None:
        corpus = _saved_corpus(saved_run)
    check_same_corpus(saved_run.get("corpus_digest"), getattr(corpus, "digest", None) or corpus.fingerprint(),
                      directory)
    check_same_tokenizer(saved.get("tokenizer"), tokenizer.config() if tokenizer is not None else None)
    valid = _saved_input("valid", valid, saved_run, directory)
    test = _saved_input("test", test, saved_run, directory)
    vocab = Vocab.load(directory / atomic_files.VOCAB)
    tokenizer = tokenizer_from_config(saved["tokenizer"], directory)   # a trained one is read from the directory
    return model_options, config, run_options, corpus, tokenizer, valid, test, record, vocab, saved_run


def _section(saved, name, directory):
    if not isinstance(saved.get(name), dict):
        raise ArtifactError(f"{directory / atomic_files.CONFIG} has no {name!r} section; the model directory is "
                            f"damaged, train it again")
    return dict(saved[name])


def _saved_corpus(saved_run):
    """The training corpus of a saved run: its files reopened as recorded (checked), or for runs saved before
    the record, its specs as given then."""
    if isinstance(saved_run.get("corpus_record"), dict):
        return reopen_corpus(saved_run["corpus_record"])
    text = {name: saved_run[name] for name in TEXT_OPTIONS if name in saved_run}
    return open_corpus(saved_run.get("corpus") or None, **text)


def _saved_input(name, given, saved_run, directory):
    """The valid/test corpus of a resumed run: a given one must have the saved content digest; else the saved
    files, reopened from their absolute paths and checked."""
    entry = (saved_run.get("inputs") or {}).get(name)
    if given is not None:
        if isinstance(entry, dict) and entry.get("digest") and given.fingerprint() != entry["digest"]:
            raise CorpusError(f"the --{name} text differs from the one {directory} was trained with (content "
                                 f"digest); leave --{name} out or train anew without --resume")
        return given
    if isinstance(entry, dict):
        return reopen_corpus(entry, what=f"--{name}")
    if saved_run.get(name):   # runs saved before the record: the spec as given then
        text = {k: saved_run[k] for k in TEXT_OPTIONS if k in saved_run}
        return open_corpus(saved_run[name], **text, **({"split": "test"} if name == "test" else {}))
    return None


def _input_records(corpus, valid, test):
    """The run-info entries that let a resumed run reopen its files from anywhere (absolute paths, digests)."""
    info = {"corpus_record": corpus.record()} if hasattr(corpus, "record") else {}
    inputs = {name: c.record() for name, c in (("valid", valid), ("test", test)) if c is not None}
    return dict(info, inputs=inputs) if inputs else info


def _start_from(lm, vocab, vectors):
    """Copy the embedding rows of the words ``vectors`` and the vocabulary share; at least one must match."""
    matched = init_embeddings(lm, vocab, vectors)
    logger.info("initialized %s of %s embedding rows from word vectors", f"{matched:,}", f"{len(vocab):,}")
    if matched == 0:
        raise TrainingError("no word of the initial word vectors is in the LM vocabulary; were both trained with "
                            "the same tokenizer?")
