"""Subword units for fastText-style vectors (Bojanowski et al. 2017): Hangul jamo, character n-grams, bucket hashing.

``SubwordScheme`` turns a word into its n-grams and their hash buckets exactly as fastText does: the word is
wrapped in ``<`` and ``>``, n-grams of ``min_n``..``max_n`` characters are taken at every position, and each is
hashed with fastText's FNV-1a variant over its UTF-8 bytes (bytes are sign-extended, as fastText's ``int8_t``
cast does) modulo ``buckets``. With ``kind="jamo"`` each Hangul syllable is first written as initial + medial +
final jamo with an explicit empty-final symbol (Park et al. 2018, "Subword-level Word Vector Representations for
Korean"), by Unicode arithmetic; every other character passes through unchanged. ``kind="jamo+char"`` combines
both levels as Park et al. do: a word's jamo n-grams (``min_n``..``max_n`` jamo) followed by its character
(syllable) n-grams, fastText's n-grams of the untouched word (``min_char_n``..``max_char_n`` characters, markers
included; their defaults 1..4 are Park et al.'s), keeping those with a Hangul syllable in them (any other
character n-gram is spelt the same in jamo, so non-Hangul text gets exactly its ``jamo`` n-grams).

``ngram_table`` precomputes every vocabulary word's input rows once (CSR arrays), remapping the buckets that are
used to a compact table, so training never hashes and never allocates rows no word uses.
"""

from dataclasses import asdict, dataclass

import numpy as np
from numba import njit

from ...errors import TrainingError

KINDS = ("jamo", "char", "jamo+char")
MIN_CHAR_N, MAX_CHAR_N = 1, 4  # jamo+char's character n-gram lengths by default (Park et al.'s fastText -minn -maxn)
EMPTY_FINAL = "∅"  # the explicit empty-final (no batchim) symbol: 가 -> ㄱ ㅏ ∅
BOW, EOW = "<", ">"

_SYLLABLE_FIRST, _SYLLABLE_LAST = 0xAC00, 0xD7A3
_MEDIALS, _FINALS = 21, 28
# Hangul compatibility jamo (the letters people type: ㄱ, ㅏ) for the 19 initials, 21 medials and 27 finals
_INITIAL = "ㄱㄲㄴㄷㄸㄹㅁㅂㅃㅅㅆㅇㅈㅉㅊㅋㅌㅍㅎ"
_MEDIAL = "ㅏㅐㅑㅒㅓㅔㅕㅖㅗㅘㅙㅚㅛㅜㅝㅞㅟㅠㅡㅢㅣ"
_FINAL = EMPTY_FINAL + "ㄱㄲㄳㄴㄵㄶㄷㄹㄺㄻㄼㄽㄾㄿㅀㅁㅂㅄㅅㅆㅇㅈㅊㅋㅌㅍㅎ"

_FNV_OFFSET, _FNV_PRIME = 2166136261, 16777619


def decompose_jamo(text):
    """Each precomposed Hangul syllable as initial + medial + final jamo (먹 -> ㅁㅓㄱ, 가 -> ㄱㅏ∅); others kept."""
    out = []
    for ch in text:
        code = ord(ch)
        if _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST:
            index = code - _SYLLABLE_FIRST
            out.append(_INITIAL[index // (_MEDIALS * _FINALS)])
            out.append(_MEDIAL[index // _FINALS % _MEDIALS])
            out.append(_FINAL[index % _FINALS])
        else:
            out.append(ch)
    return "".join(out)


def _has_syllable(text):
    return any(_SYLLABLE_FIRST <= ord(ch) <= _SYLLABLE_LAST for ch in text)


def fasttext_hash(data):
    """fastText's 32-bit FNV-1a variant of ``data`` (bytes, or str as UTF-8): bytes enter sign-extended."""
    if isinstance(data, str):
        data = data.encode("utf-8")
    h = _FNV_OFFSET
    for byte in data:
        h ^= byte | 0xFFFFFF00 if byte >= 0x80 else byte  # uint32_t(int8_t(byte))
        h = (h * _FNV_PRIME) & 0xFFFFFFFF
    return h


@dataclass(frozen=True)
class SubwordScheme:
    """How words become n-grams: ``kind`` jamo|char|jamo+char, n-gram lengths ``min_n``..``max_n`` (jamo, or
    characters for char), ``buckets`` hash buckets; jamo+char adds character n-grams of ``min_char_n``..``max_char_n``
    characters."""
    kind: str = "jamo"
    min_n: int = 3
    max_n: int = 6
    buckets: int = 2_000_000
    min_char_n: int = MIN_CHAR_N
    max_char_n: int = MAX_CHAR_N

    def __post_init__(self):
        """Raise TrainingError naming the option to fix: a scheme that exists is a valid one."""
        if self.kind not in KINDS:
            raise TrainingError(f"unknown --subwords {self.kind!r}; use one of {', '.join(KINDS)}")
        if not 1 <= self.min_n <= self.max_n:
            raise TrainingError(f"need 1 <= --min-n <= --max-n (got min_n={self.min_n}, max_n={self.max_n})")
        if not 1 <= self.buckets < 2 ** 32:
            raise TrainingError(f"--buckets must be between 1 and 2**32 - 1 (got {self.buckets})")
        if not 1 <= self.min_char_n <= self.max_char_n:
            raise TrainingError(f"need 1 <= --min-char-n <= --max-char-n (got min_char_n={self.min_char_n}, "
                                f"max_char_n={self.max_char_n})")

    @property
    def levels(self):
        """The (kind, min_n, max_n) of each level of n-grams, in the order a word lists them."""
        if self.kind == "jamo+char":
            return (("jamo", self.min_n, self.max_n), ("char", self.min_char_n, self.max_char_n))
        return ((self.kind, self.min_n, self.max_n),)

    def _level(self, kind, min_n, max_n):
        return SubwordScheme(kind, min_n, max_n, self.buckets)

    def to_config(self):
        """config.json's ``subwords`` object; the character n-gram lengths only for jamo+char (older schemes and
        artifacts keep their four fields)."""
        config = asdict(self)
        if self.kind != "jamo+char":
            del config["min_char_n"], config["max_char_n"]
        return config

    @classmethod
    def from_config(cls, config):
        extra = {key: config[key] for key in ("min_char_n", "max_char_n") if key in config}
        return cls(**{key: config[key] for key in ("kind", "min_n", "max_n", "buckets")}, **extra)

    def units(self, word):
        """The character sequence n-grams are cut from, boundary markers included: 밥 -> <ㅂㅏㅂ> (jamo, and the
        first level of jamo+char)."""
        return BOW + (word if self.kind == "char" else decompose_jamo(word)) + EOW

    def ngrams(self, word):
        """fastText's n-grams of ``word`` in fastText's order (by start, then length); single boundary chars skipped.
        jamo+char: the jamo n-grams, then the character n-grams that hold a Hangul syllable."""
        if self.kind == "jamo+char":
            jamo, char = (self._level(*level) for level in self.levels)
            return jamo.ngrams(word) + [gram for gram in char.ngrams(word) if _has_syllable(gram)]
        units = self.units(word)
        size = len(units)
        grams = []
        for start in range(size):
            for n in range(self.min_n, min(self.max_n, size - start) + 1):
                if n == 1 and (start == 0 or start + n == size):
                    continue
                grams.append(units[start:start + n])
        return grams

    def bucket_ids(self, word):
        """The hash bucket of each of ``word``'s n-grams (int64, repeats kept as fastText keeps them)."""
        return np.array([fasttext_hash(gram) % self.buckets for gram in self.ngrams(word)], dtype=np.int64)


@njit(cache=True)
def _signed_byte(byte):
    """uint32_t(int8_t(byte)) as fastText feeds bytes to its hash."""
    return np.int64(byte) | 0xFFFFFF00 if byte >= 0x80 else np.int64(byte)


@njit(cache=True)
def _is_syllable(data, j, last):
    """Whether the UTF-8 character starting at byte ``j`` is a precomposed Hangul syllable (U+AC00..U+D7A3)."""
    if (data[j] & 0xF0) != 0xE0 or j + 2 >= last:
        return False
    code = ((np.int64(data[j]) & 0x0F) << 12) | ((np.int64(data[j + 1]) & 0x3F) << 6) | (np.int64(data[j + 2]) & 0x3F)
    return _SYLLABLE_FIRST <= code <= _SYLLABLE_LAST


@njit(cache=True)
def _all_bucket_ids(data, word_offsets, min_n, max_n, buckets, syllables_only, out, out_offsets, fill):
    """fastText's computeSubwords over the UTF-8 bytes of every word's units (``data``, cut by ``word_offsets``).

    With ``fill`` False only counts each word's n-grams into ``out_offsets[w + 1]``; with ``fill`` True writes the
    bucket ids into ``out`` from ``out_offsets[w]``. The FNV-1a hash is extended byte by byte as an n-gram grows.
    ``syllables_only`` keeps only the n-grams holding a precomposed Hangul syllable (jamo+char's character level).
    """
    for w in range(word_offsets.shape[0] - 1):
        first, last = word_offsets[w], word_offsets[w + 1]
        count = 0
        for i in range(first, last):
            if (data[i] & 0xC0) == 0x80:  # a UTF-8 continuation byte starts no character
                continue
            h = np.int64(_FNV_OFFSET)  # 32-bit arithmetic in int64, masked after each multiply
            j, n = i, 1
            syllable = not syllables_only
            while j < last and n <= max_n:
                syllable = syllable or _is_syllable(data, j, last)
                h = ((h ^ _signed_byte(data[j])) * _FNV_PRIME) & 0xFFFFFFFF
                j += 1
                while j < last and (data[j] & 0xC0) == 0x80:
                    h = ((h ^ _signed_byte(data[j])) * _FNV_PRIME) & 0xFFFFFFFF
                    j += 1
                if syllable and n >= min_n and not (n == 1 and (i == first or j == last)):
                    if fill:
                        out[out_offsets[w] + count] = h % buckets
                    count += 1
                n += 1
        if not fill:
            out_offsets[w + 1] = count


def _level_bucket_ids(words, kind, min_n, max_n, buckets, syllables_only):
    """One level's n-gram buckets of every word, as CSR ``(offsets, ids)``."""
    units = SubwordScheme(kind, min_n, max_n, buckets).units
    encoded = [units(word).encode("utf-8") for word in words]
    word_offsets = np.zeros(len(words) + 1, dtype=np.int64)
    np.cumsum([len(b) for b in encoded], out=word_offsets[1:])
    data = np.frombuffer(b"".join(encoded), dtype=np.uint8) if encoded else np.zeros(0, dtype=np.uint8)
    offsets = np.zeros(len(words) + 1, dtype=np.int64)
    ids = np.zeros(0, dtype=np.int64)
    _all_bucket_ids(data, word_offsets, min_n, max_n, buckets, syllables_only, ids, offsets, False)
    np.cumsum(offsets, out=offsets)
    ids = np.empty(offsets[-1], dtype=np.int64)
    _all_bucket_ids(data, word_offsets, min_n, max_n, buckets, syllables_only, ids, offsets, True)
    return offsets, ids


def _concatenate_rows(first, second):
    """Two CSR lists of the same words joined word by word: word i lists its ``first`` ids, then its ``second``."""
    (offsets_a, ids_a), (offsets_b, ids_b) = first, second
    lengths_a, lengths_b = np.diff(offsets_a), np.diff(offsets_b)
    offsets = np.zeros_like(offsets_a)
    np.cumsum(lengths_a + lengths_b, out=offsets[1:])
    ids = np.empty(offsets[-1], dtype=np.int64)
    ids[np.repeat(offsets[:-1] - offsets_a[:-1], lengths_a) + np.arange(len(ids_a))] = ids_a
    ids[np.repeat(offsets[:-1] + lengths_a - offsets_b[:-1], lengths_b) + np.arange(len(ids_b))] = ids_b
    return offsets, ids


def _keep_words(offsets, ids, keep):
    """The CSR lists with every word outside ``keep`` emptied."""
    lengths = np.diff(offsets)
    new_offsets = np.zeros_like(offsets)
    np.cumsum(np.where(keep, lengths, 0), out=new_offsets[1:])
    return new_offsets, ids[np.repeat(keep, lengths)]


def bucket_id_lists(words, scheme):
    """Every word's n-gram buckets at once, as CSR ``(offsets, ids)`` (the fast path of ``bucket_ids``)."""
    lists = [_level_bucket_ids(words, kind, min_n, max_n, scheme.buckets, syllables_only=(level > 0))
             for level, (kind, min_n, max_n) in enumerate(scheme.levels)]
    return lists[0] if len(lists) == 1 else _concatenate_rows(*lists)


def ngram_table(words, scheme, with_ngrams=None):
    """Every word's input rows, for a matrix of ``len(words)`` word rows followed by one row per used bucket.

    Returns ``(row_offsets, rows, row_buckets)``: word i's rows are ``rows[row_offsets[i]:row_offsets[i + 1]]``,
    its own row ``i`` first, then ``len(words) + j`` for each n-gram whose bucket is ``row_buckets[j]``. Only
    buckets some vocabulary word uses get a row (the compact table), in order of first use: with ``words`` most
    frequent first, the n-grams training touches most often sit together in memory (fewer cache misses).
    ``with_ngrams`` (bool per word, default all): the words that list their n-grams; the others are their own row
    alone (``Word2VecConfig.whole_word_count``), and a bucket only they use gets no row.
    """
    gram_offsets, flat = bucket_id_lists(words, scheme)
    if with_ngrams is not None:
        gram_offsets, flat = _keep_words(gram_offsets, flat, np.asarray(with_ngrams, dtype=bool))
    lengths = 1 + np.diff(gram_offsets)
    row_offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    sorted_buckets, first_use, compact = np.unique(flat, return_index=True, return_inverse=True)
    order = np.argsort(first_use, kind="stable")  # compact rows by first use
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    rows = np.empty(row_offsets[-1], dtype=np.int32)
    is_word_row = np.zeros(row_offsets[-1], dtype=bool)
    is_word_row[row_offsets[:-1]] = True
    rows[is_word_row] = np.arange(len(words), dtype=np.int32)
    rows[~is_word_row] = (len(words) + rank[compact.ravel()]).astype(np.int32)
    return row_offsets, rows, sorted_buckets[order]


def update_gains(row_offsets, rows):
    """Per word: how much the mean of its rows moves when each listed row gets the same update, divided by that update.

    1 when a word lists every row once; more when a row is listed twice (a repeated n-gram or a bucket collision
    inside one word), since that row then receives the update twice and counts twice in the mean.
    """
    lengths = np.diff(row_offsets)
    owner = np.repeat(np.arange(len(lengths), dtype=np.int64), lengths)
    pairs, multiplicity = np.unique(owner * (int(rows.max(initial=0)) + 1) + rows, return_counts=True)
    n_rows = int(rows.max(initial=0)) + 1
    squares = np.bincount(pairs // n_rows, weights=multiplicity.astype(np.float64) ** 2, minlength=len(lengths))
    return (squares / np.maximum(lengths, 1)).astype(np.float32)
