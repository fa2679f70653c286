"""Stable sigmoid / log-sigmoid / log-softmax at extreme inputs, against their definitions."""

import numpy as np
import pytest

from w2vlm.nn import functions as F


def test_sigmoid_and_log_sigmoid_at_extremes():
    x = np.array([-1000.0, 0.0, 1000.0], np.float32)
    np.testing.assert_allclose(F.sigmoid(x), [0.0, 0.5, 1.0])
    assert np.isfinite(F.log_sigmoid(x)).all()
    assert float(F.log_sigmoid(x)[0]) == pytest.approx(-1000.0)


def test_log_softmax_matches_definition_and_survives_huge_scores():
    x = np.array([[1.0, 2.0, 3.0], [1000.0, 1000.0, -1000.0]])
    got = F.log_softmax(x)
    np.testing.assert_allclose(got[0], x[0] - np.log(np.exp(x[0]).sum()))
    np.testing.assert_allclose(got[1, :2], np.log(0.5))
    assert float(got[1, 2]) == pytest.approx(-2000.0 - np.log(2.0))
