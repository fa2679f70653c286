"""The CUDA-on-CPU harness itself: warp collectives, mask checks, deadlocks that time out, argument checks, cache."""

import numpy as np
import pytest

from tests.support import cuda_on_cpu

pytestmark = pytest.mark.kernels

SOURCE = r"""
extern "C" __global__ void collectives(int* out, unsigned mask, int mode) {
  const int lane = threadIdx.x & 31;
  if (mode == 1 && lane == 31) return;  // an exited lane, then a full mask
  if (mode == 2 && lane >= 16) { __syncthreads(); return; }  // a barrier only half the block reaches
  int v = 100 * blockIdx.x + lane;
  int a = __shfl_sync(mask, v, 3), b = __shfl_xor_sync(mask, v, 1), c = __shfl_down_sync(mask, v, 4);
  unsigned ballot = __ballot_sync(mask, lane % 3 == 0);
  __syncwarp(mask);
  __shared__ int total;
  if (threadIdx.x == 0) total = 0;
  __syncthreads();
  atomicAdd(&total, 1);
  __syncthreads();
  int* o = out + 6 * (blockIdx.x * blockDim.x + threadIdx.x);
  o[0] = a; o[1] = b; o[2] = c; o[3] = (int)ballot; o[4] = __popc(ballot); o[5] = total;
}
"""


@pytest.fixture(scope="module")
def module(toolchain):
    short = cuda_on_cpu.Toolchain(sanitize=toolchain.sanitize, cache_dir=toolchain.cache_dir, timeout=2.0)
    return short.module(SOURCE)


def test_warp_collectives_follow_cuda_semantics(module):
    out = np.zeros((2, 64, 6), np.int32)
    module.get_function("collectives")((2,), (64,), (out, np.uint32(0xFFFFFFFF), np.int32(0)))
    lane = np.arange(64) % 32
    base = 100 * np.arange(2)[:, None]
    np.testing.assert_array_equal(out[..., 0], base + 3 + np.zeros_like(lane))
    np.testing.assert_array_equal(out[..., 1], base + (lane ^ 1))
    np.testing.assert_array_equal(out[..., 2], base + np.where(lane + 4 < 32, lane + 4, lane))
    ballot = sum(1 << i for i in range(0, 32, 3))
    np.testing.assert_array_equal(out[..., 3].view(np.uint32), ballot)
    np.testing.assert_array_equal(out[..., 4], 11)
    np.testing.assert_array_equal(out[..., 5], 64)


@pytest.mark.parametrize("mask, mode, message", [
    (0x0000FFFF, 0, "calls with mask 0x0000ffff that omits it"),
    (0xFFFFFFFF, 1, "names lanes 0x80000000 that exited"),
    (0xFFFFFFFF, 2, "launch timed out waiting in __s"),  # in __syncthreads or the shuffle that waits on it
])
def test_bad_masks_and_divergent_barriers_fail_the_launch(module, mask, mode, message):
    out = np.zeros((1, 32, 6), np.int32)
    with pytest.raises(cuda_on_cpu.KernelError, match=message):
        module.get_function("collectives")((1,), (32,), (out, np.uint32(mask), np.int32(mode)))


def test_a_partial_warp_cannot_shuffle_with_a_full_mask(module):
    out = np.zeros((1, 40, 6), np.int32)
    with pytest.raises(cuda_on_cpu.KernelError, match="exited or do not exist"):
        module.get_function("collectives")((1,), (40,), (out, np.uint32(0xFFFFFFFF), np.int32(0)))


def test_arguments_are_checked_against_the_kernel_signature(module):
    out = np.zeros((1, 32, 6), np.int32)
    kernel = module.get_function("collectives")
    with pytest.raises(cuda_on_cpu.KernelError, match="argument 2 of collectives: 8 bytes given, the kernel takes 4"):
        kernel((1,), (32,), (out, np.uint32(1), np.int64(0)))
    with pytest.raises(cuda_on_cpu.KernelError, match="takes 3 arguments, 2 given"):
        kernel((1,), (32,), (out, np.uint32(1)))
    with pytest.raises(cuda_on_cpu.KernelError, match="pass NumPy arrays or scalars"):
        kernel((1,), (32,), (out, 1, np.int32(0)))


def test_builds_are_cached_by_source_text_and_flags(toolchain, tmp_path):
    code = 'extern "C" __global__ void add_one(float* x) { x[threadIdx.x] += 1.f; }'
    first = cuda_on_cpu.Toolchain(sanitize=toolchain.sanitize, cache_dir=tmp_path)
    paths = {first.library_path(code, ["add_one"])[1], first.library_path("\n" + code, ["add_one"])[1],
             cuda_on_cpu.Toolchain(sanitize=not toolchain.sanitize, cache_dir=tmp_path).library_path(
                 code, ["add_one"])[1]}
    assert len(paths) == 3
    first.module(code)
    again = cuda_on_cpu.Toolchain(sanitize=toolchain.sanitize, cache_dir=tmp_path)
    again.gxx = str(tmp_path / "no-compiler")  # a rebuild would fail
    x = np.zeros(4, np.float32)
    again.module(code).get_function("add_one")((1,), (4,), (x,))
    np.testing.assert_array_equal(x, 1)
    assert len(list(tmp_path.glob("*.so"))) == 1
