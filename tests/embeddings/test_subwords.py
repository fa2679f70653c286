"""Subword units: fastText's hash (known values and gensim's implementation), n-grams, jamo, the compact table."""

import numpy as np
import pytest

from w2vlm.embeddings.subword.ngrams import (EMPTY_FINAL, SubwordScheme, bucket_id_lists, decompose_jamo, fasttext_hash,
                                       ngram_table, update_gains)
from w2vlm.errors import TrainingError


@pytest.mark.parametrize("text, expected", [
    ("", 2166136261),            # the FNV offset basis
    ("test", 2949673445),        # gensim's test of ft_hash_bytes
    ("команда", 1725507386),     # non-ASCII: bytes >= 0x80 enter sign-extended (fastText's int8_t cast)
])
def test_fasttext_hash_known_values(text, expected):
    assert fasttext_hash(text) == expected
    assert fasttext_hash(text.encode("utf-8")) == expected


def test_fasttext_hash_matches_gensim_on_korean_ngrams():
    fasttext_inner = pytest.importorskip("gensim.models.fasttext_inner")
    scheme = SubwordScheme("jamo")
    for word in ("먹었습니다", "밥을", "ㅋㅋㅋ", "Naver!", "대통령/NNG"):
        for gram in scheme.ngrams(word) + SubwordScheme("char").ngrams(word):
            assert fasttext_hash(gram) == fasttext_inner.ft_hash_bytes(gram.encode("utf-8"))


def test_char_ngrams_match_gensim_fasttext():
    fasttext_inner = pytest.importorskip("gensim.models.fasttext_inner")
    for min_n, max_n in ((3, 6), (1, 2), (2, 4)):
        scheme = SubwordScheme("char", min_n, max_n)
        for word in ("먹었습니다", "a", "밥", "hello"):
            ours = sorted(gram.encode("utf-8") for gram in scheme.ngrams(word))
            assert ours == sorted(fasttext_inner.compute_ngrams_bytes(word, min_n, max_n)), (word, min_n, max_n)


def test_ngrams_in_fasttext_order_with_boundary_markers():
    assert SubwordScheme("char", 3, 4).ngrams("abc") == ["<ab", "<abc", "abc", "abc>", "bc>"]
    assert SubwordScheme("char", 1, 1).ngrams("ab") == ["a", "b"]  # lone '<' and '>' are never n-grams


def test_jamo_decomposition_by_unicode_arithmetic():
    assert decompose_jamo("먹었다") == "ㅁㅓㄱㅇㅓㅆㄷㅏ" + EMPTY_FINAL
    assert decompose_jamo("가힣") == "ㄱㅏ" + EMPTY_FINAL + "ㅎㅣㅎ"  # first and last precomposed syllables
    assert decompose_jamo("닭") == "ㄷㅏㄺ"
    assert decompose_jamo("ㅋㅋ abc 3/NNG") == "ㅋㅋ abc 3/NNG"  # non-syllables pass through
    assert SubwordScheme("jamo", 3, 3).units("밥") == "<ㅂㅏㅂ>"


def test_jamo_decomposition_agrees_with_unicode_nfd():
    import unicodedata

    def letter(ch):  # HANGUL CHOSEONG KIYEOK (NFD) and HANGUL LETTER KIYEOK (ours) are both KIYEOK
        return unicodedata.name(ch).split()[-1]

    for code in range(0xAC00, 0xD7A4, 7):
        syllable = chr(code)
        ours = decompose_jamo(syllable).replace(EMPTY_FINAL, "")
        assert [letter(ch) for ch in unicodedata.normalize("NFD", syllable)] == [letter(ch) for ch in ours]


def test_scheme_validation():
    for bad in (dict(kind="bpe"), dict(min_n=0, max_n=3), dict(min_n=4, max_n=3), dict(buckets=0)):
        with pytest.raises(TrainingError):
            SubwordScheme(**bad)


def test_ngram_table_is_compact_in_order_of_first_use_and_points_at_the_right_buckets():
    scheme = SubwordScheme("jamo", 3, 6, buckets=1000)
    words = ["밥", "밥을", "물을"]
    row_offsets, rows, used = ngram_table(words, scheme)
    first_word = scheme.bucket_ids(words[0])
    assert len(used) == len(np.unique(np.concatenate([scheme.bucket_ids(w) for w in words])))
    np.testing.assert_array_equal(used[:len(set(first_word))], list(dict.fromkeys(first_word)))  # first use first
    for i, word in enumerate(words):
        listed = rows[row_offsets[i]:row_offsets[i + 1]]
        assert listed[0] == i  # the word's own row first
        np.testing.assert_array_equal(used[listed[1:] - len(words)], scheme.bucket_ids(word))


def test_update_gains_count_repeated_rows():
    row_offsets = np.array([0, 3, 6])
    rows = np.array([0, 2, 3, 1, 2, 2])  # word 1 lists row 2 twice: the mean moves by (1 + 4) / 3
    np.testing.assert_allclose(update_gains(row_offsets, rows), [1.0, 5 / 3])


@pytest.mark.parametrize("kind, min_n, max_n, chars", [
    ("jamo", 3, 6, (1, 4)), ("char", 3, 6, (1, 4)), ("char", 1, 3, (1, 4)), ("jamo", 2, 2, (1, 4)),
    ("jamo+char", 3, 6, (1, 4)), ("jamo+char", 2, 3, (2, 5))])
def test_batched_bucket_ids_match_the_readable_hash(kind, min_n, max_n, chars):
    scheme = SubwordScheme(kind, min_n, max_n, 1_000_003, *chars)
    words = ["먹었습니다", "a", "ㅋㅋㅋ", "Naver!", "대통령/NNG", "x̃y", "😀영화", "가힣", "3D영화", "힣"]  # 1- to 4-byte
    offsets, ids = bucket_id_lists(words, scheme)
    for i, word in enumerate(words):
        np.testing.assert_array_equal(ids[offsets[i]:offsets[i + 1]], scheme.bucket_ids(word))


def test_jamo_plus_char_adds_syllable_ngrams_after_the_jamo_ones():
    scheme = SubwordScheme("jamo+char", 3, 3, min_char_n=1, max_char_n=2)
    jamo = ["<ㅂㅏ", "ㅂㅏㅂ", "ㅏㅂㅇ", "ㅂㅇㅡ", "ㅇㅡㄹ", "ㅡㄹ>"]  # <ㅂㅏㅂㅇㅡㄹ>, by hand
    syllables = ["<밥", "밥", "밥을", "을", "을>"]                   # <밥을>: fastText's order, lone < > skipped
    assert SubwordScheme("jamo", 3, 3).ngrams("밥을") == jamo
    assert scheme.ngrams("밥을") == jamo + syllables
    # Park et al.'s syllable lengths 1..4: a 2-syllable eojeol gets 8 syllable n-grams after its 18 jamo n-grams
    grams = SubwordScheme("jamo+char").ngrams("여자")
    assert len(grams) == 18 + 8 and grams[18:] == ["<여", "<여자", "<여자>", "여", "여자", "여자>", "자", "자>"]


def test_jamo_plus_char_leaves_non_hangul_to_the_jamo_ngrams():
    scheme = SubwordScheme("jamo+char", 3, 4, min_char_n=1, max_char_n=3)
    for word in ("Naver!", "ㅋㅋㅋ", "3/NNG"):
        assert scheme.ngrams(word) == SubwordScheme("jamo", 3, 4).ngrams(word)
    # mixed: only the character n-grams holding a syllable are added
    extra = scheme.ngrams("3D영화")[len(SubwordScheme("jamo", 3, 4).ngrams("3D영화")):]
    assert extra == ["3D영", "D영", "D영화", "영", "영화", "영화>", "화", "화>"]


def test_scheme_config_round_trip_and_older_configs():
    scheme = SubwordScheme("jamo+char", 3, 5, buckets=1000, min_char_n=2, max_char_n=3)
    assert scheme.to_config() == {"kind": "jamo+char", "min_n": 3, "max_n": 5, "buckets": 1000,
                                  "min_char_n": 2, "max_char_n": 3}
    assert SubwordScheme.from_config(scheme.to_config()) == scheme
    old = {"kind": "jamo", "min_n": 3, "max_n": 6, "buckets": 2_000_000}  # written before jamo+char existed
    assert SubwordScheme.from_config(old).to_config() == old
    with pytest.raises(TrainingError, match="--min-char-n"):
        SubwordScheme("jamo+char", min_char_n=3, max_char_n=2)
