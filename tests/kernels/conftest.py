"""Fixtures of the kernel tests: the g++ toolchain and the compiled .cu modules (skipped without g++)."""

import pytest

from tests.support import cuda_on_cpu
from w2vlm.embeddings.kernels import word2vec_gpu
from w2vlm.nn import fast_gpu


@pytest.fixture(scope="session")
def toolchain(request):
    """Builds the .cu files for the CPU (cached by source and flags); ASan/UBSan with --kernel-sanitizers."""
    if cuda_on_cpu.compiler() is None:
        pytest.skip("g++ is not installed: the kernel tests compile the .cu files for the CPU with it")
    return cuda_on_cpu.Toolchain(sanitize=request.config.getoption("--kernel-sanitizers"))


# (dim, negatives, window, vec): vec 1 and 4, one and several vector slots per lane, partial last slots
WORD2VEC_CONFIGS = [(8, 3, 2, 1), (8, 3, 2, 4), (72, 5, 3, 1), (136, 2, 4, 4)]


@pytest.fixture(scope="session")
def built(toolchain):
    """Every module the tests launch, compiled in parallel on first use: lstm_softmax.cu with the name expressions
    fast_gpu compiles, and word2vec.cu per WORD2VEC_CONFIGS as ``kernel_source`` emits it."""
    sources = [(fast_gpu.SOURCE, fast_gpu._NAMES)] + [(word2vec_gpu.kernel_source(*c), None) for c in WORD2VEC_CONFIGS]
    lstm, *word2vec = toolchain.modules(sources)
    return lstm, dict(zip(WORD2VEC_CONFIGS, word2vec))


@pytest.fixture(scope="session")
def lstm_module(built):
    return built[0]


@pytest.fixture(scope="session")
def word2vec_module(built):
    """The compiled word2vec.cu of a WORD2VEC_CONFIGS entry: ``word2vec_module(dim, negatives, window, vec)``."""
    return lambda *config: built[1][config]
