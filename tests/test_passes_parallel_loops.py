"""passes/parallel_loops.py: integer ranges, and which FOR loops may run as prange.
Each loop that may is paired with one that must not: reads of the carried array, writes
not selected by the loop index, indices that may raise, non-constant bounds."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from autograph.ir import Builder, Op, TensorType
from autograph.passes import PASSES, parallel_loops, run_passes
from autograph.ir.analysis.dataflow import DataflowIndex
from autograph.ir.analysis.parallel import index_range, in_bounds, plan_parallel

I64 = np.dtype(np.int64)
IDX = TensorType((), I64)
F64 = np.dtype(np.float64)


def _const(b, v):
    return b.emit(Op.CONSTANT, [], value=v)


def test_docstring_example_and_registration():
    result = doctest.testmod(parallel_loops)
    assert result.attempted > 0 and result.failed == 0
    assert PASSES["parallel_loops"] is parallel_loops


def _index_loop(start, stop, step, derive):
    """A loop whose body derives a value from the index; returns (graph, value)."""
    b = Builder("f")
    x = b.add_input(TensorType((4,), F64), "x")
    i, acc = b.open_region([IDX, x.type], ["i", "acc"])
    value = derive(b, i)
    body = b.close_region([acc])
    b.emit(Op.FOR, [_const(b, start), _const(b, stop), _const(b, step), x], regions=[body])
    return b.finish([x]), value


@pytest.mark.parametrize("bounds, derive, want", [
    ((0, 10, 1), lambda b, i: i, (0, 9)),
    ((2, 11, 3), lambda b, i: i, (2, 8)),
    ((9, -1, -2), lambda b, i: i, (1, 9)),
    ((0, 10, 1), lambda b, i: b.emit(Op.SUB, [i, _const(b, 1)]), (-1, 8)),
    ((1, 10, 1), lambda b, i: b.emit(Op.ADD, [_const(b, 5), i]), (6, 14)),
    ((0, 10, 1), lambda b, i: b.emit(Op.CAST, [i], dtype=np.dtype(np.int32), weak=False),
     (0, 9)),
    ((0, 300, 1), lambda b, i: b.emit(Op.CAST, [i], dtype=np.dtype(np.int8), weak=False),
     None),  # does not fit: wraps
    ((0, 10, 1), lambda b, i: b.emit(Op.MUL, [i, _const(b, 2)]), None),
    ((5, 5, 1), lambda b, i: i, None),  # the body never runs
], ids=["index", "step", "down", "minus-one", "plus-five", "cast", "narrowing", "mul", "empty"])
def test_index_range(bounds, derive, want):
    g, value = _index_loop(*bounds, derive)
    assert index_range(value, DataflowIndex(g)) == want


def test_in_bounds_needs_the_whole_range_inside_the_axis():
    g, value = _index_loop(0, 10, 1, lambda b, i: i)
    index = DataflowIndex(g)
    assert in_bounds(value, 10, index) and not in_bounds(value, 9, index)
    g, value = _index_loop(-2, 3, 1, lambda b, i: i)
    assert not in_bounds(value, 10, DataflowIndex(g))  # negative: wraps around


def _grid(read_carried=False, index_by=("i", "j"), start=0, rows=64, stop_value=None,
          rows_in_graph=64, read_offset=None):
    """out[i, j] = i + j over rows x 8, the image carried through two loops."""
    b = Builder("grid")
    x = b.add_input(TensorType((rows_in_graph, 8), F64), "x")
    n = b.add_input(IDX, "n")
    i, outer = b.open_region([IDX, x.type], ["i", "outer"])
    j, inner = b.open_region([IDX, x.type], ["j", "inner"])
    names = {"i": i, "j": j}
    value = b.emit(Op.CAST, [b.emit(Op.ADD, [i, j])], dtype=F64, weak=False)
    if read_carried:
        value = b.emit(Op.ADD, [value, b.emit(Op.INDEX, [inner, j, i],
                                                 index=(("dyn", 1), ("dyn", 0)))])
    if read_offset is not None:  # x[i, j + offset]: a read of the (uncarried) input
        col = b.emit(Op.ADD, [j, _const(b, read_offset)])
        value = b.emit(Op.ADD, [value, b.emit(Op.INDEX, [x, i, col],
                                                 index=(("dyn", 0), ("dyn", 1)))])
    store = b.emit(Op.SET_INDEX, [inner, value] + [names[k] for k in index_by],
                   index=tuple(("dyn", k) for k in range(len(index_by))))
    inner_body = b.close_region([store])
    row = b.emit(Op.FOR, [_const(b, 0), _const(b, 8), _const(b, 1), outer],
                 regions=[inner_body])
    outer_body = b.close_region([row])
    stop = n if stop_value == "dynamic" else _const(b, rows)
    image = b.emit(Op.FOR, [_const(b, start), stop, _const(b, 1), x], regions=[outer_body])
    return b.finish([image])


def _parallel(g):
    loops = [n for n in g.walk() if n.op is Op.FOR]
    chosen = plan_parallel(g, threshold=100)  # 100 ns: the proof, not the cost model
    return [loop in chosen for loop in loops]


def test_independent_rows_are_parallel():
    assert _parallel(_grid()) == [True, False]  # the outer loop only


def test_reading_the_carried_array_keeps_the_loop_serial():
    assert _parallel(_grid(read_carried=True)) == [False, False]


def test_writes_not_selected_by_the_loop_index_keep_it_serial():
    # out[j, j] from every i: iterations write the same elements
    assert _parallel(_grid(index_by=("j", "j"))) == [False, False]


def test_a_possible_index_error_keeps_the_loop_serial():
    assert _parallel(_grid(read_offset=0)) == [True, False]  # x[i, j]: in bounds
    assert _parallel(_grid(read_offset=5)) == [False, False]  # x[i, j + 5] may raise
    # 64 rows of loop index into an image of 32 rows: neither disjoint nor in bounds
    assert _parallel(_grid(rows=64, rows_in_graph=32)) == [False, False]


def test_non_constant_or_negative_bounds_keep_the_loop_serial():
    assert _parallel(_grid(stop_value="dynamic")) == [False, False]
    assert _parallel(_grid(start=-1, rows=10)) == [False, False]


def test_the_pass_reports_and_leaves_the_graph_alone():
    g = _grid(rows=200_000, rows_in_graph=200_000)  # worth a parallel region
    after, report = run_passes(g, ["parallel_loops"], verify=True)
    assert str(after) == str(g)
    assert report.records[0].changes == ["1 for loop in parallel"]
