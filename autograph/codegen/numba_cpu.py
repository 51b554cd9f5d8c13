"""The Numba CPU backend: a typed graph becomes the text of one `@numba.njit` function.

`generate(graph)` writes the program text; `compile_graph(graph, cache_dir)` writes it to
the disk cache (`cache.py`), imports it and returns a `CompiledProgram`. Each op has one
row in `EMITTERS` (tests check that every op has one); a row writes the op's statements.

What the generated code relies on, so that results match NumPy 2 exactly:

- Static shapes: every loop bound and allocation is a literal. Elementwise ops are loop
  nests over the output shape; an operand is broadcast by index arithmetic (a dimension
  of size 1 is indexed by 0, missing leading dimensions are dropped). A chain of
  elementwise ops whose intermediate values have one use is computed in one loop nest:
  the producer's expression is written into its consumer's (fusion without temporaries).
- Exact dtypes (NEP 50): every operand is converted to the dtype NumPy's own loop uses
  (`ufunc.resolve_dtypes`), constants are written as typed literals (`np.float32(0.5)`),
  and results narrower than 64 bits are wrapped in their dtype (`np.int32(a + b)`), as
  Numba computes small integers in int64. Integer `//`, `%` and float division by zero
  follow NumPy because the function is compiled with `error_model="numpy"`.
- 0-d values are Numba scalars; graph inputs of shape () are passed as NumPy scalars and
  0-d outputs come back as NumPy scalars of the right dtype (`CompiledProgram` wraps them).
- A program with one output returns it bare (`return c`), not in a 1-tuple: boxing the
  tuple costs 20-50 ns per call, of W3's 1 µs. `CompiledProgram` still returns a tuple
  (its `bare` says what the jitted function returns).
- Control flow maps onto Python's: `cond` is `if`/`else` assigning the outputs in both
  branches, `while` is `while True:` + the cond region + `break`, `for` is `for i in
  range(...)`; loop-carried state is one variable per carried value, and regions read
  outer values by name (implicit capture is Python's own scoping).
- `print` runs in `with numba.objmode():`, so it goes through `sys.stdout` with NumPy's
  formatting on every call.

Dead nodes (no used outputs, no side effects) are not emitted. float16 is not supported
(Numba cannot compute in it); a graph using it raises `CodegenError` up front.

Performance (each switchable with `cpu_options.CpuOptions`, all on by default):

- exp/tanh/log/expm1/log1p of float32/float64 call `vecmath` (`_vm.tanh_f32(x)`), our
  branch-free approximations, so fused loops vectorise instead of calling libm. They are
  the one place results are not NumPy's to the bit: within 5 ulp (float32) / 3 ulp.
- Memory planning (`passes/memory_planning.py`, computed here on the final graph):
  `y = set_index x ...` writes into `x` when `x` is dead (no `.copy()`, `y` is `x`'s
  name); a loop whose body only hands its array on through such writes carries one
  buffer, copied once on entry if it was not ours (`out = capture0.copy()`); an
  elementwise result may take the buffer of an operand that dies in it.
- `numba.prange` for elementwise loop nests of `parallel_threshold` elements or more and
  for FOR loops `passes/parallel_loops.py` proves independent; `parallel=True` only then.
- Index wrap-around and bounds checks are left out where the index is provably in bounds.
- Fresh elementwise results of 4 MiB and more are advised onto huge pages
  (`cpu_runtime.huge_pages`), as NumPy does: fewer page faults on every call.
- Outputs of 4 MiB and more that the program allocates at its top level are written
  into buffers the caller passes as trailing parameters (`out0`, ...), taken from
  `cpu_runtime.ResultBuffers` pools that recycle a buffer once the caller has dropped
  the result holding it: pages already faulted in, W2 15 ms instead of 23 per call.
"""

from __future__ import annotations

import base64
import contextlib
import functools
import math
import re
import warnings
from pathlib import Path
from typing import Callable, Iterator, Sequence

import numpy as np

from autograph.codegen import cache
from autograph.codegen.cpu_options import DEFAULT as _DEFAULT_OPTIONS, CpuOptions
from autograph.codegen.emitter import CodegenError, Emitter, Namer, is_usable
from autograph.errors import AutographError
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.indexing import normalize_index
from autograph.ir.ops import (ELEMENTWISE, MULTI_AXIS_REDUCTION, REDUCTION, REGION_NAMES,
                              SIDE_EFFECT, UFUNC, Op)
from autograph.ir.types import TensorType, python_type_of
from autograph.passes import parallel_loops
from autograph.passes.memory_planning import MemoryPlan

_INT64 = np.dtype(np.int64)
_UINT64 = np.dtype(np.uint64)
_FLOAT64 = np.dtype(np.float64)
_BOOL = np.dtype(np.bool_)
_COMPLEX128 = np.dtype(np.complex128)

# Constants up to this many elements are written out as nested lists; bigger ones as
# base64 bytes (still in the program text, so the text hash names the whole program).
_READABLE_CONSTANT_SIZE = 64


# ---- dtypes, literals and conversions -----------------------------------------------

def dtype_ref(dtype) -> str:
    """How the program names a dtype: `np.float32`, `np.bool_`."""
    dt = np.dtype(dtype)
    return "np.bool_" if dt == _BOOL else f"np.{dt.name}"


def _float_text(x: float, dtype: np.dtype) -> str:
    if math.isnan(x):
        return "np.nan"
    if math.isinf(x):
        return "np.inf" if x > 0 else "-np.inf"
    return repr(float(x)) if dtype == _FLOAT64 else str(np.float32(x))


def literal(value, dtype) -> str:
    """`value` converted to `dtype` as NumPy converts it, written as a typed literal."""
    dt = np.dtype(dtype)
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        v = np.asarray(value).astype(dt)[()]
    if dt.kind == "b":
        return "True" if v else "False"
    if dt.kind in "iu":
        text = str(int(v))
        if dt == _INT64:
            return f"({text})" if text.startswith("-") else text
        return f"{dtype_ref(dt)}({text})"
    if dt.kind == "f":
        text = _float_text(float(v), dt)
        if dt == _FLOAT64:
            return f"({text})" if text.startswith("-") else text
        return f"{dtype_ref(dt)}({text})"
    part = np.dtype(np.float64)
    text = f"complex({_float_text(float(v.real), part)}, {_float_text(float(v.imag), part)})"
    return text if dt == _COMPLEX128 else f"{dtype_ref(dt)}({text})"


def _is_atom(expr: str) -> bool:
    """Whether `expr` can take a subscript, attribute or operator without parentheses."""
    if expr.startswith("-"):
        return False
    depth = 0
    for i, ch in enumerate(expr):
        if ch in "([{":
            depth += 1
        elif ch in ")]}":
            depth -= 1
        elif depth == 0 and (ch in " +-*/%<>=!&|^~,:" and i > 0):
            return False
    return True


def atom(expr: str) -> str:
    return expr if _is_atom(expr) else f"({expr})"


def strip(expr: str) -> str:
    """`expr` without one pair of enclosing parentheses (statement level)."""
    if expr.startswith("(") and expr.endswith(")"):
        depth = 0
        for i, ch in enumerate(expr):
            depth += ch == "("
            depth -= ch == ")"
            if depth == 0 and i < len(expr) - 1:
                return expr
        inner = expr[1:-1]
        if "," not in inner or not _top_level_comma(inner):
            return inner
    return expr


def _top_level_comma(expr: str) -> bool:
    depth = 0
    for ch in expr:
        depth += ch in "([{"
        depth -= ch in ")]}"
        if ch == "," and depth == 0:
            return True
    return False


def wrap(expr: str, dtype) -> str:
    """`expr`, whatever Numba typed it as, made a scalar of `dtype`."""
    dt = np.dtype(dtype)
    if dt == _BOOL:
        return f"({strip(expr)} != 0)"
    return f"{dtype_ref(dt)}({strip(expr)})"


def convert(expr: str, src, dst) -> str:
    """A scalar of dtype `src` converted to `dst` with NumPy's casting (unsafe) rules."""
    src, dst = np.dtype(src), np.dtype(dst)
    if src == dst:
        return expr
    if dst.kind == "b":
        return f"({atom(expr)} != 0)"
    if src.kind == "c" and dst.kind != "c":
        return wrap(f"{atom(expr)}.real", dst)
    return wrap(expr, dst)


def _closed(dtype: np.dtype) -> bool:
    """Whether Numba's arithmetic on two scalars of `dtype` stays in `dtype` (small ints
    are computed in int64, everything 64-bit and every float stays put)."""
    return dtype.kind in "fc" or dtype in (_INT64, _UINT64)


def _result(expr: str, computed: np.dtype, out: np.dtype) -> str:
    """An arithmetic result computed on `computed` operands, as a scalar of `out`."""
    if computed == out and _closed(out):
        return expr
    return wrap(expr, out)


def numba_type(t: TensorType) -> str:
    """The Numba type of an input: a scalar, or a C-contiguous array (`float32[:, ::1]`)."""
    scalar = "boolean" if t.dtype == _BOOL else t.dtype.name
    if not t.shape:
        return scalar
    return f"{scalar}[{':, ' * (t.ndim - 1)}::1]"


def shape_text(shape: Sequence[int]) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


def _subscript(name: str, index: Sequence[str]) -> str:
    return f"{name}[{', '.join(index)}]" if index else name


def _broadcast_index(shape: Sequence[int], index: Sequence[str],
                     space: Sequence[int]) -> list[str]:
    """How an operand of `shape` is indexed at `index`, a position in the (broadcast)
    iteration `space`: dimensions aligned at the right, size-1 ones pinned at 0, and
    extra leading dimensions (size 1, as NumPy's assignment allows) pinned at 0."""
    offset = len(space) - len(shape)
    return ["0" if offset + k < 0 or d == 1 else index[offset + k]
            for k, d in enumerate(shape)]


def _operand_dtype(t: TensorType):
    pt = python_type_of(t)
    return _BOOL if pt is bool else pt


_PYTHON_SCALAR_DTYPES = {bool: np.dtype(np.bool_), int: np.dtype(np.int64),
                         float: np.dtype(np.float64), complex: np.dtype(np.complex128)}


@functools.lru_cache(maxsize=None)
def _ufunc_loop(op: Op, operands: tuple) -> tuple[tuple[np.dtype, ...], np.dtype]:
    if all(isinstance(o, type) for o in operands):
        # Only Python scalars: NumPy would pick its object loop; compute as the values'
        # default dtypes do (the rule gives the same result type).
        operands = tuple(_PYTHON_SCALAR_DTYPES[o] for o in operands)
    dts = UFUNC[op].resolve_dtypes(operands + (None,))
    return tuple(dts[:-1]), dts[-1]


def loop_dtypes(node: Node) -> tuple[tuple[np.dtype, ...], np.dtype]:
    """The dtypes an elementwise node computes in: (per input, result), NumPy's choice."""
    out = node.outputs[0].type.dtype
    if node.op is Op.CAST:
        return (node.inputs[0].type.dtype,), out
    if node.op is Op.WHERE:
        return (node.inputs[0].type.dtype, out, out), out
    ins, _ = _ufunc_loop(node.op, tuple(_operand_dtype(v.type) for v in node.inputs))
    return ins, out


def _const_value(value: Value):
    """The value of a 0-d CONSTANT, or None if `value` is not one."""
    node = value.producer
    if node is not None and node.op is Op.CONSTANT and value.type.shape == ():
        return node.attrs["value"]
    return None


def _is_scalar_constant(value: Value) -> bool:
    node = value.producer
    return node is not None and node.op is Op.CONSTANT and value.type.shape == ()


def _is_inline_constant(node: Node) -> bool:
    """0-d constants are written as literals where used, never as statements."""
    return node.op is Op.CONSTANT and node.outputs[0].type.shape == ()


# ---- analysis: what is emitted, what is fused ----------------------------------------

def _has_effect(node: Node) -> bool:
    return node.op in SIDE_EFFECT or any(
        _has_effect(n) for r in node.regions for n in r.nodes)


def _live_nodes(graph: Graph) -> set[Node]:
    """Nodes whose outputs are used or that have side effects (a reverse scan)."""
    live_values: set[Value] = set(graph.outputs)
    live: set[Node] = set()

    def scan(region: Region) -> None:
        for node in reversed(region.nodes):
            if _has_effect(node) or any(v in live_values for v in node.outputs):
                live.add(node)
                live_values.update(node.inputs)
                for sub in node.regions:
                    live_values.update(sub.results)
                    scan(sub)

    scan(graph.body)
    return live


# Consumers that read an operand one element at a time at its own full index, so an
# elementwise producer can be computed inside their loops instead of materialised.
_FUSING_CONSUMERS = ELEMENTWISE | REDUCTION


def _fused_values(graph: Graph, live: set[Node]) -> set[Value]:
    """Elementwise results computed inside their only consumer's loop nest."""
    count: dict[Value, int] = {}
    consumer: dict[Value, tuple[Node, Region]] = {}
    results: set[Value] = set(graph.outputs)

    def visit(region: Region) -> None:
        for node in region.nodes:
            if node not in live:
                continue
            for v in node.inputs:
                count[v] = count.get(v, 0) + 1
                consumer[v] = (node, region)
            for sub in node.regions:
                results.update(sub.results)
                visit(sub)

    visit(graph.body)
    fused: set[Value] = set()

    def select(region: Region) -> None:
        for node in region.nodes:
            for sub in node.regions:
                select(sub)
            if node not in live or node.op not in ELEMENTWISE:
                continue
            out = node.outputs[0]
            if out in results or count.get(out) != 1:
                continue
            user, where = consumer[out]
            if where is not region or user.op not in _FUSING_CONSUMERS:
                continue
            if user.op in ELEMENTWISE and user.outputs[0].type.shape != out.type.shape:
                continue
            fused.add(out)

    select(graph.body)
    return fused


def _check_supported(graph: Graph) -> None:
    def check(value: Value, where: str) -> None:
        if value.type.dtype == np.float16:
            raise CodegenError(f"numba_cpu: float16 is not supported ({where} is "
                               f"{value.type}); cast to float32 first")

    for p in graph.inputs:
        check(p, "an input")

    def visit(region: Region) -> None:
        for node in region.nodes:
            for v in node.outputs:
                check(v, f"the result of {node.op}")
            for sub in node.regions:
                for p in sub.params:
                    check(p, f"a parameter of a {node.op} region")
                visit(sub)

    visit(graph.body)


def _recyclable_outputs(graph: Graph) -> frozenset[Value]:
    """The outputs a caller's buffer may hold (`CpuOptions.recycle_results`): made by a
    node of the top level (a region's values may be swapped or reassigned per
    iteration), listed once among the outputs, of `cpu_runtime.THRESHOLD` bytes or more
    (smaller ones cost no page faults worth a pool). One gets a buffer only where its
    emitter would allocate it (`_Program.empty`), not where it takes an operand's."""
    top = set(graph.body.nodes)
    outputs = list(graph.outputs)
    return frozenset(
        v for v in outputs
        if v.producer in top and v.producer.op not in REGION_NAMES and v.type.shape
        and outputs.count(v) == 1
        and v.type.size * v.type.dtype.itemsize >= _HUGE_PAGE_THRESHOLD)


# Ops whose (non-0-d) results are arrays the program allocated in C order.
_FRESH = ELEMENTWISE | REDUCTION | {Op.MATMUL, Op.DOT, Op.CONCATENATE, Op.FULL, Op.ARANGE,
                                     Op.EYE, Op.SET_INDEX}


# ---- the program being written --------------------------------------------------------

class _Program:
    """State while writing one program: names, emitted lines, module-level constants."""

    def __init__(self, graph: Graph, options: CpuOptions = _DEFAULT_OPTIONS):
        _check_supported(graph)
        self.graph = graph
        self.options = options
        self.em = Emitter()
        self.live = _live_nodes(graph)
        self.fused = _fused_values(graph, self.live) if options.fusion else set()
        # Memory planning and prange decisions, made on this (final) graph.
        self.plan = MemoryPlan(graph) if options.inplace or options.reuse_buffers or \
            options.parallel or options.elide_checks else None
        self.parallel_loops = parallel_loops.plan_parallel(
            graph, self.plan, options.parallel_threshold) \
            if options.parallel and options.inplace and options.elide_checks else set()
        self.uses_parallel = False  # some loop is a prange: compile with parallel=True
        self.in_parallel = 0        # inside a prange loop's body (no nested pranges)
        self.uses_vecmath = False
        self.uses_runtime = False   # calls cpu_runtime (huge pages)
        # Big outputs allocated at the top level are written into buffers the caller
        # passes (recycle_results): the candidates, and the parameters given out so far.
        self.recyclable = _recyclable_outputs(graph) if options.recycle_results \
            else frozenset()
        self.result_params: list[tuple[Value, str]] = []
        self.readonly: set[Value] = set()
        # Arrays known to be C-contiguous: the inputs (the signature says so) and the
        # arrays the program allocates.
        self.contiguous: set[Value] = {p for p in graph.inputs if p.type.shape}
        # 2-D transposes of C-contiguous arrays, written `.T`: Fortran-ordered views that
        # Numba's BLAS-backed np.dot takes without a copy.
        self.fortran: set[Value] = set()
        self.constants: list[tuple[str, str]] = []
        self.uses_base64 = False
        self.helpers: set[str] = set()  # names in HELPERS this program calls
        self.has_print = any(n.op is Op.PRINT for n in graph.walk() if n in self.live)
        self.function_name = self.function_name_of(graph)
        hints = {v.hint for v in _values_in_order(graph) if is_usable(v.hint)}
        hints.update(n for n in graph.input_names if is_usable(n))
        self.namer = Namer(reserved={self.function_name}, avoid=hints)
        self._name_values()

    @staticmethod
    def function_name_of(graph: Graph) -> str:
        return graph.name if is_usable(graph.name) else "program"

    # -- names

    def _name_values(self) -> None:
        """Names every value in the IR printer's order, so the two texts read alike."""
        namer = self.namer
        for p, n in zip(self.graph.inputs, self.graph.input_names):
            namer.define(p, n)

        def visit(region: Region) -> None:
            for node in region.nodes:
                if _is_inline_constant(node):
                    continue
                for v in node.outputs:
                    namer.define(v)
                for sub in node.regions:
                    for p in sub.params:
                        namer.define(p)
                    visit(sub)

        visit(self.graph.body)

    def ref(self, value: Value) -> str:
        """The expression for a whole value: its name, or a literal for a 0-d constant."""
        if _is_scalar_constant(value):
            return literal(_const_value(value), value.type.dtype)
        if value in self.fused:
            raise CodegenError(f"numba_cpu: internal error: fused value {value!r} read whole")
        return self.namer[value]

    def name(self, value: Value) -> str:
        return self.namer[value]

    def scratch(self, prefix: str = "t") -> str:
        return self.namer.scratch(prefix)

    # -- element access

    def read(self, value: Value, index: Sequence[str], space: Sequence[int],
             want: np.dtype | None = None) -> str:
        """One element of `value` at `index` in the iteration `space`, converted to
        `want`: a literal for constants, the producer's expression for fused values."""
        if _is_scalar_constant(value):
            return literal(_const_value(value), value.type.dtype if want is None else want)
        if value in self.fused:
            expr = self.expression(value.producer, index, space)
        else:
            sub = _broadcast_index(value.type.shape, index, space)
            expr = _subscript(self.namer[value], sub)
        return expr if want is None else convert(expr, value.type.dtype, want)

    def expression(self, node: Node, index: Sequence[str], space: Sequence[int]) -> str:
        """The element of elementwise `node`'s result at `index`, as an expression."""
        ins, out = loop_dtypes(node)
        args = [self.read(v, index, space, dt) for v, dt in zip(node.inputs, ins)]
        row = EMITTERS[node.op]
        return row.build(self, args, ins, out)

    def once(self, expr: str) -> str:
        """`expr` if it is cheap to repeat, else a temporary holding it."""
        if _cheap(expr):
            return expr
        t = self.scratch()
        self.em.line(f"{t} = {strip(expr)}")
        return t

    def fused_ops(self, node: Node) -> list[str]:
        ops: list[str] = []
        for v in node.inputs:
            if v in self.fused:
                ops.extend(self.fused_ops(v.producer))
        ops.append(str(node.op))
        return ops

    # -- statements

    @contextlib.contextmanager
    def loops(self, shape: Sequence[int], prefix: str = "i",
              parallel: bool = False) -> Iterator[list[str]]:
        """A loop nest over `shape`; yields the index of each dimension (a size-1
        dimension gets no loop, its index is 0). With `parallel`, the outermost loop
        is a `numba.prange` if the nest is big enough (`wants_prange`)."""
        parallel = parallel and self.wants_prange(shape)
        with contextlib.ExitStack() as stack:
            index = []
            for d, n in enumerate(shape):
                index.append(self.loop(stack, f"{prefix}{d}", n, parallel))
                parallel = parallel and n == 1
            yield index

    def loop(self, stack: contextlib.ExitStack, name: str, extent: int,
             parallel: bool = False) -> str:
        """Opens `for name in range(extent)` (or `numba.prange`) on `stack`; returns the
        index expression."""
        if extent == 1:
            return "0"
        if parallel:
            self.uses_parallel = True
            stack.enter_context(self.em.block(f"for {name} in numba.prange({extent})"))
            self.in_parallel += 1
            stack.callback(self._leave_parallel)
            return name
        stack.enter_context(self.em.block(f"for {name} in range({extent})"))
        return name

    def _leave_parallel(self) -> None:
        self.in_parallel -= 1

    def allocate(self, t: TensorType, value: Value | None = None) -> str:
        """An uninitialised array of type `t` (on huge pages when it is big), or the
        caller's buffer when it is for `value`, a recycled output (`empty`)."""
        param = self.result_param(value)
        if param is not None:
            return param
        text = f"np.empty({shape_text(t.shape)}, {dtype_ref(t.dtype)})"
        if self.options.huge_pages and t.size * t.dtype.itemsize >= _HUGE_PAGE_THRESHOLD \
                and _cpu_runtime().AVAILABLE:
            self.uses_runtime = True
            return f"_rt.huge_pages({text})"
        return text

    def empty(self, value: Value) -> str:
        """An uninitialised array for `value`: `np.empty`, or the caller's buffer when
        `value` is a recycled output."""
        param = self.result_param(value)
        if param is not None:
            return param
        return f"np.empty({shape_text(value.type.shape)}, {dtype_ref(value.type.dtype)})"

    def result_param(self, value: Value | None) -> str | None:
        """The parameter (`out0`, ...) whose buffer takes `value`, a recyclable output
        about to be allocated; None for any other value."""
        if value is None or value not in self.recyclable:
            return None
        param = self.namer.define(("result buffer", value), f"out{len(self.result_params)}")
        self.result_params.append((value, param))
        return param

    def wants_prange(self, shape: Sequence[int]) -> bool:
        """Whether an elementwise loop nest over `shape` runs in parallel: big enough,
        not inside another prange, and with an outer loop to split."""
        return (self.options.parallel and not self.in_parallel
                and math.prod(shape) >= self.options.parallel_threshold
                and any(n > 1 for n in shape))

    def constant(self, array: np.ndarray) -> str:
        """A module-level constant holding `array` (Numba freezes it into the code)."""
        name = f"_c{len(self.constants)}"
        dt = dtype_ref(array.dtype)
        if array.size <= _READABLE_CONSTANT_SIZE:
            text = f"np.array({_nested(array)}, dtype={dt})"
            if array.ndim == 0 or array.ndim > 1 and array.size == 0:
                text = f"np.array({_nested(array)}, dtype={dt}).reshape({shape_text(array.shape)})"
        else:
            data = base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")
            text = (f"np.frombuffer(base64.b64decode({data!r}), dtype={dt})"
                    f".reshape({shape_text(array.shape)})")
            self.uses_base64 = True
        self.constants.append((name, text))
        return name

    def emit_region(self, region: Region) -> None:
        for node in region.nodes:
            if node not in self.live or _is_inline_constant(node):
                continue
            if node.outputs and node.outputs[0] in self.fused:
                continue
            try:
                EMITTERS[node.op](self, node)
            except AutographError as exc:
                raise exc.with_origin(node.origin)
            if node.op in _FRESH:
                self.contiguous.update(v for v in node.outputs if v.type.shape)

    def text(self) -> str:
        g = self.graph
        body = self.em
        with body.indented():
            self.emit_region(g.body)
            outputs = []
            for v in g.outputs:
                expr = strip(self.ref(v))
                outputs.append(f"{expr}.copy()" if v in self.readonly else expr)
            if len(outputs) == 1:  # one result: returned bare, no tuple to box
                body.line(f"return {outputs[0]}")
            else:
                body.line(f"return ({', '.join(outputs)})")
        # The graph inputs, then the result buffers (known once the body is written).
        params = [self.namer[p] for p in g.inputs] + [name for _, name in self.result_params]
        checked = [(self.namer[p], p.type) for p in g.inputs]
        checked += [(name, v.type) for v, name in self.result_params]
        checks = Emitter()
        with checks.indented():
            for name, t in checked:
                if t.shape:  # the loops below are written for exactly this shape
                    shape = shape_text(t.shape)
                    with checks.block(f"if {name}.shape != {shape}"):
                        checks.line(f'raise ValueError("{name}: the program is compiled for '
                                    f'shape {shape}")')
        head = Emitter()
        head.line(f"# generated by autograph from graph {g.name!r} \u2014 do not edit")
        if self.uses_base64:
            head.line("import base64")
        head.line("import numpy as np")
        head.line("import numba")
        if self.uses_vecmath:
            head.line(f"from autograph.codegen import vecmath as _vm  "
                      f"# version {_vecmath().VERSION}")
        if self.uses_runtime:
            head.line(f"from autograph.codegen import cpu_runtime as _rt  "
                      f"# version {_cpu_runtime().VERSION}")
        head.line()
        for name, text in self.constants:
            head.line(f"{name} = {text}")
        if self.constants:
            head.line()
        for helper in sorted(self.helpers):
            head.lines(HELPERS[helper].splitlines())
            head.line()
        types = [p.type for p in g.inputs] + [v.type for v, _ in self.result_params]
        signature = ", ".join(numba_type(t) for t in types)
        signature += "," if len(types) == 1 else ""
        options = "cache=True" if self.has_print else "nogil=True, cache=True"
        if self.uses_parallel:
            # Cached like the rest. One failure seen (numba issue 4807 is of the same
            # family): one process importing the same prange program from two cache
            # folders (two modules of one name), their cached machine code compiled
            # under different NUMBA_NUM_THREADS, got "SystemError ... 'descr' is NULL"
            # on the first call. Not caching would cost every process seconds of
            # compiling for any program with one big loop.
            options += ", parallel=True"
        head.line(f'@numba.njit("({signature})", {options}, error_model="numpy")')
        head.line(f"def {self.function_name}({', '.join(params)}):")
        if any(t.shape for _, t in checked):
            return head.text() + checks.text() + body.text()
        return head.text() + body.text()


# Module-level functions a program may call, written into its file when it does.
HELPERS = {
    "_int_power": '''\
@numba.njit(nogil=True, cache=True)
def _int_power(base, exponent):
    # NumPy's integer power: repeated squaring, wrapping around like the integer type.
    if exponent < 0:
        raise ValueError("Integers to negative integer powers are not allowed.")
    result = np.int64(1)
    while exponent > 0:
        if exponent & 1:
            result *= base
        base *= base
        exponent >>= 1
    return result''',
}


@functools.lru_cache(maxsize=None)
def _vecmath():
    """`codegen/vecmath.py`, imported when a program first needs it (it imports Numba,
    which writing program text otherwise does not)."""
    from autograph.codegen import vecmath

    return vecmath


@functools.lru_cache(maxsize=None)
def _cpu_runtime():
    """`codegen/cpu_runtime.py`, imported when a program first needs it."""
    from autograph.codegen import cpu_runtime

    return cpu_runtime


_HUGE_PAGE_THRESHOLD = 1 << 22  # cpu_runtime.THRESHOLD, without importing Numba to know it


def _values_in_order(graph: Graph) -> Iterator[Value]:
    yield from graph.inputs
    for node in graph.walk():
        yield from node.outputs
        for sub in node.regions:
            yield from sub.params


def _cheap(expr: str) -> bool:
    """A name, a literal, or a subscript of a name by names and literals."""
    if "(" in expr and not expr.startswith(("np.", "complex(")):
        return False
    if expr.startswith(("np.", "complex(")):
        return expr.count("(") == 1 and "[" not in expr and not any(c in expr for c in "+*/%")
    return all(c.isalnum() or c in "_[], ." for c in expr)


def _nested(array: np.ndarray) -> str:
    """`array` as nested Python lists of literal texts NumPy reads back exactly."""
    if array.ndim == 0:
        return f"[{_element(array[()], array.dtype)}]"

    def walk(a) -> str:
        if a.ndim == 1:
            return "[" + ", ".join(_element(x, a.dtype) for x in a) + "]"
        return "[" + ", ".join(walk(x) for x in a) + "]"

    return walk(array)


def _element(x, dtype: np.dtype) -> str:
    if dtype.kind == "b":
        return "True" if x else "False"
    if dtype.kind in "iu":
        return str(int(x))
    if dtype.kind == "f":
        return _float_text(float(x), dtype)
    return f"complex({_float_text(float(x.real), _FLOAT64)}, {_float_text(float(x.imag), _FLOAT64)})"


# ---- scalar semantics of elementwise ops ------------------------------------------------
#
# A builder gets the operand expressions already converted to the op's loop dtypes
# (`ins`) and returns an expression of the result dtype `out`. Operands may be used
# once; a builder that needs one twice passes it through `p.once`.

Builder = Callable[["_Program", list, tuple, np.dtype], str]


class Elementwise:
    """An EMITTERS row for an elementwise op: a loop nest around `build`'s expression."""

    def __init__(self, build: Builder, unsupported_kinds: str = ""):
        self.build_fn = build
        self.unsupported_kinds = unsupported_kinds

    def build(self, p: _Program, args: list, ins: tuple, out: np.dtype) -> str:
        if any(dt.kind in self.unsupported_kinds for dt in ins):
            raise CodegenError(f"numba_cpu: not supported for dtypes "
                               f"{', '.join(str(d) for d in ins)}")
        return self.build_fn(p, args, ins, out)

    def __call__(self, p: _Program, node: Node) -> None:
        emit_elementwise(p, node)


def emit_elementwise(p: _Program, node: Node) -> None:
    out = node.outputs[0]
    shape = out.type.shape
    name = p.name(out)
    comment = ", ".join(p.fused_ops(node))
    if not shape:
        expr = p.expression(node, [], ())
        p.em.line(f"{name} = {strip(expr)}", comment)
        return
    reused = _reusable_operand(p, node)
    if reused is None:
        p.em.line(f"{name} = {p.allocate(out.type, out)}", comment)
    else:  # the operand dies here: its buffer takes the result, element by element
        p.em.line(f"{name} = {p.ref(reused)}", f"{comment}, into {p.ref(reused)}")
    with p.loops(shape, parallel=True) as index:
        expr = p.expression(node, index, shape)
        p.em.line(f"{_subscript(name, index)} = {strip(expr)}")


def _reusable_operand(p: _Program, node: Node) -> Value | None:
    """An array read by `node`'s loop (directly or through fused producers) at the
    output's own index, that dies in this loop and may hold the result."""
    if not p.options.reuse_buffers or p.plan is None:
        return None
    tree: set[Node] = set()
    leaves: list[Value] = []

    def collect(n: Node) -> None:
        tree.add(n)
        for v in n.inputs:
            if v in p.fused:
                collect(v.producer)
            elif v not in leaves:
                leaves.append(v)

    collect(node)
    for leaf in leaves:
        if leaf not in p.readonly and p.plan.reusable(leaf, node, tree):
            return leaf
    return None


def _binary(symbol: str, on_bool: str | None = None) -> Builder:
    """`a <symbol> b` computed in the loop dtype; bools use `on_bool` (`or`, `and`, `!=`)."""
    def build(p, args, ins, out):
        a, b = args
        if ins[0].kind == "b" and out.kind == "b":
            return f"({a} {on_bool} {b})"
        return _result(f"({a} {symbol} {b})", ins[0], out)
    return build


def _call(function: str) -> Builder:
    """A NumPy ufunc Numba implements with NumPy's own typing (`np.exp(x)`)."""
    def build(p, args, ins, out):
        return _result(f"{function}({', '.join(strip(a) for a in args)})", ins[0], out)
    return build


def _math(function: str) -> Builder:
    """A NumPy math ufunc: `vecmath`'s vectorisable version where it has one for the
    float dtype (and the `vecmath` option is on), else NumPy's through Numba (libm)."""
    libm = _call(function)
    name = function[len("np."):]

    def build(p, args, ins, out):
        t = ins[0]
        if p.options.vecmath and t.kind == "f" and out == t:
            replacement = _vecmath().function_for(name, t)
            if replacement is not None:
                p.uses_vecmath = True
                return f"_vm.{replacement}({strip(args[0])})"
        return libm(p, args, ins, out)
    return build


def _neg(p, args, ins, out):
    return _result(f"(-{args[0]})", ins[0], out)


def _pos(p, args, ins, out):
    return args[0]


def _abs(p, args, ins, out):
    (a,), (t,) = args, ins
    if t.kind in "bu":
        return a
    return _result(f"abs({strip(a)})", out if t.kind == "c" else t, out)


def _rounding(function: str) -> Builder:
    def build(p, args, ins, out):
        return args[0] if ins[0].kind in "biu" else f"{function}({strip(args[0])})"
    return build


def _sign(p, args, ins, out):
    (a,), (t,) = args, ins
    if t.kind == "c":
        a = p.once(a)
        return f"({a} / abs({a}) if {a} != 0 else {a})"
    if t.kind == "u":
        return wrap(f"{a} != 0", out)
    return _result(f"np.sign({strip(a)})", t, out)


def _square(p, args, ins, out):
    (a,), (t,) = args, ins
    if t.kind == "b":
        return a
    a = p.once(a)
    return _result(f"({a} * {a})", t, out)


def _reciprocal(p, args, ins, out):
    (a,), (t,) = args, ins
    if t.kind in "fc":
        return f"({literal(1, t)} / {a})"
    # NumPy computes integer reciprocals as 1.0 / x in double, then casts; its 1 / 0 is
    # C's cast of inf: the lowest int32 / int64, 0 for narrower and unsigned types.
    a = p.once(a)
    zero = np.iinfo(t).min if t in (np.dtype(np.int32), _INT64) else 0
    return (f"({literal(zero, out)} if {a} == 0 else "
            f"{wrap(f'1.0 / {convert(a, t, _FLOAT64)}', out)})")


def _float_test(function: str, real: str, join: str) -> Builder:
    """isnan/isinf/isfinite: `real` for ints and bools, both parts for complex."""
    def build(p, args, ins, out):
        (a,), (t,) = args, ins
        if t.kind in "biu":
            return real
        if t.kind == "c":
            a = p.once(a)
            return f"({function}({a}.real) {join} {function}({a}.imag))"
        return f"{function}({strip(a)})"
    return build


def _truth(expr: str, dtype: np.dtype) -> str:
    return expr if dtype.kind == "b" else f"({atom(expr)} != 0)"


def _logical_not(p, args, ins, out):
    return f"(not {args[0]})" if ins[0].kind == "b" else f"({args[0]} == 0)"


def _invert(p, args, ins, out):
    (a,), (t,) = args, ins
    return f"(not {a})" if t.kind == "b" else _result(f"(~{a})", t, out)


def _cast(p, args, ins, out):
    return convert(args[0], ins[0], out)


def _truediv(p, args, ins, out):
    return _result(f"({args[0]} / {args[1]})", ins[0], out)


def _floordiv(p, args, ins, out):
    return _result(f"({args[0]} // {args[1]})", ins[0], out)


def _mod(p, args, ins, out):
    return _result(f"({args[0]} % {args[1]})", ins[0], out)


def _power(p, args, ins, out):
    a, b = args
    t = ins[0]
    if t.kind in "fc":
        return f"np.power({strip(a)}, {strip(b)})"
    # Numba's integer ** goes through floats for big exponents; NumPy squares and wraps.
    p.helpers.add("_int_power")
    return wrap(f"_int_power({strip(convert(a, t, _INT64))}, {strip(convert(b, t, _INT64))})",
                out)


_NUMBER = re.compile(r"^(?:np\.float\d+\()?\(?-?(?:[0-9][0-9.e+\-]*|np\.inf)\)?\)?$")


def _extremum(pick: str) -> Builder:
    """maximum/minimum: NaN wins (NumPy's `(a >= b or isnan(a)) ? a : b`)."""
    def build(p, args, ins, out):
        a, b = args
        t = ins[0]
        if t.kind == "b":
            return f"({a} {'or' if pick == '>=' else 'and'} {b})"
        if t.kind == "f" and _NUMBER.match(b):
            # Python's max/min agree with NumPy's when the second operand is not NaN.
            return f"{'max' if pick == '>=' else 'min'}({strip(a)}, {strip(b)})"
        a, b = p.once(a), p.once(b)
        if t.kind == "f":
            return f"({a} if {a} {pick} {b} or {a} != {a} else {b})"
        return _result(f"({a} if {a} {pick} {b} else {b})", t, out)
    return build


_MIXED_COMPARE = {  # signed a vs unsigned b: (a < 0 answer, comparison for a >= 0)
    "<": ("True", "<"), "<=": ("True", "<="), ">": ("False", ">"),
    ">=": ("False", ">="), "==": ("False", "=="), "!=": ("True", "!="),
}
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _compare(symbol: str) -> Builder:
    def build(p, args, ins, out):
        a, b = args
        ta, tb = ins
        if ta == tb:
            return f"({a} {symbol} {b})"
        # NumPy 2 compares int64 with uint64 exactly; Numba would go through float64.
        if ta.kind == "u":
            a, b, ta, tb, sym = b, a, tb, ta, _MIRROR[symbol]
        else:
            sym = symbol
        negative, op = _MIXED_COMPARE[sym]
        a = p.once(a)
        joiner = "or" if negative == "True" else "and"
        test = f"{a} < 0" if negative == "True" else f"{a} >= 0"
        return f"({test} {joiner} np.uint64({a}) {op} {b})"
    return build


def _logical(joiner: str) -> Builder:
    def build(p, args, ins, out):
        a, b = (_truth(x, t) for x, t in zip(args, ins))
        return f"({a} {joiner} {b})"
    return build


def _shift(left: bool) -> Builder:
    """NumPy's shifts: a shift by the bit width or more (or negative) is 0, or -1 for a
    negative number shifted right."""
    def build(p, args, ins, out):
        a, b = args
        t = ins[0]
        if t.kind == "b":
            raise CodegenError("numba_cpu: shifts of bools are not supported")
        bits = t.itemsize * 8
        b = p.once(b)
        zero = literal(0, t)
        if left:
            return wrap(f"{a} << {b} if 0 <= {b} < {bits} else {zero}", out)
        if t.kind == "u":
            return wrap(f"{a} >> {b} if {b} < {bits} else {zero}", out)
        a = p.once(a)
        return wrap(f"{a} >> {b} if 0 <= {b} < {bits} else "
                    f"({literal(-1, t)} if {a} < 0 else {zero})", out)
    return build


def _where(p, args, ins, out):
    c, a, b = args
    return f"({strip(a)} if {_truth(c, ins[0])} else {strip(b)})"


_MATH = {
    Op.EXP: "np.exp", Op.EXPM1: "np.expm1", Op.LOG: "np.log", Op.LOG1P: "np.log1p",
    Op.LOG2: "np.log2", Op.LOG10: "np.log10", Op.SQRT: "np.sqrt", Op.SIN: "np.sin",
    Op.COS: "np.cos", Op.TAN: "np.tan", Op.ARCSIN: "np.arcsin", Op.ARCCOS: "np.arccos",
    Op.ARCTAN: "np.arctan", Op.SINH: "np.sinh", Op.COSH: "np.cosh", Op.TANH: "np.tanh",
    Op.RINT: "np.rint",
}

_ELEMENTWISE_ROWS: dict[Op, Elementwise] = {
    **{op: Elementwise(_math(fn)) for op, fn in _MATH.items()},
    Op.NEG: Elementwise(_neg),
    Op.POS: Elementwise(_pos),
    Op.ABS: Elementwise(_abs),
    Op.FLOOR: Elementwise(_rounding("np.floor")),
    Op.CEIL: Elementwise(_rounding("np.ceil")),
    Op.TRUNC: Elementwise(_rounding("np.trunc")),
    Op.SIGN: Elementwise(_sign),
    Op.SQUARE: Elementwise(_square),
    Op.RECIPROCAL: Elementwise(_reciprocal),
    Op.ISNAN: Elementwise(_float_test("np.isnan", "False", "or")),
    Op.ISINF: Elementwise(_float_test("np.isinf", "False", "or")),
    Op.ISFINITE: Elementwise(_float_test("np.isfinite", "True", "and")),
    Op.LOGICAL_NOT: Elementwise(_logical_not),
    Op.INVERT: Elementwise(_invert),
    Op.CAST: Elementwise(_cast),
    Op.ADD: Elementwise(_binary("+", "or")),
    Op.SUB: Elementwise(_binary("-")),
    Op.MUL: Elementwise(_binary("*", "and")),
    Op.TRUEDIV: Elementwise(_truediv),
    Op.FLOORDIV: Elementwise(_floordiv, "c"),
    Op.MOD: Elementwise(_mod, "c"),
    Op.POW: Elementwise(_power),
    Op.MAXIMUM: Elementwise(_extremum(">="), "c"),
    Op.MINIMUM: Elementwise(_extremum("<="), "c"),
    Op.ARCTAN2: Elementwise(_call("np.arctan2")),
    Op.HYPOT: Elementwise(_call("np.hypot")),
    Op.LT: Elementwise(_compare("<"), "c"),
    Op.LE: Elementwise(_compare("<="), "c"),
    Op.GT: Elementwise(_compare(">"), "c"),
    Op.GE: Elementwise(_compare(">="), "c"),
    Op.EQ: Elementwise(_compare("==")),
    Op.NE: Elementwise(_compare("!=")),
    Op.LOGICAL_AND: Elementwise(_logical("and")),
    Op.LOGICAL_OR: Elementwise(_logical("or")),
    Op.LOGICAL_XOR: Elementwise(_logical("!=")),
    Op.BITWISE_AND: Elementwise(_binary("&", "and")),
    Op.BITWISE_OR: Elementwise(_binary("|", "or")),
    Op.BITWISE_XOR: Elementwise(_binary("^", "!=")),
    Op.LEFT_SHIFT: Elementwise(_shift(left=True)),
    Op.RIGHT_SHIFT: Elementwise(_shift(left=False)),
    Op.WHERE: Elementwise(_where),
}


# ---- constants and creation --------------------------------------------------------------

def _emit_constant(p: _Program, node: Node) -> None:
    out = node.outputs[0]
    array = np.asarray(node.attrs["value"])
    if array.size == 0:
        p.em.line(f"{p.name(out)} = np.empty({shape_text(out.type.shape)}, "
                  f"{dtype_ref(out.type.dtype)})", "constant")
        return
    p.namer.alias(out, p.constant(array.astype(out.type.dtype, copy=False)))
    p.readonly.add(out)


def _comment(node: Node) -> str:
    ins = ", ".join(str(v.type) for v in node.inputs)
    return f"{node.op} {ins}".rstrip()


def _emit_full(p: _Program, node: Node) -> None:
    out = node.outputs[0]
    t = out.type
    value = literal(node.attrs["value"], t.dtype)
    if not t.shape:
        p.em.line(f"{p.name(out)} = {strip(value)}", "full")
        return
    zero = not np.asarray(node.attrs["value"]).astype(t.dtype).any() if t.dtype.kind != "c" \
        else False
    if zero:
        text = f"np.zeros({shape_text(t.shape)}, {dtype_ref(t.dtype)})"
    else:
        text = f"np.full({shape_text(t.shape)}, {strip(value)}, {dtype_ref(t.dtype)})"
    p.em.line(f"{p.name(out)} = {text}", "full")


def _emit_arange(p: _Program, node: Node) -> None:
    """NumPy's arange: the first two elements set from Python values, the rest filled
    as `first + i * (second - first)` in the result dtype (its `fill` function)."""
    out = node.outputs[0]
    t = out.type.dtype
    (n,) = out.type.shape
    name = p.name(out)
    if t.kind in "bc":
        raise CodegenError(f"numba_cpu: arange of {t} is not supported")
    start, step = node.attrs["start"], node.attrs.get("step", 1)
    p.em.line(f"{name} = np.empty(({n},), {dtype_ref(t)})", "arange")
    if n == 0:
        return
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        first = np.asarray(start).astype(t)[()]
        second = np.asarray(start + step).astype(t)[()]
        delta = (np.asarray(second, t) - np.asarray(first, t))[()]
    if n == 1:
        p.em.line(f"{name}[0] = {strip(literal(first, t))}")
        return
    with p.loops((n,)) as (i,):
        index = i if t.kind in "iu" else convert(i, _INT64, t)
        step_text = literal(delta, t)
        term = index if step_text == "1" else f"{atom(index)} * {step_text}"
        expr = term if first == 0 and t.kind in "iu" else f"{literal(first, t)} + {term}"
        p.em.line(f"{name}[{i}] = {strip(_result(expr, t, t))}")
    if t.kind == "f":  # NumPy sets the second element itself, not as first + delta
        p.em.line(f"{name}[1] = {strip(literal(second, t))}")


def _emit_eye(p: _Program, node: Node) -> None:
    out = node.outputs[0]
    n, m = out.type.shape
    k = int(node.attrs.get("k", 0))
    t = out.type.dtype
    name = p.name(out)
    p.em.line(f"{name} = np.zeros({shape_text((n, m))}, {dtype_ref(t)})", "eye")
    lo, hi = max(0, -k), min(n, m - k)
    if hi > lo:
        with p.em.block(f"for i0 in range({f'{lo}, ' if lo else ''}{hi})"):
            col = "i0" if k == 0 else f"i0 + {k}" if k > 0 else f"i0 - {-k}"
            p.em.line(f"{name}[i0, {col}] = {strip(literal(1, t))}")


# ---- reductions ----------------------------------------------------------------------------

def _reduced_axes(node: Node) -> tuple[int, ...]:
    ndim = node.inputs[0].type.ndim
    if node.op in MULTI_AXIS_REDUCTION:
        return tuple(node.attrs["axes"])
    axis = node.attrs.get("axis")
    return tuple(range(ndim)) if axis is None else (int(axis) % ndim,)


def _accumulator_dtype(op: Op, x: np.dtype, out: np.dtype) -> np.dtype:
    if op in (Op.SUM, Op.MEAN):
        # float32 sums are accumulated in float64 (closer to NumPy's pairwise sum than a
        # float32 running sum), then cast.
        if out.kind == "f":
            return _FLOAT64
        if out.kind == "c":
            return _COMPLEX128
    return out


def _emit_reduction(p: _Program, node: Node) -> None:
    op = node.op
    x = node.inputs[0]
    out = node.outputs[0]
    xt, ot = x.type, out.type
    if xt.dtype.kind == "c" and op in (Op.MAX, Op.MIN, Op.ARGMAX, Op.ARGMIN):
        raise CodegenError(f"numba_cpu: {op} of complex values is not supported")
    axes = _reduced_axes(node)
    kept = [d for d in range(xt.ndim) if d not in axes]
    names = [f"i{d}" for d in range(xt.ndim)]
    index = list(names)
    keepdims = bool(node.attrs.get("keepdims", False))
    name = p.name(out)
    acc_dt = _accumulator_dtype(op, xt.dtype, ot.dtype)
    count = math.prod(xt.shape[d] for d in axes)
    comment = ", ".join(p.fused_ops(node))
    scalar_out = not ot.shape
    acc = name if scalar_out and acc_dt == ot.dtype and op not in (Op.ARGMAX, Op.ARGMIN) \
        else p.scratch()
    if not scalar_out:
        p.em.line(f"{name} = {p.empty(out)}", comment)
        comment = None
        p.contiguous.add(out)
    with contextlib.ExitStack() as stack:
        for d in kept:
            index[d] = p.loop(stack, names[d], xt.shape[d])
        out_index = [("0" if d in axes else index[d]) for d in range(xt.ndim)] if keepdims \
            else [index[d] for d in kept]
        best = None
        if op in (Op.ARGMAX, Op.ARGMIN):
            best = p.scratch()
            first = [("0" if d in axes else index[d]) for d in range(xt.ndim)]
            p.em.line(f"{best} = {strip(p.read(x, first, xt.shape))}", comment)
            p.em.line(f"{acc} = 0")
        else:
            p.em.line(f"{acc} = {strip(_initial(op, acc_dt))}", comment)
        with contextlib.ExitStack() as inner:
            for d in axes:
                index[d] = p.loop(inner, names[d], xt.shape[d])
            element = p.read(x, index, xt.shape)
            _combine(p, op, acc, best, element, xt.dtype, acc_dt, index, axes, xt.shape)
        final = _finish(op, acc, acc_dt, ot.dtype, count)
        if scalar_out:
            if final != name:
                p.em.line(f"{name} = {strip(final)}")
        else:
            p.em.line(f"{_subscript(name, out_index)} = {strip(final)}")


def _initial(op: Op, dt: np.dtype) -> str:
    if op in (Op.SUM, Op.MEAN):
        return literal(0, dt)
    if op is Op.PROD:
        return literal(1, dt)
    if op is Op.ANY:
        return "False"
    if op is Op.ALL:
        return "True"
    # MAX / MIN start from the identity of the order, so NaN and the first element need
    # no special case.
    high = op is Op.MIN
    if dt.kind == "b":
        return "True" if high else "False"
    if dt.kind == "f":
        return literal(np.inf if high else -np.inf, dt)
    info = np.iinfo(dt)
    return literal(info.max if high else info.min, dt)


def _combine(p: _Program, op: Op, acc: str, best: str | None, element: str,
             x_dt: np.dtype, acc_dt: np.dtype, index, axes, shape) -> None:
    em = p.em
    if op in (Op.SUM, Op.MEAN):
        em.line(f"{acc} += {strip(convert(element, x_dt, acc_dt))}")
    elif op is Op.PROD:
        em.line(f"{acc} = {strip(_result(f'{acc} * {atom(convert(element, x_dt, acc_dt))}', acc_dt, acc_dt))}")
    elif op is Op.ANY:
        with em.block(f"if {strip(_truth(element, x_dt))}"):
            em.line(f"{acc} = True")
    elif op is Op.ALL:
        with em.block(f"if not {atom(_truth(element, x_dt))}"):
            em.line(f"{acc} = False")
    elif op in (Op.MAX, Op.MIN):
        v = p.once(element)
        cmp = ">" if op is Op.MAX else "<"
        if x_dt.kind == "b":
            em.line(f"{acc} = {acc} {'or' if op is Op.MAX else 'and'} {v}")
            return
        test = f"{v} {cmp} {acc}" + (f" or {v} != {v}" if x_dt.kind == "f" else "")
        with em.block(f"if {test}"):
            em.line(f"{acc} = {v}")
    else:  # ARGMAX / ARGMIN: the first extreme element, or the first NaN
        v = p.once(element)
        cmp = ">" if op is Op.ARGMAX else "<"
        if x_dt.kind == "b":
            test = f"{v} and not {best}" if op is Op.ARGMAX else f"{best} and not {v}"
        else:
            test = f"{v} {cmp} {best}"
            if x_dt.kind == "f":
                test += f" or ({v} != {v} and {best} == {best})"
        strides = _strides([shape[d] for d in axes])
        position = " + ".join(index[d] if s == 1 else f"{index[d]} * {s}"
                              for d, s in zip(axes, strides) if index[d] != "0") or "0"
        with em.block(f"if {test}"):
            em.line(f"{best} = {v}")
            em.line(f"{acc} = {position}")


def _strides(shape: Sequence[int]) -> list[int]:
    strides, s = [], 1
    for d in reversed(shape):
        strides.append(s)
        s *= d
    return strides[::-1]


def _finish(op: Op, acc: str, acc_dt: np.dtype, out: np.dtype, count: int) -> str:
    if op is Op.MEAN and count == 0:  # 0 / 0 (Numba raises for complex; NumPy gives nan)
        return literal(complex(np.nan, np.nan) if out.kind == "c" else np.nan, out)
    if op is Op.MEAN:
        return convert(f"({acc} / {count})", acc_dt, out)
    return convert(acc, acc_dt, out)


# ---- linear algebra -------------------------------------------------------------------------

def _contiguous(p: _Program, value: Value, dt: np.dtype) -> str:
    """The value as a C-contiguous array of `dt` (what Numba's BLAS-backed np.dot needs);
    `np.ascontiguousarray` is free in Numba when the array's type is already C."""
    if value.type.dtype != dt:
        return f"{p.ref(value)}.astype({dtype_ref(dt)})"
    if value in p.contiguous:
        return p.ref(value)
    return f"np.ascontiguousarray({p.ref(value)})"


def _blas_operand(p: _Program, value: Value, dt: np.dtype) -> str:
    """A matrix product operand: C- or Fortran-contiguous arrays go to BLAS as they are."""
    if value in p.fortran and value.type.dtype == dt:
        return p.ref(value)
    return _contiguous(p, value, dt)


def _emit_matmul(p: _Program, node: Node) -> None:
    a, b = node.inputs
    out = node.outputs[0]
    at, bt, ot = a.type, b.type, out.type
    name = p.name(out)
    t = ot.dtype
    if node.op is Op.DOT and (at.ndim == 0 or bt.ndim == 0):
        _emit_scaled(p, node)
        return
    if ot.size == 0 or at.shape[-1] == 0:
        _emit_zeros(p, out, node)
        return
    blas = t.kind in "fc"
    if blas and at.ndim <= 2 and bt.ndim <= 2:
        ac, bc = _blas_operand(p, a, t), _blas_operand(p, b, t)
        p.em.line(f"{name} = np.dot({ac}, {bc})", _comment(node))
        if ot.shape:
            p.contiguous.add(out)
        return
    if blas and node.op is Op.MATMUL:
        _emit_batched_blas(p, node)
        return
    _emit_contraction(p, node)


def _emit_zeros(p: _Program, out: Value, node: Node) -> None:
    t = out.type
    if t.shape:
        p.em.line(f"{p.name(out)} = np.zeros({shape_text(t.shape)}, {dtype_ref(t.dtype)})",
                  _comment(node))
    else:
        p.em.line(f"{p.name(out)} = {strip(literal(0, t.dtype))}", _comment(node))


def _emit_scaled(p: _Program, node: Node) -> None:
    """dot with a 0-d operand is multiplication, in dot's result dtype."""
    out = node.outputs[0]
    t = out.type.dtype
    shape = out.type.shape
    name = p.name(out)
    mul = _ELEMENTWISE_ROWS[Op.MUL]

    def element(index):
        args = [p.read(v, index, shape, t) for v in node.inputs]
        return mul.build(p, args, (t, t), t)

    if not shape:
        p.em.line(f"{name} = {strip(element([]))}", _comment(node))
        return
    p.em.line(f"{name} = {p.empty(out)}", _comment(node))
    with p.loops(shape) as index:
        p.em.line(f"{_subscript(name, index)} = {strip(element(index))}")


def _matmul_layout(at: TensorType, bt: TensorType, ot: TensorType):
    """Batch shape, and which of m / n the output has, for matmul's broadcasting."""
    a_core = 1 if at.ndim == 1 else 2
    b_core = 1 if bt.ndim == 1 else 2
    batch = ot.shape[:ot.ndim - (a_core == 2) - (b_core == 2)]
    return batch, a_core, b_core


def _emit_batched_blas(p: _Program, node: Node) -> None:
    a, b = node.inputs
    out = node.outputs[0]
    at, bt, ot = a.type, b.type, out.type
    t = ot.dtype
    batch, a_core, b_core = _matmul_layout(at, bt, ot)
    ac, bc = _contiguous(p, a, t), _contiguous(p, b, t)
    if not _cheap(ac):
        ac = _bind(p, ac)
    if not _cheap(bc):
        bc = _bind(p, bc)
    name = p.name(out)
    p.em.line(f"{name} = {p.empty(out)}", _comment(node))
    p.contiguous.add(out)
    with p.loops(batch) as index:
        ai = _broadcast_index(at.shape[:at.ndim - a_core], index, batch)
        bi = _broadcast_index(bt.shape[:bt.ndim - b_core], index, batch)
        product = f"np.dot({_subscript(ac, ai)}, {_subscript(bc, bi)})"
        p.em.line(f"{_subscript(name, index)} = {product}")


def _bind(p: _Program, expr: str) -> str:
    t = p.scratch()
    p.em.line(f"{t} = {strip(expr)}")
    return t


def _emit_contraction(p: _Program, node: Node) -> None:
    """matmul / dot as explicit loops: integers, bools, and dot of N-d arrays."""
    a, b = node.inputs
    out = node.outputs[0]
    at, bt, ot = a.type, b.type, out.type
    t = ot.dtype
    name = p.name(out)
    k = at.shape[-1]
    acc_dt = t if t.kind in "bc" else (_FLOAT64 if t.kind == "f" else
                                        (_UINT64 if t.kind == "u" else _INT64))
    if ot.shape:
        p.em.line(f"{name} = {p.empty(out)}", _comment(node))
        p.contiguous.add(out)
    acc = p.scratch()
    with contextlib.ExitStack() as stack:
        index = [p.loop(stack, f"i{d}", n) for d, n in enumerate(ot.shape)]
        if node.op is Op.MATMUL:
            batch, a_core, b_core = _matmul_layout(at, bt, ot)
            nb = len(batch)
            m_i = [index[nb]] if a_core == 2 else []
            n_i = [index[-1]] if b_core == 2 else []
            a_index = _broadcast_index(at.shape[:at.ndim - a_core], index[:nb], batch) + m_i
            b_index = _broadcast_index(bt.shape[:bt.ndim - b_core], index[:nb], batch)
        else:
            na = at.ndim - 1
            a_index, rest = index[:na], index[na:]
            m_i, n_i = [], rest[-1:] if bt.ndim >= 2 else []
            b_index = rest[:-1] if bt.ndim >= 2 else []
        p.em.line(f"{acc} = {strip(literal(0, acc_dt))}", None if ot.shape else _comment(node))
        with contextlib.ExitStack() as inner:
            j = p.loop(inner, "j0", k)
            x = _subscript(p.ref(a), a_index + [j])
            y = _subscript(p.ref(b), b_index + [j] + n_i)
            if t.kind == "b":
                p.em.line(f"{acc} = {acc} or ({_truth(x, at.dtype)} and {_truth(y, bt.dtype)})")
            else:
                x, y = convert(x, at.dtype, acc_dt), convert(y, bt.dtype, acc_dt)
                p.em.line(f"{acc} += {atom(x)} * {atom(y)}")
        final = strip(convert(acc, acc_dt, t))
        p.em.line(f"{_subscript(name, index)} = {final}" if ot.shape else f"{name} = {final}")


# ---- shapes ----------------------------------------------------------------------------------

def _alias(p: _Program, out: Value, source: Value) -> None:
    """`out` is `source` (no-op reshapes and transposes): one name, no statement."""
    if _is_scalar_constant(source):
        p.em.line(f"{p.name(out)} = {strip(p.ref(source))}")
        return
    p.namer.alias(out, p.ref(source))
    if source in p.readonly:
        p.readonly.add(out)


def _emit_reshape(p: _Program, node: Node) -> None:
    (x,), out = node.inputs, node.outputs[0]
    xt, ot = x.type, out.type
    name = p.name(out)
    if xt.shape == ot.shape:
        _alias(p, out, x)
    elif not xt.shape:
        p.em.line(f"{name} = np.full({shape_text(ot.shape)}, {strip(p.ref(x))}, "
                  f"{dtype_ref(ot.dtype)})", _comment(node))
    elif not ot.shape:
        p.em.line(f"{name} = {_subscript(p.ref(x), ['0'] * xt.ndim)}", _comment(node))
    else:
        p.em.line(f"{name} = np.ascontiguousarray({p.ref(x)}).reshape({shape_text(ot.shape)})",
                  _comment(node))
        p.contiguous.add(out)
        if x in p.readonly:
            p.readonly.add(out)


def _emit_transpose(p: _Program, node: Node) -> None:
    (x,), out = node.inputs, node.outputs[0]
    perm = tuple(node.attrs["perm"])
    if perm == tuple(range(len(perm))):
        _alias(p, out, x)
        return
    if perm == (1, 0) and x in p.contiguous:
        p.em.line(f"{p.name(out)} = {p.ref(x)}.T", _comment(node))
        p.fortran.add(out)
    else:
        p.em.line(f"{p.name(out)} = {p.ref(x)}.transpose({shape_text(perm)})", _comment(node))
    if x in p.readonly:
        p.readonly.add(out)


def _emit_broadcast_to(p: _Program, node: Node) -> None:
    (x,), out = node.inputs, node.outputs[0]
    xt, ot = x.type, out.type
    if xt.shape == ot.shape:
        _alias(p, out, x)
        return
    name = p.name(out)
    if not xt.shape:
        p.em.line(f"{name} = np.full({shape_text(ot.shape)}, {strip(p.ref(x))}, "
                  f"{dtype_ref(ot.dtype)})", _comment(node))
        return
    p.em.line(f"{name} = np.broadcast_to({p.ref(x)}, {shape_text(ot.shape)})", _comment(node))
    p.readonly.add(out)


def _emit_concatenate(p: _Program, node: Node) -> None:
    out = node.outputs[0]
    t = out.type.dtype
    parts = [p.ref(v) if v.type.dtype == t else f"{p.ref(v)}.astype({dtype_ref(t)})"
             for v in node.inputs]
    axis = int(node.attrs["axis"]) % out.type.ndim
    if len(parts) == 1:
        text = f"{parts[0]}.copy()" if node.inputs[0].type.dtype == t else parts[0]
    else:
        text = f"np.concatenate(({', '.join(parts)}), axis={axis})"
    p.em.line(f"{p.name(out)} = {text}", _comment(node))


# ---- indexing --------------------------------------------------------------------------------

def _wrapped_index(p: _Program, expr: str, dtype: np.dtype, dim: int, axis: int) -> str:
    """A temporary holding index `expr` wrapped like NumPy's (negative counts from the
    end); out of bounds raises IndexError, as NumPy does."""
    t = p.scratch()
    p.em.line(f"{t} = {strip(convert(expr, dtype, _INT64))}")
    with p.em.block(f"if {t} < 0"):
        p.em.line(f"{t} += {dim}")
    with p.em.block(f"if {t} < 0 or {t} >= {dim}"):
        p.em.line(f'raise IndexError("index out of bounds for axis {axis} with size {dim}")')
    return t


def _slice_text(entry, dim: int) -> str:
    _, start, stop, step = entry
    if step == 1 and start == 0 and stop == dim:
        return ":"
    text = ("" if start == 0 and step > 0 else str(start)) + ":" + \
        ("" if stop is None or (step > 0 and stop == dim) else str(stop))
    return text + (f":{step}" if step != 1 else "")


def _index_plan(x: TensorType, entries, dynamic: list[Value]):
    """For NumPy indexing with `entries` (normalised): the output dimensions, each
    ("adv", k) / ("slice", entry, axis) / ("new",), in NumPy's order, plus the
    advanced-index shape and the advanced entries' positions."""
    has_array = any(e[0] == "array" for e in entries)
    advanced = [i for i, e in enumerate(entries)
                if e[0] == "array" or (has_array and e[0] in ("int", "dyn"))]
    adv_shape: tuple[int, ...] = ()
    if advanced:
        shapes = [dynamic[entries[i][1]].type.shape if entries[i][0] == "array" else ()
                  for i in advanced]
        adv_shape = tuple(np.broadcast_shapes(*shapes))
    contiguous = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    dims: list[tuple] = [] if contiguous else [("adv", k) for k in range(len(adv_shape))]
    axis = 0
    for i, entry in enumerate(entries):
        kind = entry[0]
        if kind == "newaxis":
            dims.append(("new",))
            continue
        if advanced and contiguous and i == advanced[0]:
            dims.extend(("adv", k) for k in range(len(adv_shape)))
        if kind == "slice":
            dims.append(("slice", entry, axis))
        axis += 1
    return dims, adv_shape


def _source_index(p: _Program, x: TensorType, entries, dynamic: list[Value], dims,
                  adv_shape, index: Sequence[str], wrapped: dict[int, str]) -> list[str]:
    """The element of `x` that output position `index` (over `dims`) reads or writes."""
    adv_index = [index[j] for j, d in enumerate(dims) if d[0] == "adv"]
    slice_index = {d[2]: index[j] for j, d in enumerate(dims) if d[0] == "slice"}
    source = []
    axis = 0
    for entry in entries:
        kind = entry[0]
        if kind == "newaxis":
            continue
        dim = x.shape[axis]
        if kind == "int":
            source.append(str(entry[1]))
        elif kind == "dyn":
            source.append(wrapped[axis])
        elif kind == "slice":
            _, start, _, step = entry
            i = slice_index[axis]
            term = i if step == 1 else f"{i} * {step}"
            source.append(term if start == 0 else f"{start} + {term}" if step > 0
                          else f"{start} - {i if step == -1 else f'{i} * {-step}'}")
        else:
            arr = dynamic[entry[1]]
            element = _subscript(p.ref(arr), _broadcast_index(arr.type.shape, adv_index,
                                                              adv_shape))
            source.append(_wrapped_index(p, element, arr.type.dtype, dim, axis))
        axis += 1
    return source


def _proven_in_bounds(p: _Program, value: Value, dim: int) -> bool:
    """Whether index `value` needs no wrap-around or check (a loop index over a
    constant range inside the axis, say)."""
    return p.options.elide_checks and p.plan is not None and \
        parallel_loops.in_bounds(value, dim, p.plan.index)


def _prepare_dynamic(p: _Program, x: TensorType, entries, dynamic: list[Value]) -> dict[int, str]:
    wrapped = {}
    axis = 0
    for entry in entries:
        if entry[0] == "newaxis":
            continue
        if entry[0] == "dyn":
            v = dynamic[entry[1]]
            if _proven_in_bounds(p, v, x.shape[axis]):
                wrapped[axis] = strip(convert(p.ref(v), v.type.dtype, _INT64))
            else:
                wrapped[axis] = _wrapped_index(p, p.ref(v), v.type.dtype, x.shape[axis], axis)
        axis += 1
    return wrapped


def _emit_index(p: _Program, node: Node) -> None:
    x, dynamic = node.inputs[0], list(node.inputs[1:])
    out = node.outputs[0]
    xt, ot = x.type, out.type
    name = p.name(out)
    if not xt.shape:  # only newaxis entries can index a 0-d value
        if ot.shape:
            p.em.line(f"{name} = np.full({shape_text(ot.shape)}, {strip(p.ref(x))}, "
                      f"{dtype_ref(ot.dtype)})", _comment(node))
        else:
            _alias(p, out, x)
        return
    entries = normalize_index(xt.shape, node.attrs["index"])
    wrapped = _prepare_dynamic(p, xt, entries, dynamic)
    if not any(e[0] == "array" for e in entries):
        # Basic indexing: a view, as in NumPy.
        parts, axis = [], 0
        for entry in entries:
            kind = entry[0]
            if kind == "newaxis":
                parts.append("None")
                continue
            if kind == "int":
                parts.append(str(entry[1]))
            elif kind == "dyn":
                parts.append(wrapped[axis])
            else:
                parts.append(_slice_text(entry, xt.shape[axis]))
            axis += 1
        if all(part == ":" for part in parts):
            _alias(p, out, x)
            return
        p.em.line(f"{name} = {p.ref(x)}[{', '.join(parts)}]", _comment(node))
        if x in p.readonly:
            p.readonly.add(out)
        return
    # Advanced indexing: a gather loop over the output.
    dims, adv_shape = _index_plan(xt, entries, dynamic)
    if ot.shape:
        p.em.line(f"{name} = {p.empty(out)}", _comment(node))
        p.contiguous.add(out)
    with p.loops(ot.shape) as index:
        source = _source_index(p, xt, entries, dynamic, dims, adv_shape, index, wrapped)
        p.em.line(f"{_subscript(name, index)} = {_subscript(p.ref(x), source)}")


def _emit_set_index(p: _Program, node: Node) -> None:
    x, value, dynamic = node.inputs[0], node.inputs[1], list(node.inputs[2:])
    out = node.outputs[0]
    xt = x.type
    name = p.name(out)
    if not xt.shape:
        p.em.line(f"{name} = {strip(p.read(value, ['0'] * value.type.ndim, value.type.shape, xt.dtype))}",
                  _comment(node))
        return
    entries = normalize_index(xt.shape, node.attrs["index"])
    dims, adv_shape = _index_plan(xt, entries, dynamic)
    region = []
    for d in dims:
        if d[0] == "adv":
            region.append(adv_shape[d[1]])
        elif d[0] == "new":
            region.append(1)
        else:
            _, entry, axis = d
            region.append(len(range(*slice(*entry[1:]).indices(xt.shape[axis]))))
    comment = None
    if _inplace(p, node):  # x is dead: write into it, and the result is x
        name = p.ref(x)
        p.namer.alias(out, name)
        comment = f"{_comment(node)}, in place"
    else:
        p.em.line(f"{name} = {p.ref(x)}.copy()", _comment(node))
    wrapped = _prepare_dynamic(p, xt, entries, dynamic)
    # Basic indices write distinct elements, so a big region may be split across threads.
    basic = not any(e[0] == "array" for e in entries)
    with p.loops(region, parallel=basic) as index:
        source = _source_index(p, xt, entries, dynamic, dims, adv_shape, index, wrapped)
        element = p.read(value, index, region, xt.dtype)
        p.em.line(f"{_subscript(name, source)} = {strip(element)}", comment)


def _inplace(p: _Program, node: Node) -> bool:
    return p.options.inplace and p.plan is not None and p.plan.is_inplace(node)


# ---- control flow ----------------------------------------------------------------------------

def _assign(p: _Program, targets: Sequence[str], values: Sequence[Value]) -> None:
    """`targets = values`, simultaneously (loop-carried state may swap)."""
    if not targets:
        return
    exprs = [strip(p.ref(v)) for v in values]
    pairs = [(t, e) for t, e in zip(targets, exprs) if t != e]
    if not pairs:
        return
    if len(pairs) == 1:
        p.em.line(f"{pairs[0][0]} = {pairs[0][1]}")
    else:
        p.em.line(f"{', '.join(t for t, _ in pairs)} = {', '.join(e for _, e in pairs)}")


def _emit_cond(p: _Program, node: Node) -> None:
    then, orelse = node.regions
    names = [p.name(v) for v in node.outputs]
    for region in (then, orelse):
        # A result computed in the branch is written straight into the output variable.
        produced = {v for n in region.nodes for v in n.outputs}
        for name, v in zip(names, region.results):
            if v in produced and not _is_scalar_constant(v):
                p.namer.alias(v, name)
                produced.discard(v)
    with p.em.block(f"if {strip(p.ref(node.inputs[0]))}", "cond"):
        p.emit_region(then)
        _assign(p, names, then.results)
    if orelse.nodes or orelse.results:
        with p.em.block("else"):
            p.emit_region(orelse)
            _assign(p, names, orelse.results)
    for out, a, b in zip(node.outputs, then.results, orelse.results):
        if a in p.readonly or b in p.readonly:
            p.readonly.add(out)


def _emit_while(p: _Program, node: Node) -> None:
    cond, body = node.regions
    names = _carried_names(p, node, node.inputs)
    for region in (cond, body):
        for param, name in zip(region.params, names):
            p.namer.alias(param, name)
    with p.em.block("while True", "while"):
        p.emit_region(cond)
        with p.em.block(f"if not {atom(p.ref(cond.results[0]))}"):
            p.em.line("break")
        p.emit_region(body)
        _assign(p, names, body.results)
    _carry_readonly(p, node, body)


def _emit_for(p: _Program, node: Node) -> None:
    (body,) = node.regions
    names = _carried_names(p, node, node.inputs[3:])
    for param, name in zip(body.params[1:], names):
        p.namer.alias(param, name)
    bounds = [strip(p.read(v, [], (), _INT64)) for v in node.inputs[:3]]
    if bounds[2] == "1":
        bounds = bounds[:2] if bounds[0] != "0" else bounds[1:2]
    parallel = node in p.parallel_loops and not p.in_parallel
    loop = "numba.prange" if parallel else "range"
    comment = "for, iterations in parallel" if parallel else "for"
    with p.em.block(f"for {p.name(body.params[0])} in {loop}({', '.join(bounds)})", comment):
        p.uses_parallel |= parallel
        p.in_parallel += parallel
        p.emit_region(body)
        p.in_parallel -= parallel
        _assign(p, names, body.results)
    _carry_readonly(p, node, body)


def _carried_names(p: _Program, node: Node, inits: Sequence[Value]) -> list[str]:
    """The variables of a loop's carried values, assigned their initial values. A value
    the loop carries in one buffer (memory planning) keeps its initial value's variable
    when that value dies at the loop, or gets a copy made once here; the body then
    writes into it in place and never reassigns it."""
    names = [p.name(v) for v in node.outputs]
    chains = p.plan.chains(node) if p.options.inplace and p.plan is not None else {}
    copies = p.plan.entry_copies.get(node, set()) if chains else set()
    for k in sorted(chains):
        if k in copies:
            p.em.line(f"{names[k]} = {p.ref(inits[k])}.copy()",
                      "copied once: the loop writes into it")
        else:
            names[k] = p.ref(inits[k])
            p.namer.alias(node.outputs[k], names[k])
    rest = [k for k in range(len(names)) if k not in chains]
    _assign(p, [names[k] for k in rest], [inits[k] for k in rest])
    return names


def _carry_readonly(p: _Program, node: Node, body: Region) -> None:
    carried = node.inputs[len(node.inputs) - len(node.outputs):]
    chains = p.plan.chains(node) if p.options.inplace and p.plan is not None else {}
    for k, (out, init, res) in enumerate(zip(node.outputs, carried, body.results)):
        if k not in chains and (init in p.readonly or res in p.readonly):
            p.readonly.add(out)


# ---- side effects ----------------------------------------------------------------------------

_PYTHON_SCALAR = {"b": "bool", "i": "int", "u": "int", "f": "float", "c": "complex"}


def _emit_print(p: _Program, node: Node) -> None:
    """`print` in object mode: scalars rebuilt as NumPy scalars of their dtype (or the
    Python scalars they stand for, if weak), so the text is what NumPy would print."""
    pieces = []
    for piece in node.attrs.get("template", ()):
        if isinstance(piece, str):
            pieces.append(repr(piece))
            continue
        v = node.inputs[piece]
        expr = strip(p.ref(v))
        if v.type.shape:
            pieces.append(expr)
        elif v.type.weak:
            pieces.append(f"{_PYTHON_SCALAR[v.type.dtype.kind]}({expr})")
        else:
            pieces.append(f"{dtype_ref(v.type.dtype)}({expr})")
    sep, end = node.attrs.get("sep", " "), node.attrs.get("end", "\n")
    if sep != " ":
        pieces.append(f"sep={sep!r}")
    if end != "\n":
        pieces.append(f"end={end!r}")
    with p.em.block("with numba.objmode()", "print"):
        p.em.line(f"print({', '.join(pieces)})")


# ---- the table ---------------------------------------------------------------------------------

EMITTERS: dict[Op, Callable[[_Program, Node], None]] = {
    **_ELEMENTWISE_ROWS,
    **{op: _emit_reduction for op in REDUCTION},
    Op.CONSTANT: _emit_constant,
    Op.MATMUL: _emit_matmul,
    Op.DOT: _emit_matmul,
    Op.RESHAPE: _emit_reshape,
    Op.TRANSPOSE: _emit_transpose,
    Op.BROADCAST_TO: _emit_broadcast_to,
    Op.CONCATENATE: _emit_concatenate,
    Op.FULL: _emit_full,
    Op.ARANGE: _emit_arange,
    Op.EYE: _emit_eye,
    Op.INDEX: _emit_index,
    Op.SET_INDEX: _emit_set_index,
    Op.COND: _emit_cond,
    Op.WHILE: _emit_while,
    Op.FOR: _emit_for,
    Op.PRINT: _emit_print,
}
assert set(REGION_NAMES) <= set(EMITTERS)


def generate(graph: Graph, options: CpuOptions | None = None) -> str:
    """The text of the Numba program computing `graph` (deterministic: same graph, same
    text). Raises CodegenError for what this backend cannot compile (float16).
    `options` switches the performance features (default: all on)."""
    return _Program(graph, _DEFAULT_OPTIONS if options is None else options).text()


# ---- compiled programs -------------------------------------------------------------------------

class CompiledProgram:
    """A generated, imported and Numba-compiled graph.

    Call it with one array or scalar per graph input; it returns a tuple with one value
    per graph output: arrays, and NumPy scalars for 0-d outputs. The program is compiled
    for one signature (C-contiguous arrays of the graph's dtypes, scalars), so the fast
    path hands the arguments straight to Numba's dispatcher; anything else (another
    dtype, a non-contiguous or read-only array, a 0-d array) is converted as the
    reference interpreter converts it, and a wrong shape is an AutographError.

    Calling `function` (the jitted function) directly, as the API's guards do, skips
    all that; the rule for such a raw call is

        result = program.function(*graph_inputs, *(b.take() for b in program.result_buffers))

    and `result` is the one output itself when `bare` (a single-output graph: no tuple
    is boxed per call), else the tuple of outputs; 0-d outputs come back as Python
    scalars. `result_buffers` holds one `cpu_runtime.ResultBuffers` per output the
    program writes into a buffer it is given (`CpuOptions.recycle_results`: big outputs
    it allocates at its top level), in the order of the trailing parameters `out0`,
    `out1`, ... Those pools keep up to two buffers per such output alive between calls,
    the price of not faulting in a fresh result's pages on every call.
    """

    __slots__ = ("graph", "source", "path", "function", "bare", "result_buffers",
                 "_inputs", "_wrappers")

    def __init__(self, graph: Graph, source: str, path: Path, function,
                 result_buffers: Sequence = ()):
        self.graph = graph
        self.source = source
        self.path = path
        self.function = function
        self.bare = len(graph.outputs) == 1
        self.result_buffers = tuple(result_buffers)
        self._inputs = [(name, p.type.shape, p.type.dtype)
                        for name, p in zip(graph.input_names, graph.inputs)]
        self._wrappers = _output_wrapper(graph)

    def __call__(self, *args) -> tuple:
        try:
            if self.result_buffers:
                results = self.function(*args, *[b.take() for b in self.result_buffers])
            else:
                results = self.function(*args)
        except (TypeError, ValueError) as exc:
            results = self._call_converted(args, exc)
        if self.bare:
            results = (results,)
        return results if self._wrappers is None else self._wrappers(results)

    def _call_converted(self, args, error: Exception):
        if len(args) != len(self._inputs):
            raise AutographError(f"graph {self.graph.name} takes {len(self._inputs)} "
                                 f"argument(s), got {len(args)}") from None
        converted = []
        for (name, shape, dtype), arg in zip(self._inputs, args):
            if not shape:
                converted.append(dtype.type(arg))
                continue
            array = np.asarray(arg)
            if array.shape != shape:
                raise AutographError(f"graph {self.graph.name}: argument {name} has shape "
                                     f"{array.shape}, expected {shape}") from None
            if array.dtype != dtype or not array.flags.c_contiguous or not array.flags.writeable:
                array = np.array(array, dtype, order="C")
            converted.append(array)
        if all(c is a for c, a in zip(converted, args)):
            raise error  # the arguments were fine: the error came from the program itself
        return self.function(*converted, *[b.take() for b in self.result_buffers])

    def __repr__(self) -> str:
        return f"<CompiledProgram {self.graph.name} at {self.path}>"


def _output_wrapper(graph: Graph):
    """What turns Numba's results, as a tuple (a bare result wrapped in one first), into
    NumPy's: 0-d outputs come back as Python scalars and become NumPy scalars of their
    dtype. None when there is nothing to do (the common case stays one call: this is on
    every call's path)."""
    types = [v.type.dtype.type if not v.type.shape else None for v in graph.outputs]
    if all(t is None for t in types):
        return None
    if len(types) == 1:
        (scalar,) = types
        return lambda results: (scalar(results[0]),)
    return lambda results: tuple(r if t is None else t(r) for t, r in zip(types, results))


def compile_graph(graph: Graph, cache_dir=None, options: CpuOptions | None = None
                  ) -> CompiledProgram:
    """Generates `graph`'s program, writes it to `cache_dir` (default:
    `cache.default_cache_dir()`) and imports it, which compiles it with Numba, or loads
    the machine code Numba's own cache kept from an earlier process. `options`: see
    `generate`."""
    options = _DEFAULT_OPTIONS if options is None else options
    program = _Program(graph, options)
    source = program.text()
    directory = cache.default_cache_dir() if cache_dir is None else Path(cache_dir)
    module = cache.load_module(source, directory)
    function = getattr(module, _Program.function_name_of(graph))
    buffers = ()
    if program.result_params:
        runtime = _cpu_runtime()
        buffers = tuple(runtime.ResultBuffers(v.type.shape, v.type.dtype, options.huge_pages)
                        for v, _ in program.result_params)
    return CompiledProgram(graph, source, Path(module.__file__), function, buffers)
