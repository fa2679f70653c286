"""A vocabulary: words in a deterministic order (count desc, then first occurrence), counts, <unk>/<eos>."""

import difflib
import hashlib
import json

import numpy as np

from .. import atomic_files
from ..errors import ArtifactError, UnknownWordError


SUGGESTION_POOL = 50_000  # close spellings are searched among this many most frequent words only


class Vocab:
    """Words with ids 0..len-1 and their corpus counts (None when unknown, e.g. imported vectors); ``unk``/``eos``
    name special words (or None). ``index`` is gensim's ``key_to_index`` (word -> id)."""

    def __init__(self, words, counts=None, unk="<unk>", eos="<eos>"):
        self.words = list(words)
        self.counts = None if counts is None else np.asarray(counts, dtype=np.int64).reshape(-1)
        if self.counts is not None and len(self.counts) != len(self.words):
            raise ValueError(f"{len(self.words)} words but {len(self.counts)} counts")
        self._index = {word: i for i, word in enumerate(self.words)}
        if len(self._index) != len(self.words):
            duplicate = next(word for i, word in enumerate(self.words) if self._index[word] != i)
            raise ValueError(f"duplicate word {duplicate!r} in the vocabulary")
        self.unk = unk if unk in self._index else None
        self.eos = eos if eos in self._index else None

    @classmethod
    def from_counts(cls, types, counts, min_count=1, max_size=None, specials=()):
        """Keep the types with ``count >= min_count`` (``types`` are already ordered by count desc, then first
        occurrence), at most ``max_size`` words in all. ``specials`` missing from the kept types come first
        (ids 0..k-1, count 0); specials already among them (PTB's literal ``<unk>``) keep their place."""
        counts = np.asarray(counts, dtype=np.int64)
        keep = np.flatnonzero(counts >= min_count)
        kept = [types[i] for i in keep]
        kept_counts = counts[keep]
        if max_size is not None and max_size < len(specials):
            raise ValueError(f"max_size={max_size} leaves no room for the specials {specials}")
        size = len(kept)
        while True:  # a special cut off by max_size moves to the front and takes a slot there
            present = set(kept[:size])
            missing = [s for s in specials if s not in present]
            if max_size is None or size + len(missing) <= max_size:
                break
            size = max_size - len(missing)
        words = missing + kept[:size]
        all_counts = np.concatenate([np.zeros(len(missing), np.int64), kept_counts[:size]])
        unk = "<unk>" if "<unk>" in specials else None
        eos = "<eos>" if "<eos>" in specials else None
        return cls(words, all_counts, unk=unk, eos=eos)

    def __len__(self):
        return len(self.words)

    def __contains__(self, word):
        return word in self._index

    def __iter__(self):
        return iter(self.words)

    def __repr__(self):
        return f"Vocab({len(self):,} words, unk={self.unk!r}, eos={self.eos!r})"

    @property
    def unk_id(self):
        return None if self.unk is None else self._index[self.unk]

    @property
    def eos_id(self):
        return None if self.eos is None else self._index[self.eos]

    @property
    def key_to_index(self):
        """word -> id (gensim's name); read it, do not change it."""
        return self._index

    def get(self, word, default=None):
        return self._index.get(word, default)

    def index(self, word):
        """The id of ``word``; UnknownWordError with the closest spellings when it is not in the vocabulary."""
        try:
            return self._index[word]
        except KeyError:
            raise UnknownWordError(self.unknown_message(word)) from None

    def close_spellings(self, word, n=3):
        """Up to ``n`` words a misspelt or untagged ``word`` may mean: its pos-tagged forms (대통령 -> 대통령/NNG),
        its case variants, then difflib's closest spellings among the most frequent SUGGESTION_POOL words (words
        are ordered by frequency, so the search stays instant on huge vocabularies)."""
        word = str(word)
        folded = word.casefold()
        tagged = [w for w in self.words if w.startswith(word + "/")][:n]
        cased = [w for w in self.words if w.casefold() == folded][:n]
        close = difflib.get_close_matches(word, self.words[:SUGGESTION_POOL], n=n, cutoff=0.6)
        return list(dict.fromkeys(tagged + cased + close))[:n]

    def unknown_message(self, word):
        """``'word' is not in the vocabulary (N words); closest spellings: ...`` (or "no close spellings")."""
        close = self.close_spellings(word)
        hint = f"closest spellings: {', '.join(close)}" if close else "no close spellings"
        return f"{str(word)!r} is not in the vocabulary ({len(self):,} words); {hint}"

    def encode(self, tokens):
        """Ids of ``tokens`` as int32; out-of-vocabulary tokens become unk_id, or are dropped without <unk>."""
        unk = self.unk_id
        if unk is None:
            ids = [i for i in map(self._index.get, tokens) if i is not None]
        else:
            ids = [self._index.get(token, unk) for token in tokens]
        return np.asarray(ids, dtype=np.int32)

    def decode(self, ids):
        """Words of ``ids`` (the inverse of encode for in-vocabulary tokens)."""
        return [self.words[int(i)] for i in ids]

    def digest(self):
        """sha256 of the words in order (a resumed run checks that its corpus gives the same vocabulary)."""
        return hashlib.sha256(json.dumps(self.words, ensure_ascii=False).encode("utf-8")).hexdigest()

    def to_dict(self):
        counts = None if self.counts is None else self.counts.tolist()
        return {"words": self.words, "counts": counts, "unk": self.unk, "eos": self.eos}

    def save(self, path):
        """Write ``{"words", "counts", "unk", "eos"}`` as UTF-8 JSON, atomically."""
        atomic_files.write_json(path, self.to_dict())

    @classmethod
    def load(cls, path):
        """Read ``save``'s file; the older embeddings layout ``{"words", "counts"}`` (no unk/eos) loads too."""
        data = atomic_files.read_json(path)
        try:
            return cls.from_dict(data)
        except (KeyError, TypeError, ValueError) as exc:
            raise ArtifactError(f"{path} is not a w2vlm vocabulary ({exc}); save it again with Vocab.save") from None

    @classmethod
    def from_dict(cls, data):
        """The inverse of ``to_dict`` (``unk``/``eos`` default to None, ``counts`` may be null)."""
        if not isinstance(data.get("words"), list) or not all(isinstance(w, str) for w in data["words"]):
            raise ValueError("no list of words")
        try:
            return cls(data["words"], data.get("counts"), unk=data.get("unk"), eos=data.get("eos"))
        except OverflowError:
            raise ValueError("counts beyond 64-bit integers") from None
