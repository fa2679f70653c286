"""The word2vec runners the training loop drives: FastRun (numba Hogwild kernel) and ReferenceRun (layered model).

A runner trains one epoch at a time from a resume position and yields ``(position, loss_sum, examples)`` at each
report point; ``learning_rate`` is the one linear schedule every runner (``kernels.word2vec_gpu.GPURun`` too) follows.
"""

import numpy as np

from ... import backend
from ...nn.optim import SGD
from ..cbow import MODELS
from .sampling import context_windows, subsample


def learning_rate(config, progress):
    """Linear decay from lr to min_lr over the whole run (progress in [0, 1])."""
    return config.lr - (config.lr - config.min_lr) * min(max(progress, 0.0), 1.0)


class FastRun:
    """Pieces of the stream, cut into blocks of lines through the numba kernel; a block is split into one chunk
    per thread. Block cuts fall every ``config.block_words * threads`` words of the epoch, wherever the pieces end;
    they are the progress, stop and resume points (the run state records the block size)."""

    path = "numba kernel"   # recorded in the run state: a stopped run resumes on the path it ran on

    @staticmethod
    def describe(config, xp):
        return f"numba kernel, {config.threads} thread(s)"

    def __init__(self, stream, W_in, W_out, keep, sampler, config):
        from ..kernels import word2vec_cpu  # numba: compiled on first use
        self.kernel = word2vec_cpu
        self.stream, self.W_in, self.W_out = stream, W_in, W_out
        self.keep, self.sampler, self.config = keep, sampler, config
        self.block_words = config.block_words
        self.states = word2vec_cpu.seed_states(config.seed, config.threads)
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


class ReferenceRun:
    """The layered model (cbow.py) on ``xp`` with plain SGD over batches of targets, in corpus order; it reports
    (and syncs with the host) every ``config.report_batches`` batches."""

    path = "layered model"

    @staticmethod
    def describe(config, xp):
        return f"layered model on {xp.__name__}"

    def __init__(self, ids, line_offsets, W_in, W_out, keep, sampler, config, xp, rng):
        self.ids, self.offsets, self.keep, self.config, self.xp, self.rng = ids, line_offsets, keep, config, xp, rng
        self.model = MODELS[config.model](negatives=config.negatives, sampler=sampler, xp=xp, weights=(W_in, W_out))
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
