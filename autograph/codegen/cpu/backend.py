"""The Numba CPU backend: a typed graph becomes the text of one `@numba.njit` function.

`generate(graph)` writes the program text; `compile_graph(graph, cache_dir)` writes it to
the disk cache (`cache.py`), imports it and returns a `CompiledProgram`. Each op has one
row in `EMITTERS` (tests check that every op has one); a row writes the op's statements.

This module is the entry point and the table; the work is done next to it, one job per
module (each imports only those above it in this list, so there is no cycle):

- `cpu_text`: dtypes, typed literals, NumPy's conversions, parentheses, index text;
- `cpu_analysis`: what is emitted (live nodes) and what is fused, on the final graph;
- `cpu_writer`: `ProgramWriter`, the state of one program being written (names, lines,
  loops, allocation) and the assembly of its module text; it is handed `EMITTERS`;
- the emitters, `emitter(writer, node)` each: `cpu_elementwise` (scalar semantics and
  loop nests), `cpu_creation`, `cpu_reductions`, `cpu_linalg`, `cpu_shapes`,
  `cpu_indexing`, `cpu_control_flow`, `cpu_print`;
- `cpu_program`: `CompiledProgram`, the imported, compiled program and its call path.

What the generated code relies on, so that results match NumPy 2 exactly:

- Static shapes: every loop bound and allocation is a literal. Elementwise ops are loop
  nests over the output shape; an operand is broadcast by index arithmetic (a dimension
  of size 1 is indexed by 0, missing leading dimensions are dropped). A chain of
  elementwise ops whose intermediate values have one use is computed in one loop nest:
  the producer's expression is written into its consumer's (fusion without temporaries,
  `cpu_analysis.fused_values`).
- Exact dtypes (NEP 50): operands are converted to the dtype NumPy's own loop uses,
  constants are typed literals, narrow results are wrapped in their dtype (`cpu_text`).
  Integer `//`, `%` and float division by zero follow NumPy because the function is
  compiled with `error_model="numpy"`.
- 0-d values are Numba scalars; graph inputs of shape () are passed as NumPy scalars and
  0-d outputs come back as NumPy scalars of the right dtype (`CompiledProgram` wraps them).
- A program with one output returns it bare (`return c`), not in a 1-tuple: boxing the
  tuple costs 20-50 ns per call, of W3's 1 µs. `CompiledProgram` still returns a tuple
  (its `bare` says what the jitted function returns).
- Control flow maps onto Python's (`cpu_control_flow`); `print` runs in
  `with numba.objmode():` with NumPy's formatting on every call (`cpu_print`).

Dead nodes (no used outputs, no side effects) are not emitted. float16 is not supported
(Numba cannot compute in it); a graph using it raises `CodegenError` up front.

Performance (each switchable with `cpu_options.CpuOptions`, all on by default):

- exp/tanh/log/expm1/log1p of float32/float64 call `vecmath` (`_vm.tanh_f32(x)`), our
  branch-free approximations, so fused loops vectorise instead of calling libm. They are
  the one place results are not NumPy's to the bit: within 5 ulp (float32) / 3 ulp.
- Memory planning (`ir/analysis/memory.py`, computed on the final graph by the
  writer): item assignment writes in place when the old array is dead
  (`cpu_indexing`), a loop carries one buffer (`cpu_control_flow`), an elementwise
  result may take the buffer of an operand that dies in it (`cpu_elementwise`).
- `numba.prange` for elementwise loop nests of `parallel_threshold` elements or more and
  for FOR loops `ir/analysis/parallel.py` proves independent; `parallel=True` only then.
- Index wrap-around and bounds checks are left out where the index is provably in bounds.
- Fresh elementwise results of 4 MiB and more are advised onto huge pages
  (`cpu_runtime.huge_pages`), as NumPy does: fewer page faults on every call.
- Outputs of 4 MiB and more that the program allocates at its top level are written
  into buffers the caller passes as trailing parameters (`out0`, ...), taken from
  `cpu_runtime.ResultBuffers` pools that recycle a buffer once the caller has dropped
  the result holding it: pages already faulted in, W2 15 ms instead of 23 per call.
"""

from __future__ import annotations

from typing import Callable

from autograph.codegen.cpu.control_flow import emit_cond, emit_for, emit_while
from autograph.codegen.cpu.creation import emit_arange, emit_constant, emit_eye, emit_full
from autograph.codegen.cpu.dynamic import emit_compress
from autograph.codegen.cpu.elementwise import (ELEMENTWISE_ROWS, Builder, Elementwise,
                                               emit_elementwise)
from autograph.codegen.cpu.indexing import emit_index, emit_set_index
from autograph.codegen.cpu.interop import emit_call
from autograph.codegen.cpu.linalg import emit_matmul
from autograph.codegen.cpu.options import DEFAULT as _DEFAULT_OPTIONS, CpuOptions
from autograph.codegen.cpu.printing import emit_check, emit_print
from autograph.codegen.cpu.program import CompiledProgram, load_program
from autograph.codegen.cpu.reductions import emit_reduction
from autograph.codegen.cpu.sequential import emit_random, emit_scan, emit_sort
from autograph.codegen.cpu.shapes import (emit_broadcast_to, emit_concatenate, emit_reshape,
                                          emit_transpose)
from autograph.codegen.cpu.text import (atom, convert, dtype_ref, literal, loop_dtypes,
                                        numba_type, shape_text, strip, wrap)
from autograph.codegen.cpu.decompositions import emit_decomposition
from autograph.codegen.cpu.fourier import emit_fourier
from autograph.codegen.cpu.writer import HELPERS, ProgramWriter
from autograph.codegen.emitter import CodegenError
from autograph.ir.graph import Graph, Node
from autograph.ir.ops import DECOMPOSITION, FOURIER, REDUCTION, REGION_NAMES, Op

__all__ = ["EMITTERS", "HELPERS", "Builder", "CodegenError", "CompiledProgram", "CpuOptions",
           "Elementwise", "atom", "compile_graph", "convert", "dtype_ref", "emit_elementwise",
           "generate", "literal", "loop_dtypes", "numba_type", "shape_text", "strip", "wrap"]


# ---- the table ---------------------------------------------------------------------------------

EMITTERS: dict[Op, Callable[[ProgramWriter, Node], None]] = {
    **ELEMENTWISE_ROWS,
    **{op: emit_reduction for op in REDUCTION},
    Op.CONSTANT: emit_constant,
    Op.MATMUL: emit_matmul,
    Op.DOT: emit_matmul,
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
    Op.CUMSUM: emit_scan,
    Op.CUMPROD: emit_scan,
    Op.RANDOM: emit_random,
    Op.SORT: emit_sort,
    Op.ARGSORT: emit_sort,
    **{op: emit_decomposition for op in DECOMPOSITION},
    **{op: emit_fourier for op in FOURIER},
    Op.COMPRESS: emit_compress,
    Op.CALL: emit_call,
}
assert set(REGION_NAMES) <= set(EMITTERS)


def generate(graph: Graph, options: CpuOptions | None = None) -> str:
    """The text of the Numba program computing `graph` (deterministic: same graph, same
    text). Raises CodegenError for what this backend cannot compile (float16).
    `options` switches the performance features (default: all on)."""
    return ProgramWriter(graph, EMITTERS, _DEFAULT_OPTIONS if options is None else options).text()


def compile_graph(graph: Graph, cache_dir=None, options: CpuOptions | None = None
                  ) -> CompiledProgram:
    """Generates `graph`'s program, writes it to `cache_dir` (default:
    `cache.default_cache_dir()`) and imports it, which compiles it with Numba, or loads
    the machine code Numba's own cache kept from an earlier process. `options`: see
    `generate`."""
    options = _DEFAULT_OPTIONS if options is None else options
    return load_program(ProgramWriter(graph, EMITTERS, options), cache_dir)
