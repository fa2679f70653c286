"""One-file export of a subword model: words, counts, word vectors, n-gram vectors and settings in a pickle-free .npz.

The word2vec formats carry word vectors only; this file also carries what gives unseen words a vector, so a
subword model can travel as one file and come back with ``import-vectors`` (fastText's .bin plays this role for
fastText; its layout holds the whole bucket table and the training state, which w2vlm does not keep).
"""

import json
import zipfile

import numpy as np

from ... import atomic_files
from ...errors import ArtifactError
from ...version import __version__
from .vectors import SubwordVectors
from ..vectors import WordVectors

FORMAT = "w2vlm-subwords"
_META = "meta"


def write_subword_file(vectors, path):
    """Write ``vectors`` (a WordVectors with ``subwords``) to ``path`` atomically."""
    if vectors.subwords is None:
        raise ArtifactError("this model has no subword vectors; train it with --subwords jamo|char|jamo+char, or "
                            "export it as word2vec-text")
    meta = {"format": FORMAT, "w2vlm_version": __version__, "subwords": vectors.subwords.scheme.to_config(),
            "tokenizer": vectors.tokenizer_config, "dim": vectors.dim}
    arrays = {_META: np.array(json.dumps(meta, ensure_ascii=False)), "words": np.array(vectors.words, dtype=str),
              "vectors": vectors.vectors, **vectors.subwords.arrays()}
    if vectors.counts is not None:
        arrays["counts"] = vectors.counts
    atomic_files.atomic_write(path, lambda handle: np.savez(handle, **arrays))
    return path


def is_subword_file(path):
    """True when ``path`` is an .npz (zip) holding a w2vlm-subwords ``meta`` entry."""
    try:
        with zipfile.ZipFile(path) as archive:
            return f"{_META}.npy" in archive.namelist()
    except (zipfile.BadZipFile, OSError):
        return False


def read_subword_file(path):
    """A WordVectors with ``subwords`` from a file ``write_subword_file`` wrote (ArtifactError if damaged)."""
    arrays = atomic_files.load_arrays(path)
    try:
        meta = json.loads(str(arrays.pop(_META)))
        if meta.get("format") != FORMAT:
            raise ValueError(f"format {meta.get('format')!r} is not {FORMAT!r}")
        words = [str(word) for word in arrays.pop("words")]
        vectors = arrays.pop("vectors")
        subwords = SubwordVectors.from_artifact(meta["subwords"], arrays, vectors.shape[1])
        return WordVectors(words, vectors, arrays.get("counts"), tokenizer_config=meta.get("tokenizer"),
                           subwords=subwords, config={"source": str(path), "format": FORMAT})
    except (KeyError, ValueError, TypeError, json.JSONDecodeError) as exc:
        raise ArtifactError(f"{path} is not a readable {FORMAT} file ({exc}); export it again") from None

