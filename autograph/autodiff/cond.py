"""Differentiating `cond`: the backward is a cond on the same predicate.

    forward:   y, r_then, r_else = cond p { then: ...; yield y, r, 0 }
                                          { else: ...; yield y, 0, s }
    backward:  dx, dw = cond p { then: backward of then (uses r_then) }
                               { else: backward of else (uses r_else) }

Only the branch taken runs, forward and backward, so the gradient flows through that
branch. The backward of a branch needs values computed inside the forward branch (its
residuals), which are invisible outside it. They are found after the fact: whatever the
backward branch uses that the forward branch defines becomes an extra result of the
forward cond (the other branch yields zeros of the same type in that slot), and the
backward branch reads that result instead. The cotangents produced are those of the
values the cond captures from outside (`free_values`): its inputs in all but name.
"""

from __future__ import annotations

import dataclasses

from autograph.autodiff.emitter import Emitter, zeros, zeros_exact
from autograph.ir.graph import (Node, Region, Value, defined_values, free_values,
                                replace_all_uses)
from autograph.ir.ops import Op


@dataclasses.dataclass
class _Branch:
    region: Region      # the forward copy of the branch, inside the new cond
    env: object         # its value mapping (an Env)
    records: dict       # its control-flow records


@dataclasses.dataclass
class CondRecord:
    node: Node          # the forward cond in the new graph (gains residual outputs)
    branches: list[_Branch]


def forward(tr, em: Emitter, node: Node, env, effects: bool) -> CondRecord:
    branches = []
    for region in node.regions:
        sub = Emitter(origin=node.origin)
        inner = env.new_child()
        records = tr.forward(sub, region, inner, effects)
        sub.finish([inner[v] for v in region.results])
        branches.append(_Branch(sub.region, inner, records))
    new = em.emit_node(Op.COND, [env[node.inputs[0]]], regions=[b.region for b in branches],
                       origin=node.origin)
    env.update(zip(node.outputs, new.outputs))
    return CondRecord(new, branches)


def backward(tr, em: Emitter, node: Node, env, record: CondRecord, cts: dict) -> None:
    captured = [v for region in node.regions for v in free_values(region)]
    captured = [v for v in dict.fromkeys(captured) if tr.varied(v)]
    if not captured:
        return
    out_cts = [cts.get(v) for v in node.outputs]
    regions = []
    for index, (region, branch) in enumerate(zip(node.regions, record.branches)):
        sub = Emitter(origin=node.origin)
        branch_cts: dict[Value, Value] = {}
        tr.seed(sub, branch_cts, region.results, out_cts)
        tr.backward(sub, region, branch.env, branch.records, branch_cts)
        sub.finish([branch_cts.get(v) or zeros(sub, v.type) for v in captured])
        _export_residuals(record.node, index, sub.region)
        regions.append(sub.region)
    grads = em.emit_node(Op.COND, [env[node.inputs[0]]], regions=regions).outputs
    for value, ct in zip(captured, grads):
        tr.accumulate(em, cts, value, ct)


def _export_residuals(fwd: Node, index: int, backward: Region) -> None:
    """Makes every value of forward branch `index` that `backward` uses a cond output."""
    branch = fwd.regions[index]
    inside = defined_values(branch)
    for value in free_values(backward):
        if value not in inside:
            continue
        out = _existing_output(fwd, index, value)
        if out is None:
            for k, region in enumerate(fwd.regions):
                slot = value if k == index else zeros_exact(Emitter(region), value.type)
                region.results.append(slot)
            out = Value(value.type, fwd, len(fwd.outputs))
            fwd.outputs.append(out)
        replace_all_uses(value, out, backward)


def _existing_output(fwd: Node, index: int, value: Value) -> Value | None:
    """The cond output that equals `value` whenever branch `index` runs, if there is one."""
    for j, result in enumerate(fwd.regions[index].results):
        if result is value:
            return fwd.outputs[j]
    return None
