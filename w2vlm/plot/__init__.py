"""Pictures: training curves and word maps, drawn headless with matplotlib (``pip install 'w2vlm[plot]'``)."""

from .curves import metrics_kind, plot_training_curves, training_figure
from .figure import check_output_path, require_matplotlib
from .fonts import find_hangul_font, missing_characters
from .projection import pca_2d, project_2d
from .word_map import WordMap, choose_words, plot_word_map, read_analogy_pairs

__all__ = ["check_output_path", "choose_words", "find_hangul_font", "metrics_kind", "missing_characters", "pca_2d",
           "plot_training_curves", "plot_word_map", "project_2d", "read_analogy_pairs", "require_matplotlib", "training_figure", "WordMap"]
