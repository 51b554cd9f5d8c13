"""passes/memory_planning.py: which item assignments may write in place, which loops
carry one buffer, which operands an elementwise result may take over. Each "in place"
case has a twin where the old value is still needed and the answer must be "copy"."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from autograph.ir import Builder, Op, TensorType
from autograph.passes import PASSES, memory_planning, run_passes
from autograph.ir.analysis.memory import MemoryPlan
from passes_support import assert_same_results, const

F64 = np.dtype(np.float64)
VEC = TensorType((4,), F64)
IDX = TensorType((), np.dtype(np.int64))
WEAK_IDX = TensorType((), np.dtype(np.int64), True)


def test_docstring_example():
    result = doctest.testmod(memory_planning)
    assert result.attempted > 0 and result.failed == 0


def test_registered_and_selectable_by_name_reporting_without_changing_the_graph():
    assert PASSES["memory_planning"] is memory_planning
    b = Builder("f")
    x = b.add_input(VEC, "x")
    y = b.emit(Op.SET_INDEX, [b.emit(Op.EXP, [x]), const(b, 0.0)], index=(("int", 1),))
    g = b.finish([y])
    after, report = run_passes(g, ["memory_planning"], verify=True)
    assert str(after) == str(g)  # no marks: the interpreter and exporter read attrs
    (record,) = report.records
    assert not record.changed and record.changes == ["1 set_index in place"]
    assert_same_results(g, after, np.arange(4.0))


def _set(b, x, value=0.0, k=1):
    return b.emit(Op.SET_INDEX, [x, const(b, value)], index=(("int", k),))


def _decisions(g):
    plan = MemoryPlan(g)
    return [plan.is_inplace(n) for n in g.walk() if n.op is Op.SET_INDEX]


def test_fresh_array_that_dies_is_written_in_place():
    b = Builder("f")
    x = b.add_input(VEC, "x")
    e = b.emit(Op.EXP, [x])
    s = b.emit(Op.SUM, [e], axes=(0,), keepdims=False)  # read before the assignment
    g = b.finish([_set(b, e), s])
    assert _decisions(g) == [True]


def test_old_value_read_afterwards_is_copied():
    b = Builder("f")
    x = b.add_input(VEC, "x")
    e = b.emit(Op.EXP, [x])
    y = _set(b, e)
    s = b.emit(Op.SUM, [e], axes=(0,), keepdims=False)  # reads the old e after the assignment
    g = b.finish([y, s])
    assert _decisions(g) == [False]


def test_old_value_returned_is_copied():
    b = Builder("f")
    e = b.emit(Op.EXP, [b.add_input(VEC, "x")])
    g = b.finish([_set(b, e), e])
    assert _decisions(g) == [False]


def test_graph_inputs_and_constants_are_never_written():
    b = Builder("f")
    x = b.add_input(VEC, "x")
    c = b.emit(Op.CONSTANT, [], value=np.arange(4.0))
    g = b.finish([_set(b, x), _set(b, c)])
    assert _decisions(g) == [False, False]


def test_a_view_of_the_old_value_keeps_it_alive():
    b = Builder("f")
    e = b.emit(Op.EXP, [b.add_input(VEC, "x")])
    view = b.emit(Op.INDEX, [e], index=(("slice", 1, None, None),))
    y = _set(b, e)
    g = b.finish([y, b.emit(Op.NEG, [view])])
    assert _decisions(g) == [False]


def test_a_fused_read_placed_after_the_assignment_keeps_the_old_value():
    """`a = e * 2` stands before the assignment but the code generator computes it inside
    `b = a + 1`'s loop, after it: the plan must see that read where it happens."""
    b = Builder("f")
    e = b.emit(Op.EXP, [b.add_input(VEC, "x")])
    a = b.emit(Op.MUL, [e, const(b, 2.0)])
    y = _set(b, e)
    g = b.finish([y, b.emit(Op.ADD, [a, const(b, 1.0)])])
    assert _decisions(g) == [False]


def test_the_assigned_value_may_not_read_the_target():
    b = Builder("f")
    e = b.emit(Op.EXP, [b.add_input(TensorType((4, 4), F64), "x")])
    g = b.finish([b.emit(Op.SET_INDEX, [e, e], index=())])
    assert _decisions(g) == [False]


def test_a_chain_of_assignments_is_in_place_after_the_first_copy():
    b = Builder("f")
    x = b.add_input(VEC, "x")
    g = b.finish([_set(b, _set(b, _set(b, x, 1.0, 0), 2.0, 1), 3.0, 2)])
    assert _decisions(g) == [False, True, True]


def _loop(init_fresh: bool, read_param_after=False, yield_param_too=False, captured_init=False):
    """for i in range(4): acc[i] = 1 (acc the carried array)."""
    b = Builder("f")
    x = b.add_input(VEC, "x")
    init = b.emit(Op.EXP, [x]) if init_fresh else x
    params = [IDX, VEC, VEC] if yield_param_too else [IDX, VEC]
    i, acc, *_ = b.open_region(params, ["i", "acc", "other"][:len(params)])
    y = b.emit(Op.SET_INDEX, [acc, const(b, 1.0), i], index=(("dyn", 0),))
    results = [y]
    if read_param_after:
        results = [b.emit(Op.ADD, [y, b.emit(Op.SUM, [acc], axes=(0,), keepdims=False)])]
    if captured_init:
        results = [b.emit(Op.ADD, [y, init])]
    if yield_param_too:
        results.append(acc)
    body = b.close_region(results)
    inputs = [const(b, 0), const(b, 4), const(b, 1), init] + ([init] if yield_param_too else [])
    out = b.emit(Op.FOR, inputs, regions=[body])
    outs = list(out) if isinstance(out, tuple) else [out]
    return b.finish(outs), body


def test_a_loop_writing_its_carried_array_carries_one_buffer():
    g, body = _loop(init_fresh=True)
    plan = MemoryPlan(g)
    loop = next(n for n in g.walk() if n.op is Op.FOR)
    assert list(plan.chains(loop)) == [0]
    assert loop not in plan.entry_copies  # the fresh initial value dies at the loop
    assert _decisions(g) == [True]


def test_a_loop_starting_from_an_input_copies_it_once_on_entry():
    g, _ = _loop(init_fresh=False)
    plan = MemoryPlan(g)
    loop = next(n for n in g.walk() if n.op is Op.FOR)
    assert plan.entry_copies[loop] == {0}
    assert _decisions(g) == [True]


def test_a_loop_reading_its_array_after_the_write_copies_each_time():
    g, _ = _loop(init_fresh=True, read_param_after=True)
    plan = MemoryPlan(g)
    loop = next(n for n in g.walk() if n.op is Op.FOR)
    assert plan.chains(loop) == {}
    assert _decisions(g) == [False]


def test_a_loop_that_also_yields_the_old_array_copies():
    g, _ = _loop(init_fresh=True, yield_param_too=True)
    assert _decisions(g) == [False]


def test_an_initial_value_still_read_inside_the_loop_is_copied_on_entry():
    g, _ = _loop(init_fresh=True, captured_init=True)
    plan = MemoryPlan(g)
    loop = next(n for n in g.walk() if n.op is Op.FOR)
    # The body's result is a fresh sum, not the written array: no chain, and the write
    # into the parameter (which is the initial value on the first iteration) copies.
    assert plan.chains(loop) == {}
    assert _decisions(g) == [False]


def test_nested_loops_share_the_outer_buffer():
    b = Builder("f")
    x = b.add_input(TensorType((3, 4), F64), "x")
    i, outer = b.open_region([IDX, x.type], ["i", "outer"])
    j, inner = b.open_region([IDX, x.type], ["j", "inner"])
    y = b.emit(Op.SET_INDEX, [inner, const(b, 1.0), i, j], index=(("dyn", 0), ("dyn", 1)))
    inner_body = b.close_region([y])
    z = b.emit(Op.FOR, [const(b, 0), const(b, 4), const(b, 1), outer], regions=[inner_body])
    outer_body = b.close_region([z])
    out = b.emit(Op.FOR, [const(b, 0), const(b, 3), const(b, 1), x], regions=[outer_body])
    g = b.finish([out])
    plan = MemoryPlan(g)
    outer_loop, inner_loop = [n for n in g.walk() if n.op is Op.FOR]
    assert list(plan.chains(outer_loop)) == [0] and list(plan.chains(inner_loop)) == [0]
    assert plan.entry_copies == {outer_loop: {0}}  # the input, once
    assert _decisions(g) == [True]


def test_while_loop_chain():
    b = Builder("f")
    x = b.add_input(VEC, "x")
    e = b.emit(Op.EXP, [x])
    k, arr = b.open_region([WEAK_IDX, VEC], ["k", "arr"])
    cond = b.close_region([b.emit(Op.LT, [k, const(b, 4)])])
    k2, arr2 = b.open_region([WEAK_IDX, VEC], ["k", "arr"])
    y = b.emit(Op.SET_INDEX, [arr2, const(b, 0.0), k2], index=(("dyn", 0),))
    body = b.close_region([b.emit(Op.ADD, [k2, const(b, 1)]), y])
    _, out = b.emit(Op.WHILE, [const(b, 0), e], regions=[cond, body])
    g = b.finish([out])
    plan = MemoryPlan(g)
    loop = next(n for n in g.walk() if n.op is Op.WHILE)
    assert list(plan.chains(loop)) == [1] and loop not in plan.entry_copies
    assert _decisions(g) == [True]


def test_cond_results_are_not_owned():
    """A branch may yield an outer value; writing into a cond's result could change it."""
    b = Builder("f")
    x = b.add_input(VEC, "x")
    p = b.add_input(TensorType((), np.dtype(np.bool_)), "p")
    e = b.emit(Op.EXP, [x])
    b.open_region([])
    then = b.close_region([e])
    b.open_region([])
    other = b.close_region([b.emit(Op.NEG, [x])])
    c = b.emit(Op.COND, [p], regions=[then, other])
    g = b.finish([_set(b, c), e])
    assert _decisions(g) == [False]


@pytest.mark.parametrize("late_reader", [False, True])
def test_reusable_operand(late_reader):
    b = Builder("f")
    x = b.add_input(TensorType((2, 3), F64), "x")
    w = b.add_input(TensorType((3, 3), F64), "w")
    m = b.emit(Op.MATMUL, [x, w])
    t = b.emit(Op.TANH, [m])
    outs = [t, b.emit(Op.SUM, [m], axes=(0, 1), keepdims=False)] if late_reader else [t]
    g = b.finish(outs)
    plan = MemoryPlan(g)
    tanh = t.producer
    assert plan.reusable(m, tanh) is (not late_reader)
    assert not plan.reusable(x, tanh)  # an input: not ours
