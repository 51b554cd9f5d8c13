"""Small questions every pass asks of the IR: is this a constant, does this node have
side effects, how many ops does the graph hold.

They live here once so that each pass file holds only its own optimisation (Pythran keeps
its analyses apart from its transformations for the same reason).
"""

from __future__ import annotations

from typing import Iterator

import numpy as np

from autograph.ir.graph import Graph, Node, Region, Value
from autograph.ir.ops import CONTROL_FLOW, NONDETERMINISTIC, SIDE_EFFECT, Op


def constant_array(value: Value) -> np.ndarray | None:
    """The value of `value` as an array if a CONSTANT node produces it, else None."""
    producer = value.producer
    if producer is None or producer.op is not Op.CONSTANT:
        return None
    return np.asarray(producer.attrs["value"])


def operand(value: Value, array: np.ndarray):
    """What NumPy must see for a constant operand: a Python scalar when the value is weak,
    so NumPy promotes it weakly (NEP 50), exactly as the interpreter does."""
    return array.item() if value.type.weak else array


def is_constant_equal(value: Value, number) -> bool:
    """True if `value` is a constant every element of which equals `number`."""
    array = constant_array(value)
    if array is None or array.size == 0:
        return False
    with np.errstate(all="ignore"):
        return bool(np.all(array == number))


def has_side_effects(node: Node) -> bool:
    """A side-effect op, or a control-flow node with one somewhere inside its regions."""
    if node.op in SIDE_EFFECT:
        return True
    return any(has_side_effects(n) for r in node.regions for n in r.nodes)


def is_pure(node: Node) -> bool:
    """A node a pass may move, merge or fold: no side effects, no regions, and the same
    result on every call (a random draw is not: two draws are two nodes, one per call)."""
    return (node.op not in SIDE_EFFECT and node.op not in CONTROL_FLOW
            and node.op not in NONDETERMINISTIC and not node.regions)


def regions_postorder(region: Region) -> Iterator[Region]:
    """`region` and every nested region, innermost first (children before parents)."""
    for node in region.nodes:
        for sub in node.regions:
            yield from regions_postorder(sub)
    yield region


def count_ops(graph: Graph) -> int:
    """How many nodes the graph holds, nested regions included (what reports compare)."""
    return sum(1 for _ in graph.walk())


def renumber_outputs(node: Node) -> None:
    """Makes each output's recorded index its position again, after outputs were dropped."""
    for i, value in enumerate(node.outputs):
        value.index = i


def renumber_params(region: Region) -> None:
    """Makes each parameter's recorded index its position again, after params were dropped."""
    for i, value in enumerate(region.params):
        value.index = i
