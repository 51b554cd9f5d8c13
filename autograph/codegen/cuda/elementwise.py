"""Elementwise ops on CUDA: one grid-stride kernel per group of nodes of one shape.

`cuda_fusion` groups elementwise nodes (a value with one consumer of its shape is
computed inside that consumer's kernel; consecutive trees over one shape share a
kernel), and `emit_elementwise` writes a group: each input read once into a register,
a scalar temporary per node (`scalars.SCALAR` gives each op's formula, in the
dtypes NumPy's loop uses: `cuda_text.loop_dtypes`), and a store per output.

`elementwise_lines` is the part a fused matmul epilogue shares (`cuda_contractions`):
the same lines, with the product's element already in a register.

A group whose inputs are all host scalars and constants (loop-index arithmetic) runs
on the host in the driver instead: no launch and no device allocation for a 0-d value;
`host_safe` says which formulas may, since Python's `math` raises where a device
returns inf or nan.
"""

from __future__ import annotations

from collections.abc import Callable

import numpy as np

from autograph.codegen.cuda import kernel_text as kt, scalars as ck
from autograph.codegen.cuda.text import kernel_label, loop_dtypes, ops_comment
from autograph.codegen.cuda.writer import CudaWriter, KernelParams
from autograph.ir.graph import Node, Value
from autograph.ir.ops import ELEMENTWISE, Op

# Elementwise ops kept off the host: their formulas are guarded to give NumPy's edge
# values everywhere (scalars._guarded), but on the host `math` computes float32 values in
# double precision, which rounds differently from the device's float32 functions.
MATH_OPS = frozenset({Op.EXP, Op.EXPM1, Op.LOG, Op.LOG1P, Op.LOG2, Op.LOG10, Op.SQRT, Op.SIN,
                      Op.COS, Op.TAN, Op.ARCSIN, Op.ARCCOS, Op.ARCTAN, Op.SINH, Op.COSH,
                      Op.TANH, Op.ARCTAN2, Op.HYPOT})


def host_safe(node: Node, loop: list[np.dtype]) -> bool:
    """Whether `node`'s formula computes on the host what the device would."""
    if node.op in MATH_OPS:
        return False
    return not (node.op in (Op.FLOORDIV, Op.MOD) and loop[0].kind == "f")


def emit_elementwise(gen: CudaWriter, nodes: list[Node],
                     outputs: list[Value] | None = None) -> None:
    """One kernel for a group of elementwise nodes of one shape, in order, with a scalar
    temporary per node; `outputs` (default: the last node's value) are stored.

    A group whose inputs are all host scalars and constants (loop-index arithmetic, say)
    runs on the host instead, in the driver, and yields a host scalar: no launch and no
    device allocation for a 0-d value.
    """
    outputs = [nodes[-1].outputs[0]] if outputs is None else outputs
    shape = nodes[-1].outputs[0].type.shape
    names = kt.index_names(len(shape))
    loops = [loop_dtypes(node) for node in nodes]
    external = {v for node in nodes for v in node.inputs} - {n.outputs[0] for n in nodes}
    on_host = (all(gen.vals[v].kind != "device" for v in external)
               and all(host_safe(n, loop) for n, loop in zip(nodes, loops)))
    params = KernelParams(gen)
    prefix = gen.namer.scratch("_g") + "_" if on_host else ""

    def read(v: Value) -> str:
        if not on_host:
            return params.read(v, kt.broadcast_indices(v.type.shape, names))
        return f"{ck.ctor(ck.compute(v.type.dtype))}({gen.vals[v].name})"

    body, inside = elementwise_lines(gen, params, nodes, loops, read, prefix)
    comment = ops_comment(nodes)
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
        body.append(f"{kt.index_text(target, names if shape else [])} = "
                    f"{ck.store(inside[out], out.type.dtype)}")
    gen.map_launch(params, shape, body, kernel_label(nodes))


def elementwise_lines(gen: CudaWriter, params: KernelParams, nodes: list[Node],
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


def emit_elementwise_node(gen: CudaWriter, node: Node) -> None:
    """The EMITTERS row of every elementwise op: a group of one node."""
    emit_elementwise(gen, [node], list(node.outputs))


ELEMENTWISE_ROWS = {op: emit_elementwise_node for op in ELEMENTWISE}
