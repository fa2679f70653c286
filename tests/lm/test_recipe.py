"""train_lm, the library recipe: data, model, best checkpoint, resume as the same run, initial vectors."""

import numpy as np
import pytest

from w2vlm.embeddings import WordVectors
from w2vlm.errors import CorpusError, RunFinished, TrainingError
from w2vlm.lm import load_lm, perplexity, train_lm
from w2vlm.text import get_tokenizer, open_corpus

SMALL = {"embed_size": 8, "hidden_size": 8}


@pytest.fixture
def corpus(tmp_path):
    rng = np.random.default_rng(0)
    words = ["the", "cat", "sat", "on", "a", "mat", "dog", "ran"]
    lines = [" ".join(rng.choice(words, size=6)) for _ in range(120)]
    path = tmp_path / "text.txt"
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")
    return path


def run(corpus, out, epochs=2, **kwargs):
    return train_lm(open_corpus(str(corpus)), out, SMALL, {"epochs": epochs, "batch_size": 4, "bptt": 5},
                    tokenizer=get_tokenizer("whitespace"), progress=False, **kwargs)


def test_train_lm_returns_the_saved_best_model(corpus, tmp_path):
    lm, history = run(corpus, tmp_path / "lm")
    assert len(history.epochs) == 2 and history.best_epoch in (1, 2) and history.test_ppl is not None
    loaded = load_lm(tmp_path / "lm")
    for name, value in loaded.model.state_dict().items():
        np.testing.assert_array_equal(lm.model.state_dict()[name], value)
    assert loaded.vocab.words == lm.vocab.words and loaded.config["run"]["corpus_digest"]
    assert loaded.config["training"]["epochs"] == 2 and loaded.config["model"]["hidden_size"] == 8
    ids = np.append(lm.vocab.encode("the cat sat on a mat".split()), lm.start_id)
    assert perplexity(lm.model, ids, lm.start_id) == pytest.approx(perplexity(loaded.model, ids, lm.start_id))
    assert np.isfinite(history.test_ppl) and history.test_ppl > 1.0


def test_resume_continues_the_same_run(corpus, tmp_path):
    whole, _ = run(corpus, tmp_path / "whole", epochs=3)
    run(corpus, tmp_path / "part", epochs=2)
    resumed, history = train_lm(open_corpus(str(corpus)), tmp_path / "part", training={"epochs": 3, "batch_size": 4,
                                                                                          "bptt": 5},
                                resume=tmp_path / "part", progress=False)
    assert len(history.epochs) == 3
    assert resumed.model.config == whole.model.config   # the saved model settings
    whole_state, resumed_state = whole.model.state_dict(), resumed.model.state_dict()
    for name in whole_state:
        np.testing.assert_allclose(resumed_state[name], whole_state[name], rtol=1e-5, atol=1e-6)
    with pytest.raises(RunFinished, match="already finished 3 of its 3 epochs"):
        train_lm(open_corpus(str(corpus)), tmp_path / "part", training={"epochs": 3}, resume=tmp_path / "part",
                 progress=False)
    other = tmp_path / "other.txt"
    other.write_text("a different text\n" * 30, encoding="utf-8")
    with pytest.raises(CorpusError, match="corpus differs"):
        train_lm(open_corpus(str(other)), tmp_path / "part", training={"epochs": 5}, resume=tmp_path / "part",
                 progress=False)


def test_initial_vectors_fill_the_shared_words(corpus, tmp_path):
    vectors = WordVectors(["cat", "dog", "zebra"], np.full((3, 8), 0.5, dtype=np.float32))
    lm, _ = run(corpus, tmp_path / "lm", epochs=1, init_vectors=vectors)
    assert lm.model.params[0].shape[1] == 8
    with pytest.raises(TrainingError, match="no word of the initial word vectors"):
        run(corpus, tmp_path / "lm2", epochs=1, init_vectors=WordVectors(["zebra"], np.ones((1, 8), np.float32)))
