"""The training loop on synthetic topic text: both paths learn, history/metrics, schedule, errors, threads."""

import json

import numpy as np
import pytest

from w2vlm.embeddings.training.runners import learning_rate
from w2vlm.embeddings.train import Word2VecConfig, train_word2vec
from w2vlm.history import History, write_metrics
from w2vlm.errors import TrainingError

TOPICS, PER_TOPIC = 4, 8


def topic_corpus(lines=600, seed=0):
    """Lines that each draw words from one of 4 topics of 8 words: (ids, line_offsets, counts) with ids by count."""
    rng = np.random.default_rng(seed)
    zipf = 1.0 / np.arange(1, PER_TOPIC + 1)
    parts, lengths = [], []
    for _ in range(lines):
        topic, length = rng.integers(TOPICS), rng.integers(6, 16)
        parts.append(topic * PER_TOPIC + rng.choice(PER_TOPIC, size=length, p=zipf / zipf.sum()))
        lengths.append(length)
    ids = np.concatenate(parts)
    counts = np.bincount(ids, minlength=TOPICS * PER_TOPIC)
    order = np.argsort(-counts, kind="stable")  # vocabulary ids by descending count, like a Vocab
    rank = np.empty_like(order)
    rank[order] = np.arange(len(order))
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return rank[ids].astype(np.int32), offsets, counts[order], order // PER_TOPIC  # last: topic of each vocab id


def _topic_accuracy(W, topic):
    unit = W / np.linalg.norm(W, axis=1, keepdims=True)
    sims = unit @ unit.T
    np.fill_diagonal(sims, -np.inf)
    return np.mean(topic[sims.argmax(axis=1)] == topic)


def _config(**changes):
    settings = dict(dim=16, window=3, min_count=1, sample=0.0, epochs=3, lr=0.05, seed=3)
    settings.update(changes)
    return Word2VecConfig(**settings)


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
@pytest.mark.parametrize("fast", [True, False])
def test_training_learns_topics(model, fast):
    ids, offsets, counts, topic = topic_corpus(lines=600 if fast else 250)  # the layered path steps 2 targets
    W_in, W_out, history = train_word2vec(ids, offsets, counts, _config(model=model), fused=fast, progress=False)
    assert W_in.shape == W_out.shape == (len(counts), 16) and W_in.dtype == np.float32
    losses = [epoch.loss for epoch in history.epochs]
    assert len(losses) == 3 and losses[-1] < losses[0]
    assert _topic_accuracy(W_in, topic) >= 0.9


def test_fast_and_reference_paths_reach_similar_loss():
    ids, offsets, counts, _ = topic_corpus(lines=250, seed=1)
    finals = [train_word2vec(ids, offsets, counts, _config(), fused=fast, progress=False)[2].loss
              for fast in (True, False)]
    assert finals[0] == pytest.approx(finals[1], rel=0.1)


def test_two_threads_train_and_one_thread_repeats_exactly():
    ids, offsets, counts, topic = topic_corpus(seed=2)
    one = [train_word2vec(ids, offsets, counts, _config(sample=1e-2), progress=False)[0] for _ in range(2)]
    np.testing.assert_array_equal(one[0], one[1])
    W_in, _, history = train_word2vec(ids, offsets, counts, _config(threads=2), progress=False)
    assert _topic_accuracy(W_in, topic) >= 0.9 and np.isfinite(history.loss)


def test_history_and_metrics_file(tmp_path):
    ids, offsets, counts, _ = topic_corpus(lines=100)
    config = _config(epochs=2, sample=1e-3)
    _, _, history = train_word2vec(ids, offsets, counts, config, raw_words=len(ids) + 50, progress=False)
    assert history.raw_words == len(ids) + 50
    assert history.words_per_sec == pytest.approx(history.raw_words * 2 / history.train_seconds)
    assert all(0 < epoch.trained_words <= len(ids) for epoch in history.epochs)
    assert [e.epoch for e in history.epochs] == [1, 2] and history.epochs[0].lr == config.lr
    assert history.epochs[1].lr == pytest.approx(learning_rate(config, 0.5))   # the rate the epoch began at
    write_metrics(tmp_path / "m.json", history)
    metrics = json.loads((tmp_path / "m.json").read_text())
    assert metrics["kind"] == "embeddings" and metrics["unit"] == "words" and metrics["raw_words"] == len(ids) + 50
    assert metrics["words_per_sec"] == metrics["items_per_sec"] == pytest.approx(history.words_per_sec)
    assert metrics["train_seconds"] == pytest.approx(sum(e["seconds"] for e in metrics["epochs"]))
    assert [set(e) >= {"epoch", "loss", "seconds", "items_per_sec", "lr", "words_per_sec", "trained_words"}
            for e in metrics["epochs"]] == [True, True]
    assert metrics["interrupted"] is False and metrics["stopped_early"] is False
    assert metrics["config"]["sample"] == 1e-3 and metrics["config"]["model"] == "cbow"


def test_learning_rate_decays_linearly_to_min_lr():
    config = Word2VecConfig(lr=0.025, min_lr=0.0001)
    assert learning_rate(config, 0.0) == 0.025
    assert learning_rate(config, 0.5) == pytest.approx((0.025 + 0.0001) / 2)
    assert learning_rate(config, 1.0) == pytest.approx(0.0001)


@pytest.mark.parametrize("changes, message", [
    (dict(model="glove"), "unknown model"), (dict(dim=0), "--dim"), (dict(negatives=0), "--negatives"),
    (dict(lr=0.01, min_lr=0.1), "--min-lr"), (dict(sample=-1.0), "--sample"), (dict(max_vocab=1), "--max-vocab"),
])
def test_bad_settings_are_training_errors(changes, message):
    with pytest.raises(TrainingError, match=message):
        Word2VecConfig(**changes)


def test_too_small_corpus_names_the_fix():
    with pytest.raises(TrainingError, match="only 1 words.*lower --min-count"):
        train_word2vec(np.array([0], dtype=np.int32), np.array([0, 1]), np.array([1, 1]), _config(), progress=False)


def test_history_without_epochs_has_nan_loss():
    assert np.isnan(History("embeddings", raw_words=10).loss)


def test_the_library_assembles_config_json_as_the_cli_writes_it(tmp_path):
    from tests.embeddings.test_subword_train import eojeol_corpus
    from w2vlm import ResumeRecord
    from w2vlm.embeddings import WordVectors, train_embeddings
    encoded = eojeol_corpus(tmp_path, lines=80)
    config = Word2VecConfig(dim=8, min_count=1, epochs=1, sample=0.0)
    vectors, history = train_embeddings(encoded, tmp_path / "v", config, progress=False,
                                        run={"corpus_specs": ["x.txt"]})
    saved = WordVectors.load(tmp_path / "v").config
    record = ResumeRecord.load(tmp_path / "v", "embeddings")
    assert saved["dim"] == 8 and saved["corpus_digest"] == encoded.digest and saved["corpus"] == encoded.description
    assert saved["training"]["loss"] == pytest.approx(history.loss) and saved["incomplete"] is False
    assert record.to_json() == history.state.to_json() and saved["corpus_specs"] == ["x.txt"]
    assert record.corpus["digest"] == encoded.digest and record.epoch == 1 and set(record.arrays) == {"W_in", "W_out"}
    assert saved["kind"] == "embeddings" and saved["tokenizer"]["name"] == "whitespace"
