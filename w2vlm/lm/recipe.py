"""train_lm: the language-model recipe (data, model, resume, checkpoints), the twin of train_embeddings."""

import logging
from pathlib import Path

import numpy as np

from .. import atomic_files
from ..backend import seed_everything
from ..errors import RunFinished, TrainingError
from ..model_dir import check_output
from ..resume import check_same_corpus
from ..text import Vocab, get_tokenizer, tokenizer_from_config
from .checkpoint import LMCheckpoint, LanguageModel, load_resume
from .data import init_embeddings, prepare_lm_data
from .model import LMConfig, RNNLM
from .train import TrainConfig, train

logger = logging.getLogger("w2vlm")


def train_lm(corpus, output, model=None, training=None, *, tokenizer=None, valid=None, test=None, min_count=1,
             max_vocab=None, init_vectors=None, resume=None, seed=0, xp=np, fused=True, workers=1, scheduler=None,
             progress=True, run=None, stop=None):
    """Train an RNN/LSTM language model on ``corpus``; the best model of the epochs is kept in ``output``.

    ``corpus``: a ``text.Corpus`` (its own valid/test splits are used when it has them) or an ``EncodedCorpus``.
    ``model``: ``LMConfig`` options other than ``vocab_size`` (dict); ``training``: a ``TrainConfig`` or its
    fields as a dict; ``tokenizer``: a ``Tokenizer`` (default kiwi). ``valid``/``test``: corpora to validate and
    test on (default: the corpus's splits, else its last 10% of lines). ``init_vectors``: word vectors (e.g.
    ``WordVectors``) whose rows start the embedding of the words both vocabularies share.
    ``resume``: the directory of an earlier ``train_lm``: training continues after its last completed epoch with
    its vocabulary, tokenizer and state (``model``/``training`` default to the saved ones; the corpus must be the
    same). ``run``: how the run was started (corpus names, text options), saved under "run" in config.json.
    ``stop()`` is asked after every step and epoch (see ``train.train``): True ends training as Ctrl-C does.
    Returns ``(LanguageModel, History)``; Ctrl-C ends training cleanly (``history.interrupted``).
    """
    output = Path(output)
    check_output(output, "lm")       # before any tokenizing or training
    saved = atomic_files.load_config(resume, "lm") if resume else None
    model_options = dict(model if model is not None else _saved(saved, "model"))
    model_options.pop("vocab_size", None)
    config = training if isinstance(training, TrainConfig) else TrainConfig.from_dict(
        training if training is not None else _saved(saved, "training"))
    resume_state = _resume_state(resume, config.epochs) if resume else None
    digest = getattr(corpus, "digest", None) or corpus.fingerprint()
    vocab = None
    if saved is not None:
        check_same_corpus(saved.get("run", {}).get("corpus_digest"), digest, resume)
        tokenizer = tokenizer_from_config(saved["tokenizer"], resume)
        vocab = Vocab.load(Path(resume) / atomic_files.VOCAB)
    tokenizer = tokenizer if tokenizer is not None else get_tokenizer()
    data = prepare_lm_data(corpus, tokenizer, valid=valid, test=test, vocab=vocab, min_count=min_count,
                           max_vocab=max_vocab, workers=workers, scheduler=scheduler, progress=progress)
    if data.split_note:
        logger.info("%s", data.split_note)
    lm = RNNLM(LMConfig(vocab_size=len(data.vocab), **model_options), xp=xp, rng=seed_everything(seed, xp),
               fused=fused)
    if init_vectors is not None and resume_state is None:
        _start_from(lm, data.vocab, init_vectors)
    logger.info("training on %s tokens (vocabulary %s); validation %s tokens%s", f"{len(data.train_ids):,}",
                f"{len(data.vocab):,}", f"{len(data.valid_ids):,}",
                f", test {len(data.test_ids):,}" if data.test_ids is not None else "")
    run_info = dict(saved.get("run", {}) if saved is not None else
                    dict(run or {}, min_count=min_count, max_vocab=max_vocab, seed=seed), corpus_digest=digest)
    in_place = resume is not None and Path(resume).resolve() == output.resolve()
    checkpoint = LMCheckpoint(output, data.vocab, tokenizer.config(), config.to_dict(), {"run": run_info},
                              owned=in_place, tokenizer_files=tokenizer.files())
    history = train(lm, data.train_ids, data.valid_ids, config, start_id=data.vocab.eos_id, test_ids=data.test_ids,
                    checkpoint=checkpoint, resume=resume_state, progress=progress, stop=stop)
    if history.best_epoch:
        checkpoint.restore_best(lm)   # the returned model is the saved one, not the last epoch's
    lm.eval()
    result = LanguageModel(model=lm, vocab=data.vocab, tokenizer=tokenizer,
                           config={"model": lm.config.to_dict(), "training": config.to_dict(), "run": run_info})
    return result, history


def _saved(saved, section):
    """A section of the resumed run's config.json, or {} (the defaults) for a new run."""
    return dict(saved[section]) if saved is not None else {}


def _resume_state(directory, epochs):
    """load_resume(directory), refusing a run that already trained ``epochs`` epochs."""
    state = load_resume(directory)
    done = len(state[2]["history"].get("epochs", []))
    if done >= epochs:
        raise RunFinished(f"{directory} already finished {done} of its {epochs} epochs; give --epochs above "
                          f"{done} to train it further")
    return state


def _start_from(lm, vocab, vectors):
    """Copy the embedding rows of the words ``vectors`` and the vocabulary share; at least one must match."""
    matched = init_embeddings(lm, vocab, vectors)
    logger.info("initialized %s of %s embedding rows from word vectors", f"{matched:,}", f"{len(vocab):,}")
    if matched == 0:
        raise TrainingError("no word of the initial word vectors is in the LM vocabulary; were both trained with "
                            "the same tokenizer?")
