"""Ops whose result has a size known only when the program runs (issue 15): COMPRESS.

Stream compaction by prefix sums over chunks, in three steps: a kernel counts the true
mask elements of each chunk of `CHUNK` rows (one thread per chunk); the host turns the
counts into each chunk's first output row (an exclusive prefix sum of n / CHUNK numbers,
read back and sent again: one sync, a few kilobytes at 10^6 rows); a second kernel copies
each chunk's kept rows, in order, from its first output row on, and a third zeroes the
rows past the last one kept (the result's padding, as the interpreter and the CPU program
leave it). Order is kept, as NumPy's `x[mask]` keeps it. The kernels are ordinary Python
compiled by `numba.cuda.jit` on first use and shared by every program; the driver calls
`compress_on_device` (imported inside the driver function, so that the program's header
and the import of this module never need a GPU).

A chunk per thread reads its rows one after another (not coalesced across a warp); a
block-level scan in shared memory would read faster, and is the next step if this shows in
profiles. The count (`sum(mask)`) is the tracer's, an ordinary device reduction.
"""

from __future__ import annotations

import functools
import math

import numpy as np

from autograph.codegen.cuda import runtime as rt
from autograph.codegen.cuda.writer import CudaWriter
from autograph.ir.graph import Node

CHUNK = 256  # rows per thread: n / CHUNK partial counts go through the host


def emit_compress(gen: CudaWriter, node: Node) -> None:
    x, mask = node.inputs
    out = node.outputs[0]
    source, keep = gen.device(x), gen.device(mask)
    name = gen.allocate(out, f"compress {out.type}")
    if out.type.size == 0:
        return
    gen.out.line("from autograph.codegen.cuda.dynamic import compress_on_device")
    gen.out.line(f"compress_on_device({source}, {keep}, {name})",
                 "compress: chunk counts, host prefix sum (a sync), scatter")


cuda = None  # numba.cuda, set by `_kernels` (the simulator swaps this global in kernels)


def count_chunks(mask, chunk, counts):
    """counts[t] = the true elements of mask[t * chunk : (t + 1) * chunk]."""
    t = cuda.grid(1)
    if t < counts.shape[0]:
        c = 0
        for i in range(t * chunk, min(t * chunk + chunk, mask.shape[0])):
            if mask[i]:
                c += 1
        counts[t] = c


def scatter_chunks(x, mask, chunk, firsts, out):
    """Chunk t's kept rows of x, in order, to out[firsts[t]:]."""
    t = cuda.grid(1)
    if t < firsts.shape[0]:
        k = firsts[t]
        for i in range(t * chunk, min(t * chunk + chunk, mask.shape[0])):
            if mask[i]:
                for j in range(x.shape[1]):
                    out[k, j] = x[i, j]
                k += 1


def zero_rows(out, start):
    """out[start:] = 0, grid-stride."""
    i = cuda.grid(1)
    stride = cuda.gridsize(1)
    width = out.shape[1]
    total = out.shape[0] * width
    at = start * width + i
    while at < total:
        out[at // width, at % width] = 0
        at += stride


KERNELS = (count_chunks, scatter_chunks, zero_rows)


@functools.lru_cache(maxsize=None)
def _kernels():
    global cuda
    cuda = rt._cuda()
    return tuple(cuda.jit(f) for f in KERNELS)


def compress_on_device(x, mask, out) -> None:
    """`out[:k] = x[mask]` (k true elements), `out[k:] = 0`; device arrays, x and out of
    one shape (n, ...), mask of shape (n,)."""
    n = mask.shape[0]
    if n == 0 or out.size == 0:
        return
    count, scatter, zero = _kernels()
    cuda_ = rt._cuda()
    width = out.size // n
    rows_in, rows_out = x.reshape(n, width), out.reshape(n, width)
    chunks = math.ceil(n / CHUNK)
    counts = cuda_.device_array(chunks, np.int64)
    blocks, threads = rt.grid(chunks)
    blocks = max(blocks, math.ceil(chunks / threads))  # one thread per chunk, no stride
    count[blocks, threads](mask, CHUNK, counts)
    per_chunk = counts.copy_to_host()
    firsts = np.zeros(chunks, np.int64)
    np.cumsum(per_chunk[:-1], out=firsts[1:])
    kept = int(firsts[-1] + per_chunk[-1])
    scatter[blocks, threads](rows_in, mask, CHUNK, cuda_.to_device(firsts), rows_out)
    if kept < n:
        zero[rt.grid((n - kept) * width)](rows_out, kept)


__all__ = ["CHUNK", "KERNELS", "compress_on_device", "emit_compress"]
