"""Numerically stable sigmoid, log-sigmoid and log-softmax for NumPy or CuPy arrays."""

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
