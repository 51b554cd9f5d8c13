"""Runtime helpers of generated CPU programs (besides `vecmath`): big fresh arrays on
transparent huge pages, and pools of result buffers that calls recycle.

Why: a program returns a new array per call, and a big one (W2's 40 MB result) is a
fresh `mmap` from malloc every time, so its first write faults in 10,000 4-KiB pages
one by one. Measured on W2 (float32, 10^7 elements, one core): 31 ms per call, of which
the arithmetic is 13; NumPy asks the kernel for 2-MiB pages on arrays of 4 MiB and more
(`madvise(MADV_HUGEPAGE)`, numpy/core/src/multiarray/alloc.c) and so does `huge_pages`
here: 19 ms. Only the part of the buffer that covers whole 2-MiB pages is advised, as
NumPy does; the call is a hint, its result ignored, and it changes no values.

`madvise` is declared by name in the LLVM module (an `intrinsic`), not called through
ctypes, so programs using it can still be cached by Numba. Linux only: the code
generator emits the call when `sys.platform` is Linux (`AVAILABLE`).

Huge pages make a fresh buffer cheaper; `ResultBuffers` avoids the fresh buffer: a
program whose big result it allocated at its top level writes it into a buffer handed
in by the caller (`out0`), and the pool hands out again a buffer of an earlier call once
the caller has dropped that result. Pages already faulted in cost nothing: W2 runs its
loop in 15 ms instead of 23 on one thread (6 instead of 11.7 on two).

`VERSION` hashes this file; programs calling it name it, so that Numba's disk cache
never serves machine code built from an older version.
"""

from __future__ import annotations

import hashlib
import sys
import threading
from pathlib import Path

import numba
import numpy as np
from llvmlite import ir as llvm_ir
from numba import types
from numba.core import cgutils
from numba.extending import intrinsic

VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]
AVAILABLE = sys.platform.startswith("linux")

HUGE_PAGE = 1 << 21            # bytes in a transparent huge page on x86-64 and arm64
THRESHOLD = 1 << 22            # advise arrays of 4 MiB and more, as NumPy does
_MADV_HUGEPAGE = np.int32(14)  # <sys/mman.h> on Linux


@intrinsic
def _madvise(typingctx, address, length, advice):
    """libc's `int madvise(void *addr, size_t length, int advice)`."""
    def codegen(context, builder, signature, args):
        char_p = llvm_ir.IntType(8).as_pointer()
        fnty = llvm_ir.FunctionType(llvm_ir.IntType(32),
                                    [char_p, llvm_ir.IntType(64), llvm_ir.IntType(32)])
        fn = cgutils.get_or_insert_function(builder.module, fnty, "madvise")
        return builder.call(fn, [builder.inttoptr(args[0], char_p), args[1], args[2]])
    return types.int32(types.intp, types.intp, types.int32), codegen


@numba.njit(nogil=True, cache=True, inline="always")
def huge_pages(array):
    """`array`, its whole 2-MiB pages advised to be backed by huge pages (call it on a
    fresh array, before writing to it)."""
    nbytes = array.size * array.itemsize
    if nbytes >= THRESHOLD:
        start = (array.ctypes.data + HUGE_PAGE - 1) & ~(HUGE_PAGE - 1)
        end = (array.ctypes.data + nbytes) & ~(HUGE_PAGE - 1)
        if end > start:
            _madvise(start, end - start, _MADV_HUGEPAGE)
    return array


class ResultBuffers:
    """Buffers of one shape and dtype for one program output, reused across calls.

    `take()` returns an array nobody but this pool holds: one of at most `KEEP` kept
    arrays whose only reference is the pool's (`sys.getrefcount`), or else a new one
    (huge pages advised when `advise`), kept if fewer than `KEEP` are. A caller that
    still holds a result, or any view of it (a NumPy view references it through `.base`,
    an array Numba derived from it through its MemInfo), keeps that buffer busy, so a
    buffer is never handed out twice while in use. Two are kept because a caller
    typically holds the previous result while making the next call (`r = f(x)` in a
    loop): the two then alternate.

    The price: up to `KEEP` buffers per recycled output stay alive after the caller has
    dropped them, for as long as the program lives; the gain is not faulting in a fresh
    buffer's pages on every call (10,000 of them for 40 MB), the trade PyTorch's and
    JAX's caching allocators make. Thread-safe: `take` holds a lock.
    """

    KEEP = 2
    __slots__ = ("_kept", "_lock", "advise", "dtype", "shape")

    def __init__(self, shape, dtype, advise: bool = True):
        self.shape = tuple(int(n) for n in shape)
        self.dtype = np.dtype(dtype)
        self.advise = advise and AVAILABLE
        self._kept: list[np.ndarray] = []
        self._lock = threading.Lock()

    def take(self) -> np.ndarray:
        """A C-contiguous array of `shape` and `dtype` that no one else references."""
        with self._lock:
            for array, count in zip(self._kept, _refcounts(self._kept)):
                if count <= _POOL_ONLY:
                    return array
            array = np.empty(self.shape, self.dtype)
            if self.advise and array.nbytes >= THRESHOLD:
                # One byte view, one compiled signature whatever the dtype or rank.
                huge_pages(array.reshape(-1).view(np.uint8))
            if len(self._kept) < self.KEEP:
                self._kept.append(array)
            return array

    def __len__(self) -> int:
        """How many buffers the pool keeps now."""
        return len(self._kept)

    def __repr__(self) -> str:
        return f"ResultBuffers({self.shape}, {self.dtype}, {len(self._kept)} kept)"


def _refcounts(arrays: list) -> list[int]:
    """`sys.getrefcount` of each array in `arrays`."""
    counts = []
    for array in arrays:
        counts.append(sys.getrefcount(array))
    return counts


# What `_refcounts` reports for an array only its list references (the list, the loop
# variable, the call's argument), measured with the very function that `take` uses
# rather than assumed: how many references a call borrows differs between versions.
_POOL_ONLY = _refcounts([np.empty(0)])[0]
