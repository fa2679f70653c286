"""Word maps: analogy pairs read from both file formats, words chosen, labels readable and apart, the PNG written."""

import warnings

import numpy as np
import pytest

from tests.embeddings.test_vectors import toy_vectors
from w2vlm.embeddings.vectors import WordVectors
from w2vlm.errors import PlotError
from w2vlm.plot import choose_words, plot_word_map, read_analogy_pairs
from w2vlm.plot.figure import new_figure
from w2vlm.plot.fonts import label_font, missing_characters
from w2vlm.plot.labels import place_labels

PNG_SIGNATURE = b"\x89PNG\r\n\x1a\n"
KOR2VEC = "# 국가 - 수도 (2 pairs)\n대한민국 서울 일본 도쿄\n일본 도쿄 대한민국 서울\n# 남자 - 여자\n남자 여자 왕 여왕\n"
GOOGLE = ": capital-world\nfrance paris korea seoul\n: gender\nman woman king queen\nbroken line\n"


def test_analogy_pairs_from_kor2vec_and_google_files(tmp_path):
    (tmp_path / "ko.txt").write_text(KOR2VEC, encoding="utf-8")
    assert read_analogy_pairs(tmp_path / "ko.txt") == [
        ("국가 - 수도 (2 pairs)", "대한민국", "서울"), ("국가 - 수도 (2 pairs)", "일본", "도쿄"),
        ("남자 - 여자", "남자", "여자"), ("남자 - 여자", "왕", "여왕")]
    (tmp_path / "en.txt").write_text(GOOGLE, encoding="utf-8")
    assert [p[1:] for p in read_analogy_pairs(tmp_path / "en.txt")] == [
        ("france", "paris"), ("korea", "seoul"), ("man", "woman"), ("king", "queen")]
    (tmp_path / "empty.txt").write_text(": nothing\n", encoding="utf-8")
    with pytest.raises(PlotError, match="no analogy questions"):
        read_analogy_pairs(tmp_path / "empty.txt")


def test_choose_words_skips_unknown_words_and_keeps_pairs_whole():
    vectors = toy_vectors()
    pairs = [("g", "남자", "여자"), ("g", "왕", "여왕"), ("g", "외계인", "왕")]
    chosen = choose_words(vectors, words=["king", "queen", "nope"], pairs=pairs)
    assert chosen.labels == ["king", "queen", "남자", "여자", "왕", "여왕"]
    assert chosen.arrows == [(2, 3, "g"), (4, 5, "g")] and chosen.skipped == ["nope", "외계인"]
    assert [vectors.words[r] for r in chosen.rows] == chosen.labels
    assert choose_words(vectors, top=5).labels == vectors.words[:5]
    assert len(choose_words(vectors, pairs=pairs, max_pairs=1).arrows) == 1
    with pytest.raises(PlotError, match="at least 2"):
        choose_words(vectors, words=["king", "zzz"])


def test_word_map_png_with_a_font_that_covers_every_label(tmp_path):
    vectors = toy_vectors()
    pairs = [("남자 - 여자", "남자", "여자"), ("남자 - 여자", "왕", "여왕"), ("capital", "france", "paris")]
    chosen = choose_words(vectors, words=["king", "queen"], pairs=pairs)
    with warnings.catch_warnings():
        warnings.simplefilter("error")  # matplotlib warns "Glyph ... missing from font(s)" for every box it draws
        result = plot_word_map(vectors, chosen, tmp_path / "map.png", title="단어 지도")
    data = (tmp_path / "map.png").read_bytes()
    assert data.startswith(PNG_SIGNATURE) and len(data) > 5_000
    assert result["words"] == 8 and result["arrows"] == 3 and result["skipped"] == []
    assert result["font"] is not None and result["missing_glyphs"] == []
    assert missing_characters(result["font"], "".join(chosen.labels) + "단어 지도") == []  # fontTools cmap
    assert result["crowded_labels"] == 0


def test_labels_do_not_overlap_even_in_a_crowd():
    rng = np.random.default_rng(0)
    points = np.vstack([rng.normal(scale=0.03, size=(12, 2)), rng.uniform(-1, 1, size=(20, 2))])
    labels = [f"단어{i}" for i in range(len(points))]
    figure = new_figure(8, 6.4, constrained=False)
    ax = figure.add_subplot()
    ax.scatter(points[:, 0], points[:, 1])
    ax.set_xlim(-1.3, 1.3)
    ax.set_ylim(-1.3, 1.3)
    font, _ = label_font()
    crowded = place_labels(ax, points, labels, font)
    figure.canvas.draw()  # annotations take their final positions when drawn
    renderer = figure.canvas.get_renderer()
    from matplotlib.text import Text
    boxes = [Text.get_window_extent(text, renderer) for text in ax.texts]  # the words, without leader lines
    assert [text.get_text() for text in ax.texts] == labels
    overlapping = sum(a.overlaps(b) for i, a in enumerate(boxes) for b in boxes[i + 1:])
    assert crowded == 0 and overlapping == 0
    anchors = ax.transData.transform(points)
    far = [np.hypot(*(np.array(box.corners()).mean(axis=0) - anchor)) for box, anchor in zip(boxes, anchors)]
    assert max(far) < 150  # every label stays near its point (pixels at 100 dpi)


def test_word_map_with_tsne_or_a_clear_error(tmp_path, monkeypatch):
    vectors = WordVectors([f"w{i}" for i in range(8)], np.random.default_rng(0).normal(size=(8, 4)).astype("f4"))
    chosen = choose_words(vectors, top=8)
    try:
        import sklearn  # noqa: F401
    except ImportError:
        with pytest.raises(PlotError, match="scikit-learn"):
            plot_word_map(vectors, chosen, tmp_path / "t.png", method="tsne")
    else:
        assert plot_word_map(vectors, chosen, tmp_path / "t.png", method="tsne")["method"] == "tsne"


def test_labels_step_off_arrows_when_there_is_room():
    from matplotlib.text import Text
    points = np.array([[0.0, 0.0], [1.0, 0.0]])
    figure = new_figure(6, 4, constrained=False)
    ax = figure.add_subplot()
    ax.set_xlim(-0.5, 1.5)
    ax.set_ylim(-1, 1)
    font, _ = label_font()
    assert place_labels(ax, points, ["남자", "여자"], font, segments=[(points[0], points[1])]) == 0
    figure.canvas.draw()
    line_y = ax.transData.transform(points)[0, 1]
    start_x, end_x = ax.transData.transform(points)[:, 0]
    for text in ax.texts:
        box = Text.get_window_extent(text, figure.canvas.get_renderer())
        crosses = box.y0 < line_y < box.y1 and box.x1 > start_x and box.x0 < end_x
        assert not crosses  # the first choice, right of 남자, lies on the arrow
