"""WordVectors: lookups, cosine neighbours, 3CosAdd/3CosMul on hand-made geometry, gensim parity, save/load."""

import json

import numpy as np
import pytest

from w2vlm import atomic_files
from w2vlm.embeddings.vectors import WordVectors
from w2vlm.errors import ArtifactError, QueryError, UnknownWordError

DIM = 16
ROYAL, MALE, ROYAL_KO, MALE_KO, CAPITAL = 0, 1, 2, 3, 4
COUNTRIES = {"france": 5, "germany": 6, "japan": 7, "korea": 8, "italy": 9}
CAPITALS = {"france": "paris", "germany": "berlin", "japan": "tokyo", "korea": "seoul", "italy": "rome"}


def toy_vectors(filler=20, seed=0):
    """Vectors with known analogies: king - man + woman = queen, 왕 - 남자 + 여자 = 여왕, paris - france + X = its capital.

    Meaningful words live on their own axes; filler words live on axes 10-15 only, so they never win a query.
    """
    def axis(*pairs):
        vector = np.zeros(DIM)
        for index, value in pairs:
            vector[index] = value
        return vector

    table = {
        "the": axis((10, 1.0), (11, 0.5)),
        "king": axis((ROYAL, 1), (MALE, 1)), "queen": axis((ROYAL, 1), (MALE, -1)),
        "man": axis((MALE, 1)), "woman": axis((MALE, -1)),
        "왕": axis((ROYAL_KO, 1), (MALE_KO, 1)), "여왕": axis((ROYAL_KO, 1), (MALE_KO, -1)),
        "남자": axis((MALE_KO, 1)), "여자": axis((MALE_KO, -1)),
    }
    for country, index in COUNTRIES.items():
        table[country] = axis((index, 1.0))
        table[CAPITALS[country]] = axis((index, 1.0), (CAPITAL, 0.8))
    rng = np.random.default_rng(seed)
    for i in range(filler):
        table[f"filler{i}"] = np.r_[np.zeros(10), rng.normal(size=DIM - 10)]
    words = list(table)
    vectors = np.array([table[word] for word in words]) + rng.normal(scale=0.01, size=(len(words), DIM))
    counts = np.arange(len(words), 0, -1) * 10
    return WordVectors(words, vectors.astype(np.float32), counts)


@pytest.fixture
def wv():
    return toy_vectors()


def test_lookups_are_read_only_and_gensim_like(wv):
    assert len(wv) == 39 and wv.dim == DIM and "여왕" in wv and "nope" not in wv
    vector = wv["여왕"]
    assert vector.shape == (DIM,) and vector.dtype == np.float32 and not vector.flags.writeable
    with pytest.raises(ValueError):
        vector[0] = 1.0
    assert wv[["king", "queen"]].shape == (2, DIM)
    assert wv.index("king") == wv.words.index("king") == wv.key_to_index["king"]
    assert wv.counts.dtype == np.int64 and wv.counts[0] == 390
    np.testing.assert_allclose(np.linalg.norm(wv.get_vector("king", norm=True)), 1.0, rtol=1e-6)


def test_constructor_checks_shapes_and_duplicates():
    with pytest.raises(ValueError, match="shape"):
        WordVectors(["a", "b"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="duplicate word 'a'"):
        WordVectors(["a", "b", "a"], np.zeros((3, 2)))
    with pytest.raises(ValueError, match="counts"):
        WordVectors(["a"], np.zeros((1, 2)), counts=[1, 2])


def test_caller_array_stays_writable():
    live = np.zeros((2, 3), dtype=np.float32)
    WordVectors(["a", "b"], live)
    live[0, 0] = 1.0  # training code may keep using its own matrix


def test_most_similar_excludes_queries_and_ranks_by_cosine(wv):
    results = wv.most_similar("paris", topn=3)
    assert results[0][0] == "france" and all(word != "paris" for word, _ in results)
    assert all(isinstance(word, str) and isinstance(score, float) for word, score in results)
    assert [s for _, s in results] == sorted((s for _, s in results), reverse=True)
    assert wv.most_similar(positive=["왕", "여자"], negative=["남자"], topn=1)[0][0] == "여왕"
    assert wv.most_similar("king", topn=1000)[-1][0] not in ("king",) and len(wv.most_similar("king", topn=1000)) == 38
    restricted = wv.most_similar("king", topn=100, restrict_vocab=5)
    assert {word for word, _ in restricted} <= set(wv.words[:5]) - {"king"}
    with pytest.raises(ValueError):
        wv.most_similar([])


def test_a_word_on_both_sides_is_a_query_error_except_in_analogies(wv):
    for query in (wv.most_similar, wv.most_similar_cosmul):
        with pytest.raises(QueryError, match="'king' is given both as positive and as negative"):
            query(positive=["king", "man"], negative=["king"])
    assert wv.analogy("king", "king", "woman")[0][0] != "king"   # a:a::c:? stays answerable, as in gensim


@pytest.mark.parametrize("method", ["add", "mul"])
def test_analogy_known_answers(wv, method):
    assert wv.analogy("man", "king", "woman", method=method)[0][0] == "queen"
    assert wv.analogy("남자", "왕", "여자", method=method)[0][0] == "여왕"
    for country, capital in CAPITALS.items():
        for other in COUNTRIES:
            if other != country:
                assert wv.analogy(country, capital, other, method=method)[0][0] == CAPITALS[other]
    assert len(wv.analogy("man", "king", "woman", method=method, topn=3)) == 3
    with pytest.raises(ValueError, match="add"):
        wv.analogy("man", "king", "woman", method="nope")


def test_similarity_and_doesnt_match(wv):
    assert wv.similarity("king", "king") == pytest.approx(1.0, abs=1e-6)
    assert wv.similarity("man", "woman") == pytest.approx(-1.0, abs=0.01)
    assert wv.similarity("왕", "여왕") == pytest.approx(0.0, abs=0.05)
    assert isinstance(wv.similarity("paris", "france"), float)
    assert wv.doesnt_match(["france", "paris", "germany", "berlin", "여왕"]) == "여왕"


def test_unknown_word_names_vocabulary_size_and_close_spellings(wv):
    with pytest.raises(UnknownWordError) as info:
        wv["kinng"]
    assert str(info.value) == "'kinng' is not in the vocabulary (39 words); closest spellings: king"
    with pytest.raises(UnknownWordError, match="closest spellings: Paris|paris"):
        wv.most_similar("PARIS")
    with pytest.raises(KeyError, match=r"'xyzzy' is not in the vocabulary \(39 words\)$"):
        wv.similarity("king", "xyzzy")
    tagged = WordVectors(["대통령/NNG", "국민/NNG"], np.eye(2, dtype=np.float32))
    with pytest.raises(UnknownWordError, match="closest spellings: 대통령/NNG"):
        tagged["대통령"]


def test_unknown_word_suggestions_are_cheap_on_a_large_vocabulary():
    import time
    words = [f"w{i:06d}x" for i in range(200_000)]
    big = WordVectors(words, np.zeros((len(words), 1), dtype=np.float32))
    start = time.perf_counter()
    with pytest.raises(UnknownWordError):
        big["w000001y"]
    assert time.perf_counter() - start < 2.0


class NounTagger:
    """A stand-in tokenizer that pos-tags every word as a common noun."""

    def tokenize(self, line):
        return [f"{word}/NNG" for word in line.split()]


def test_queries_fall_back_to_the_saved_tokenizer():
    words = ["대통령/NNG", "국민/NNG", "시민/NNG"]
    vectors = np.array([[1, 0, 0], [0.2, 1, 0], [0.3, 0.9, 0.1]], dtype=np.float32)
    tagged = WordVectors(words, vectors, tokenizer_config={"name": "kiwi", "pos": True}, tokenizer=NounTagger())
    assert tagged.most_similar("국민", topn=1) == tagged.most_similar("국민/NNG", topn=1)
    assert tagged.most_similar("국민", topn=1)[0][0] == "시민/NNG"
    expected = tagged.similarity("대통령/NNG", "국민/NNG")
    assert tagged.similarity("대통령", "국민/NNG") == pytest.approx(expected)
    with pytest.raises(UnknownWordError, match=r"splits it into 대통령/NNG \+ 국민/NNG \(query 대통령/NNG, 국민/NNG"):
        tagged["대통령 국민"]  # two tokens: not one word
    plain = WordVectors(words, vectors)  # no tokenizer settings: no fallback
    with pytest.raises(UnknownWordError):
        plain["국민"]


def test_gensim_names_on_known_geometry_and_resolved_words(wv):
    assert wv.rank("france", "paris") == 1 and wv.closer_than("france", "paris") == []
    assert wv.most_similar_to_given("king", ["man", "queen", "paris"]) in ("man", "queen")
    scores = wv.most_similar("paris", topn=None, restrict_vocab=12)
    assert scores.shape == (12,) and scores.dtype == np.float32
    assert wv.similar_by_vector(wv["paris"], topn=1)[0][0] == "paris"   # a vector query leaves nothing out
    assert wv.relative_cosine_similarity("paris", "france", topn=1) == pytest.approx(1.0)
    tagged = WordVectors(["대통령/NNG", "국민/NNG", "시민/NNG"], np.eye(3, dtype=np.float32) + 0.1,
                         tokenizer_config={"name": "kiwi"}, tokenizer=NounTagger())
    assert tagged.similar_by_word("국민", topn=1) == tagged.similar_by_word("국민/NNG", topn=1)
    assert tagged.rank("국민", "시민") == tagged.rank("국민/NNG", "시민/NNG")
    with pytest.raises(UnknownWordError):
        tagged.get_index("국민")   # gensim's exact lookup; index() is the resolving one
    assert tagged.index("국민") == 1 and not tagged.has_index_for("국민")


def test_save_and_load_round_trip(tmp_path, wv):
    tokenizer = {"name": "kiwi", "version": "0.24", "pos": False}
    output = np.ones((len(wv), DIM))
    wv.save(tmp_path / "m", {"model": "cbow", "window": 5}, tokenizer, {"output": output})
    names = sorted(p.name for p in (tmp_path / "m").iterdir())
    assert names == ["config.json", "params.npz", "vectors.txt", "vocab.json"]
    loaded = WordVectors.load(tmp_path / "m")
    assert loaded.words == wv.words and loaded.vectors.dtype == np.float32
    np.testing.assert_array_equal(loaded.vectors, wv.vectors)
    np.testing.assert_array_equal(loaded.counts, wv.counts)
    assert loaded.tokenizer_config == tokenizer
    assert loaded.config["kind"] == "embeddings" and loaded.config["window"] == 5
    assert loaded.config["dim"] == DIM and loaded.config["vocab_size"] == len(wv)
    assert loaded.extra_arrays["output"].dtype == np.float32
    assert loaded.analogy("남자", "왕", "여자")[0][0] == "여왕"
    loaded.save(tmp_path / "again")  # re-saving keeps config and tokenizer settings
    assert WordVectors.load(tmp_path / "again").config["window"] == 5
    assert WordVectors.load(tmp_path / "again").tokenizer_config == tokenizer
    assert atomic_files.read_json(tmp_path / "m" / "vocab.json")["words"][1] == "king"
    without_counts = WordVectors(["a", "b"], np.eye(2))
    without_counts.save(tmp_path / "nc")
    assert WordVectors.load(tmp_path / "nc").counts is None
    assert not list((tmp_path / "m").glob(".*.tmp"))  # atomic writes leave no temp files


def test_load_refuses_wrong_kind_missing_and_damaged(tmp_path, wv):
    with pytest.raises(ArtifactError, match="does not exist"):
        WordVectors.load(tmp_path / "nothing")
    atomic_files.save_config(tmp_path / "lm", "lm", {"hidden_size": 8})
    with pytest.raises(ArtifactError, match="language model"):
        WordVectors.load(tmp_path / "lm")
    with pytest.raises(ArtifactError, match="holds a language model"):
        wv.save(tmp_path / "lm")
    wv.save(tmp_path / "m")
    (tmp_path / "m" / "params.npz").write_bytes(b"not a zip")
    with pytest.raises(ArtifactError, match="damaged"):
        WordVectors.load(tmp_path / "m")
    wv.save(tmp_path / "m")
    atomic_files.write_json(tmp_path / "m" / "vocab.json", {"words": ["only", "two"], "counts": None})
    with pytest.raises(ArtifactError, match="damaged"):
        WordVectors.load(tmp_path / "m")
    wv.save(tmp_path / "m")
    (tmp_path / "m" / "vocab.json").unlink()
    with pytest.raises(ArtifactError, match="missing"):
        WordVectors.load(tmp_path / "m")
    wv.save(tmp_path / "m")
    atomic_files.save_arrays(tmp_path / "m" / "params.npz", {"other": np.zeros(3)})
    with pytest.raises(ArtifactError, match="vectors"):
        WordVectors.load(tmp_path / "m")


def test_save_skips_vectors_txt_when_words_hold_spaces(tmp_path, caplog):
    spaced = WordVectors(["new york", "서울"], np.eye(2, dtype=np.float32))
    spaced.save(tmp_path / "m")
    assert not (tmp_path / "m" / "vectors.txt").exists()
    assert "whitespace" in caplog.text
    assert WordVectors.load(tmp_path / "m").words == ["new york", "서울"]


def test_a_list_lookup_is_a_read_only_copy(wv):
    rows = wv[["여왕", "왕"]]
    assert not rows.flags.writeable
    with pytest.raises(UnknownWordError, match="'7' is not in the vocabulary"):
        wv.index(7)


def test_word_vectors_hold_a_vocab_and_load_the_older_vocab_layout(tmp_path):
    from w2vlm import write_json
    from w2vlm.text import Vocab
    wv = WordVectors(["a", "b", "c"], np.eye(3, dtype=np.float32), [5, 3, 1])
    assert isinstance(wv.vocab, Vocab) and wv.key_to_index is wv.vocab.key_to_index
    assert wv.counts.tolist() == [5, 3, 1] and wv.words == ["a", "b", "c"]
    wv.save(tmp_path / "v")
    saved = json.loads((tmp_path / "v" / "vocab.json").read_text(encoding="utf-8"))
    assert saved == {"words": ["a", "b", "c"], "counts": [5, 3, 1], "unk": None, "eos": None}   # Vocab.save's layout
    write_json(tmp_path / "v" / "vocab.json", {"words": ["a", "b", "c"], "counts": [5, 3, 1]})   # the older one
    old = WordVectors.load(tmp_path / "v")
    assert old.words == ["a", "b", "c"] and old.counts.tolist() == [5, 3, 1]
    np.testing.assert_array_equal(old["b"], wv["b"])
    with pytest.raises(ValueError, match="counts in the Vocab"):
        WordVectors(wv.vocab, wv.vectors, [1, 1, 1])
