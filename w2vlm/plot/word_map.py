"""A 2-D map of chosen words (PCA or t-SNE), labels in a Hangul-capable font, arrows for analogy pairs."""

import logging
from dataclasses import dataclass, field

import numpy as np

from ..embeddings.eval_formats import parse_analogies
from ..errors import PlotError, UnknownWordError
from .figure import new_figure, save_figure
from .fonts import label_font, missing_characters
from .labels import place_labels
from .projection import project_2d

logger = logging.getLogger("w2vlm")


@dataclass
class WordMap:
    """What a word map shows: labels, their vector rows, and arrows as (from, to, group) label indexes."""
    labels: list
    rows: list
    arrows: list = field(default_factory=list)
    groups: list = field(default_factory=list)   # one group name per label ("" when ungrouped)
    skipped: list = field(default_factory=list)  # requested words that are not in the vocabulary


def read_analogy_pairs(path):
    """(section, a, b) pairs from an analogy file (Google ':' or kor2vec '#' sections), in file order, each once:
    every 'a b c d' question gives (a, b) and (c, d)."""
    sections, _ = parse_analogies(path)
    pairs = [(section["section"], *pair) for section in sections for a, b, c, d in section["questions"]
             for pair in ((a, b), (c, d))]
    unique = list(dict.fromkeys(pairs))
    if not unique:
        raise PlotError(f"{path} has no analogy questions ('a b c d' lines)")
    return unique


def choose_words(vectors, words=(), top=None, pairs=(), max_pairs=None):
    """The WordMap for ``words`` (as typed), the ``top`` most frequent vocabulary words, or analogy ``pairs``
    (section, a, b); words outside the vocabulary are skipped and listed in ``skipped``."""
    chosen = WordMap(labels=[], rows=[])
    index = {}

    def add(word, group=""):
        if word in index:
            return index[word]
        try:
            row = vectors.index(word)
        except UnknownWordError:
            chosen.skipped.append(word)
            return None
        index[word] = len(chosen.labels)
        chosen.labels.append(word)
        chosen.rows.append(row)
        chosen.groups.append(group)
        return index[word]

    for word in words:
        add(word)
    if top:
        for word in vectors.words[:top]:
            add(word)
    for section, a, b in pairs:
        if max_pairs is not None and len(chosen.arrows) >= max_pairs:
            break
        if _known(vectors, a) and _known(vectors, b):
            chosen.arrows.append((add(a, section), add(b, section), section))
        else:
            chosen.skipped += [w for w in (a, b) if not _known(vectors, w)]
    chosen.skipped = list(dict.fromkeys(chosen.skipped))
    if len(chosen.labels) < 2:
        raise PlotError(f"only {len(chosen.labels)} of the requested words are in the vocabulary "
                        f"({len(vectors):,} words); a map needs at least 2")
    return chosen


def _known(vectors, word):
    try:
        vectors.index(word)
        return True
    except UnknownWordError:
        return False


def plot_word_map(vectors, chosen, path, method="pca", seed=0, title=None, font_path=None):
    """Draw ``chosen`` (a WordMap) from ``vectors`` to ``path``. Returns a dict: path, words, arrows, skipped,
    font (the label font file or None), missing_glyphs (label characters that font lacks), crowded_labels."""
    coords = project_2d(vectors.vectors[chosen.rows], method=method, seed=seed)   # (n, 2)
    font, font_file = label_font(font_path)
    text = "".join(chosen.labels) + "".join(chosen.groups) + (title or "")
    missing = missing_characters(font_file, text) if font_file is not None else sorted(set(text) - {" "})
    if font_file is not None and missing:
        logger.warning("the label font %s has no glyphs for %s", font_file.name, "".join(missing[:20]))
    figure = new_figure(8, 6.4, constrained=False)
    figure.subplots_adjust(left=0.03, right=0.97, bottom=0.03, top=0.93 if title else 0.97)
    ax = figure.add_subplot()
    groups = list(dict.fromkeys(chosen.groups))
    colors = _palette(len(groups))
    point_colors = [colors[groups.index(g)] for g in chosen.groups]
    ax.scatter(coords[:, 0], coords[:, 1], s=14, c=point_colors, zorder=3, linewidths=0)
    for start, end, group in chosen.arrows:
        ax.annotate("", xy=coords[end], xytext=coords[start], zorder=2,
                    arrowprops=dict(arrowstyle="-|>", color=colors[groups.index(group)], lw=1.0, alpha=0.55,
                                    shrinkA=4, shrinkB=4, mutation_scale=9))
    _frame(ax, coords)
    crowded = place_labels(ax, coords, chosen.labels, font,
                           segments=[(coords[start], coords[end]) for start, end, _ in chosen.arrows])
    if len(groups) > 1 or groups[0]:
        handles = [ax.scatter([], [], s=14, color=colors[i], label=g or "words") for i, g in enumerate(groups)]
        ax.legend(handles=handles, prop=font, loc="best", frameon=False)
    if title:
        ax.set_title(title, fontproperties=font, fontsize=11)
    save_figure(figure, path)
    return {"path": str(path), "words": len(chosen.labels), "arrows": len(chosen.arrows), "method": method,
            "skipped": chosen.skipped, "font": str(font_file) if font_file else None, "missing_glyphs": missing,
            "crowded_labels": crowded}


def _frame(ax, coords):
    """Square-ish limits with room around the points for labels; no ticks (the axes have no meaning)."""
    low, high = coords.min(axis=0), coords.max(axis=0)
    span = np.maximum(high - low, 1e-9)
    margin = 0.12 * span
    ax.set_xlim(low[0] - margin[0], high[0] + margin[0])
    ax.set_ylim(low[1] - margin[1], high[1] + margin[1])
    ax.set_xticks([])
    ax.set_yticks([])
    for spine in ax.spines.values():
        spine.set_color("0.85")


def _palette(n):
    from matplotlib import colormaps
    cmap = colormaps["tab10"]
    return [cmap(i % 10) for i in range(max(n, 1))]
