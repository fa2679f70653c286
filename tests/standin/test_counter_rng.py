"""Dropout randomness: the counter-based generator gives the same draws on NumPy (numba) and CuPy (xp ops)."""

import numpy as np
import pytest

from w2vlm.nn.counter_rng import CounterRNG


@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_numpy_and_device_draws_are_identical_and_continue_the_stream(standin_cupy, dtype):
    cpu, gpu, whole = CounterRNG(12345), CounterRNG(12345), CounterRNG(12345)
    a, b = cpu.uniform(np, (3, 7), dtype), cpu.uniform(np, (5,), dtype)
    c, d = gpu.uniform(standin_cupy, (3, 7), dtype), gpu.uniform(standin_cupy, (5,), dtype)
    assert a.dtype == dtype and c.dtype == dtype and c.shape == (3, 7)
    np.testing.assert_array_equal(c.get(), a)
    np.testing.assert_array_equal(d.get(), b)
    np.testing.assert_array_equal(whole.uniform(np, (26,), dtype), np.concatenate([a.ravel(), b]))


def test_draws_are_uniform_and_the_state_round_trips():
    rng = CounterRNG.from_generator(np.random.default_rng(0))
    u = rng.uniform(np, (200_000,))
    assert 0.0 <= u.min() and u.max() < 1.0 and abs(u.mean() - 0.5) < 0.005
    assert np.histogram(u, bins=10, range=(0, 1))[0].min() > 19_000
    saved = rng.state_dict()
    after = rng.uniform(np, (10,))
    other = CounterRNG(1)
    other.load_state_dict(saved)
    np.testing.assert_array_equal(other.uniform(np, (10,)), after)
