"""The shared-negative (HogBatch) kernel against its layered reference, a numerical gradient check, and training."""

import numpy as np
import pytest

from tests.embeddings.test_resume import StopAfter
from tests.embeddings.test_train import _topic_accuracy, topic_corpus
from w2vlm.embeddings.cbow import CBOW, SkipGram
from w2vlm.embeddings.kernels import word2vec_batched
from w2vlm.embeddings.train import Word2VecConfig, train_word2vec
from w2vlm.errors import TrainingError
from w2vlm.nn.optim import SGD

LR = 0.05


def _weights(seed, vocab=40, dim=12):
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal((vocab, dim)) * 0.3).astype(np.float32),
            (rng.standard_normal((vocab, dim)) * 0.3).astype(np.float32))


def _window(seed, vocab=40, negatives=5, size=None):
    """Context words (repeats allowed: a word twice in a window), a center, and negatives distinct from it."""
    rng = np.random.default_rng(seed)
    center = int(rng.integers(vocab))
    others = np.array([w for w in range(vocab) if w != center])
    contexts = rng.choice(others, size=size or int(rng.integers(1, 9)))
    negs = rng.choice(others, size=negatives, replace=False)
    return contexts, center, negs


def layered_skipgram_step(model, contexts, center, negs, lr=LR):
    """The batched estimator with the layered model: the C pairs (context -> center) in one batch with the same
    negatives, one SGD step of lr * C (the model averages over the batch; the kernel sums)."""
    C = len(contexts)
    loss = model.forward(np.full((C, 1), center), np.asarray(contexts), np.tile(negs, (C, 1)))
    model.backward()
    SGD(lr * C).update(model.params, model.grads)
    return float(loss) * C


def test_skipgram_window_matches_the_layered_batch():
    W_in, W_out = _weights(0)
    model = SkipGram(weights=(W_in.copy(), W_out.copy()), negatives=5)
    for seed in range(12):
        contexts, center, negs = _window(seed)
        fast = word2vec_batched.skipgram_step(W_in, W_out, contexts, center, negs, LR)
        assert fast == pytest.approx(layered_skipgram_step(model, contexts, center, negs), rel=1e-5)
    np.testing.assert_allclose(W_in, model.params[0], atol=2e-6)
    np.testing.assert_allclose(W_out, model.params[1], atol=2e-6)


def test_cbow_batch_matches_the_layered_batch():
    W_in, W_out = _weights(1)
    model = CBOW(weights=(W_in.copy(), W_out.copy()), negatives=5)
    rng = np.random.default_rng(2)
    for _ in range(8):
        words = rng.permutation(40)[:24]
        negs = rng.permutation(40)[24:29]   # no center's target among them
        centers = np.sort(rng.choice(np.arange(1, 23), size=int(rng.integers(1, 7)), replace=False))
        reach = rng.integers(1, 4, size=len(centers))
        los, his = np.maximum(centers - reach, 0), np.minimum(centers + reach + 1, len(words))
        fast = word2vec_batched.cbow_step(W_in, W_out, words, centers, los, his, negs, LR)
        contexts = np.full((len(centers), 6), -1)
        for b, (c, lo, hi) in enumerate(zip(centers, los, his)):
            window = [words[j] for j in range(lo, hi) if j != c]
            contexts[b, :len(window)] = window
        B = len(centers)
        ref = model.forward(contexts, words[centers], np.tile(negs, (B, 1)))
        model.backward()
        SGD(LR * B).update(model.params, model.grads)
        assert fast == pytest.approx(float(ref) * B, rel=1e-5)
    np.testing.assert_allclose(W_in, model.params[0], atol=2e-6)
    np.testing.assert_allclose(W_out, model.params[1], atol=2e-6)


def _skipgram_loss(W_in, W_out, contexts, center, negs):
    """The batched skip-gram loss in float64: every context word predicts the center against the shared negs."""
    def log_sigmoid(x):
        return -np.logaddexp(0.0, -x)
    h = W_in[contexts].astype(np.float64)
    pos = h @ W_out[center].astype(np.float64)
    neg = h @ W_out[negs].astype(np.float64).T
    return -(log_sigmoid(pos).sum() + log_sigmoid(-neg).sum())


def test_the_batched_update_is_minus_lr_times_the_numerical_gradient():
    W_in, W_out = (w.astype(np.float64) for w in _weights(3, vocab=20, dim=6))
    contexts, center, negs = _window(4, vocab=20, negatives=3, size=5)
    grads = []
    for W in (W_in, W_out):
        grad = np.zeros_like(W)
        for index in np.ndindex(W.shape):
            old = W[index]
            W[index] = old + 1e-6
            up = _skipgram_loss(W_in, W_out, contexts, center, negs)
            W[index] = old - 1e-6
            down = _skipgram_loss(W_in, W_out, contexts, center, negs)
            W[index] = old
            grad[index] = (up - down) / 2e-6
        grads.append(grad)
    new_in, new_out = W_in.astype(np.float32), W_out.astype(np.float32)
    loss = word2vec_batched.skipgram_step(new_in, new_out, contexts, center, negs, LR)
    assert loss == pytest.approx(_skipgram_loss(W_in, W_out, contexts, center, negs), rel=1e-5)
    np.testing.assert_allclose((new_in - W_in) / -LR, grads[0], atol=2e-4)
    np.testing.assert_allclose((new_out - W_out) / -LR, grads[1], atol=2e-4)


def test_a_negative_equal_to_the_center_is_skipped():
    W_in, W_out = _weights(5)
    contexts, center, negs = _window(6)
    skipped = negs.copy()
    skipped[0] = center
    a_in, a_out, b_in, b_out = W_in.copy(), W_out.copy(), W_in.copy(), W_out.copy()
    word2vec_batched.skipgram_step(a_in, a_out, contexts, center, skipped, LR)
    word2vec_batched.skipgram_step(b_in, b_out, contexts, center, negs[1:], LR)
    np.testing.assert_allclose(a_in, b_in, atol=1e-6)
    np.testing.assert_allclose(a_out, b_out, atol=1e-6)


def test_the_loss_is_exact_for_confident_predictions():
    """Three context rows score a negative at f = 120: each costs its full 120 nats (a floor on p would cap a term
    near 69), and every other prediction (score 0) log 2."""
    W_in = np.zeros((4, 4), dtype=np.float32)
    W_out = np.zeros((4, 4), dtype=np.float32)
    W_in[1:, 0] = 12.0
    W_out[3, 0] = 10.0
    loss = word2vec_batched.skipgram_step(W_in, W_out, np.array([1, 2, 3]), 0, np.array([3]), 0.0)
    assert loss == pytest.approx(3 * (np.log(2.0) + 120.0 + np.log1p(np.exp(-120.0))), rel=1e-6)


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_the_batched_kernel_learns_topics_and_resumes_exactly(model):
    ids, offsets, counts, topic = topic_corpus(lines=300)
    config = Word2VecConfig(model=model, dim=16, window=3, min_count=1, sample=0.0, epochs=4, seed=2,
                            kernel="batched", block_words=700)
    W_in, W_out, history = train_word2vec(ids, offsets, counts, config, progress=False)
    assert history.epochs[-1].loss < history.epochs[0].loss and _topic_accuracy(W_in, topic) >= 0.8
    _, _, stopped = train_word2vec(ids, offsets, counts, config, progress=False, stop=StopAfter(3))
    assert stopped.interrupted and stopped.state.progress["path"] == "numba batched kernel"
    R_in, R_out, resumed = train_word2vec(ids, offsets, counts, config, progress=False, resume=stopped.state)
    np.testing.assert_array_equal(R_in, W_in)
    np.testing.assert_array_equal(R_out, W_out)
    pairs = Word2VecConfig(**dict(vars(config), kernel="pairs"))
    with pytest.raises(Exception, match="batched"):   # the per-pair kernel cannot continue its generators
        train_word2vec(ids, offsets, counts, pairs, progress=False, resume=stopped.state)


def test_the_batched_kernel_takes_subwords_only_for_skipgram():
    with pytest.raises(TrainingError, match="--kernel batched with --subwords trains skip-gram only"):
        Word2VecConfig(kernel="batched", subwords="jamo")   # CBOW, the default model
    with pytest.raises(TrainingError, match="--kernel must be one of pairs, batched"):
        Word2VecConfig(kernel="gemm")


def test_the_default_kernel_is_the_one_the_benchmark_chose():
    """docs/benchmarks.md: batched skip-gram ties at one thread and wins at two with vectors as good or better;
    batched CBOW loses quality. So word-level skip-gram defaults to batched, CBOW to pairs; a named --subwords
    model is fastText's, per pair (the Korean default's batched kernel: test_subword_choice)."""
    assert Word2VecConfig(model="skipgram", subwords=None).kernel == "batched"
    assert Word2VecConfig(model="skipgram", subwords=None, kernel="pairs").kernel == "pairs"
    assert Word2VecConfig(model="cbow", subwords=None).kernel == "pairs"
    assert Word2VecConfig(model="skipgram", subwords="jamo").kernel == "pairs"
    assert Word2VecConfig(model="cbow", subwords="jamo").kernel == "pairs"
    assert Word2VecConfig(model="skipgram").kernel is None   # subwords="auto": decided with the corpus
