"""Base layers (nn/layers.py) against numerical gradients."""

import numpy as np
import pytest

from tests.gradcheck import check_layer
from w2vlm.nn import functions as F
from w2vlm.nn.layers import Affine, Dropout, Embedding, SigmoidWithLoss, SoftmaxWithLoss
from w2vlm.nn.sparse import SparseGrad

rng = np.random.default_rng(0)


def test_embedding_gradient_is_sparse_and_correct():
    W = rng.standard_normal((6, 3))
    layer = Embedding(W)
    idx = np.array([[1, 4], [1, 5]])
    check_layer(layer, idx, wrt=None)
    assert isinstance(layer.grads[0], SparseGrad)
    assert layer.grads[0].values.shape == (4, 3)  # one row per looked-up id, never V x D


def test_affine_gradients_3d_input():
    layer = Affine(rng.standard_normal((4, 3)), rng.standard_normal(3))
    check_layer(layer, rng.standard_normal((2, 5, 4)))


def test_sigmoid_with_loss_gradient():
    t = np.array([[1.0, 0.0, 0.0], [1.0, 1.0, 0.0]])
    check_layer(SigmoidWithLoss(), rng.standard_normal((2, 3)) * 3, t)


def test_softmax_with_loss_gradient_and_ignore_label():
    x = rng.standard_normal((2, 3, 5))
    t = np.array([[0, 4, -1], [2, -1, 1]])
    layer = SoftmaxWithLoss(ignore_index=-1)
    check_layer(layer, x, t)
    loss = float(layer.forward(x, t))
    keep = t.ravel() != -1
    logp = F.log_softmax(x.reshape(-1, 5))[keep]
    assert loss == pytest.approx(-logp[np.arange(keep.sum()), t.ravel()[keep]].mean())


def test_dropout_is_inverted_and_off_in_eval():
    layer = Dropout(0.5, rng=np.random.default_rng(1))
    x = np.ones((200, 50), np.float32)
    y = layer.forward(x)
    assert set(np.unique(y)) <= {0.0, 2.0} and abs(y.mean() - 1.0) < 0.05
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), y)
    layer.train = False
    assert layer.forward(x) is x
