"""--resume from anywhere: saved inputs reopened by absolute path and checked; options equal to the saved ones are
fine, different ones named with both values; subword models resume to the uninterrupted run's vectors."""

import os

import numpy as np
import pytest

from w2vlm.embeddings import Word2VecConfig, WordVectors, train_embeddings
from w2vlm.text import get_tokenizer, open_corpus

from tests.embeddings.test_resume import StopAfter

from .conftest import LM_SMALL, W2V_SMALL, assert_one_error, run, write_corpus


@pytest.fixture
def elsewhere(tmp_path):
    """Run the test from another working directory, then come back."""
    before = os.getcwd()
    other = tmp_path / "elsewhere"
    other.mkdir()
    yield other
    os.chdir(before)


def test_lm_resume_reopens_relative_valid_and_test_files_as_saved(tmp_path, elsewhere):
    work = tmp_path / "work"
    work.mkdir()
    for name, seed in (("train.txt", 0), ("valid.txt", 1), ("test.txt", 2)):
        write_corpus(work / name, lines=120, seed=seed)
    os.chdir(work)
    first = run("train-lm", "train.txt", "--valid", "valid.txt", "--test", "test.txt", "-o", "lm", "--epochs", 1,
                *LM_SMALL)
    assert first.exit_code == 0, first.output
    os.chdir(elsewhere)   # relative names would now point nowhere (or at other files)
    write_corpus(elsewhere / "valid.txt", lines=50, seed=7)
    resumed = run("train-lm", "--resume", work / "lm", "--epochs", 2)
    assert resumed.exit_code == 0, resumed.output
    write_corpus(work / "valid.txt", lines=120, seed=8)   # the saved file changed: refused, naming it
    assert_one_error(run("train-lm", "--resume", work / "lm", "--epochs", 3), "valid", "changed")


def test_embeddings_resume_refuses_another_subwords_and_accepts_a_restated_tokenizer(tmp_path, corpus):
    out = tmp_path / "v"
    assert run("train-embeddings", corpus, "-o", out, *W2V_SMALL).exit_code == 0
    assert_one_error(run("train-embeddings", "--resume", out, "--epochs", 2, "--subwords", "jamo"),
                     "--subwords jamo conflicts with the resumed run's off", code=2)
    assert_one_error(run("train-embeddings", "--resume", out, "--epochs", 2, "--tokenizer", "char"),
                     "--tokenizer char conflicts with the resumed run's whitespace", code=2)
    same = run("train-embeddings", "--resume", out, "--epochs", 2, "--tokenizer", "whitespace", "--dim", 8)
    assert same.exit_code == 0, same.output


def test_embeddings_resume_from_another_directory_finds_its_corpus(tmp_path, elsewhere):
    work = tmp_path / "work"
    work.mkdir()
    write_corpus(work / "train.txt")
    os.chdir(work)
    assert run("train-embeddings", "train.txt", "-o", "v", *W2V_SMALL).exit_code == 0
    os.chdir(elsewhere)
    resumed = run("train-embeddings", "--resume", work / "v", "--epochs", 2)
    assert resumed.exit_code == 0, resumed.output


@pytest.mark.parametrize("model, subwords", [("cbow", "jamo"), ("skipgram", "jamo"), (None, "auto")])
def test_a_subword_model_resumes_to_the_uninterrupted_vectors(tmp_path, model, subwords):
    """fastText's jamo model with either trainer, and the Korean default (auto: skip-gram, --whole-word-count 100)."""
    path = tmp_path / "ko.txt"
    stems, particles = ["학교", "사람", "영화", "음식", "나라"], ["가", "를", "에서", "의", "는"]
    rng = np.random.default_rng(0)
    path.write_text("\n".join(" ".join(rng.choice(stems) + rng.choice(particles) for _ in range(8))
                              for _ in range(300)) + "\n", encoding="utf-8")
    config = Word2VecConfig(model=model, dim=8, min_count=1, epochs=3, sample=0.0, subwords=subwords,
                            buckets=5000, block_words=300)
    corpus, tokenizer = open_corpus(str(path)), get_tokenizer("whitespace")
    whole, _ = train_embeddings(corpus, tmp_path / "whole", config, tokenizer=tokenizer, progress=False)
    _, stopped = train_embeddings(corpus, tmp_path / "part", config, tokenizer=tokenizer, progress=False,
                                  stop=StopAfter(4))
    assert stopped.interrupted
    for blocks in (3, 10_000):   # stop again mid-run, then run to the end
        _, history = train_embeddings(None, tmp_path / "part", resume=tmp_path / "part", progress=False,
                                      stop=StopAfter(blocks))
    assert not history.interrupted and len(history.epochs) == 3
    part = WordVectors.load(tmp_path / "part")
    np.testing.assert_array_equal(part.vectors, whole.vectors)
    np.testing.assert_array_equal(part.subwords.vector("학교를"), whole.subwords.vector("학교를"))
    if subwords == "auto":   # the decision is saved and resumed, and this corpus has words on both sides of it
        assert part.config["whole_word_count"] == 100 and part.config["model"] == "skipgram"
        assert min(part.counts) < 100 <= max(part.counts)
