"""The kernel tests again with the .cu files built under ASan and UBSan (out-of-bounds indexes a tolerance misses).

A subprocess, because the interpreter must preload libasan before it loads an instrumented library. Marked
``kernels_sanitized`` rather than ``kernels``: the instrumented builds take longer than ``-m kernels``' budget.
"""

import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.support import cuda_on_cpu

ROOT = Path(__file__).resolve().parents[2]


@pytest.mark.kernels_sanitized
def test_kernel_tests_pass_under_address_and_undefined_behaviour_sanitizers():
    if cuda_on_cpu.compiler() is None:
        pytest.skip("g++ is not installed: the kernel tests compile the .cu files for the CPU with it")
    libasan = subprocess.run(["g++", "-print-file-name=libasan.so"], capture_output=True, text=True).stdout.strip()
    if not os.path.isabs(libasan) or not os.path.exists(libasan):
        pytest.skip("g++ has no libasan.so to preload")
    env = dict(os.environ, LD_PRELOAD=libasan, ASAN_OPTIONS="detect_leaks=0:detect_stack_use_after_return=0",
               UBSAN_OPTIONS="halt_on_error=1:print_stacktrace=1")
    tests = [str(ROOT / "tests/kernels" / name) for name in ("test_lstm_softmax_kernels.py",
                                                             "test_word2vec_kernels.py")]
    done = subprocess.run([sys.executable, "-m", "pytest", "-q", "-x", "-p", "no:cacheprovider", "-m", "kernels",
                           "--kernel-sanitizers", *tests], cwd=ROOT, env=env, capture_output=True, text=True,
                          timeout=900)
    assert done.returncode == 0, (done.stdout + done.stderr)[-6000:]
    assert " passed" in done.stdout
