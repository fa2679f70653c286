"""PCA against an eigen-decomposition of the covariance; the t-SNE path says how to install scikit-learn."""

import sys

import numpy as np
import pytest

from w2vlm.errors import PlotError
from w2vlm.plot.projection import pca_2d, project_2d, tsne_2d, unit_rows


def test_pca_matches_the_covariance_eigenvectors():
    rng = np.random.default_rng(0)
    X = rng.normal(size=(40, 6)) @ np.diag([5, 3, 1, 0.5, 0.2, 0.1]) + 7.0
    coords = pca_2d(X)
    centred = X - X.mean(axis=0)
    values, vectors = np.linalg.eigh(np.cov(centred, rowvar=False))
    top = vectors[:, np.argsort(values)[::-1][:2]]                  # (d, 2) the two largest-variance axes
    reference = centred @ top
    for k in range(2):  # the same axes up to sign
        assert np.allclose(np.abs(coords[:, k]), np.abs(reference[:, k]), atol=1e-9)
    assert np.var(coords[:, 0]) >= np.var(coords[:, 1])
    assert np.allclose(coords.mean(axis=0), 0, atol=1e-9)


def test_pca_signs_are_fixed_so_the_picture_is_reproducible():
    rng = np.random.default_rng(1)
    X = rng.normal(size=(10, 4))
    assert np.array_equal(pca_2d(X), pca_2d(X.copy()))
    flipped = pca_2d(X * np.array([-1, 1, 1, 1]))  # mirroring the input may mirror the map, never scramble it
    assert np.allclose(np.abs(flipped), np.abs(pca_2d(X)), atol=1e-9)


def test_pca_of_one_dimensional_data_and_too_few_rows():
    line = np.outer(np.arange(5.0), [1.0, 2.0, 0.0])
    coords = pca_2d(line)
    assert coords.shape == (5, 2) and np.allclose(coords[:, 1], 0)
    assert np.allclose(np.diff(coords[:, 0]), np.sqrt(5))
    with pytest.raises(PlotError, match="at least 2"):
        pca_2d(np.ones((1, 3)))


def test_projection_uses_unit_rows():
    X = np.array([[1.0, 0.0], [10.0, 0.0], [0.0, 3.0]])
    assert np.allclose(np.linalg.norm(unit_rows(X), axis=1), 1)
    coords = project_2d(X)
    assert np.allclose(coords[0], coords[1])  # same direction, different length: the same place
    with pytest.raises(PlotError, match="unknown projection"):
        project_2d(X, method="umap")


def test_tsne_without_scikit_learn_names_the_fix(monkeypatch):
    monkeypatch.setitem(sys.modules, "sklearn", None)
    monkeypatch.setitem(sys.modules, "sklearn.manifold", None)
    with pytest.raises(PlotError, match="pip install scikit-learn"):
        tsne_2d(np.ones((10, 3)))


def test_tsne_when_scikit_learn_is_installed():
    pytest.importorskip("sklearn", reason="scikit-learn is optional and not installed")
    rng = np.random.default_rng(0)
    X = np.vstack([rng.normal(loc=c, scale=0.05, size=(8, 5)) for c in (0.0, 3.0)])
    coords = tsne_2d(X, seed=0)
    assert coords.shape == (16, 2)
    within = np.linalg.norm(coords[:8] - coords[:8].mean(axis=0), axis=1).mean()
    between = np.linalg.norm(coords[:8].mean(axis=0) - coords[8:].mean(axis=0))
    assert between > 3 * within
