"""Vectors for words outside the vocabulary: tokenizer tokens, composition (sum/mean), subwords, gensim's extra names."""

import numpy as np
import pytest

from tests.embeddings.test_vectors import toy_vectors
from w2vlm.embeddings.resolve import QueryTokenizer
from w2vlm.embeddings.vectors import WordVectors
from w2vlm.errors import UnknownWordError

# a tiny Korean morpheme analysis: eojeol -> morphemes with tags
ANALYSES = {
    "밥": ["밥/NNG"], "물": ["물/NNG"], "돈": ["돈/NNG"], "밥을": ["밥/NNG", "을/JKO"], "물을": ["물/NNG", "을/JKO"],
    "돈을": ["돈/NNG", "을/JKO"], "먹었다": ["먹/VV", "었/EP", "다/EF"], "책을": ["책/NNG", "을/JKO"],
    "대통령 국민": ["대통령/NNG", "국민/NNG"],
}
MORPHEMES = ["밥/NNG", "물/NNG", "돈/NNG", "을/JKO", "먹/VV", "었/EP", "다/EF", "대통령/NNG", "국민/NNG"]


class FakeKiwi:
    """A stand-in for the kiwi tokenizer that knows the analyses above (else one /NNG token)."""

    def tokenize(self, line):
        return list(ANALYSES.get(line, [f"{line}/NNG"]))


def morpheme_vectors(extra_filler=6, seed=0, tokenizer=None):
    """One axis per morpheme (plus small noise) and filler words on axes of their own."""
    rng = np.random.default_rng(seed)
    dim = len(MORPHEMES) + extra_filler
    words = MORPHEMES + [f"채움{i}/NNG" for i in range(extra_filler)]
    vectors = np.eye(len(words), dim) + rng.normal(scale=0.01, size=(len(words), dim))
    return WordVectors(words, vectors.astype(np.float32), tokenizer_config={"name": "kiwi", "pos": True},
                       tokenizer=FakeKiwi() if tokenizer is None else tokenizer)


@pytest.fixture
def tagged():
    return morpheme_vectors()


def test_resolution_order_and_explanations(tagged):
    row = tagged.key_to_index
    assert tagged.resolve("밥/NNG").source == "vocabulary" and tagged.resolve("밥/NNG").explain() == "밥/NNG"
    token = tagged.resolve("밥")
    assert (token.source, token.row, token.explain()) == ("token", row["밥/NNG"], "밥 = 밥/NNG")
    composed = tagged.resolve("먹었다")
    assert composed.source == "composed" and composed.row is None
    assert composed.explain() == "먹었다 = 먹/VV + 었/EP + 다/EF"
    expected = tagged.vectors[[row["먹/VV"], row["었/EP"], row["다/EF"]]]
    np.testing.assert_allclose(tagged.get_vector("먹었다"), expected.sum(axis=0), rtol=1e-6)
    mean = tagged.resolve("먹었다", compose="mean")
    np.testing.assert_allclose(mean.vector, expected.mean(axis=0), rtol=1e-6)
    assert mean.explain() == "먹었다 = mean(먹/VV, 었/EP, 다/EF)"
    np.testing.assert_allclose(np.linalg.norm(tagged.get_vector("밥을", norm=True)), 1.0, rtol=1e-6)
    with pytest.raises(ValueError, match="compose"):
        tagged.resolve("밥을", compose="max")


def test_a_word_with_an_unknown_morpheme_has_no_vector(tagged):
    with pytest.raises(UnknownWordError, match=r"'책을' is not in the vocabulary .*splits it into 책/NNG \+ 을/JKO "
                                                r"\(query 을/JKO instead\)"):
        tagged.get_vector("책을")
    with pytest.raises(UnknownWordError):
        tagged["밥을"]  # item lookup stays a vocabulary row (or the tokenizer's single token)
    assert tagged["밥"] is not None


def test_queries_accept_composed_words(tagged):
    # 밥을 = 밥/NNG + 을/JKO is not a row, so no row is excluded: its two morphemes are its nearest words
    assert {word for word, _ in tagged.most_similar("밥을", topn=2)} == {"밥/NNG", "을/JKO"}
    # 밥을 - 밥 + 물 points at 물 + 을; 밥/NNG and 물/NNG are question rows, so 을/JKO is the best row
    assert tagged.analogy("밥", "밥을", "물", topn=1)[0][0] == "을/JKO"
    by_vectors = tagged.most_similar(positive=[tagged.get_vector("밥을")], topn=3)
    assert [w for w, _ in tagged.most_similar("밥을", topn=3)] == [w for w, _ in by_vectors]
    assert tagged.similarity("밥을", "물을") == pytest.approx(
        float(tagged.get_vector("밥을", norm=True) @ tagged.get_vector("물을", norm=True)))


class FakeSubwords:
    """Subword vectors for the strings in ``known`` (each a fixed sum of two rows), nothing for the others."""

    def __init__(self, wv, known):
        self.wv, self.known = wv, known

    def vector(self, word):
        if word not in self.known:
            return None
        first, second = self.known[word]
        return self.wv.vectors[first] + self.wv.vectors[second]

    def pieces(self, word):
        return [f"<{word[:1]}", word, f"{word[-1:]}>"]


def test_tokens_compose_before_the_whole_words_subwords_and_unknown_tokens_use_their_own(tagged):
    row = tagged.key_to_index
    tagged.subwords = FakeSubwords(tagged, {"밥을": (0, 1), "책/NNG": (4, 5), "낯선말": (6, 7)})
    composed = tagged.resolve("밥을")   # every morpheme known: composed, though the whole word has n-grams
    assert composed.source == "composed" and composed.explain() == "밥을 = 밥/NNG + 을/JKO"
    with_ngrams = tagged.resolve("책을")  # 책/NNG is unknown: its own n-gram vector + 을/JKO's row
    assert with_ngrams.source == "composed" and with_ngrams.pieces == ("책/NNG", "을/JKO")
    np.testing.assert_allclose(with_ngrams.vector, tagged.vectors[4] + tagged.vectors[5] + tagged.vectors[row["을/JKO"]],
                               rtol=1e-6)
    alone = tagged.resolve("책")        # one unknown token: the n-grams of the token, tag included
    assert alone.source == "subwords" and alone.explain() == "책 = mean of 3 subword n-grams (<책, 책/NNG, G>)"
    np.testing.assert_allclose(alone.vector, tagged.vectors[4] + tagged.vectors[5], rtol=1e-6)
    whole = tagged.resolve("낯선말")     # its token 낯선말/NNG has no n-grams: the word's own n-grams
    assert whole.source == "subwords" and whole.pieces == ("<낯", "낯선말", "말>")
    assert tagged.resolve("밥").source == "token"  # the tokenizer's in-vocabulary token wins over subwords
    with pytest.raises(UnknownWordError, match="'아무말' is not in the vocabulary"):
        tagged.resolve("아무말")


def test_a_cbow_subword_model_tries_the_whole_words_ngrams_before_composing():
    cbow = morpheme_vectors()
    cbow.config["model"] = "cbow"
    cbow.subwords = FakeSubwords(cbow, {"밥을": (0, 1), "책/NNG": (4, 5)})
    whole = cbow.resolve("밥을")
    assert whole.source == "subwords" and whole.pieces == ("<밥", "밥을", "을>")
    np.testing.assert_allclose(whole.vector, cbow.vectors[0] + cbow.vectors[1], rtol=1e-6)
    assert cbow.resolve("책을").source == "composed"   # no n-grams for the whole word: its tokens, as before
    assert cbow.resolve("밥").source == "token"


def test_gensim_keyed_vectors_names_match_gensim():
    gensim_models = pytest.importorskip("gensim.models")
    wv = toy_vectors()
    theirs = gensim_models.KeyedVectors(wv.vector_size)
    theirs.add_vectors(wv.index_to_key, wv.vectors)
    assert wv.index_to_key == theirs.index_to_key and wv.key_to_index == theirs.key_to_index
    assert wv.vector_size == theirs.vector_size == 16
    assert wv.n_similarity(["king", "man"], ["queen", "woman"]) == pytest.approx(
        float(theirs.n_similarity(["king", "man"], ["queen", "woman"])), abs=1e-6)
    assert wv.distance("paris", "france") == pytest.approx(float(theirs.distance("paris", "france")), abs=1e-6)
    np.testing.assert_allclose(wv.distances("king", ["queen", "man"]), theirs.distances("king", ["queen", "man"]),
                               atol=1e-6)
    np.testing.assert_allclose(wv.distances("king"), theirs.distances("king"), atol=1e-6)
    np.testing.assert_allclose(wv.distances(wv["king"]), theirs.distances(wv["king"]), atol=1e-6)
    with pytest.raises(ValueError, match="at least one word"):
        wv.n_similarity([], ["king"])


def test_the_saved_tokenizer_is_built_once_and_a_broken_one_means_unknown():
    calls = []

    def build(config):
        calls.append(config)
        return FakeKiwi()

    query = QueryTokenizer({"name": "kiwi", "pos": True}, build=build)
    assert [query(word) for word in ("밥을", "먹었다", "밥을")][1] == ["먹/VV", "었/EP", "다/EF"]
    assert calls == [{"name": "kiwi", "pos": True}]

    def broken(config):
        raise RuntimeError("no tagger here")

    assert QueryTokenizer({"name": "kiwi"}, build=broken)("밥을") == []
    assert QueryTokenizer(None, build=build)("밥을") == [] and len(calls) == 1
