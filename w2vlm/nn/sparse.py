"""Sparse row gradients for embedding matrices: (rows, values) instead of a dense V x D array."""

import numpy as np

from ..backend import array_module, scatter_add


class SparseGrad:
    """The gradient of a (V, D) matrix that only touches ``rows``; repeated rows are summed when used.

    An Embedding layer keeps one of these in its ``grads`` list where a dense layer keeps an array.
    Optimizers and gradient clipping understand both.
    """

    def __init__(self, shape, dtype):
        self.shape = tuple(shape)
        self.dtype = dtype
        self.rows = None    # (N,) int row ids, may repeat
        self.values = None  # (N, D)

    def set(self, rows, values):
        """Replace the gradient by ``values`` added at ``rows``."""
        self.rows = rows.ravel()
        self.values = values.reshape(len(self.rows), self.shape[1])

    def clear(self):
        self.rows = self.values = None

    @property
    def empty(self):
        return self.rows is None or len(self.rows) == 0

    def coalesce(self):
        """(rows, summed_values) with each touched row's values summed.

        NumPy: each row once (``np.unique``). CuPy: without a host sync (``unique`` would read its size back), so
        the result keeps one entry per input entry: each row's sum, then repeats of the last row's entry.
        Assigning ``p[rows] = f(p[rows], values)`` is still exact, since repeats write equal values.
        """
        xp = array_module(self.values)
        if xp is np:
            unique, inverse = np.unique(self.rows, return_inverse=True)
            summed = np.zeros((len(unique), self.shape[1]), dtype=self.values.dtype)
            scatter_add(summed, inverse.ravel(), self.values)
            return unique, summed
        segment, rows, summed = self._segments(xp)
        last = xp.minimum(xp.arange(len(rows)), segment[-1])  # slots past the last segment repeat it
        return rows[last], summed[last]

    def _segments(self, xp):
        """Sorted-row segments on the device: (segment id per sorted entry, row of each segment, summed values)."""
        order = xp.argsort(self.rows)
        rows = self.rows[order]
        starts = xp.concatenate([xp.ones(1, dtype=bool), rows[1:] != rows[:-1]])
        segment = xp.cumsum(starts) - 1  # (N,) 0..unique-1
        segment_rows = xp.zeros_like(rows)
        segment_rows[segment] = rows  # duplicates write the same row id
        summed = xp.zeros((len(rows), self.shape[1]), dtype=self.values.dtype)  # rows past the last segment: 0
        scatter_add(summed, segment, self.values[order])
        return segment, segment_rows, summed

    def scale(self, factor):
        """Multiply the gradient in place (``factor`` a number or a 0-d array; the dtype is kept)."""
        if not self.empty:
            self.values = (self.values * factor).astype(self.values.dtype, copy=False)

    def add_to(self, dense, factor=1.0):
        """dense[rows] += factor * values (duplicates summed)."""
        if not self.empty:
            scatter_add(dense, self.rows, self.values if factor == 1.0 else self.values * factor)
        return dense

    def sq_norm(self):
        """Squared L2 norm of the (summed) gradient, as a 0-d array."""
        if self.empty:
            return 0.0
        xp = array_module(self.values)
        summed = self.coalesce()[1] if xp is np else self._segments(xp)[2]
        return (summed * summed).sum()

    def to_dense(self, xp):
        """The gradient as a dense (V, D) array (for tests and tiny models only)."""
        dense = xp.zeros(self.shape, dtype=self.dtype)
        return self.add_to(dense)
