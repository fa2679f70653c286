// Fused LSTM step and softmax cross-entropy CUDA kernels (float and double); compiled by w2vlm/nn/fast_gpu.py.
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
// becomes exp(x - max) and weights[m] = (1 / sum, 1 / count or 0) as time_layers.softmax_ce_forward_reference.
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
