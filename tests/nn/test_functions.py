"""Stable sigmoid / log-sigmoid at extreme inputs, against their definitions."""

import numpy as np
import pytest

from w2vlm.nn import functions as F


def test_sigmoid_and_log_sigmoid_at_extremes():
    x = np.array([-1000.0, 0.0, 1000.0], np.float32)
    np.testing.assert_allclose(F.sigmoid(x), [0.0, 0.5, 1.0])
    assert np.isfinite(F.log_sigmoid(x)).all()
    assert float(F.log_sigmoid(x)[0]) == pytest.approx(-1000.0)


def test_sigmoid_matches_its_definition_in_range():
    x = np.linspace(-20.0, 20.0, 41)
    np.testing.assert_allclose(F.sigmoid(x), 1.0 / (1.0 + np.exp(-x)), rtol=1e-12)
    np.testing.assert_allclose(F.log_sigmoid(x), -np.log1p(np.exp(-x)), rtol=1e-12)
