"""DCE: dead nodes, side effects kept, unused loop carries and cond outputs dropped."""

from __future__ import annotations

import doctest

import numpy as np

from autograph.ir import Builder, Op
from autograph.passes import dce
from passes_support import F64, I64, WEAK_I64, T, const, dedent, optimize, run_printing


def test_docstring_example():
    result = doctest.testmod(dce)
    assert result.attempted > 0 and result.failed == 0


def _ops(graph):
    return [str(n.op) for n in graph.walk() if n.op is not Op.CONSTANT]


def test_dead_nodes_go_side_effects_stay():
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    dead = b.emit(Op.EXP, [b.emit(Op.SIN, [x])])
    b.emit(Op.COS, [dead])
    shown = b.emit(Op.TANH, [x])
    b.emit(Op.PRINT, [shown], template=("t", 0), sep=" ", end="\n")
    g = b.finish([b.emit(Op.NEG, [x]), x])
    after, report = optimize(g, "dce", args=(np.array([0.5, 1.5]),))
    assert _ops(after) == ["tanh", "print", "neg"]
    assert report.records[0].changes == ["removed 3 dead nodes"]
    assert report.records[0].ops_before == 6 and report.records[0].ops_after == 3


def _counting_while(use_acc: bool, print_inside: bool = False):
    """while k < 5: k += 1; acc *= 2; junk = junk + acc -> returns acc or k."""
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    k0 = const(b, 0)
    k, acc, junk = b.open_region([WEAK_I64, x.type, x.type], ["k", "acc", "junk"])
    cond = b.close_region([b.emit(Op.LT, [k, const(b, 5)])])
    k, acc, junk = b.open_region([WEAK_I64, x.type, x.type], ["k", "acc", "junk"])
    new_acc = b.emit(Op.MUL, [acc, const(b, 2.0)])
    if print_inside:
        b.emit(Op.PRINT, [k], template=(0,), sep=" ", end="\n")
    body = b.close_region([b.emit(Op.ADD, [k, const(b, 1)]), new_acc,
                           b.emit(Op.ADD, [junk, new_acc])])
    k_out, acc_out, junk_out = b.emit(Op.WHILE, [k0, x, x], regions=[cond, body])
    return b.finish([acc_out if use_acc else k_out])


def test_while_keeps_the_condition_carry_and_drops_a_self_feeding_one():
    after, report = optimize(_counting_while(True), "dce", args=(np.array([1.0, -1.0]),))
    assert report.records[0].changes == ["dropped 1 unused loop-carried value",
                                         "removed 1 dead node"]
    assert str(after) == dedent("""
        graph f(x:f64[2]) {
          a:i64~[] b:f64[2] = while 0:i64~[] x {
            cond ^(k:i64~[], acc:f64[2]):
              c:b1~[] = lt k 5:i64~[]
              yield c
            body ^(k_1:i64~[], acc_1:f64[2]):
              d:f64[2] = mul acc_1 2.0:f64~[]
              e:i64~[] = add k_1 1:i64~[]
              yield e d
          }
          return (b,)
        }
        """)


def test_while_whose_state_only_feeds_itself_loses_it():
    after, _ = optimize(_counting_while(False), "dce", args=(np.array([1.0, -1.0]),))
    assert _ops(after) == ["while", "lt", "add"]


def test_loop_with_nothing_live_goes_unless_it_prints():
    g = _counting_while(True)
    g.body.results = [g.inputs[0]]
    after, report = optimize(g, "dce", args=(np.ones(2),))
    assert after.body.nodes == []
    g = _counting_while(True, print_inside=True)
    g.body.results = [g.inputs[0]]
    after, report = optimize(g, "dce", args=(np.ones(2),))
    assert _ops(after) == ["while", "lt", "print", "add"]
    assert run_printing(after, np.ones(2))[1] == "0\n1\n2\n3\n4\n"


def test_for_carry_chain_keeps_what_feeds_a_live_carry():
    """a feeds b (returned), c feeds only itself, the index i feeds a."""
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    n = b.add_input(WEAK_I64, "n")
    i, a, bb, c = b.open_region([T((), I64), x.type, x.type, x.type], ["i", "a", "b", "c"])
    new_a = b.emit(Op.ADD, [a, b.emit(Op.CAST, [i], dtype=np.dtype(F64))])
    new_b = b.emit(Op.ADD, [bb, a])
    new_c = b.emit(Op.MUL, [c, c])
    body = b.close_region([new_a, new_b, new_c])
    a_out, b_out, c_out = b.emit(Op.FOR, [const(b, 0), n, const(b, 1), x, x, x], regions=[body])
    g = b.finish([b_out])
    after, report = optimize(g, "dce", args=(np.array([1.0, 2.0]), 4))
    (loop,) = [node for node in after.body.nodes if node.op is Op.FOR]
    assert len(loop.outputs) == 2 and len(loop.regions[0].params) == 3
    assert _ops(after) == ["for", "cast", "add", "add"]
    assert report.records[0].changes == ["dropped 1 unused loop-carried value",
                                         "removed 1 dead node"]


def test_unused_cond_outputs_are_dropped_in_nested_regions():
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    n = b.add_input(WEAK_I64, "n")
    _, acc = b.open_region([T((), I64), x.type], ["i", "acc"])
    pred = b.emit(Op.GT, [b.emit(Op.SUM, [acc], axes=(0,), keepdims=False), const(b, 3.0)])
    b.open_region([])
    then = b.close_region([b.emit(Op.NEG, [acc]), b.emit(Op.EXP, [acc])])
    b.open_region([])
    other = b.close_region([b.emit(Op.ADD, [acc, x]), b.emit(Op.SIN, [acc])])
    kept, unused = b.emit(Op.COND, [pred], regions=[then, other])
    body = b.close_region([kept])
    g = b.finish([b.emit(Op.FOR, [const(b, 0), n, const(b, 1), x], regions=[body])])
    after, report = optimize(g, "dce", args=(np.array([1.0, 2.0]), 4))
    assert report.records[0].changes == ["dropped 1 unused cond output", "removed 2 dead nodes"]
    assert _ops(after) == ["for", "sum", "gt", "cond", "neg", "add"]


def test_cond_that_prints_keeps_running_without_outputs():
    b = Builder("f")
    x = b.add_input(T((), F64), "x")
    b.open_region([])
    b.emit(Op.PRINT, [x], template=("big", 0), sep=" ", end="\n")
    then = b.close_region([b.emit(Op.EXP, [x])])
    b.open_region([])
    other = b.close_region([x])
    b.emit(Op.COND, [b.emit(Op.GT, [x, const(b, 1.0)])], regions=[then, other])
    g = b.finish([x])
    after, report = optimize(g, "dce", args=(2.0,))
    assert _ops(after) == ["gt", "cond", "print"]
    assert run_printing(after, 2.0)[1] == "big 2.0\n"


def test_nested_loops_drop_inner_carries_that_feed_only_dead_outer_ones():
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    n = b.add_input(WEAK_I64, "n")
    _, keep, junk = b.open_region([T((), I64), x.type, x.type], ["i", "keep", "junk"])
    _, ij = b.open_region([T((), I64), x.type], ["j", "ij"])
    inner_body = b.close_region([b.emit(Op.ADD, [ij, keep])])
    inner = b.emit(Op.FOR, [const(b, 0), n, const(b, 1), junk], regions=[inner_body])
    body = b.close_region([b.emit(Op.MUL, [keep, const(b, 1.5)]), inner])
    k, _ = b.emit(Op.FOR, [const(b, 0), n, const(b, 1), x, x], regions=[body])
    g = b.finish([k])
    after, report = optimize(g, "dce", args=(np.array([1.0, 2.0]), 3))
    assert _ops(after) == ["for", "mul"]
    assert report.records[0].changes == ["dropped 1 unused loop-carried value",
                                         "removed 4 dead nodes"]  # inner for, its add, bounds
