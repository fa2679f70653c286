"""Training subword (fastText) vectors, jamo and jamo+char: both paths learn, unseen eojeol get vectors, artifacts."""

import json

import numpy as np
import pytest

from w2vlm.embeddings.kernels import subword_cpu
from w2vlm.embeddings.subword.models import SubwordSkipGram, padded_rows
from w2vlm.embeddings.subword.train import SubwordRows
from w2vlm.embeddings.subword.ngrams import SubwordScheme
from w2vlm.embeddings.train import Word2VecConfig, train_vectors, train_word2vec
from w2vlm.embeddings.vectors import WordVectors
from w2vlm.errors import ArtifactError, TrainingError
from w2vlm.nn.optim import SGD
from w2vlm.text.corpus import open_corpus
from w2vlm.text.encode import encode_corpus
from w2vlm.text.tokenize import get_tokenizer

STEMS = [["학교", "교실", "선생님", "숙제"], ["바다", "파도", "모래", "여름"], ["영화", "배우", "감독", "극장"]]
PARTICLES = ["을", "를", "이", "가", "에", "도", "은", "는", "의"]
HELD_OUT = "학교의"  # never in the corpus: its vector comes from n-grams alone


def eojeol_lines(lines=500, seed=0):
    """Lines of eojeol (stem + particle), each from one topic; HELD_OUT never occurs."""
    rng = np.random.default_rng(seed)
    text = []
    for _ in range(lines):
        stems = STEMS[rng.integers(len(STEMS))]
        words = [stems[rng.integers(4)] + PARTICLES[rng.integers(len(PARTICLES))] for _ in range(rng.integers(5, 12))]
        text.append(" ".join(w for w in words if w != HELD_OUT))
    return text


def eojeol_corpus(directory, lines=500, seed=0):
    """``eojeol_lines`` encoded with whitespace tokens (an EncodedCorpus)."""
    path = directory / f"eojeol-{lines}-{seed}.txt"
    path.write_text("\n".join(eojeol_lines(lines, seed)) + "\n", encoding="utf-8")
    return encode_corpus(open_corpus(str(path)), get_tokenizer("whitespace"), cache=False, progress=False)


def _config(**changes):
    settings = dict(dim=24, window=3, min_count=1, sample=0.0, epochs=4, lr=0.05, seed=1, subwords="jamo",
                    buckets=100_000)
    settings.update(changes)
    return Word2VecConfig(**settings)


def _topic(word):
    return next(t for t, stems in enumerate(STEMS) for stem in stems if word.startswith(stem))


def _neighbour_topic_accuracy(vectors):
    hits = [_topic(vectors.most_similar(word, topn=1)[0][0]) == _topic(word) for word in vectors.words]
    return np.mean(hits)


# CBOW: window-batched updates (the default) and fastText's per-target ones; skip-gram has one update rule
MODELS_AND_UPDATES = [("cbow", "window"), ("cbow", "target"), ("skipgram", "window")]


@pytest.mark.parametrize("model, updates", MODELS_AND_UPDATES)
def test_fast_path_learns_topics_and_gives_unseen_eojeol_a_vector(model, updates, tmp_path):
    vectors, history = train_vectors(eojeol_corpus(tmp_path), _config(model=model, subword_updates=updates),
                                        progress=False)
    assert history.epochs[-1].loss < history.epochs[0].loss
    assert _neighbour_topic_accuracy(vectors) > 0.9
    assert HELD_OUT not in vectors
    unseen = vectors.subwords.vector(HELD_OUT)
    assert unseen.shape == (24,) and unseen.dtype == np.float32
    nearest = [word for word, _ in vectors.most_similar(positive=[unseen], topn=5)]
    assert sum(word.startswith("학교") for word in nearest) >= 3, nearest
    assert vectors.subwords.pieces(HELD_OUT)[:3] == ["<ㅎㅏ", "<ㅎㅏㄱ", "<ㅎㅏㄱㄱ"]


@pytest.mark.parametrize("model, subwords", [("cbow", "jamo"), ("skipgram", "jamo"), ("skipgram", "jamo+char")])
def test_layered_reference_learns_too(model, subwords, tmp_path):
    encoded = eojeol_corpus(tmp_path, lines=200)
    config = _config(model=model, epochs=3, batch_size=4, subwords=subwords)
    table = SubwordRows.build(encoded.types, config.subword_scheme())
    for fast in (False, True):
        W_in, W_out, history = train_word2vec(encoded.ids, encoded.line_offsets, encoded.counts, config, fused=fast,
                                              progress=False, subword_rows=table)
        assert W_in.shape == (table.n_rows, 24) and W_out.shape == (len(encoded.types), 24)
        assert history.epochs[-1].loss < history.epochs[0].loss < 4.2  # starts at 6 log 2 = 4.16
        words, _ = table.split(W_in)
        fitted = WordVectors(encoded.types, words)
        assert _neighbour_topic_accuracy(fitted) > 0.8, (fast, model)


def test_only_used_buckets_are_stored_and_the_artifact_round_trips(tmp_path):
    vectors, _ = train_vectors(eojeol_corpus(tmp_path, lines=200), _config(buckets=2_000_000, epochs=1), progress=False)
    subwords = vectors.subwords
    distinct = {int(b) for word in vectors.words for b in SubwordScheme("jamo").bucket_ids(word)}
    assert len(subwords.buckets) == len(distinct) < 2000
    vectors.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["subwords"] == {"kind": "jamo", "min_n": 3, "max_n": 6, "buckets": 2_000_000}
    loaded = WordVectors.load(tmp_path / "m")
    np.testing.assert_array_equal(loaded.subwords.vectors, subwords.vectors)
    np.testing.assert_array_equal(loaded.subwords.buckets, subwords.buckets)
    np.testing.assert_array_equal(loaded.subwords.vector(HELD_OUT), subwords.vector(HELD_OUT))
    assert set(loaded.extra_arrays) == {"output_weights"}
    assert WordVectors(["a", "b"], np.ones((2, 3))).subwords is None


def test_composed_word_vector_is_the_mean_of_its_rows(tmp_path):
    encoded = eojeol_corpus(tmp_path, lines=100)
    config = _config(epochs=1)
    table = SubwordRows.build(encoded.types, config.subword_scheme())
    W_in, _, _ = train_word2vec(encoded.ids, encoded.line_offsets, encoded.counts, config, progress=False,
                                subword_rows=table)
    words, subwords = table.split(W_in)
    word = encoded.types[0]
    rows = table.rows[table.row_offsets[0]:table.row_offsets[1]]
    np.testing.assert_allclose(words[0], W_in[rows].mean(axis=0), rtol=1e-5)
    # the subword part alone: the same n-gram rows without the word's own row
    np.testing.assert_allclose(subwords.vector(word), W_in[rows[1:]].mean(axis=0), rtol=1e-5)


def test_unknown_ngrams_give_none_and_bad_settings_are_errors(tmp_path):
    vectors, _ = train_vectors(eojeol_corpus(tmp_path, lines=100), _config(epochs=1), progress=False)
    assert vectors.subwords.vector("xyz") is None and vectors.subwords.pieces("xyz") == []
    with pytest.raises(TrainingError, match="--min-n"):
        _config(min_n=5, max_n=3)
    with pytest.raises(TrainingError, match="--subwords"):
        _config(subwords="bpe")
    vectors.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    config["subwords"]["min_n"] = 0
    (tmp_path / "m" / "config.json").write_text(json.dumps(config))
    with pytest.raises(ArtifactError, match="subword part"):
        WordVectors.load(tmp_path / "m")


@pytest.mark.parametrize("model, updates", MODELS_AND_UPDATES)
def test_two_hogwild_threads_learn_as_one_does(model, updates, tmp_path):
    vectors, history = train_vectors(eojeol_corpus(tmp_path), _config(model=model, threads=2,
                                                                         subword_updates=updates), progress=False)
    assert history.epochs[-1].loss < history.epochs[0].loss
    assert _neighbour_topic_accuracy(vectors) > 0.9


def test_jamo_plus_char_trains_and_its_artifact_records_the_scheme(tmp_path):
    vectors, history = train_vectors(eojeol_corpus(tmp_path), _config(subwords="jamo+char", model="skipgram"),
                                        progress=False)
    assert history.epochs[-1].loss < history.epochs[0].loss
    assert _neighbour_topic_accuracy(vectors) > 0.9
    pieces = vectors.subwords.pieces(HELD_OUT)  # 학교의: jamo n-grams, then the syllable n-grams training saw
    assert pieces[:2] == ["<ㅎㅏ", "<ㅎㅏㄱ"] and ["<학", "<학교", "학", "학교", "교"] == [
        piece for piece in pieces if piece in ("<학", "<학교", "학", "학교", "교")]
    nearest = [word for word, _ in vectors.most_similar(positive=[vectors.subwords.vector(HELD_OUT)], topn=5)]
    assert sum(word.startswith("학교") for word in nearest) >= 3, nearest
    vectors.save(tmp_path / "m")
    config = json.loads((tmp_path / "m" / "config.json").read_text())
    assert config["subwords"] == {"kind": "jamo+char", "min_n": 3, "max_n": 6, "buckets": 100_000,
                                  "min_char_n": 1, "max_char_n": 4}
    loaded = WordVectors.load(tmp_path / "m")
    assert loaded.subwords.scheme == vectors.subwords.scheme
    np.testing.assert_array_equal(loaded.subwords.vector(HELD_OUT), vectors.subwords.vector(HELD_OUT))


def test_kernel_matches_the_reference_on_a_jamo_plus_char_table():
    """The numba skip-gram step and the layered model agree on the long row lists jamo+char builds (buckets small
    enough for collisions inside a word, so some gains are not 1)."""
    words = ["학교", "학교에", "학교의", "바다", "바다를", "영화관"]
    table = SubwordRows.build(words, SubwordScheme("jamo+char", 3, 5, buckets=97, min_char_n=1, max_char_n=4))
    assert np.diff(table.row_offsets).max() > 30 and not np.all(table.gains == 1)
    rng = np.random.default_rng(3)
    W_in = (rng.standard_normal((table.n_rows, 6)) * 0.3).astype(np.float32)
    W_out = (rng.standard_normal((len(words), 6)) * 0.3).astype(np.float32)
    model = SubwordSkipGram(padded_rows(table.row_offsets, table.rows), weights=(W_in.copy(), W_out.copy()),
                            negatives=2)
    for center in (2, 0, 5, 2):
        contexts = rng.integers(0, len(words), size=3)
        negatives = np.array([rng.permutation(len(words))[:2] for _ in contexts])
        fast_loss = subword_cpu.skipgram_step(W_in, W_out, table.row_offsets, table.rows, table.gains, center,
                                              contexts, negatives, 0.05)
        ref_loss = 0.0
        for context, negs in zip(contexts, negatives):
            ref_loss += float(model.forward(np.array([[context]]), np.array([center]), np.array([negs])))
            model.backward()
            SGD(0.05).update(model.params, model.grads)
        assert fast_loss == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(W_in, model.params[0], atol=1e-5)
    np.testing.assert_allclose(W_out, model.params[1], atol=1e-5)
