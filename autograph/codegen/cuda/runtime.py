"""What generated CUDA programs call at run time: the device, launch shapes, memory, transfers.

The program text that `numba_cuda` writes holds the kernels and a plain-Python host driver;
everything the driver needs beyond `numba.cuda` itself lives here, so the generated text
stays short and this module is the one place that knows about devices:

- whether a device (or the simulator, `NUMBA_ENABLE_CUDASIM=1`) is there at all, and why not;
- the `Target` (threads per reduction block, matmul tile edge) code generation assumes, and
  launch grids for grid-stride loops from the device's multiprocessor count and maximum
  threads per block, both cached;
- allocation (0-d values live on the device as 1-element arrays), host<->device moves of
  arguments and results, and reads of single device values for host control flow;
- the optional cuBLAS path through CuPy for large float matrix products.

`numba.cuda` is imported lazily, inside functions: importing this module (and so
`autograph`) never needs a GPU, a driver or the CUDA toolkit.
"""

from __future__ import annotations

import dataclasses
import functools
import sys
import threading

import numpy as np

from autograph.codegen.cuda.gemm import Tile
from autograph.codegen.cuda import launch as _launch
from autograph.errors import AutographError

# Grid-stride kernels launch this many threads per block on a real device (capped by the
# device's maximum), and at most this many blocks per multiprocessor: enough to hide
# memory latency, few enough that each thread loops over several elements.
_THREADS = 256
_BLOCKS_PER_SM = 16
# The simulator runs every thread as a Python thread: keep launches tiny there.
_SIM_THREADS = 8
_SIM_BLOCKS = 2


@dataclasses.dataclass(frozen=True)
class Target:
    """What generated kernel text depends on, besides the graph.

    `block` is the thread count of reduction blocks (a power of two: the shared-memory
    tree halves it), `tile` the edge of the square tiles of the general product kernel
    (tile*tile threads per block; dot and non-float32 matmul), `partials` the most blocks
    that share one reduction output before a second pass combines them.

    float32 matmul (see `cuda_gemm`): `gemm_tiles` are the register-blocked tiles
    (bm, bn, bk, tm, tn), largest first; a product takes the first that gives at least
    `gemm_min_blocks` blocks (about the multiprocessor count: fewer leaves some idle).
    Products of at most `skinny_cols` columns run `skinny_lanes` threads per row,
    `skinny_rows` rows per block. `fast_matmul=False` sends float32 matmul to the general
    kernel and `epilogues=False` keeps products out of their consumers' kernels: both for
    comparisons. Programs for different targets differ in text, hence in cache file.
    """

    block: int = 256
    tile: int = 16
    partials: int = 1024
    gemm_tiles: tuple = ((128, 64, 8, 8, 4), (64, 64, 8, 4, 4))
    gemm_min_blocks: int = 120
    skinny_cols: int = 8
    skinny_lanes: int = 32
    skinny_rows: int = 8
    fast_matmul: bool = True
    epilogues: bool = True

    def __post_init__(self):
        if self.block < 2 or self.block & (self.block - 1):
            raise AutographError(f"Target.block must be a power of two >= 2, not {self.block}")
        if self.tile < 1 or self.partials < 1:
            raise AutographError(f"invalid target {self}")
        if not self.gemm_tiles:
            raise AutographError("Target.gemm_tiles must name at least one tile")
        for sizes in self.gemm_tiles:
            why = Tile(*sizes).problem()
            if why:
                raise AutographError(f"Target.gemm_tiles: tile {sizes}: {why}")
        lanes = self.skinny_lanes
        if lanes < 2 or lanes & (lanes - 1) or not 0 <= self.skinny_cols <= lanes:
            raise AutographError(f"Target.skinny_lanes must be a power of two >= 2 and at "
                                 f"least skinny_cols, not {lanes} (skinny_cols "
                                 f"{self.skinny_cols})")
        if self.skinny_rows < 1:
            raise AutographError(f"invalid target {self}")


DEVICE_TARGET = Target()
# Small enough for the simulator's Python threads, big enough to exercise every code path
# (several tiles per matmul, several partial blocks per reduction, two lanes' folds per
# skinny row).
SIMULATOR_TARGET = Target(block=8, tile=4, partials=4, gemm_tiles=((8, 8, 4, 2, 2),),
                          gemm_min_blocks=1, skinny_cols=2, skinny_lanes=4, skinny_rows=2)


def _cuda():
    from numba import cuda

    return cuda


def simulating() -> bool:
    """Whether numba.cuda is the simulator (NUMBA_ENABLE_CUDASIM=1 before numba's import)."""
    return bool(_cuda().config.ENABLE_CUDASIM)


def unavailable_reason() -> str | None:
    """None when kernels can run here (a GPU, or the simulator), else why they cannot."""
    try:
        cuda = _cuda()
    except Exception as exc:  # numba-cuda missing or broken: report, never crash
        return f"numba.cuda cannot be imported ({type(exc).__name__}: {exc})"
    try:
        if cuda.is_available():
            return None
    except Exception as exc:
        return f"{type(exc).__name__}: {exc}"
    try:
        from numba.cuda.cudadrv.driver import driver

        detail = str(driver.initialization_error or "").strip()
    except Exception:
        detail = ""
    return detail or "numba.cuda.is_available() is False"


def require_device() -> None:
    """Raises AutographError("no CUDA device: ...") unless kernels can run here."""
    reason = unavailable_reason()
    if reason is not None:
        raise AutographError(f"no CUDA device: {reason} (set NUMBA_ENABLE_CUDASIM=1 before "
                             f"numba is imported to use the CUDA simulator)")


def default_target() -> Target:
    return SIMULATOR_TARGET if simulating() else DEVICE_TARGET


@functools.lru_cache(maxsize=None)
def device_limits() -> tuple[int, int]:
    """(multiprocessor count, max threads per block) of the current device, read once."""
    if simulating():
        return 1, _SIM_THREADS
    device = _cuda().get_current_device()
    return int(device.MULTIPROCESSOR_COUNT), int(device.MAX_THREADS_PER_BLOCK)


@functools.lru_cache(maxsize=4096)
def grid(n: int) -> tuple[int, int]:
    """(blocks, threads) for a grid-stride loop over `n` > 0 elements."""
    if simulating():
        threads = min(_SIM_THREADS, n)
        return min(_SIM_BLOCKS, -(-n // threads)), threads
    sms, max_threads = device_limits()
    threads = min(_THREADS, max_threads)
    return max(1, min(-(-n // threads), sms * _BLOCKS_PER_SM)), threads


def Launch(kernel, config):  # noqa: N802 - generated programs call it like the class it makes
    """A launch site (`launch.Launch`) whose integer configs take this device's `grid`."""
    return _launch.Launch(kernel, config, grid)


# ---- memory and transfers -----------------------------------------------------------

def empty(shape: tuple[int, ...], dtype) -> object:
    """An uninitialised device array; 0-d values get shape (1,)."""
    return _cuda().device_array(shape or (1,), dtype)


class Pool:
    """Device buffers of one program's intermediates and results, kept for reuse.

    Allocating device memory costs tens of microseconds (43 µs for a 32 KB array on an
    H200, more than launching a kernel), and a driver allocates a buffer per intermediate
    per call, per loop iteration. The generated driver takes intermediates from its
    program's pool and gives each back right after the last kernel that reads it is
    queued; every kernel runs on the one (default) stream, so a buffer handed out again is
    only written after those reads. Buffers are reused for the same shape and dtype
    (shapes are static, so that is the common case) and kept until `clear()`.

    A result cannot be given back: the caller owns it. `take_result` keeps the last
    `KEEP_RESULTS` results of a shape and dtype and hands one out again only once nothing
    but the pool refers to it — not the array, not its device memory (a view or reshape
    made from it shares that), and no numba view of a part of it (counted by the memory's
    own `refct`) — measured against the counts of the same array when it was new and held
    by the pool alone. A copied-out result (NumPy arguments) is free again as soon as it is
    copied. Kernels writing the reused buffer are queued after every earlier use of it on
    the stream, so a caller that let go of a result and did not synchronise loses nothing.
    """

    KEEP_RESULTS = 2

    def __init__(self):
        self._free: dict[tuple, list] = {}
        self._results: dict[tuple, list] = {}  # key -> [(array, counts when only kept)]
        self._lock = threading.Lock()

    def take(self, shape: tuple[int, ...], dtype) -> object:
        key = (shape or (1,), np.dtype(dtype))
        free = self._free.get(key)
        if free:
            return free.pop()
        return _cuda().device_array(key[0], key[1])

    def take_result(self, shape: tuple[int, ...], dtype) -> object:
        """A buffer for a result: a kept one the caller has let go of, or a new one."""
        key = (shape or (1,), np.dtype(dtype))
        with self._lock:  # two threads must not both find the same buffer free
            kept = self._results.setdefault(key, [])
            for array, alone in kept:
                if _holders(array) == alone:
                    return array
            array = _cuda().device_array(key[0], key[1])
            if len(kept) < self.KEEP_RESULTS:
                # Counted as `take_result` checks it: held by its entry in `kept` and by
                # one local name (a count taken inside an expression would see one more).
                kept.append((array, None))
                alone = _holders(array)
                kept[-1] = (array, alone)
            return array

    def give(self, *arrays) -> None:
        for array in arrays:
            self._free.setdefault((tuple(array.shape), np.dtype(array.dtype)), []).append(array)

    def clear(self) -> None:
        self._free.clear()
        self._results.clear()


def _holders(array) -> tuple:
    """Reference counts that grow while anything besides the pool holds `array`: the
    array object, its device memory object (`gpu_data`; `_ary` in the simulator), and
    numba's count of views into that memory. Compared only with the counts taken the same
    way when the pool alone held it, never with assumed numbers."""
    memory = getattr(array, "gpu_data", None)
    if memory is None:
        memory = getattr(array, "_ary", None)
    return (sys.getrefcount(array), sys.getrefcount(memory), getattr(memory, "refct", 0))


def scalar(value, dtype) -> object:
    """A host scalar as a 1-element device array (a host->device copy)."""
    return _cuda().to_device(np.full((1,), value, dtype))


def item(device_value):
    """The single element of a 1-element device array, on the host.

    Each call is a device->host copy, which waits for every kernel launched before it:
    the cost of a host-side decision about device data (tens of microseconds, plus the
    time for the queued kernels to finish).
    """
    return device_value.copy_to_host()[0]


def truth(device_value) -> bool:
    """`bool` of a 1-element device array (a synchronising read, see `item`)."""
    return bool(item(device_value))


class DeviceConstants:
    """A program's array constants, copied to the device on first use and kept there."""

    def __init__(self, arrays):
        self._arrays = list(arrays)
        self._device: list = [None] * len(self._arrays)

    def __getitem__(self, k: int):
        found = self._device[k]
        if found is None:
            array = self._arrays[k]
            found = _cuda().to_device(np.ascontiguousarray(array.reshape(array.shape or (1,))))
            self._device[k] = found
        return found


def is_device_array(value) -> bool:
    """A numba device array (real or simulated) or anything exporting
    `__cuda_array_interface__` (CuPy arrays, PyTorch CUDA tensors)."""
    return bool(getattr(value, "__cuda_ndarray__", False)) or hasattr(
        value, "__cuda_array_interface__")


def as_device_array(value):
    """`value` as a numba device array, without copying."""
    if getattr(value, "__cuda_ndarray__", False):
        return value
    return _cuda().as_cuda_array(value)


def prepare_inputs(args, types, names, kinds) -> tuple[list, bool]:
    """The driver's arguments for a call, and whether the call is a device call.

    Device arrays (anything with `__cuda_array_interface__`) are taken without a copy and
    make the results device arrays; everything else is converted like the interpreter
    does (`np.asarray(arg, dtype)`) and copied in. 0-d inputs the driver takes as host
    scalars (`kinds[i] == "host"`) become NumPy scalars; a 0-d device argument for one is
    read back (a synchronising copy).
    """
    cuda = _cuda()
    on_device = any(is_device_array(a) for a in args)
    out = []
    for arg, ttype, name, kind in zip(args, types, names, kinds):
        if is_device_array(arg):
            array = as_device_array(arg)
            if array.dtype != ttype.dtype or tuple(array.shape) not in (ttype.shape, ttype.shape
                                                                         or (1,)):
                raise AutographError(f"argument {name}: device array of {array.dtype}"
                                     f"{list(array.shape)} given, the program takes {ttype}")
            if kind == "host":
                out.append(ttype.dtype.type(array.copy_to_host().reshape(-1)[0]))
            else:
                out.append(array.reshape(ttype.shape or (1,)) if array.shape != (
                    ttype.shape or (1,)) else array)
            continue
        host = np.asarray(arg, dtype=ttype.dtype)
        if host.shape != ttype.shape:
            raise AutographError(f"argument {name} has shape {host.shape}, the program "
                                 f"takes {ttype}")
        if kind == "host":
            out.append(host[()])
        else:
            out.append(cuda.to_device(np.ascontiguousarray(host.reshape(ttype.shape or (1,)))))
    return out, on_device


def finish_outputs(values, types, on_device: bool) -> tuple:
    """Results as the caller gets them: device arrays of the true shape after a device
    call, else NumPy arrays (NumPy scalars for 0-d values)."""
    out = []
    for value, ttype in zip(values, types):
        if on_device:
            out.append(value.reshape(ttype.shape) if value.shape != ttype.shape else value)
        else:
            host = value.copy_to_host()
            out.append(host[0] if ttype.shape == () else host.reshape(ttype.shape))
    return tuple(out)


def print_values(template, sep, end, forms, *values) -> None:
    """The staged `print`: each device value is copied back (a synchronising read).

    `forms` has a letter per value, so that it prints as the interpreter's would: "w" a
    weak 0-d value (a Python scalar), "s" a strong 0-d value (a NumPy scalar), "a" an array.
    """
    shown = []
    for value, form in zip(values, forms):
        if is_device_array(value):
            value = value.copy_to_host()
            if form != "a":
                value = value[0]
        if form == "w":
            value = np.asarray(value).item()
        shown.append(value)
    pieces = [shown[p] if isinstance(p, int) and not isinstance(p, bool) else p
              for p in template]
    print(*pieces, sep=sep, end=end)


# ---- optional cuBLAS --------------------------------------------------------------

# Handing numba arrays to CuPy costs a synchronisation with the producing stream (CUDA
# array interface v3), so the library call pays only for large products: on an H200 the
# tiled kernel beat it for an MLP's 4096x512 @ 512x256 (0.32 ms against 0.74 ms a call).
GEMM_MIN_FLOPS = 2 * 1024 ** 3
_cublas = {"enabled": True}


def set_cublas(enabled: bool) -> None:
    """Allows (the default) or forbids the CuPy cuBLAS path, e.g. to time our own kernel."""
    _cublas["enabled"] = bool(enabled)


@functools.lru_cache(maxsize=None)
def _cupy():
    if simulating():
        return None
    try:
        import cupy
    except Exception:
        return None
    return cupy


def gemm(a, b, out) -> bool:
    """out = a @ b through CuPy's cuBLAS for large 2-D float products; False if not done.

    Optional: without CuPy (or for small products) the caller launches its own kernel.
    CuPy and numba share the legacy default stream, so ordering is kept.
    """
    m, k = a.shape
    n = b.shape[1]
    if 2 * m * n * k < GEMM_MIN_FLOPS or not _cublas["enabled"]:
        return False
    cupy = _cupy()
    if cupy is None:
        return False
    cupy.matmul(cupy.asarray(a), cupy.asarray(b), out=cupy.asarray(out))
    return True


def ceil_div(a: int, b: int) -> int:
    return -(-a // b)


__all__ = [
    "DEVICE_TARGET", "GEMM_MIN_FLOPS", "SIMULATOR_TARGET", "DeviceConstants", "Launch", "Pool",
    "Target",
    "ceil_div", "default_target", "device_limits", "empty", "finish_outputs", "gemm", "grid",
    "item", "prepare_inputs", "print_values", "require_device", "scalar", "set_cublas",
    "simulating", "truth",
    "unavailable_reason",
]
