"""Picture commands: plot-vectors (a word map) and plot-metrics (training curves), and the --plot option."""

import json
import logging
from pathlib import Path

import click

from w2vlm import Output, read_json
from w2vlm.embeddings import WordVectors
from w2vlm.errors import PlotError
from w2vlm.plot import (check_output_path, choose_words, metrics_kind, plot_training_curves, plot_word_map,
                        read_analogy_pairs, require_matplotlib)

from .run_options import guard_outputs

log = logging.getLogger("w2vlm")


def _check_plot_path(ctx, param, value):
    """Validate a picture path while the options are parsed, so a bad --plot fails before any training."""
    if value is None:
        return None
    require_matplotlib()                     # a missing extra is a runtime error (exit 1) with the install hint
    try:
        return check_output_path(value)
    except PlotError as exc:                 # a bad path is a usage error (exit 2)
        raise click.BadParameter(str(exc), ctx=ctx, param=param) from None


def plot_option(command):
    """Add ``--plot FILE.png`` (training curves, needs w2vlm[plot]) to a training command."""
    return click.option("--plot", type=click.Path(dir_okay=False, path_type=Path), callback=_check_plot_path,
                        metavar="FILE.png", help="Draw the training curves to this PNG/SVG/PDF when training ends "
                                                 "(needs pip install 'w2vlm[plot]'; checked before training).")(command)


def draw_curves(metrics, path):
    """Draw ``metrics`` to ``path`` when given (the train commands call this after training)."""
    if path is None or not metrics.get("epochs"):
        return
    plot_training_curves(metrics, path)
    log.info("training curves drawn to %s", path)


def _word_list(values):
    return [word for value in values for word in value.replace(",", " ").split()]


@click.command("plot-vectors")
@click.argument("model_dir", metavar="DIR", type=click.Path(exists=True, file_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              callback=_check_plot_path, help="Picture to write (.png, .svg or .pdf).")
@click.option("--words", multiple=True, metavar="W,W,...", help="Words to show, comma- or space-separated; repeatable.")
@click.option("--top", type=click.IntRange(min=2), default=None, help="Show the N most frequent words.")
@click.option("--analogies", type=click.Path(exists=True, dir_okay=False, path_type=Path),
              help="Analogy file ('a b c d' lines, ':' or '#' section lines): draw an arrow a -> b for each pair, "
                   "colored by section (e.g. 국가 -> 수도, 남자 -> 여자).")
@click.option("--max-pairs", type=click.IntRange(min=1), default=30, show_default=True,
              help="With --analogies: at most this many in-vocabulary pairs, in file order.")
@click.option("--method", type=click.Choice(["pca", "tsne"]), default="pca", show_default=True,
              help="pca (NumPy) or tsne (needs scikit-learn installed; w2vlm does not install it).")
@click.option("--title", default=None, help="Title above the map.")
@click.option("--font", type=click.Path(exists=True, dir_okay=False, path_type=Path), default=None,
              help="Font file for the labels [default: an installed Korean font, else the NanumGothic of w2vlm[plot]].")
@click.option("--json", "as_json", is_flag=True, help="Print what was drawn as JSON.")
@click.pass_obj
def plot_vectors(settings, model_dir, output, words, top, analogies, max_pairs, method, title, font, as_json):
    """Draw a 2-D map of words from the vectors in DIR, with readable Hangul labels."""

    words = _word_list(words)
    if not words and top is None and analogies is None:
        raise click.UsageError("say which words to draw: --words W,W,..., --top N or --analogies FILE")
    guard_outputs([Output(output, what="picture")], [model_dir, analogies, font])
    vectors = WordVectors.load(model_dir)
    pairs = read_analogy_pairs(analogies) if analogies else ()
    chosen = choose_words(vectors, words=words, top=top, pairs=pairs, max_pairs=max_pairs)
    if chosen.skipped:
        log.warning("not in the vocabulary, left out: %s", ", ".join(chosen.skipped[:30]) +
                    (f" (+{len(chosen.skipped) - 30} more)" if len(chosen.skipped) > 30 else ""))
    result = plot_word_map(vectors, chosen, output, method=method, seed=settings.seed, title=title, font_path=font)
    if as_json:
        click.echo(json.dumps(result, ensure_ascii=False))
    elif not settings.quiet:
        font_name = Path(result["font"]).name if result["font"] else "no Hangul font"
        click.echo(f"drew {result['words']} words{_arrows(result)} ({method}) to {output}; labels in {font_name}")


def _arrows(result):
    return f" and {result['arrows']} arrows" if result["arrows"] else ""


@click.command("plot-metrics")
@click.argument("metrics_file", metavar="METRICS.json", type=click.Path(exists=True, dir_okay=False, path_type=Path))
@click.option("-o", "--output", required=True, type=click.Path(dir_okay=False, path_type=Path),
              callback=_check_plot_path, help="Picture to write (.png, .svg or .pdf).")
@click.option("--title", default=None, help="Title above the curves.")
@click.pass_obj
def plot_metrics(settings, metrics_file, output, title):
    """Draw the training curves of a --metrics file from train-embeddings (loss, words/s per epoch) or train-lm
    (train and validation perplexity, best epoch, learning rate)."""

    guard_outputs([Output(output, what="picture")], [metrics_file])
    metrics = read_json(metrics_file)
    kind = metrics_kind(metrics)
    plot_training_curves(metrics, output, title=title)
    if not settings.quiet:
        click.echo(f"drew the {'word2vec' if kind == 'embeddings' else 'language-model'} curves of "
                   f"{len(metrics['epochs'])} epochs to {output}")


COMMANDS = [plot_vectors, plot_metrics]
