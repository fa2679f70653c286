"""Fused GPU LSTM-gate and softmax cross-entropy kernels against the NumPy reference; the LM on CuPy against NumPy."""

import numpy as np
import pytest

from tests.gpu import nvcc_compile, require_gpu
from w2vlm.nn import fast_gpu, fast_cpu, recurrent, reference
from w2vlm.nn.fused import kernels_for

pytestmark = pytest.mark.gpu
TOL = {np.float32: dict(rtol=2e-5, atol=2e-6), np.float64: dict(rtol=1e-12, atol=1e-13)}


@pytest.fixture(scope="module")
def cp():
    return require_gpu()


@pytest.fixture(params=[False, True], ids=["reference", "fused"])
def fused(request, cp):
    """The layers' ``fused`` knob on CuPy: the plain xp code, or the CUDA kernels of fast_gpu."""
    return request.param


def test_kernel_source_compiles_with_nvcc(tmp_path):
    anchor = "".join(f"__attribute__((used)) static void* keep_{i} = (void*)&{name};\n"
                     for i, name in enumerate(fast_gpu._NAMES))  # instantiate every template as NVRTC will
    report = nvcc_compile(fast_gpu.SOURCE + anchor, tmp_path, "lm")
    assert report.count("Compiling entry function") == len(fast_gpu._NAMES)


# --- the kernels one by one, on fresh random inputs, against nn/reference.py ----------------------------

def _rand(rng, shape, dtype, scale=1.0):
    return (rng.standard_normal(shape) * scale).astype(dtype)


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("N,H", [(1, 1), (20, 650), (7, 33), (128, 256)])
def test_lstm_step_forward_matches_reference(cp, dtype, N, H):
    rng = np.random.default_rng(N * H)
    a, rec = _rand(rng, (N, 4 * H), dtype, 3.0), _rand(rng, (N, 4 * H), dtype, 3.0)
    a[0, 0], rec[0, 0] = 80.0, 20.0  # saturated gates stay finite
    c_prev = _rand(rng, (N, H), dtype)
    ref = [a.copy(), np.empty((N, H), dtype), np.empty((N, H), dtype), np.empty((N, H), dtype)]
    reference.lstm_step_forward_reference(ref[0], rec, c_prev, *ref[1:])
    dev = [cp.asarray(a)] + [cp.full((N, H), np.nan, dtype=dtype) for _ in range(3)]  # poisoned outputs
    fast_gpu.lstm_step_forward(dev[0], cp.asarray(rec), cp.asarray(c_prev), *dev[1:])
    for got, want in zip(dev, ref):
        np.testing.assert_allclose(got.get(), want, **TOL[dtype])


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("N,H", [(1, 1), (20, 650), (7, 33)])
def test_lstm_step_backward_matches_reference(cp, dtype, N, H):
    rng = np.random.default_rng(N + H)
    gates = rng.random((N, 4 * H)).astype(dtype)  # activations: sigmoids in (0, 1), tanh in (-1, 1) below
    gates[:, 3 * H:] = gates[:, 3 * H:] * 2 - 1
    c_prev, tanh_c = _rand(rng, (N, H), dtype), np.tanh(_rand(rng, (N, H), dtype))
    dh_out, dh, dc = (_rand(rng, (N, H), dtype) for _ in range(3))
    ref_a, ref_dc = gates.copy(), dc.copy()
    reference.lstm_step_backward_reference(ref_a, c_prev, tanh_c, dh_out, dh.copy(), ref_dc)
    dev_a, dev_dc, dev_dh = cp.asarray(gates), cp.asarray(dc), cp.asarray(dh)
    fast_gpu.lstm_step_backward(dev_a, cp.asarray(c_prev), cp.asarray(tanh_c), cp.asarray(dh_out), dev_dh, dev_dc)
    np.testing.assert_allclose(dev_a.get(), ref_a, **TOL[dtype])
    np.testing.assert_allclose(dev_dc.get(), ref_dc, **TOL[dtype])
    np.testing.assert_array_equal(dev_dh.get(), dh)


def _labels(rng, M, V, ignored=0.2):
    labels = rng.integers(0, V, M)
    labels[rng.random(M) < ignored] = -1
    return labels


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
@pytest.mark.parametrize("M,V", [(1, 1), (3, 7), (700, 10_000), (35, 33_278), (64, 1025)])
def test_softmax_ce_forward_and_backward_match_reference(cp, dtype, M, V):
    rng = np.random.default_rng(M + V)
    scores = _rand(rng, (M, V), dtype, 4.0)
    labels = _labels(rng, M, V)
    ref = scores.copy()
    ref_loss, ref_w = reference.softmax_ce_forward_reference(ref, labels, -1)
    dev = cp.asarray(scores)
    loss, weights = fast_gpu.softmax_ce_forward(dev, cp.asarray(labels), -1)
    assert loss.shape == () and loss.dtype == dtype
    tol = dict(rtol=3e-5, atol=1e-6) if dtype == np.float32 else TOL[dtype]  # online max+sum: other rounding
    assert float(loss) == pytest.approx(float(ref_loss), rel=tol["rtol"], abs=tol["atol"])
    np.testing.assert_allclose(weights.get(), ref_w, **tol)
    np.testing.assert_allclose(dev.get(), ref, **tol)  # exp(x - max)
    for dout in (1.0, 0.37, cp.asarray(2.5, dtype=dtype)):
        ref_d, dev_d = ref.copy(), dev.copy()
        reference.softmax_ce_backward_reference(ref_d, labels, ref_w, float(dout))
        fast_gpu.softmax_ce_backward(dev_d, cp.asarray(labels), weights, dout)
        np.testing.assert_allclose(dev_d.get(), ref_d, **tol)


def test_softmax_all_ignored_and_extreme_scores(cp):
    scores = cp.asarray(np.array([[1e4, -1e4, 0.0], [3.0, 3.0, 3.0]], dtype=np.float32))
    loss, weights = fast_gpu.softmax_ce_forward(scores.copy(), cp.asarray([-1, -1]), -1)
    assert float(loss) == 0.0 and not weights[:, 1].any()
    loss, _ = fast_gpu.softmax_ce_forward(scores.copy(), cp.asarray([1, 0]), -1)
    assert float(loss) == pytest.approx((2e4 + np.log(3.0)) / 2, rel=1e-6)


@pytest.mark.parametrize("bad", [np.nan, np.inf])
def test_nan_or_inf_scores_give_a_nan_loss(cp, bad):
    scores = cp.asarray(np.array([[0.0, bad, 1.0], [1.0, 2.0, 3.0]], dtype=np.float32))
    loss, _ = fast_gpu.softmax_ce_forward(scores, cp.asarray([0, 1]), -1)
    assert np.isnan(float(loss))


def test_token_nll_matches_the_evaluation_reference(cp):
    from w2vlm.lm.evaluate import token_nll
    rng = np.random.default_rng(0)
    B, T, V = 5, 9, 301
    logits = _rand(rng, (T, B, V), np.float32, 3.0).swapaxes(0, 1)  # the model's layout: a (B, T, V) view
    targets = _labels(rng, B * T, V).reshape(B, T)
    want = token_nll(logits, targets)
    dev_logits = cp.asarray(np.ascontiguousarray(logits.swapaxes(0, 1))).swapaxes(0, 1)
    before = dev_logits.copy()
    got = fast_gpu.token_nll(dev_logits, cp.asarray(targets))
    assert got.shape == (B, T)
    np.testing.assert_allclose(got.get(), want, rtol=1e-5, atol=1e-5)
    cp.testing.assert_array_equal(dev_logits, before)


@pytest.mark.parametrize("family", ["lstm", "softmax"])
def test_the_arrays_choose_the_kernels(cp, family):
    for dtype in (np.float32, np.float64):
        assert kernels_for(cp.zeros(2, dtype=dtype), family) is fast_gpu  # self-check passed on this device
        assert kernels_for(np.zeros(2, dtype=dtype), family) is fast_cpu
        assert kernels_for(cp.zeros(2, dtype=dtype), family, fused=False) is None
    assert kernels_for(cp.zeros(2, dtype=np.int32), family) is None


# --- layers and the whole model on CuPy against NumPy -------------------------------------------------------------

def _to_host(g):
    """A dense host copy of a gradient (array or SparseGrad, NumPy or CuPy)."""
    from w2vlm.backend import array_module, to_cpu
    from w2vlm.nn.sparse import SparseGrad
    if isinstance(g, SparseGrad):
        return to_cpu(g.to_dense(array_module(g.values)))
    return to_cpu(g)


@pytest.mark.parametrize("stateful_batches", [1, 2])
def test_time_lstm_on_gpu_matches_numpy(cp, fused, stateful_batches):
    rng = np.random.default_rng(1)
    N, T, D, H = 6, 11, 13, 17
    params = [_rand(rng, (D, 4 * H), np.float32, 0.3), _rand(rng, (H, 4 * H), np.float32, 0.3),
              _rand(rng, (4 * H,), np.float32, 0.1)]
    cpu = recurrent.TimeLSTM(*[p.copy() for p in params], stateful=True)
    gpu = recurrent.TimeLSTM(*[cp.asarray(p) for p in params], stateful=True, fused=fused)
    for _ in range(stateful_batches):
        xs, dhs = _rand(rng, (N, T, D), np.float32), _rand(rng, (N, T, H), np.float32)
        want, got = cpu.forward(xs), gpu.forward(cp.asarray(xs))
        np.testing.assert_allclose(got.get(), want, rtol=1e-4, atol=1e-5)
        want_dx, got_dx = cpu.backward(dhs), gpu.backward(cp.asarray(dhs))
        np.testing.assert_allclose(got_dx.get(), want_dx, rtol=1e-4, atol=1e-5)
        for g_cpu, g_gpu in zip(cpu.grads, gpu.grads):
            np.testing.assert_allclose(g_gpu.get(), g_cpu, rtol=1e-4, atol=1e-4)


@pytest.mark.parametrize("tied", [False, True])
def test_rnnlm_on_gpu_matches_numpy(cp, fused, tied):
    from w2vlm.lm import LMConfig, RNNLM
    config = LMConfig(vocab_size=50, num_layers=2, embed_size=24, hidden_size=24, tie_weights=tied)
    cpu = RNNLM(config, rng=np.random.default_rng(0))
    gpu = RNNLM(config, xp=cp, rng=np.random.default_rng(0), fused=fused)
    rng = np.random.default_rng(2)
    for _ in range(2):  # the second batch starts from the carried state
        xs, ts = rng.integers(0, 50, (4, 9)), rng.integers(0, 50, (4, 9))
        ts[0, :3] = -1
        want, got = cpu.forward(xs, ts), gpu.forward(cp.asarray(xs), cp.asarray(ts))
        assert float(got) == pytest.approx(float(want), rel=1e-5)
        cpu.backward()
        gpu.backward()
        for name, g_cpu, g_gpu in zip(cpu._names, cpu.grads, gpu.grads):
            np.testing.assert_allclose(_to_host(g_gpu), _to_host(g_cpu), rtol=1e-4, atol=1e-5, err_msg=name)


def test_sgd_training_on_gpu_tracks_numpy(cp, fused):
    from w2vlm.lm import LMConfig, RNNLM
    from w2vlm.nn.optim import SGD, clip_grads
    config = LMConfig(vocab_size=40, num_layers=2, embed_size=16, hidden_size=16, tie_weights=True)
    models = [RNNLM(config, rng=np.random.default_rng(0)),
              RNNLM(config, xp=cp, rng=np.random.default_rng(0), fused=fused)]
    rng = np.random.default_rng(3)
    batches = [(rng.integers(0, 40, (8, 12)), rng.integers(0, 40, (8, 12))) for _ in range(10)]
    losses = []
    for model, xp in zip(models, (np, cp)):
        optimizer, trace = SGD(lr=5.0), []
        for xs, ts in batches:
            trace.append(float(model.forward(xp.asarray(xs), xp.asarray(ts))))
            model.backward()
            clip_grads(model.grads, 0.25)
            optimizer.update(model.params, model.grads)
        losses.append(trace)
    np.testing.assert_allclose(losses[1], losses[0], rtol=1e-3)
    for name, p_cpu, p_gpu in zip(models[0]._names, models[0].params, models[1].params):
        np.testing.assert_allclose(p_gpu.get(), p_cpu, rtol=1e-3, atol=1e-4, err_msg=name)


def test_perplexity_on_gpu_equals_numpy(cp, fused):
    from w2vlm.lm import LMConfig, RNNLM
    from w2vlm.lm.evaluate import score_stream
    config = LMConfig(vocab_size=30, num_layers=1, embed_size=8, hidden_size=8)
    ids = np.random.default_rng(4).integers(0, 30, 500)
    want = score_stream(RNNLM(config, rng=np.random.default_rng(0)), ids, 0, batch_size=3, bptt=7)
    got = score_stream(RNNLM(config, xp=cp, rng=np.random.default_rng(0), fused=fused), ids, 0, batch_size=3,
                       bptt=7)
    assert got.ppl == pytest.approx(want.ppl, rel=1e-5) and got.tokens == want.tokens


def test_cli_trains_scores_and_generates_on_gpu(cp, tmp_path, monkeypatch):
    import random
    from click.testing import CliRunner
    from w2vlm_cli.main import cli
    monkeypatch.setenv("W2VLM_CACHE", str(tmp_path / "cache"))
    words, rnd = "the cat sat on a mat dog ran to house big small red".split(), random.Random(0)
    corpus = tmp_path / "train.txt"
    corpus.write_text("\n".join(" ".join(rnd.choice(words) for _ in range(rnd.randint(3, 9))) for _ in range(300)))
    out = tmp_path / "lm"

    def run(*args):
        return CliRunner().invoke(cli, ["--quiet", "--device", "gpu", *map(str, args)], catch_exceptions=False)
    small = ["--tokenizer", "whitespace", "--batch-size", "4", "--bptt", "8", "--embed-size", "8",
             "--hidden-size", "8"]
    result = run("train-lm", corpus, "-o", out, "--epochs", "2", *small)
    assert result.exit_code == 0, result.output
    ppl = run("perplexity", out, corpus)
    assert ppl.exit_code == 0 and 1 < float(ppl.output) < 50
    text = run("generate", out, "--prompt", "the cat", "--length", "10", "--seed", "1")
    assert text.exit_code == 0 and text.output.strip()
