"""Headless matplotlib figures (the Agg canvas, never pyplot) and their atomic saving; the install hint."""

import io
import os
from pathlib import Path

from ..atomic_files import write_bytes
from ..errors import PlotError

FORMATS = (".png", ".svg", ".pdf")
INSTALL_HINT = "pip install 'w2vlm[plot]'"


def require_matplotlib():
    """Import matplotlib or raise PlotError with the install hint."""
    try:
        import matplotlib  # noqa: F401
    except ImportError:
        raise PlotError(f"plotting needs matplotlib, which is not installed: {INSTALL_HINT}") from None


def check_output_path(path):
    """Fail now, before any training, when ``path`` cannot receive a picture: matplotlib missing, an unknown
    suffix, a folder in the way, or a parent folder that does not exist or cannot be written."""
    require_matplotlib()
    path = Path(path)
    if path.suffix.lower() not in FORMATS:
        raise PlotError(f"{path}: give the picture a {', '.join(FORMATS)} suffix")
    if path.is_dir():
        raise PlotError(f"{path} is a folder; give a file name such as {path / 'plot.png'}")
    parent = path.parent if str(path.parent) else Path(".")
    if not parent.is_dir():
        raise PlotError(f"{path}: folder {parent} does not exist; create it first")
    if not os.access(parent, os.W_OK | os.X_OK):
        raise PlotError(f"{path}: folder {parent} is not writable")
    return path


def new_figure(width, height, dpi=100, constrained=True):
    """A matplotlib Figure of ``width`` x ``height`` inches on an Agg canvas (no display, no global backend)."""
    require_matplotlib()
    from matplotlib.backends.backend_agg import FigureCanvasAgg
    from matplotlib.figure import Figure
    figure = Figure(figsize=(width, height), dpi=dpi, layout="constrained" if constrained else None)
    FigureCanvasAgg(figure)
    return figure


def save_figure(figure, path):
    """Render ``figure`` in the format its suffix names and write it atomically. Returns the path."""
    path = check_output_path(path)
    buffer = io.BytesIO()
    figure.savefig(buffer, format=path.suffix.lower().lstrip("."), metadata=_metadata(path))
    write_bytes(path, buffer.getvalue())
    return path


def _metadata(path):
    """No timestamps or version stamps: the same data draws the same bytes (README pictures do not churn)."""
    return {".png": {"Software": None}, ".svg": {"Date": None, "Creator": None},
            ".pdf": {"CreationDate": None, "Creator": None, "Producer": None}}[path.suffix.lower()]
