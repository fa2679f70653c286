"""Base layers (nn/layers.py) against numerical gradients."""

import numpy as np

from tests.gradcheck import check_layer
from w2vlm.nn.layers import Embedding
from w2vlm.nn.sparse import SparseGrad

rng = np.random.default_rng(0)


def test_embedding_gradient_is_sparse_and_correct():
    W = rng.standard_normal((6, 3))
    layer = Embedding(W)
    idx = np.array([[1, 4], [1, 5]])
    check_layer(layer, idx, wrt=None)
    assert isinstance(layer.grads[0], SparseGrad)
    assert layer.grads[0].values.shape == (4, 3)  # one row per looked-up id, never V x D


def test_embedding_lookup_is_rows_and_repeated_ids_sum_their_gradients():
    W = rng.standard_normal((5, 2))
    layer = Embedding(W)
    idx = np.array([3, 0, 3])
    np.testing.assert_array_equal(layer.forward(idx), W[[3, 0, 3]])
    assert layer.backward(np.ones((3, 2))) is None
    dense = layer.grads[0].to_dense(np)
    np.testing.assert_array_equal(dense[3], [2.0, 2.0])
    np.testing.assert_array_equal(dense[[1, 2, 4]], 0.0)
