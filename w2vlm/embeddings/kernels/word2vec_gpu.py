"""Fused GPU word2vec (CuPy RawModule, Hogwild atomics): the SGD of word2vec_cpu / word2vec.c, one warp per center word.

The corpus ids, the line offsets, the keep-probability and alias tables and both matrices live on the device.
A launch trains the centers of a position range [first, last): each warp takes tiles of consecutive positions;
the 32 lanes split the vector dimensions (float4 lanes when dim % 4 == 0) and find the window's kept words by
ballot. Randomness is counter-based (splitmix64 of (epoch key, position, stream)), so any warp can tell whether
any position survived subsampling and no RNG state crosses launches. Row updates are atomic adds (``red.v4.f32``
on sm_90), not word2vec.c's racy stores, so no update is lost; reads bypass L1 (``__ldcg``) to see them.
Same semantics as the CPU kernel: subsampling before windowing, shrunk windows that stop at line ends, CBOW mean
with word2vec.c's whole-gradient update, skip-gram with the context word predicting the center, negatives equal
to the target skipped, loss capped at 69.08 nats per term. Differences: the 1 + K scores of an example come from
the rows as they were before its update (as the layered reference; the CPU kernel updates them one by one), and
the lr decays per position instead of per line. ``cbow_step``/``pair_step`` apply given examples (tests).
"""

from pathlib import Path

import numpy as np

from ...backend import get_xp
from ...errors import TrainingError
from ..training.runners import Runner, learning_rate

BLOCK_WORDS = 1 << 22  # positions per launch: one host sync (loss, progress) per block
THREADS = 256
STREAMS = 4096  # random streams per position: 0 subsampling, 1 window, 2.. negatives

_SOURCE = (Path(__file__).parent / "word2vec.cu").read_text(encoding="utf-8")


def kernel_source(dim, negatives, window, vec=None, min_blocks=0):
    """The CUDA source for one (dim, negatives, max window, vector width, min blocks/SM) configuration."""
    vec = vec or (4 if dim % 4 == 0 else 1)
    if vec not in (1, 4) or dim % vec:
        raise TrainingError(f"vector width {vec} does not divide dim {dim}; use 1 or 4")
    if not (1 <= negatives <= 32 and 1 <= window <= 32):
        raise TrainingError(f"the GPU kernel supports 1..32 negatives and a window of 1..32 "
                            f"(got {negatives}, {window}); use --device cpu for larger ones")
    defines = dict(DIM=dim, NEG=negatives, MAXW=window, VEC=vec, THREADS=THREADS, STREAMS=f"{STREAMS}ULL",
                   MIN_BLOCKS=min_blocks)
    return "".join(f"#define {k} {v}\n" for k, v in defines.items()) + _SOURCE


_MODULES = {}  # (cupy module, configuration) -> RawModule


def vector_width(dim, compute_capability, vec=None):
    """The float lanes per load/atomic: ``vec`` when given, else 4 on sm_90+ (float4 atomicAdd) if 4 divides dim."""
    return vec or (4 if dim % 4 == 0 and int(compute_capability) >= 90 else 1)


def kernels(dim, negatives, window, vec=None, min_blocks=0):
    """The compiled RawModule for a configuration (NVRTC, cached per process and on disk by CuPy)."""
    cupy = get_xp("gpu")
    vec = vector_width(dim, cupy.cuda.Device().compute_capability, vec)
    key = (dim, negatives, window, vec, min_blocks)
    if (cupy, key) not in _MODULES:
        _MODULES[cupy, key] = cupy.RawModule(code=kernel_source(*key))
    return _MODULES[cupy, key]


def default_blocks(cupy, vocab=None):
    """Blocks in flight: about vocab / 16 concurrent warps (Hogwild writers), as the layered path caps its batch,
    up to a full device (``vocab=None``: a full device).

    Every warp in flight updates rows that others are changing; on a small vocabulary too many of them would pile
    stale updates onto the same rows. (Estimate, unmeasured: a latency-bound warp trains ~0.5 M centers/s, so a
    few hundred warps should suffice on PTB-sized vocabularies; benchmarks/word2vec_gpu.py --blocks sweeps it.)
    """
    props = cupy.cuda.runtime.getDeviceProperties(cupy.cuda.Device().id)
    full = props["multiProcessorCount"] * max(1, props["maxThreadsPerMultiProcessor"] // THREADS)
    return full if vocab is None else max(1, min(full, vocab // (16 * (THREADS // 32))))


def epoch_key(seed, epoch):
    """The 64-bit random key of one epoch (all draws are hashes of key, position and stream)."""
    return np.uint64(np.random.SeedSequence([int(seed), int(epoch)]).generate_state(1, dtype=np.uint64)[0])


def _check_matrices(W_in, W_out):
    for W in (W_in, W_out):
        if W.dtype != np.float32 or not W.flags.c_contiguous or W.shape != W_in.shape or W.data.ptr % 16:
            raise TrainingError("the GPU kernel needs two C-contiguous, 16-byte aligned float32 (V, dim) "
                                "matrices of equal shape")


def train_range_gpu(ids, line_offsets, W_in, W_out, keep, alias_prob, alias, first, last, lr_start, lr_end, stats, *,
                    model="cbow", window=5, negatives=5, shrink=True, subsampling=True, key=0, tile=16, blocks=None,
                    vec=None, min_blocks=0, probe=None, threads=THREADS):
    """Train the centers at positions [first, last) (lr linear from lr_start to lr_end over them) in one launch.

    Arrays are CuPy: ids int32, line_offsets int64 (lines + 1), keep/alias_prob float32, alias int32 (V,),
    ``stats`` float64 (4,) += (loss sum, examples, kept words, context words). Asynchronous: nothing is read back.
    ``threads`` per block may be fewer than THREADS (the self-check runs one warp, positions in order).
    """
    import cupy
    _check_matrices(W_in, W_out)
    module = kernels(W_in.shape[1], negatives, window, vec, min_blocks)
    name = "w2v_probe" if probe is not None else {"cbow": "w2v_cbow", "skipgram": "w2v_skipgram"}[model]
    if last <= first:
        return stats
    blocks = blocks or default_blocks(cupy, None if probe is not None else len(keep))
    blocks = int(min(blocks, -(-(last - first) // (tile * threads // 32))))
    args = (W_in, W_out, ids, line_offsets, np.int32(len(line_offsets) - 1), keep, alias_prob, alias,
            np.int32(len(keep)), np.int64(first), np.int64(last), np.int32(tile), np.int32(window),
            np.int32(bool(shrink)), np.int32(bool(subsampling)), np.float32(lr_start), np.float32(lr_end),
            np.uint64(key), stats, probe if probe is not None else cupy.zeros(1, dtype=np.int32))
    module.get_function(name)((blocks,), (threads,), args)
    return stats


def train_epoch_gpu(ids, line_offsets, W_in, W_out, keep, alias_prob, alias, lr_start, lr_end, *, seed=0, epoch=0,
                    stats=None, block_words=BLOCK_WORDS, **options):
    """One epoch over the whole corpus, lr linear from lr_start to lr_end; returns the device stats (4,) float64.

    ``options`` are those of ``train_range_gpu`` (model, window, negatives, shrink, subsampling, tile, blocks, vec,
    min_blocks).
    """
    import cupy
    stats = cupy.zeros(4, dtype=np.float64) if stats is None else stats
    n, key = len(ids), epoch_key(seed, epoch)
    for first in range(0, n, block_words):
        last = min(first + block_words, n)
        lr_a = lr_start + (lr_end - lr_start) * first / n
        lr_b = lr_start + (lr_end - lr_start) * last / n
        train_range_gpu(ids, line_offsets, W_in, W_out, keep, alias_prob, alias, first, last, lr_a, lr_b, stats,
                        key=key, **options)
    return stats


def probe_centers(ids, line_offsets, keep, alias_prob, alias, dim, *, window=5, negatives=5, shrink=True,
                  subsampling=True, key=0, first=0, last=None, tile=16):
    """What training would see at each position (host int32 arrays): kept, reach, contexts (n, 2W), negatives (n, K)."""
    import cupy
    last = len(ids) if last is None else last
    out = cupy.full((last - first, 2 + 2 * window + negatives), -2, dtype=np.int32)
    W = cupy.zeros((1, dim), dtype=np.float32)
    train_range_gpu(ids, line_offsets, W, W.copy(), keep, alias_prob, alias, first, last, 0.0, 0.0,
                    cupy.zeros(4, dtype=np.float64), window=window, negatives=negatives, shrink=shrink,
                    subsampling=subsampling, key=key, tile=tile, probe=out)
    out = out.get()
    return out[:, 0], out[:, 1], out[:, 2:2 + 2 * window], out[:, 2 + 2 * window:]


def _ints(cupy, x):
    return cupy.ascontiguousarray(cupy.asarray(x, dtype=np.int32))


def _step_launch(name, W_in, W_out, batch, negatives, args, vec):
    import cupy
    _check_matrices(W_in, W_out)
    loss = cupy.zeros(1, dtype=np.float64)
    module = kernels(W_in.shape[1], negatives.shape[1], 1, vec)
    blocks = max(1, -(-batch // (THREADS // 32)))
    module.get_function(name)((blocks,), (THREADS,), args + (loss,))
    return loss[0]


def cbow_step(W_in, W_out, contexts, targets, negatives, lr, exact_gradient=False, vec=None):
    """CBOW updates for given examples, one warp each (Hogwild): contexts (B, C) padded with -1 (C <= 64),
    targets (B,), negatives (B, K). Returns the summed loss as a device 0-d float64."""
    import cupy
    contexts = _ints(cupy, contexts)
    targets = _ints(cupy, targets)
    negatives = _ints(cupy, negatives)
    if contexts.shape[1] > 64:
        raise TrainingError(f"cbow_step takes at most 64 context columns (got {contexts.shape[1]})")
    batch = len(targets)
    return _step_launch("w2v_cbow_step", W_in, W_out, batch, negatives,
                        (W_in, W_out, contexts, np.int32(contexts.shape[1]), targets, negatives, np.int32(batch),
                         np.float32(lr), np.int32(bool(exact_gradient))), vec)


def pair_step(W_in, W_out, sources, targets, negatives, lr, vec=None):
    """Skip-gram updates for given pairs (``sources``' input vectors predict ``targets``), one warp each."""
    import cupy
    sources = _ints(cupy, sources)
    targets = _ints(cupy, targets)
    negatives = _ints(cupy, negatives)
    batch = len(targets)
    return _step_launch("w2v_pair_step", W_in, W_out, batch, negatives,
                        (W_in, W_out, sources, targets, negatives, np.int32(batch), np.float32(lr)), vec)


class GPURun(Runner):
    """The runner of ``train.train_word2vec`` for CuPy arrays: ``epoch(e)`` yields (words done, loss sum,
    examples) once per block of ``launch_words`` positions (the only host syncs; default BLOCK_WORDS), with the
    learning rates of train.py's one schedule; ``weights()`` returns host copies. ``totals`` accumulates (loss, examples, kept words, context
    words) over the run on the host."""

    path = "CUDA kernel"
    stops_mid_epoch = False   # its generator is keyed by epoch: stop and resume at epoch ends

    @staticmethod
    def describe(config, xp):
        return "fused CUDA kernel"

    def __init__(self, setup):
        super().__init__(setup)
        # the launch shape (benchmarks): tile, blocks, vec, min_blocks, launch_words
        options = dict(dict(tile=16, blocks=None, vec=None, min_blocks=0, launch_words=BLOCK_WORDS),
                       **setup.kernel_options)
        tile, blocks, vec, min_blocks = (options[k] for k in ("tile", "blocks", "vec", "min_blocks"))
        config, sampler, keep, xp = setup.config, setup.sampler, setup.keep, setup.xp
        ids, line_offsets = setup.stream.arrays()
        W_in, W_out = setup.W_in, setup.W_out
        self.xp, self.launch_words = xp, int(options["launch_words"])
        self.ids, self.offsets, self.W_in, self.W_out = (
            xp.ascontiguousarray(xp.asarray(a, dtype=t))
            for a, t in ((ids, np.int32), (line_offsets, np.int64), (W_in, np.float32), (W_out, np.float32)))
        self.tables = tuple(xp.asarray(a) for a in (np.asarray(keep, dtype=np.float32),
                                                    np.asarray(sampler.alias_prob, dtype=np.float32),
                                                    np.asarray(sampler.alias, dtype=np.int32)))
        self.options = dict(model=config.model, window=config.window, negatives=config.negatives,
                            shrink=config.shrink_window, subsampling=config.sample > 0, tile=tile, blocks=blocks,
                            vec=vec, min_blocks=min_blocks)
        self.stats = xp.zeros(4, dtype=np.float64)
        self.totals = np.zeros(4)
        self.epoch_length = len(ids)
        module = kernels(config.dim, config.negatives, config.window, vec, min_blocks)
        module.get_function("w2v_cbow" if config.model == "cbow" else "w2v_skipgram")  # compile + load untimed

    def epoch(self, epoch, start=0):
        config, n = self.config, len(self.ids)
        total, key = n * config.epochs, epoch_key(config.seed, epoch)
        self.trained_words = 0
        for first in range(0, n, self.launch_words):
            last = min(first + self.launch_words, n)
            lr_a = learning_rate(config, (epoch * n + first) / total)
            lr_b = learning_rate(config, (epoch * n + last) / total)
            self.stats.fill(0)
            train_range_gpu(self.ids, self.offsets, self.W_in, self.W_out, *self.tables, first, last, lr_a, lr_b,
                            self.stats, key=key, **self.options)
            stats = self.stats.get()  # the block's one host sync
            self.totals += stats
            self.trained_words += int(stats[2])
            self.position = last
            yield last, float(stats[0]), int(stats[1])

    def weights(self):
        return self.W_in.get().astype(np.float32, copy=False), self.W_out.get().astype(np.float32, copy=False)
