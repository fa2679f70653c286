"""A strict NumPy-backed stand-in for CuPy 14 (``cupy``, ``cupyx`` and their submodules), for tests only.

``make_cupy()`` builds a fresh set of modules; ``install(monkeypatch)`` puts the shared one into ``sys.modules``
for one test (backend.py imports cupy lazily, so w2vlm then runs its GPU path on it). Only names that exist in
CuPy 14 are present. ``RawModule``/``RawKernel`` raise a "no device" error unless every kernel of the source has a
NumPy emulation registered (``register_kernel``): that lets CI drive the fused dispatch end to end, and verifies
plumbing (launch arguments, grids, buffers, host syncs). ``make_cupy(toolchain=...)`` runs the real CUDA source
instead, compiled for the CPU by ``cuda_on_cpu`` (tests/kernels).
"""

import re
import sys
import time
import types
import warnings

import numpy as np

from .standin_array import LEDGER, host_operand, ndarray, unwrap, wrap


def unwrap_any(args):
    return [a._a if isinstance(a, ndarray) else a for a in args]

VERSION = "14.2.0"
_UFUNCS = """add subtract multiply divide true_divide floor_divide power negative absolute exp exp2 log log2 log10
log1p expm1 sqrt square tanh sinh cosh sin cos arctan maximum minimum fmax fmin greater greater_equal less less_equal
equal not_equal logical_and logical_or logical_not logical_xor isfinite isnan isinf sign reciprocal bitwise_and
bitwise_or bitwise_xor invert left_shift right_shift floor ceil rint remainder fmod logaddexp""".split()
_FUNCTIONS = """arange empty zeros ones full eye identity empty_like zeros_like ones_like full_like concatenate stack
vstack hstack where sum mean amax amin max min argmax argmin argsort sort cumsum cumprod prod var std dot matmul
einsum outer take take_along_axis repeat tile reshape ravel transpose swapaxes moveaxis expand_dims squeeze
broadcast_to clip searchsorted bincount count_nonzero any all isclose allclose array_equal copy diff flip roll pad
split array_split partition argpartition triu tril atleast_1d atleast_2d around round""".split()
_SYNCING = {"nonzero", "unique", "argwhere", "flatnonzero", "extract", "compress"}  # data-dependent output sizes
_HOST = {"ndim": np.ndim, "shape": np.shape, "size": np.size, "result_type": np.result_type, "can_cast": np.can_cast,
         "dtype": np.dtype, "finfo": np.finfo, "iinfo": np.iinfo, "isscalar": np.isscalar,
         "issubdtype": np.issubdtype}
_TYPES = """bool_ int8 int16 int32 int64 uint8 uint16 uint32 uint64 intp float16 float32 float64 complex64 complex128
integer floating number signedinteger unsignedinteger""".split()
_REGISTRY = {}  # kernel name -> emulation(defines, grid, block, args) for make_cupy's default modules
_SHARED = {}


def register_kernel(name, emulation, registry=None):
    """Let RawModule run CUDA kernel ``name`` as ``emulation(defines, grid, block, args)`` (NumPy arrays)."""
    (_REGISTRY if registry is None else registry)[name] = emulation


def module():
    """The cupy stand-in currently installed (or the shared default one)."""
    current = sys.modules.get("cupy")
    return current if getattr(current, "_is_standin", False) else shared()


def shared():
    if "cupy" not in _SHARED:
        from . import kernel_emulations  # noqa: F401  (registers the emulations)
        _SHARED["cupy"] = make_cupy()
    return _SHARED["cupy"]


def install(monkeypatch, cupy=None):
    """Put the stand-in (``cupy`` or the shared one) into sys.modules for one test; returns it, ledger reset."""
    cupy = cupy or shared()
    for name, mod in cupy._modules.items():
        monkeypatch.setitem(sys.modules, name, mod)
    LEDGER.reset()
    return cupy


class _Ufunc:
    """A device ufunc: operands are device arrays or scalars; ``out=`` must be a device array; ``.at`` as CuPy 13+."""

    def __init__(self, np_ufunc):
        self._np = np_ufunc
        self.__name__ = np_ufunc.__name__
        self.nin, self.nout = np_ufunc.nin, np_ufunc.nout

    def __call__(self, *args, out=None, **kwargs):
        operands = [host_operand(a) for a in args]
        if out is not None:
            if isinstance(out, tuple):
                out = out[0]
            if not isinstance(out, ndarray):
                raise TypeError(f"Unsupported type {type(out)} for out=")
            self._np(*operands, out=out._a, **kwargs)
            return out
        return wrap(self._np(*operands, **kwargs))

    def at(self, a, indices, b=None):
        if not isinstance(a, ndarray):
            raise TypeError(f"Unsupported type {type(a)}")
        args = (host_operand(indices) if not isinstance(indices, tuple) else tuple(host_operand(i) for i in indices),)
        if b is not None:
            args += (host_operand(b),)
        self._np.at(a._a, *args)


def _device_function(np_func, name):
    def function(*args, **kwargs):
        if name in _SYNCING:
            LEDGER.record("syncs")
        out = kwargs.get("out")
        result = np_func(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()})
        return out if out is not None else wrap(result)
    function.__name__ = name
    return function


def _asarray(a, dtype=None, order=None, copy=None, blocking=False):
    if isinstance(a, ndarray):
        if not copy and (dtype is None or np.dtype(dtype) == a.dtype):
            return a  # as CuPy: the same object
        return ndarray._of(a._a.astype(dtype if dtype is not None else a.dtype, copy=True))
    LEDGER.record("uploads")
    return ndarray._of(np.array(a, dtype=dtype, order=order or "K", copy=True))


def _array(obj, dtype=None, copy=True, order="K", ndmin=0, blocking=False):
    if isinstance(obj, ndarray):
        return ndarray._of(np.array(obj._a, dtype=dtype, copy=copy, order=order, ndmin=ndmin))
    LEDGER.record("uploads")
    return ndarray._of(np.array(obj, dtype=dtype, order=order, ndmin=ndmin))


def _ascontiguousarray(a, dtype=None):
    if not isinstance(a, ndarray):
        raise TypeError(f"Unsupported type {type(a)}: cupy.ascontiguousarray takes a device array")
    return ndarray._of(np.ascontiguousarray(a._a, dtype=dtype))


def _asnumpy(a, stream=None, order="C", out=None, blocking=True):
    if isinstance(a, ndarray):
        return a.get(out=out)
    return np.asarray(a)


def _get_array_module(*args):
    return module() if any(isinstance(a, ndarray) for a in args) else np


def _random_module(name):
    state = {"rs": np.random.RandomState(0)}
    random = types.ModuleType(name)

    def seed(seed=None):
        state["rs"] = np.random.RandomState(None if seed is None else int(seed) % 2 ** 32)

    def _draw(method):
        def draw(*args, dtype=None, **kwargs):
            value = np.asarray(getattr(state["rs"], method)(*args, **kwargs))
            return ndarray._of(value.astype(dtype) if dtype is not None else value)
        draw.__name__ = method
        return draw
    random.seed = seed
    for method in ("random_sample", "rand", "randn", "uniform", "normal", "randint", "permutation"):
        setattr(random, method, _draw(method))
    random.random = _draw("random_sample")
    return random


def _cuda_module(name):
    cuda = types.ModuleType(name)
    runtime = types.ModuleType(f"{name}.runtime")
    runtime.getDeviceCount = lambda: 1
    runtime.runtimeGetVersion = lambda: 13000
    runtime.driverGetVersion = lambda: 13000
    runtime.is_hip = False
    runtime.getDeviceProperties = lambda device: {
        "name": b"CuPy stand-in (NumPy, no device)", "multiProcessorCount": 4,
        "maxThreadsPerMultiProcessor": 2048, "totalGlobalMem": 1 << 30, "major": 9, "minor": 0}

    class Device:
        def __init__(self, device=0):
            self.id = int(device)
            self.compute_capability = "90"

        def synchronize(self):
            LEDGER.record("syncs")

        def use(self):
            return self

        def __enter__(self):
            return self

        def __exit__(self, *exc):
            return False

    class Event:
        def __init__(self, *args, **kwargs):
            self.time = None

        def record(self, stream=None):
            self.time = time.perf_counter()

        def synchronize(self):
            LEDGER.record("syncs")

    cuda.runtime, cuda.Device, cuda.Event = runtime, Device, Event
    cuda.get_elapsed_time = lambda start, end: (end.time - start.time) * 1e3
    return cuda, runtime


class _Kernel:
    """One launchable kernel: ``kernel(grid, block, args)`` runs its NumPy emulation on the arrays' buffers."""

    def __init__(self, name, emulation, defines):
        self.name, self._emulation, self._defines = name, emulation, defines

    def __call__(self, grid, block, args, shared_mem=0, **kwargs):
        host_args = []
        for a in args:
            if isinstance(a, ndarray):
                host_args.append(a._a)
            elif isinstance(a, (np.generic, int, float, bool)):
                host_args.append(a)
            else:
                raise TypeError(f"Unsupported type {type(a)} as an argument of kernel {self.name}")
        grid = tuple(grid) if isinstance(grid, tuple) else (grid,)
        block = tuple(block) if isinstance(block, tuple) else (block,)
        self._emulation(self._defines, grid, block, host_args)


def _kernel_names(code):
    return re.findall(r"__global__\s+void\s+(?:\w+\s+)*?(\w+)\s*\(", code)


def _raw_classes(registry, toolchain=None):
    def resolve(names, code):
        missing = [n for n in names if n not in registry]
        if missing:
            raise RuntimeError(f"no device: the CuPy stand-in cannot compile CUDA code, and kernel(s) "
                               f"{', '.join(missing)} have no registered NumPy emulation")
        return {k: int(v) if v.isdigit() else v for k, v in re.findall(r"#define (\w+) (\S+)", code)}

    class RawModule:
        def __init__(self, code=None, path=None, options=(), backend="nvrtc", name_expressions=None, **kwargs):
            names = list(name_expressions) if name_expressions else _kernel_names(code or "")
            self._real = toolchain.module(code, name_expressions) if toolchain else None  # the .cu code on g++
            self._defines = resolve(names, code or "") if toolchain is None else {}
            self._names = names

        def get_function(self, name):
            if self._real is not None:
                real = self._real.get_function(name)
                return _Kernel(name, lambda defines, grid, block, args: real(grid, block, args), {})
            if name not in registry:
                resolve([name], "")
            return _Kernel(name, registry[name], self._defines)

    class RawKernel(_Kernel):
        def __init__(self, code, name, options=(), backend="nvrtc", **kwargs):
            super().__init__(name, registry.get(name), resolve([name], code))

    return RawModule, RawKernel


def make_cupy(kernels=None, toolchain=None):
    """A fresh ``cupy`` stand-in module (with ``cupyx`` etc. in its ``_modules``); ``kernels`` overrides the
    registered emulations (name -> emulation) for this instance only; with a ``cuda_on_cpu.Toolchain``,
    ``RawModule`` compiles and runs the real CUDA source on the CPU instead of the emulations."""
    cupy = types.ModuleType("cupy")
    cupy._is_standin = True
    cupy.__version__ = VERSION
    cupy.ndarray = ndarray
    registry = dict(_REGISTRY, **(kernels or {}))
    for name in _UFUNCS:
        setattr(cupy, name, _Ufunc(getattr(np, name)))
    cupy.abs = cupy.absolute
    cupy.mod = cupy.remainder
    for name in _FUNCTIONS:
        setattr(cupy, name, _device_function(getattr(np, name), name))
    for name in _SYNCING:
        setattr(cupy, name, _device_function(getattr(np, name), name))
    for name, func in _HOST.items():  # answers about shapes and types: no device data is read
        setattr(cupy, name, lambda *args, _func=func, **kw: _func(*unwrap_any(args), **kw))
    for name in _TYPES:
        setattr(cupy, name, getattr(np, name))
    cupy.newaxis, cupy.inf, cupy.nan, cupy.pi, cupy.e = None, np.inf, np.nan, np.pi, np.e
    cupy.asarray, cupy.asanyarray, cupy.array = _asarray, _asarray, _array
    cupy.ascontiguousarray, cupy.asnumpy, cupy.get_array_module = _ascontiguousarray, _asnumpy, _get_array_module
    cupy.random = _random_module("cupy.random")
    cupy.cuda, runtime = _cuda_module("cupy.cuda")
    cupy.RawModule, cupy.RawKernel = _raw_classes(registry, toolchain)
    cupy.testing = types.ModuleType("cupy.testing")
    cupy.testing.assert_array_equal = lambda a, b, **kw: np.testing.assert_array_equal(
        *(x._a if isinstance(x, ndarray) else x for x in (a, b)), **kw)
    cupy.testing.assert_allclose = lambda a, b, **kw: np.testing.assert_allclose(
        *(x._a if isinstance(x, ndarray) else x for x in (a, b)), **kw)
    cupyx = types.ModuleType("cupyx")
    cupyx._is_standin = True

    def scatter_add(a, slices, value):
        warnings.warn("cupyx.scatter_add is deprecated. Please use cupy.add.at instead.", DeprecationWarning,
                      stacklevel=2)
        cupy.add.at(a, slices, value)
    cupyx.scatter_add = scatter_add
    cupy._modules = {"cupy": cupy, "cupyx": cupyx, "cupy.random": cupy.random, "cupy.cuda": cupy.cuda,
                     "cupy.cuda.runtime": runtime, "cupy.testing": cupy.testing}
    cupy.ledger = LEDGER
    return cupy
