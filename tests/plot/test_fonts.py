"""The label font: found, checked by its glyph map (fontTools cmap), and a single clear warning when none exists."""

import logging

import pytest

from w2vlm.plot import fonts
from w2vlm.plot.fonts import find_hangul_font, missing_characters


@pytest.fixture
def fresh_search():
    find_hangul_font.cache_clear()
    yield
    find_hangul_font.cache_clear()


def test_a_hangul_font_is_found_and_covers_korean_text(fresh_search):
    path = find_hangul_font()
    assert path is not None and path.is_file()  # the test extra installs koreanize-matplotlib's NanumGothic
    assert missing_characters(path, "대통령 국민 한국어 서울 → 수도, 남자 여자 abc 123") == []


def test_missing_characters_reads_the_cmap():
    assert missing_characters(_dejavu(), "abc 한국") == ["국", "한"]


def _dejavu():
    import matplotlib
    return f"{matplotlib.get_data_path()}/fonts/ttf/DejaVuSans.ttf"


def test_fonts_without_hangul_are_skipped_for_the_packaged_one(fresh_search):
    path = find_hangul_font((_dejavu(), *fonts.packaged_fonts()))   # DejaVu Sans has no Hangul glyphs
    assert path is not None and path.name == "NanumGothic.ttf"


def test_no_font_warns_once_and_names_the_fix(caplog, fresh_search):
    with caplog.at_level(logging.WARNING, logger="w2vlm"):
        assert find_hangul_font((_dejavu(),)) is None
        assert find_hangul_font((_dejavu(),)) is None
    warnings = [r for r in caplog.records if "Hangul" in r.getMessage()]
    assert len(warnings) == 1 and "pip install 'w2vlm[plot]'" in warnings[0].getMessage()
