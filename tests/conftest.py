"""Fixtures shared by every test directory."""

import pytest


@pytest.fixture
def standin_cupy(monkeypatch):
    """The strict NumPy-backed CuPy stand-in (tests/support) as ``cupy``/``cupyx`` for this test; its ledger of
    host syncs and uploads starts empty. w2vlm imports cupy lazily, so ``--device gpu`` runs on it."""
    from tests.support import cupy_standin
    return cupy_standin.install(monkeypatch)


def pytest_addoption(parser):
    parser.addoption("--kernel-sanitizers", action="store_true",
                     help="build the CUDA-on-CPU kernels (tests/kernels) with -fsanitize=address,undefined; "
                          "the interpreter must preload libasan (tests/kernels/test_sanitizers.py does)")
