"""Word2vec training loop with gensim/word2vec.c semantics: fused kernels picked by the arrays, or the layered model.

One loop and one learning-rate schedule for every backend; the runner does the work: ``_FastRun`` (numba kernel,
NumPy), ``fast_gpu.GPURun`` (fused CUDA kernel, CuPy, after its first-use self-check) or ``_ReferenceRun`` (the
layered xp model, ``fused=False`` or a failed self-check).
"""

import logging
import math
import time
from dataclasses import asdict, dataclass, field
from typing import Optional

import numpy as np
from tqdm.auto import tqdm

from .. import backend
from ..artifacts import write_json
from ..errors import TrainingError
from .cbow import MODELS, init_weights
from .sampling import UnigramSampler, context_windows, keep_probabilities, subsample
from .stream import ArrayStream, CorpusStream

log = logging.getLogger("w2vlm")

BLOCK_WORDS = 1 << 17  # words per thread between progress updates on the fast path
REPORT_EVERY = 50      # batches between progress updates (and host syncs) on the layered path
MAX_LR = 1.0           # word2vec diverges well below this (gensim and word2vec.c start at 0.025 / 0.05)


@dataclass
class Word2VecConfig:
    """Model shape and training settings, saved in the artifact's config.json (defaults follow gensim 4)."""
    model: str = "cbow"            # cbow | skipgram
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
    subwords: Optional[str] = None  # None | jamo | char: fastText n-gram vectors (subwords.py)
    min_n: int = 3
    max_n: int = 6
    buckets: int = 2_000_000

    def subword_scheme(self):
        """The SubwordScheme of a --subwords model, else None."""
        from .subwords import SubwordScheme
        return SubwordScheme(self.subwords, self.min_n, self.max_n, self.buckets) if self.subwords else None

    def validate(self):
        """Raise TrainingError naming the option to fix."""
        if self.model not in MODELS:
            raise TrainingError(f"unknown model {self.model!r}; use one of {', '.join(MODELS)}")
        for name in ("dim", "window", "epochs", "threads", "batch_size", "min_count"):
            if getattr(self, name) < 1:
                raise TrainingError(f"--{name.replace('_', '-')} must be at least 1 (got {getattr(self, name)})")
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
        if self.subwords:
            self.subword_scheme().validate()
        return self


@dataclass
class History:
    """What training measured: one entry per epoch plus whole-run totals."""
    raw_words: int                   # corpus words per epoch before min_count (the words/s numerator)
    epochs: list = field(default_factory=list)  # dicts: loss, words_per_sec, seconds, trained_words
    train_seconds: float = 0.0
    interrupted: bool = False        # stopped early at a block boundary by ``stop()``
    state: Optional[dict] = None     # where the run stands, for resume (JSON; see embeddings/run_state.py)

    @property
    def words_per_sec(self):
        return self.raw_words * len(self.epochs) / max(self.train_seconds, 1e-9)

    @property
    def loss(self):
        return self.epochs[-1]["loss"] if self.epochs else math.nan

    def metrics(self, config):
        """The ``--metrics`` JSON object."""
        return {"words_per_sec": self.words_per_sec, "train_seconds": self.train_seconds,
                "raw_words": self.raw_words, "epochs": self.epochs, "config": asdict(config)}


def write_metrics(path, history, config):
    """Write the metrics JSON for scripts (atomic)."""
    write_json(path, history.metrics(config))


def train_word2vec(ids, line_offsets, counts, config, *, xp=np, raw_words=None, progress=True, fused=True,
                   kernel_options=None, subword_rows=None, resume=None, stop=None):
    """Train word vectors on ``ids`` (vocabulary ids, lines cut by ``line_offsets``); ``counts`` per vocab word.

    Returns ``(W_in, W_out, history)`` as float32 host arrays: W_in are the word vectors, W_out the output
    (negative-sampling) vectors. ``fused`` runs the fused kernel of ``xp``'s backend (numba on NumPy, CUDA on
    CuPy); ``fused=False`` trains the layered reference model in batches of ``config.batch_size`` targets.
    ``kernel_options`` go to the CUDA runner only (``blocks``, ``tile``, ``vec``: benchmarks). With
    ``subword_rows`` (a ``subword_train.SubwordRows``) W_in also holds the n-gram rows after the word rows
    (fastText; numba kernel on NumPy, layered model on CuPy).
    ``stop()`` is asked after every block: True ends training there (``history.interrupted``). ``resume``
    (``run_state.ResumePoint``) continues a run from its saved weights and ``history.state``, exactly as if it
    had never stopped (same thread count). A diverging loss raises TrainingError.
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
    from .run_state import check_divergence, restore, resume_weights, snapshot
    config.validate()
    counts = np.asarray(counts, dtype=np.int64)
    n_words = stream.n_tokens
    if n_words < 2 or len(counts) < 2:
        raise TrainingError(f"corpus has only {n_words} words ({len(counts)} distinct) after "
                            f"min_count={config.min_count}; lower --min-count or give more text")
    history = History(raw_words=int(raw_words if raw_words is not None else n_words))
    rng = backend.seed_everything(config.seed, xp)
    W_in, W_out = init_weights(len(counts) if subword_rows is None else subword_rows.n_rows, config.dim, rng)
    W_out = W_out[:len(counts)]
    if resume is not None:
        W_in, W_out = resume_weights(resume, W_in.shape)
    keep = keep_probabilities(counts, config.sample)
    sampler = UnigramSampler(counts, config.ns_exponent, rng)
    if subword_rows is not None:  # no CUDA fastText kernel: numba on NumPy, the layered model on CuPy
        run = _FastRun if fused and not backend.is_gpu(xp) else _ReferenceRun
        trainer = subword_rows.trainer(run is _FastRun, stream, W_in, W_out, keep, sampler, config, xp, rng)
    else:
        run = _runner(xp, fused, config)
        if run is _FastRun:
            trainer = _FastRun(stream, W_in, W_out, keep, sampler, config)
        else:
            options = dict(kernel_options or {}) if getattr(run, "takes_kernel_options", False) else {}
            trainer = run(*stream.arrays(), W_in, W_out, keep, sampler, config, xp, rng, **options)
    log.info("training %s%s on %s words (%s distinct), dim %d, %d epochs, %s", config.model,
             " with subwords" if subword_rows is not None else "", f"{n_words:,}", f"{len(counts):,}", config.dim,
             config.epochs, run.describe(config, xp))
    start = restore(resume, trainer, history) if resume is not None else None
    for epoch in range(start.epoch if start else 0, config.epochs):
        part = start if start is not None and epoch == start.epoch else None
        start = None
        bar = tqdm(total=n_words, desc=f"epoch {epoch + 1}/{config.epochs}", unit="word", unit_scale=True,
                   disable=not progress or None, leave=False, dynamic_ncols=True)
        began = time.perf_counter() - (part.seconds if part else 0.0)
        loss_sum, examples = (part.loss_sum, part.examples) if part else (0.0, 0)
        blocks = trainer.epoch(epoch, part.position) if part and part.position else trainer.epoch(epoch)
        for done, block_loss, block_examples in blocks:
            check_divergence(block_loss, block_examples, config, epoch)
            loss_sum += block_loss
            examples += block_examples
            elapsed = max(time.perf_counter() - began, 1e-9)
            bar.update(done - bar.n)
            bar.set_postfix(loss=f"{loss_sum / max(examples, 1):.4f}",
                            rate=f"{history.raw_words * done / n_words / elapsed / 1e3:,.0f}k w/s", refresh=False)
            # runners without block positions (the CUDA one) stop at the end of the epoch instead
            if stop is not None and stop() and getattr(trainer, "position", None) is not None \
                    and trainer.position < trainer.epoch_length:
                history.interrupted = True
                break
        seconds = time.perf_counter() - began
        bar.close()
        if history.interrupted:
            history.state = snapshot(trainer, history, epoch, trainer.position, loss_sum, examples, seconds)
            log.warning("interrupted in epoch %d/%d", epoch + 1, config.epochs)
            break
        loss = loss_sum / max(examples, 1)
        history.train_seconds += seconds
        history.epochs.append({"loss": loss, "words_per_sec": history.raw_words / max(seconds, 1e-9),
                               "seconds": seconds, "trained_words": trainer.trained_words, "examples": examples})
        log.info("epoch %d/%d: loss %.4f, %s words/s", epoch + 1, config.epochs, loss,
                 f"{history.epochs[-1]['words_per_sec']:,.0f}")
        if stop is not None and stop() and epoch + 1 < config.epochs:
            history.interrupted = True
            history.state = snapshot(trainer, history, epoch + 1, 0, 0.0, 0, 0.0)
            break
    if history.state is None:
        history.state = snapshot(trainer, history, config.epochs, 0, 0.0, 0, 0.0)
    W_in, W_out = trainer.weights()
    return W_in, W_out, history


def train_embeddings(encoded, config, *, xp=np, progress=True, fused=True, resume=None, stop=None):
    """Word vectors from an ``EncodedCorpus``: vocabulary (min_count, max_vocab), OOV words dropped, then training.

    Returns ``(WordVectors, history)``; the vectors carry the output weights and the tokenizer settings.
    ``resume``/``stop``: as for ``train_word2vec``; a resumed run must build the same vocabulary.
    """
    from ..text.vocab import Vocab
    from .vectors import WordVectors
    config.validate()
    vocab = Vocab.from_counts(encoded.types, encoded.counts, min_count=config.min_count,
                              max_size=config.max_vocab, specials=())
    if len(vocab) < 2:
        raise TrainingError(f"corpus has only {len(vocab)} distinct word(s) seen at least min_count="
                            f"{config.min_count} times; lower --min-count or give more text")
    if resume is not None and list(vocab.words) != list(resume.words):
        raise TrainingError("the corpus gives another vocabulary than the resumed run's; resume with the same "
                            "corpus, tokenizer and --min-count/--max-vocab")
    stream = CorpusStream(encoded, vocab)  # rare words vanish before windowing, as in gensim
    subword_rows = subwords = None
    if config.subwords:
        from .subword_train import SubwordRows
        subword_rows = SubwordRows.build(vocab.words, config.subword_scheme())
    W_in, W_out, history = train_word2vec_stream(stream, vocab.counts, config, xp=xp, raw_words=encoded.n_tokens,
                                                 progress=progress, fused=fused, subword_rows=subword_rows,
                                                 resume=resume, stop=stop)
    if subword_rows is not None:
        W_in, subwords = subword_rows.split(W_in)
    vectors = WordVectors(vocab.words, W_in, vocab.counts, config=asdict(config), subwords=subwords,
                          tokenizer_config=encoded.tokenizer_config, extra_arrays={"output_weights": W_out})
    return vectors, history


def _runner(xp, fused, config):
    """The data decides, as in ``nn.fused``: NumPy -> numba kernel; CuPy -> fused CUDA kernel once its first-use
    self-check (this configuration, tiny input) agreed with the layered model; ``fused=False`` -> layered model."""
    if not fused:
        return _ReferenceRun
    if not backend.is_gpu(xp):
        return _FastRun
    from functools import partial
    from ..nn.fused import self_checked
    from . import fast_gpu
    shape = dict(dim=config.dim, negatives=config.negatives, window=config.window)
    family = "word2vec ({})".format(", ".join(f"{k} {v}" for k, v in shape.items()))
    return fast_gpu.GPURun if self_checked(xp, family, partial(fast_gpu.self_check, **shape)) else _ReferenceRun


def _learning_rate(config, progress):
    """Linear decay from lr to min_lr over the whole run (progress in [0, 1])."""
    return config.lr - (config.lr - config.min_lr) * min(max(progress, 0.0), 1.0)


class _FastRun:
    """Pieces of the stream, cut into blocks of lines through the numba kernel; a block is split into one chunk
    per thread. Block cuts fall every BLOCK_WORDS * threads words of the epoch, wherever the pieces end."""

    @staticmethod
    def describe(config, xp):
        return f"numba kernel, {config.threads} thread(s)"

    def __init__(self, stream, W_in, W_out, keep, sampler, config):
        from . import fast_cpu
        self.kernel = fast_cpu
        backend.set_threads(config.threads)
        self.stream, self.W_in, self.W_out = stream, W_in, W_out
        self.keep, self.sampler, self.config = keep, sampler, config
        self.states = fast_cpu.seed_states(config.seed, config.threads)
        self.stats = np.zeros((config.threads, 4))
        self.trained_words = 0
        self.position, self.epoch_length = 0, stream.n_tokens   # resume points: words into the epoch
        empty_ids, empty_offsets = np.zeros(1, np.int32), np.zeros(2, np.int64)
        # load the compiled kernel untimed (no lines to train)
        self._block(empty_ids, empty_offsets, np.zeros(config.threads + 1, dtype=np.int64), 0.0, 0.0)

    def _block(self, ids, offsets, chunks, lr_start, lr_end):
        config = self.config
        self.stats[:] = 0
        self.kernel.train_block(self.W_in, self.W_out, ids, offsets, chunks, self.keep, config.sample > 0,
                                self.sampler.alias_prob, self.sampler.alias, config.window, config.shrink_window,
                                config.negatives, config.model == "cbow", lr_start, lr_end, self.states, self.stats)

    def epoch(self, epoch, start=0):
        """Train the blocks of ``epoch`` from word ``start`` (a block boundary) on."""
        config = self.config
        n_words = self.stream.n_tokens
        total, step = n_words * config.epochs, BLOCK_WORDS * config.threads
        if start == 0:
            self.trained_words = 0
        before = 0   # words of this epoch in earlier pieces
        for ids, offsets in self.stream.pieces():
            lines = len(offsets) - 1
            first_cut = -(-before // step) * step - before
            cuts = np.searchsorted(offsets, np.arange(first_cut, offsets[-1], step))
            bounds = np.unique(np.concatenate([[0], cuts, [lines]]))
            for first, last in zip(bounds[:-1], bounds[1:]):
                if first >= last or before + offsets[first] < start:
                    continue
                done_before = epoch * n_words + before + offsets[first]
                lr_start = _learning_rate(config, done_before / total)
                lr_end = _learning_rate(config, (done_before + offsets[last] - offsets[first]) / total)
                chunks = self.kernel.split_lines(offsets, first, last, config.threads)
                self._block(ids, offsets, chunks, lr_start, lr_end)
                self.trained_words += int(self.stats[:, 2].sum())
                self.position = int(before + offsets[last])
                yield self.position, float(self.stats[:, 0].sum()), int(self.stats[:, 1].sum())
            before += int(offsets[-1])

    def weights(self):
        return self.W_in, self.W_out

    def random_state(self):
        """The per-thread generator states (JSON)."""
        return {"threads": [int(state) for state in self.states]}

    def set_random_state(self, state):
        self.states[:] = np.array(state["threads"], dtype=np.uint64)


class _ReferenceRun:
    """The layered model (cbow.py) on ``xp`` with plain SGD over batches of targets, in corpus order."""

    @staticmethod
    def describe(config, xp):
        return f"layered model on {xp.__name__}"

    def __init__(self, ids, line_offsets, W_in, W_out, keep, sampler, config, xp, rng):
        self.ids, self.offsets, self.keep, self.config, self.xp, self.rng = ids, line_offsets, keep, config, xp, rng
        self.model = MODELS[config.model](negatives=config.negatives, sampler=sampler, xp=xp, weights=(W_in, W_out))
        from ..nn.optim import SGD
        self.optimizer = SGD()
        self.trained_words = 0
        # a word seen many times in one batch gets all those updates at once, computed from the same stale
        # vectors; a batch of at most V/16 targets keeps such pile-ups small enough not to diverge
        self.batch_size = min(config.batch_size, max(1, len(sampler) // 16))
        self.position, self.epoch_length = 0, None   # resume points: target positions in the subsampled epoch
        self.epoch_start_rng = None

    def epoch(self, epoch, start=0):
        """Train ``epoch`` from subsampled position ``start`` (a report boundary) on."""
        config, xp = self.config, self.xp
        ids, offsets = self.ids, self.offsets
        if start == 0:
            self.epoch_start_rng = self.rng.bit_generator.state
        resumed_rng = self.rng.bit_generator.state
        self.rng.bit_generator.state = self.epoch_start_rng   # the same subsample as before the interruption
        if config.sample > 0:
            ids, offsets = subsample(ids, offsets, self.keep, self.rng)
        if start:
            self.rng.bit_generator.state = resumed_rng
        self.trained_words, self.epoch_length = len(ids), len(ids)
        # raw-corpus position of each kept word, for progress and the learning-rate schedule
        scale = len(self.ids) / max(len(ids), 1)
        total = len(self.ids) * config.epochs
        loss_sum, examples = 0.0, 0  # loss_sum stays on the device between reports
        batch = self.batch_size
        for step, first in enumerate(range(start, len(ids), batch)):
            positions = np.arange(first, min(first + batch, len(ids)))
            contexts = context_windows(ids, offsets, positions, config.window, config.shrink_window, self.rng)
            has_context = (contexts >= 0).any(axis=1)
            if has_context.any():
                contexts, target = contexts[has_context], ids[positions[has_context]]
                lr = _learning_rate(config, (epoch * len(self.ids) + positions[-1] * scale) / total)
                loss = self.model.forward(xp.asarray(contexts), xp.asarray(target))
                self.model.backward()
                # the model averages over targets; word2vec sums per-target updates, so scale the step
                self.optimizer.lr = lr * len(target)
                self.optimizer.update(self.model.params, self.model.grads)
                loss_sum = loss_sum + loss * len(target)
                examples += len(target) if config.model == "cbow" else int((contexts >= 0).sum())
            if step % REPORT_EVERY == REPORT_EVERY - 1 or first + batch >= len(ids):
                self.position = first + batch
                yield int((positions[-1] + 1) * scale), float(loss_sum), examples
                loss_sum, examples = 0.0, 0

    def random_state(self):
        """The NumPy generator state now and at the start of the epoch (JSON)."""
        return {"rng": self.rng.bit_generator.state, "epoch_start": self.epoch_start_rng}

    def set_random_state(self, state):
        self.rng.bit_generator.state = state["rng"]
        self.epoch_start_rng = state["epoch_start"]

    def weights(self):
        return (np.asarray(backend.to_cpu(self.model.word_vecs), dtype=np.float32),
                np.asarray(backend.to_cpu(self.model.output_vecs), dtype=np.float32))
