"""Kernel launches that cost a few microseconds of host time instead of tens.

Measured on an H200 (numba-cuda 0.30, `benchmarks/gpu_profile.py`): launching one of the
MLP's kernels as `kernel[grid, block](a, b, c, d)` costs about 36 µs of host time — the
dispatcher types every argument, `_prepare_args` flattens each array into its fields,
and cuda.core packs them again — while the kernel itself runs for a few. A three-kernel
program spent 110 of its 185 µs per call there, which made the W1 MLP at batch 4096
host-bound at twice PyTorch's time.

A `Launch` is one launch site of a generated driver: a kernel and its (static) grid. Its
first call goes through numba-cuda, which compiles the kernel and picks the overload; from
then on it calls the driver's `cuLaunchKernel` itself, with the kernel's parameters kept
in one ctypes block per site. Numba passes an array as separate parameters (meminfo,
parent, item count, item size, data pointer, then the shape and the strides), each 8
bytes; a site rewrites an argument's fields only when a different object is passed in
that position (the pooled intermediates and the caller's weights are the same objects
call after call). It keeps weak references to the objects it packed: a strong one would
keep the program's last result busy for `Pool.take_result` and cost an allocation per
call; a weak one still tells "the same object" apart from a new one at the same address.

Anything unusual takes numba-cuda's path for that call: the simulator, an argument that
is not a numba device array of the dtype, rank and layout the kernel was compiled for,
a kernel with several overloads, a parameter type other than arrays, integers and
floats, or an error code from the driver (no current context in this thread, say). The
launch is on the legacy default stream, where numba-cuda launches too, so the order of
kernels, copies and CuPy's cuBLAS calls is unchanged. `set_enabled(False)` turns the
direct path off (to compare, or to rule it out).
"""

from __future__ import annotations

import ctypes
import ctypes.util
import functools
import threading
import weakref

_state = {"enabled": True}


def set_enabled(enabled: bool) -> None:
    """Allows (the default) or forbids direct `cuLaunchKernel` launches."""
    _state["enabled"] = bool(enabled)


@functools.lru_cache(maxsize=None)
def _cu_launch_kernel():
    """libcuda's `cuLaunchKernel`, or None where it cannot be loaded (no driver, simulator)."""
    from numba import cuda

    if cuda.config.ENABLE_CUDASIM:
        return None
    for name in ("libcuda.so.1", "libcuda.so", ctypes.util.find_library("cuda")):
        if not name:
            continue
        try:
            library = ctypes.CDLL(name)
        except OSError:
            continue
        function = library.cuLaunchKernel
        u32 = ctypes.c_uint
        function.argtypes = [ctypes.c_void_p, u32, u32, u32, u32, u32, u32, u32,
                             ctypes.c_void_p, ctypes.c_void_p, ctypes.c_void_p]
        function.restype = ctypes.c_int
        _cu_launch_kernel.library = library
        return function
    return None


def _dims(value) -> tuple[int, int, int]:
    value = tuple(value) if isinstance(value, (tuple, list)) else (value,)
    return tuple(int(v) for v in value) + (1,) * (3 - len(value))


class _Slot:
    """How one kernel argument is packed: its kind and where its fields go."""

    __slots__ = ("kind", "offset", "dtype", "ndim", "c_order", "scalar")

    def __init__(self, kind, offset, dtype=None, ndim=0, c_order=False, scalar=None):
        self.kind = kind          # "array" or "scalar"
        self.offset = offset      # first 8-byte field in the block (arrays)
        self.dtype = dtype        # the array's NumPy dtype
        self.ndim = ndim
        self.c_order = c_order    # compiled for layout 'C': the argument must be C-contiguous
        self.scalar = scalar      # the ctypes object holding a scalar argument


class _Packed:
    """The parameter block of one overload: 8-byte fields, scalars, and the void* table."""

    def __init__(self, argument_types):
        from numba.core import types
        from numba.np import numpy_support

        self.slots: list[_Slot] = []
        pointers: list = []  # (block offset) or a ctypes scalar, one per kernel parameter
        fields = 0
        for t in argument_types:
            if isinstance(t, types.Array):
                slot = _Slot("array", fields, numpy_support.as_dtype(t.dtype), t.ndim,
                             t.layout == "C")
                count = 5 + 2 * t.ndim
                pointers += list(range(fields, fields + count))
                fields += count
            elif isinstance(t, types.Integer):
                holder = getattr(ctypes, f"c_{t}")()
                slot = _Slot("scalar", -1, scalar=holder)
                pointers.append(holder)
            elif t in (types.float32, types.float64):
                holder = (ctypes.c_float if t == types.float32 else ctypes.c_double)()
                slot = _Slot("scalar", -1, scalar=holder)
                pointers.append(holder)
            else:
                raise TypeError(f"no direct launch for a {t} parameter")
            self.slots.append(slot)
        self.block = (ctypes.c_int64 * max(fields, 1))()
        base = ctypes.addressof(self.block)
        table = [base + 8 * p if isinstance(p, int) else ctypes.addressof(p) for p in pointers]
        self.table = (ctypes.c_void_p * max(len(table), 1))(*table)
        self.address = ctypes.addressof(self.table)

    def write(self, slot: _Slot, value) -> bool:
        """Packs `value` into `slot`'s fields; False if it does not fit the compiled type."""
        if slot.kind == "scalar":
            try:
                slot.scalar.value = value
            except TypeError:
                return False
            return True
        if not getattr(value, "__cuda_ndarray__", False) or value.ndim != slot.ndim:
            return False
        if value.dtype != slot.dtype:
            return False
        shape, strides = value.shape, value.strides
        itemsize = slot.dtype.itemsize
        if slot.c_order and not _c_contiguous(shape, strides, itemsize):
            return False
        pointer = value.device_ctypes_pointer.value or 0
        block, at = self.block, slot.offset
        block[at] = 0
        block[at + 1] = 0
        block[at + 2] = value.size
        block[at + 3] = itemsize
        block[at + 4] = pointer
        at += 5
        for n in shape:
            block[at] = n
            at += 1
        for s in strides:
            block[at] = s
            at += 1
        return True


def _c_contiguous(shape, strides, itemsize) -> bool:
    expected = itemsize
    for n, s in zip(reversed(shape), reversed(strides)):
        if n > 1 and s != expected:
            return False
        expected *= n
    return True


class Launch:
    """One launch site: `Launch(kernel, config)(*args)` launches `kernel` on `config`.

    `config` is `(griddim, blockdim)` or, for grid-stride kernels, the element count `n`
    whose grid `grid_of(n)` gives (`runtime.grid`, read from the device on the first call, so
    that importing a program needs no device).
    """

    __slots__ = ("kernel", "config", "why", "_grid_of", "_grid", "_block", "_packed", "_held",
                 "_launch", "_lock")

    def __init__(self, kernel, config, grid_of=None):
        self.kernel = kernel
        self.config = config
        self._grid_of = grid_of  # n -> (blocks, threads), for an integer `config`
        self._grid = self._block = None
        self._packed: _Packed | None = None
        self._held: list = []
        self._launch = None  # cuLaunchKernel and the kernel handle, once known to work
        self.why = "not launched yet"  # why numba-cuda's path is taken, once it is for good
        # One parameter block per site: threads sharing a program take turns writing it
        # and launching (the driver copies the parameters when the launch is queued).
        self._lock = threading.Lock()

    def __call__(self, *args) -> None:
        if self._launch is not None and _state["enabled"]:
            with self._lock:
                if self._launch is not None and self._direct(args):
                    return
        self._numba(args)

    def _configure(self) -> None:
        if self._grid is None:
            config = self.config
            if isinstance(config, int):
                config = self._grid_of(config)
            self._grid, self._block = config

    def _numba(self, args) -> None:
        """numba-cuda's own launch (compiles on the first call); then sets up the direct path."""
        self._configure()
        self.kernel[self._grid, self._block](*args)
        if self._launch is None and self._packed is None:
            self._prepare(args)

    def _prepare(self, args) -> None:
        launch = _cu_launch_kernel()
        overloads = getattr(self.kernel, "overloads", {})
        if launch is None or len(overloads) != 1:
            self._give_up("no driver library" if launch is None else
                          f"{len(overloads)} overloads")
            return
        (overload,) = overloads.values()
        try:
            packed = _Packed(overload.argument_types)
            handle = _address(overload._codelibrary.get_cufunc().handle)
        except Exception as exc:
            self._give_up(f"{type(exc).__name__}: {exc}")
            return
        self._packed = packed
        self._held = [None] * len(packed.slots)
        self.why = None
        gx, gy, gz = _dims(self._grid)
        bx, by, bz = _dims(self._block)
        self._launch = (launch, handle, gx, gy, gz, bx, by, bz)

    def _give_up(self, why: str) -> None:
        """numba-cuda's path for every later call, and why (`why` is for people)."""
        self._packed = False
        self._launch = None
        self.why = why

    def _direct(self, args) -> bool:
        packed, held = self._packed, self._held
        if len(args) != len(held):
            return False
        for k, value in enumerate(args):
            ref = held[k]
            if ref is None or ref() is not value:
                if not packed.write(packed.slots[k], value):
                    held[k] = None
                    return False
                held[k] = _reference(value, packed.slots[k])
        launch, handle, gx, gy, gz, bx, by, bz = self._launch
        error = launch(handle, gx, gy, gz, bx, by, bz, 0, None, packed.address, None)
        if error == _INVALID_CONTEXT and _make_context_current():
            error = launch(handle, gx, gy, gz, bx, by, bz, 0, None, packed.address, None)
        if error:
            self._give_up(f"cuLaunchKernel returned error {error}")
            return False
        return True


def _reference(value, slot: _Slot):
    """What `_direct` compares the next call's argument with: a weak reference to an
    array (None for a scalar, repacked every call; a strong one for an array type that
    takes no weak references)."""
    if slot.kind == "scalar":
        return None
    try:
        return weakref.ref(value)
    except TypeError:
        return lambda: value


_INVALID_CONTEXT = 201  # CUDA_ERROR_INVALID_CONTEXT: no context current in this thread


def _address(handle) -> int:
    """The raw pointer of a driver handle, whichever binding numba-cuda uses (a ctypes
    pointer, a cuda-python CUfunction, a cuda.core kernel handle)."""
    value = getattr(handle, "value", None)
    if isinstance(value, int):
        return value
    try:
        return int(handle)
    except TypeError:
        return int(handle.getPtr())


def _make_context_current() -> bool:
    """Makes numba's context of the current device current in this thread (it is what
    numba-cuda itself activates before its own launches)."""
    try:
        from numba.cuda.cudadrv import devices

        handle = _address(devices.get_context().handle)
        library = _cu_launch_kernel.library
        return library.cuCtxSetCurrent(ctypes.c_void_p(handle)) == 0
    except Exception:
        return False


__all__ = ["Launch", "set_enabled"]
