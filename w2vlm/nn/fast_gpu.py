"""CUDA kernels (CuPy RawModule) for the LSTM gate math and the softmax cross-entropy (their reference: reference.py).

The GPU twin of ``fast_cpu``: the same LSTM-step and softmax functions with the contracts of ``reference.py``, so
``fused.kernels_for`` hands CuPy arrays here once ``gpu_selfcheck`` passed for that family. One kernel per LSTM
step forward and one backward (gates [i, f, o, g], sigmoid as 0.5 * tanh(x / 2) + 0.5); the per-step ``h @ Wh``
stays a cuBLAS GEMM (``use_packed`` is False: the packed product is a CPU-only path). The softmax cross-entropy
reads each (V,) row once for an online max + sum and writes exp(x - max) in a second pass, with the loss, the
ignore label and the row weights of the reference; ``token_nll`` is the same row pass without the write
(evaluation, ``reference.token_nll_reference``). All kernels take C-contiguous float32 or float64 arrays and are
compiled once per process by NVRTC from one source string (``SOURCE``; tests/gpu also compiles it with nvcc).
"""

import numpy as np

ROW_THREADS = 256  # one block per softmax row
STEP_THREADS = 128

SOURCE = r"""
#define FULL 0xffffffffu
__device__ __forceinline__ float tanh_(float x) { return tanhf(x); }
__device__ __forceinline__ double tanh_(double x) { return tanh(x); }
__device__ __forceinline__ float exp_(float x) { return expf(x); }
__device__ __forceinline__ double exp_(double x) { return exp(x); }
__device__ __forceinline__ float log_(float x) { return logf(x); }
__device__ __forceinline__ double log_(double x) { return log(x); }
template <typename T> __device__ __forceinline__ T neg_inf();
template <> __device__ __forceinline__ float neg_inf<float>() { return __int_as_float(0xff800000); }
template <> __device__ __forceinline__ double neg_inf<double>() { return __longlong_as_double(0xfff0000000000000ULL); }
template <typename T> __device__ __forceinline__ T quiet_nan();
template <> __device__ __forceinline__ float quiet_nan<float>() { return __int_as_float(0x7fffffff); }
template <> __device__ __forceinline__ double quiet_nan<double>() {
  return __longlong_as_double(0x7fffffffffffffffULL); }

// One LSTM step: a (N, 4H) pre-activations [i f o g] += rec, then activations in place; c_next, h_next, tanh_c.
template <typename T>
__global__ void lstm_forward(T* a, const T* rec, const T* c_prev, T* c_next, T* h_next, T* tanh_c, int H) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= H) return;
  const long long n = blockIdx.y, r = n * 4 * H + j, k = n * H + j;
  const T half = 0.5;
  T gi = half * tanh_(half * (a[r] + rec[r])) + half;
  T gf = half * tanh_(half * (a[r + H] + rec[r + H])) + half;
  T go = half * tanh_(half * (a[r + 2 * H] + rec[r + 2 * H])) + half;
  T gg = tanh_(a[r + 3 * H] + rec[r + 3 * H]);
  a[r] = gi; a[r + H] = gf; a[r + 2 * H] = go; a[r + 3 * H] = gg;
  T c = gf * c_prev[k] + gi * gg;
  T t = tanh_(c);
  c_next[k] = c; tanh_c[k] = t; h_next[k] = go * t;
}

// One step back: activations in a become d pre-activations; dc (dL/dc_t) becomes dL/dc_{t-1}; dh is read only.
template <typename T>
__global__ void lstm_backward(T* a, const T* c_prev, const T* tanh_c, const T* dh_out, const T* dh, T* dc, int H) {
  const int j = blockIdx.x * blockDim.x + threadIdx.x;
  if (j >= H) return;
  const long long n = blockIdx.y, r = n * 4 * H + j, k = n * H + j;
  const T one = 1;
  T gi = a[r], gf = a[r + H], go = a[r + 2 * H], gg = a[r + 3 * H];
  T d = dh[k] + dh_out[k], t = tanh_c[k];
  T dct = dc[k] + d * go * (one - t * t);
  a[r] = dct * gg * gi * (one - gi);
  a[r + H] = dct * c_prev[k] * gf * (one - gf);
  a[r + 2 * H] = d * t * go * (one - go);
  a[r + 3 * H] = dct * gi * (one - gg * gg);
  dc[k] = dct * gf;
}

// (m, s) = running max and sum of exp(x - m); merge another such pair.
template <typename T>
__device__ __forceinline__ void merge(T& m, T& s, T m2, T s2) {
  if (m2 > m) { s = s * exp_(m - m2) + s2; m = m2; }
  else if (m2 > neg_inf<T>()) { s += s2 * exp_(m2 - m); }
}

template <typename T>
__device__ void block_merge(T& m, T& s, int& bad) {
  __shared__ T ms[32], ss[32];
  __shared__ int bs[32];
  const int lane = threadIdx.x & 31, warp = threadIdx.x >> 5, warps = (blockDim.x + 31) >> 5;
  for (int off = 16; off > 0; off >>= 1) {
    T m2 = __shfl_xor_sync(FULL, m, off), s2 = __shfl_xor_sync(FULL, s, off);
    merge(m, s, m2, s2);
    bad |= __shfl_xor_sync(FULL, bad, off);
  }
  if (lane == 0) { ms[warp] = m; ss[warp] = s; bs[warp] = bad; }
  __syncthreads();
  if (warp == 0) {
    m = lane < warps ? ms[lane] : neg_inf<T>();
    s = lane < warps ? ss[lane] : (T)0;
    bad = lane < warps ? bs[lane] : 0;
    for (int off = 16; off > 0; off >>= 1) {
      T m2 = __shfl_xor_sync(FULL, m, off), s2 = __shfl_xor_sync(FULL, s, off);
      merge(m, s, m2, s2);
      bad |= __shfl_xor_sync(FULL, bad, off);
    }
    if (lane == 0) { ms[0] = m; ss[0] = s; bs[0] = bad; }
  }
  __syncthreads();
  m = ms[0]; s = ss[0]; bad = bs[0];
}

// One block per row m of scores (M, V): nll[m] = -log softmax(x)[label] (0 when ignored); with `write`, the row
// becomes exp(x - max) and weights[m] = (1 / sum, 1 / count or 0) as reference.softmax_ce_forward_reference.
template <typename T>
__global__ void softmax_ce_forward(T* scores, const long long* labels, long long ignore, long long V,
                                   const T* count, int write, T* weights, T* nll) {
  __shared__ T picked;
  const long long m = blockIdx.x, label = labels[m];
  T* x = scores + m * V;
  const bool counted = label != ignore;
  int bad = counted && (label < 0 || label >= V);  // an impossible label gives a NaN loss, not a wild read
  if (threadIdx.x == 0) picked = counted && !bad ? x[label] : (T)0;  // read before the row is overwritten
  T mx = neg_inf<T>(), s = 0;
  for (long long v = threadIdx.x; v < V; v += blockDim.x) {
    T y = x[v];
    bad |= !(y < -neg_inf<T>());  // NaN or +inf
    merge(mx, s, y, (T)1);
  }
  block_merge(mx, s, bad);  // its barriers also publish `picked`
  if (bad) s = quiet_nan<T>();
  if (write) {
    for (long long v = threadIdx.x; v < V; v += blockDim.x) x[v] = exp_(x[v] - mx);
  }
  if (threadIdx.x == 0) {
    nll[m] = counted ? log_(s) - (picked - mx) : (T)0;
    if (write) { weights[2 * m] = (T)1 / s; weights[2 * m + 1] = counted ? (T)1 / count[0] : (T)0; }
  }
}

// In place: exp(x - max) -> dL/dx = (exp(x - max) * w0 - onehot) * w1 * dout. Grid (M, column blocks).
template <typename T>
__global__ void softmax_ce_backward(T* scores, const long long* labels, long long V, const T* weights,
                                    const T* dout) {
  const long long m = blockIdx.x, label = labels[m];
  const T coef = weights[2 * m + 1] * dout[0], scale = weights[2 * m] * coef;
  T* x = scores + m * V;
  for (long long v = (long long)blockIdx.y * blockDim.x + threadIdx.x; v < V; v += (long long)gridDim.y * blockDim.x) {
    T y = x[v] * scale;
    if (v == label && coef != (T)0) y -= coef;
    x[v] = y;
  }
}
"""

def use_packed(W, batch):
    """False: on the GPU the per-step ``h @ Wh`` is a cuBLAS GEMM (``fast_cpu`` packs Wh for the CPU only)."""
    return False


_NAMES = [f"{kernel}<{t}>" for kernel in ("lstm_forward", "lstm_backward", "softmax_ce_forward", "softmax_ce_backward")
          for t in ("float", "double")]
_STATE = {}  # compiled modules and constants, per cupy module


def _kernel(name, dtype):
    """The compiled kernel ``name`` for float32 or float64 (one NVRTC compile per process, cached on disk)."""
    import cupy
    key = (cupy, "module")
    if key not in _STATE:
        _STATE[key] = cupy.RawModule(code=SOURCE, name_expressions=_NAMES)
    ctype = {np.dtype(np.float32): "float", np.dtype(np.float64): "double"}[np.dtype(dtype)]
    return _STATE[key].get_function(f"{name}<{ctype}>")


def _contiguous(*arrays):
    for x in arrays:
        if not x.flags.c_contiguous:
            raise ValueError("the fused GPU kernels need C-contiguous arrays")


def _const(value, dtype):
    """A cached one-element device array holding ``value`` (a Python number), or ``value`` itself if an array."""
    import cupy
    if isinstance(value, cupy.ndarray):
        return value.astype(dtype, copy=False).reshape(1)
    key = (cupy, float(value), np.dtype(dtype).str)
    if key not in _STATE:
        _STATE[key] = cupy.full(1, value, dtype=dtype)
    return _STATE[key]


def lstm_step_forward(a, recurrent, c_prev, c_next, h_next, tanh_c):
    """Same contract as ``reference.lstm_step_forward_reference`` (all arrays C-contiguous, one dtype)."""
    N, H = c_prev.shape
    _contiguous(a, recurrent, c_prev, c_next, h_next, tanh_c)
    grid = (-(-H // STEP_THREADS), N)
    _kernel("lstm_forward", a.dtype)(grid, (STEP_THREADS,), (a, recurrent, c_prev, c_next, h_next, tanh_c,
                                                             np.int32(H)))


def lstm_step_backward(a, c_prev, tanh_c, dh_out, dh, dc):
    """Same contract as ``reference.lstm_step_backward_reference`` (``dh`` is left unchanged)."""
    N, H = c_prev.shape
    _contiguous(a, c_prev, tanh_c, dh_out, dh, dc)
    grid = (-(-H // STEP_THREADS), N)
    _kernel("lstm_backward", a.dtype)(grid, (STEP_THREADS,), (a, c_prev, tanh_c, dh_out, dh, dc, np.int32(H)))


def _rows(scores, labels, ignore_index, write):
    import cupy
    M, V = scores.shape
    _contiguous(scores)
    labels = cupy.ascontiguousarray(cupy.asarray(labels, dtype=np.int64))
    count = cupy.maximum((labels != ignore_index).sum(), 1).astype(scores.dtype)
    weights = cupy.empty((M, 2), dtype=scores.dtype)
    nll = cupy.empty(M, dtype=scores.dtype)
    if M:
        _kernel("softmax_ce_forward", scores.dtype)((M,), (ROW_THREADS,), (
            scores, labels, np.int64(ignore_index), np.int64(V), count, np.int32(write), weights, nll))
    return nll, count, weights


def softmax_ce_forward(scores, labels, ignore_index):
    """Same contract as ``reference.softmax_ce_forward_reference``: scores (M, V) become exp(x - max);
    returns (mean loss as a 0-d device array, row weights (M, 2))."""
    nll, count, weights = _rows(scores, labels, ignore_index, True)
    return nll.sum() / count, weights


def softmax_ce_backward(scores, labels, weights, dout):
    """Same contract as ``reference.softmax_ce_backward_reference`` (in place; ``dout`` a number or 0-d array)."""
    import cupy
    M, V = scores.shape
    _contiguous(scores, weights)
    labels = cupy.ascontiguousarray(cupy.asarray(labels, dtype=np.int64))
    columns = max(1, min(-(-V // (ROW_THREADS * 4)), 65535))
    if M:
        _kernel("softmax_ce_backward", scores.dtype)((M, columns), (ROW_THREADS,), (
            scores, labels, np.int64(V), weights, _const(dout, scores.dtype)))
    return scores


def token_nll(logits, targets, ignore_index=-1):
    """-log softmax(logits)[target] per position, (B, T) from logits (B, T, V); 0 where ignored. Logits unchanged.

    Same values as ``lm.evaluate.token_nll`` without its (B*T, V) temporaries.
    """
    import cupy
    B, T, V = logits.shape
    rows = cupy.ascontiguousarray(logits.swapaxes(0, 1)).reshape(T * B, V)  # free for the model's (T, B, V) output
    labels = cupy.ascontiguousarray(targets.T).reshape(-1)
    nll, _, _ = _rows(rows, labels, ignore_index, False)
    return nll.reshape(T, B).T
