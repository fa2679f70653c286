"""The CuPy stand-in refuses what CuPy 14 refuses (so the GPU tests mean something) and counts syncs and uploads."""

import numpy as np
import pytest

from tests.support.standin_array import LEDGER


def test_no_implicit_conversion_to_numpy(standin_cupy):
    x = standin_cupy.arange(4, dtype=np.float32)
    with pytest.raises(TypeError, match="Implicit conversion"):
        np.asarray(x)
    with pytest.raises(TypeError):
        np.array([x])
    with pytest.raises(TypeError):
        range(standin_cupy.asarray(3))  # no __index__
    np.testing.assert_array_equal(x.get(), np.arange(4))


def test_host_operands_and_host_slices_are_refused(standin_cupy):
    cp = standin_cupy
    x = cp.zeros((2, 3), dtype=np.float32)
    for bad in (np.ones(3, dtype=np.float32), [1.0, 2.0, 3.0]):
        with pytest.raises(TypeError, match="Unsupported type"):
            x + bad
        with pytest.raises(TypeError):
            cp.multiply(x, bad)
    with pytest.raises(TypeError):
        np.ones(3, dtype=np.float32) * x  # NumPy hands the ufunc to the device array, which refuses
    with pytest.raises(ValueError, match="fill"):
        x[0] = np.ones(3, dtype=np.float32)
    with pytest.raises(TypeError):
        cp.ascontiguousarray(np.ones(3))
    x[0] = cp.ones(3, dtype=np.float32)  # device values and scalars are fine
    x[1] = np.float32(2.0)
    assert float((x + 1).sum()) == 15.0


def test_reductions_and_scalar_indexing_give_0d_device_views(standin_cupy):
    x = standin_cupy.arange(6, dtype=np.float32)
    assert type(x.sum()) is standin_cupy.ndarray and x.sum().shape == ()
    view = x[2]
    view += 10
    assert float(x[2]) == 12.0


def test_only_cupy_names_exist_and_scatter_add_is_deprecated(standin_cupy):
    import cupyx
    assert not hasattr(standin_cupy, "float_") and hasattr(standin_cupy.add, "at")
    target = standin_cupy.zeros(3)
    with pytest.warns(DeprecationWarning):
        cupyx.scatter_add(target, standin_cupy.asarray([0, 0]), 1.0)
    standin_cupy.add.at(target, standin_cupy.asarray([2]), 5.0)
    np.testing.assert_array_equal(target.get(), [2.0, 0.0, 5.0])


def test_syncs_and_uploads_are_counted_per_call_site(standin_cupy):
    LEDGER.reset()
    x = standin_cupy.asarray(np.arange(5))  # upload
    x[np.array([0, 1])]  # implicit upload of a host index
    float(x.sum()), bool(x[0] == 0), x.get()  # three syncs
    x[x > 2]  # a boolean mask: the output size is read back
    standin_cupy.unique(x)
    assert LEDGER.total("uploads", "test_standin_rules.py") == 2
    assert LEDGER.total("syncs", "test_standin_rules.py") == 5
