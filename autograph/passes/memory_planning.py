"""The pass `memory_planning`: reports the memory plan (`ir/analysis/memory.py`) of the
final graph in the pass report, and changes nothing.

The decisions themselves (which item assignments write in place, which loops carry one
buffer, which results reuse a dead operand's buffer) are an analysis both this pass and
the code generator read; the generator recomputes them on the graph it is given.

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((4,), np.float64), "x")
>>> i, acc = b.open_region([TensorType((), np.int64), x.type], ["i", "acc"])
>>> one = b.emit(Op.CONSTANT, [], value=1.0)
>>> body = b.close_region([b.emit(Op.SET_INDEX, [acc, one, i], index=(("dyn", 0),))])
>>> bounds = [b.emit(Op.CONSTANT, [], value=v) for v in (0, 4, 1)]
>>> g = b.finish([b.emit(Op.FOR, bounds + [x], regions=[body])])
>>> changes = Changes()
>>> run(g, changes), changes.lines()
(False, ['1 set_index in place', '1 loop carrying one buffer', '1 loop copying an initial value once on entry'])
"""

from __future__ import annotations

from autograph.ir.analysis.memory import LOOPS, MemoryPlan, plan
from autograph.ir.graph import Graph
from autograph.passes.report import Changes

NAME = "memory_planning"
REQUIRES: tuple[str, ...] = ()

__all__ = ["MemoryPlan", "NAME", "REQUIRES", "plan", "run"]


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Reports the plan in `changes` (see the module docstring); `graph` is unchanged,
    so this returns False."""
    changes = Changes() if changes is None else changes
    decisions = plan(graph)
    if decisions.inplace:
        changes.add("{n} set_index{s} in place", len(decisions.inplace))
    loops = [n for n in graph.walk() if n.op in LOOPS and decisions.chains(n)]
    if loops:
        changes.add("{n} loop{s} carrying one buffer", len(loops))
    if decisions.entry_copies:
        changes.add("{n} loop{s} copying an initial value once on entry",
                    len(decisions.entry_copies))
    return False
