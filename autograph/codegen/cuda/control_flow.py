"""Control flow on CUDA: COND, WHILE and FOR run on the host, around kernel launches.

Each region op becomes the Python statement it is (`if`, `while True: ... break`,
`for i in range(...)`) in the driver, and its regions are written in place
(`CudaWriter.region`). Deciding a branch or ending a `while` needs the 0-d condition on
the host (`CudaWriter.truth`: a device->host read that waits for queued kernels); a
`for` index is a host scalar, passed to kernels by value.

Loop-carried values are names assigned at the back edge (`back_edge`). The previous
iteration's buffers go back to the pool from the second iteration on, where that is
safe: the slot's new value is a buffer the body allocated, and the old value was only
read by kernels (`first_flag` marks the first iteration, whose values came from outside).
"""

from __future__ import annotations

from autograph.codegen.cuda.writer import CudaWriter, Place
from autograph.ir.graph import Node, Value


def emit_cond(gen: CudaWriter, node: Node) -> None:
    then, other = node.regions
    names = [gen.define(v) for v in node.outputs]
    with gen.out.block(f"if {gen.truth(node.inputs[0])}", "cond: a device->host read"):
        gen.region(then)
        gen.assign(names, then.results)
    with gen.out.block("else"):
        gen.region(other)
        gen.assign(names, other.results)


def carried(gen: CudaWriter, node: Node, params: list[Value], inits: list[Value]) -> list[str]:
    """Names for loop-carried state (the node's outputs), initialised from `inits`."""
    names = [gen.define(out, preferred=p.hint) for out, p in zip(node.outputs, params)]
    gen.assign(names, inits)
    return names


def back_edge(gen: CudaWriter, names: list[str], results: list[Value],
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


def first_flag(gen: CudaWriter) -> str:
    flag = gen.namer.scratch("_first")
    gen.out.line(f"{flag} = True")
    return flag


def emit_while(gen: CudaWriter, node: Node) -> None:
    cond, body = node.regions
    names = carried(gen, node, body.params, node.inputs)
    first = first_flag(gen)
    with gen.out.block("while True", "while: one device->host read per iteration"):
        for region in (cond, body):
            for p, name in zip(region.params, names):
                gen.namer.alias(p, name)
                gen.vals[p] = Place("device", name)
        gen.region(cond)
        with gen.out.block(f"if not {gen.truth(cond.results[0])}"):
            gen.out.line("break")
        gen.region(body)
        back_edge(gen, names, body.results, [cond.params, body.params], first)


def emit_for(gen: CudaWriter, node: Node) -> None:
    (body,) = node.regions
    start, stop, step = (gen.host(v) for v in node.inputs[:3])
    names = carried(gen, node, body.params[1:], node.inputs[3:])
    index = gen.define(body.params[0], "host", body.params[0].hint or "i")
    for p, name in zip(body.params[1:], names):
        gen.namer.alias(p, name)
        gen.vals[p] = Place("device", name)
    first = first_flag(gen)
    with gen.out.block(f"for {index} in range({start}, {stop}, {step})"):
        gen.region(body)
        back_edge(gen, names, body.results, [body.params[1:]], first)
