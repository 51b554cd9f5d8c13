"""Which nodes the CUDA backend runs as one kernel, and when buffers die.

Graph analyses the CUDA code generator needs, kept apart from text writing: grouping
elementwise nodes into fused kernels (`plan_fusion`, `kernel_items`), fusing an
elementwise group into the matrix product it consumes (`plan_epilogues`: `x @ w + b`
then ReLU is one kernel), which values of a kernel are needed outside it, the last use of
each value in a region (when its buffer can go back to the pool), and which values may be
aliased by another name (never pooled). A graph-level fusion pass can replace
`kernel_items` without touching the emitters.
"""

from __future__ import annotations

import dataclasses
from typing import Callable

from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import ELEMENTWISE, Op


def plan_fusion(region: Region) -> dict[Node, list[Node]]:
    """Groups of elementwise nodes that run as one kernel: {root: [members..., root]}.

    A node joins the group of its consumer when its value has exactly one consumer (used
    any number of times), in this region, that is elementwise with the same shape, and the
    value is neither a region result nor used inside a nested region. Its computation then
    moves to the consumer's position, which is safe: values are immutable. Every
    elementwise node not fused into another is a root (possibly alone).
    """
    consumers: dict[Value, set[Node]] = {}
    pinned: set[Value] = set(region.results)
    for node in region.nodes:
        for v in node.inputs:
            consumers.setdefault(v, set()).add(node)
        for sub in node.regions:
            for inner in sub.walk():
                pinned.update(inner.inputs)
            pinned.update(sub.results)
    into: dict[Node, Node] = {}
    for node in region.nodes:
        if node.op not in ELEMENTWISE or len(node.outputs) != 1:
            continue
        value = node.outputs[0]
        users = consumers.get(value, set())
        if value in pinned or len(users) != 1:
            continue
        (user,) = users
        if user.op in ELEMENTWISE and user.outputs[0].type.shape == value.type.shape:
            into[node] = user
    groups: dict[Node, list[Node]] = {}
    for node in region.nodes:
        if node.op not in ELEMENTWISE:
            continue
        root = node
        while root in into:
            root = into[root]
        groups.setdefault(root, []).append(node)
    return groups


def escaping(graph: Graph) -> set[Value]:
    """Values another name may alias: results of any region (graph outputs, branch and
    loop-body results) and loop-carried initial values. Every other value a kernel
    writes is an intermediate that only its driver variable refers to, so its buffer can
    go back to the pool after its last use."""
    found = set(graph.outputs)
    for node in graph.walk():
        for region in node.regions:
            found.update(region.results)
        if node.op is Op.WHILE:
            found.update(node.inputs)
        elif node.op is Op.FOR:
            found.update(node.inputs[3:])
    return found


@dataclasses.dataclass
class Epilogue:
    """A product whose only consumer is an elementwise group of the product's shape:
    one kernel computes the product and, per output element, the group (`nodes`, in
    order, the last one the root whose value is stored)."""

    product: Node
    nodes: list[Node]


def plan_epilogues(region: Region, groups: dict[Node, list[Node]],
                   fusable: Callable[[Node], bool]) -> dict[Node, Epilogue]:
    """{group root: Epilogue} for each fused group that can take in a product.

    A product node (`fusable(node)` says which) joins when its value has exactly one
    consumer, an elementwise node of the same shape in `groups` (used any number of times),
    and is neither a region result nor used inside a nested region. The product then runs
    at the group's position: later than its own, which is safe (values are immutable).
    One product per group: the first (`a @ b + c @ d` fuses `a @ b`).
    """
    consumers: dict[Value, set[Node]] = {}
    pinned: set[Value] = set(region.results)
    for node in region.nodes:
        for v in node.inputs:
            consumers.setdefault(v, set()).add(node)
        for sub in node.regions:
            for inner in sub.walk():
                pinned.update(inner.inputs)
            pinned.update(sub.results)
    root_of = {m: root for root, members in groups.items() for m in members}
    found: dict[Node, Epilogue] = {}
    for node in region.nodes:
        if len(node.outputs) != 1 or not fusable(node):
            continue
        value = node.outputs[0]
        users = consumers.get(value, set())
        if value in pinned or len(users) != 1:
            continue
        (user,) = users
        root = root_of.get(user)
        if (root is None or root in found or user.op not in ELEMENTWISE
                or user.outputs[0].type.shape != value.type.shape):
            continue
        found[root] = Epilogue(node, list(groups[root]))
    return found


def kernel_items(region: Region, fuse: bool,
                 fusable: Callable[[Node], bool] | None = None) -> list:
    """What the region's code is made of, in order: a list of elementwise nodes for each
    fused kernel, an `Epilogue` for a product fused with its consumer, or a node for
    everything else.

    Fusion has three steps: `plan_fusion`'s single-use trees; products taken into the
    tree that consumes them (`plan_epilogues`, for products `fusable` accepts: none when
    it is None); then runs of consecutive trees with the same shape (nothing else in
    between) merged into one kernel with several outputs, so `c = a * a; d = b * b;
    e = c + d <= 4; ...` over one grid is one launch (a run's inputs are all defined
    before it starts, so this is always valid). Epilogues are never merged into runs.
    """
    if not fuse:
        return [[n] if n.op in ELEMENTWISE else n for n in region.nodes]
    groups = plan_fusion(region)
    epilogues = plan_epilogues(region, groups, fusable) if fusable else {}
    products = {e.product for e in epilogues.values()}
    members = {m for group in groups.values() for m in group[:-1]}
    # constants have no inputs: taking them first keeps them from splitting runs
    items: list = [n for n in region.nodes if n.op is Op.CONSTANT]
    for node in region.nodes:
        if node.op is Op.CONSTANT:
            continue
        if node in members or node in products:
            continue
        if node in epilogues:
            items.append(epilogues[node])
            continue
        if node not in groups:
            items.append(node)
            continue
        group = groups[node]
        previous = items[-1] if items else None
        if (isinstance(previous, list) and previous[-1].outputs[0].type.shape
                == node.outputs[0].type.shape):
            previous.extend(group)
        else:
            items.append(list(group))
    return items


def used_outside(region: Region, items: list) -> set[Value]:
    """Values of fused kernels that something outside their own kernel uses."""
    kernel_of = {n: id(item) for item in items if isinstance(item, list) for n in item}
    found = set(region.results)
    for node in region.nodes:
        for sub in node.regions:
            found.update(v for inner in sub.walk() for v in inner.inputs)
            found.update(sub.results)
        for v in node.inputs:
            producer = v.producer
            if producer is None or kernel_of.get(producer) != kernel_of.get(node):
                found.add(v)
    return found


def last_uses(region: Region, position: dict[Node, Node]) -> dict[Value, Node]:
    """For each value defined in `region`, the node after whose code (a fused kernel's
    last node for its members) nothing in the region uses it, nested regions included."""
    last: dict[Value, Node] = {}
    for node in region.nodes:
        at = position.get(node, node)
        for v in node.outputs:
            last[v] = at
        used = list(node.inputs)
        for sub in node.regions:
            used += [v for inner in sub.walk() for v in inner.inputs] + list(sub.results)
        for v in used:
            if v in last:
                last[v] = at
    return last
