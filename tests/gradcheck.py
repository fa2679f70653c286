"""Numerical-gradient checks (central differences, float64, tiny shapes) for layers and models in the book's protocol.

Usage in a test::

    from tests.gradcheck import check_layer, check_loss

    layer = Affine(W, b)                         # float64 params
    check_layer(layer, x)                        # params + input gradient, with a random upstream gradient
    check_loss(model, contexts, target)          # forward(...) -> scalar loss; backward() fills model.grads

Sparse gradients (``SparseGrad``) are densified; a parameter listed twice (weight tying) is compared against the
sum of its gradients. Random draws inside ``forward`` must be fixed by the caller (pass explicit negatives,
re-seed, or set dropout to eval) because forward runs many times.
"""

import numpy as np

EPS = 1e-6
RTOL = 1e-5
ATOL = 1e-7


def numerical_gradient(f, x, eps=EPS):
    """d f() / d x by central differences, perturbing ``x`` (a float64 array) in place one element at a time."""
    assert x.dtype == np.float64, "gradient checks need float64 arrays"
    grad = np.zeros_like(x)
    flat, gflat = x.reshape(-1), grad.reshape(-1)
    for i in range(flat.size):
        saved = flat[i]
        flat[i] = saved + eps
        plus = float(f())
        flat[i] = saved - eps
        minus = float(f())
        flat[i] = saved
        gflat[i] = (plus - minus) / (2 * eps)
    return grad


def dense(grad, xp=np):
    """A gradient as a dense NumPy array (SparseGrad densified)."""
    if hasattr(grad, "to_dense"):
        grad = grad.to_dense(xp)
    return np.asarray(grad)


def assert_close(analytic, numeric, name="gradient", rtol=RTOL, atol=ATOL):
    """Fail with the worst element when ``analytic`` and ``numeric`` differ beyond tolerance."""
    analytic, numeric = np.asarray(analytic, dtype=np.float64), np.asarray(numeric, dtype=np.float64)
    assert analytic.shape == numeric.shape, f"{name}: shape {analytic.shape} != {numeric.shape}"
    err = np.abs(analytic - numeric)
    bound = atol + rtol * np.abs(numeric)
    if not np.all(err <= bound):
        worst = np.unravel_index(np.argmax(err - bound), err.shape)
        raise AssertionError(f"{name}: analytic {analytic[worst]:.8g} vs numeric {numeric[worst]:.8g} "
                             f"at {worst} (max abs err {err.max():.3g})")


def _param_groups(params, grads):
    """[(array, [grads...])] with arrays that appear several times (tied weights) grouped once."""
    groups = {}
    for p, g in zip(params, grads):
        groups.setdefault(id(p), (p, []))[1].append(g)
    return list(groups.values())


def check_params(loss_fn, run_backward, params, grads, rtol=RTOL, atol=ATOL):
    """Compare analytic parameter gradients with numerical ones.

    ``loss_fn()`` runs a forward pass and returns the scalar loss; ``run_backward()`` runs forward + backward so
    that ``grads`` hold the analytic gradients at the current parameters.
    """
    run_backward()
    analytic = [(p, sum(dense(g) for g in gs)) for p, gs in _param_groups(params, grads)]
    for i, (p, g) in enumerate(analytic):
        assert_close(g, numerical_gradient(loss_fn, p), f"param {i} {p.shape}", rtol, atol)


def check_layer(layer, *inputs, wrt=0, dout=None, seed=0, rtol=RTOL, atol=ATOL):
    """Check ``layer``'s parameter gradients and the gradient it returns for ``inputs[wrt]`` (None: skip).

    The layer's output is reduced to a scalar as sum(out * dout) with a fixed random ``dout`` (or the one given);
    a layer whose forward already returns a scalar loss gets dout = 1.
    """
    probe = layer.forward(*inputs)
    scalar = np.ndim(probe) == 0
    if dout is None and not scalar:
        dout = np.random.default_rng(seed).standard_normal(np.shape(probe))

    def loss():
        out = layer.forward(*inputs)
        return float(out) if scalar else float((out * dout).sum())

    def backward():
        layer.forward(*inputs)
        return layer.backward(1.0 if scalar else dout)

    check_params(loss, backward, layer.params, layer.grads, rtol, atol)
    if wrt is not None:
        dx = backward()
        if isinstance(dx, tuple):
            dx = dx[0]
        assert_close(dx, numerical_gradient(loss, inputs[wrt]), f"input {wrt}", rtol, atol)


def check_loss(model, *inputs, rtol=RTOL, atol=ATOL):
    """Check a model whose ``forward(*inputs)`` returns a scalar loss and whose ``backward()`` fills its grads."""

    def loss():
        return float(model.forward(*inputs))

    def backward():
        model.forward(*inputs)
        model.backward()

    check_params(loss, backward, model.params, model.grads, rtol, atol)
