"""Runtime helpers generated CPU programs call (besides `vecmath`): big fresh arrays on
transparent huge pages.

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

`VERSION` hashes this file; programs calling it name it, so that Numba's disk cache
never serves machine code built from an older version.
"""

from __future__ import annotations

import hashlib
import sys
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
