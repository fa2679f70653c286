"""GPU tests: they need CuPy and a CUDA device and skip without them; kernel sources also compile with nvcc."""

import shutil
import subprocess

import pytest


def require_gpu():
    """The cupy module, or skip the calling test when CuPy or a usable CUDA device is missing."""
    cupy = pytest.importorskip("cupy")
    from w2vlm.backend import gpu_available
    if not gpu_available():
        pytest.skip("CuPy is installed but no CUDA device is usable")
    return cupy


def nvcc_compile(source, tmp_path, name, arch="sm_90"):
    """Compile a CUDA source with nvcc (skip when nvcc is not on PATH); returns ptxas' resource report."""
    nvcc = shutil.which("nvcc")
    if nvcc is None:
        pytest.skip("nvcc is not on PATH")
    path = tmp_path / f"{name}.cu"
    path.write_text(source)
    result = subprocess.run([nvcc, f"-arch={arch}", "-c", "-o", str(tmp_path / f"{name}.o"), str(path),
                             "--resource-usage"], capture_output=True, text=True, timeout=600)
    assert result.returncode == 0, result.stderr[-4000:]
    return result.stderr
