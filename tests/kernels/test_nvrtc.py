"""NVRTC compiles every kernel configuration that the GPU code picks, for sm_80 and sm_90, as CuPy would.

Needs the ``nvidia-cuda-nvrtc`` wheel (a test extra; no GPU and no CUDA toolkit): the library is loaded with ctypes,
each source gets the name expressions the code passes to ``RawModule``, and every kernel name must come out of
the cubin. Skips with a reason when the wheel is absent.
"""

import ctypes
import importlib.util
from pathlib import Path

import pytest

from w2vlm.embeddings.kernels import word2vec_gpu
from w2vlm.nn import fast_gpu

ARCHES = (80, 90)
# (dim, negatives, window, min_blocks): the CLI defaults, a dim 4 does not divide, a large dim with several slots
# per lane, a register cap (benchmarks/word2vec_gpu.py --min-blocks); dims of 300 and up compile too, slowly.
WORD2VEC = [(100, 5, 5, 0), (50, 5, 5, 0), (200, 5, 5, 0), (128, 15, 10, 2)]


def _library():
    """libnvrtc from the nvidia-cuda-nvrtc wheel (nvidia/cu13/lib or nvidia/cuda_nvrtc/lib), or a skip."""
    spec = importlib.util.find_spec("nvidia")
    roots = list(spec.submodule_search_locations) if spec and spec.submodule_search_locations else []
    found = sorted(p for root in roots for p in Path(root).glob("**/libnvrtc.so*") if "builtins" not in p.name)
    if not found:
        pytest.skip("the nvidia-cuda-nvrtc wheel is not installed (pip install -e '.[test]' brings it)")
    library = ctypes.CDLL(str(found[-1]))
    library.nvrtcGetErrorString.restype = ctypes.c_char_p
    return library


@pytest.fixture(scope="module")
def nvrtc():
    return _library()


def compile_cubin(nvrtc, code, arch, name_expressions=()):
    """(cubin bytes, {name expression: lowered name}); raises AssertionError with NVRTC's log on failure."""
    program = ctypes.c_void_p()
    check = lambda status, what: status == 0 or pytest.fail(  # noqa: E731
        f"{what}: {nvrtc.nvrtcGetErrorString(status).decode()}")
    check(nvrtc.nvrtcCreateProgram(ctypes.byref(program), code.encode(), b"kernel.cu", 0, None, None), "create")
    try:
        for name in name_expressions:
            check(nvrtc.nvrtcAddNameExpression(program, name.encode()), f"name expression {name}")
        options = (ctypes.c_char_p * 1)(f"--gpu-architecture=sm_{arch}".encode())
        status = nvrtc.nvrtcCompileProgram(program, 1, options)
        size = ctypes.c_size_t()
        nvrtc.nvrtcGetProgramLogSize(program, ctypes.byref(size))
        log = ctypes.create_string_buffer(size.value)
        nvrtc.nvrtcGetProgramLog(program, log)
        assert status == 0, f"NVRTC failed for sm_{arch}:\n{log.value.decode(errors='replace')[-4000:]}"
        lowered = {}
        for name in name_expressions:
            out = ctypes.c_char_p()
            check(nvrtc.nvrtcGetLoweredName(program, name.encode(), ctypes.byref(out)), f"lowered {name}")
            lowered[name] = out.value.decode()
        nvrtc.nvrtcGetCUBINSize(program, ctypes.byref(size))
        cubin = ctypes.create_string_buffer(size.value)
        check(nvrtc.nvrtcGetCUBIN(program, cubin), "cubin")
        return cubin.raw, lowered
    finally:
        nvrtc.nvrtcDestroyProgram(ctypes.byref(program))


@pytest.mark.parametrize("arch", ARCHES)
def test_lstm_softmax_kernels_compile_with_their_name_expressions(nvrtc, arch):
    cubin, lowered = compile_cubin(nvrtc, fast_gpu.SOURCE, arch, fast_gpu._NAMES)
    assert set(lowered) == set(fast_gpu._NAMES)
    for name in lowered.values():
        assert name.encode() in cubin


@pytest.mark.parametrize("arch", ARCHES)
@pytest.mark.parametrize("dim, negatives, window, min_blocks", WORD2VEC)
def test_word2vec_kernels_compile_as_kernels_picks_them(nvrtc, arch, dim, negatives, window, min_blocks):
    vec = word2vec_gpu.vector_width(dim, arch)
    assert vec == (4 if arch >= 90 and dim % 4 == 0 else 1)
    code = word2vec_gpu.kernel_source(dim, negatives, window, vec, min_blocks)
    cubin, _ = compile_cubin(nvrtc, code, arch)
    for name in ("w2v_cbow", "w2v_skipgram", "w2v_probe", "w2v_cbow_step", "w2v_pair_step"):
        assert name.encode() + b"\0" in cubin
