"""The backend switch on a GPU: cupy as xp, device scatter_add, and the basic layers on CuPy equal to NumPy."""

import numpy as np
import pytest

from tests.gpu import require_gpu
from w2vlm import backend

pytestmark = pytest.mark.gpu


@pytest.fixture(scope="module")
def cp():
    return require_gpu()


def test_get_xp_gpu_is_cupy(cp):
    assert backend.get_xp("gpu") is cp
    assert backend.get_xp("auto") is cp
    assert backend.is_gpu(cp) and backend.gpu_available()
    x = backend.to_device(np.arange(4), cp)
    assert backend.array_module(x) is cp and isinstance(backend.to_cpu(x), np.ndarray)
    assert backend.to_device(x, cp) is x


def test_seed_everything_seeds_cupy_and_returns_numpy_generator(cp):
    rng = backend.seed_everything(5, cp)
    first = cp.random.random(3).get()
    assert isinstance(rng, np.random.Generator)
    backend.seed_everything(5, cp)
    np.testing.assert_array_equal(cp.random.random(3).get(), first)


@pytest.mark.parametrize("n,width,dtype", [(5, 4, np.float32), (10_000, 64, np.float32), (777, 1, np.float64)])
def test_scatter_add_on_device_sums_duplicates_like_numpy(cp, n, width, dtype):
    rng = np.random.default_rng(n)
    rows = rng.integers(0, 9, size=n)  # many duplicates
    values = rng.standard_normal((n, width)).astype(dtype)
    start = rng.standard_normal((9, width)).astype(dtype)
    expected = start.copy()
    np.add.at(expected, rows, values)
    target = cp.asarray(start)
    assert backend.scatter_add(target, cp.asarray(rows), cp.asarray(values)) is target
    np.testing.assert_allclose(target.get(), expected, rtol=1e-5, atol=1e-4)


def test_scatter_add_1d_on_device(cp):
    target = cp.zeros(3)
    backend.scatter_add(target, cp.asarray([0, 0, 2]), cp.asarray([1.0, 2.0, 5.0]))
    np.testing.assert_array_equal(target.get(), [3.0, 0.0, 5.0])


def test_sparse_grad_and_optimizers_on_device(cp):
    from w2vlm.nn.optim import SGD, Adam, clip_grads
    from w2vlm.nn.sparse import SparseGrad
    rng = np.random.default_rng(0)
    rows, values = rng.integers(0, 6, 20), rng.standard_normal((20, 3)).astype(np.float32)
    results = []
    for xp in (np, cp):
        W = xp.asarray(np.ones((6, 3), np.float32))
        grad = SparseGrad(W.shape, W.dtype)
        grad.set(xp.asarray(rows), xp.asarray(values))
        dense = backend.to_cpu(grad.to_dense(xp))
        norm = float(clip_grads([grad], 0.5))
        SGD(0.1).update([W], [grad])
        V = xp.asarray(np.ones((6, 3), np.float32))
        grad_v = SparseGrad(V.shape, V.dtype)
        grad_v.set(xp.asarray(rows), xp.asarray(values))
        Adam(0.01).update([V], [grad_v])
        results.append((dense, norm, backend.to_cpu(W), backend.to_cpu(V)))
    for cpu, gpu in zip(*results):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-5, atol=1e-6)


def _pair(cp, array):
    return array, cp.asarray(array)


def test_embedding_on_gpu_equals_numpy(cp):
    from w2vlm.nn.layers import Embedding
    rng = np.random.default_rng(1)
    W = rng.standard_normal((12, 5)).astype(np.float32)
    idx = rng.integers(0, 12, (4, 6))
    dout = rng.standard_normal((4, 6, 5)).astype(np.float32)
    out = []
    for xp in (np, cp):
        layer = Embedding(xp.asarray(W.copy()))
        y = layer.forward(xp.asarray(idx))
        layer.backward(xp.asarray(dout))
        out.append((backend.to_cpu(y), backend.to_cpu(layer.grads[0].to_dense(xp))))
    for cpu, gpu in zip(*out):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-6, atol=1e-6)


@pytest.mark.parametrize("transposed", [False, True])
def test_time_affine_on_gpu_equals_numpy(cp, transposed):
    from w2vlm.nn.time_layers import TimeAffine
    rng = np.random.default_rng(2)
    W, b = rng.standard_normal((7, 3)).astype(np.float32), rng.standard_normal(3).astype(np.float32)
    x, dout = rng.standard_normal((2, 5, 7)).astype(np.float32), rng.standard_normal((2, 5, 3)).astype(np.float32)
    if transposed:
        W = W.T.copy()  # (O, I) = (3, 7), as the tied output layer holds the embedding matrix
    out = []
    for xp in (np, cp):
        layer = TimeAffine(xp.asarray(W.copy()), xp.asarray(b), transposed=transposed)
        y = layer.forward(xp.asarray(x))
        dx = layer.backward(xp.asarray(dout))
        out.append([backend.to_cpu(a) for a in (y, dx, *layer.grads)])
    for cpu, gpu in zip(*out):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("ignore", [False, True])
def test_reference_softmax_with_loss_on_gpu_equals_numpy(cp, ignore):
    from w2vlm.nn.time_layers import TimeSoftmaxWithLoss
    rng = np.random.default_rng(3)
    x = (rng.standard_normal((6, 4, 11)) * 5).astype(np.float32)
    t = rng.integers(0, 11, (6, 4))
    if ignore:
        t[0] = -1
    out = []
    for xp in (np, cp):
        layer = TimeSoftmaxWithLoss(ignore_index=-1, fused=False)
        loss = layer.forward(xp.asarray(x), xp.asarray(t))
        dx = layer.backward(0.5)
        out.append((float(loss), backend.to_cpu(dx)))
    assert out[1][0] == pytest.approx(out[0][0], rel=1e-5)
    np.testing.assert_allclose(out[1][1], out[0][1], rtol=1e-5, atol=1e-7)


def test_time_dropout_on_gpu_equals_numpy_with_a_counter_generator(cp):
    from w2vlm.nn.counter_rng import CounterRNG
    from w2vlm.nn.time_layers import TimeDropout
    x = np.ones((4, 25, 10), dtype=np.float32)
    outs = []
    for xp in (np, cp):
        drop = TimeDropout(0.5, rng=CounterRNG(7))
        outs.append(backend.to_cpu(drop.forward(xp.asarray(x))))
    np.testing.assert_array_equal(outs[1], outs[0])
    assert 0.4 < float((outs[1] > 0).mean()) < 0.6 and set(np.unique(outs[1])) <= {0.0, 2.0}
    drop.train = False
    y = cp.asarray(x)
    assert drop.forward(y) is y


@pytest.mark.parametrize("fused_numpy", [True, False])
def test_time_lstm_layer_on_gpu_equals_numpy(cp, fused_numpy):
    """The plain xp TimeLSTM on CuPy against NumPy (numba-fused or plain); tests/gpu/test_lm_gpu.py covers more."""
    from w2vlm.nn import recurrent
    rng = np.random.default_rng(5)
    N, T, D, H = 3, 5, 4, 6
    params = [(rng.standard_normal(s) * 0.4).astype(np.float32) for s in ((D, 4 * H), (H, 4 * H), (4 * H,))]
    xs, dhs = rng.standard_normal((N, T, D)).astype(np.float32), rng.standard_normal((N, T, H)).astype(np.float32)
    out = []
    for xp in (np, cp):
        layer = recurrent.TimeLSTM(*[xp.asarray(p.copy()) for p in params], fused=fused_numpy and xp is np)
        hs = layer.forward(xp.asarray(xs))
        dx = layer.backward(xp.asarray(dhs))
        out.append([backend.to_cpu(a) for a in (hs, dx, *layer.grads)])
    for cpu, gpu in zip(*out):
        np.testing.assert_allclose(gpu, cpu, rtol=1e-4, atol=1e-5)
