"""Issue 21 item 20: one divergence guard for both trainers; a diverged LM run is one Error line, exit 1, and
the model already in -o stays as it was (no diverged model saved as if it were good)."""

import pytest

from w2vlm.divergence import DivergenceGuard
from w2vlm.embeddings import Word2VecConfig
from w2vlm.errors import TrainingError
from w2vlm.lm.train import TrainConfig

from .conftest import LM_SMALL, assert_one_error, run


def _files(directory):
    return {p.name: p.read_bytes() for p in directory.iterdir()}


@pytest.mark.parametrize("optimizer", ["adam", "sgd"])
def test_lm_at_an_absurd_learning_rate_stops_with_an_error(corpus, tmp_path, lm_dir, optimizer):
    before = _files(lm_dir)
    result = run("train-lm", corpus, "-o", lm_dir, *LM_SMALL, "--optimizer", optimizer, "--lr", "1000",
                 "--epochs", "2")
    assert_one_error(result, "diverged in epoch 1", "lower --lr (now 1000)")
    assert "OverflowError" not in result.output
    assert _files(lm_dir) == before   # the good model from before is kept whole
    fresh = tmp_path / "fresh"
    assert_one_error(run("train-lm", corpus, "-o", fresh, *LM_SMALL, "--optimizer", optimizer, "--lr", "1000"),
                     "nothing was saved")
    assert not fresh.exists()


def test_both_trainers_share_the_guard():
    lm = DivergenceGuard.for_lm(1000, TrainConfig())
    lm.check(6.9, "in epoch 1")   # about ln(1000): a fresh model
    for loss in (float("nan"), float("inf"), 6.9 + 2):   # a perplexity of 7,400 on 1,000 words
        with pytest.raises(TrainingError, match="diverged in epoch 1.*lower --lr"):
            lm.check(loss, "in epoch 1")
    word2vec = DivergenceGuard.for_word2vec(Word2VecConfig())
    word2vec.check(4.0, "in epoch 1")
    with pytest.raises(TrainingError, match="diverged"):
        word2vec.check(1e4, "in epoch 1")
