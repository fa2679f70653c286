// Fused word2vec CUDA kernels (CBOW and skip-gram, negative sampling); compiled by w2vlm/embeddings/kernels/word2vec_gpu.py.
typedef unsigned long long u64;
typedef long long i64;
#define FULL 0xffffffffu
#if VEC == 4
typedef float4 vec_t;
__device__ __forceinline__ float4 vzero() { return make_float4(0.f, 0.f, 0.f, 0.f); }
__device__ __forceinline__ float4 axpy(float a, float4 x, float4 y) {
  return make_float4(fmaf(a, x.x, y.x), fmaf(a, x.y, y.y), fmaf(a, x.z, y.z), fmaf(a, x.w, y.w)); }
__device__ __forceinline__ float4 vscale(float a, float4 x) { return make_float4(a * x.x, a * x.y, a * x.z, a * x.w); }
__device__ __forceinline__ float vdot(float4 a, float4 b) { return a.x * b.x + a.y * b.y + a.z * b.z + a.w * b.w; }
#else
typedef float vec_t;
__device__ __forceinline__ float vzero() { return 0.f; }
__device__ __forceinline__ float axpy(float a, float x, float y) { return fmaf(a, x, y); }
__device__ __forceinline__ float vscale(float a, float x) { return a * x; }
__device__ __forceinline__ float vdot(float a, float b) { return a * b; }
#endif
#define NV (DIM / VEC)
#define PER_LANE ((NV + 31) / 32)
#define WARPS (THREADS / 32)
#if MIN_BLOCKS > 0
#define BOUNDS __launch_bounds__(THREADS, MIN_BLOCKS)
#else
#define BOUNDS __launch_bounds__(THREADS)
#endif

__device__ __forceinline__ vec_t load_row(const float* W, i64 row, int v) {
  return __ldcg(reinterpret_cast<const vec_t*>(W) + row * NV + v); }
__device__ __forceinline__ void add_row(float* W, i64 row, int v, vec_t x) {
  atomicAdd(reinterpret_cast<vec_t*>(W) + row * NV + v, x); }

__device__ __forceinline__ u64 draw(u64 key, i64 pos, unsigned stream) {  // splitmix64 of a counter
  u64 z = key + ((u64)pos * STREAMS + stream) * 0x9E3779B97F4A7C15ULL;
  z = (z ^ (z >> 30)) * 0xBF58476D1CE4E5B9ULL;
  z = (z ^ (z >> 27)) * 0x94D049BB133111EBULL;
  return z ^ (z >> 31);
}
__device__ __forceinline__ float uniform24(u64 r) { return (float)(r >> 40) * (1.0f / 16777216.0f); }
__device__ __forceinline__ int below(u64 r, int n) { return (int)(((r >> 32) * (u64)n) >> 32); }
__device__ __forceinline__ int negative(u64 r, const float* alias_prob, const int* alias, int vocab) {
  int column = (int)(((r >> 32) * (u64)vocab) >> 32);  // alias method: column from the high bits, coin from the low
  float coin = (float)(unsigned)(r & 0xffffffffULL) * 2.3283064365386963e-10f;
  return coin < alias_prob[column] ? column : alias[column];
}
__device__ __forceinline__ bool kept(const int* ids, const float* keep, int subsample, u64 key, i64 q, int* word) {
  *word = ids[q];
  return !subsample || uniform24(draw(key, q, 0)) < keep[*word];
}

// The target (positive) and NEG negatives (lane d-1 holds negative d) against h: updates their W_out rows,
// adds lr * -dL/dh into work, returns the loss (same lane value everywhere).
__device__ float logistic(const vec_t* h, vec_t* work, float* W_out, int target, int neg_lane, float lr, int lane) {
  int words[NEG + 1];
  vec_t rows[NEG + 1][PER_LANE];
  float f[NEG + 1];
  words[0] = target;
#pragma unroll
  for (int d = 1; d <= NEG; ++d) words[d] = __shfl_sync(FULL, neg_lane, d - 1);
#pragma unroll
  for (int d = 0; d <= NEG; ++d) {
    f[d] = 0.f;
#pragma unroll
    for (int k = 0; k < PER_LANE; ++k) {
      int v = lane + 32 * k;
      rows[d][k] = v < NV ? load_row(W_out, words[d], v) : vzero();
      f[d] += vdot(rows[d][k], h[k]);
    }
  }
#pragma unroll
  for (int off = 16; off > 0; off >>= 1) {
#pragma unroll
    for (int d = 0; d <= NEG; ++d) f[d] += __shfl_xor_sync(FULL, f[d], off);
  }
  float loss = 0.f;
#pragma unroll
  for (int d = 0; d <= NEG; ++d) {
    if (d > 0 && words[d] == target) continue;  // as word2vec.c: a negative equal to the target is skipped
    float e = __expf(-fabsf(f[d]));
    float big = 1.f / (1.f + e), small = e / (1.f + e);
    float sig = f[d] >= 0.f ? big : small;
    bool right_is_big = (f[d] >= 0.f) == (d == 0);
    loss += right_is_big ? log1pf(e) : fabsf(f[d]) + log1pf(e);  // -log p, exact for any score (as the CPU)
    float g = ((d == 0 ? 1.f : 0.f) - sig) * lr;
#pragma unroll
    for (int k = 0; k < PER_LANE; ++k) {
      int v = lane + 32 * k;
      work[k] = axpy(g, rows[d][k], work[k]);
      if (v < NV) add_row(W_out, words[d], v, vscale(g, h[k]));
    }
  }
  return loss;
}

template <int CTX_MAX>
__device__ float cbow_update(float* W_in, float* W_out, const int* ctx, int count, int target, int neg_lane,
                             float lr, int exact, int lane) {
  vec_t h[PER_LANE], work[PER_LANE];
#pragma unroll
  for (int k = 0; k < PER_LANE; ++k) { h[k] = vzero(); work[k] = vzero(); }
#pragma unroll
  for (int c = 0; c < CTX_MAX; ++c) {  // unrolled so that all the row loads are in flight together
#pragma unroll
    for (int k = 0; k < PER_LANE; ++k) {
      int v = lane + 32 * k;
      if (c < count && v < NV) h[k] = axpy(1.f, load_row(W_in, ctx[c], v), h[k]);
    }
  }
  float inv = 1.f / (float)count;
#pragma unroll
  for (int k = 0; k < PER_LANE; ++k) h[k] = vscale(inv, h[k]);
  float loss = logistic(h, work, W_out, target, neg_lane, lr, lane);
  float share = exact ? inv : 1.f;  // word2vec.c gives every context word the whole gradient
#pragma unroll
  for (int c = 0; c < CTX_MAX; ++c) {
#pragma unroll
    for (int k = 0; k < PER_LANE; ++k) {
      int v = lane + 32 * k;
      if (c < count && v < NV) add_row(W_in, ctx[c], v, vscale(share, work[k]));
    }
  }
  return loss;
}

__device__ float pair_update(float* W_in, float* W_out, int source, int target, int neg_lane, float lr, int lane) {
  vec_t h[PER_LANE], work[PER_LANE];
#pragma unroll
  for (int k = 0; k < PER_LANE; ++k) {
    int v = lane + 32 * k;
    h[k] = v < NV ? load_row(W_in, source, v) : vzero();
    work[k] = vzero();
  }
  float loss = logistic(h, work, W_out, target, neg_lane, lr, lane);
#pragma unroll
  for (int k = 0; k < PER_LANE; ++k) {
    int v = lane + 32 * k;
    if (v < NV) add_row(W_in, source, v, work[k]);
  }
  return loss;
}

// The nearest `reach` kept words on one side of p inside [ls, le), written to ctx[count..]; returns the new count.
__device__ int side(const int* ids, const float* keep, int subsample, u64 key, i64 p, int dir, i64 ls, i64 le,
                    int reach, int* ctx, int count, int lane) {
  int found = 0;
  for (i64 base = p + dir; found < reach && base >= ls && base < le; base += 32 * dir) {
    i64 q = base + dir * lane;
    int word = 0;
    bool ok = q >= ls && q < le && kept(ids, keep, subsample, key, q, &word);
    unsigned mask = __ballot_sync(FULL, ok);
    int rank = __popc(mask & ((1u << lane) - 1u)), need = reach - found;
    if (ok && rank < need) ctx[count + found + rank] = word;
    found += min(__popc(mask), need);
  }
  return count + found;
}

__device__ __forceinline__ int find_line(const i64* offsets, int n_lines, i64 p) {
  int lo = 0, hi = n_lines;  // offsets[lo] <= p < offsets[hi]
  while (hi - lo > 1) { int mid = (lo + hi) >> 1; if (offsets[mid] <= p) lo = mid; else hi = mid; }
  return lo;
}

// MODE 0: CBOW training, 1: skip-gram training, 2: probe (write what training would see, change nothing).
template <int MODE>
__device__ void centers(float* W_in, float* W_out, const int* ids, const i64* offsets, int n_lines,
                        const float* keep, const float* alias_prob, const int* alias, int vocab, i64 first, i64 last,
                        int tile, int window, int shrink, int subsample, float lr_start, float lr_end, u64 key,
                        double* stats, int* probe) {
  __shared__ int ctx_all[WARPS][2 * MAXW];
  const int lane = threadIdx.x & 31;
  int* ctx = ctx_all[threadIdx.x >> 5];
  const i64 warp = ((i64)blockIdx.x * blockDim.x + threadIdx.x) >> 5, warps = ((i64)gridDim.x * blockDim.x) >> 5;
  const i64 tiles = (last - first + tile - 1) / tile;
  double loss = 0.0;
  u64 examples = 0, n_kept = 0, contexts = 0;
  for (i64 t = warp; t < tiles; t += warps) {
    const i64 p0 = first + t * tile, p1 = min(p0 + tile, last);
    int line = find_line(offsets, n_lines, p0);
    i64 ls = offsets[line], le = offsets[line + 1];
    for (i64 p = p0; p < p1; ++p) {
      while (p >= le) { ++line; ls = le; le = offsets[line + 1]; }
      int center, reach = window;
      bool ok = kept(ids, keep, subsample, key, p, &center);
      if (ok && shrink) reach = window - below(draw(key, p, 1), window);
      int count = 0;
      if (ok) {
        count = side(ids, keep, subsample, key, p, -1, ls, le, reach, ctx, 0, lane);
        count = side(ids, keep, subsample, key, p, 1, ls, le, reach, ctx, count, lane);
      }
      __syncwarp();
      if (MODE == 2) {
        int* out = probe + (p - first) * (2 + 2 * MAXW + NEG);
        if (lane == 0) { out[0] = ok; out[1] = ok ? reach : 0; }
        for (int c = lane; c < 2 * MAXW; c += 32) out[2 + c] = c < count ? ctx[c] : -1;
        if (lane < NEG) out[2 + 2 * MAXW + lane] = negative(draw(key, p, 2 + lane), alias_prob, alias, vocab);
        __syncwarp();
        continue;
      }
      n_kept += ok;
      if (count == 0) continue;
      contexts += count;
      float lr = lr_start + (lr_end - lr_start) * (float)((double)(p - first) / (double)(last - first));
      if (MODE == 0) {
        int neg = lane < NEG ? negative(draw(key, p, 2 + lane), alias_prob, alias, vocab) : 0;
        loss += cbow_update<2 * MAXW>(W_in, W_out, ctx, count, center, neg, lr, 0, lane);
        examples += 1;
      } else {
        for (int c = 0; c < count; ++c) {  // gensim/word2vec.c orientation: the context word predicts the center
          int neg = lane < NEG ? negative(draw(key, p, 2 + c * NEG + lane), alias_prob, alias, vocab) : 0;
          loss += pair_update(W_in, W_out, ctx[c], center, neg, lr, lane);
        }
        examples += count;
      }
      __syncwarp();  // ctx is rewritten by the next center
    }
  }
  if (MODE != 2 && lane == 0) {
    atomicAdd(stats, loss);
    atomicAdd(stats + 1, (double)examples);
    atomicAdd(stats + 2, (double)n_kept);
    atomicAdd(stats + 3, (double)contexts);
  }
}

#define CENTER_ARGS float* W_in, float* W_out, const int* ids, const i64* offsets, int n_lines, const float* keep, \
  const float* alias_prob, const int* alias, int vocab, i64 first, i64 last, int tile, int window, int shrink, \
  int subsample, float lr_start, float lr_end, u64 key, double* stats, int* probe
#define CENTER_PASS W_in, W_out, ids, offsets, n_lines, keep, alias_prob, alias, vocab, first, last, tile, window, \
  shrink, subsample, lr_start, lr_end, key, stats, probe
extern "C" __global__ void BOUNDS w2v_cbow(CENTER_ARGS) { centers<0>(CENTER_PASS); }
extern "C" __global__ void BOUNDS w2v_skipgram(CENTER_ARGS) { centers<1>(CENTER_PASS); }
extern "C" __global__ void BOUNDS w2v_probe(CENTER_ARGS) { centers<2>(CENTER_PASS); }

// Given examples, one warp each: contexts (B, C) padded with -1, targets (B,), negatives (B, NEG).
extern "C" __global__ void BOUNDS w2v_cbow_step(
    float* W_in, float* W_out, const int* contexts, int C, const int* targets, const int* negatives, int batch,
    float lr, int exact, double* loss_out) {
  __shared__ int ctx_all[WARPS][64];
  const int lane = threadIdx.x & 31, b = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  if (b >= batch) return;
  int* ctx = ctx_all[threadIdx.x >> 5];
  int count = 0;
  for (int base = 0; base < C; base += 32) {
    int w = base + lane < C ? contexts[(i64)b * C + base + lane] : -1;
    unsigned mask = __ballot_sync(FULL, w >= 0);
    if (w >= 0) ctx[count + __popc(mask & ((1u << lane) - 1u))] = w;
    count += __popc(mask);
  }
  __syncwarp();
  if (count == 0) return;
  int neg = lane < NEG ? negatives[(i64)b * NEG + lane] : 0;
  float loss = cbow_update<64>(W_in, W_out, ctx, count, targets[b], neg, lr, exact, lane);
  if (lane == 0) atomicAdd(loss_out, (double)loss);
}

extern "C" __global__ void BOUNDS w2v_pair_step(
    float* W_in, float* W_out, const int* sources, const int* targets, const int* negatives, int batch, float lr,
    double* loss_out) {
  const int lane = threadIdx.x & 31, b = (blockIdx.x * blockDim.x + threadIdx.x) >> 5;
  if (b >= batch) return;
  int neg = lane < NEG ? negatives[(i64)b * NEG + lane] : 0;
  float loss = pair_update(W_in, W_out, sources[b], targets[b], neg, lr, lane);
  if (lane == 0) atomicAdd(loss_out, (double)loss);
}
