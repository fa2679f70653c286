"""Base layers against numerical gradients; optimizers and clipping against their dense definitions."""

import numpy as np
import pytest

from tests.gradcheck import check_layer, dense
from w2vlm.nn import functions as F
from w2vlm.nn.layers import Affine, Dropout, Embedding, SigmoidWithLoss, SoftmaxWithLoss
from w2vlm.nn.optim import SGD, Adam, clip_grads, global_norm
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


def test_stable_functions_at_extremes():
    x = np.array([-1000.0, 0.0, 1000.0], np.float32)
    np.testing.assert_allclose(F.sigmoid(x), [0.0, 0.5, 1.0])
    assert np.isfinite(F.log_sigmoid(x)).all()
    np.testing.assert_allclose(F.softmax(np.array([[1000.0, 1000.0]])), [[0.5, 0.5]])
    logp = F.log_softmax(np.array([[0.0, 0.0, 0.0, 0.0]]))
    assert float(F.cross_entropy(logp, np.array([2]))) == pytest.approx(np.log(4))


def test_dropout_is_inverted_and_off_in_eval():
    layer = Dropout(0.5, rng=np.random.default_rng(1))
    x = np.ones((200, 50), np.float32)
    y = layer.forward(x)
    assert set(np.unique(y)) <= {0.0, 2.0} and abs(y.mean() - 1.0) < 0.05
    np.testing.assert_array_equal(layer.backward(np.ones_like(x)), y)
    layer.train = False
    assert layer.forward(x) is x


def _sparse_and_dense():
    g = SparseGrad((5, 2), np.float64)
    g.set(np.array([0, 3, 0]), np.array([[1.0, 2.0], [3.0, 4.0], [5.0, 6.0]]))
    return g, dense(g)


def test_sparse_grad_sums_duplicates():
    g, d = _sparse_and_dense()
    np.testing.assert_array_equal(d[0], [6.0, 8.0])
    assert float(g.sq_norm()) == pytest.approx((d * d).sum())


def test_sgd_sparse_equals_dense():
    g, d = _sparse_and_dense()
    p1, p2 = np.ones((5, 2)), np.ones((5, 2))
    SGD(0.1).update([p1], [g])
    SGD(0.1).update([p2], [d])
    np.testing.assert_allclose(p1, p2)


def test_adam_sparse_updates_only_touched_rows_and_matches_dense_there():
    g, d = _sparse_and_dense()
    p1, p2 = np.ones((5, 2)), np.ones((5, 2))
    Adam(0.01).update([p1], [g])
    Adam(0.01).update([p2], [d])
    np.testing.assert_allclose(p1[[0, 3]], p2[[0, 3]])
    np.testing.assert_array_equal(p1[[1, 2, 4]], 1.0)


def test_adam_state_round_trip():
    p, g = np.ones(3), np.full(3, 0.5)
    opt = Adam(0.1)
    opt.update([p], [g])
    clone = Adam()
    clone.load_state_dict(opt.state_dict())
    q = p.copy()
    opt.update([p], [g])
    clone.update([q], [g])
    np.testing.assert_allclose(p, q)


def test_clip_grads_scales_dense_and_sparse_to_max_norm():
    g, d = _sparse_and_dense()
    dense_grad = np.full(4, 3.0)
    before = float(global_norm([g, dense_grad]))
    assert before == pytest.approx(np.sqrt((d * d).sum() + 36.0))
    norm = clip_grads([g, dense_grad], 1.0)
    assert float(norm) == pytest.approx(before)
    assert float(global_norm([g, dense_grad])) == pytest.approx(1.0, rel=1e-4)
    small = np.array([0.1])
    clip_grads([small], 1.0)
    assert small[0] == pytest.approx(0.1)
