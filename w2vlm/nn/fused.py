"""The one seam that picks fused kernels by the arrays: NumPy -> numba (fast_cpu), CuPy -> CUDA (fast_gpu).

As in Chainer's UpdateRule, the data decides: a layer asks ``kernels_for(x, family, fused)`` with the array it is
about to compute on, and gets the kernel module for that array's backend, or None for the plain xp reference.
``fused=False`` (the API's knob; ``--no-fused`` in the CLI) always gives the reference. There are no module
switches. On CuPy the first use of each kernel family in a process is checked against the layered reference on a
tiny input (``self_checked``); a mismatch or a failure logs one warning naming the kernel, and that family then
runs the reference: never silently wrong numbers. Word2vec's fused runners are picked by the same rule in
``embeddings/train.py`` with their own self-check (``embeddings.kernels.word2vec_selfcheck.self_check``).
"""

import logging

import numpy as np

from ..backend import array_module

log = logging.getLogger("w2vlm")
_VERDICTS = {}  # (device array module, family) -> did the family's first-use check pass (a cache, not a switch)


def kernels_for(x, family, fused=True):
    """The kernel module for computing ``family`` ("lstm" or "softmax") on arrays like ``x``, or None.

    NumPy float32/float64 arrays get ``fast_cpu`` (numba), CuPy ones ``fast_gpu`` (CUDA) once that
    family passed its self-check; other dtypes, ``fused=False`` or a failed check give None (the reference).
    """
    if not fused or x.dtype not in (np.float32, np.float64):
        return None
    xp = array_module(x)
    if xp is np:
        try:
            from . import fast_cpu  # numba: imported on first use
        except ImportError:
            return None
        return fast_cpu
    from . import fast_gpu, gpu_selfcheck
    return fast_gpu if self_checked(xp, family, gpu_selfcheck.CHECKS[family]) else None


def self_checked(xp, family, check):
    """True when ``check(xp)`` found no problem on its first call for this device module (later calls reuse it).

    ``check`` returns None or a short description of the mismatch naming the kernel; an exception counts as a
    failure. On failure one warning is logged and False returned from then on.
    """
    key = (xp, family)
    if key not in _VERDICTS:
        try:
            problem = check(xp)
        except Exception as exc:  # a kernel that cannot compile or launch is a failed check, not a crash
            problem = f"{type(exc).__name__}: {' '.join(str(exc).split())}"
        if problem:
            log.warning("fused %s kernels disagree with the layered reference on a tiny input (%s); "
                        "using the layered reference instead", family, problem)
        _VERDICTS[key] = not problem
    return _VERDICTS[key]


def verdicts(xp):
    """{family: passed} for every first-use check run so far on device module ``xp`` (for reports)."""
    return {family: passed for (module, family), passed in _VERDICTS.items() if module is xp}
