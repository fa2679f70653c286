"""--whole-word-count (frequent words without n-grams) and --subwords auto (jamo with 100 for Hangul text)."""

import json
import logging

import numpy as np
import pytest

from tests.embeddings.test_subword_train import HELD_OUT, _config, eojeol_corpus
from w2vlm.embeddings.subword.choice import choose_subwords, hangul_share
from w2vlm.embeddings.subword.ngrams import SubwordScheme, bucket_id_lists
from w2vlm.embeddings.subword.train import SubwordRows
from w2vlm.embeddings.train import Word2VecConfig, train_vectors
from w2vlm.errors import OptionConflict, TrainingError

WORDS = ["학교에", "학교", "바다를", "바다", "영화관"]   # most frequent first, as a vocabulary lists them
COUNTS = [50, 20, 9, 3, 1]


def test_words_seen_often_enough_are_their_own_row_alone():
    scheme = SubwordScheme("jamo", 3, 6, buckets=1 << 20)
    full = SubwordRows.build(WORDS, scheme)
    mixed = SubwordRows.build(WORDS, scheme, COUNTS, whole_word_count=20)
    lengths = np.diff(mixed.row_offsets)
    assert lengths[:2].tolist() == [1, 1] and mixed.rows[mixed.row_offsets[0]] == 0 and mixed.rows[1] == 1
    np.testing.assert_array_equal(lengths[2:], np.diff(full.row_offsets)[2:])   # the rarer words keep their n-grams
    offsets, ids = bucket_id_lists(WORDS, scheme)
    rare_buckets = set(ids[offsets[2]:].tolist())
    assert set(mixed.row_buckets.tolist()) == rare_buckets   # a bucket only 학교/학교에 use gets no row
    assert mixed.n_rows == len(WORDS) + len(rare_buckets) < full.n_rows
    # the rarer words list the same buckets in the same order as without the threshold
    for word in range(2, len(WORDS)):
        ours = mixed.row_buckets[mixed.rows[mixed.row_offsets[word] + 1:mixed.row_offsets[word + 1]] - len(WORDS)]
        theirs = full.row_buckets[full.rows[full.row_offsets[word] + 1:full.row_offsets[word + 1]] - len(WORDS)]
        np.testing.assert_array_equal(ours, theirs)
    assert np.diff(SubwordRows.build(WORDS, scheme, COUNTS, whole_word_count=0).row_offsets).tolist() == \
        np.diff(full.row_offsets).tolist()


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_a_frequent_words_vector_is_its_own_row_and_unseen_words_still_get_one(model, tmp_path):
    encoded = eojeol_corpus(tmp_path)
    counts = dict(zip(encoded.types, encoded.counts))
    threshold = int(np.median(list(counts.values())))
    vectors, _ = train_vectors(encoded, _config(model=model, whole_word_count=threshold), progress=False)
    assert vectors.config["whole_word_count"] == threshold
    frequent = [w for w in vectors.words if counts[w] >= threshold]
    rare = [w for w in vectors.words if counts[w] < threshold]
    assert frequent and rare
    W_in = vectors.extra_arrays["output_weights"]   # present; the input rows are what vectors hold
    assert W_in.shape[0] == len(vectors)
    scheme = vectors.subwords.scheme
    for word in frequent[:5]:   # no n-gram of a frequent word took part: its vector is not their mean
        assert vectors.subwords.vector(word) is None or not np.allclose(vectors[word], vectors.subwords.vector(word))
    assert vectors.subwords.vector(HELD_OUT) is not None and scheme.kind == "jamo"
    plain, _ = train_vectors(encoded, _config(model=model, whole_word_count=1), progress=False)
    assert len(plain.subwords.buckets) == 0   # every word is whole: no n-gram rows at all


def test_hangul_share_counts_letters_by_occurrence_without_pos_tags():
    assert hangul_share(["밥", "rice"], [4, 1]) == pytest.approx(4 / 8)
    assert hangul_share(["밥/NNG", "을/JKO"], [1, 1], pos=True) == 1.0
    assert hangul_share(["밥/NNG"], [1], pos=False) == pytest.approx(1 / 4)
    assert hangul_share(["123", "!!"], [5, 5]) == 0.0


class Encoded:   # the fields choose_subwords reads from an EncodedCorpus
    def __init__(self, types, counts, pos=False):
        self.types, self.counts, self.tokenizer_config = types, counts, {"name": "kiwi", "pos": pos}


def test_auto_picks_jamo_with_whole_words_for_korean_and_word_vectors_for_english(caplog):
    with caplog.at_level(logging.INFO, logger="w2vlm"):
        korean = choose_subwords(Word2VecConfig(), Encoded(["밥/NNG", "을/JKO", "ok/SL"], [5, 5, 1], pos=True))
    assert (korean.model, korean.subwords, korean.whole_word_count, korean.min_n, korean.max_n, korean.kernel) == \
        ("skipgram", "jamo", 100, 3, 6, "batched")
    assert "Hangul" in caplog.text
    assert "--model skipgram --subwords jamo --whole-word-count 100 --kernel batched" in caplog.text
    assert "--subwords none" in caplog.text
    mine = choose_subwords(Word2VecConfig(model="cbow", whole_word_count=0, max_n=5), Encoded(["밥"], [5]))
    assert (mine.model, mine.subwords, mine.whole_word_count, mine.max_n, mine.kernel) == ("cbow", "jamo", 0, 5, "pairs")
    pairs = choose_subwords(Word2VecConfig(kernel="pairs"), Encoded(["밥"], [5]))
    assert (pairs.model, pairs.kernel) == ("skipgram", "pairs")   # a kernel the caller set is kept
    english = choose_subwords(Word2VecConfig(), Encoded(["the", "cat"], [5, 5]))
    assert english.subwords is None and english.subword_scheme() is None and english.model == "cbow"
    assert english.kernel == "pairs" and Word2VecConfig().kernel is None   # decided with the subwords
    assert choose_subwords(Word2VecConfig(model="skipgram"), Encoded(["the"], [5])).kernel == "batched"
    ids_only = choose_subwords(Word2VecConfig())
    assert ids_only.subwords is None and ids_only.kernel == "pairs"   # ids without text: word vectors
    assert Word2VecConfig().model is None and Word2VecConfig(subwords="jamo").model == "cbow"
    with pytest.raises(OptionConflict, match=r"--whole-word-count only applies to subword models.*0% Hangul"):
        choose_subwords(Word2VecConfig(whole_word_count=50), Encoded(["the", "cat"], [5, 5]))
    with pytest.raises(OptionConflict, match=r"--min-n, --max-n only apply"):
        choose_subwords(Word2VecConfig(min_n=2, max_n=4), Encoded(["the"], [5]))
    with pytest.raises(OptionConflict, match="--kernel batched with subwords trains skip-gram only.*--subwords none"):
        choose_subwords(Word2VecConfig(kernel="batched", model="cbow"), Encoded(["밥"], [5]))
    batched = choose_subwords(Word2VecConfig(kernel="batched"), Encoded(["밥"], [5]))
    assert (batched.model, batched.subwords, batched.kernel) == ("skipgram", "jamo", "batched")
    assert choose_subwords(Word2VecConfig(subwords=None), Encoded(["밥"], [5])).subwords is None
    assert Word2VecConfig(subwords="none").subwords is None
    assert Word2VecConfig(subwords="jamo").whole_word_count == 0   # an explicit --subwords is fastText's model
    with pytest.raises(TrainingError, match="--whole-word-count must be >= 0"):
        Word2VecConfig(subwords="jamo", whole_word_count=-1)


def test_the_cli_default_on_korean_text_is_logged_and_saved(tmp_path):
    from tests.robustness.conftest import run
    from tests.embeddings.test_subword_train import eojeol_lines
    corpus = tmp_path / "ko.txt"
    corpus.write_text("\n".join(eojeol_lines(300)) + "\n", encoding="utf-8")
    result = run("train-embeddings", corpus, "-o", tmp_path / "auto", "--tokenizer", "whitespace", "--dim", "8",
                 "--epochs", "1", "--min-count", "1", verbose=True)
    assert result.exit_code == 0, result.output
    assert "--subwords auto: 100% of the corpus letters are Hangul" in result.output
    saved = json.loads((tmp_path / "auto" / "config.json").read_text(encoding="utf-8"))
    assert saved["subwords"]["kind"] == "jamo" and saved["whole_word_count"] == 100 and saved["model"] == "skipgram"
    assert saved["kernel"] == "batched"
    result = run("train-embeddings", corpus, "-o", tmp_path / "none", "--tokenizer", "whitespace", "--dim", "8",
                 "--epochs", "1", "--min-count", "1", "--subwords", "none")
    assert result.exit_code == 0, result.output
    assert json.loads((tmp_path / "none" / "config.json").read_text(encoding="utf-8")).get("subwords") is None
