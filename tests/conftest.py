"""Fixtures shared by every test directory."""

import pytest


@pytest.fixture
def standin_cupy(monkeypatch):
    """The strict NumPy-backed CuPy stand-in (tests/support) as ``cupy``/``cupyx`` for this test; its ledger of
    host syncs and uploads starts empty. w2vlm imports cupy lazily, so ``--device gpu`` runs on it."""
    from tests.support import cupy_standin
    return cupy_standin.install(monkeypatch)
