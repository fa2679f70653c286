"""train_embeddings: the word2vec recipe (corpus, options, resume, encoding, training, saving), the twin of
``lm.train_lm``."""

import logging
from dataclasses import asdict
from pathlib import Path

import numpy as np

from .. import atomic_files
from ..errors import TrainingError
from ..interrupt import DeferInterrupt
from ..model_dir import check_output
from ..resume import check_same_corpus, check_same_tokenizer, merge_options
from ..resume_record import ResumeRecord
from ..text import (EncodedCorpus, encode_corpus, get_tokenizer, is_shard_dir, open_corpus, reopen_corpus,
                    tokenizer_from_config)
from .train import Word2VecConfig, train_vectors

log = logging.getLogger("w2vlm")
FLAGS = {"shrink_window": "--fixed-window (shrink_window)", "seed": "--seed"}


def train_embeddings(corpus, output, config=None, *, tokenizer=None, resume=None, xp=np, fused=True, workers=1,
                     scheduler=None, progress=True, stop=None, run=None):
    """Train word vectors on ``corpus`` and save them in ``output``; returns ``(WordVectors, History)``.

    ``corpus``: a ``text.Corpus``, an ``EncodedCorpus`` (a shard directory from ``encode``), or None with
    ``resume`` (the run's own corpus, reopened as it was saved). ``config``: a ``Word2VecConfig`` or a dict of its
    fields. ``tokenizer``: a ``Tokenizer`` (default: the corpus's own, kiwi for Korean text); an EncodedCorpus
    brings its own. ``resume``: the directory of an earlier run (stopped by Ctrl-C, or finished: give a larger
    ``epochs``): it continues exactly where it stopped, with the saved options, vocabulary, tokenizer and state;
    an option given again must equal the saved one (a dict names just the given options, a Word2VecConfig gives
    all of them) except that ``epochs`` may grow; the corpus must have the saved content digest. ``workers`` and
    ``scheduler`` tokenize in parallel or on Dask. ``stop()`` is asked once the corpus is encoded (True raises
    KeyboardInterrupt: nothing is saved) and after every block (True stops there and the vectors so far are
    saved, marked incomplete). ``run``: how the caller started the run (corpus names, text
    options, device), saved in config.json.
    """
    output = Path(output)
    if resume is not None:
        atomic_files.load_config(resume, "embeddings")   # a directory of another kind is named as such first
    check_output(output, "embeddings")   # before any tokenizing or training
    record = None
    if resume is not None:
        config, corpus, tokenizer, record, run = _resumed(resume, config, corpus, tokenizer, run)
    else:
        config = config if isinstance(config, Word2VecConfig) else Word2VecConfig(**dict(config or {}))
        if corpus is None:
            raise TrainingError("give a corpus to train on (or resume= an earlier run's directory)")
        if not isinstance(corpus, EncodedCorpus):   # how --resume finds the same files from any directory
            run = dict(run or {}, corpus_record=corpus.record())
    encoded = _encode(corpus, tokenizer, workers=workers, scheduler=scheduler, progress=progress)
    if stop is not None and stop():   # asked to stop before training began: nothing to save
        raise KeyboardInterrupt
    vectors, history = train_vectors(encoded, config, xp=xp, progress=progress, fused=fused, resume=record,
                                     stop=stop, run=run)
    with DeferInterrupt():   # a Ctrl-C now lands after the save, never inside it
        vectors.save(output, resume=history.state)
    return vectors, history


def saved_options(directory):
    """The Word2VecConfig fields of the run saved in ``directory`` (config.json): a field the file lacks (written
    before it existed) has its default, and ``subwords`` is the saved scheme's kind (None for a word-level model)."""
    saved = atomic_files.load_config(directory, "embeddings")
    defaults = asdict(Word2VecConfig())
    options = {name: saved.get(name, default) for name, default in defaults.items()}
    scheme = saved.get("subwords")
    options["subwords"] = scheme.get("kind") if isinstance(scheme, dict) else None
    return options


def _resumed(directory, config, corpus, tokenizer, run):
    """(config, corpus, tokenizer, record, run) of the run in ``directory``, with what the caller gave checked
    against it."""
    saved = atomic_files.load_config(directory, "embeddings")
    record = ResumeRecord.load(directory, "embeddings")
    given = asdict(config) if isinstance(config, Word2VecConfig) else dict(config or {})
    merged = merge_options(saved_options(directory), given, flags=FLAGS)
    config = Word2VecConfig(**merged)
    if not saved.get("incomplete"):
        record.check_unfinished(config.epochs, directory)
    saved_tokenizer = record.tokenizer or saved.get("tokenizer")
    check_same_tokenizer(saved_tokenizer, tokenizer.config() if tokenizer is not None else None)
    saved_run = {name: saved[name] for name in ("corpus_specs", "text", "device", "corpus_record") if name in saved}
    if corpus is None:
        corpus = _saved_corpus(saved, directory)
    digest = corpus.digest if isinstance(corpus, EncodedCorpus) else corpus.fingerprint()
    check_same_corpus(record.corpus.get("digest") or saved.get("corpus_digest"), digest, directory)
    if saved_tokenizer is not None and not isinstance(corpus, EncodedCorpus):
        tokenizer = tokenizer_from_config(saved_tokenizer)
    log.info("resuming %s from %s", directory, record.describe(config.epochs))
    return config, corpus, tokenizer, record, dict(run or {}, **saved_run)


def _saved_corpus(saved, directory):
    """The corpus a saved run trained on: its shard directory, or its files reopened with the saved reading
    options (refused when they changed)."""
    specs = saved.get("corpus_specs") or []
    if len(specs) == 1 and is_shard_dir(specs[0]):
        return EncodedCorpus.load(specs[0])
    if isinstance(saved.get("corpus_record"), dict):
        return reopen_corpus(saved["corpus_record"])
    text = dict(saved.get("text") or {})    # runs saved before corpus_record: the specs as given then
    text["normalize"] = "NFKC" if text.get("normalize") else None
    try:
        return open_corpus(specs or None, **text)
    except TypeError as exc:
        raise TrainingError(f"{directory} has damaged corpus options ({exc}); give the corpus again") from None


def _encode(corpus, tokenizer, *, workers, scheduler, progress):
    """An EncodedCorpus as it is, or a text corpus tokenized through the cache."""
    if isinstance(corpus, EncodedCorpus):
        return corpus
    tokenizer = tokenizer if tokenizer is not None else get_tokenizer(corpus.default_tokenizer)
    return encode_corpus(corpus, tokenizer, workers=workers, scheduler=scheduler, progress=progress)
