"""The CUDA backend: a graph becomes `@cuda.jit` kernels plus a host driver, one file.

    @cuda.jit(cache=True)
    def _k0_mul_add_tanh(a0, a1, a2): ...   # a kernel per fused group, reduction, product...
    _L0 = rt.Launch(_k0_mul_add_tanh, 1000) # a launch site (cuda_launch): grid-stride, 1000
    def f(x, y):                            # the host driver: plain Python
        a = _pool.take((1000,), np.float32)
        _L0(x, y, a)                        # _k0_mul_add_tanh
        return (a,)

The generated text (`generate(graph)`, `program.source`) is written to the cache folder
under the hash of its text and imported (see `cache.py`), like the CPU backend's, so
`@cuda.jit(cache=True)` keeps compiled kernels on disk across processes.

This module is the entry point and the op table; the work is done next to it, one job
per module (each imports only those above it in this list, so there is no cycle):

- `cuda_text`: shapes, constants, kernel labels and NumPy's loop dtypes, as text;
- `cuda_analysis`: which products may take an epilogue, which cuBLAS may take;
- `cuda_writer`: `CudaWriter`, the state of one program being written (where values
  live, kernels, launch sites, the buffer pool) and the assembly of its module text,
  and `KernelParams`, one kernel's parameters; it is handed `EMITTERS`;
- the emitters, `emitter(gen, node)` each: `cuda_elementwise` (fused groups),
  `cuda_creation`, `cuda_reductions`, `cuda_contractions` (matmul, dot, epilogues),
  `cuda_shapes`, `cuda_indexing`, `cuda_control_flow`, `cuda_print`;
- `cuda_program`: `CudaProgram`, the imported program and its call path.

They build on the kernel-text and run-time modules: `scalars` (kernel bodies,
scalar formulas, dtypes), `cuda_fusion` (what shares a kernel), `cuda_gemm` (float32
products), `cuda_runtime` and `cuda_launch` (what the generated program calls).

Kernels. Every shape is static, so kernels carry sizes as literals and unflatten a flat
grid-stride index by literal divisions. Elementwise nodes are fused (`cuda_fusion`): a
value with one consumer of the same shape is computed inside that consumer's kernel, and
consecutive such trees over one shape share a kernel with several outputs, so
`tanh(x * 0.5 + y) * exp(-x * x) + 1.0` is one kernel reading `x` and `y` once, and a
Mandelbrot iteration is one launch. Dtypes match NumPy 2 exactly (see `scalars`).
Reductions are shared-memory trees (a second pass where one output spans many blocks).
float32 matmul runs `cuda_gemm`'s register-blocked kernel (or its skinny kernel for a
few columns); dot and other dtypes a general tiled shared-memory kernel. A product whose
only consumer is an elementwise group of its shape computes that group in its own kernel
(`cuda_fusion.plan_epilogues`), so `relu(x @ w + b)` is one launch. Very large 2-D float
products (not fused) go through CuPy's cuBLAS when CuPy is importable: optional, never
required.

The driver keeps every intermediate on the device (0-d values as 1-element arrays; the
index of a `for` region and 0-d graph inputs are host scalars, passed to kernels by
value, and arithmetic on host scalars alone runs on the host). Buffers come from a pool
per program and go back after their last use (`rt.Pool`): allocating costs more than
launching a kernel. Results are recycled too, once the caller has let go of them
(`Pool.take_result`). Each launch in the driver is a launch site (`rt.Launch`, module
`cuda_launch`) that calls the driver's `cuLaunchKernel` itself after numba-cuda's first
launch: 6 µs of host time instead of 36-40 on an H200.

Control flow runs on the host: COND, WHILE and FOR are Python `if`, `while` and `for`
around kernel launches. Deciding a branch, ending a `while`, or reading `for` bounds
that are not constants needs the 0-d value on the host: each such read is a device->host
copy that waits for all queued kernels (`rt.truth`, `rt.item`), costing a round trip of
some tens of microseconds plus the drain of the launch queue — per iteration for a
`while`. Loops with few, heavy iterations hardly notice; a `while` whose body is a few
tiny kernels is bound by it.

Calls: NumPy arguments are copied in and results copied out as NumPy arrays (NumPy
scalars for 0-d results); if any argument is a device array (a numba device array or
anything with `__cuda_array_interface__`: CuPy, PyTorch CUDA tensors) arguments are taken
without copying and results are numba device arrays, still on the device and possibly
still being computed (numba's default stream).

`numba.cuda` is imported lazily: importing this module never needs a GPU. Without a GPU
and without the simulator, `compile_graph` raises AutographError("no CUDA device: ...").
"""

from __future__ import annotations

from collections.abc import Callable

from autograph.codegen.cuda import fusion as cuda_fusion, runtime as rt
from autograph.codegen.cuda.contractions import emit_contraction
from autograph.codegen.cuda.control_flow import emit_cond, emit_for, emit_while
from autograph.codegen.cuda.creation import emit_arange, emit_constant, emit_eye, emit_full
from autograph.codegen.cuda import dynamic as cuda_dynamic
from autograph.codegen.cuda.elementwise import ELEMENTWISE_ROWS, emit_elementwise
from autograph.codegen.cuda.indexing import emit_index, emit_set_index
from autograph.codegen.cuda.printing import emit_check, emit_print
from autograph.codegen.cuda.sequential import emit_not_on_cuda
from autograph.codegen.cuda.program import CudaProgram, load_program
from autograph.codegen.cuda.reductions import emit_reduction
from autograph.codegen.cuda.runtime import Target
from autograph.codegen.cuda.shapes import (emit_broadcast_to, emit_concatenate, emit_reshape,
                                           emit_transpose)
from autograph.codegen.cuda.writer import ArgSpec, CudaWriter, GeneratedProgram
from autograph.ir.graph import Graph, Node
from autograph.ir.ops import CONTROL_FLOW, DECOMPOSITION, FOURIER, REDUCTION, Op

__all__ = ["EMITTERS", "ArgSpec", "CudaProgram", "GeneratedProgram", "Target", "compile_graph",
           "generate", "generate_program", "plan_fusion"]


# ---- the table ---------------------------------------------------------------------------------

# Every op has a row (tests/test_codegen_cuda_generate.py checks); elementwise ops share
# one kernel writer, which `CudaWriter.region` also calls for fused groups.
EMITTERS: dict[Op, Callable[[CudaWriter, Node], None]] = {
    **ELEMENTWISE_ROWS,
    **{op: emit_reduction for op in REDUCTION},
    Op.CONSTANT: emit_constant,
    Op.MATMUL: emit_contraction,
    Op.DOT: emit_contraction,
    Op.RESHAPE: emit_reshape,
    Op.TRANSPOSE: emit_transpose,
    Op.BROADCAST_TO: emit_broadcast_to,
    Op.CONCATENATE: emit_concatenate,
    Op.FULL: emit_full,
    Op.ARANGE: emit_arange,
    Op.EYE: emit_eye,
    Op.INDEX: emit_index,
    Op.SET_INDEX: emit_set_index,
    Op.COND: emit_cond,
    Op.WHILE: emit_while,
    Op.FOR: emit_for,
    Op.PRINT: emit_print,
    Op.CHECK: emit_check,
    Op.CUMSUM: emit_not_on_cuda,
    Op.CUMPROD: emit_not_on_cuda,
    Op.RANDOM: emit_not_on_cuda,
    Op.SORT: emit_not_on_cuda,
    Op.ARGSORT: emit_not_on_cuda,
    **{op: emit_not_on_cuda for op in DECOMPOSITION | FOURIER},
    Op.COMPRESS: cuda_dynamic.emit_compress,
    Op.CALL: emit_not_on_cuda,
}
assert CONTROL_FLOW <= EMITTERS.keys()


def _writer(graph: Graph, target: Target, fuse: bool) -> CudaWriter:
    """A writer for `graph` with this module's table (fused groups and products too)."""
    return CudaWriter(graph, target, fuse, EMITTERS, emit_group=emit_elementwise,
                      emit_fused_product=emit_contraction)


_Generator = _writer  # the writer's name before the split (tests build one directly)


# ---- public API -----------------------------------------------------------------------

def generate_program(graph: Graph, target: Target | None = None,
                     fuse: bool = True) -> GeneratedProgram:
    """The program for `graph` on `target` (the default device target when None)."""
    return _writer(graph, target or rt.DEVICE_TARGET, fuse).program()


def generate(graph: Graph, target: Target | None = None, fuse: bool = True) -> str:
    """The program text for `graph`: kernels, helpers and the host driver."""
    return generate_program(graph, target, fuse).text


def compile_graph(graph: Graph, cache_dir=None, target: Target | None = None,
                  fuse: bool = True) -> CudaProgram:
    """Generates, writes, imports and wraps the CUDA program for `graph`.

    Raises AutographError("no CUDA device: ...") when neither a GPU nor the simulator is
    available. Kernels compile on their first launch (and are cached on disk after that).
    """
    rt.require_device()
    generated = generate_program(graph, target or rt.default_target(), fuse)
    return load_program(graph, generated, cache_dir)


plan_fusion = cuda_fusion.plan_fusion
