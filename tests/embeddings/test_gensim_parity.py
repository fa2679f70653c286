"""The same KeyedVectors calls on WordVectors and on gensim's KeyedVectors read from w2vlm's exported vectors."""

import numpy as np
import pytest

from w2vlm.embeddings import WordVectors

gensim_models = pytest.importorskip("gensim.models")
pytestmark = pytest.mark.filterwarnings("ignore::DeprecationWarning")  # gensim calls its own init_sims

DIM = 24
# a b c d questions whose d is planted at b - a + c; the rest of the file is random geometry, OOV words and
# case variants, so both sides get right, wrong, skipped and case-folded questions
PLANTED = [("w10", "w11", "w12", "w13"), ("한국", "서울", "w20", "w21"), ("w30", "w31", "Seoul", "w33")]


@pytest.fixture(scope="module")
def pair(tmp_path_factory):
    """(ours, theirs): a WordVectors and gensim's KeyedVectors loaded from its save_word2vec_format file."""
    rng = np.random.default_rng(7)
    words = [f"w{i}" for i in range(120)] + ["한국", "서울", "Seoul", "SEOUL", "seoul"]
    vectors = rng.normal(size=(len(words), DIM)).astype(np.float32)
    row = {word: i for i, word in enumerate(words)}
    for a, b, c, d in PLANTED:
        unit = {w: vectors[row[w]] / np.linalg.norm(vectors[row[w]]) for w in (a, b, c)}
        vectors[row[d]] = unit[b] - unit[a] + unit[c] + rng.normal(scale=0.05, size=DIM)
    path = tmp_path_factory.mktemp("parity") / "vectors.bin"
    WordVectors(words, vectors).save_word2vec_format(path, binary=True)
    ours = WordVectors.load_word2vec_format(path)
    np.testing.assert_array_equal(ours.vectors, vectors)
    return ours, gensim_models.KeyedVectors.load_word2vec_format(str(path), binary=True)


def same_pairs(got, expected, atol=1e-5):
    assert [word for word, _ in got] == [word for word, _ in expected]
    assert all(isinstance(word, str) and isinstance(score, float) for word, score in got)
    np.testing.assert_allclose([s for _, s in got], [s for _, s in expected], atol=atol, rtol=1e-4)


def test_index_lookups(pair):
    ours, theirs = pair
    for key in ("w5", "서울", 0, 7, len(ours) - 1):
        assert ours.get_index(key) == theirs.get_index(key)
        assert ours.has_index_for(key) is theirs.has_index_for(key) is True
        assert key in ours and key in theirs
    for key in ("nope", len(ours), -1):
        assert ours.has_index_for(key) is theirs.has_index_for(key) is False
        assert key not in ours and key not in theirs
        assert ours.get_index(key, default=-5) == theirs.get_index(key, default=-5) == -5
        for side in pair:
            with pytest.raises(KeyError):
                side.get_index(key)
    np.testing.assert_allclose(ours.get_normed_vectors(), theirs.get_normed_vectors(), atol=1e-6)


QUERIES = [
    dict(positive=["w1"]),
    dict(positive="w1"),                                               # one key, not a list
    dict(positive=["w2", "한국"], negative=["w3"]),
    dict(positive=["서울", "w5", "w6"], negative=["w7", "w8"], topn=4),
    dict(negative=["w9"]),
    dict(positive=[("w2", 2.0), "w4"], negative=[("w3", -0.5)]),    # (key, weight) pairs
    dict(positive=[3, "w4"]),                                          # a row number as a key
    dict(positive=["w9"], restrict_vocab=50, topn=5),
    dict(positive=["w9"], clip_start=10, clip_end=60, topn=5),
]


@pytest.mark.parametrize("query", QUERIES)
def test_most_similar(pair, query):
    ours, theirs = pair
    same_pairs(ours.most_similar(**query), theirs.most_similar(**query))


def test_most_similar_with_vectors_and_every_score(pair):
    ours, theirs = pair
    vector = ours["w40"] * 3.0 - ours["w41"]
    same_pairs(ours.most_similar(positive=[vector, "w42"]), theirs.most_similar(positive=[vector, "w42"]))
    same_pairs(ours.similar_by_vector(vector, topn=7), theirs.similar_by_vector(vector, topn=7))
    for query in (dict(positive=["w1"], topn=None), dict(positive=["w1"], negative=["w2"], topn=None,
                                                         restrict_vocab=30)):
        got, expected = ours.most_similar(**query), theirs.most_similar(**query)
        assert isinstance(got, np.ndarray) and got.shape == expected.shape
        np.testing.assert_allclose(got, expected, atol=1e-6)
    assert ours.most_similar("w1", topn=0) == theirs.most_similar("w1", topn=0) == []
    for name in ("similar_by_word", "similar_by_key"):
        same_pairs(getattr(ours, name)("w3", topn=6), getattr(theirs, name)("w3", topn=6))
        same_pairs(getattr(ours, name)("w3", 6, 40), getattr(theirs, name)("w3", 6, 40))


class RecordingIndexer:
    """An approximate-neighbour index stand-in (gensim's AnnoyIndexer protocol): records what it is asked."""

    def most_similar(self, vector, topn):
        self.asked = (np.array(vector), topn)
        return [("from-the-index", 1.0)]


def test_an_indexer_answers_with_the_same_query_vector(pair):
    answers, asked = [], []
    for side in pair:
        indexer = RecordingIndexer()
        answers.append(side.most_similar(positive=["w1", "서울"], negative=["w2"], topn=4, indexer=indexer))
        asked.append(indexer.asked)
    assert answers[0] == answers[1] == [("from-the-index", 1.0)]
    np.testing.assert_allclose(asked[0][0], asked[1][0], atol=1e-6)
    assert asked[0][1] == asked[1][1] == 4


@pytest.mark.parametrize("positive, negative", [(["w1"], []), (["w2", "한국"], ["w3"]), (["서울", "w5"], ["w7", "w8"])])
def test_most_similar_cosmul_follows_gensims_formula(pair, positive, negative):
    ours, theirs = pair
    same_pairs(ours.most_similar_cosmul(positive, negative, topn=10),
               theirs.most_similar_cosmul(positive, negative, topn=10), atol=1e-6)
    np.testing.assert_allclose(ours.most_similar_cosmul(positive, negative, topn=None),
                               theirs.most_similar_cosmul(positive, negative, topn=None), rtol=1e-5)


def test_ranks_and_given_lists(pair):
    ours, theirs = pair
    for key1, key2 in (("w1", "w2"), ("서울", "한국"), ("w5", "w5"), ("w7", "seoul")):
        assert ours.closer_than(key1, key2) == theirs.closer_than(key1, key2)
        assert ours.rank(key1, key2) == theirs.rank(key1, key2)
    candidates = ["w3", "w4", "서울", "w100"]
    assert ours.most_similar_to_given("w1", candidates) == theirs.most_similar_to_given("w1", candidates)
    for wa, wb, topn in (("w1", "w2", 10), ("한국", "서울", 3)):
        assert ours.relative_cosine_similarity(wa, wb, topn) == pytest.approx(
            float(theirs.relative_cosine_similarity(wa, wb, topn)), rel=1e-5)


def test_similarities_and_distances(pair):
    ours, theirs = pair
    assert ours.similarity("한국", "서울") == pytest.approx(float(theirs.similarity("한국", "서울")), abs=1e-6)
    assert ours.distance("w1", "w2") == pytest.approx(float(theirs.distance("w1", "w2")), abs=1e-6)
    assert ours.n_similarity(["w1", "w2"], ["w3"]) == pytest.approx(
        float(theirs.n_similarity(["w1", "w2"], ["w3"])), abs=1e-6)
    np.testing.assert_allclose(ours.distances("w1"), theirs.distances("w1"), atol=1e-6)
    np.testing.assert_allclose(ours.distances("w1", ["w2", "서울"]), theirs.distances("w1", ["w2", "서울"]), atol=1e-6)
    matrix = ours.vectors[:10]
    np.testing.assert_allclose(ours.cosine_similarities(ours["w1"], matrix),
                               theirs.cosine_similarities(theirs["w1"], matrix), atol=1e-6)
    assert ours.doesnt_match(["w1", "w2", "w3", "w4"]) == theirs.doesnt_match(["w1", "w2", "w3", "w4"])


@pytest.mark.parametrize("options", [dict(), dict(weights=[1.0, -2.0, 0.5]), dict(pre_normalize=False),
                                     dict(post_normalize=True), dict(weights=[2.0, 1.0, 1.0], post_normalize=True)])
def test_get_mean_vector(pair, options):
    ours, theirs = pair
    keys = ["w1", "서울", "missing"]
    np.testing.assert_allclose(ours.get_mean_vector(keys, **options), theirs.get_mean_vector(keys, **options),
                               atol=1e-6)
    for side in pair:
        with pytest.raises(KeyError):
            side.get_mean_vector(keys, ignore_missing=False)


def write_analogies(folder):
    lines = [": planted"] + [" ".join(question) for question in PLANTED]
    lines += [": random", "w1 w2 w3 w4", "w50 w51 w52 w53", "w1 w2 unknown w4", "W60 w61 W62 w63",
              ": far", "w1 w2 w3 w110", "w100 w101 w102 w103"]
    path = folder / "questions.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return str(path)


@pytest.mark.parametrize("options", [dict(), dict(dummy4unknown=True), dict(restrict_vocab=100),
                                     dict(case_insensitive=False), dict(restrict_vocab=100, dummy4unknown=True)])
def test_evaluate_word_analogies(pair, tmp_path, options):
    ours, theirs = pair
    path = write_analogies(tmp_path)
    score, sections = ours.evaluate_word_analogies(path, **options)
    expected_score, expected_sections = theirs.evaluate_word_analogies(path, **options)
    assert sections == expected_sections and score == pytest.approx(expected_score)
    total = sections[-1]
    assert total["section"] == "Total accuracy" and total["correct"] and total["incorrect"]


@pytest.mark.parametrize("options", [dict(), dict(dummy4unknown=True), dict(restrict_vocab=100),
                                     dict(case_insensitive=False)])
def test_evaluate_word_pairs(pair, tmp_path, options):
    ours, theirs = pair
    rng = np.random.default_rng(1)
    lines = ["# word1\tword2\tscore"] + [f"w{i}\tw{i + 1}\t{rng.uniform(0, 10):.2f}" for i in range(0, 110, 3)]
    lines += ["한국\t서울\t9.5", "w1\tunknown\t3.0", "SEOUL\tw2\t1.0"]
    path = tmp_path / "pairs.tsv"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    (r, r_p), (rho, rho_p), oov = ours.evaluate_word_pairs(str(path), **options)
    expected = theirs.evaluate_word_pairs(str(path), **options)
    assert r == pytest.approx(expected[0][0], abs=1e-6) and r_p == pytest.approx(expected[0][1], rel=1e-6)
    assert rho == pytest.approx(expected[1][0], abs=1e-6) and rho_p == pytest.approx(expected[1][1], rel=1e-6)
    assert oov == pytest.approx(expected[2]) and oov > 0
