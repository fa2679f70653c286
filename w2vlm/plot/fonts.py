"""A font with Hangul glyphs for plot labels: an installed CJK font, else NanumGothic from koreanize-matplotlib."""

import functools
import importlib.util
import logging
from pathlib import Path

from ..errors import PlotError
from .figure import INSTALL_HINT

logger = logging.getLogger("w2vlm")

HANGUL_PROBE = "한국어 단어 지도"
# families tried first, in this order; any other installed font whose glyph map covers the probe comes after
PREFERRED_FAMILIES = ("Noto Sans CJK KR", "Noto Sans KR", "Source Han Sans KR", "NanumGothic", "NanumBarunGothic",
                      "Malgun Gothic", "Apple SD Gothic Neo", "AppleGothic", "UnDotum", "Baekmuk Gulim",
                      "Noto Sans CJK JP", "Noto Sans CJK SC", "Droid Sans Fallback")
_HINTS = ("cjk", "kr", "korean", "nanum", "gothic", "hangul", "malgun", "baekmuk", "undotum", "source han", "fallback")


def missing_characters(font_path, text):
    """The characters of ``text`` (spaces aside) that the font file has no glyph for, by its cmap (fontTools)."""
    from fontTools.ttLib import TTFont
    path = str(font_path)
    collection = path.lower().endswith((".ttc", ".otc"))
    font = TTFont(path, fontNumber=0, lazy=True) if collection else TTFont(path, lazy=True)
    try:
        cmap = font.getBestCmap() or {}
    finally:
        font.close()
    return sorted({ch for ch in text if not ch.isspace() and ord(ch) not in cmap})


def check_font_file(path):
    """PlotError unless ``path`` is a font file fontTools and matplotlib can read (TrueType/OpenType)."""
    try:
        missing_characters(path, "a")
        from matplotlib import font_manager
        font_manager.FontProperties(fname=str(path)).get_name()
        font_manager.get_font(str(path))
    except Exception as exc:   # fontTools and FreeType raise many types for a file that is not a font
        reason = " ".join(str(exc).split())[:120] or type(exc).__name__
        raise PlotError(f"--font {path} is not a font file w2vlm can read ({reason}); give a .ttf, .otf or .ttc "
                        f"file") from None


def packaged_fonts():
    """NanumGothic files that koreanize-matplotlib ships, found without importing it (its import changes
    matplotlib's global settings)."""
    spec = importlib.util.find_spec("koreanize_matplotlib")
    if spec is None or not spec.submodule_search_locations:
        return []
    folder = Path(next(iter(spec.submodule_search_locations))) / "fonts"
    regular = folder / "NanumGothic.ttf"
    return ([regular] if regular.is_file() else []) + sorted(p for p in folder.glob("*.ttf") if p != regular)


def installed_fonts():
    """Font files matplotlib knows on this system, preferred Korean families first."""
    from matplotlib import font_manager
    entries = font_manager.fontManager.ttflist
    rank = {family.casefold(): i for i, family in enumerate(PREFERRED_FAMILIES)}
    preferred = sorted((e for e in entries if e.name.casefold() in rank), key=lambda e: rank[e.name.casefold()])
    others = [e for e in entries if e.name.casefold() not in rank and any(h in e.name.casefold() for h in _HINTS)]
    return [Path(e.fname) for e in preferred + others]


def _covers_hangul(path):
    try:
        return not missing_characters(path, HANGUL_PROBE)
    except Exception as exc:  # an unreadable font file is skipped, not fatal
        logger.debug("cannot read the glyph map of %s: %s", path, exc)
        return False


@functools.lru_cache(maxsize=None)
def find_hangul_font(candidates=None):
    """The path of the first font among ``candidates`` (a tuple of font files; default: the installed fonts, then
    the pip-shipped NanumGothic) whose glyph map draws Hangul, or None after one warning that names the fix.
    Cached: the search and the warning happen once per process (and per ``candidates``)."""
    for path in installed_fonts() + packaged_fonts() if candidates is None else map(Path, candidates):
        if _covers_hangul(path):
            return path
    logger.warning("no font with Hangul glyphs was found, so Korean labels will show as empty boxes; "
                   "%s ships NanumGothic (or install a CJK font such as fonts-noto-cjk)", INSTALL_HINT)
    return None


def label_font(font_path=None, size=9):
    """FontProperties for labels: ``font_path`` if given, else ``find_hangul_font()``, with DejaVu Sans as the
    fallback for characters it lacks. Returns ``(properties, path or None)``."""
    from matplotlib import font_manager
    path = Path(font_path) if font_path else find_hangul_font()
    families = ["DejaVu Sans"]
    if path is not None:
        if font_path:
            check_font_file(path)
        font_manager.fontManager.addfont(str(path))
        families.insert(0, font_manager.FontProperties(fname=str(path)).get_name())
    return font_manager.FontProperties(family=families, size=size), path
