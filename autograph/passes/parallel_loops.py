"""The pass `parallel_loops`: reports which FOR loops the code generator runs with
`numba.prange` (the proof is `ir/analysis/parallel.py`), and changes nothing.

>>> import numpy as np
>>> from autograph.ir import Builder, Op, TensorType
>>> b = Builder("f")
>>> x = b.add_input(TensorType((10000, 1000), np.float64), "x")
>>> i, acc = b.open_region([TensorType((), np.int64), x.type], ["i", "acc"])
>>> j, row = b.open_region([TensorType((), np.int64), x.type], ["j", "row"])
>>> one = b.emit(Op.CONSTANT, [], value=1.0)
>>> inner = b.close_region([b.emit(Op.SET_INDEX, [row, one, i, j],
...                                index=(("dyn", 0), ("dyn", 1)))])
>>> bounds = [b.emit(Op.CONSTANT, [], value=v) for v in (0, 1000, 1)]
>>> body = b.close_region([b.emit(Op.FOR, bounds + [acc], regions=[inner])])
>>> bounds = [b.emit(Op.CONSTANT, [], value=v) for v in (0, 10000, 1)]
>>> g = b.finish([b.emit(Op.FOR, bounds + [x], regions=[body])])
>>> changes = Changes()
>>> run(g, changes), changes.lines()
(False, ['1 for loop in parallel'])
"""

from __future__ import annotations

from autograph.ir.analysis.parallel import (DEFAULT_THRESHOLD, in_bounds, index_range,
                                            plan_parallel)
from autograph.ir.graph import Graph
from autograph.passes.report import Changes

NAME = "parallel_loops"
REQUIRES: tuple[str, ...] = ()

__all__ = ["DEFAULT_THRESHOLD", "NAME", "REQUIRES", "in_bounds", "index_range",
           "plan_parallel", "run"]


def run(graph: Graph, changes: Changes | None = None) -> bool:
    """Reports the loops the code generator runs in parallel; `graph` is unchanged."""
    changes = Changes() if changes is None else changes
    changes.add("{n} for loop{s} in parallel", len(plan_parallel(graph)))
    return False
