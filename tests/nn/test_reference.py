"""The one cross-entropy (nn/reference.py) against scipy's log-softmax, for training and evaluation alike."""

import numpy as np
import pytest
from scipy.special import log_softmax

from w2vlm.nn.reference import (softmax_ce_backward_reference, softmax_ce_forward_reference, softmax_nll_rows,
                                token_nll_reference)

rng = np.random.default_rng(0)


def definition(scores, labels, ignore=-1):
    logp = log_softmax(scores, axis=1)
    keep = labels != ignore
    return np.where(keep, -logp[np.arange(len(labels)), np.where(keep, labels, 0)], 0.0)


@pytest.mark.parametrize("overwrite", [False, True])
def test_nll_rows_match_the_definition_and_leave_scores_alone_unless_asked(overwrite):
    scores = rng.standard_normal((6, 9)) * 4
    labels = np.array([0, 8, -1, 3, 3, -1])
    before = scores.copy()
    nll, sums, counted = softmax_nll_rows(scores, labels, -1, overwrite=overwrite)
    np.testing.assert_allclose(nll, definition(before, labels), rtol=1e-12)
    np.testing.assert_array_equal(counted, labels != -1)
    np.testing.assert_allclose(sums, np.exp(before - before.max(axis=1, keepdims=True)).sum(axis=1))
    if overwrite:
        np.testing.assert_allclose(scores, np.exp(before - before.max(axis=1, keepdims=True)))
    else:
        np.testing.assert_array_equal(scores, before)


def test_training_loss_and_gradient_match_the_definition():
    scores = rng.standard_normal((5, 7)) * 3
    labels = np.array([1, -1, 6, 0, 2])
    expected = definition(scores, labels).sum() / 4
    probs = np.exp(log_softmax(scores, axis=1))
    onehot = np.eye(7)[np.where(labels >= 0, labels, 0)]
    grad = (probs - onehot) * (labels >= 0)[:, None] / 4 * 0.5
    work = scores.copy()
    loss, weights = softmax_ce_forward_reference(work, labels, -1)
    assert float(loss) == pytest.approx(expected, rel=1e-12)
    np.testing.assert_allclose(softmax_ce_backward_reference(work, labels, weights, 0.5), grad, atol=1e-14)


def test_evaluation_nll_per_position_is_the_same_cross_entropy():
    logits = rng.standard_normal((2, 3, 5)) * 2
    targets = np.array([[4, -1, 0], [1, 1, -1]])
    nll = token_nll_reference(logits, targets, -1)
    assert nll.shape == (2, 3) and nll[0, 1] == 0 and nll[1, 2] == 0
    np.testing.assert_allclose(nll.ravel(), definition(logits.reshape(6, 5), targets.ravel()), rtol=1e-12)
    loss, _ = softmax_ce_forward_reference(logits.reshape(6, 5).copy(), targets.ravel(), -1)
    assert float(loss) == pytest.approx(nll.sum() / 4, rel=1e-12)


def test_huge_scores_stay_finite():
    scores = np.array([[1e4, 0.0, -1e4], [-3e4, -3e4, -3e4 + 1]], dtype=np.float32)
    nll, _, _ = softmax_nll_rows(scores, np.array([1, 2]), -1)
    np.testing.assert_allclose(nll, [1e4, np.log1p(2 * np.exp(-1.0))], rtol=1e-6)
