"""Training curves: the right panels for each metrics kind, log-scale perplexity, the best epoch marked."""

import warnings

import pytest

from w2vlm.errors import PlotError
from w2vlm.plot import metrics_kind, plot_training_curves, training_figure
from w2vlm.plot.figure import check_output_path

W2V = {"words_per_sec": 1e6, "epochs": [{"loss": 3.9, "words_per_sec": 7e5}, {"loss": 3.0, "words_per_sec": 8e5},
                                         {"loss": 2.7, "words_per_sec": 7.5e5}]}
LM = {"best_epoch": 2, "valid_ppl": 120.0, "test_ppl": 110.0,
      "epochs": [{"epoch": 1, "train_ppl": 400.0, "valid_ppl": 200.0, "lr": 20.0},
                 {"epoch": 2, "train_ppl": 150.0, "valid_ppl": 120.0, "lr": 20.0},
                 {"epoch": 3, "train_ppl": 90.0, "valid_ppl": 125.0, "lr": 20.0},
                 {"epoch": 4, "train_ppl": 80.0, "valid_ppl": 121.0, "lr": 5.0}]}


def test_metrics_kind():
    assert metrics_kind(W2V) == "embeddings" and metrics_kind(LM) == "lm"
    for bad in ({}, {"epochs": []}, {"epochs": [{"x": 1}]}, [1, 2]):
        with pytest.raises(PlotError):
            metrics_kind(bad)


def test_word2vec_panels_show_loss_and_throughput():
    left, right = training_figure(W2V).axes
    assert list(left.lines[0].get_ydata()) == [3.9, 3.0, 2.7]
    assert list(right.lines[0].get_ydata()) == [700.0, 800.0, 750.0]  # thousand words/s
    assert list(left.lines[0].get_xdata()) == [1, 2, 3]


def test_lm_panels_show_log_perplexities_best_epoch_and_learning_rate():
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # no "Glyph missing" warning for the Korean title
        figure = training_figure(LM, title="PTB 한국어")
        figure.canvas.draw()
    left, right = figure.axes
    assert left.get_yscale() == "log"
    ydata = {line.get_label(): list(line.get_ydata()) for line in left.lines}
    assert ydata["train"] == [400, 150, 90, 80] and ydata["validation"] == [200, 120, 125, 121]
    best = [label for label in ydata if label.startswith("best")]
    assert best == ["best: epoch 2, 120.0"] and ydata[best[0]] == [120.0]
    assert any(label.startswith("test 110") for label in ydata)
    assert list(right.lines[0].get_ydata()) == [20, 20, 20, 5] and right.get_yscale() == "log"
    assert figure.get_suptitle() == "PTB 한국어"


def test_pictures_are_written_in_the_suffix_format(tmp_path):
    assert plot_training_curves(LM, tmp_path / "c.png").read_bytes().startswith(b"\x89PNG")
    assert plot_training_curves(W2V, tmp_path / "c.svg").read_text(encoding="utf-8").lstrip().startswith("<?xml")
    assert plot_training_curves(W2V, tmp_path / "c.pdf").read_bytes().startswith(b"%PDF")
    first = (tmp_path / "c.png").read_bytes()
    assert plot_training_curves(LM, tmp_path / "c.png").read_bytes() == first  # no timestamp in the file


def test_bad_picture_paths(tmp_path):
    with pytest.raises(PlotError, match="suffix"):
        check_output_path(tmp_path / "c.gif")
    with pytest.raises(PlotError, match="does not exist"):
        check_output_path(tmp_path / "nope" / "c.png")
    (tmp_path / "d.png").mkdir()
    with pytest.raises(PlotError, match="is a folder"):
        check_output_path(tmp_path / "d.png")


def test_the_one_metrics_layout_draws_for_both_kinds():
    from tests.test_history import embeddings_history, lm_history
    w2v, lm = embeddings_history().metrics(), lm_history().metrics()
    assert metrics_kind(w2v) == "embeddings" and metrics_kind(lm) == "lm"   # by "kind": LM rows have a loss too
    left, right = training_figure(w2v).axes
    assert list(left.lines[0].get_ydata()) == [3.9, 3.1]
    assert list(right.lines[0].get_ydata()) == pytest.approx([2.5, 5 / 3])   # thousand words/s: items_per_sec
    left, right = training_figure(lm).axes
    ydata = {line.get_label(): list(line.get_ydata()) for line in left.lines}
    assert ydata["train"] == pytest.approx([300.0, 150.0]) and ydata["validation"] == [200.0, 210.0]
    assert "best: epoch 1, 200.0" in ydata and list(right.lines[0].get_ydata()) == [20.0, 20.0]
    with pytest.raises(PlotError):
        metrics_kind(dict(lm, kind="embeddings", epochs=[{"train_ppl": 3.0, "lr": 1.0}]))
