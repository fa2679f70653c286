"""Time layers: numerical gradients (float64), a per-step LSTM reference, fused kernels vs plain NumPy."""

import numpy as np
import pytest
from scipy.special import log_softmax

from tests.gradcheck import check_layer
from w2vlm.nn import fast_cpu, reference
from w2vlm.nn.recurrent import TimeLSTM, TimeRNN
from w2vlm.nn.time_layers import TimeAffine, TimeDropout, TimeEmbedding, TimeSoftmaxWithLoss

N, T, D, H, V = 3, 4, 5, 4, 7


def rand(*shape, seed=0, scale=1.0):
    return scale * np.random.default_rng(seed).standard_normal(shape)


@pytest.fixture(params=[True, False], ids=["fused", "numpy"])
def fused(request):
    """The layers' ``fused`` knob: numba kernels, or the plain NumPy reference."""
    return request.param


class Reseeded:
    """Runs ``layer`` with its rng re-seeded (and, for recurrent layers, its state re-set) before every forward."""

    def __init__(self, layer, seed=0, state=None):
        self.layer, self.seed, self.state = layer, seed, state
        self.params, self.grads = layer.params, layer.grads

    def forward(self, *inputs):
        if hasattr(self.layer, "rng"):
            self.layer.rng = np.random.default_rng(self.seed)
        if self.state is not None:
            self.layer.set_state(*[s.copy() for s in self.state])
        return self.layer.forward(*inputs)

    def backward(self, dout):
        return self.layer.backward(dout)


def test_time_embedding_gradient_and_lookup():
    W = rand(V, D)
    ids = np.array([[1, 2, 2, 6], [0, 2, 5, 1], [3, 3, 3, 3]], dtype=np.int32)
    layer = TimeEmbedding(W)
    np.testing.assert_array_equal(layer.forward(ids), W[ids])
    check_layer(layer, ids, wrt=None)


def test_time_embedding_word_dropout_drops_whole_types():
    W = rand(V, D)
    ids = np.array([[1, 2, 2, 6], [0, 2, 5, 1], [3, 3, 3, 3]], dtype=np.int32)
    layer = Reseeded(TimeEmbedding(W, dropout=0.5, rng=None), seed=3)
    out = layer.forward(ids)
    scale = out / W[ids]
    for word in np.unique(ids):
        assert np.allclose(scale[ids == word], scale[ids == word][0, 0])  # one decision per word type
    assert set(np.round(np.unique(scale), 6)) <= {0.0, 2.0}
    check_layer(layer, ids, wrt=None)
    layer.layer.train = False
    np.testing.assert_array_equal(layer.forward(ids), W[ids])


@pytest.mark.parametrize("kind", ["standard", "locked"])
def test_time_dropout_gradient_and_masks(kind):
    x = rand(N, T, D)
    layer = Reseeded(TimeDropout(0.4, kind=kind), seed=1)
    check_layer(layer, x)
    out = layer.forward(np.ones((N, T, D)))
    assert set(np.round(np.unique(out), 6)) <= {0.0, round(1 / 0.6, 6)}
    if kind == "locked":  # the same mask at every time step of a sequence
        assert np.all(out == out[:, :1, :])
    big = layer.forward(np.ones((200, 10, 50)))
    assert abs(big.mean() - 1.0) < 0.03
    layer.layer.train = False
    np.testing.assert_array_equal(layer.forward(x), x)


@pytest.mark.parametrize("transposed", [False, True])
def test_time_affine_gradient(transposed):
    W = rand(V, H, seed=1) if transposed else rand(H, V, seed=1)
    layer = TimeAffine(W, rand(V, seed=2), transposed=transposed)
    x = rand(N, T, H)
    expected = x @ (W.T if transposed else W) + layer.params[1]
    np.testing.assert_allclose(layer.forward(x), expected, rtol=1e-12)
    check_layer(layer, x)


def test_time_softmax_with_loss_gradient_and_ignore(fused):
    x = rand(N, T, V, scale=3.0)
    ts = np.random.default_rng(1).integers(0, V, (N, T)).astype(np.int32)
    ts[0, 1] = ts[2, 3] = -1
    layer = TimeSoftmaxWithLoss(ignore_index=-1, fused=fused)
    loss = float(layer.forward(x, ts))
    logp = log_softmax(x, axis=-1)
    keep = ts != -1
    expected = -np.mean(np.take_along_axis(logp, np.where(keep, ts, 0)[..., None], -1)[..., 0][keep])
    assert loss == pytest.approx(expected, rel=1e-12)
    check_layer(layer, x, ts)
    dx = layer.backward() if layer.forward(x, ts) is not None else None
    assert np.all(dx[0, 1] == 0) and np.all(dx[2, 3] == 0)


def test_softmax_is_stable_for_huge_scores(fused):
    x = np.array([[[1e4, 0.0, -1e4], [-3e4, -3e4, -3e4 + 1]]], dtype=np.float32)
    ts = np.array([[1, 2]], dtype=np.int32)
    layer = TimeSoftmaxWithLoss(fused=fused)
    loss = float(layer.forward(x, ts))
    assert np.isfinite(loss) and loss == pytest.approx((1e4 + np.log1p(2 * np.exp(-1.0))) / 2, rel=1e-6)
    assert np.all(np.isfinite(layer.backward()))


def test_fused_softmax_matches_reference():
    rng = np.random.default_rng(0)
    for dtype in (np.float32, np.float64):
        scores = (5 * rng.standard_normal((50, 300))).astype(dtype)
        labels = rng.integers(0, 300, 50)
        labels[::7] = -1
        a, b = scores.copy(), scores.copy()
        loss_a, w_a = fast_cpu.softmax_ce_forward(a, labels, -1)
        loss_b, w_b = reference.softmax_ce_forward_reference(b, labels, -1)
        tol = 1e-5 if dtype == np.float32 else 1e-12
        np.testing.assert_allclose(loss_a, loss_b, rtol=tol)
        np.testing.assert_allclose(w_a, w_b, rtol=tol)
        fast_cpu.softmax_ce_backward(a, labels, w_a, 0.5)
        reference.softmax_ce_backward_reference(b, labels, w_b, 0.5)
        np.testing.assert_allclose(a, b, rtol=tol, atol=tol * 1e-3)


@pytest.mark.parametrize("cell", [TimeRNN, TimeLSTM])
def test_recurrent_gradient(cell, fused):
    gates = 4 if cell is TimeLSTM else 1
    layer = cell(rand(D, gates * H, seed=1, scale=0.5), rand(H, gates * H, seed=2, scale=0.5),
                 rand(gates * H, seed=3, scale=0.5), stateful=True, fused=fused)
    state = [rand(N, H, seed=4)] + ([rand(N, H, seed=5)] if cell is TimeLSTM else [])
    check_layer(Reseeded(layer, state=state), rand(N, T, D))


def lstm_per_step(x, Wx, Wh, b, h, c):
    """The plain LSTM, one step at a time with its own loops, [i, f, o, g] gates; returns hs and a backward."""
    sig = lambda z: 1 / (1 + np.exp(-z))  # noqa: E731
    steps, hs = [], []
    for t in range(x.shape[1]):
        a = x[:, t] @ Wx + h @ Wh + b
        i, f, o, g = sig(a[:, :H]), sig(a[:, H:2 * H]), sig(a[:, 2 * H:3 * H]), np.tanh(a[:, 3 * H:])
        c_new = f * c + i * g
        h_new = o * np.tanh(c_new)
        steps.append((x[:, t], h, c, i, f, o, g, c_new))
        h, c = h_new, c_new
        hs.append(h)

    def backward(dhs):
        grads = [np.zeros_like(Wx), np.zeros_like(Wh), np.zeros_like(b)]
        dxs, dh, dc = np.zeros_like(x), np.zeros_like(h), np.zeros_like(c)
        for t in reversed(range(x.shape[1])):
            xt, h_prev, c_prev, i, f, o, g, c_new = steps[t]
            dh = dh + dhs[:, t]
            tc = np.tanh(c_new)
            dc = dc + dh * o * (1 - tc ** 2)
            da = np.hstack([dc * g * i * (1 - i), dc * c_prev * f * (1 - f), dh * tc * o * (1 - o),
                            dc * i * (1 - g ** 2)])
            grads[0] += xt.T @ da
            grads[1] += h_prev.T @ da
            grads[2] += da.sum(0)
            dxs[:, t] = da @ Wx.T
            dh, dc = da @ Wh.T, dc * f
        return grads, dxs

    return np.stack(hs, axis=1), backward


@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_lstm_matches_per_step_reference(dtype, fused):
    Wx, Wh, b = rand(D, 4 * H, seed=1), rand(H, 4 * H, seed=2), rand(4 * H, seed=3)
    x, h0, c0, dhs = rand(N, 2 * T, D), rand(N, H, seed=4), rand(N, H, seed=5), rand(N, 2 * T, H, seed=6)
    expected, reference_backward = lstm_per_step(x, Wx, Wh, b, h0, c0)
    grads, dx = reference_backward(dhs)
    layer = TimeLSTM(*[a.astype(dtype) for a in (Wx, Wh, b)], stateful=True, fused=fused)
    layer.set_state(h0.astype(dtype), c0.astype(dtype))
    tol = 1e-12 if dtype == np.float64 else 2e-5
    hs = layer.forward(x.astype(dtype))
    assert hs.dtype == dtype
    np.testing.assert_allclose(hs, expected, rtol=tol, atol=tol)
    dx_layer = layer.backward(dhs.astype(dtype))
    np.testing.assert_allclose(dx_layer, dx, rtol=tol * 10, atol=tol * 10)
    for g_layer, g in zip(layer.grads, grads):
        np.testing.assert_allclose(g_layer, g, rtol=tol * 10, atol=tol * 10)


@pytest.mark.parametrize("cell", [TimeRNN, TimeLSTM])
def test_stateful_halves_equal_whole(cell, fused):
    gates = 4 if cell is TimeLSTM else 1
    params = [rand(D, gates * H, seed=1), rand(H, gates * H, seed=2), rand(gates * H, seed=3)]
    x = rand(N, 2 * T, D)
    whole = cell(*params, stateful=True, fused=fused).forward(x)
    layer = cell(*params, stateful=True, fused=fused)
    halves = np.concatenate([layer.forward(x[:, :T]), layer.forward(x[:, T:])], axis=1)
    np.testing.assert_allclose(halves, whole, rtol=1e-12)
    layer.reset_state()
    np.testing.assert_allclose(layer.forward(x[:, :T]), whole[:, :T], rtol=1e-12)
    fresh = cell(*params, stateful=False, fused=fused)
    fresh.forward(x[:, :T])
    np.testing.assert_allclose(fresh.forward(x[:, :T]), whole[:, :T], rtol=1e-12)  # not stateful: no carry


def test_layers_accept_any_layout():
    """Batch-major C arrays and the time-major views the layers return give the same results."""
    layer = TimeLSTM(rand(D, 4 * H, seed=1), rand(H, 4 * H, seed=2), rand(4 * H, seed=3))
    x = rand(N, T, D)
    view = np.ascontiguousarray(x.swapaxes(0, 1)).swapaxes(0, 1)
    np.testing.assert_array_equal(layer.forward(x), layer.forward(view))


@pytest.mark.filterwarnings("ignore::RuntimeWarning")
def test_nan_scores_give_a_nan_loss(fused):
    x = rand(N, T, V).astype(np.float32)
    x[1, 2, 3] = np.nan
    assert np.isnan(float(TimeSoftmaxWithLoss(fused=fused).forward(x, np.zeros((N, T), dtype=np.int32))))
    x[1, 2, 3] = np.inf
    assert not np.isfinite(float(TimeSoftmaxWithLoss(fused=fused).forward(x, np.zeros((N, T), dtype=np.int32))))


def test_float32_approximations_are_accurate():
    x = np.linspace(-20, 20, 200001).astype(np.float32)
    np.testing.assert_allclose(fast_cpu.tanh32(x), np.tanh(x.astype(np.float64)), rtol=0, atol=5e-7)
    x = np.linspace(-87, 0, 200001).astype(np.float32)
    np.testing.assert_allclose(fast_cpu.exp32(x), np.exp(x.astype(np.float64)), rtol=3e-7, atol=0)


@pytest.mark.parametrize("rows", [1, 3, 4, 6, 9, 13])
def test_packed_step_matmul_matches_blas(rows):
    rng = np.random.default_rng(rows)
    W = rng.standard_normal((37, 150)).astype(np.float32)  # 150 columns: full panels plus a partial one
    h = rng.standard_normal((rows, 37)).astype(np.float32)
    for weights in (W, np.asfortranarray(W), W.T.copy().T):
        out = np.full((rows, 150), np.nan, dtype=np.float32)
        fast_cpu.matmul_packed(h, fast_cpu.pack_weights(weights), out)
        np.testing.assert_allclose(out, h @ W, rtol=1e-5, atol=1e-5)


@pytest.mark.parametrize("cell", [TimeRNN, TimeLSTM])
def test_packed_step_matmul_in_recurrent_layers(cell):
    gates = 4 if cell is TimeLSTM else 1
    params = [rand(D, gates * H, seed=1).astype(np.float32), rand(H, gates * H, seed=2).astype(np.float32),
              rand(gates * H, seed=3).astype(np.float32)]
    x, dhs = rand(N, T, D).astype(np.float32), rand(N, T, H, seed=4).astype(np.float32)
    results = []
    assert fast_cpu.use_packed(params[1], N)
    for fused in (False, True):  # BLAS and the xp gates, then the packed kernel and the numba gates
        layer = cell(*[p.copy() for p in params], fused=fused)
        results.append((layer.forward(x).copy(), layer.backward(dhs).copy(), [g.copy() for g in layer.grads]))
    (h_a, dx_a, g_a), (h_b, dx_b, g_b) = results
    np.testing.assert_allclose(h_a, h_b, rtol=1e-5, atol=1e-6)
    np.testing.assert_allclose(dx_a, dx_b, rtol=1e-5, atol=1e-6)
    for a, b in zip(g_a, g_b):
        np.testing.assert_allclose(a, b, rtol=1e-5, atol=1e-5)
