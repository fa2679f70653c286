"""The NumPy/CuPy switch works on a CPU-only machine and fails clearly when a GPU is asked for."""

import os

import numpy as np
import pytest

from w2vlm import backend
from w2vlm.errors import BackendUnavailable


def test_cpu_is_numpy():
    assert backend.get_xp("cpu") is np
    assert backend.get_xp(None) is np


def test_auto_falls_back_to_numpy_without_gpu():
    xp = backend.get_xp("auto")
    assert xp is np or backend.gpu_available()


def test_gpu_without_cupy_names_the_fix(monkeypatch):
    import builtins
    real_import = builtins.__import__

    def no_cupy(name, *args, **kwargs):
        if name == "cupy" or name.startswith("cupy."):
            raise ImportError("No module named 'cupy'")
        return real_import(name, *args, **kwargs)

    monkeypatch.setattr(builtins, "__import__", no_cupy)
    with pytest.raises(BackendUnavailable, match=r"pip install 'w2vlm\[gpu\]'"):
        backend.get_xp("gpu")


def test_unknown_device():
    with pytest.raises(BackendUnavailable, match="unknown device"):
        backend.get_xp("tpu")


def test_array_module_and_to_cpu():
    a = np.arange(3)
    assert backend.array_module(a) is np
    assert backend.array_module(1.5) is np
    assert backend.to_cpu(a) is a
    assert not backend.is_gpu(np)


@pytest.mark.parametrize("n", [5, 1000])
def test_scatter_add_sums_duplicates_like_add_at(n):
    rng = np.random.default_rng(0)
    rows = rng.integers(0, 7, size=n)
    values = rng.standard_normal((n, 4)).astype(np.float32)
    expected = np.zeros((7, 4), np.float32)
    np.add.at(expected, rows, values)
    got = backend.scatter_add(np.zeros((7, 4), np.float32), rows, values)
    np.testing.assert_allclose(got, expected, rtol=1e-5, atol=1e-5)


def test_scatter_add_1d():
    target = np.zeros(3)
    backend.scatter_add(target, np.array([0, 0, 2]), np.array([1.0, 2.0, 5.0]))
    np.testing.assert_array_equal(target, [3.0, 0.0, 5.0])


def test_seed_everything_is_reproducible():
    a = backend.seed_everything(7).standard_normal(4)
    b = backend.seed_everything(7).standard_normal(4)
    np.testing.assert_array_equal(a, b)


def test_set_threads_limits_blas_and_numba_and_none_leaves_them():
    import numba
    from threadpoolctl import threadpool_info, threadpool_limits
    numba_before = numba.get_num_threads()
    blas_before = {pool["prefix"]: pool["num_threads"] for pool in threadpool_info()}
    omp_before = os.environ.get("OMP_NUM_THREADS")
    try:
        backend.set_threads(None)
        assert numba.get_num_threads() == numba_before
        assert {pool["prefix"]: pool["num_threads"] for pool in threadpool_info()} == blas_before
        backend.set_threads(1)
        assert numba.get_num_threads() == 1
        assert all(pool["num_threads"] == 1 for pool in threadpool_info())
        assert os.environ.get("OMP_NUM_THREADS") == omp_before  # the library never writes os.environ
    finally:
        numba.set_num_threads(numba_before)
        threadpool_limits(limits=blas_before)


def test_gpu_backend_on_cuda_machine():
    cupy = pytest.importorskip("cupy")
    if not backend.gpu_available():
        pytest.skip("CuPy is installed but no CUDA device is visible")
    xp = backend.get_xp("gpu")
    assert xp is cupy
    target = xp.zeros((5, 3), xp.float32)
    backend.scatter_add(target, xp.asarray([1, 1, 4]), xp.ones((3, 3), xp.float32))
    np.testing.assert_array_equal(backend.to_cpu(target)[1], [2, 2, 2])
    assert backend.array_module(target) is cupy
