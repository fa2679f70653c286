"""Numerically stable sigmoid, softmax, log-softmax and cross-entropy for NumPy or CuPy arrays."""

from ..backend import array_module


def sigmoid(x):
    """1 / (1 + exp(-x)) without overflow for large |x|."""
    xp = array_module(x)
    return xp.exp(-xp.logaddexp(0, -x)).astype(x.dtype, copy=False)


def log_sigmoid(x):
    """log(sigmoid(x)) = -log(1 + exp(-x)), stable for large |x|."""
    xp = array_module(x)
    return (-xp.logaddexp(0, -x)).astype(x.dtype, copy=False)


def log_softmax(x, axis=-1):
    """x - logsumexp(x) along ``axis``."""
    xp = array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    return shifted - xp.log(xp.exp(shifted).sum(axis=axis, keepdims=True))


def softmax(x, axis=-1):
    """exp(log_softmax(x))."""
    xp = array_module(x)
    shifted = x - x.max(axis=axis, keepdims=True)
    e = xp.exp(shifted)
    return e / e.sum(axis=axis, keepdims=True)


def cross_entropy(log_probs, targets, ignore_index=None):
    """Mean negative log-likelihood of integer ``targets`` under ``log_probs`` (N, V); ignored labels don't count."""
    xp = array_module(log_probs)
    n = targets.shape[0]
    picked = log_probs[xp.arange(n), targets]
    if ignore_index is None:
        return -picked.mean()
    mask = targets != ignore_index
    count = mask.sum()
    return -(picked * mask).sum() / xp.maximum(count, 1)
