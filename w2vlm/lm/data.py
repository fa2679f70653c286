"""Corpus -> vocabulary -> id streams for LM training (with held-out splits), and embeddings from word vectors."""

import itertools
import logging
from dataclasses import dataclass

import numpy as np

from ..backend import array_module, to_cpu
from ..errors import CorpusError, TrainingError
from ..text.encode import EncodedCorpus, encode_corpus
from ..text.vocab import Vocab
from .stream import write_token_stream

logger = logging.getLogger("w2vlm")

SPECIALS = ("<unk>", "<eos>")
HOLDOUT = 0.1   # without a validation text, the last 10% of lines are held out (half valid, half test)


@dataclass
class LMData:
    """Id streams (``<eos>`` after every line, OOV -> ``<unk>``) over one vocabulary built from the train split;
    the training stream (and held-out splits of it) is a memory-mapped ``stream.TokenStream``."""
    vocab: object
    train_ids: np.ndarray
    valid_ids: np.ndarray | None
    test_ids: np.ndarray | None
    split_note: str = ""


def prepare_lm_data(corpus, tokenizer, *, valid=None, test=None, vocab=None, min_count=1, max_vocab=None,
                    workers=1, scheduler=None, progress=True):
    """Encode the splits of ``corpus`` (or the ``valid``/``test`` corpora) for language modelling.
    ``corpus`` may also be an EncodedCorpus (a shard directory from ``w2vlm encode``), which has no splits.

    The validation text is, in order: ``valid``; the corpus's own "valid" split (catalog corpora such as
    ``ptb``); else the last 10% of the training lines (the first half of them for validation and, when no
    test text exists, the second half for testing). ``vocab`` (from a model being resumed) is reused as is.
    """
    if isinstance(corpus, EncodedCorpus):
        encoded = corpus
    else:
        splits = corpus.splits()
        valid = valid if valid is not None else splits.get("valid")
        test = test if test is not None else splits.get("test")
        if getattr(tokenizer, "trained", True) is False:
            fit_tokenizer(tokenizer, splits["train"], held_out=valid is None, workers=workers)
        encoded = encode_corpus(splits["train"], tokenizer, workers=workers, scheduler=scheduler, progress=progress)
    lines = encoded.n_lines
    train_lines, note = lines, ""
    if valid is None:
        held = max(1, int(round(lines * HOLDOUT)))
        if lines < 10:
            raise CorpusError(f"the corpus has only {lines} lines, too few to hold out a validation split; "
                              f"give a longer corpus or --valid FILE")
        train_lines = lines - held
        valid_lines = train_lines + (held - held // 2 if test is None else held)
        note = (f"held out the last {held:,} of {lines:,} lines: {valid_lines - train_lines:,} for validation"
                + (f", {lines - valid_lines:,} for test" if test is None else ""))
    if vocab is None:
        pieces = tokenizer.pieces() if hasattr(tokenizer, "pieces") else ()
        vocab = build_vocab(encoded, train_lines, min_count, max_vocab, pieces=pieces)
    # one memory-mapped stream on disk; the splits are views of it (lm/stream.py)
    stream, at = write_token_stream(encoded, vocab, (train_lines, valid_lines) if valid is None else (train_lines,))
    train_ids = stream.split(0, at[train_lines])
    if valid is None:
        valid_ids = stream.split(at[train_lines], at[valid_lines])
        test_ids = stream.split(at[valid_lines], len(stream)) if test is None else None
    else:
        valid_ids = _encode_other(valid, tokenizer, vocab, workers, progress)
        test_ids = None
    if test is not None:
        test_ids = _encode_other(test, tokenizer, vocab, workers, progress)
    if len(train_ids) == 0:
        raise CorpusError("the training corpus has no tokens; give a corpus with text in it")
    return LMData(vocab=vocab, train_ids=train_ids, valid_ids=valid_ids,
                  test_ids=test_ids if test_ids is not None and len(test_ids) else None, split_note=note)


def fit_tokenizer(tokenizer, train, held_out=False, workers=1):
    """Train a trained tokenizer (``text.tokenizers_trained``) on the training lines; ``held_out``: leave out the
    last lines that ``prepare_lm_data`` holds out for validation and test, so that it never sees them."""
    lines = sum(1 for _ in train)
    keep = lines - max(1, int(round(lines * HOLDOUT))) if held_out and lines >= 10 else lines
    tokenizer.fit(itertools.islice(iter(train), keep), workers=workers)


def build_vocab(encoded, train_lines, min_count=1, max_vocab=None, pieces=()):
    """Vocabulary of the first ``train_lines`` lines, ``<unk>`` and ``<eos>`` first (unless the text has them).
    ``pieces``: a trained tokenizer's whole inventory, all kept (unseen ones after the rest, count 0) whatever
    ``min_count``/``max_vocab`` say, so that no text it tokenizes has a token outside the vocabulary."""
    types, counts = encoded.types, np.asarray(encoded.counts)
    if train_lines < encoded.n_lines:
        counts = encoded.line_counts(train_lines)
        order = np.argsort(-counts, kind="stable")      # count desc, first occurrence kept for ties
        order = order[counts[order] > 0]
        types, counts = [types[i] for i in order], counts[order]
    if len(pieces):
        seen = set(types)
        unseen = [piece for piece in pieces if piece not in seen]
        types, counts = list(types) + unseen, np.concatenate([counts, np.zeros(len(unseen), np.int64)])
        min_count, max_vocab = 0, None
    vocab = Vocab.from_counts(types, counts, min_count=min_count, max_size=max_vocab, specials=SPECIALS)
    if all(word in SPECIALS for word in vocab.words):
        top = int(counts.max()) if len(counts) else 0
        raise TrainingError(f"the vocabulary would hold only {' and '.join(SPECIALS)}: no word is seen --min-count "
                            f"{min_count} times (the most frequent is seen {top:,} times); lower --min-count")
    return vocab


def _encode_other(corpus, tokenizer, vocab, workers, progress):
    ids, _ = encode_corpus(corpus, tokenizer, workers=workers, progress=progress).to_ids(vocab, oov="unk", eos=True)
    return ids


def init_embeddings(model, vocab, vectors):
    """Copy the rows of ``vectors`` (a WordVectors) for the words both vocabularies share into the model's
    embedding matrix (``model.params[0]``); other rows keep their random initialization. Returns the count.
    """
    W = model.params[0]
    if vectors.vectors.shape[1] != W.shape[1]:
        raise TrainingError(f"--init-embeddings vectors have {vectors.vectors.shape[1]} dimensions but the "
                            f"model's embedding has {W.shape[1]}; pass --embed-size {vectors.vectors.shape[1]}")
    known = {word: i for i, word in enumerate(vectors.words)}
    rows, sources = [], []
    for row, word in enumerate(vocab.words):
        if word in known:
            rows.append(row)
            sources.append(known[word])
    if rows:
        xp = array_module(W)
        source = np.asarray(to_cpu(vectors.vectors))[sources].astype(W.dtype)
        W[xp.asarray(np.array(rows))] = xp.asarray(source)
    return len(rows)
