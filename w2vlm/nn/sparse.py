"""Sparse row gradients for embedding matrices: (rows, values) instead of a dense V x D array."""

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
        """(unique_rows, summed_values): each touched row once."""
        xp = array_module(self.values)
        unique, inverse = xp.unique(self.rows, return_inverse=True)
        summed = xp.zeros((len(unique), self.shape[1]), dtype=self.values.dtype)
        scatter_add(summed, inverse.ravel(), self.values)
        return unique, summed

    def scale(self, factor):
        """Multiply the gradient in place."""
        if not self.empty:
            self.values = self.values * factor

    def add_to(self, dense, factor=1.0):
        """dense[rows] += factor * values (duplicates summed)."""
        if not self.empty:
            scatter_add(dense, self.rows, self.values if factor == 1.0 else self.values * factor)
        return dense

    def sq_norm(self):
        """Squared L2 norm of the (summed) gradient, as a 0-d array."""
        if self.empty:
            return 0.0
        _, summed = self.coalesce()
        return (summed * summed).sum()

    def to_dense(self, xp):
        """The gradient as a dense (V, D) array (for tests and tiny models only)."""
        dense = xp.zeros(self.shape, dtype=self.dtype)
        return self.add_to(dense)
