"""The stand-in's device array: a NumPy array behind CuPy 14's rules, with a ledger of host syncs and uploads.

Rules (CuPy's "Differences between CuPy and NumPy" page and the behaviour of cupy 14.2.0, see
../shared/research/gpu-audit.md): no implicit conversion to NumPy (``__array__`` raises TypeError), operators and
ufuncs take device arrays and Python/NumPy scalars only (a ``numpy.ndarray`` or list operand raises TypeError),
a host array assigned into a basic slice raises ValueError (CuPy calls ``fill`` there), reductions and scalar
indexing return 0-d device arrays (views), there is no ``__index__``. Turning a device value into a host value
(``float``, ``int``, ``bool``, ``.item()``, ``.get()``, ``.tolist()``, printing, data-dependent output sizes such
as boolean-mask indexing, ``nonzero`` or ``unique``) is a host sync; a host array becoming a device array is an
upload. Both are counted per call site (the first frame outside the stand-in).
"""

import collections
import os
import sys

import numpy as np

_HERE = os.path.dirname(os.path.abspath(__file__))
_SCALARS = (bool, int, float, complex, np.generic)


class Ledger:
    """Host syncs and uploads per call site ("w2vlm/lm/train.py:123")."""

    def __init__(self):
        self.syncs = collections.Counter()
        self.uploads = collections.Counter()

    def reset(self):
        self.syncs.clear()
        self.uploads.clear()

    def record(self, kind, count=1):
        getattr(self, kind)[call_site()] += count

    def total(self, kind, path_part=""):
        """All events of ``kind`` ('syncs' or 'uploads') at sites whose path contains ``path_part``."""
        return sum(n for site, n in getattr(self, kind).items() if path_part in site)


LEDGER = Ledger()


def call_site():
    """file:line of the first frame outside the stand-in and outside NumPy."""
    frame = sys._getframe(1)
    while frame is not None:
        name = frame.f_code.co_filename
        if not (name.startswith(_HERE) or f"{os.sep}numpy{os.sep}" in name or name.startswith("<")):
            parts = os.path.abspath(name).split(os.sep)
            return f"{'/'.join(parts[-3:])}:{frame.f_lineno}"
        frame = frame.f_back
    return "?"


def host_operand(x):
    """The NumPy value behind a ufunc/operator operand; TypeError for host arrays and lists, as CuPy."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, _SCALARS):
        return x
    raise TypeError(f"Unsupported type {type(x)}")


def unwrap(x):
    """Arguments of device functions: device arrays unwrapped, containers searched, host arrays refused."""
    if isinstance(x, ndarray):
        return x._a
    if isinstance(x, np.ndarray):
        raise TypeError(f"Unsupported type {type(x)}: the CuPy stand-in takes device arrays, not NumPy arrays "
                        f"(upload with cupy.asarray first)")
    if isinstance(x, (list, tuple)):
        return type(x)(unwrap(v) for v in x)
    return x


def wrap(result):
    """NumPy results as device arrays: scalars from reductions become 0-d arrays; tuples element-wise."""
    if isinstance(result, np.ndarray):
        return ndarray._of(result)
    if isinstance(result, (np.generic, bool, int, float)) and not isinstance(result, (np.dtype,)):
        return ndarray._of(np.asarray(result))
    if isinstance(result, tuple):
        return tuple(wrap(r) for r in result)
    if isinstance(result, list):
        return [wrap(r) for r in result]
    return result


def _index_part(k):
    """One index component: device arrays unwrapped (boolean masks sync), host arrays and lists upload."""
    if isinstance(k, ndarray):
        if k.dtype == np.bool_:
            LEDGER.record("syncs")  # the output size depends on the mask's contents
        return k._a
    if isinstance(k, (np.ndarray, list)):
        LEDGER.record("uploads")
        return np.asarray(k)
    if isinstance(k, np.generic) or isinstance(k, (int, slice, type(None), type(Ellipsis))):
        return k
    raise IndexError(f"the CuPy stand-in does not index with {type(k)}")


def _index(key):
    parts = key if isinstance(key, tuple) else (key,)
    return tuple(_index_part(k) for k in parts)


def _is_basic(key):
    return all(isinstance(k, (int, np.integer, slice, type(None), type(Ellipsis))) for k in key)


class _Flags:
    def __init__(self, a):
        self.c_contiguous = a.flags.c_contiguous
        self.f_contiguous = a.flags.f_contiguous
        self.owndata = a.flags.owndata


class _Memory:
    def __init__(self, a):
        self.ptr = a.__array_interface__["data"][0]


def _sync_method(name):
    def method(self, *args, **kwargs):
        LEDGER.record("syncs")
        return getattr(self._a, name)(*args, **kwargs)
    method.__name__ = name
    return method


def _binary(name):
    def method(self, other):
        return wrap(getattr(self._a, name)(host_operand(other)))
    method.__name__ = name
    return method


def _inplace(name):
    def method(self, other):
        getattr(self._a, name)(host_operand(other))
        return self
    method.__name__ = name
    return method


def _forward(name, syncs=False):
    def method(self, *args, **kwargs):
        if syncs:
            LEDGER.record("syncs")
        return wrap(getattr(self._a, name)(*unwrap(args), **{k: unwrap(v) for k, v in kwargs.items()}))
    method.__name__ = name
    return method


class ndarray:
    """cupy.ndarray of the stand-in (``type(x).__module__`` is 'cupy', as the real one's)."""

    __module__ = "cupy"
    __array_priority__ = 100
    __hash__ = None

    def __init__(self, shape, dtype=float, order="C"):
        self._a = np.empty(shape, dtype=dtype, order=order)

    @classmethod
    def _of(cls, a):
        x = cls.__new__(cls)
        x._a = a
        return x

    # --- what CuPy refuses -----------------------------------------------------------------------------------
    def __array__(self, *args, **kwargs):
        raise TypeError("Implicit conversion to a NumPy array is not allowed. Please use `.get()` to construct "
                        "a NumPy array explicitly.")

    def __array_ufunc__(self, ufunc, method, *inputs, **kwargs):
        from . import cupy_standin
        device_ufunc = getattr(cupy_standin.module(), ufunc.__name__, None)
        if device_ufunc is None:
            return NotImplemented
        if method == "__call__":
            return device_ufunc(*inputs, **kwargs)
        if method == "at":
            return device_ufunc.at(*inputs, **kwargs)
        return NotImplemented

    def __array_function__(self, func, types, args, kwargs):
        from . import cupy_standin
        device_func = getattr(cupy_standin.module(), func.__name__, None)
        if device_func is None or not callable(device_func):
            return NotImplemented
        return device_func(*args, **kwargs)

    # --- host syncs and transfers ------------------------------------------------------------------------------
    __float__ = _sync_method("__float__")
    __int__ = _sync_method("__int__")
    __complex__ = _sync_method("__complex__")
    __bool__ = _sync_method("__bool__")
    item = _sync_method("item")
    tolist = _sync_method("tolist")
    __format__ = _sync_method("__format__")
    __repr__ = _sync_method("__repr__")
    __str__ = _sync_method("__str__")

    def get(self, stream=None, out=None):
        LEDGER.record("syncs")
        if out is not None:
            out[...] = self._a
            return out
        return self._a.copy()

    def set(self, arr, stream=None):
        LEDGER.record("uploads")
        self._a[...] = np.asarray(arr)

    # --- attributes ----------------------------------------------------------------------------------------------
    shape = property(lambda self: self._a.shape)
    dtype = property(lambda self: self._a.dtype)
    ndim = property(lambda self: self._a.ndim)
    size = property(lambda self: self._a.size)
    nbytes = property(lambda self: self._a.nbytes)
    itemsize = property(lambda self: self._a.itemsize)
    strides = property(lambda self: self._a.strides)
    flags = property(lambda self: _Flags(self._a))
    data = property(lambda self: _Memory(self._a))
    T = property(lambda self: ndarray._of(self._a.T))

    @property
    def device(self):
        from . import cupy_standin
        return cupy_standin.module().cuda.Device(0)

    def __len__(self):
        return len(self._a)

    def __iter__(self):
        if self._a.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        return (ndarray._of(self._a[i, ...]) for i in range(len(self._a)))

    def __getitem__(self, key):
        key = _index(key)
        result = self._a[key]
        if isinstance(result, np.generic):  # CuPy gives a 0-d view, not a copy
            result = self._a[key + (Ellipsis,)]
        return ndarray._of(result)

    def __setitem__(self, key, value):
        key = _index(key)
        if isinstance(value, ndarray):
            value = value._a
        elif isinstance(value, np.ndarray) and value.ndim > 0:
            if _is_basic(key):
                raise ValueError("non-scalar numpy.ndarray cannot be used for fill")
            LEDGER.record("uploads")
        elif isinstance(value, (list, tuple)):
            raise TypeError(f"Unsupported type {type(value)}")
        self._a[key] = value

    def __neg__(self):
        return ndarray._of(-self._a)

    def __pos__(self):
        return self

    def __abs__(self):
        return ndarray._of(abs(self._a))

    def __invert__(self):
        return ndarray._of(~self._a)


for _name in ("add", "sub", "mul", "truediv", "floordiv", "mod", "pow", "matmul", "and", "or", "xor", "lshift",
              "rshift"):
    setattr(ndarray, f"__{_name}__", _binary(f"__{_name}__"))
    setattr(ndarray, f"__r{_name}__", _binary(f"__r{_name}__"))
    setattr(ndarray, f"__i{_name}__", _inplace(f"__i{_name}__"))
for _name in ("lt", "le", "gt", "ge", "eq", "ne"):
    setattr(ndarray, f"__{_name}__", _binary(f"__{_name}__"))
for _name in ("copy", "astype", "reshape", "ravel", "flatten", "swapaxes", "transpose", "squeeze", "sum", "mean",
              "max", "min", "argmax", "argmin", "any", "all", "prod", "var", "std", "cumsum", "clip", "dot", "fill",
              "view", "take", "repeat", "round", "sort", "argsort", "conj"):
    setattr(ndarray, _name, _forward(_name))
ndarray.nonzero = _forward("nonzero", syncs=True)
