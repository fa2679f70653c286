"""The NumPy/CuPy switch: the only module that imports cupy, and only when asked to."""

import numpy as np

from .errors import BackendUnavailable

_GPU_HINT = ("install CuPy for your CUDA version, e.g. pip install 'w2vlm[gpu]' (CUDA 12) "
             "or 'w2vlm[gpu-cuda13]' (CUDA 13), or use --device cpu")


def _import_cupy():
    try:
        import cupy
    except Exception as exc:  # ImportError, or a broken CUDA install raising on import
        raise BackendUnavailable(f"--device gpu needs CuPy, which could not be imported ({exc}); {_GPU_HINT}") from None
    try:
        count = cupy.cuda.runtime.getDeviceCount()
    except Exception as exc:
        raise BackendUnavailable(f"CuPy is installed but no CUDA device is usable ({exc}); use --device cpu") from None
    if count < 1:
        raise BackendUnavailable("CuPy is installed but no CUDA device was found; use --device cpu")
    return cupy


def gpu_available():
    """True when CuPy imports and sees at least one CUDA device."""
    try:
        _import_cupy()
    except BackendUnavailable:
        return False
    return True


def get_xp(device="cpu"):
    """Return the array module for ``device``: 'cpu' -> numpy, 'gpu' -> cupy, 'auto' -> cupy if usable."""
    if device in (None, "cpu"):
        return np
    if device == "gpu":
        return _import_cupy()
    if device == "auto":
        return _import_cupy() if gpu_available() else np
    raise BackendUnavailable(f"unknown device {device!r}; use cpu, gpu or auto")


def array_module(x):
    """numpy or cupy, whichever owns ``x`` (numpy for plain Python values)."""
    module = type(x).__module__
    if module.startswith("cupy"):
        import cupy
        return cupy
    return np


def is_gpu(xp):
    """True when ``xp`` is cupy."""
    return xp.__name__ == "cupy"


def to_cpu(x):
    """A NumPy array (or Python scalar passed through) from a NumPy or CuPy value."""
    if type(x).__module__.startswith("cupy"):
        return x.get()
    return x


def to_device(x, xp):
    """``x`` as an array of ``xp`` (a no-op when it already is one)."""
    return xp.asarray(x)


def scatter_add(target, indices, values):
    """target[indices] += values with duplicate indices summed, in place, on either backend.

    ``indices`` is 1-D; ``values`` has shape ``(len(indices),) + target.shape[1:]``.
    """
    if type(target).__module__.startswith("cupy"):
        import cupy
        cupy.add.at(target, indices, values)  # cupyx.scatter_add is deprecated since CuPy 13
        return target
    indices = np.asarray(indices)
    if target.ndim == 2 and values.ndim == 2 and target.flags.c_contiguous and len(indices) > 32:
        _scatter_add_rows()(target, indices.astype(np.int64, copy=False),
                            np.ascontiguousarray(values, dtype=target.dtype))
    else:
        np.add.at(target, indices, values)
    return target


_ROW_KERNEL = None


def _scatter_add_rows():
    """A numba loop for target[rows] += values: 3-6x faster than np.add.at, compiled once and cached on disk."""
    global _ROW_KERNEL
    if _ROW_KERNEL is None:
        import numba

        @numba.njit(cache=True, nogil=True)
        def add_rows(target, rows, values):
            width = target.shape[1]
            for i in range(rows.shape[0]):
                row = rows[i]
                for j in range(width):
                    target[row, j] += values[i, j]

        _ROW_KERNEL = add_rows
    return _ROW_KERNEL


def seed_everything(seed, xp=np):
    """Seed CuPy's global generator when ``xp`` is cupy; return a NumPy Generator for everything else.

    Initial weights are always drawn from the returned NumPy generator and then moved to the device,
    so CPU and GPU runs start from identical parameters.
    """
    if is_gpu(xp):
        xp.random.seed(seed)
    return np.random.default_rng(seed)


def set_threads(threads):
    """Limit BLAS and numba worker threads to ``threads`` for this process (None leaves them alone).

    Call it at the edge (the CLI, or a user's script) before the work starts; the library never calls it.
    """
    if threads is None:
        return
    import numba
    from threadpoolctl import threadpool_limits
    threads = max(1, int(threads))
    threadpool_limits(limits=threads)
    numba.set_num_threads(min(threads, numba.config.NUMBA_NUM_THREADS))
