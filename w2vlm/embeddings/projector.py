"""Word vectors as the TensorBoard Embedding Projector's two TSV files: vectors.tsv and metadata.tsv."""

import unicodedata
from pathlib import Path

import numpy as np

from ..atomic_files import atomic_write, write_text
from ..outputs import PROJECTOR_MARK

VECTORS_TSV = "vectors.tsv"
METADATA_TSV = "metadata.tsv"
_NAMED_ESCAPES = {"\\": "\\\\", "\t": "\\t", "\n": "\\n", "\r": "\\r"}


def escape_tsv_field(text):
    """``text`` safe for one TSV cell: backslash, tab, newline and carriage return become \\\\ \\t \\n \\r, other
    control and line/paragraph-separator characters \\uXXXX, so that every word stays on its own row and the
    escaping can be undone."""
    out = []
    for ch in text:
        if ch in _NAMED_ESCAPES:
            out.append(_NAMED_ESCAPES[ch])
        elif unicodedata.category(ch) in ("Cc", "Zl", "Zp"):
            out.append(f"\\u{ord(ch):04x}")
        else:
            out.append(ch)
    return "".join(out)


def write_projector(vectors, directory):
    """Write ``directory/vectors.tsv`` (one row per word: tab-separated floats with 6 significant digits, plenty
    for a picture) and ``directory/metadata.tsv`` (a ``word<TAB>count`` header, then one row per word in the same
    order; the count is empty for vectors imported without counts). Both are written atomically, with an empty
    ``.w2vlm-projector`` mark that tells the output guard w2vlm wrote them; returns the two paths."""
    directory = Path(directory)
    directory.mkdir(parents=True, exist_ok=True)
    vectors_path, metadata_path = directory / VECTORS_TSV, directory / METADATA_TSV
    matrix = np.asarray(vectors.vectors, dtype=np.float32)
    atomic_write(vectors_path, lambda handle: np.savetxt(handle, matrix, fmt="%.6g", delimiter="\t",
                                                         newline="\n", encoding="utf-8"))
    counts = [""] * len(vectors) if vectors.counts is None else [str(int(c)) for c in vectors.counts]
    rows = ["word\tcount"] + [f"{escape_tsv_field(word)}\t{count}" for word, count in zip(vectors.words, counts)]
    write_text(metadata_path, "\n".join(rows) + "\n")
    write_text(directory / PROJECTOR_MARK, "")
    return vectors_path, metadata_path
