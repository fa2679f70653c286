"""Input guards every tagger gets (control chars, over-long lines, non-BMP chars) and a morpheme re-joiner."""

import re

MAX_PIECE_CHARS = 10_000  # Komoran/Kkma are superlinear and mecab's lattice grows to 0.6 GB for a 1 MB line

# C0/C1 control characters (NUL truncates mecab's input; Okt/Komoran emit \t, \r as tokens), the other
# Unicode spaces and the BOM all become plain spaces, so " " is the only space a tagger can put in a token.
_CONTROL = re.compile(r"[\x00-\x1f\x7f-\xa0\u1680\u2000-\u200a\u2028\u2029\u202f\u205f\u3000\ufeff]")
_NON_BMP = re.compile(r"[\U00010000-\U0010FFFF]")
_SPACES = re.compile(r"\s")

# compatibility jamo that kiwi (compatible_jamo=True) and Komoran write at the start of an ending
# (ㄴ다, ㅂ니다, ㄹ까, ㅁ, ㅆ) -> the final-consonant (jongseong) index they add to an open syllable
_CODA_INDEX = {"ㄴ": 4, "ㄹ": 8, "ㅁ": 16, "ㅂ": 17, "ㅆ": 20}
# compatibility jamo -> conjoining final jamo, which Kiwi.join expects for endings
_COMPAT_TO_FINAL = {
    "ㄱ": "ᆨ", "ㄲ": "ᆩ", "ㄳ": "ᆪ", "ㄴ": "ᆫ", "ㄵ": "ᆬ", "ㄶ": "ᆭ", "ㄷ": "ᆮ", "ㄹ": "ᆯ", "ㄺ": "ᆰ",
    "ㄻ": "ᆱ", "ㄼ": "ᆲ", "ㄽ": "ᆳ", "ㄾ": "ᆴ", "ㄿ": "ᆵ", "ㅀ": "ᆶ", "ㅁ": "ᆷ", "ㅂ": "ᆸ", "ㅄ": "ᆹ",
    "ㅅ": "ᆺ", "ㅆ": "ᆻ", "ㅇ": "ᆼ", "ㅈ": "ᆽ", "ㅊ": "ᆾ", "ㅋ": "ᆿ", "ㅌ": "ᇀ", "ㅍ": "ᇁ", "ㅎ": "ᇂ",
}
_ATTACH_LEFT = set(".,!?;:%)]}』」》〉…’”·") | {"..", "...", "!!", "??", "?!", "!?"}
_ATTACH_RIGHT = set("([{『「《〈‘“")


def clean_line(line, *, bmp_only=False):
    """Replace control characters (and, for Komoran/Kkma, characters outside the BMP) with spaces; strip."""
    if _CONTROL.search(line):
        line = _CONTROL.sub(" ", line)
    if bmp_only and _NON_BMP.search(line):
        line = _NON_BMP.sub(" ", line)
    return line.strip()


def split_long(line, max_chars=MAX_PIECE_CHARS):
    """Split a line longer than ``max_chars`` at whitespace (hard cut when a stretch has none)."""
    if len(line) <= max_chars:
        return [line] if line else []
    pieces, start, end_of_line = [], 0, len(line)
    while start < end_of_line:
        stop = min(start + max_chars, end_of_line)
        if stop < end_of_line:
            cut = line.rfind(" ", start + max_chars // 2, stop)
            if cut > start:
                stop = cut
        piece = line[start:stop].strip()
        if piece:
            pieces.append(piece)
        start = stop
    return pieces


def prepare(line, *, bmp_only=False, max_chars=MAX_PIECE_CHARS):
    """The pieces a tagger should see for one input line: cleaned, non-blank, each at most ``max_chars``."""
    return split_long(clean_line(line, bmp_only=bmp_only), max_chars)


def no_inner_spaces(token):
    """Komoran's multi-word entries (``9월 22일``) would break whitespace-separated files: use ``_`` inside."""
    return _SPACES.sub("_", token.strip()) if " " in token or _SPACES.search(token) else token


def to_final_jamo(form):
    """``ㅂ니다`` -> ``ᆸ니다``: the spelling Kiwi.join needs to fuse an ending onto the preceding syllable."""
    return _COMPAT_TO_FINAL.get(form[:1], form[:1]) + form[1:] if form else form


def _add_coda(syllable, coda_index):
    code = ord(syllable) - 0xAC00
    if 0 <= code < 11172 and code % 28 == 0:  # a Hangul syllable without a final consonant
        return chr(ord(syllable) + coda_index)
    return None


def join_morphemes(tokens):
    """Readable text from untagged morphemes: spaces between tokens, except that an ending written with a
    leading compatibility jamo (``ㄴ다``, ``ㅂ니다``) is fused into the open syllable before it (하 + ㅂ니다 ->
    합니다) and punctuation sticks to its neighbour. Morpheme boundaries inside words cannot be recovered
    without tags, so the result has more spaces than the original text."""
    out = []
    glue_next = False
    for token in tokens:
        if not token:
            continue
        if out and not glue_next:
            first = token[0]
            fused = None
            if first in _CODA_INDEX and out[-1] and out[-1][-1] != " ":
                fused = _add_coda(out[-1][-1], _CODA_INDEX[first])
            if fused is not None:
                out[-1] = out[-1][:-1] + fused + token[1:]
                continue
            if token in _ATTACH_LEFT or (len(token) > 1 and set(token) <= _ATTACH_LEFT):
                out[-1] += token
                continue
            out.append(token)
        elif out:
            out[-1] += token
        else:
            out.append(token)
        glue_next = token in _ATTACH_RIGHT
    return " ".join(out)
