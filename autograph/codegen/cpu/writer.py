"""The state of one CPU program while it is written: `ProgramWriter`.

Emitters (`cpu_elementwise`, `cpu_reductions`, `cpu_control_flow`, ...) each write the
statements of one kind of op, and they all need the same shared state: the names of
values (`namer`), the lines written so far (`em`), the analyses of the graph
(`cpu_analysis`: live nodes, fused values, the memory plan, parallel loops), what the
program's header must import (vecmath, cpu_runtime, base64, helper functions) and the
facts emitters learn as they go (which arrays are C-contiguous, read-only, Fortran
views). That state, and the few operations every emitter uses on it (read an element,
open a loop nest, allocate an array), is this class; `text()` then assembles the module:
imports, constants, helpers, the `@numba.njit` signature, shape checks and the body.

The writer does not know the emitters: it is given the op -> emitter table
(`numba_cpu.EMITTERS`), so emitter modules can import this one without a cycle.
"""

from __future__ import annotations

import base64
import contextlib
import functools
from typing import Callable, Iterator, Mapping, Sequence

import numpy as np

from autograph.codegen.cpu.analysis import (HUGE_PAGE_THRESHOLD, ParallelChoices,
                                            check_supported, const_value, fused_values,
                                            is_inline_constant, is_scalar_constant,
                                            live_nodes, recyclable_outputs)
from autograph.codegen.cpu.options import DEFAULT as _DEFAULT_OPTIONS, CpuOptions
from autograph.codegen.cpu.text import (broadcast_index, convert, dtype_ref, is_cheap, literal,
                                        loop_dtypes, nested_list, numba_type, shape_text, strip,
                                        subscript)
from autograph.codegen.emitter import CodegenError, Emitter, Namer, is_usable
from autograph.errors import AutographError
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import ALLOCATING, Op
from autograph.ir.types import TensorType
from autograph.ir.analysis import parallel as parallel_loops
from autograph.ir.analysis.memory import MemoryPlan

# Constants up to this many elements are written out as nested lists; bigger ones as
# base64 bytes (still in the program text, so the text hash names the whole program).
_READABLE_CONSTANT_SIZE = 64
# Fused elementwise expressions are cut into temporaries every this many levels (Python's
# parser allows 200 nested parentheses; the writer's recursion stays bounded too).
MAX_FUSED_DEPTH = 24
# A fused loop's comment names up to twice this many ops.
_SHOWN_FUSED_OPS = 8


class ProgramWriter:
    """State while writing one program: names, emitted lines, module-level constants.
    `emitters` maps each op to the function writing its statements (`emitter(writer,
    node)`); elementwise rows also `build` the scalar expression of one element."""

    def __init__(self, graph: Graph, emitters: Mapping[Op, Callable[[ProgramWriter, Node], None]],
                 options: CpuOptions = _DEFAULT_OPTIONS):
        check_supported(graph)
        self.graph = graph
        self.emitters = emitters
        self.options = options
        self.em = Emitter()
        self._depth = 0  # nesting of `expression` calls
        self._held: dict[tuple, str] = {}  # (fused value, index, space) -> its temporary
        self.live = live_nodes(graph)
        self.fused = fused_values(graph, self.live) if options.fusion else set()
        # Memory planning and prange decisions, made on this (final) graph.
        self.plan = MemoryPlan(graph) if options.inplace or options.reuse_buffers or \
            options.parallel or options.elide_checks else None
        # Which loops run in parallel, by the cost model, and why (for explain()).
        self.parallel_choices = ParallelChoices(options.parallel_threshold)
        self.parallel_loops = parallel_loops.plan_parallel(
            graph, self.plan, options.parallel_threshold, self.parallel_choices.notes) \
            if options.parallel and options.inplace and options.elide_checks else set()
        self.uses_parallel = False  # some loop is a prange: compile with parallel=True
        self.in_parallel = 0        # inside a prange loop's body (no nested pranges)
        self.uses_vecmath = False
        self.uses_runtime = False   # calls cpu_runtime (huge pages)
        # Big outputs allocated at the top level are written into buffers the caller
        # passes (recycle_results): the candidates, and the parameters given out so far.
        self.recyclable = recyclable_outputs(graph) if options.recycle_results \
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
        # User functions the program calls (Op.CALL, cpu/interop.py): function -> alias,
        # and the header lines that bind the aliases. Such programs are not cached by Numba.
        self.user_functions: dict = {}
        self.user_lines: list[str] = []
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
                if is_inline_constant(node):
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
        if is_scalar_constant(value):
            return literal(const_value(value), value.type.dtype)
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
        if is_scalar_constant(value):
            return literal(const_value(value), value.type.dtype if want is None else want)
        if value in self.fused:
            held = self._held.get((value, tuple(index), tuple(space)))
            expr = held if held is not None else self.expression(value.producer, index, space)
        else:
            sub = broadcast_index(value.type.shape, index, space)
            expr = subscript(self.namer[value], sub)
        return expr if want is None else convert(expr, value.type.dtype, want)

    def expression(self, node: Node, index: Sequence[str], space: Sequence[int]) -> str:
        """The element of elementwise `node`'s result at `index`, as an expression.

        A chain of fused producers deeper than `MAX_FUSED_DEPTH` is cut into temporaries
        (`t = ...` in the same loop body, every `MAX_FUSED_DEPTH` levels), so that neither
        the program's parentheses nor this writer's recursion grow with the chain: a
        2,000-op unrolled loop writes as readily as a short one.
        """
        if self._depth == 0:
            self._hold_deep_producers(node, index, space)
        self._depth += 1
        try:
            ins, out = loop_dtypes(node)
            args = [self.read(v, index, space, dt) for v, dt in zip(node.inputs, ins)]
            row = self.emitters[node.op]
            return row.build(self, args, ins, out)
        finally:
            self._depth -= 1
            if self._depth == 0:
                self._held.clear()

    def _hold_deep_producers(self, root: Node, index: Sequence[str],
                             space: Sequence[int]) -> None:
        """Writes the fused producers of `root` that sit a multiple of MAX_FUSED_DEPTH
        levels above the chain's bottom into temporaries, bottom first (iteratively)."""
        order = self._fused_post_order(root)
        if len(order) <= MAX_FUSED_DEPTH:
            return
        height: dict[Node, int] = {}
        for node in order:
            height[node] = 1 + max((height[v.producer] for v in node.inputs
                                    if v in self.fused and v.producer in height), default=0)
        key = (tuple(index), tuple(space))
        self._depth += 1  # the producers' own expressions must not plan again
        try:
            for node in order:
                if node is root or height[node] % MAX_FUSED_DEPTH:
                    continue
                value = node.outputs[0]
                expr = self.expression(node, index, space)
                t = self.scratch()
                self.em.line(f"{t} = {strip(expr)}")
                self._held[(value, *key)] = t
        finally:
            self._depth -= 1

    def _fused_post_order(self, root: Node) -> list[Node]:
        """`root` and its fused producers, producers first, without recursion."""
        order: list[Node] = []
        seen: set[Node] = set()
        stack: list[tuple[Node, bool]] = [(root, False)]
        while stack:
            node, expanded = stack.pop()
            if expanded:
                order.append(node)
                continue
            if node in seen:
                continue
            seen.add(node)
            stack.append((node, True))
            for v in reversed(node.inputs):
                if v in self.fused and v.producer not in seen:
                    stack.append((v.producer, False))
        return order

    def once(self, expr: str) -> str:
        """`expr` if it is cheap to repeat, else a temporary holding it."""
        if is_cheap(expr):
            return expr
        t = self.scratch()
        self.em.line(f"{t} = {strip(expr)}")
        return t

    def fused_ops(self, node: Node) -> list[str]:
        """The ops fused into `node`'s loop, producers first (for the line's comment); a
        long chain is abbreviated."""
        ops = [str(n.op) for n in self._fused_post_order(node)]
        if len(ops) > 2 * _SHOWN_FUSED_OPS:
            ops = (ops[:_SHOWN_FUSED_OPS] + [f"... {len(ops) - 2 * _SHOWN_FUSED_OPS} more"]
                   + ops[-_SHOWN_FUSED_OPS:])
        return ops

    # -- statements

    @contextlib.contextmanager
    def loops(self, shape: Sequence[int], prefix: str = "i", parallel: bool = False,
              per_element: float = 0.5, what: str = "") -> Iterator[list[str]]:
        """A loop nest over `shape`; yields the index of each dimension (a size-1
        dimension gets no loop, its index is 0). With `parallel`, the outermost loop
        is a `numba.prange` if the nest is worth it (`wants_prange`: `per_element`
        estimated ns of work per element, `what` names the nest in explain())."""
        parallel = parallel and self.wants_prange(shape, per_element, what)
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
        if self.options.huge_pages and t.size * t.dtype.itemsize >= HUGE_PAGE_THRESHOLD \
                and load_cpu_runtime().AVAILABLE:
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

    def wants_prange(self, shape: Sequence[int], per_element: float = 0.5,
                     what: str = "") -> bool:
        """Whether an elementwise loop nest over `shape` runs in parallel: worth it by
        the cost model (analysis.ParallelChoices), not inside another prange, and with
        an outer loop to split."""
        return (self.options.parallel and not self.in_parallel
                and any(n > 1 for n in shape)
                and self.parallel_choices.elementwise(shape, per_element, what))

    def user_function(self, function, import_lines) -> str:
        """The program's name for a user function; `import_lines(function, alias)` gives
        the header lines binding it (written once per function)."""
        alias = self.user_functions.get(function)
        if alias is None:
            alias = self.user_functions[function] = f"_u{len(self.user_functions)}"
            for line in import_lines(function, alias):
                if line not in self.user_lines:
                    self.user_lines.append(line)
        return alias

    def constant(self, array: np.ndarray) -> str:
        """A module-level constant holding `array` (Numba freezes it into the code)."""
        name = f"_c{len(self.constants)}"
        dt = dtype_ref(array.dtype)
        if array.size <= _READABLE_CONSTANT_SIZE:
            text = f"np.array({nested_list(array)}, dtype={dt})"
            if array.ndim == 0 or array.ndim > 1 and array.size == 0:
                text = (f"np.array({nested_list(array)}, dtype={dt})"
                        f".reshape({shape_text(array.shape)})")
        else:
            data = base64.b64encode(np.ascontiguousarray(array).tobytes()).decode("ascii")
            text = (f"np.frombuffer(base64.b64decode({data!r}), dtype={dt})"
                    f".reshape({shape_text(array.shape)})")
            self.uses_base64 = True
        self.constants.append((name, text))
        return name

    def emit_region(self, region: Region) -> None:
        for node in region.nodes:
            if node not in self.live or is_inline_constant(node):
                continue
            if node.outputs and node.outputs[0] in self.fused:
                continue
            try:
                self.emitters[node.op](self, node)
            except AutographError as exc:
                raise exc.with_origin(node.origin)
            if node.op in ALLOCATING:
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
            head.line(f"from autograph.codegen.cpu import vecmath as _vm  "
                      f"# version {load_vecmath().VERSION}")
        if self.uses_runtime:
            head.line(f"from autograph.codegen.cpu import runtime as _rt  "
                      f"# version {load_cpu_runtime().VERSION}")
        for line in self.user_lines:
            head.line(line)
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
        if self.user_functions:  # Numba's cache cannot see the user's function change
            options = options.replace("cache=True", "cache=False")
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
def load_vecmath():
    """`codegen/vecmath.py`, imported when a program first needs it (it imports Numba,
    which writing program text otherwise does not)."""
    from autograph.codegen.cpu import vecmath

    return vecmath


@functools.lru_cache(maxsize=None)
def load_cpu_runtime():
    """`codegen/cpu_runtime.py`, imported when a program first needs it."""
    from autograph.codegen.cpu import runtime as cpu_runtime

    return cpu_runtime


def _values_in_order(graph: Graph) -> Iterator[Value]:
    yield from graph.inputs
    for node in graph.walk():
        yield from node.outputs
        for sub in node.regions:
            yield from sub.params
