"""Word vectors down to two dimensions: PCA by NumPy's SVD, or t-SNE (van der Maaten & Hinton 2008) by scikit-learn."""

import numpy as np

from ..errors import PlotError

METHODS = ("pca", "tsne")


def unit_rows(vectors):
    """Rows scaled to unit length (zero rows stay zero): maps show cosine geometry, as similar/analogy do."""
    vectors = np.asarray(vectors, dtype=np.float64)
    norms = np.linalg.norm(vectors, axis=1, keepdims=True)
    return vectors / np.maximum(norms, np.finfo(np.float64).tiny)


def pca_2d(vectors):
    """(n, d) -> (n, 2): coordinates on the two principal axes of the centred rows. Each axis is signed so that
    its largest loading is positive, so the same vectors always give the same picture."""
    X = np.asarray(vectors, dtype=np.float64)
    if X.ndim != 2 or X.shape[0] < 2:
        raise PlotError(f"need at least 2 vectors to project, got {X.shape[0] if X.ndim == 2 else 0}")
    centred = X - X.mean(axis=0)                                  # (n, d)
    _, _, components = np.linalg.svd(centred, full_matrices=False)  # rows: principal axes, (min(n, d), d)
    axes = components[:2]
    if axes.shape[0] < 2:                                         # one-dimensional data: a flat second axis
        axes = np.vstack([axes, np.zeros_like(axes)])
    signs = np.sign(axes[np.arange(2), np.abs(axes).argmax(axis=1)])
    axes = axes * np.where(signs == 0, 1.0, signs)[:, None]
    return centred @ axes.T                                       # (n, d) @ (d, 2) -> (n, 2)


def tsne_2d(vectors, seed=0):
    """(n, d) -> (n, 2) with scikit-learn's t-SNE (PCA start, perplexity scaled down for few words)."""
    try:
        from sklearn.manifold import TSNE
    except ImportError:
        raise PlotError("--method tsne needs scikit-learn, which w2vlm does not install: pip install scikit-learn "
                        "(or use --method pca)") from None
    X = np.asarray(vectors, dtype=np.float64)
    if X.shape[0] < 5:
        raise PlotError(f"t-SNE needs at least 5 words, got {X.shape[0]}; add words or use --method pca")
    perplexity = float(min(30.0, max(2.0, (X.shape[0] - 1) / 3)))
    return TSNE(n_components=2, perplexity=perplexity, init="pca", random_state=seed).fit_transform(X)


def project_2d(vectors, method="pca", seed=0):
    """Unit-length rows projected to 2-D by ``method`` ('pca' or 'tsne')."""
    if method not in METHODS:
        raise PlotError(f"unknown projection {method!r}; choose one of {', '.join(METHODS)}")
    rows = unit_rows(vectors)
    return pca_2d(rows) if method == "pca" else tsne_2d(rows, seed=seed)
