"""Negative-sampling layers: numerical gradients, known answers, sparse gradients."""

import numpy as np
import pytest

from tests.gradcheck import check_layer
from w2vlm.embeddings.training.sampling import UnigramSampler
from w2vlm.nn.negative_sampling import EmbeddingDot, NegativeSamplingLoss
from w2vlm.nn.sparse import SparseGrad


@pytest.fixture
def rng():
    return np.random.default_rng(0)


def test_embedding_dot_gradients(rng):
    layer = EmbeddingDot(rng.standard_normal((7, 4)))
    h = rng.standard_normal((3, 4))
    idx = np.array([[1, 2, 2], [0, 6, 1], [5, 5, 3]])  # repeated rows must sum their gradients
    check_layer(layer, h, idx)


def test_embedding_dot_scores_are_row_dot_products(rng):
    W = rng.standard_normal((5, 3))
    h = rng.standard_normal((2, 3))
    idx = np.array([[4, 0], [1, 1]])
    out = EmbeddingDot(W).forward(h, idx)
    assert out.shape == (2, 2)
    np.testing.assert_allclose(out, [[W[4] @ h[0], W[0] @ h[0]], [W[1] @ h[1], W[1] @ h[1]]])


def test_negative_sampling_loss_gradients(rng):
    layer = NegativeSamplingLoss(rng.standard_normal((9, 5)), negatives=3)
    h = rng.standard_normal((4, 5))
    target = np.array([0, 3, 8, 3])
    negatives = rng.integers(0, 9, size=(4, 3))
    check_layer(layer, h, target, negatives)


def test_negative_sampling_loss_known_answer():
    # h = 0 gives every score 0, so each of the 1 + K terms is log 2 and the row loss is (1 + K) log 2
    layer = NegativeSamplingLoss(np.ones((4, 3)), negatives=2)
    loss = layer.forward(np.zeros((5, 3)), np.zeros(5, dtype=int), np.ones((5, 2), dtype=int))
    assert float(loss) == pytest.approx(3 * np.log(2))


def test_negative_sampling_loss_matches_formula(rng):
    W = rng.standard_normal((6, 4))
    h = rng.standard_normal((2, 4))
    target, negatives = np.array([1, 2]), np.array([[3, 4], [5, 0]])
    loss = NegativeSamplingLoss(W, negatives=2).forward(h, target, negatives)
    log_sig = lambda x: -np.log1p(np.exp(-x))  # noqa: E731
    rows = [-log_sig(h[b] @ W[target[b]]) - sum(log_sig(-(h[b] @ W[n])) for n in negatives[b]) for b in range(2)]
    assert float(loss) == pytest.approx(np.mean(rows))


def test_negative_sampling_draws_from_sampler_and_keeps_gradient_sparse(rng):
    counts = np.array([50, 20, 10, 5, 1])
    layer = NegativeSamplingLoss(rng.standard_normal((5, 3)).astype(np.float32),
                                 UnigramSampler(counts, rng=np.random.default_rng(1)), negatives=4)
    loss = layer.forward(rng.standard_normal((6, 3)).astype(np.float32), np.arange(6) % 5)
    dh = layer.backward()
    assert np.isfinite(float(loss)) and dh.shape == (6, 3) and dh.dtype == np.float32
    grad = layer.grads[0]
    assert isinstance(grad, SparseGrad)
    assert grad.rows.shape == (6 * 5,) and grad.values.shape == (30, 3)  # touched rows only, never V x D
