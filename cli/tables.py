"""Plain-text tables whose columns line up by terminal display width (Hangul takes two columns; wcwidth)."""

import unicodedata

from wcwidth import wcswidth


def display_width(text):
    """Terminal columns ``text`` takes: wide (Hangul, CJK) characters count two, combining marks zero.

    Control characters, which wcwidth cannot measure, count one column each so that a stray tab in a word
    does not make the whole table unmeasurable.
    """
    width = wcswidth(text)
    if width >= 0:
        return width
    return sum(max(wcswidth(ch), 0) if unicodedata.category(ch) != "Cc" else 1 for ch in text)


def pad(text, width, right=False):
    """``text`` padded with spaces to ``width`` display columns, on the left when ``right``."""
    fill = " " * max(width - display_width(text), 0)
    return fill + text if right else text + fill


def format_table(headers, rows, right=(), rule=True):
    """Rows of cells as aligned text: two spaces between columns, columns in ``right`` (indexes)
    right-aligned, a dashed rule under the headers when ``rule``. Trailing spaces are trimmed."""
    cells = [[str(cell) for cell in headers]] + [[str(cell) for cell in row] for row in rows]
    widths = [max(display_width(row[i]) for row in cells) for i in range(len(headers))]
    lines = []
    for n, row in enumerate(cells):
        lines.append("  ".join(pad(cell, width, i in right) for i, (cell, width) in enumerate(zip(row, widths)))
                     .rstrip())
        if n == 0 and rule:
            lines.append("  ".join("-" * width for width in widths))
    return "\n".join(lines)
