"""Discrete Fourier transforms on the CPU: FFT, RFFT, IRFFT (`ir.ops.FOURIER`).

Numba does not know `numpy.fft`; the `rocket-fft` package (a dependency) teaches it,
registering itself through Numba's extension entry point, with the pocketfft C++ code
NumPy's own `numpy.fft` is built on. So each node is one call of `np.fft.fftn`,
`ifftn`, `rfftn` or `irfftn` with the node's lengths `s`, `axes` and `norm` — the
n-dimensional forms cover `fft`/`fft2`/`fftn` alike — and the results, in NumPy's dtypes
(float32 input stays single precision), are bound C-contiguous. Integer and bool inputs
are cast to float64 first, as NumPy does; `irfftn` takes its input as complex.
"""

from __future__ import annotations

import numpy as np

from autograph.codegen.cpu.text import dtype_ref, node_comment
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.ir.graph import Node
from autograph.ir.ops import Op


def _input_dtype(node: Node) -> np.dtype:
    x, out = node.inputs[0].type.dtype, node.outputs[0].type.dtype
    if node.op is Op.IRFFT:
        return np.dtype(np.complex64 if out == np.float32 else np.complex128)
    if x.kind in "fc":
        return x
    return np.dtype(np.float64)


def emit_fourier(p: ProgramWriter, node: Node) -> None:
    x, out = node.inputs[0], node.outputs[0]
    attrs = node.attrs
    dt = _input_dtype(node)
    operand = p.ref(x) if x.type.dtype == dt else f"{p.ref(x)}.astype({dtype_ref(dt)})"
    if node.op is Op.FFT:
        fn = "ifftn" if attrs.get("inverse", False) else "fftn"
    else:
        fn = "rfftn" if node.op is Op.RFFT else "irfftn"
    s = tuple(int(n) for n in attrs["s"])
    axes = tuple(int(a) for a in attrs["axes"])
    temp = p.scratch("spectrum")
    p.em.line(f"{temp} = np.fft.{fn}({operand}, {s!r}, {axes!r}, "
              f"{attrs.get('norm', 'backward')!r})", node_comment(node))
    p.em.line(f"{p.name(out)} = np.ascontiguousarray({temp})")


__all__ = ["emit_fourier"]
