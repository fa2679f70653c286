"""The one runner interface the word2vec training loop drives, and two runners: FastRun (numba Hogwild kernel)
and ReferenceRun (layered model).

Every runner (these two, ``kernels.word2vec_gpu.GPURun`` and the subword runners of ``subword/train.py``) is a
``Runner`` built from one ``RunSetup``; it trains one epoch at a time from a resume position and yields
``(position, loss_sum, examples)`` at each report point. ``learning_rate`` is the one linear schedule they follow.
"""

from dataclasses import dataclass, field

import numpy as np

from ... import backend
from ...nn.optim import SGD
from ..cbow import MODELS
from ..subword.choice import choose_subwords
from .sampling import context_windows, subsample


def learning_rate(config, progress):
    """Linear decay from lr to min_lr over the whole run (progress in [0, 1])."""
    return config.lr - (config.lr - config.min_lr) * min(max(progress, 0.0), 1.0)


@dataclass
class RunSetup:
    """What every runner is built from: the training words, the initial weights (W_in holds any n-gram rows after
    the word rows), the subsampling and negative-sampling tables, the config, the array module and generator, the
    subword row table (None for word-level models) and the CUDA launch shape (benchmarks; the other runners
    have none)."""
    stream: object
    W_in: object
    W_out: object
    keep: np.ndarray
    sampler: object
    config: object
    xp: object = np
    rng: object = None
    subword_rows: object = None
    kernel_options: dict = field(default_factory=dict)

    def __post_init__(self):
        self.config = choose_subwords(self.config)   # ids without text: "auto" is a word-level model, CBOW by default


class Runner:
    """The interface: ``Runner(setup)``; ``epoch(epoch, start)`` yields ``(position, loss_sum, examples)`` per
    block from ``start`` (a block boundary; ``position`` words into the epoch, ``epoch_length`` in all);
    ``weights()`` gives host (W_in, W_out); ``random_state()``/``set_random_state()`` save and restore the
    generators (JSON, None when they are keyed by epoch); ``path`` names the runner in the resume record;
    ``stops_mid_epoch`` says whether ``stop()`` and resume work at block boundaries or only at epoch ends;
    ``block_words`` is the block grid of a runner that cuts epochs by word count (resume needs the same)."""

    path = None
    stops_mid_epoch = True
    block_words = None   # words per thread per block where a runner cuts epochs by word count (numba)

    def __init__(self, setup):
        self.config = setup.config
        self.trained_words = 0
        self.position, self.epoch_length = 0, None

    @staticmethod
    def describe(config, xp):
        raise NotImplementedError

    def epoch(self, epoch, start=0):
        raise NotImplementedError

    def weights(self):
        raise NotImplementedError

    def random_state(self):
        return None

    def set_random_state(self, state):
        """Restore ``random_state()``'s generators."""


class FastRun(Runner):
    """Pieces of the stream, cut into blocks of lines through the numba kernel; a block is split into one chunk
    per thread. Block cuts fall every ``config.block_words * threads`` words of the epoch, wherever the pieces end;
    they are the progress, stop and resume points (the run state records the block size)."""

    path = "numba kernel"   # recorded in the run state: a stopped run resumes on the path it ran on

    @staticmethod
    def describe(config, xp):
        shared = ", shared-negative minibatches" if config.kernel == "batched" else ""
        return f"numba kernel, {config.threads} thread(s){shared}"

    def __init__(self, setup):
        from ..kernels import word2vec_batched, word2vec_cpu  # numba: compiled on first use
        super().__init__(setup)
        config = setup.config
        self.kernel = word2vec_cpu
        self.batched = word2vec_batched if config.kernel == "batched" else None
        if self.batched is not None:
            self.path = "numba batched kernel"
        self.stream, self.W_in, self.W_out = setup.stream, setup.W_in, setup.W_out
        self.keep, self.sampler = setup.keep, setup.sampler
        self.block_words = config.block_words
        self.states = word2vec_cpu.seed_states(config.seed, config.threads)
        self.stats = np.zeros((config.threads, 4))
        hot = min(len(self.W_out), word2vec_cpu.HOT_ROWS) if config.threads > 1 else 0   # per-thread row copies
        self.hot_in, self.hot_out = (np.empty((config.threads, hot, config.dim), dtype=np.float32) for _ in range(2))
        self.epoch_length = setup.stream.n_tokens   # resume points: words into the epoch
        empty_ids, empty_offsets = np.zeros(1, np.int32), np.zeros(2, np.int64)
        # load the compiled kernel untimed (no lines to train)
        self._block(empty_ids, empty_offsets, np.zeros(config.threads + 1, dtype=np.int64), 0.0, 0.0)

    def _block(self, ids, offsets, chunks, lr_start, lr_end):
        config = self.config
        self.stats[:] = 0
        shared = (ids, offsets, chunks, self.keep, config.sample > 0, self.sampler.alias_prob, self.sampler.alias,
                  config.window, config.shrink_window, config.negatives, config.model == "cbow")
        if self.batched is not None:
            self.batched.train_block(self.W_in, self.W_out, *shared, self.batched.CBOW_BATCH, lr_start, lr_end,
                                     self.states, self.stats)
        else:
            self.kernel.train_block(self.W_in, self.W_out, self.hot_in, self.hot_out, *shared, lr_start, lr_end,
                                    self.states, self.stats)

    def epoch(self, epoch, start=0):
        """Train the blocks of ``epoch`` from word ``start`` (a block boundary) on."""
        config = self.config
        n_words = self.stream.n_tokens
        total, step = n_words * config.epochs, self.block_words * config.threads
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
                lr_start = learning_rate(config, done_before / total)
                lr_end = learning_rate(config, (done_before + offsets[last] - offsets[first]) / total)
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


class ReferenceRun(Runner):
    """The layered model (cbow.py) on ``xp`` with plain SGD over batches of targets, in corpus order; it reports
    (and syncs with the host) every ``config.report_batches`` batches."""

    path = "layered model"

    @staticmethod
    def describe(config, xp):
        return f"layered model on {xp.__name__}"

    def __init__(self, setup):
        super().__init__(setup)
        config, sampler = setup.config, setup.sampler
        self.ids, self.offsets = setup.stream.arrays()
        self.keep, self.xp, self.rng = setup.keep, setup.xp, setup.rng
        self.model = self.build_model(setup)
        self.optimizer = SGD()
        # a word seen many times in one batch gets all those updates at once, computed from the same stale
        # vectors; a batch of at most V/16 targets keeps such pile-ups small enough not to diverge
        self.batch_size = min(config.batch_size, max(1, len(sampler) // 16))
        self.epoch_start_rng = None   # resume points: target positions in the subsampled epoch

    @staticmethod
    def build_model(setup):
        """The layered model the runner trains (cbow.py's CBOW or SkipGram on the setup's weights)."""
        config = setup.config
        return MODELS[config.model](negatives=config.negatives, sampler=setup.sampler, xp=setup.xp,
                                    weights=(setup.W_in, setup.W_out))

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
                lr = learning_rate(config, (epoch * len(self.ids) + positions[-1] * scale) / total)
                loss = self.model.forward(xp.asarray(contexts), xp.asarray(target))
                self.model.backward()
                # the model averages over targets; word2vec sums per-target updates, so scale the step
                self.optimizer.lr = lr * len(target)
                self.optimizer.update(self.model.params, self.model.grads)
                loss_sum = loss_sum + loss * len(target)
                examples += len(target) if config.model == "cbow" else int((contexts >= 0).sum())
            if step % config.report_batches == config.report_batches - 1 or first + batch >= len(ids):
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
