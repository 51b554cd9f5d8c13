"""The state of one CUDA program while it is written: `CudaWriter` and `KernelParams`.

Emitters (`cuda_elementwise`, `cuda_reductions`, `cuda_contractions`, ...) each write
the kernels and driver lines of one kind of op, and they all need the same shared
state: where each value lives in the driver (`vals`: a device array, a host scalar or a
literal, see `Place`), the names (`namer`), the driver's lines (`out`), the kernels
written so far (one per distinct text), the launch sites, the constants, and which
buffers go back to the pool after their last use. That state, and the operations every
emitter uses on it (move a value to the device or the host, allocate from the pool,
launch a kernel through a launch site of its own), is `CudaWriter`; `program()` then
assembles the module: imports, constants, kernels, launch sites and the driver.

`KernelParams` is the other half of writing one kernel: it maps driver values to the
kernel's parameters (`a0`, `a1`, ...), reading each once, in registers of its dtype.

The writer does not know the emitters: it is handed the op -> emitter table
(`numba_cuda.EMITTERS`) and the two emitters of fused items (an elementwise group; a
product with its epilogue), so emitter modules can import this one without a cycle.
"""

from __future__ import annotations

import dataclasses
import math
from collections.abc import Callable, Mapping

import numpy as np

from autograph.codegen.cuda import fusion as cuda_fusion, kernel_text as kt, scalars as ck
from autograph.codegen.cuda.analysis import fusable_product, item_nodes
from autograph.codegen.cuda.runtime import Target
from autograph.codegen.cuda.text import constant_lines, shape_text
from autograph.codegen.emitter import Emitter, Namer
from autograph.ir.graph import Graph, Node, Region, Value

# Names the program's module scope owns; values never get them.
RESERVED = ("cuda", "rt", "np", "math", "base64", "numba")


# ---- values in the driver ---------------------------------------------------------

@dataclasses.dataclass
class Place:
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


class KernelParams:
    """The parameters of one kernel being written: which driver value each one is."""

    def __init__(self, gen: CudaWriter):
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
        text = kt.index_text(p, list(indices) if t.ndim else [])
        return f"np.float32({text})" if t.dtype == ck.F16 else text

    def read_as(self, value: Value, indices, dtype: np.dtype) -> str:
        """`value` at `indices` converted to `dtype` (literals converted at generation)."""
        info = self.gen.vals[value]
        if info.kind == "literal":
            with np.errstate(all="ignore"):
                own = np.asarray(info.value).astype(value.type.dtype)
            return ck.literal(own, dtype)
        return ck.convert(self.read(value, indices), value.type.dtype, dtype)


def params_list(params: KernelParams) -> list[str]:
    """The kernel's parameter names, in order (its `def` line)."""
    return list(params.names.values())


# ---- the writer ------------------------------------------------------------------------

Emitters = Mapping[object, Callable[["CudaWriter", Node], None]]
GroupEmitter = Callable[["CudaWriter", list, list], None]        # (gen, nodes, outputs)
FusedProductEmitter = Callable[["CudaWriter", Node, list], None]  # (gen, product, epilogue)


class CudaWriter:
    """One program being written. `emitters` is the op table; `emit_group` writes a fused
    elementwise group, `emit_fused_product` a product with its epilogue."""

    def __init__(self, graph: Graph, target: Target, fuse: bool, emitters: Emitters,
                 emit_group: GroupEmitter, emit_fused_product: FusedProductEmitter):
        self.graph = graph
        self.target = target
        self.fuse = fuse
        self.emitters = emitters
        self.emit_group = emit_group
        self.emit_fused_product = emit_fused_product
        self.driver = graph.name if graph.name.isidentifier() and not graph.name.startswith(
            "_") else "main"
        self.namer = Namer(reserved=RESERVED + (self.driver,))
        self.out = Emitter()
        self.vals: dict[Value, Place] = {}
        self.kernels: dict[kt.Kernel, str] = {}
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
        self.vals[value] = Place(kind, name)
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
            self.scalar_constants[key] = self.add_constant(array)
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

    def add_constant(self, array: np.ndarray) -> int:
        """The index in `_consts` of a new program constant (copied to the device once)."""
        self.constants.append(np.ascontiguousarray(array))
        return len(self.constants) - 1

    def assign(self, names: list[str], values: list[Value]) -> None:
        if names:
            self.out.line(f"{', '.join(names)} = {', '.join(self.device(v) for v in values)}")

    # -- kernels ---------------------------------------------------------------------

    def kernel(self, kernel: kt.Kernel, specs) -> str:
        name = self.kernels.get(kernel)
        if name is None:
            name = f"_k{len(self.kernels)}_{kernel.label}"
            self.kernels[kernel] = name
            self.kernel_specs[name] = tuple(specs)
        return name

    def launch(self, kernel: kt.Kernel, params: KernelParams, config: str) -> None:
        """A launch of `kernel` through a launch site of its own (`rt.Launch`, see
        `cuda_launch`): `config` is "grid, block" text or "rt.grid(n)"."""
        name = self.kernel(kernel, params.specs)
        site = f"_L{len(self.sites)}"
        prefix = "rt.grid("
        grid = config[len(prefix):-1] if config.startswith(prefix) else f"({config})"
        self.sites.append(f"{site} = rt.Launch({name}, {grid})")
        self.out.line(f"{site}({', '.join(params.args)})", name)

    def map_launch(self, params: KernelParams, domain, body, label: str) -> None:
        """Launches a grid-stride kernel over `domain` (nothing for an empty domain)."""
        size = math.prod(domain)
        if size == 0:
            return
        self.launch(kt.map_kernel(params_list(params), domain, body, label), params,
                    f"rt.grid({size})")

    # -- buffers -----------------------------------------------------------------------

    def allocate(self, value: Value, comment: str | None = None) -> str:
        """A new device array for `value`, from the program's pool; a value that never
        escapes (see `cuda_fusion.escaping`) is given back after its last use."""
        name = self.define(value)
        t = value.type
        self.allocated.add(value)
        if value not in self.escaping:
            self.pooled.add(value)
        take = "take_result" if value in self.top_results else "take"
        self.out.line(f"{name} = _pool.{take}({shape_text(t.shape)}, np.{t.dtype.name})",
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

    # -- regions -----------------------------------------------------------------------

    def region(self, region: Region) -> None:
        """Writes `region`'s nodes in order, one kernel item at a time (`cuda_fusion`),
        giving buffers back to the pool after the item that reads them last."""
        items = cuda_fusion.kernel_items(region, self.fuse, self.fusable_product)
        used_outside = cuda_fusion.used_outside(region, items)
        position = {n: item_nodes(item)[-1] for item in items for n in item_nodes(item)}
        last = cuda_fusion.last_uses(region, position)
        dying: dict[Node, list[Value]] = {}
        for value, node in last.items():
            dying.setdefault(node, []).append(value)
        for item in items:
            nodes = item_nodes(item)
            for node in nodes:
                if getattr(self.emitters.get(node.op), "refuses", False):
                    self.emitters[node.op](self, node)  # "not on cuda" before any dtype check
                for v in node.outputs:
                    ck.check_dtype(v.type.dtype, str(node.op))
            if isinstance(item, list):
                self.emit_group(self, item, [n.outputs[0] for n in item
                                             if n.outputs[0] in used_outside])
            elif isinstance(item, cuda_fusion.Epilogue):
                self.emit_fused_product(self, item.product, item.nodes)
            else:
                self.emitters[item.op](self, item)
            self.give_back([self.vals[v].name for v in dying.get(nodes[-1], ())
                            if v in self.pooled])

    def fusable_product(self, node: Node) -> bool:
        """Whether an elementwise consumer may be fused into `node`'s kernel on this
        target (`cuda_analysis.fusable_product`)."""
        return fusable_product(self.target, node)

    # -- the program -----------------------------------------------------------------------

    def program(self) -> GeneratedProgram:
        """The whole module: header, constants, kernels, launch sites, then the driver."""
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
        constants = constant_lines(self.constants)
        if any("base64" in line for line in constants):
            lines.append("import base64")
        lines += ["import math", "", "import numpy as np", "from numba import cuda", "",
                  "from autograph.codegen.cuda import runtime as rt", ""]
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
