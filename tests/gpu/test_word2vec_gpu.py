"""The fused GPU word2vec kernel against the layered CuPy reference, the CPU kernel's semantics and host re-counts."""

import numpy as np
import pytest

from tests.embeddings.test_train import _topic_accuracy, topic_corpus
from tests.gpu import nvcc_compile, require_gpu
from w2vlm.embeddings.kernels import word2vec_cpu, word2vec_gpu
from w2vlm.embeddings.training.sampling import UnigramSampler, keep_probabilities
from w2vlm.embeddings.train import Word2VecConfig
from w2vlm.errors import TrainingError

pytestmark = pytest.mark.gpu
LR = 0.05
SHAPES = [(16, None), (50, None), (100, None), (100, 1), (300, None)]  # (dim, vector width): float4 and scalar paths


@pytest.fixture(scope="module")
def cp():
    return require_gpu()


# --- no device needed ---------------------------------------------------------------------------------------------

@pytest.mark.parametrize("dim,vec", [(100, 4), (50, None)])
def test_kernel_source_compiles_with_nvcc(tmp_path, dim, vec):
    report = nvcc_compile(word2vec_gpu.kernel_source(dim, 5, 5, vec), tmp_path, "w2v")
    for name in ("w2v_cbow", "w2v_skipgram", "w2v_probe", "w2v_cbow_step", "w2v_pair_step"):
        assert f"Compiling entry function '{name}'" in report


def test_unsupported_shapes_are_training_errors():
    with pytest.raises(TrainingError, match="negatives"):
        word2vec_gpu.kernel_source(100, 40, 5)
    with pytest.raises(TrainingError, match="vector width"):
        word2vec_gpu.kernel_source(50, 5, 5, vec=4)


# --- given examples: the fused step against the layered reference (cbow.py on CuPy) ----------------------------------

def _weights(seed, vocab, dim):
    rng = np.random.default_rng(seed)
    return ((rng.standard_normal((vocab, dim)) * 0.3).astype(np.float32),
            (rng.standard_normal((vocab, dim)) * 0.3).astype(np.float32))


def _disjoint_batch(seed, batch, vocab, width=8, negatives=5):
    """Examples that share no W_in row (contexts) and no W_out row (target + negatives) with each other, so the
    Hogwild order between warps cannot matter. Inside an example a context may repeat, a negative may equal the
    target (skipped) and a negative may appear twice."""
    rng = np.random.default_rng(seed)
    words_in = rng.permutation(vocab)[:batch * width].reshape(batch, width)
    contexts = np.where(rng.random((batch, width)) < 0.3, -1, words_in)
    contexts[:, 0] = words_in[:, 0]
    contexts[::4, 1] = contexts[::4, 0]
    words_out = rng.permutation(vocab)[:batch * (1 + negatives)].reshape(batch, 1 + negatives)
    targets, negs = words_out[:, 0].copy(), words_out[:, 1:].copy()
    negs[::5, 0] = targets[::5]
    negs[1::5, 2] = negs[1::5, 1]
    return contexts.astype(np.int32), targets.astype(np.int32), negs.astype(np.int32)


def _reference_update(cp, model, contexts, target, negatives, batch):
    from w2vlm.nn.optim import SGD
    loss = model.forward(cp.asarray(contexts), cp.asarray(target), cp.asarray(negatives))
    model.backward()
    SGD(LR * batch).update(model.params, model.grads)  # the model averages over rows; word2vec sums
    return float(loss)


@pytest.mark.parametrize("dim,vec", SHAPES)
@pytest.mark.parametrize("exact", [False, True])
def test_cbow_step_matches_layered_reference(cp, dim, vec, exact):
    from w2vlm.embeddings.cbow import CBOW
    batch, vocab = 64, 1024
    W_in, W_out = _weights(0, vocab, dim)
    contexts, targets, negs = _disjoint_batch(1, batch, vocab)
    model = CBOW(weights=(W_in, W_out), negatives=5, xp=cp, exact_gradient=exact)
    ref_loss = _reference_update(cp, model, contexts, targets, negs, batch)
    g_in, g_out = cp.asarray(W_in), cp.asarray(W_out)
    loss = word2vec_gpu.cbow_step(g_in, g_out, contexts, targets, negs, LR, exact_gradient=exact, vec=vec)
    assert float(loss) / batch == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(g_in.get(), model.params[0].get(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_out.get(), model.params[1].get(), rtol=1e-5, atol=1e-6)
    assert not np.allclose(g_in.get(), W_in)  # it did update


@pytest.mark.parametrize("dim,vec", SHAPES)
def test_pair_step_matches_layered_skipgram(cp, dim, vec):
    from w2vlm.embeddings.cbow import SkipGram
    batch, vocab = 64, 1024
    W_in, W_out = _weights(2, vocab, dim)
    contexts, targets, negs = _disjoint_batch(3, batch, vocab)
    sources = contexts[:, 0]  # distinct input rows
    model = SkipGram(weights=(W_in, W_out), negatives=5, xp=cp)
    ref_loss = _reference_update(cp, model, targets[:, None], sources, negs, batch)  # source predicts target
    g_in, g_out = cp.asarray(W_in), cp.asarray(W_out)
    loss = word2vec_gpu.pair_step(g_in, g_out, sources, targets, negs, LR, vec=vec)
    assert float(loss) / batch == pytest.approx(ref_loss, rel=1e-5)
    np.testing.assert_allclose(g_in.get(), model.params[0].get(), rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(g_out.get(), model.params[1].get(), rtol=1e-5, atol=1e-6)


def test_steps_match_the_cpu_kernel_one_example_at_a_time(cp):
    W_in, W_out = _weights(4, 40, 100)
    g_in, g_out = cp.asarray(W_in), cp.asarray(W_out)
    rng = np.random.default_rng(5)
    for step in range(20):  # sequential steps that do share rows; distinct negatives != target
        words = rng.permutation(40)
        contexts, target, negs = words[:1 + step % 7], words[8], words[9:14]
        if step % 2:
            cpu = word2vec_cpu.cbow_step(W_in, W_out, contexts, target, negs, LR)
            padded = np.full((1, 8), -1, dtype=np.int32)
            padded[0, :len(contexts)] = contexts
            gpu = word2vec_gpu.cbow_step(g_in, g_out, padded, [target], negs[None], LR)
        else:
            cpu = word2vec_cpu.skipgram_step(W_in, W_out, contexts[0], target, negs, LR)
            gpu = word2vec_gpu.pair_step(g_in, g_out, contexts[:1], [target], negs[None], LR)
        assert float(gpu) == pytest.approx(cpu, rel=1e-4)
    np.testing.assert_allclose(g_in.get(), W_in, atol=1e-5)
    np.testing.assert_allclose(g_out.get(), W_out, atol=1e-5)


def test_hogwild_batch_with_shared_rows_stays_close_to_the_reference(cp):
    from w2vlm.embeddings.cbow import CBOW
    batch, vocab = 256, 4096  # random rows: a few collisions, whose order differs from the reference's
    W_in, W_out = _weights(6, vocab, 64)
    rng = np.random.default_rng(7)
    contexts = rng.integers(0, vocab, (batch, 6)).astype(np.int32)
    targets = rng.integers(0, vocab, batch).astype(np.int32)
    negs = rng.integers(0, vocab, (batch, 5)).astype(np.int32)
    model = CBOW(weights=(W_in, W_out), negatives=5, xp=cp)
    ref_loss = _reference_update(cp, model, contexts, targets, negs, batch)
    g_in, g_out = cp.asarray(W_in), cp.asarray(W_out)
    loss = word2vec_gpu.cbow_step(g_in, g_out, contexts, targets, negs, LR)
    assert float(loss) / batch == pytest.approx(ref_loss, rel=1e-2)  # a warp may see another's update first
    np.testing.assert_allclose(g_in.get(), model.params[0].get(), atol=1e-2)
    np.testing.assert_allclose(g_out.get(), model.params[1].get(), atol=1e-2)


# --- what training sees: contexts, subsampling, windows, negatives (probe kernel = training's code path) ------------

def _corpus(seed=0, lines=300, vocab=50, heavy=False):
    """Lines of 0..120 words (empty ones too); ``heavy``: word 0 is 80% of the text (long subsampled gaps)."""
    rng = np.random.default_rng(seed)
    lengths = rng.integers(0, 121, lines)
    lengths[::17] = 0
    p = 1.0 / np.arange(1, vocab + 1)
    if heavy:
        p[0] = 4 * p[1:].sum()
    ids = rng.choice(vocab, size=lengths.sum(), p=p / p.sum()).astype(np.int32)
    offsets = np.concatenate([[0], np.cumsum(lengths)]).astype(np.int64)
    return ids, offsets, np.bincount(ids, minlength=vocab)


def _tables(cp, counts, sample):
    sampler = UnigramSampler(counts)
    keep = keep_probabilities(counts, sample)
    return sampler, keep, (cp.asarray(keep), cp.asarray(sampler.alias_prob), cp.asarray(sampler.alias))


def _expected_contexts(ids, offsets, kept, reach, window):
    """Host re-count: the nearest ``reach`` kept words on each side inside the line, left then right, nearest first."""
    out = np.full((len(ids), 2 * window), -1, dtype=np.int64)
    for a, b in zip(offsets[:-1], offsets[1:]):
        positions = [q for q in range(a, b) if kept[q]]
        for i, p in enumerate(positions):
            r = reach[p]
            words = [ids[q] for q in positions[max(0, i - r):i][::-1] + positions[i + 1:i + 1 + r]]
            out[p, :len(words)] = words
    return out


@pytest.mark.parametrize("heavy,sample,shrink,tile", [(False, 0.0, False, 16), (False, 1e-2, True, 1),
                                                     (True, 1e-3, True, 7), (True, 1e-4, False, 64)])
def test_contexts_are_the_nearest_kept_words_inside_the_line(cp, heavy, sample, shrink, tile):
    ids, offsets, counts = _corpus(heavy=heavy)
    _, keep, tables = _tables(cp, counts, sample)
    window = 5
    kept, reach, contexts, _ = word2vec_gpu.probe_centers(cp.asarray(ids), cp.asarray(offsets), *tables, 8,
                                                      window=window, shrink=shrink, subsampling=sample > 0,
                                                      key=word2vec_gpu.epoch_key(1, 0), tile=tile)
    assert set(np.unique(kept)) <= {0, 1}
    if sample == 0:
        assert kept.all()
    if not shrink:
        assert (reach[kept == 1] == window).all()
    np.testing.assert_array_equal(contexts, _expected_contexts(ids, offsets, kept, reach, window))


def test_probe_of_a_subrange_equals_that_part_of_the_whole(cp):
    ids, offsets, counts = _corpus(seed=2)
    _, _, tables = _tables(cp, counts, 1e-2)
    args = (cp.asarray(ids), cp.asarray(offsets), *tables, 8)
    whole = word2vec_gpu.probe_centers(*args, key=5)
    part = word2vec_gpu.probe_centers(*args, key=5, first=1000, last=len(ids) - 37, tile=3)
    for a, b in zip(whole, part):
        np.testing.assert_array_equal(a[1000:len(ids) - 37], b)


def test_sampling_statistics(cp):
    ids, offsets, counts = _corpus(seed=3, lines=3000)
    sampler, keep, tables = _tables(cp, counts, 1e-2)
    kept, reach, _, negs = word2vec_gpu.probe_centers(cp.asarray(ids), cp.asarray(offsets), *tables, 8, key=9)
    assert kept.sum() == pytest.approx((counts * keep).sum(), rel=0.02)  # subsampling keeps keep[w] of each word
    observed = np.bincount(reach[kept == 1], minlength=6)[1:]
    assert (((observed - observed.mean()) ** 2) / observed.mean()).sum() < 25  # reach uniform on 1..5, 4 dof
    draws = negs.ravel()
    observed, expected = np.bincount(draws, minlength=len(counts)), sampler.probs * len(draws)
    chi2 = (((observed - expected) ** 2) / expected).sum()
    assert chi2 < len(counts) + 6 * np.sqrt(2 * len(counts))  # unigram^0.75
    assert abs(np.corrcoef(negs[:, 0], negs[:, 1])[0, 1]) < 0.02  # streams are independent


# --- training launches -------------------------------------------------------------------------------------------

def _train(cp, ids, offsets, counts, *, model="cbow", sample=0.0, shrink=False, lr=0.0, dim=8, weights=None,
           **options):
    _, _, tables = _tables(cp, counts, sample)
    W_in, W_out = weights if weights is not None else _weights(0, len(counts), dim)
    g_in, g_out = cp.asarray(W_in), cp.asarray(W_out)
    stats = word2vec_gpu.train_epoch_gpu(cp.asarray(ids), cp.asarray(offsets), g_in, g_out, *tables, lr, lr,
                                     model=model, window=5, negatives=5, shrink=shrink, subsampling=sample > 0,
                                     **options)
    return stats.get(), g_in.get(), g_out.get()


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_fixed_window_counts_equal_the_cpu_kernel(cp, model):
    ids, offsets, counts = _corpus(seed=4)
    W_in, _ = _weights(0, len(counts), 8)
    weights = (W_in, np.zeros_like(W_in))
    stats, g_in, g_out = _train(cp, ids, offsets, counts, model=model, weights=weights)
    cpu = np.zeros((1, 4))
    sampler = UnigramSampler(counts)
    no_hot = np.zeros((1, 0, W_in.shape[1]), dtype=np.float32)
    word2vec_cpu.train_block(W_in.copy(), np.zeros_like(W_in), no_hot, no_hot, ids, offsets,
                         np.array([0, len(offsets) - 1]),
                         keep_probabilities(counts, 0), False, sampler.alias_prob, sampler.alias, 5, False, 5,
                         model == "cbow", 0.0, 0.0, word2vec_cpu.seed_states(0, 1), cpu)
    np.testing.assert_array_equal(stats[1:], cpu[0, 1:])  # examples, kept words, context words
    examples = stats[1]
    assert examples * 5 * np.log(2) < stats[0] <= examples * 6 * np.log(2) * (1 + 1e-6)  # zero W_out: log 2 each
    np.testing.assert_array_equal(g_in, W_in)  # lr 0 changes nothing
    assert not g_out.any()


def test_counts_do_not_depend_on_block_size_or_tiles(cp):
    ids, offsets, counts = _corpus(seed=5, heavy=True)
    runs = [_train(cp, ids, offsets, counts, sample=1e-3, shrink=True, seed=2, **options)[0]
            for options in ({}, {"block_words": 1000, "tile": 3}, {"blocks": 1, "tile": 1})]
    for stats in runs[1:]:
        np.testing.assert_array_equal(stats[1:], runs[0][1:])


@pytest.mark.parametrize("model", ["cbow", "skipgram"])
def test_gpu_training_learns_topics_like_the_cpu_path(cp, model):
    from w2vlm.embeddings.train import train_word2vec
    ids, offsets, counts, topic = topic_corpus(lines=600)
    config = Word2VecConfig(model=model, dim=16, window=3, min_count=1, sample=0.0, epochs=3, lr=0.05, seed=3)
    W_in, W_out, history = train_word2vec(ids, offsets, counts, config, xp=cp, progress=False)
    assert W_in.shape == W_out.shape == (len(counts), 16) and W_in.dtype == np.float32
    losses = [epoch.loss for epoch in history.epochs]
    assert losses[-1] < losses[0] and _topic_accuracy(W_in, topic) >= 0.9
    assert [e.trained_words for e in history.epochs] == [len(ids)] * 3  # no subsampling: every word kept
    cpu = train_word2vec(ids, offsets, counts, config, progress=False)[2]
    assert losses[-1] == pytest.approx(cpu.loss, rel=0.1)


@pytest.mark.parametrize("blocks", [None, 10_000])
def test_full_concurrency_on_a_larger_vocabulary_still_learns(cp, blocks):
    ids, offsets, counts, topic = topic_corpus(lines=20_000, seed=1)
    ids = (ids + 32 * np.random.default_rng(0).integers(0, 60, len(ids))).astype(np.int32)  # 1920 words, 4 topics
    counts = np.bincount(ids, minlength=1920)
    topic = np.tile(topic, 60)
    config = Word2VecConfig(dim=32, window=5, min_count=1, sample=1e-3, epochs=3, lr=0.025, seed=1)
    from w2vlm.embeddings.train import train_word2vec
    W_in, _, history = train_word2vec(ids, offsets, counts, config, xp=cp, progress=False,
                                      kernel_options={"blocks": blocks})
    losses = [epoch.loss for epoch in history.epochs]
    assert np.isfinite(W_in).all() and losses[-1] < losses[0]
    assert _topic_accuracy(W_in, topic) >= 0.8


def test_runner_speaks_the_training_loop_protocol(cp):
    from w2vlm.backend import seed_everything
    from w2vlm.embeddings.cbow import init_weights
    ids, offsets, counts, _ = topic_corpus(lines=200)
    config = Word2VecConfig(dim=8, min_count=1, epochs=2)
    rng = seed_everything(0, cp)
    W_in, W_out = init_weights(len(counts), 8, rng)
    from w2vlm.embeddings.training.runners import RunSetup
    from w2vlm.embeddings.training.stream import ArrayStream
    setup = RunSetup(ArrayStream(ids, offsets), W_in, W_out, keep_probabilities(counts, config.sample),
                     UnigramSampler(counts, rng=rng), config, xp=cp, rng=rng)
    run = word2vec_gpu.GPURun(setup)
    blocks = list(run.epoch(0))
    assert blocks[-1][0] == len(ids) and sum(b[2] for b in blocks) > 0 and 0 < run.trained_words <= len(ids)
    new_in, new_out = run.weights()
    assert new_in.dtype == np.float32 and isinstance(new_in, np.ndarray) and not np.allclose(new_in, W_in)


@pytest.mark.parametrize("fused", [True, False])
def test_train_word2vec_on_gpu_learns(cp, fused):
    """Both runners train.py has for xp=cupy (the fused kernel, the layered model) learn topics."""
    from w2vlm.embeddings.train import train_word2vec
    ids, offsets, counts, topic = topic_corpus(lines=250)
    config = Word2VecConfig(dim=16, window=3, min_count=1, sample=0.0, epochs=3, lr=0.05, seed=3)
    W_in, _, history = train_word2vec(ids, offsets, counts, config, xp=cp, progress=False, fused=fused)
    assert isinstance(W_in, np.ndarray) and history.loss < history.epochs[0].loss
    assert _topic_accuracy(W_in, topic) >= 0.9


def test_cli_trains_embeddings_on_gpu(cp, tmp_path, monkeypatch):
    from click.testing import CliRunner
    from w2vlm.embeddings.vectors import WordVectors
    from w2vlm_cli.main import cli
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    ids, offsets, _, _ = topic_corpus(lines=400)
    path = tmp_path / "topics.txt"
    path.write_text("".join(" ".join(f"w{j}" for j in ids[a:b]) + "\n" for a, b in zip(offsets[:-1], offsets[1:])))
    out = tmp_path / "vectors"
    result = CliRunner().invoke(cli, ["--quiet", "--device", "gpu", "train-embeddings", str(path), "-o", str(out),
                                      "--tokenizer", "whitespace", "--dim", "12", "--min-count", "1",
                                      "--epochs", "2"], catch_exceptions=False)
    assert result.exit_code == 0, result.output
    vectors = WordVectors.load(out)
    assert len(vectors) == 32 and np.isfinite(vectors.vectors).all()
