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

Kernels. Every shape is static, so kernels carry sizes as literals and unflatten a flat
grid-stride index by literal divisions. Elementwise nodes are fused (`cuda_fusion`): a
value with one consumer of the same shape is computed inside that consumer's kernel, and
consecutive such trees over one shape share a kernel with several outputs, so
`tanh(x * 0.5 + y) * exp(-x * x) + 1.0` is one kernel reading `x` and `y` once, and a
Mandelbrot iteration is one launch. Dtypes match NumPy 2 exactly (see `cuda_kernels`).
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

import base64
import dataclasses
import math
from pathlib import Path
from typing import Callable

import numpy as np

from autograph.codegen import cache
from autograph.codegen import cuda_fusion
from autograph.codegen import cuda_gemm
from autograph.codegen import cuda_kernels as ck
from autograph.codegen import cuda_runtime as rt
from autograph.codegen.cuda_runtime import Target
from autograph.codegen.emitter import CodegenError, Emitter, Namer
from autograph.errors import AutographError
from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.indexing import index_shape, normalize_index
from autograph.ir.ops import (CONTROL_FLOW, ELEMENTWISE, REDUCTION, UFUNC, Op)
from autograph.ir.types import python_type_of

# Names the program's module scope owns; values never get them.
_RESERVED = ("cuda", "rt", "np", "math", "base64", "numba")
# Array constants up to this many elements are written as lists, larger ones as base64.
_INLINE_CONSTANT = 64


# ---- values in the driver ---------------------------------------------------------

@dataclasses.dataclass
class _Val:
    """Where a value lives: "device" (a device array named `name`), "host" (a host scalar
    named `name`, passed to kernels by value) or "literal" (a 0-d constant `value`)."""

    kind: str
    name: str | None = None
    value: object = None


@dataclasses.dataclass(frozen=True)
class ArgSpec:
    """A kernel argument's type: an array (`ndim` > 0, C-contiguous) or a host scalar."""

    dtype: np.dtype
    ndim: int  # 0 for a scalar passed by value


@dataclasses.dataclass
class GeneratedProgram:
    """The program text and what callers and tests need to know about it."""

    text: str
    driver: str                          # the driver function's name
    input_kinds: tuple[str, ...]         # "device" or "host" per graph input
    kernels: dict[str, tuple[ArgSpec, ...]]  # kernel name -> argument types (first launch)


class _Params:
    """The parameters of one kernel being written: which driver value each one is."""

    def __init__(self, gen: _Generator):
        self.gen = gen
        self.names: dict[object, str] = {}
        self.args: list[str] = []
        self.specs: list[ArgSpec] = []

    def param(self, key, driver_text: str, spec: ArgSpec) -> str:
        if key not in self.names:
            self.names[key] = f"a{len(self.names)}"
            self.args.append(driver_text)
            self.specs.append(spec)
        return self.names[key]

    def output(self, value: Value) -> str:
        """The kernel parameter for `value`'s (newly allocated) device array."""
        t = value.type
        return self.param(value, self.gen.device(value), ArgSpec(t.dtype, max(t.ndim, 1)))

    def buffer(self, name: str, dtype: np.dtype) -> str:
        return self.param(("buffer", name), name, ArgSpec(np.dtype(dtype), 1))

    def read(self, value: Value, indices) -> str:
        """`value` at `indices` (ignored for 0-d values), in registers of its dtype."""
        info = self.gen.vals[value]
        t = value.type
        if info.kind == "literal":
            return ck.literal(info.value, t.dtype)
        if info.kind == "host":
            p = self.param(value, info.name, ArgSpec(t.dtype, 0))
            return f"{ck.ctor(ck.compute(t.dtype))}({p})"
        p = self.param(value, info.name, ArgSpec(t.dtype, max(t.ndim, 1)))
        text = ck.index_text(p, list(indices) if t.ndim else [])
        return f"np.float32({text})" if t.dtype == ck.F16 else text

    def read_as(self, value: Value, indices, dtype: np.dtype) -> str:
        """`value` at `indices` converted to `dtype` (literals converted at generation)."""
        info = self.gen.vals[value]
        if info.kind == "literal":
            with np.errstate(all="ignore"):
                own = np.asarray(info.value).astype(value.type.dtype)
            return ck.literal(own, dtype)
        return ck.convert(self.read(value, indices), value.type.dtype, dtype)


# ---- the generator ------------------------------------------------------------------

def _loop_dtypes(node: Node) -> list[np.dtype]:
    """The dtypes NumPy's loop computes an elementwise node's operands in."""
    op, out = node.op, node.outputs[0].type.dtype
    if op is Op.CAST:
        return [out]
    if op is Op.WHERE:
        return [ck.BOOL, out, out]
    operands = []
    for v in node.inputs:
        pt = python_type_of(v.type)
        operands.append(np.dtype(np.bool_) if pt is bool else pt)
    try:
        resolved = UFUNC[op].resolve_dtypes(tuple(operands) + (None,))
    except TypeError as exc:
        raise CodegenError(f"cuda: {op} is not defined for "
                           f"{', '.join(str(v.type) for v in node.inputs)} ({exc})") from None
    return list(resolved[:-1])


def _label(nodes: list[Node]) -> str:
    names = [n.op.printed_name for n in nodes]
    return "_".join(names[-3:]) + ("_etc" if len(names) > 3 else "")


def _shape_text(shape) -> str:
    return "(" + ", ".join(str(d) for d in shape) + ("," if len(shape) == 1 else "") + ")"


class _Generator:
    def __init__(self, graph: Graph, target: Target, fuse: bool):
        self.graph = graph
        self.target = target
        self.fuse = fuse
        self.driver = graph.name if graph.name.isidentifier() and not graph.name.startswith(
            "_") else "main"
        self.namer = Namer(reserved=_RESERVED + (self.driver,))
        self.out = Emitter()
        self.vals: dict[Value, _Val] = {}
        self.kernels: dict[ck.Kernel, str] = {}
        self.kernel_specs: dict[str, tuple[ArgSpec, ...]] = {}
        self.sites: list[str] = []  # module-level launch sites, one per launch in the driver
        self.constants: list[np.ndarray] = []
        self.scalar_constants: dict[tuple, int] = {}
        self.escaping = cuda_fusion.escaping(graph)
        self.pooled: set[Value] = set()     # allocated, and given back after last use
        # Graph results computed by the driver's top level (once a call): their buffers are
        # recycled once the caller lets go of them (`rt.Pool.take_result`).
        top = set(graph.body.nodes)
        self.top_results = {v for v in graph.outputs
                            if v.producer in top and graph.outputs.count(v) == 1}
        self.allocated: set[Value] = set()  # every value with a buffer of its own

    # -- names and places ----------------------------------------------------------

    def define(self, value: Value, kind: str = "device", preferred: str | None = None) -> str:
        name = self.namer.define(value, preferred)
        self.vals[value] = _Val(kind, name)
        return name

    def device(self, value: Value) -> str:
        """Driver text for `value` as a device array (host scalars and literals are moved
        to the device: constants once per program, host scalars at each use)."""
        info = self.vals[value]
        if info.kind == "device":
            return info.name
        dtype = value.type.dtype
        if info.kind == "host":
            return f"rt.scalar({info.name}, np.{dtype.name})"
        with np.errstate(all="ignore"):
            array = np.asarray(info.value).astype(dtype).reshape((1,))
        key = (dtype.str, array.tobytes())
        if key not in self.scalar_constants:
            self.scalar_constants[key] = self._add_constant(array)
        return f"_consts[{self.scalar_constants[key]}]"

    def host(self, value: Value) -> str:
        """Driver text for `value` on the host (a device value is read back: a sync)."""
        info = self.vals[value]
        if info.kind == "literal":
            return repr(np.asarray(info.value).astype(value.type.dtype).item())
        if info.kind == "host":
            return info.name
        return f"rt.item({info.name})"

    def truth(self, value: Value) -> str:
        info = self.vals[value]
        if info.kind == "device":
            return f"rt.truth({info.name})"
        return f"bool({self.host(value)})"

    def _add_constant(self, array: np.ndarray) -> int:
        self.constants.append(np.ascontiguousarray(array))
        return len(self.constants) - 1

    # -- kernels ---------------------------------------------------------------------

    def kernel(self, kernel: ck.Kernel, specs) -> str:
        name = self.kernels.get(kernel)
        if name is None:
            name = f"_k{len(self.kernels)}_{kernel.label}"
            self.kernels[kernel] = name
            self.kernel_specs[name] = tuple(specs)
        return name

    def launch(self, kernel: ck.Kernel, params: _Params, config: str) -> None:
        """A launch of `kernel` through a launch site of its own (`rt.Launch`, see
        `cuda_launch`): `config` is "grid, block" text or "rt.grid(n)"."""
        name = self.kernel(kernel, params.specs)
        site = f"_L{len(self.sites)}"
        prefix = "rt.grid("
        grid = config[len(prefix):-1] if config.startswith(prefix) else f"({config})"
        self.sites.append(f"{site} = rt.Launch({name}, {grid})")
        self.out.line(f"{site}({', '.join(params.args)})", name)

    def allocate(self, value: Value, comment: str | None = None) -> str:
        """A new device array for `value`, from the program's pool; a value that never
        escapes (see `cuda_fusion.escaping`) is given back after its last use."""
        name = self.define(value)
        t = value.type
        self.allocated.add(value)
        if value not in self.escaping:
            self.pooled.add(value)
        take = "take_result" if value in self.top_results else "take"
        self.out.line(f"{name} = _pool.{take}({_shape_text(t.shape)}, np.{t.dtype.name})",
                      comment or str(t))
        return name

    def scratch_buffer(self, size: int, dtype: np.dtype, comment: str | None = None) -> str:
        """A pooled 1-d work array (reduction partials), given back by `give_back`."""
        name = self.namer.scratch("_p")
        self.out.line(f"{name} = _pool.take(({size},), np.{np.dtype(dtype).name})", comment)
        return name

    def give_back(self, names: list[str]) -> None:
        if names:
            self.out.line(f"_pool.give({', '.join(names)})")

    def map_launch(self, params: _Params, domain, body, label: str) -> None:
        """Launches a grid-stride kernel over `domain` (nothing for an empty domain)."""
        size = math.prod(domain)
        if size == 0:
            return
        self.launch(ck.map_kernel(params_list(params), domain, body, label), params,
                    f"rt.grid({size})")

    # -- regions -----------------------------------------------------------------------

    def region(self, region: Region) -> None:
        items = cuda_fusion.kernel_items(region, self.fuse, self.fusable_product)
        used_outside = cuda_fusion.used_outside(region, items)
        position = {n: _item_nodes(item)[-1] for item in items for n in _item_nodes(item)}
        last = cuda_fusion.last_uses(region, position)
        dying: dict[Node, list[Value]] = {}
        for value, node in last.items():
            dying.setdefault(node, []).append(value)
        for item in items:
            nodes = _item_nodes(item)
            for node in nodes:
                for v in node.outputs:
                    ck.check_dtype(v.type.dtype, str(node.op))
            if isinstance(item, list):
                emit_elementwise(self, item, [n.outputs[0] for n in item
                                              if n.outputs[0] in used_outside])
            elif isinstance(item, cuda_fusion.Epilogue):
                _emit_contraction(self, item.product, item.nodes)
            else:
                EMITTERS[item.op](self, item)
            self.give_back([self.vals[v].name for v in dying.get(nodes[-1], ())
                            if v in self.pooled])

    def fusable_product(self, node: Node) -> bool:
        """Whether an elementwise consumer may be fused into `node`'s kernel: matmul and
        dot (not dot by a 0-d value, a plain multiply), unless cuBLAS may take it."""
        if not self.target.epilogues or node.op not in (Op.MATMUL, Op.DOT):
            return False
        a, b = node.inputs
        if node.op is Op.DOT and (a.type.ndim == 0 or b.type.ndim == 0):
            return False
        return not _blas_candidate(node)

    def assign(self, names: list[str], values: list[Value]) -> None:
        if names:
            self.out.line(f"{', '.join(names)} = {', '.join(self.device(v) for v in values)}")

    # -- the program -----------------------------------------------------------------------

    def program(self) -> GeneratedProgram:
        graph = self.graph
        driver = self.driver
        kinds = []
        params = []
        for value, name in zip(graph.inputs, graph.input_names):
            kind = "host" if value.type.shape == () else "device"
            kinds.append(kind)
            params.append(self.define(value, kind, name))
        with self.out.indented():
            self.region(graph.body)
            results = [self.device(v) for v in graph.outputs]
            self.out.line("return (" + ", ".join(results) + ("," if len(results) == 1 else "")
                          + ")")
        lines = [f"# generated by autograph from graph {graph.name!r} for CUDA — do not edit"]
        constants = _constant_lines(self.constants)
        if any("base64" in line for line in constants):
            lines.append("import base64")
        lines += ["import math", "", "import numpy as np", "from numba import cuda", "",
                  "from autograph.codegen import cuda_runtime as rt", ""]
        if constants:
            lines += constants
        lines += ["_pool = rt.Pool()", ""]
        text = "\n".join(lines) + "\n"
        for kernel, name in self.kernels.items():
            text += "\n" + kernel.render(name)
        if self.sites:
            text += "\n\n" + "\n".join(self.sites) + "\n"
        signature = ", ".join(params)
        text += f"\n\ndef {driver}({signature}):\n" + self.out.text()
        return GeneratedProgram(text, driver, tuple(kinds), dict(self.kernel_specs))


def _item_nodes(item) -> list[Node]:
    """The nodes of a `cuda_fusion.kernel_items` item, the one whose position it takes last."""
    if isinstance(item, list):
        return item
    if isinstance(item, cuda_fusion.Epilogue):
        return [item.product] + item.nodes
    return [item]


def params_list(params: _Params) -> list[str]:
    return list(params.names.values())


def _constant_lines(constants: list[np.ndarray]) -> list[str]:
    lines = []
    for k, array in enumerate(constants):
        dtype = f"np.{array.dtype.name}"
        if array.size <= _INLINE_CONSTANT:
            values = [bool(v) if array.dtype == np.bool_ else
                      (int(v) if array.dtype.kind in "iu" else float(v)) for v in array.ravel()]
            text = repr(values).replace("inf", "math.inf").replace("nan", "math.nan")
            lines.append(f"_c{k} = np.array({text}, {dtype}).reshape({_shape_text(array.shape)})")
        else:
            data = base64.b64encode(array.tobytes()).decode("ascii")
            lines.append(f"_c{k} = np.frombuffer(base64.b64decode({data!r}), {dtype})"
                         f".reshape({_shape_text(array.shape)})")
    if constants:
        names = ", ".join(f"_c{k}" for k in range(len(constants)))
        lines.append(f"_consts = rt.DeviceConstants([{names}])")
    return lines


# ---- emitters: one row per op ---------------------------------------------------------

# Elementwise ops whose scalar formulas are safe to run on the host in Python: no `math`
# function that raises where a device returns inf or nan (`math.log(0.0)`).
_MATH_OPS = frozenset({Op.EXP, Op.EXPM1, Op.LOG, Op.LOG1P, Op.LOG2, Op.LOG10, Op.SQRT, Op.SIN,
                       Op.COS, Op.TAN, Op.ARCSIN, Op.ARCCOS, Op.ARCTAN, Op.SINH, Op.COSH,
                       Op.TANH, Op.ARCTAN2, Op.HYPOT})


def _host_safe(node: Node, loop: list[np.dtype]) -> bool:
    if node.op in _MATH_OPS:
        return False
    return not (node.op in (Op.FLOORDIV, Op.MOD) and loop[0].kind == "f")


def emit_elementwise(gen: _Generator, nodes: list[Node],
                     outputs: list[Value] | None = None) -> None:
    """One kernel for a group of elementwise nodes of one shape, in order, with a scalar
    temporary per node; `outputs` (default: the last node's value) are stored.

    A group whose inputs are all host scalars and constants (loop-index arithmetic, say)
    runs on the host instead, in the driver, and yields a host scalar: no launch and no
    device allocation for a 0-d value.
    """
    outputs = [nodes[-1].outputs[0]] if outputs is None else outputs
    shape = nodes[-1].outputs[0].type.shape
    names = ck.index_names(len(shape))
    loops = [_loop_dtypes(node) for node in nodes]
    external = {v for node in nodes for v in node.inputs} - {n.outputs[0] for n in nodes}
    on_host = (all(gen.vals[v].kind != "device" for v in external)
               and all(_host_safe(n, loop) for n, loop in zip(nodes, loops)))
    params = _Params(gen)
    prefix = gen.namer.scratch("_g") + "_" if on_host else ""

    def read(v: Value) -> str:
        if not on_host:
            return params.read(v, ck.broadcast_indices(v.type.shape, names))
        return f"{ck.ctor(ck.compute(v.type.dtype))}({gen.vals[v].name})"

    body, inside = _elementwise_lines(gen, params, nodes, loops, read, prefix)
    comment = _ops_comment(nodes)
    if on_host:
        gen.out.lines(body)
        for out in outputs:
            name = gen.define(out, "host")
            gen.out.line(f"{name} = {ck.store(inside[out], out.type.dtype)}",
                         f"{comment} {out.type} (host)")
        return
    for k, out in enumerate(outputs):
        gen.allocate(out, f"{comment} {out.type}" if k == 0 else str(out.type))
        target = params.output(out)
        body.append(f"{ck.index_text(target, names if shape else [])} = "
                    f"{ck.store(inside[out], out.type.dtype)}")
    gen.map_launch(params, shape, body, _label(nodes))


def _elementwise_lines(gen: _Generator, params: _Params, nodes: list[Node],
                       loops: list[list[np.dtype]], read: Callable[[Value], str],
                       prefix: str = "", bound: dict[Value, str] | None = None,
                       ) -> tuple[list[str], dict[Value, str]]:
    """The lines computing `nodes` in order, a scalar temporary each, and {value: its
    register text}. Values in `bound` are in registers already (a fused product's
    element); other inputs are read once each with `read(v)`."""
    inside: dict[Value, str] = dict(bound or {})
    reads: dict[Value, str] = {}
    body: list[str] = []
    counter = [0]
    for k, (node, loop) in enumerate(zip(nodes, loops)):
        args = []
        for v, dtype in zip(node.inputs, loop):
            if v in inside:
                args.append(ck.convert(inside[v], v.type.dtype, dtype))
            elif gen.vals[v].kind == "literal":
                args.append(params.read_as(v, (), dtype))
            else:
                if v not in reads:
                    reads[v] = f"{prefix}x{len(reads)}"
                    body.append(f"{reads[v]} = {read(v)}")
                args.append(ck.convert(reads[v], v.type.dtype, dtype))
        dtype = node.outputs[0].type.dtype
        scalar = ck.Scalar(args, loop, dtype, node.attrs, counter=counter, prefix=prefix)
        formula = ck.SCALAR[node.op](scalar)
        body += scalar.pre
        # a bare name is an operand or a statement's result: already of the op's dtype
        text = formula if formula.isidentifier() or node.op is Op.CAST else ck.wrap(formula,
                                                                                    dtype)
        temp = f"{prefix}e{k}"
        body.append(f"{temp} = {text}")
        inside[node.outputs[0]] = temp
    return body, inside


def _ops_comment(nodes: list[Node]) -> str:
    ops_text = [n.op.printed_name for n in nodes]
    return " ".join(ops_text if len(ops_text) <= 4 else
                    ops_text[:2] + ["...", ops_text[-1], f"({len(ops_text)} ops)"])


def _emit_constant(gen: _Generator, node: Node) -> None:
    value = node.attrs["value"]
    out = node.outputs[0]
    if out.type.shape == ():
        gen.vals[out] = _Val("literal", None, np.asarray(value)[()] if isinstance(
            value, (np.ndarray, np.generic)) else value)
        return
    k = gen._add_constant(np.asarray(value, out.type.dtype))
    name = gen.define(out)
    gen.out.line(f"{name} = _consts[{k}]", f"constant {out.type}")


def _emit_reduction(gen: _Generator, node: Node) -> None:
    op = node.op
    (x,) = node.inputs
    out = node.outputs[0]
    x_shape = x.type.shape
    if op in (Op.ARGMAX, Op.ARGMIN):
        axis = node.attrs.get("axis")
        axes = tuple(range(len(x_shape))) if axis is None else (axis % len(x_shape),)
    else:
        axes = tuple(node.attrs["axes"])
    arg = op in (Op.ARGMAX, Op.ARGMIN)
    in_dtype = x.type.dtype
    plan = ck.plan_reduction(x_shape, axes, gen.target.block, gen.target.partials)
    fold = None if arg else ck.reducer(op, in_dtype, out.type.dtype, plan.extent)
    acc = ck.compute(in_dtype) if arg else fold.acc
    identity = ck.arg_identity(op, in_dtype) if arg else fold.identity
    kept_shape = tuple(d for a, d in enumerate(x_shape) if a not in axes)
    red_shape = tuple(x_shape[a] for a in axes)
    kept, reduced, x_index = ck.reduction_index(x_shape, axes)
    out_names = [f"o{k}" for k in range(out.type.ndim)]
    gen.allocate(out, f"{op} {out.type}")
    if plan.outputs == 0:
        return

    def value_text(params: _Params) -> str:
        return params.read_as(x, x_index, acc) if not arg else ck.convert(
            params.read(x, x_index), in_dtype, acc)

    def final_store(params: _Params, m: str, source: str, source_k: str) -> list[str]:
        target = params.output(out)
        result = source_k if arg else ck.store(fold.final(source), out.type.dtype)
        return ck.unflatten(m, out.type.shape, out_names) + [
            f"{ck.index_text(target, out_names)} = {result}"]

    start = [f"acc = {identity}"] + ([f"acck = {plan.extent}"] if arg else [])
    label = op.printed_name
    if plan.style == "serial":
        params = _Params(gen)
        loop = ck.unflatten("k", red_shape, reduced) + ck.fold_lines(
            op, in_dtype, fold, value_text(params), "k")
        body = ck.unflatten("m", kept_shape, kept) + start
        body += [f"for k in range({plan.extent}):"] + ["    " + line for line in loop]
        body += final_store(params, "m", "acc", "acck")
        kernel = ck.Kernel(tuple(params_list(params)),
                           (f"for m in range(cuda.grid(1), {plan.outputs}, cuda.gridsize(1)):",)
                           + tuple("    " + line for line in body), label)
        gen.launch(kernel, params, f"rt.grid({plan.outputs})")
        return

    block = gen.target.block
    split = plan.style == "split"
    P = plan.partials
    params = _Params(gen)
    value = value_text(params)
    body = ck.shared_lines(block, acc, arg)
    if split:
        body += [f"m = cuda.blockIdx.x // {P}", f"p = cuda.blockIdx.x % {P}"]
        first, stride = f"p * {block} + tid", P * block
    else:
        body += ["m = cuda.blockIdx.x"]
        first, stride = "tid", block
    body += ck.unflatten("m", kept_shape, kept) + start
    body += [f"for k in range({first}, {plan.extent}, {stride}):"]
    body += ["    " + line for line in ck.unflatten("k", red_shape, reduced)
             + ck.fold_lines(op, in_dtype, fold, value, "k")]
    body += ["sv[tid] = acc"] + (["si[tid] = acck"] if arg else [])
    body += ck.tree_lines(block, ck.tree_step(op, in_dtype, fold))
    if split:
        pv = gen.scratch_buffer(plan.outputs * P, acc, "partials")
        tail = [f"{params.buffer(pv, acc)}[cuda.blockIdx.x] = sv[0]"]
        if arg:
            pi = gen.scratch_buffer(plan.outputs * P, np.int64)
            tail.append(f"{params.buffer(pi, np.int64)}[cuda.blockIdx.x] = si[0]")
    else:
        tail = final_store(params, "m", "sv[0]", "si[0]")
    body += ["if tid == 0:"] + ["    " + line for line in tail]
    grid = plan.outputs * (P if split else 1)
    gen.launch(ck.Kernel(tuple(params_list(params)), tuple(body), label), params,
               f"{grid}, {block}")
    if not split:
        return
    # second pass: one block per output folds that output's partials
    params = _Params(gen)
    vals = params.buffer(pv, acc)
    body = ck.shared_lines(block, acc, arg) + ["m = cuda.blockIdx.x"] + start
    body += [f"for q in range(tid, {P}, {block}):"]
    if arg:
        idx = params.buffer(pi, np.int64)
        body += ["    " + line for line in ck.fold_lines(
            op, in_dtype, None, f"{vals}[m * {P} + q]", f"{idx}[m * {P} + q]")]
    else:
        body += [f"    acc = {fold.combine('acc', f'{vals}[m * {P} + q]')}"]
    body += ["sv[tid] = acc"] + (["si[tid] = acck"] if arg else [])
    body += ck.tree_lines(block, ck.tree_step(op, in_dtype, fold))
    body += ["if tid == 0:"] + ["    " + line for line in final_store(params, "m", "sv[0]",
                                                                       "si[0]")]
    gen.launch(ck.Kernel(tuple(params_list(params)), tuple(body), label + "_final"), params,
               f"{plan.outputs}, {block}")
    gen.give_back([pv, pi] if arg else [pv])


def _contraction_shapes(node: Node):
    """(batch, rows, cols, depth, read_a, read_b, write) index builders for matmul/dot."""
    a, b = node.inputs
    A, B = a.type.shape, b.type.shape
    if node.op is Op.MATMUL:
        a1, b1 = len(A) == 1, len(B) == 1
        rows = 1 if a1 else A[-2]
        cols = 1 if b1 else B[-1]
        depth = A[-1]
        a_batch = () if a1 else A[:-2]
        b_batch = () if b1 else B[:-2]
        batch = tuple(np.broadcast_shapes(a_batch, b_batch))

        def read_a(zs, i, k):
            return ck.broadcast_indices(a_batch, zs) + ([k] if a1 else [i, k])

        def read_b(zs, k, j):
            return ck.broadcast_indices(b_batch, zs) + ([k] if b1 else [k, j])

        def write(zs, i, j):
            return list(zs) + ([] if a1 else [i]) + ([] if b1 else [j])
        return batch, rows, cols, depth, read_a, read_b, write, []
    # dot: a (..., K) with b (K,) or (..., K, N); a's leading dims are flattened to rows
    lead = A[:-1]
    rows = math.prod(lead)
    depth = A[-1]
    b1 = len(B) == 1
    batch = () if b1 else B[:-2]
    cols = 1 if b1 else B[-1]
    lead_names = [f"q{k}" for k in range(len(lead))]

    def read_a(zs, i, k):
        return lead_names + [k]

    def read_b(zs, k, j):
        return [k] if b1 else list(zs) + [k, j]

    def write(zs, i, j):
        return lead_names + list(zs) + ([] if b1 else [j])
    return batch, rows, cols, depth, read_a, read_b, write, lead


def _blas_candidate(node: Node) -> bool:
    """Whether `node` is a product the driver may hand to cuBLAS (`rt.gemm`): a 2-D float
    matmul of one dtype, large enough to pay for the hand-over (when CuPy is there)."""
    if node.op is not Op.MATMUL:
        return False
    a, b = node.inputs
    dtype = node.outputs[0].type.dtype
    if not (a.type.ndim == 2 and b.type.ndim == 2 and dtype in (ck.F32, ck.F64)
            and a.type.dtype == dtype and b.type.dtype == dtype):
        return False
    (m, k), n = a.type.shape, b.type.shape[1]
    return 2 * m * n * k >= rt.GEMM_MIN_FLOPS


def _product_store(gen: _Generator, params: _Params, node: Node, stored: Value,
                   epilogue: list[Node] | None, index_out) -> Callable:
    """store(zs, i, j, value) -> the lines storing a product's element (i, j), given its
    value in registers: directly, or through the fused elementwise `epilogue` whose root
    value `stored` is what the kernel writes."""
    product = node.outputs[0]
    loops = [_loop_dtypes(n) for n in epilogue or ()]

    def store(zs, i, j, value) -> list[str]:
        names = index_out(zs, i, j)
        target = ck.index_text(params.output(stored), names)
        if not epilogue:
            return [f"{target} = {ck.store(value, stored.type.dtype)}"]

        def read(v: Value) -> str:
            return params.read(v, ck.broadcast_indices(v.type.shape, names))
        lines, inside = _elementwise_lines(gen, params, epilogue, loops, read,
                                           bound={product: value})
        return lines + [f"{target} = {ck.store(inside[stored], stored.type.dtype)}"]
    return store


def _emit_contraction(gen: _Generator, node: Node, epilogue: list[Node] | None = None) -> None:
    """matmul or dot; with `epilogue`, an elementwise group that consumes the product
    element by element (`cuda_fusion.plan_epilogues`), computed in the same kernel.

    float32 matmul uses `cuda_gemm`'s kernels: the skinny one for a few columns, else the
    register-blocked one; everything else the general tiled kernel of `cuda_kernels`."""
    a, b = node.inputs
    out = node.outputs[0]
    if node.op is Op.DOT and (a.type.ndim == 0 or b.type.ndim == 0):
        return _emit_scaled(gen, node)
    dtype = out.type.dtype  # matmul and dot compute in their result dtype
    batch, rows, cols, depth, index_a, index_b, index_out, lead = _contraction_shapes(node)
    stored = epilogue[-1].outputs[0] if epilogue else out
    comment = f"{node.op} {a.type} {b.type}"
    name = gen.allocate(stored, comment + (f", then {_ops_comment(epilogue)} {stored.type}"
                                           if epilogue else ""))
    if out.type.size == 0:
        return
    params = _Params(gen)
    target = gen.target
    store = _product_store(gen, params, node, stored, epilogue, index_out)

    def read_a(zs, i, k):
        return params.read_as(a, index_a(zs, i, k), dtype)

    def read_b(zs, k, j):
        return params.read_as(b, index_b(zs, k, j), dtype)
    fast = target.fast_matmul and node.op is Op.MATMUL and dtype == ck.F32
    if fast and cols <= target.skinny_cols:
        body = cuda_gemm.skinny_body(
            lanes=target.skinny_lanes, rows_per_block=target.skinny_rows, batch=batch,
            rows=rows, cols=cols, depth=depth, read_a=read_a, read_b=read_b, store=store)
        (gx, gy), (tx, ty) = cuda_gemm.skinny_grid(target.skinny_lanes, target.skinny_rows,
                                                   batch, rows)
        config, label = f"({gx}, {gy}), ({tx}, {ty})", "matmul_skinny"
    elif fast:
        tile = cuda_gemm.choose_tile([cuda_gemm.Tile(*t) for t in target.gemm_tiles],
                                     target.gemm_min_blocks, batch, rows, cols)
        body = cuda_gemm.tiled_body(tile=tile, batch=batch, rows=rows, cols=cols, depth=depth,
                                    read_a=read_a, read_b=read_b, store=store)
        (gx, gy, gz), (tx, ty) = cuda_gemm.tiled_grid(tile, batch, rows, cols)
        config, label = f"({gx}, {gy}, {gz}), ({tx}, {ty})", "matmul_tiled"
    else:
        row_lines = []
        if lead:  # dot: the row is a flat index over a's leading dims (clamped past the end)
            row_lines = [f"ir = i if i < {rows} else 0"] + ck.unflatten(
                "ir", lead, [f"q{k}" for k in range(len(lead))])
        body = ck.contraction_body(
            tile=target.tile, batch=batch, rows=rows, cols=cols, depth=depth, loop=dtype,
            out=dtype, read_a=read_a, read_b=read_b, store=store, row_lines=row_lines)
        (gx, gy, gz), (tx, ty) = ck.contraction_grid(target.tile, batch, rows, cols)
        config, label = f"({gx}, {gy}, {gz}), ({tx}, {ty})", node.op.printed_name
    if epilogue:
        label += "_" + _label(epilogue)
    kernel = ck.Kernel(tuple(params_list(params)), tuple(body), label)
    blas = (not epilogue and _blas_candidate(node)
            and gen.vals[a].kind == "device" and gen.vals[b].kind == "device")
    if blas:
        with gen.out.block(f"if not rt.gemm({gen.vals[a].name}, {gen.vals[b].name}, {name})",
                           "cuBLAS through CuPy when present"):
            gen.launch(kernel, params, config)
    else:
        gen.launch(kernel, params, config)


def _emit_scaled(gen: _Generator, node: Node) -> None:
    """np.dot with a 0-d operand is a broadcast multiply in dot's result dtype."""
    a, b = node.inputs
    out = node.outputs[0]
    dtype = out.type.dtype
    shape = out.type.shape
    names = ck.index_names(len(shape))
    params = _Params(gen)
    x = params.read_as(a, ck.broadcast_indices(a.type.shape, names), dtype)
    y = params.read_as(b, ck.broadcast_indices(b.type.shape, names), dtype)
    product = f"({x} and {y})" if dtype == ck.BOOL else ck.wrap(f"{x} * {y}", dtype)
    gen.allocate(out, f"dot {a.type} {b.type}")
    target = params.output(out)
    body = [f"{ck.index_text(target, names if shape else [])} = {ck.store(product, dtype)}"]
    gen.map_launch(params, shape, body, "dot")


def _emit_gather(gen: _Generator, node: Node, x_index: Callable[[list[str]], tuple[list[str],
                                                                                   list[str]]],
                 label: str) -> None:
    """out[i...] = x[x_index(i...)] over out's shape: reshape, transpose, broadcast, index."""
    x = node.inputs[0]
    out = node.outputs[0]
    shape = out.type.shape
    names = ck.index_names(len(shape))
    params = _Params(gen)
    lines, idx = x_index(names, params)
    value = params.read(x, idx)
    gen.allocate(out, f"{node.op} {x.type} -> {out.type}")
    target = params.output(out)
    body = lines + [f"{ck.index_text(target, names if shape else [])} = "
                    f"{ck.store(value, out.type.dtype)}"]
    gen.map_launch(params, shape, body, label)


def _emit_reshape(gen: _Generator, node: Node) -> None:
    x = node.inputs[0]

    def x_index(names, params):
        js = [f"j{k}" for k in range(x.type.ndim)]
        return ck.unflatten("t", x.type.shape, js), js
    _emit_gather(gen, node, x_index, "reshape")


def _emit_transpose(gen: _Generator, node: Node) -> None:
    perm = tuple(node.attrs["perm"])

    def x_index(names, params):
        idx = [""] * len(perm)
        for k, p in enumerate(perm):
            idx[p] = names[k]
        return [], idx
    _emit_gather(gen, node, x_index, "transpose")


def _emit_broadcast_to(gen: _Generator, node: Node) -> None:
    x = node.inputs[0]
    _emit_gather(gen, node, lambda names, params: ([], ck.broadcast_indices(x.type.shape, names)),
                 "broadcast_to")


def _dynamic_readers(gen: _Generator, node: Node, params: _Params, first: int):
    dynamic = node.inputs[first:]

    def read_dyn(n: int) -> str:
        return params.read(dynamic[n], [])

    def read_array(n: int, idx: list[str]) -> str:
        return params.read(dynamic[n], idx)
    shapes = {n: v.type.shape for n, v in enumerate(dynamic)}
    return read_dyn, read_array, shapes


def _emit_index(gen: _Generator, node: Node) -> None:
    x = node.inputs[0]
    entries = normalize_index(x.type.shape, node.attrs["index"])

    def x_index(names, params):
        read_dyn, read_array, shapes = _dynamic_readers(gen, node, params, 1)
        return ck.index_map(x.type.shape, entries, shapes, names, read_dyn, read_array)
    _emit_gather(gen, node, x_index, "index")


def _emit_copy(gen: _Generator, x: Value, name_value: Value) -> None:
    """name_value := a fresh device copy of x (same shape and dtype)."""
    shape = x.type.shape
    names = ck.index_names(len(shape))
    params = _Params(gen)
    value = params.read(x, names)
    gen.allocate(name_value, f"copy of {x.type}")
    target = params.output(name_value)
    body = [f"{ck.index_text(target, names if shape else [])} = "
            f"{ck.store(value, x.type.dtype)}"]
    gen.map_launch(params, shape, body, "copy")


def _emit_set_index(gen: _Generator, node: Node) -> None:
    """Functional `x[index] = value`: a copy of x, then a scatter over the indexed region."""
    x, value = node.inputs[:2]
    out = node.outputs[0]
    _emit_copy(gen, x, out)
    dynamic_types = [v.type for v in node.inputs[2:]]
    region = index_shape(x.type, node.attrs["index"], dynamic_types)
    entries = normalize_index(x.type.shape, node.attrs["index"])
    names = ck.index_names(len(region))
    params = _Params(gen)
    read_dyn, read_array, shapes = _dynamic_readers(gen, node, params, 2)
    lines, x_idx = ck.index_map(x.type.shape, entries, shapes, names, read_dyn, read_array)
    vshape = value.type.shape
    dropped = 0
    while len(vshape) - dropped > len(region) and vshape[dropped] == 1:
        dropped += 1
    v_idx = ["0"] * dropped + ck.broadcast_indices(vshape[dropped:], names)
    source = params.read_as(value, v_idx, x.type.dtype)
    target = params.output(out)
    body = lines + [f"{ck.index_text(target, x_idx if x.type.ndim else [])} = "
                    f"{ck.store(source, x.type.dtype)}"]
    gen.map_launch(params, region, body, "set_index")


def _emit_concatenate(gen: _Generator, node: Node) -> None:
    out = node.outputs[0]
    axis = node.attrs["axis"] % out.type.ndim
    gen.allocate(out, f"concatenate {out.type}")
    offset = 0
    for x in node.inputs:
        shape = x.type.shape
        names = ck.index_names(len(shape))
        params = _Params(gen)
        source = params.read_as(x, names, out.type.dtype)
        target = params.output(out)
        idx = list(names)
        if offset:
            idx[axis] = f"{names[axis]} + {offset}"
        body = [f"{ck.index_text(target, idx)} = {ck.store(source, out.type.dtype)}"]
        gen.map_launch(params, shape, body, "concatenate")
        offset += shape[axis]


def _emit_fill(gen: _Generator, node: Node, element: Callable[[list[str]], str]) -> None:
    out = node.outputs[0]
    shape = out.type.shape
    names = ck.index_names(len(shape))
    gen.allocate(out, f"{node.op} {out.type}")
    params = _Params(gen)
    target = params.output(out)
    body = [f"{ck.index_text(target, names if shape else [])} = "
            f"{ck.store(element(names), out.type.dtype)}"]
    gen.map_launch(params, shape, body, node.op.printed_name)


def _emit_full(gen: _Generator, node: Node) -> None:
    dtype = node.outputs[0].type.dtype
    _emit_fill(gen, node, lambda names: ck.literal(node.attrs["value"], dtype))


def _emit_arange(gen: _Generator, node: Node) -> None:
    dtype = node.outputs[0].type.dtype
    start, step = node.attrs["start"], node.attrs.get("step", 1)
    if all(isinstance(v, (int, np.integer)) for v in (start, step)) and dtype.kind in "iu":
        def element(names):
            return ck.wrap(f"{ck.literal(start, ck.I64)} + {ck.literal(step, ck.I64)} * "
                           f"{names[0]}", dtype)
    else:  # computed in float64 like NumPy's arange, then converted
        def element(names):
            value = f"{ck.literal(start, ck.F64)} + {ck.literal(step, ck.F64)} * {names[0]}"
            return ck.convert(f"np.float64({value})", ck.F64, dtype)
    _emit_fill(gen, node, element)


def _emit_eye(gen: _Generator, node: Node) -> None:
    dtype = node.outputs[0].type.dtype
    k = int(node.attrs.get("k", 0) or 0)
    one, zero = ck.literal(1, dtype), ck.literal(0, dtype)
    _emit_fill(gen, node, lambda names: f"({one} if {names[1]} - {names[0]} == {k} else {zero})")


def _emit_cond(gen: _Generator, node: Node) -> None:
    then, other = node.regions
    names = [gen.define(v) for v in node.outputs]
    with gen.out.block(f"if {gen.truth(node.inputs[0])}", "cond: a device->host read"):
        gen.region(then)
        gen.assign(names, then.results)
    with gen.out.block("else"):
        gen.region(other)
        gen.assign(names, other.results)


def _carried(gen: _Generator, node: Node, params: list[Value], inits: list[Value]) -> list[str]:
    """Names for loop-carried state (the node's outputs), initialised from `inits`."""
    names = [gen.define(out, preferred=p.hint) for out, p in zip(node.outputs, params)]
    gen.assign(names, inits)
    return names


def _back_edge(gen: _Generator, names: list[str], results: list[Value],
               params_per_region: list[list[Value]], first: str | None) -> None:
    """Assigns the next iteration's state; first gives the old state's buffers back to the
    pool where that is safe: the slot's new value is a buffer the body allocated (so from
    the second iteration on the old one is too), and the old value was only ever read by
    kernels (its parameters alias nothing: see `cuda_fusion.escaping`)."""
    counts = {v: results.count(v) for v in results}
    old = [name for k, (name, value) in enumerate(zip(names, results))
           if value in gen.allocated and counts[value] == 1
           and all(params[k] not in gen.escaping for params in params_per_region)]
    if old and first is not None:
        with gen.out.block(f"if not {first}"):
            gen.give_back(old)
        gen.out.line(f"{first} = False")
    gen.assign(names, results)


def _first_flag(gen: _Generator) -> str:
    flag = gen.namer.scratch("_first")
    gen.out.line(f"{flag} = True")
    return flag


def _emit_while(gen: _Generator, node: Node) -> None:
    cond, body = node.regions
    names = _carried(gen, node, body.params, node.inputs)
    first = _first_flag(gen)
    with gen.out.block("while True", "while: one device->host read per iteration"):
        for region in (cond, body):
            for p, name in zip(region.params, names):
                gen.namer.alias(p, name)
                gen.vals[p] = _Val("device", name)
        gen.region(cond)
        with gen.out.block(f"if not {gen.truth(cond.results[0])}"):
            gen.out.line("break")
        gen.region(body)
        _back_edge(gen, names, body.results, [cond.params, body.params], first)


def _emit_for(gen: _Generator, node: Node) -> None:
    (body,) = node.regions
    start, stop, step = (gen.host(v) for v in node.inputs[:3])
    names = _carried(gen, node, body.params[1:], node.inputs[3:])
    index = gen.define(body.params[0], "host", body.params[0].hint or "i")
    for p, name in zip(body.params[1:], names):
        gen.namer.alias(p, name)
        gen.vals[p] = _Val("device", name)
    first = _first_flag(gen)
    with gen.out.block(f"for {index} in range({start}, {stop}, {step})"):
        gen.region(body)
        _back_edge(gen, names, body.results, [body.params[1:]], first)


def _emit_print(gen: _Generator, node: Node) -> None:
    args, forms = [], []
    for v in node.inputs:
        info = gen.vals[v]
        t = v.type
        forms.append("w" if t.weak else ("s" if t.shape == () else "a"))
        if info.kind == "literal":
            value = np.asarray(info.value).astype(t.dtype)[()]
            args.append(repr(value.item()) if t.weak else f"np.{t.dtype.name}({value.item()!r})")
        else:
            args.append(info.name)
    template = tuple(node.attrs.get("template", ()))
    gen.out.line(f"rt.print_values({template!r}, {node.attrs.get('sep', ' ')!r}, "
                 f"{node.attrs.get('end', chr(10))!r}, {''.join(forms)!r}"
                 + "".join(f", {a}" for a in args) + ")", "print: device->host reads")


def _elementwise_row(gen: _Generator, node: Node) -> None:
    emit_elementwise(gen, [node], list(node.outputs))


# Every op has a row (tests/test_codegen_cuda_generate.py checks); elementwise ops share
# one kernel writer, which `_Generator.region` also calls for fused groups.
EMITTERS: dict[Op, Callable[[_Generator, Node], None]] = {
    **{op: _elementwise_row for op in ELEMENTWISE},
    **{op: _emit_reduction for op in REDUCTION},
    Op.CONSTANT: _emit_constant,
    Op.MATMUL: _emit_contraction,
    Op.DOT: _emit_contraction,
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
assert CONTROL_FLOW <= EMITTERS.keys()


# ---- public API -----------------------------------------------------------------------

def generate_program(graph: Graph, target: Target | None = None,
                     fuse: bool = True) -> GeneratedProgram:
    """The program for `graph` on `target` (the default device target when None)."""
    return _Generator(graph, target or rt.DEVICE_TARGET, fuse).program()


def generate(graph: Graph, target: Target | None = None, fuse: bool = True) -> str:
    """The program text for `graph`: kernels, helpers and the host driver."""
    return generate_program(graph, target, fuse).text


class CudaProgram:
    """A compiled graph: `program(*flat_args) -> tuple` of results (see the module doc)."""

    def __init__(self, graph: Graph, generated: GeneratedProgram, module, path: Path):
        self.graph = graph
        self.source = generated.text
        self.path = path
        self.module = module
        self.kernels = generated.kernels
        self._driver = getattr(module, generated.driver)
        self._kinds = generated.input_kinds
        self._in_types = [v.type for v in graph.inputs]
        self._out_types = [v.type for v in graph.outputs]
        self._names = list(graph.input_names)

    def __call__(self, *args) -> tuple:
        if len(args) != len(self._in_types):
            raise AutographError(f"graph {self.graph.name} takes {len(self._in_types)} "
                                 f"argument(s), got {len(args)}")
        prepared, on_device = rt.prepare_inputs(args, self._in_types, self._names, self._kinds)
        results = self._driver(*prepared)
        return rt.finish_outputs(results, self._out_types, on_device)

    def __repr__(self) -> str:
        return f"<CudaProgram {self.graph.name} at {self.path}>"


def compile_graph(graph: Graph, cache_dir=None, target: Target | None = None,
                  fuse: bool = True) -> CudaProgram:
    """Generates, writes, imports and wraps the CUDA program for `graph`.

    Raises AutographError("no CUDA device: ...") when neither a GPU nor the simulator is
    available. Kernels compile on their first launch (and are cached on disk after that).
    """
    rt.require_device()
    generated = generate_program(graph, target or rt.default_target(), fuse)
    folder = cache.default_cache_dir() if cache_dir is None else cache_dir
    module = cache.load_module(generated.text, folder)
    return CudaProgram(graph, generated, module, cache.program_path(generated.text, folder))


plan_fusion = cuda_fusion.plan_fusion

__all__ = ["EMITTERS", "ArgSpec", "CudaProgram", "GeneratedProgram", "Target", "compile_graph",
           "generate", "generate_program", "plan_fusion"]
