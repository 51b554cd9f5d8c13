"""Ops the CUDA backend does not compile: scans (cumsum, cumprod), sorts (sort, argsort),
random draws, LAPACK-backed linear algebra (solve, inv, ...) and FFTs.

A scan needs a parallel prefix-sum kernel, a sort a (segmented) device sort and a random
draw a per-thread generator state (`numba.cuda.random`), none of which this backend has
yet; until it does, a graph using one fails at compile time with a CodegenError (an
AutographError) that names the op and says it is not on cuda, instead of running
something else.
"""

from __future__ import annotations

from autograph.codegen.cuda.writer import CudaWriter
from autograph.codegen.emitter import CodegenError
from autograph.ir.graph import Node

_WHY = {
    "cumsum": "a scan needs a prefix-sum kernel; use backend='cpu'",
    "cumprod": "a scan needs a prefix-product kernel; use backend='cpu'",
    "sort": "sorting needs a device sort kernel; use backend='cpu'",
    "argsort": "sorting needs a device sort kernel; use backend='cpu'",
    **{name: f"np.linalg.{name} needs LAPACK on the device (cuSOLVER), which this backend "
               f"does not call; use backend='cpu'"
       for name in ("solve", "inv", "det", "slogdet", "cholesky", "eigh", "svd", "qr", "lstsq",
                    "pinv")},
    **{name: f"np.fft.{name} needs a device FFT (cuFFT), which this backend does not call; "
             f"use backend='cpu'" for name in ("fft", "rfft", "irfft")},
    "call": "a numba CPU function cannot run in a CUDA kernel; use backend='cpu'",
    "random": "random draws need a device generator state; use backend='cpu', or draw the "
              "numbers outside the function and pass them in",
}


def emit_not_on_cuda(gen: CudaWriter, node: Node) -> None:
    name = str(node.op)
    what = f"call of {node.attrs['name']}" if name == "call" else name  # names the function
    raise CodegenError(f"numba_cuda: {what} is not on cuda ({_WHY.get(name, 'not implemented')})"
                       ).with_origin(node.origin)


emit_not_on_cuda.refuses = True  # the writer calls it before checking the node's dtypes


__all__ = ["emit_not_on_cuda"]
