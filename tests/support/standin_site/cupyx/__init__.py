"""``cupyx`` of the stand-in for subprocesses (see ../cupy/__init__.py)."""

import sys

import cupy  # noqa: F401  (installs the stand-in's modules, cupyx among them)

sys.modules["cupyx"] = sys.modules["cupy"]._modules["cupyx"]
