"""Word2vec sampling (Mikolov et al. 2013): unigram^0.75 negatives, frequent-word subsampling, shrunk windows."""

import numpy as np
from numba import njit

from ...errors import TrainingError


class UnigramSampler:
    """Draws negative word ids with probability proportional to ``counts ** ns_exponent``.

    Uses Walker's alias method (O(1) per draw, O(V) memory); the same two tables feed the numba kernel.
    Draws come from an explicit NumPy ``Generator`` on the host; callers move them to the device.
    """

    def __init__(self, counts, ns_exponent=0.75, rng=None):
        counts = np.asarray(counts, dtype=np.float64)
        if counts.ndim != 1 or len(counts) == 0 or np.any(counts < 0) or counts.sum() <= 0:
            raise TrainingError("the negative sampler needs a non-empty vocabulary with positive counts")
        weights = counts ** ns_exponent
        weights[counts == 0] = 0.0  # 0 ** 0 would give a never-seen word some weight
        self.probs = weights / weights.sum()
        self.ns_exponent = ns_exponent
        self.rng = rng if rng is not None else np.random.default_rng()
        self.alias_prob, self.alias = alias_tables(self.probs)

    def __len__(self):
        return len(self.probs)

    def sample(self, shape):
        """An int32 array of ``shape`` word ids drawn from the unigram^ns_exponent distribution."""
        column = self.rng.integers(0, len(self.probs), size=shape)
        keep = self.rng.random(shape, dtype=np.float32) < self.alias_prob[column]
        return np.where(keep, column, self.alias[column]).astype(np.int32, copy=False)


def alias_tables(probs):
    """(prob float32, alias int32): draw column i uniformly, keep it with prob[i], else take alias[i] (Vose)."""
    probs = np.asarray(probs, dtype=np.float64)
    prob, alias = _vose(probs * (len(probs) / probs.sum()))
    return prob.astype(np.float32), alias


@njit(cache=True)
def _vose(scaled):
    n = scaled.shape[0]
    prob = np.ones(n, dtype=np.float64)
    alias = np.arange(n).astype(np.int32)
    small = np.empty(n, dtype=np.int64)
    large = np.empty(n, dtype=np.int64)
    ns = nl = 0
    for i in range(n):
        if scaled[i] < 1.0:
            small[ns] = i
            ns += 1
        else:
            large[nl] = i
            nl += 1
    while ns > 0 and nl > 0:
        ns -= 1
        s = small[ns]
        g = large[nl - 1]
        prob[s] = scaled[s]
        alias[s] = g
        scaled[g] = scaled[g] + scaled[s] - 1.0
        if scaled[g] < 1.0:
            nl -= 1
            small[ns] = g
            ns += 1
    return prob, alias  # leftovers (rounding) keep prob 1 and alias to themselves


def keep_probabilities(counts, sample=1e-3):
    """Probability of keeping each word when subsampling frequent words (word2vec.c / gensim formula).

    keep = (sqrt(f / (sample * total)) + 1) * (sample * total) / f, capped at 1; sample <= 0 keeps everything.
    """
    counts = np.asarray(counts, dtype=np.float64)
    if not sample or sample <= 0:
        return np.ones(len(counts), dtype=np.float32)
    threshold = sample * counts.sum()
    with np.errstate(divide="ignore", invalid="ignore"):
        keep = (np.sqrt(counts / threshold) + 1.0) * threshold / counts
    keep[~np.isfinite(keep)] = 1.0
    return np.minimum(keep, 1.0).astype(np.float32)


def subsample(ids, line_offsets, keep, rng):
    """Drop frequent words at random (keep[w] chance to stay); returns (ids, line_offsets) of what is left."""
    mask = rng.random(len(ids), dtype=np.float32) < keep[ids]
    kept_before = np.concatenate([[0], np.cumsum(mask, dtype=np.int64)])
    return ids[mask], kept_before[line_offsets]


def context_windows(ids, line_offsets, positions, window, shrink, rng):
    """Context ids around each target in ``positions``: an int32 (N, 2*window) array padded with -1.

    Windows stop at line ends; with ``shrink`` each target's window is window - b, b uniform in [0, window),
    as in word2vec.c and gensim (so nearer words are seen more often).
    """
    line = np.searchsorted(line_offsets, positions, side="right") - 1
    start, end = line_offsets[line], line_offsets[line + 1]
    reach = window - rng.integers(0, window, size=len(positions)) if shrink else np.full(len(positions), window)
    offsets = np.concatenate([np.arange(-window, 0), np.arange(1, window + 1)])  # (2W,)
    where = positions[:, None] + offsets[None, :]  # (N, 2W)
    valid = (where >= start[:, None]) & (where < end[:, None]) & (np.abs(offsets)[None, :] <= reach[:, None])
    return np.where(valid, ids[np.clip(where, 0, len(ids) - 1)], -1).astype(np.int32)
