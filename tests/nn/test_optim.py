"""SGD, Adam and global-norm clipping: sparse updates against their dense definitions."""

import numpy as np
import pytest

from w2vlm.nn.optim import SGD, Adam, clip_grads, global_norm

from .test_sparse import sparse_and_dense


def test_sgd_sparse_equals_dense():
    g, d = sparse_and_dense()
    p1, p2 = np.ones((5, 2)), np.ones((5, 2))
    SGD(0.1).update([p1], [g])
    SGD(0.1).update([p2], [d])
    np.testing.assert_allclose(p1, p2)
    np.testing.assert_allclose(p2, 1.0 - 0.1 * d)


def test_adam_sparse_updates_only_touched_rows_and_matches_dense_there():
    g, d = sparse_and_dense()
    p1, p2 = np.ones((5, 2)), np.ones((5, 2))
    Adam(0.01).update([p1], [g])
    Adam(0.01).update([p2], [d])
    np.testing.assert_allclose(p1[[0, 3]], p2[[0, 3]])
    np.testing.assert_array_equal(p1[[1, 2, 4]], 1.0)


def test_adam_first_step_moves_each_weight_by_lr():
    # bias-corrected m/sqrt(v) is sign(g) on the first step, so every weight moves by lr against its gradient
    p = np.zeros(3)
    Adam(0.1).update([p], [np.array([2.0, -0.5, 7.0])])
    np.testing.assert_allclose(p, [-0.1, 0.1, -0.1], rtol=1e-6)


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


def test_sgd_state_round_trip():
    opt = SGD(0.25)
    clone = SGD()
    clone.load_state_dict(opt.state_dict())
    assert clone.lr == 0.25


def test_clip_grads_scales_dense_and_sparse_to_max_norm():
    g, d = sparse_and_dense()
    dense_grad = np.full(4, 3.0)
    before = float(global_norm([g, dense_grad]))
    assert before == pytest.approx(np.sqrt((d * d).sum() + 36.0))
    norm = clip_grads([g, dense_grad], 1.0)
    assert float(norm) == pytest.approx(before)
    assert float(global_norm([g, dense_grad])) == pytest.approx(1.0, rel=1e-4)
    small = np.array([0.1])
    clip_grads([small], 1.0)
    assert small[0] == pytest.approx(0.1)
