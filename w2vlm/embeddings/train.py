"""Word2vec training loop with gensim/word2vec.c semantics: fused kernels picked by the arrays, or the layered model.

One loop and one learning-rate schedule for every backend; the runner (``runners.py``) does the work: ``FastRun``
(numba kernel, NumPy), ``word2vec_gpu.GPURun`` (fused CUDA kernel, CuPy, after its first-use self-check) or
``ReferenceRun`` (the layered xp model, ``fused=False`` or a failed self-check).
"""

import logging
import time
from functools import partial
from dataclasses import asdict, dataclass
from typing import Optional

import numpy as np
from tqdm.auto import tqdm

from .. import backend
from ..errors import TrainingError
from ..history import Epoch, History
from ..nn.fused import self_checked
from ..text.vocab import Vocab
from .kernels import word2vec_gpu, word2vec_selfcheck
from .cbow import MODELS, init_weights
from ..divergence import DivergenceGuard
from .training.run_state import restore, resume_weights, snapshot
from .training.runners import FastRun, ReferenceRun, RunSetup, learning_rate
from .training.sampling import UnigramSampler, keep_probabilities
from .training.stream import ArrayStream, CorpusStream
from .subword.choice import DEFAULT_MODEL, choose_subwords, default_kernel
from .subword.train import SubwordFastRun, SubwordReferenceRun, SubwordRows
from .subword.ngrams import MAX_CHAR_N, MIN_CHAR_N, SubwordScheme
from .vectors import WordVectors

log = logging.getLogger("w2vlm")

SUBWORD_UPDATES = ("window", "target")   # window-batched (subword_window.py) or fastText's per-target update
KERNELS = ("pairs", "batched")   # the numba kernel: word2vec.c's per-pair updates, or shared-negative minibatches
MAX_LR = 1.0           # word2vec diverges well below this (gensim and word2vec.c start at 0.025 / 0.05)


@dataclass
class Word2VecConfig:
    """Model shape and training settings, saved in the artifact's config.json (defaults follow gensim 4)."""
    model: Optional[str] = None    # cbow | skipgram; None: cbow, or skipgram when subwords="auto" picks Korean
    dim: int = 100
    window: int = 5
    negatives: int = 5
    ns_exponent: float = 0.75
    min_count: int = 5
    max_vocab: Optional[int] = None
    sample: float = 1e-3           # frequent-word subsampling threshold; 0 turns it off
    shrink_window: bool = True     # random window in [1, window] per target, as word2vec.c
    lr: float = 0.025
    min_lr: float = 0.0001
    epochs: int = 5
    threads: int = 1
    batch_size: int = 256          # targets per step of the layered (xp) path only (capped at vocab size / 16)
    seed: int = 0
    subwords: Optional[str] = "auto"  # auto | None | jamo | char | jamo+char: fastText n-gram vectors (subword/);
                                      # auto: jamo for a mostly-Hangul corpus, none otherwise (subword/choice.py)
    whole_word_count: Optional[int] = None  # subword models: a word seen this often is its own vector alone, no
                                            # n-grams; 0 = never (fastText, the default), auto picks 100 for Korean
    min_n: int = 3
    max_n: int = 6
    buckets: int = 2_000_000
    min_char_n: int = MIN_CHAR_N   # jamo+char's character n-gram lengths
    max_char_n: int = MAX_CHAR_N
    subword_updates: str = "window"  # window | target: how the numba kernel updates subword CBOW (subword_window.py)
    kernel: Optional[str] = None   # pairs | batched: the numba kernel's update (kernels/word2vec_batched.py,
                                   # subword_batched.py); None: batched for skip-gram, pairs for CBOW and
                                   # named subword models (subword/choice.default_kernel; docs/benchmarks.md)
    block_words: Optional[int] = None  # numba path: words per thread per block (progress, stop and resume points);
                                       # None: 2**17 on one thread, 2**14 on more (hot rows merge per block)
    report_batches: int = 50       # layered path: batches per progress report, stop check and host sync

    def subword_scheme(self):
        """The SubwordScheme of a --subwords model, else None (also while ``subwords`` is still "auto")."""
        if not self.subwords or self.subwords == "auto":
            return None
        return SubwordScheme(self.subwords, self.min_n, self.max_n, self.buckets, self.min_char_n, self.max_char_n)

    def __post_init__(self):
        """Raise TrainingError naming the option to fix: a config that exists is a valid one."""
        if self.model is None and self.subwords != "auto":
            self.model = DEFAULT_MODEL
        if self.model is not None and self.model not in MODELS:
            raise TrainingError(f"unknown model {self.model!r}; use one of {', '.join(MODELS)}")
        for name in ("dim", "window", "epochs", "threads", "batch_size", "min_count"):
            if getattr(self, name) < 1:
                raise TrainingError(f"--{name.replace('_', '-')} must be at least 1 (got {getattr(self, name)})")
        if self.block_words is None:
            self.block_words = 1 << 17 if self.threads == 1 else 1 << 14
        if self.block_words < 1 or self.report_batches < 1:
            raise TrainingError(f"block_words and report_batches must be at least 1 (got {self.block_words}, "
                                f"{self.report_batches})")
        if self.negatives < 1:
            raise TrainingError(f"--negatives must be at least 1 (got {self.negatives})")
        if self.max_vocab is not None and self.max_vocab < 2:
            raise TrainingError(f"--max-vocab must be at least 2 (got {self.max_vocab})")
        if not 0 < self.lr <= MAX_LR:
            raise TrainingError(f"--lr {self.lr} is outside (0, {MAX_LR}]; word2vec starts at 0.025 (cbow) or "
                                f"0.025-0.05 (skipgram)")
        if not 0 <= self.min_lr <= self.lr:
            raise TrainingError(f"need 0 <= --min-lr <= --lr (got lr={self.lr}, min_lr={self.min_lr})")
        if self.sample < 0:
            raise TrainingError(f"--sample must be >= 0 (got {self.sample}); 0 turns subsampling off")
        if self.subwords == "none":
            self.subwords = None
        if self.whole_word_count is not None and self.whole_word_count < 0:
            raise TrainingError(f"--whole-word-count must be >= 0 (got {self.whole_word_count}); 0 gives every word "
                                f"its n-grams")
        if self.subwords and self.subwords != "auto":
            self.whole_word_count = self.whole_word_count or 0
            self.subword_scheme()   # SubwordScheme checks its own fields
        if self.kernel is None and self.subwords != "auto":   # "auto": decided with the subwords (choice.py)
            self.kernel = default_kernel(self.model, self.subwords)
        if self.kernel is not None and self.kernel not in KERNELS:
            raise TrainingError(f"--kernel must be one of {', '.join(KERNELS)} (got {self.kernel!r})")
        if self.kernel == "batched" and self.subwords and self.subwords != "auto" and self.model != "skipgram":
            raise TrainingError("--kernel batched with --subwords trains skip-gram only; add --model skipgram or "
                                "leave --kernel out")
        if self.subword_updates not in SUBWORD_UPDATES:
            raise TrainingError(f"--subword-updates must be one of {', '.join(SUBWORD_UPDATES)} "
                                f"(got {self.subword_updates!r})")


def train_word2vec(ids, line_offsets, counts, config, *, xp=np, raw_words=None, progress=True, fused=True,
                   kernel_options=None, subword_rows=None, resume=None, stop=None):
    """Train word vectors on ``ids`` (vocabulary ids, lines cut by ``line_offsets``); ``counts`` per vocab word.

    Returns ``(W_in, W_out, history)`` as float32 host arrays: W_in are the word vectors, W_out the output
    (negative-sampling) vectors. ``fused`` runs the fused kernel of ``xp``'s backend (numba on NumPy, CUDA on
    CuPy); ``fused=False`` trains the layered reference model in batches of ``config.batch_size`` targets.
    ``kernel_options``: the CUDA runner's launch shape (``blocks``, ``tile``, ``vec``: benchmarks). With
    ``subword_rows`` (a ``subword_train.SubwordRows``) W_in also holds the n-gram rows after the word rows
    (fastText; numba kernel on NumPy, layered model on CuPy).
    ``stop()`` is asked after every block: True ends training there (``history.interrupted``).
    ``history.state`` is the run's ``ResumeRecord`` with the weights (W_in with any n-gram rows, W_out) as its
    arrays; ``resume=`` that record continues the run exactly as if it had never stopped (same thread count).
    A diverging loss raises TrainingError.
    """
    stream = ArrayStream(ids, line_offsets)
    offsets = stream.line_offsets
    if len(offsets) < 2 or offsets[0] != 0 or offsets[-1] != len(stream.ids):
        raise TrainingError("line_offsets must start at 0 and end at len(ids)")
    return train_word2vec_stream(stream, counts, config, xp=xp, raw_words=raw_words, progress=progress, fused=fused,
                                 kernel_options=kernel_options, subword_rows=subword_rows, resume=resume, stop=stop)


def train_word2vec_stream(stream, counts, config, *, xp=np, raw_words=None, progress=True, fused=True,
                          kernel_options=None, subword_rows=None, resume=None, stop=None):
    """:func:`train_word2vec` on an id stream (``stream.py``): the CPU kernel reads it piece by piece, so memory
    does not grow with the corpus; the CUDA runner and the layered path take it whole."""
    config = choose_subwords(config)   # ids without text: "auto" means word vectors
    counts = np.asarray(counts, dtype=np.int64)
    n_words = stream.n_tokens
    if n_words < 2 or len(counts) < 2:
        raise TrainingError(f"corpus has only {n_words} words ({len(counts)} distinct) after "
                            f"min_count={config.min_count}; lower --min-count or give more text")
    history = History("embeddings", config=asdict(config),
                      raw_words=int(raw_words if raw_words is not None else n_words))
    rng = backend.seed_everything(config.seed, xp)
    W_in, W_out = init_weights(len(counts) if subword_rows is None else subword_rows.n_rows, config.dim, rng)
    W_out = W_out[:len(counts)]
    if resume is not None:
        W_in, W_out = resume_weights(resume, W_in.shape, len(counts))
    keep = keep_probabilities(counts, config.sample)
    sampler = UnigramSampler(counts, config.ns_exponent, rng)
    setup = RunSetup(stream, W_in, W_out, keep, sampler, config, xp=xp, rng=rng, subword_rows=subword_rows,
                     kernel_options=dict(kernel_options or {}))
    trainer = _runner(xp, fused, config, subword_rows)(setup)
    log.info("training %s%s on %s words (%s distinct), dim %d, %d epochs, %s", config.model,
             " with subwords" if subword_rows is not None else "", f"{n_words:,}", f"{len(counts):,}", config.dim,
             config.epochs, type(trainer).describe(config, xp))
    start = restore(resume, trainer, history) if resume is not None else None
    guard = DivergenceGuard.for_word2vec(config)
    for epoch in range(start.epoch if start else 0, config.epochs):
        part = start if start is not None and epoch == start.epoch else None
        start = None
        bar = tqdm(total=n_words, desc=f"epoch {epoch + 1}/{config.epochs}", unit="word", unit_scale=True,
                   disable=not progress or None, leave=False, dynamic_ncols=True)
        began = time.perf_counter() - (part.seconds if part else 0.0)
        loss_sum, examples = (part.loss_sum, part.examples) if part else (0.0, 0)
        blocks = trainer.epoch(epoch, part.position) if part and part.position else trainer.epoch(epoch)
        for done, block_loss, block_examples in blocks:
            if block_examples > 0:
                guard.check(block_loss / block_examples, f"in epoch {epoch + 1}", "nothing was saved")
            loss_sum += block_loss
            examples += block_examples
            elapsed = max(time.perf_counter() - began, 1e-9)
            bar.update(done - bar.n)
            bar.set_postfix(loss=f"{loss_sum / max(examples, 1):.4f}",
                            rate=f"{history.raw_words * done / n_words / elapsed / 1e3:,.0f}k w/s", refresh=False)
            # runners that stop only at epoch ends (the CUDA one) stop there instead
            if stop is not None and trainer.stops_mid_epoch and stop() and trainer.position < trainer.epoch_length:
                history.interrupted = True
                break
        seconds = time.perf_counter() - began
        bar.close()
        if history.interrupted:
            history.state = snapshot(trainer, history, epoch, trainer.position, loss_sum, examples, seconds)
            log.warning("interrupted in epoch %d/%d", epoch + 1, config.epochs)
            break
        loss = loss_sum / max(examples, 1)
        history.epochs.append(Epoch(epoch=epoch + 1, loss=loss, seconds=seconds, items=history.raw_words,
                                    lr=learning_rate(config, epoch / config.epochs), examples=examples,
                                    trained_words=trainer.trained_words))
        log.info("epoch %d/%d: loss %.4f, %s words/s", epoch + 1, config.epochs, loss,
                 f"{history.epochs[-1].items_per_sec:,.0f}")
        if stop is not None and stop() and epoch + 1 < config.epochs:
            history.interrupted = True
            history.state = snapshot(trainer, history, epoch + 1, 0, 0.0, 0, 0.0)
            break
    if history.state is None:
        history.state = snapshot(trainer, history, config.epochs, 0, 0.0, 0, 0.0)
    W_in, W_out = trainer.weights()
    history.state = history.state.with_arrays(W_in=W_in, W_out=W_out)
    return W_in, W_out, history


def train_vectors(encoded, config, *, xp=np, progress=True, fused=True, resume=None, stop=None, run=None):
    """Word vectors from an ``EncodedCorpus``: vocabulary (min_count, max_vocab), OOV words dropped, then training
    (the step under the ``train_embeddings`` recipe, which also encodes, resumes and saves).

    Returns ``(WordVectors, history)``; the vectors carry the output weights, the tokenizer settings and the whole
    config.json (settings, corpus description and digest, training summary, plus ``run``: how the caller started
    the run); ``history.state`` is the run's ResumeRecord, so ``vectors.save(dir, resume=history.state)`` writes
    the artifact ``w2vlm train-embeddings`` writes. ``resume``/``stop``: as for ``train_word2vec``; a resumed run
    must build the same vocabulary.
    """
    config = choose_subwords(config, encoded)
    vocab = Vocab.from_counts(encoded.types, encoded.counts, min_count=config.min_count,
                              max_size=config.max_vocab, specials=())
    if len(vocab) < 2:
        raise TrainingError(f"corpus has only {len(vocab)} distinct word(s) seen at least min_count="
                            f"{config.min_count} times; lower --min-count or give more text")
    if resume is not None and resume.progress.get("vocab_digest", vocab.digest()) != vocab.digest():
        raise TrainingError("the corpus gives another vocabulary than the resumed run's; resume with the same "
                            "corpus, tokenizer and --min-count/--max-vocab")
    stream = CorpusStream(encoded, vocab)  # rare words vanish before windowing, as in gensim
    subword_rows = subwords = None
    if config.subwords:
        subword_rows = SubwordRows.build(vocab.words, config.subword_scheme(), vocab.counts, config.whole_word_count)
    W_in, W_out, history = train_word2vec_stream(stream, vocab.counts, config, xp=xp, raw_words=encoded.n_tokens,
                                                 progress=progress, fused=fused, subword_rows=subword_rows,
                                                 resume=resume, stop=stop)
    if subword_rows is not None:
        W_in, subwords = subword_rows.split(W_in)
    history.state.corpus.update(digest=encoded.digest, description=encoded.description)
    history.state.tokenizer = encoded.tokenizer_config
    history.state.progress["vocab_digest"] = vocab.digest()
    saved = dict(asdict(config), corpus=encoded.description, corpus_digest=encoded.digest,
                 incomplete=history.interrupted,
                 training={"loss": history.loss, "words_per_sec": history.words_per_sec,
                           "train_seconds": history.train_seconds, "raw_words": history.raw_words}, **(run or {}))
    vectors = WordVectors(vocab, W_in, config=saved, subwords=subwords, tokenizer_config=encoded.tokenizer_config,
                          extra_arrays={"output_weights": W_out})
    return vectors, history


def _runner(xp, fused, config, subword_rows):
    """The data decides, as in ``nn.fused``: NumPy -> numba kernel; CuPy -> fused CUDA kernel once its first-use
    self-check (this configuration, tiny input) agreed with the layered model; ``fused=False`` -> layered model.
    Subword models have no CUDA kernel: numba on NumPy, the layered model on CuPy."""
    if subword_rows is not None:
        return SubwordFastRun if fused and not backend.is_gpu(xp) else SubwordReferenceRun
    if not fused:
        return ReferenceRun
    if not backend.is_gpu(xp):
        return FastRun
    shape = dict(dim=config.dim, negatives=config.negatives, window=config.window)
    family = "word2vec ({})".format(", ".join(f"{k} {v}" for k, v in shape.items()))
    passed = self_checked(xp, family, partial(word2vec_selfcheck.self_check, **shape))
    return word2vec_gpu.GPURun if passed else ReferenceRun
