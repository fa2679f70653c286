"""Counter-based uniform random numbers: a pure function of (key, position), equal on NumPy and CuPy.

Dropout masks drawn from this generator need no device RNG state: the state is two integers (``key`` and the
number of draws so far, ``counter``), so a checkpoint saves it exactly and a resumed run draws the same masks as
one that never stopped, on either backend. Each draw is splitmix64 (Steele et al. 2014) of key + index * golden,
computed where the data lives: a numba loop for NumPy, xp's uint64 arithmetic on the device for CuPy (no upload,
no host sync). Both give bit-identical values.
"""

import numpy as np

_GOLDEN = np.uint64(0x9E3779B97F4A7C15)
_MIX1, _MIX2 = np.uint64(0xBF58476D1CE4E5B9), np.uint64(0x94D049BB133111EB)


class CounterRNG:
    """U[0, 1) draws from (key, counter); ``state_dict``/``load_state_dict`` save and restore it exactly."""

    def __init__(self, key=0):
        self.key = int(key) % (1 << 64)
        self.counter = 0

    @classmethod
    def from_generator(cls, rng):
        """A generator keyed by one draw of the NumPy Generator ``rng`` (seeded runs stay reproducible)."""
        return cls(int(rng.integers(0, 1 << 63)))

    def uniform(self, xp, shape, dtype=np.float32):
        """An xp array of ``shape`` with U[0, 1) values of ``dtype`` (float32: 24 random bits, float64: 53)."""
        size = int(np.prod(shape, dtype=np.int64))
        start = np.uint64((self.key + self.counter * int(_GOLDEN)) % (1 << 64))
        self.counter += size
        dtype = np.dtype(dtype)
        shift, scale = (np.uint64(40), 2.0 ** -24) if dtype == np.float32 else (np.uint64(11), 2.0 ** -53)
        if xp is np:
            out = np.empty(size, dtype=dtype)
            _numba_fill()(out, start, shift, scale)
            return out.reshape(shape)
        z = xp.arange(size, dtype=np.uint64)
        z *= _GOLDEN
        z += start  # key + (counter + j) * golden, wrapping modulo 2**64
        z ^= z >> np.uint64(30)
        z *= _MIX1
        z ^= z >> np.uint64(27)
        z *= _MIX2
        z ^= z >> np.uint64(31)
        return ((z >> shift).astype(dtype) * dtype.type(scale)).reshape(shape)

    def state_dict(self):
        return {"key": str(self.key), "counter": str(self.counter)}

    def load_state_dict(self, state):
        self.key, self.counter = int(state["key"]), int(state["counter"])


_KERNELS = {}  # the compiled numba loop (a cache, not a switch)


def _numba_fill():
    """out[j] = splitmix64(start + j * golden) >> shift, scaled to [0, 1): the same values as the xp path."""
    if "fill" not in _KERNELS:
        import numba

        @numba.njit(cache=True, nogil=True)
        def fill(out, start, shift, scale):
            for j in range(out.size):
                z = start + np.uint64(j) * _GOLDEN
                z = (z ^ (z >> np.uint64(30))) * _MIX1
                z = (z ^ (z >> np.uint64(27))) * _MIX2
                z = z ^ (z >> np.uint64(31))
                out[j] = (z >> shift) * scale

        _KERNELS["fill"] = fill
    return _KERNELS["fill"]
