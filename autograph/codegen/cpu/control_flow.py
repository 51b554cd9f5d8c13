"""Staged control flow on the CPU: COND, WHILE and FOR regions as Python's own.

`cond` is `if`/`else` assigning the outputs in both branches (a result computed in
a branch is written straight into the output's variable), `while` is `while True:` +
the cond region + `break`, `for` is `for i in range(...)` (`numba.prange` for loops
`ir/analysis/parallel.py` proves independent). Loop-carried state is one variable per
carried value, assigned simultaneously (values may swap); regions read outer values by
name, Python's own scoping. With memory planning, a loop carries one buffer that its
body writes in place, copied once on entry when it was not the program's to write.
"""

from __future__ import annotations

from typing import Sequence

from autograph.codegen.cpu.analysis import is_scalar_constant
from autograph.codegen.cpu.text import INT64, atom, strip
from autograph.codegen.cpu.writer import ProgramWriter
from autograph.ir.graph import Node, Region, Value


def _assign(p: ProgramWriter, targets: Sequence[str], values: Sequence[Value]) -> None:
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


def emit_cond(p: ProgramWriter, node: Node) -> None:
    then, orelse = node.regions
    names = [p.name(v) for v in node.outputs]
    for region in (then, orelse):
        # A result computed in the branch is written straight into the output variable.
        produced = {v for n in region.nodes for v in n.outputs}
        for name, v in zip(names, region.results):
            if v in produced and not is_scalar_constant(v):
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


def emit_while(p: ProgramWriter, node: Node) -> None:
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


def emit_for(p: ProgramWriter, node: Node) -> None:
    (body,) = node.regions
    names = _carried_names(p, node, node.inputs[3:])
    for param, name in zip(body.params[1:], names):
        p.namer.alias(param, name)
    bounds = [strip(p.read(v, [], (), INT64)) for v in node.inputs[:3]]
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


def _carried_names(p: ProgramWriter, node: Node, inits: Sequence[Value]) -> list[str]:
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


def _carry_readonly(p: ProgramWriter, node: Node, body: Region) -> None:
    carried = node.inputs[len(node.inputs) - len(node.outputs):]
    chains = p.plan.chains(node) if p.options.inplace and p.plan is not None else {}
    for k, (out, init, res) in enumerate(zip(node.outputs, carried, body.results)):
        if k not in chains and (init in p.readonly or res in p.readonly):
            p.readonly.add(out)
