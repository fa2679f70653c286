"""CUDA sources on the CPU: g++ builds them against cuda_on_cpu.h, ctypes launches them with CuPy's RawModule shape.

``Toolchain().module(code, name_expressions)`` compiles the source once per (header, source, kernels, flags,
compiler) into a cache directory (a temporary directory by default; keyed on text, never on paths or mtimes;
nothing prebuilt is kept in the repository) and returns a module whose ``get_function(name)(grid, block, args)``
runs the kernel on NumPy arrays: an ``extern "C"`` kernel is found by its name, a name expression
(``lstm_forward<float>``) becomes a C++ function pointer whose template unpacks the argument array, as
``cudaLaunchKernel`` does. Scalars must be NumPy scalars of the kernel's parameter size (checked per launch).
"""

import ctypes
import hashlib
import os
import re
import shutil
import subprocess
import tempfile
from concurrent.futures import ThreadPoolExecutor
from pathlib import Path

import numpy as np

HEADER = Path(__file__).with_name("cuda_on_cpu.h")
FLAGS = ("-std=c++20", "-O1", "-fPIC", "-shared", "-pthread", "-ffp-contract=off", "-fno-fast-math", "-w")
SANITIZERS = ("-fsanitize=address,undefined", "-fno-sanitize-recover=undefined", "-fno-omit-frame-pointer", "-g")
_LOADED = {}  # library path (named by its build key) -> ctypes library (one load per process)


class KernelError(RuntimeError):
    """A CUDA-on-CPU build or launch failed (the message says which kernel and why)."""


def compiler():
    """The g++ executable, or None when the machine has none."""
    return shutil.which("g++")


def kernel_names(code):
    """The ``extern "C"`` kernels of a source, in order."""
    return re.findall(r'extern\s+"C"\s+__global__\s+void\s+(?:\w+\s+)*?(\w+)\s*\(', code)


def default_cache_dir():
    return Path(tempfile.gettempdir()) / f"w2vlm-cuda-on-cpu-{os.getuid()}"


class Toolchain:
    """Builds and loads CUDA sources; ``sanitize`` adds ASan/UBSan (the process must preload libasan)."""

    def __init__(self, sanitize=False, cache_dir=None, timeout=60.0):
        self.sanitize = bool(sanitize)
        self.flags = FLAGS + (SANITIZERS if sanitize else ())
        self.cache_dir = Path(cache_dir) if cache_dir else default_cache_dir()
        self.timeout = float(timeout)
        self.gxx = compiler()
        if self.gxx is None:
            raise KernelError("g++ is not installed: the CUDA-on-CPU kernel tests need it")
        self._version = subprocess.run([self.gxx, "--version"], capture_output=True, text=True).stdout

    def module(self, code, name_expressions=None):
        return RawModule(code, name_expressions, toolchain=self)

    def modules(self, sources):
        """``module`` for each (code, name_expressions) pair, compiled in parallel (one g++ per core)."""
        with ThreadPoolExecutor(max_workers=os.cpu_count() or 1) as pool:
            return list(pool.map(lambda source: self.module(*source), sources))

    def build(self, code, names):
        """The loaded library for ``code`` with one launch shim per kernel name (compiled at most once)."""
        text, library = self.library_path(code, names)
        if library not in _LOADED:
            if not library.exists():
                self._compile(text, library)
            _LOADED[library] = ctypes.CDLL(str(library))
        return _LOADED[library]

    def library_path(self, code, names):
        """(full C++ text, cached library path): the path hashes the header, the text, the flags and g++'s version."""
        shims = "".join(
            f'extern "C" int cudacpu_launch_{i}(const unsigned* d, void** a, double t, char* e, int n) '
            f"{{ return cudacpu::launch(&{name}, d, a, t, e, n); }}\n"
            f'extern "C" int cudacpu_sizes_{i}(int* s, int n) {{ return cudacpu::arg_sizes(&{name}, s, n); }}\n'
            for i, name in enumerate(names))
        text = f'#include "{HEADER.name}"\n{code}\n{shims}'
        key = hashlib.sha256("\0".join([HEADER.read_text(), text, *self.flags, self._version]).encode()).hexdigest()
        return text, self.cache_dir / f"{key[:32]}.so"

    def _compile(self, text, library):
        self.cache_dir.mkdir(parents=True, exist_ok=True)
        with tempfile.TemporaryDirectory(dir=self.cache_dir) as work:
            source, output = Path(work) / "kernel.cpp", Path(work) / "kernel.so"
            source.write_text(text)
            done = subprocess.run([self.gxx, *self.flags, "-I", str(HEADER.parent), str(source), "-o", str(output)],
                                  capture_output=True, text=True)
            if done.returncode:
                raise KernelError(f"g++ could not build the kernels:\n{done.stderr[-4000:]}")
            os.replace(output, library)  # atomic: a concurrent build of the same key writes the same bytes


class RawModule:
    """``cupy.RawModule``'s shape: ``RawModule(code=..., name_expressions=[...]).get_function(name)``."""

    def __init__(self, code, name_expressions=None, toolchain=None):
        self._names = list(name_expressions) if name_expressions else kernel_names(code)
        if not self._names:
            raise KernelError("the source defines no extern \"C\" kernel and no name expression was given")
        self._library = (toolchain or Toolchain()).build(code, self._names)
        self._timeout = (toolchain.timeout if toolchain else 60.0)

    def get_function(self, name):
        if name not in self._names:
            raise KernelError(f"no kernel {name!r} in this module (has {', '.join(self._names)})")
        return Function(name, self._library, self._names.index(name), self._timeout)


class Function:
    """One kernel: ``function(grid, block, args)`` launches it and returns when every thread is done."""

    def __init__(self, name, library, index, timeout):
        self.name, self._timeout = name, timeout
        self._launch = getattr(library, f"cudacpu_launch_{index}")
        self._launch.argtypes = [ctypes.POINTER(ctypes.c_uint), ctypes.POINTER(ctypes.c_void_p), ctypes.c_double,
                                 ctypes.c_char_p, ctypes.c_int]
        sizes = (ctypes.c_int * 64)()
        count = getattr(library, f"cudacpu_sizes_{index}")(sizes, 64)
        self.arg_sizes = list(sizes[:count])

    def __call__(self, grid, block, args, shared_mem=0, **kwargs):
        grid, block = (tuple(d) if isinstance(d, tuple) else (d,) for d in (grid, block))
        dims = (ctypes.c_uint * 6)(*(list(grid) + [1] * (3 - len(grid)) + list(block) + [1] * (3 - len(block))))
        if len(args) != len(self.arg_sizes):
            raise KernelError(f"{self.name} takes {len(self.arg_sizes)} arguments, {len(args)} given")
        keep, pointers = [], (ctypes.c_void_p * len(args))()
        for i, (a, size) in enumerate(zip(args, self.arg_sizes)):
            if isinstance(a, np.ndarray):
                storage = ctypes.c_void_p(a.ctypes.data)
                given = 8
            elif isinstance(a, np.generic):
                storage = ctypes.create_string_buffer(a.tobytes(), max(8, a.nbytes))
                given = a.nbytes
            else:
                raise KernelError(f"argument {i} of {self.name}: {type(a).__name__} (pass NumPy arrays or scalars)")
            if given != size:
                raise KernelError(f"argument {i} of {self.name}: {given} bytes given, the kernel takes {size}")
            keep.append(storage)
            pointers[i] = ctypes.cast(ctypes.pointer(storage) if isinstance(a, np.ndarray) else storage,
                                      ctypes.c_void_p)
        error = ctypes.create_string_buffer(1024)
        status = self._launch(dims, pointers, self._timeout, error, len(error))
        if status:
            raise KernelError(f"{self.name}<<<{grid}, {block}>>>: {error.value.decode(errors='replace')}")
