"""SparseGrad against the dense gradient it stands for."""

import numpy as np
import pytest

from tests.gradcheck import dense
from w2vlm.nn.sparse import SparseGrad


def sparse_and_dense():
    """A (5, 2) gradient touching rows 0 (twice) and 3, and its dense equivalent."""
    g = SparseGrad((5, 2), np.float64)
    g.set(np.array([0, 3, 0]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    return g, dense(g)


def test_sparse_grad_sums_duplicates():
    g, d = sparse_and_dense()
    np.testing.assert_array_equal(d[0], [6.0, 8.0])
    np.testing.assert_array_equal(d[[1, 2, 4]], 0.0)
    assert float(g.sq_norm()) == pytest.approx((d * d).sum())


def test_coalesce_lists_each_touched_row_once():
    g, d = sparse_and_dense()
    rows, values = g.coalesce()
    assert sorted(rows.tolist()) == [0, 3]
    for row, value in zip(rows.tolist(), values):
        np.testing.assert_array_equal(value, d[row])


def test_scale_and_add_to_match_dense():
    g, d = sparse_and_dense()
    g.scale(0.5)
    target = np.ones((5, 2))
    g.add_to(target, factor=2.0)
    np.testing.assert_allclose(target, 1.0 + d)


def test_empty_gradient_is_a_no_op():
    g = SparseGrad((4, 3), np.float32)
    assert g.empty and g.sq_norm() == 0.0
    g.scale(3.0)
    np.testing.assert_array_equal(g.to_dense(np), np.zeros((4, 3), np.float32))
    g.set(np.array([2]), np.ones((1, 3), np.float32))
    g.clear()
    assert g.empty
