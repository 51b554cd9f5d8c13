"""Constant folding around COND nodes (passes/constant_folding.py): outputs both branches
yield alike, threading a cond into the earlier cond that decides it, and repeated values
kept as FULL instead of big constants."""

from __future__ import annotations

import numpy as np

from autograph.ir import Builder, Op
from passes_support import B1, F32, F64, T, const, optimize


def _returning_if(b, x, then_flag, else_flag):
    """`c, r = cond (sum x > 0) {yield then_flag, exp x} {yield else_flag, zeros}`."""
    p = b.emit(Op.GT, [b.emit(Op.SUM, [x], axes=(0,), keepdims=False), const(b, 0)])
    b.open_region([])
    then = b.close_region([const(b, then_flag), b.emit(Op.EXP, [x])])
    b.open_region([])
    zeros = b.emit(Op.FULL, [], shape=x.type.shape, value=0, dtype=x.type.dtype)
    other = b.close_region([const(b, else_flag), zeros])
    return b.emit(Op.COND, [p], regions=[then, other])


def _if_not(b, flag, then_value, else_value):
    b.open_region([])
    then = b.close_region([then_value()])
    b.open_region([])
    other = b.close_region([else_value])
    return b.emit(Op.COND, [b.emit(Op.LOGICAL_NOT, [flag])], regions=[then, other])


def count(graph, op) -> int:
    return sum(1 for n in graph.walk() if n.op is op)


def test_a_cond_decided_by_an_earlier_one_is_threaded_into_it():
    b = Builder("f")
    x = b.add_input(T((5,), F32), "x")
    done, value = _returning_if(b, x, True, False)
    g = b.finish([_if_not(b, done, lambda: b.emit(Op.NEG, [x]), value)])
    assert count(g, Op.COND) == 2
    for sign in (1, -1):
        after, report = optimize(g, "constant_folding", "dce",
                                 args=(np.linspace(-1, 2, 5, dtype=F32) * sign,))
        assert count(after, Op.COND) == 1 and count(after, Op.FULL) == 0
        assert "threaded 1 cond into an earlier cond deciding it" in report.records[0].changes


def test_an_output_both_branches_yield_alike_is_folded():
    b = Builder("f")
    x = b.add_input(T((5,), F64), "x")
    done, value = _returning_if(b, x, True, True)  # both branches return
    g = b.finish([_if_not(b, done, lambda: b.emit(Op.NEG, [x]), value)])
    after, report = optimize(g, "constant_folding", "dce", args=(np.arange(5.0) - 2,))
    assert count(after, Op.COND) == 1  # the second one had a constant predicate
    changes = report.records[0].changes
    assert "folded 1 cond output equal in both branches" in changes
    assert "inlined 1 cond with a constant predicate" in changes


def test_not_threaded_when_the_moved_branch_reads_a_value_computed_in_between():
    b = Builder("f")
    x = b.add_input(T((5,), F64), "x")
    done, value = _returning_if(b, x, True, False)
    later = b.emit(Op.SIN, [x])  # between the two conds
    g = b.finish([_if_not(b, done, lambda: b.emit(Op.ADD, [later, x]), value)])
    after, _ = optimize(g, "constant_folding", "dce", args=(np.arange(5.0) - 1,))
    assert count(after, Op.COND) == 2


def test_not_threaded_across_a_print_when_the_moved_branch_prints():
    b = Builder("f")
    x = b.add_input(T((5,), F64), "x")
    done, value = _returning_if(b, x, True, False)
    b.emit(Op.PRINT, [x], template=("between", 0), sep=" ", end="\n")

    def then_value():
        y = b.emit(Op.NEG, [x])
        b.emit(Op.PRINT, [y], template=("moved", 0), sep=" ", end="\n")
        return y

    g = b.finish([_if_not(b, done, then_value, value)])
    for sign in (1, -1):
        after, _ = optimize(g, "constant_folding", "dce", args=(np.arange(5.0) * sign,))
        assert count(after, Op.COND) == 2


def test_threading_through_an_inner_cond_of_the_undecided_branch():
    # if s > 0: return exp(x)  elif s < -1: return -x  ;  return x + 1
    b = Builder("f")
    x = b.add_input(T((4,), F64), "x")
    s = b.emit(Op.SUM, [x], axes=(0,), keepdims=False)
    b.open_region([])
    then = b.close_region([const(b, True), b.emit(Op.EXP, [x])])
    b.open_region([])
    b.open_region([])
    inner_then = b.close_region([const(b, True), b.emit(Op.NEG, [x])])
    b.open_region([])
    zeros = b.emit(Op.FULL, [], shape=(4,), value=0, dtype=np.dtype(F64))
    inner_else = b.close_region([const(b, False), zeros])
    inner = b.emit(Op.COND, [b.emit(Op.LT, [s, const(b, -1)])],
                   regions=[inner_then, inner_else])
    other = b.close_region(list(inner))
    done, value = b.emit(Op.COND, [b.emit(Op.GT, [s, const(b, 0)])], regions=[then, other])
    g = b.finish([_if_not(b, done, lambda: b.emit(Op.ADD, [x, const(b, 1.0)]), value)])
    for start in (-3.0, -0.5, 1.0):
        after, _ = optimize(g, "constant_folding", "dce",
                            args=(np.linspace(start, start + 0.5, 4),))
        assert count(after, Op.COND) == 2 and count(after, Op.FULL) == 0


def test_a_repeated_value_stays_a_full_and_folds_as_one():
    b = Builder("f")
    big = b.emit(Op.FULL, [], shape=(1000,), value=0.5, dtype=np.dtype(F64))
    twice = b.emit(Op.ADD, [big, big])
    small = b.emit(Op.FULL, [], shape=(8,), value=1, dtype=np.dtype(F32))
    ramp = b.emit(Op.MUL, [b.emit(Op.ARANGE, [], start=0, stop=100, step=1, dtype=None),
                           const(b, 2)])
    signed = b.emit(Op.MUL, [b.emit(Op.FULL, [], shape=(100,), value=0.0,
                                    dtype=np.dtype(F64)),
                             const(b, np.where(np.arange(100) % 2, -1.0, 1.0))])
    g = b.finish([twice, small, ramp, signed])
    after, _ = optimize(g, "constant_folding", "dce", args=())
    kinds = [v.producer.op for v in after.outputs]
    assert kinds == [Op.FULL, Op.CONSTANT, Op.CONSTANT, Op.CONSTANT]
    assert after.outputs[0].producer.attrs["value"] == 1.0
    assert np.signbit(after.outputs[3].producer.attrs["value"]).any()  # -0.0 kept


def test_the_decision_chain_may_hold_casts_and_comparisons():
    b = Builder("f")
    x = b.add_input(T((3,), F64), "x")
    done, value = _returning_if(b, x, 1.0, 0.0)  # a float flag
    flag = b.emit(Op.EQ, [b.emit(Op.CAST, [done], dtype=np.dtype(F32), weak=False),
                             const(b, np.float32(0))])
    b.open_region([])
    then = b.close_region([b.emit(Op.NEG, [x])])
    b.open_region([])
    other = b.close_region([value])
    g = b.finish([b.emit(Op.COND, [flag], regions=[then, other])])
    assert flag.type == T((), B1)
    for sign in (1, -1):
        after, _ = optimize(g, "constant_folding", "dce", args=(np.arange(3.0) * sign,))
        assert count(after, Op.COND) == 1
