"""prefetch_row is a cache hint: values and later reads are unchanged, wrong arguments fail at typing."""

import numpy as np
import pytest
from numba import njit
from numba.core.errors import TypingError

from w2vlm.embeddings.kernels.prefetch import prefetch_row


@njit(cache=False)
def _prefetch_then_sum(matrix, rows):
    total = 0.0
    for r in rows:
        prefetch_row(matrix, r)
    for r in rows:
        total += matrix[r].sum()
    return total


@pytest.mark.parametrize("dtype,dim", [(np.float32, 100), (np.float64, 3), (np.float32, 17)])
def test_prefetch_leaves_values_and_reads_unchanged(dtype, dim):
    matrix = np.random.default_rng(0).standard_normal((50, dim)).astype(dtype)
    before = matrix.copy()
    rows = np.array([49, 0, 7, 7, 23], dtype=np.int64)
    assert _prefetch_then_sum(matrix, rows) == pytest.approx(float(before[rows].sum(dtype=np.float64)), rel=1e-5)
    np.testing.assert_array_equal(matrix, before)


def test_prefetch_rejects_a_vector():
    @njit(cache=False)
    def on_vector(vector):
        prefetch_row(vector, 0)

    with pytest.raises(TypingError):
        on_vector(np.zeros(4, dtype=np.float32))
