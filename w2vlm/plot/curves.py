"""Training curves from a --metrics object (w2vlm.history's layout): word2vec loss and words/s per epoch; LM
perplexities and learning rate."""

import math

from ..errors import PlotError
from .figure import new_figure, save_figure
from .fonts import label_font


def metrics_kind(metrics):
    """'embeddings' or 'lm' for a train-embeddings or train-lm metrics object; PlotError for anything else."""
    epochs = metrics.get("epochs") if isinstance(metrics, dict) else None
    if not isinstance(epochs, list) or not epochs or not all(isinstance(e, dict) for e in epochs):
        raise PlotError("the metrics have no epochs to draw; give a --metrics file that train-embeddings or "
                        "train-lm wrote after at least one epoch")
    kind = metrics.get("kind")   # the one layout (w2vlm.history) names it; files written before it are told by keys
    rate = "items_per_sec" if kind else "words_per_sec"
    if kind in (None, "embeddings") and all("loss" in e and rate in e for e in epochs):
        return "embeddings"
    if kind in (None, "lm") and all("train_ppl" in e and "lr" in e for e in epochs):
        return "lm"
    raise PlotError("these metrics are neither train-embeddings' (loss, words_per_sec) nor train-lm's "
                    "(train_ppl, valid_ppl, lr) per epoch")


def training_figure(metrics, title=None):
    """A matplotlib Figure with two panels: loss and words/s (word2vec), or perplexities and learning rate (LM)."""
    kind = metrics_kind(metrics)
    figure = new_figure(8, 3.2)
    left, right = figure.subplots(1, 2)
    if kind == "embeddings":
        _embedding_curves(left, right, metrics["epochs"])
    else:
        _lm_curves(left, right, metrics)
    if title:  # a title may be Korean: it gets the Hangul font
        figure.suptitle(title, fontproperties=label_font(size=11)[0])
    return figure


def plot_training_curves(metrics, path, title=None):
    """Draw the curves of a metrics object to ``path`` (PNG, SVG or PDF), atomically. Returns the path."""
    return save_figure(training_figure(metrics, title=title), path)


def _epoch_axis(ax, count):
    ax.set_xlabel("epoch")
    ax.set_xticks(range(1, count + 1) if count <= 12 else ax.get_xticks())
    ax.grid(alpha=0.3)
    if count == 1:
        ax.set_xlim(0.5, 1.5)


def _embedding_curves(left, right, epochs):
    x = [e.get("epoch", i + 1) for i, e in enumerate(epochs)]
    left.plot(x, [e["loss"] for e in epochs], marker="o", ms=3, color="tab:blue")
    left.set_ylabel("loss (negative sampling)")
    left.set_title("training loss", fontsize=10)
    right.plot(x, [e.get("items_per_sec", e.get("words_per_sec")) / 1e3 for e in epochs], marker="o", ms=3,
               color="tab:green")
    right.set_ylabel("thousand words / s")
    right.set_ylim(bottom=0)
    right.set_title("throughput", fontsize=10)
    for ax in (left, right):
        _epoch_axis(ax, len(epochs))


def _lm_curves(left, right, metrics):
    epochs = metrics["epochs"]
    x = [e.get("epoch", i + 1) for i, e in enumerate(epochs)]
    left.plot(x, [e["train_ppl"] for e in epochs], marker="o", ms=3, label="train", color="tab:blue")
    valid = [(xi, e["valid_ppl"]) for xi, e in zip(x, epochs) if _finite(e.get("valid_ppl"))]
    if valid:
        left.plot(*zip(*valid), marker="o", ms=3, label="validation", color="tab:orange")
    best = metrics.get("best_epoch")
    best_ppl = dict(valid).get(best)
    if best_ppl is not None:
        left.axvline(best, color="0.5", lw=0.8, ls=":")
        left.plot([best], [best_ppl], marker="*", ms=12, color="tab:red", ls="none",
                  label=f"best: epoch {best}, {best_ppl:.1f}")
    if _finite(metrics.get("test_ppl")):
        left.axhline(metrics["test_ppl"], color="tab:red", lw=0.8, ls="--", label=f"test {metrics['test_ppl']:.1f}")
    left.set_yscale("log")
    _plain_log_labels(left)
    left.set_ylabel("perplexity (log scale)")
    left.set_title("perplexity", fontsize=10)
    left.legend(fontsize=8, frameon=False)
    right.step(x, [e["lr"] for e in epochs], where="mid", marker="o", ms=3, color="tab:purple")
    if all(e["lr"] > 0 for e in epochs):
        right.set_yscale("log")
        _plain_log_labels(right)
    right.set_ylabel("learning rate")
    right.set_title("learning rate", fontsize=10)
    for ax in (left, right):
        _epoch_axis(ax, len(epochs))


def _plain_log_labels(ax):
    """Log-scale tick labels as plain numbers (60, 100, 200), not 6x10^1; minor ticks labelled at 2, 3 and 5."""
    from matplotlib.ticker import FuncFormatter, LogLocator
    ax.yaxis.set_major_formatter(FuncFormatter(lambda value, _: f"{value:g}"))
    ax.yaxis.set_minor_locator(LogLocator(subs=(2.0, 3.0, 5.0)))
    ax.yaxis.set_minor_formatter(FuncFormatter(lambda value, _: f"{value:g}"))


def _finite(value):
    return isinstance(value, (int, float)) and math.isfinite(value)
