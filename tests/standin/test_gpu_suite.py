"""tests/gpu collected again on the CuPy stand-in, so CI runs the device suite's checks on every commit.

Here the fused kernels are the NumPy transcriptions of tests/support: these runs check the plumbing around the
kernels, the emulations' fidelity to the CUDA semantics (contexts, counts, sampling streams) and the layers on
CuPy arrays; the CUDA code itself is checked only when tests/gpu runs on a real device (benchmarks/gpu_check.py).
Left out: tests that need nvcc, and two that walk 10^5-10^6 positions, too slow for the emulation.
"""

import inspect

import pytest

from tests.gpu import test_backend_gpu, test_lm_gpu, test_word2vec_gpu

TOO_SLOW = {"test_sampling_statistics", "test_full_concurrency_on_a_larger_vocabulary_still_learns"}
NEEDS_NVCC = {"test_kernel_source_compiles_with_nvcc"}


@pytest.fixture
def cp(standin_cupy):
    """The device suite's ``cp`` fixture, answered by the stand-in."""
    return standin_cupy


fused = test_lm_gpu.fused  # the device suite's parametrized fixture, asking for the ``cp`` above


def _collect():
    for module in (test_backend_gpu, test_lm_gpu, test_word2vec_gpu):
        for name, function in inspect.getmembers(module, inspect.isfunction):
            if name.startswith("test_") and name not in TOO_SLOW | NEEDS_NVCC and function.__module__ == module.__name__:
                yield f"{name}_on_standin" if name in globals() else name, function


for _name, _function in _collect():
    globals()[_name] = _function
