// CUDA-on-CPU: compiles w2vlm's .cu files unchanged with g++ -std=c++20 and runs a launch on OS threads.
//
// One OS thread per CUDA thread; the blocks of a grid run one after another, so block __shared__ variables can be
// function statics. __syncthreads is a barrier over the block; warp collectives (__shfl*_sync, __ballot_sync,
// __syncwarp) exchange through a double-buffered per-warp slot array and one warp barrier. Masks are checked: a
// lane calling with a mask that omits it, or a mask naming a lane that exited (or never existed), fails the
// launch. Every barrier wait gives up at the launch deadline, so a __syncthreads in divergent code fails instead
// of hanging. Between two __syncthreads the block's last warp runs first (Leader), so a race between warps on
// shared memory gives wrong values every time, not by chance. Differences from a GPU worth knowing: static shared
// memory starts zeroed here (and keeps the previous block's values), and float atomics from different warps land
// in the OS scheduler's order.
#pragma once
#include <math.h>

#include <algorithm>
#include <atomic>
#include <chrono>
#include <cmath>
#include <cstdint>
#include <cstdio>
#include <cstring>
#include <exception>
#include <memory>
#include <mutex>
#include <string>
#include <thread>
#include <type_traits>
#include <utility>
#include <vector>

#define __global__
#define __device__
#define __host__
#define __forceinline__ inline
#define __launch_bounds__(...)
#define __shared__ static
#define __restrict__ __restrict

struct dim3 {
  unsigned x = 1, y = 1, z = 1;
};
struct alignas(16) float4 {
  float x, y, z, w;
};
inline float4 make_float4(float x, float y, float z, float w) { return float4{x, y, z, w}; }

inline thread_local dim3 threadIdx, blockIdx, blockDim, gridDim;

namespace cudacpu {

struct Abort {};  // unwinds a CUDA thread once its launch has failed

struct Barrier;

struct Launch {
  std::atomic<bool> failed{false};
  std::mutex mu;
  std::string error;
  std::chrono::steady_clock::time_point deadline;
  std::vector<Barrier*> barriers;  // of the running block: woken when the launch fails
  std::atomic<unsigned>* gate = nullptr;  // the running block's leader gate: opened when the launch fails
  std::atomic<const char*> waiting_in{"a barrier"};
  void fail(const std::string& message);
};

struct Barrier {  // a reusable barrier over the threads still running; waiters yield, then sleep on a futex
  Launch* launch;
  int expected;
  int arrived = 0;
  std::atomic<unsigned> generation{0};
  std::mutex mu;
  Barrier(Launch* l, int n) : launch(l), expected(n) {}
  void open(unsigned g) {
    generation.store(g + 1);
    generation.notify_all();
  }
  void wait(const char* what) {
    unsigned g;
    {
      std::lock_guard<std::mutex> lock(mu);
      if (launch->failed) throw Abort{};
      g = generation.load();
      if (++arrived == expected) {
        arrived = 0;
        open(g);
        return;
      }
    }
    launch->waiting_in = what;
    for (int spin = 0; spin < 8 && generation.load() == g; ++spin) std::this_thread::yield();
    generation.wait(g);  // the launch's watchdog opens every barrier when it fails
    if (launch->failed) throw Abort{};
  }
  void drop() {  // a thread exited: later waits need one thread fewer
    std::lock_guard<std::mutex> lock(mu);
    if (--expected == arrived && arrived > 0) {
      arrived = 0;
      open(generation.load());
    }
  }
};

inline void Launch::fail(const std::string& message) {
  std::lock_guard<std::mutex> lock(mu);
  if (failed) return;
  error = message;
  failed = true;
  for (Barrier* b : barriers) {
    std::lock_guard<std::mutex> barrier_lock(b->mu);
    b->open(b->generation.load());
  }
  if (gate) {
    gate->store(~0u);
    gate->notify_all();
  }
}

// Between two __syncthreads the block's last warp runs first, alone; the other warps start once all its lanes have
// reached the next __syncthreads or returned. A warp that reads shared memory another warp writes in the same
// interval (a race on a GPU, which a schedule rarely shows) then reads the finished write every time.
struct Leader {
  Launch* launch;
  int live, arrived = 0;
  std::mutex mu;
  std::atomic<unsigned> phases{0};  // intervals the leader warp has finished; ~0u once it has returned
  Leader(Launch* l, int lanes) : launch(l), live(lanes) {}
  void finish() {
    arrived = 0;
    phases.store(phases.load() + 1);
    phases.notify_all();
  }
  void arrive() {  // a leader lane at __syncthreads
    std::lock_guard<std::mutex> lock(mu);
    if (++arrived == live) finish();
  }
  void exit() {  // a leader lane returned
    std::lock_guard<std::mutex> lock(mu);
    if (--live == 0) {
      phases.store(~0u);
      phases.notify_all();
    } else if (arrived == live) {
      finish();
    }
  }
  void gate(unsigned phase) {  // another warp's thread at the start of interval `phase`
    for (unsigned done = phases.load(); done <= phase; done = phases.load()) phases.wait(done);
    if (launch->failed) throw Abort{};
  }
};

struct Warp {
  Barrier barrier;
  std::atomic<unsigned> live;  // lanes that exist and have not returned
  unsigned long long slots[2][32];  // collective k uses slots[k % 2]: one barrier per collective
  Warp(Launch* l, int lanes) : barrier(l, lanes), live(lanes == 32 ? 0xffffffffu : (1u << lanes) - 1u) {}
};

inline thread_local Launch* this_launch = nullptr;
inline thread_local Warp* this_warp = nullptr;
inline thread_local int this_lane = 0;
inline thread_local Barrier* this_block = nullptr;
inline thread_local Leader* this_leader = nullptr;  // null in the leader warp itself and in one-warp blocks
inline thread_local Leader* leading = nullptr;      // the block's Leader, in the leader warp's lanes
inline thread_local unsigned this_phase = 0;       // __syncthreads passed so far

inline std::string hex(unsigned m) {
  char buf[16];
  snprintf(buf, sizeof buf, "0x%08x", m);
  return buf;
}

inline void check_mask(unsigned mask, const char* what) {
  unsigned me = 1u << this_lane, live = this_warp->live.load();
  if (!(mask & me)) {
    this_launch->fail(std::string(what) + ": lane " + std::to_string(this_lane) + " calls with mask " + hex(mask) +
                      " that omits it");
    throw Abort{};
  }
  if (mask & ~live) {
    this_launch->fail(std::string(what) + ": mask " + hex(mask) + " names lanes " + hex(mask & ~live) +
                      " that exited or do not exist (warp of block " + std::to_string(blockIdx.x) + ")");
    throw Abort{};
  }
}

// Every lane in `mask` publishes `bits`; `read` sees the whole warp's slots once all lanes have written.
template <class F>
inline auto collective(unsigned mask, unsigned long long bits, const char* what, F read) {
  check_mask(mask, what);
  // a lane cannot reach collective k + 2 (same buffer) before every lane has left collective k's read
  unsigned long long* slots = this_warp->slots[this_warp->barrier.generation.load() & 1];
  slots[this_lane] = bits;
  this_warp->barrier.wait(what);
  return read(slots);
}

template <class T>
inline unsigned long long to_bits(T v) {
  static_assert(sizeof(T) <= 8, "warp shuffles move at most 8 bytes");
  unsigned long long b = 0;
  std::memcpy(&b, &v, sizeof(T));
  return b;
}
template <class T>
inline T from_bits(unsigned long long b) {
  T v;
  std::memcpy(&v, &b, sizeof(T));
  return v;
}

template <class T>
inline T shuffle(unsigned mask, T var, int src, int width, const char* what) {
  int base = this_lane & ~(width - 1);
  return collective(mask, to_bits(var), what,
                    [&](const unsigned long long* s) { return from_bits<T>(s[base + (src & (width - 1))]); });
}

}  // namespace cudacpu

template <class T>
inline T __shfl_sync(unsigned mask, T var, int src, int width = 32) {
  return cudacpu::shuffle(mask, var, src, width, "__shfl_sync");
}
template <class T>
inline T __shfl_xor_sync(unsigned mask, T var, int lane_mask, int width = 32) {
  return cudacpu::shuffle(mask, var, (cudacpu::this_lane ^ lane_mask) & (width - 1), width, "__shfl_xor_sync");
}
template <class T>
inline T __shfl_down_sync(unsigned mask, T var, unsigned delta, int width = 32) {
  int within = cudacpu::this_lane & (width - 1);
  int src = within + (int)delta < width ? within + (int)delta : within;
  return cudacpu::shuffle(mask, var, src, width, "__shfl_down_sync");
}
inline unsigned __ballot_sync(unsigned mask, int predicate) {
  return cudacpu::collective(mask, predicate ? 1 : 0, "__ballot_sync", [&](const unsigned long long* s) {
    unsigned out = 0;
    for (int l = 0; l < 32; ++l)
      if ((mask >> l & 1u) && s[l]) out |= 1u << l;
    return out;
  });
}
inline void __syncwarp(unsigned mask = 0xffffffffu) {
  cudacpu::collective(mask, 0, "__syncwarp", [](const unsigned long long*) { return 0; });
}
inline void __syncthreads() {
  if (cudacpu::leading) cudacpu::leading->arrive();
  cudacpu::this_block->wait("__syncthreads");
  ++cudacpu::this_phase;
  if (cudacpu::this_leader) cudacpu::this_leader->gate(cudacpu::this_phase);
}

inline int __popc(unsigned x) { return __builtin_popcount(x); }
inline float __expf(float x) { return expf(x); }
inline float __int_as_float(int x) { return cudacpu::from_bits<float>((unsigned)x); }
inline double __longlong_as_double(long long x) { return cudacpu::from_bits<double>((unsigned long long)x); }
template <class A, class B>
inline std::common_type_t<A, B> min(A a, B b) { return a < b ? a : b; }
template <class A, class B>
inline std::common_type_t<A, B> max(A a, B b) { return a < b ? b : a; }

// Hogwild reads and adds: atomic per float, as the device's L2 sees them.
template <class T>
inline T __ldcg(const T* p) { return std::atomic_ref<T>(*const_cast<T*>(p)).load(std::memory_order_relaxed); }
inline float4 __ldcg(const float4* p) {
  const float* f = &p->x;
  return float4{__ldcg(f), __ldcg(f + 1), __ldcg(f + 2), __ldcg(f + 3)};
}
template <class T>
inline T atomicAdd(T* p, T v) { return std::atomic_ref<T>(*p).fetch_add(v); }
inline float4 atomicAdd(float4* p, float4 v) {
  return float4{atomicAdd(&p->x, v.x), atomicAdd(&p->y, v.y), atomicAdd(&p->z, v.z), atomicAdd(&p->w, v.w)};
}

namespace cudacpu {

template <class... A, size_t... I>
inline void call(void (*kernel)(A...), void** args, std::index_sequence<I...>) {
  kernel(*static_cast<std::remove_cv_t<A>*>(args[I])...);  // as cudaLaunchKernel: args[i] points at argument i
}

struct BlockRun {  // heap state of one block: a timed-out launch leaks it to the threads it cannot stop
  Barrier block;
  std::vector<std::unique_ptr<Warp>> warps;
  std::atomic<int> running;
  Leader leader;  // the last warp (see Leader)
  BlockRun(Launch* launch, int threads)
      : block(launch, threads), running(threads), leader(launch, threads - 32 * ((threads - 1) / 32)) {
    for (int w = 0; w < (threads + 31) / 32; ++w) warps.emplace_back(new Warp(launch, std::min(32, threads - 32 * w)));
  }
};

// Runs kernel<<<grid, block>>>(args); dims = (grid x, y, z, block x, y, z). Returns 0, or 1 (2: timed out with
// threads still running) with `error` set.
template <class... A>
inline int launch(void (*kernel)(A...), const unsigned* dims, void** args, double timeout_s, char* error, int size) {
  const dim3 grid{dims[0], dims[1], dims[2]}, block{dims[3], dims[4], dims[5]};
  const int threads = (int)(block.x * block.y * block.z);
  Launch* launch = new Launch;
  launch->deadline = std::chrono::steady_clock::now() +
                     std::chrono::duration_cast<std::chrono::steady_clock::duration>(
                         std::chrono::duration<double>(timeout_s));
  if (threads < 1 || threads > 1024 || grid.x * grid.y * grid.z < 1) launch->fail("bad launch configuration");
  for (unsigned bz = 0; bz < grid.z && !launch->failed; ++bz)
    for (unsigned by = 0; by < grid.y && !launch->failed; ++by)
      for (unsigned bx = 0; bx < grid.x && !launch->failed; ++bx) {
        BlockRun* run = new BlockRun(launch, threads);
        {
          std::lock_guard<std::mutex> lock(launch->mu);
          launch->barriers.assign({&run->block});
          for (auto& w : run->warps) launch->barriers.push_back(&w->barrier);
          launch->gate = &run->leader.phases;
        }
        std::vector<std::thread> pool;
        for (int t = 0; t < threads; ++t)
          pool.emplace_back([=] {
            threadIdx = dim3{t % block.x, (t / block.x) % block.y, t / (block.x * block.y)};
            blockIdx = dim3{bx, by, bz};
            blockDim = block;
            gridDim = grid;
            this_launch = launch;
            this_warp = run->warps[t / 32].get();
            this_lane = t % 32;
            this_block = &run->block;
            this_phase = 0;
            const bool lead = t / 32 == (threads - 1) / 32;
            leading = lead && threads > 32 ? &run->leader : nullptr;
            this_leader = lead ? nullptr : &run->leader;
            try {
              if (this_leader) this_leader->gate(0);
              call(kernel, args, std::index_sequence_for<A...>{});
            } catch (Abort&) {
            } catch (std::exception& e) {
              launch->fail(std::string("exception in a CUDA thread: ") + e.what());
            }
            if (leading) leading->exit();
            this_warp->live.fetch_and(~(1u << this_lane));
            this_warp->barrier.drop();
            run->block.drop();
            --run->running;
          });
        while (run->running > 0 && std::chrono::steady_clock::now() < launch->deadline)
          std::this_thread::sleep_for(std::chrono::microseconds(100));
        if (run->running > 0) {  // the watchdog: wake every waiter, give the others a moment to finish
          launch->fail(std::string("launch timed out waiting in ") + launch->waiting_in.load() +
                       " (a barrier in divergent code?) or in an endless loop");
          for (int i = 0; i < 1000 && run->running > 0; ++i) std::this_thread::sleep_for(std::chrono::milliseconds(1));
        }
        if (run->running > 0) {  // a thread that never reaches a barrier cannot be stopped: leave it, fail loudly
          launch->error += " (a CUDA thread is still running; end this process)";
          for (auto& t : pool) t.detach();
          snprintf(error, size, "%s", launch->error.c_str());
          return 2;
        }
        for (auto& t : pool) t.join();
        delete run;
      }
  int status = launch->failed ? 1 : 0;
  if (status) snprintf(error, size, "%s", launch->error.c_str());
  delete launch;
  return status;
}

template <class... A>
inline int arg_sizes(void (*)(A...), int* sizes, int capacity) {
  int n = 0, all[] = {(int)sizeof(A)..., 0};
  for (; n < (int)sizeof...(A) && n < capacity; ++n) sizes[n] = all[n];
  return (int)sizeof...(A);
}

}  // namespace cudacpu
