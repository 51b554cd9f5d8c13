"""LICM: what moves out of loops, in what order, and what must stay."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from autograph.ir import Builder, Op
from autograph.passes import licm
from passes_support import F64, I64, WEAK_I64, T, const, dedent, optimize


def test_docstring_example():
    result = doctest.testmod(licm)
    assert result.attempted > 0 and result.failed == 0


def _top_ops(region):
    return [str(n.op) for n in region.nodes if n.op is not Op.CONSTANT]


@pytest.mark.parametrize("n", [0, 3])  # zero trips: hoisted code runs, the loop does not
def test_chains_climb_out_of_nested_loops(n):
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    count = b.add_input(WEAK_I64, "n")
    i, acc = b.open_region([T((), I64), x.type], ["i", "acc"])
    j, inner_acc = b.open_region([T((), I64), x.type], ["j", "iacc"])
    e = b.emit(Op.EXP, [x])                                # invariant in both loops
    s = b.emit(Op.MUL, [e, const(b, 2.0)])                 # depends on e: follows it out
    ai = b.emit(Op.ADD, [acc, const(b, 1.0)])              # invariant in the inner loop only
    w = b.emit(Op.MUL, [b.emit(Op.CAST, [j], dtype=np.dtype(F64)), s])  # varies with j
    inner_body = b.close_region([b.emit(Op.ADD, [b.emit(Op.ADD, [inner_acc, w]), ai])])
    inner = b.emit(Op.FOR, [const(b, 0), count, const(b, 1), acc], regions=[inner_body])
    body = b.close_region([inner])
    g = b.finish([b.emit(Op.FOR, [const(b, 0), count, const(b, 1), x], regions=[body])])
    after, report = optimize(g, "licm", args=(np.array([0.5, -1.0]), n))
    outer = [node for node in after.body.nodes if node.op is Op.FOR][0]
    assert _top_ops(after.body) == ["exp", "mul", "for"]
    assert _top_ops(outer.regions[0]) == ["add", "for"]
    inner = [node for node in outer.regions[0].nodes if node.op is Op.FOR][0]
    assert _top_ops(inner.regions[0]) == ["cast", "mul", "add", "add"]
    # out of the inner loop: exp 2.0 mul 1.0 add; out of the outer: all but the add, and
    # the inner loop's bounds 0 and 1
    assert report.records[0].changes == ["hoisted 11 ops out of for"]


def test_while_condition_and_body():
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    limit = b.add_input(T((), F64), "limit")
    k, acc = b.open_region([WEAK_I64, x.type], ["k", "acc"])
    bound = b.emit(Op.SQRT, [limit])                        # invariant, in the condition
    total = b.emit(Op.SUM, [acc], axes=(0,), keepdims=False)
    cond = b.close_region([b.emit(Op.LT, [total, bound])])
    k, acc = b.open_region([WEAK_I64, x.type], ["k", "acc"])
    step = b.emit(Op.ABS, [x])                              # invariant, in the body
    body = b.close_region([b.emit(Op.ADD, [k, const(b, 1)]), b.emit(Op.ADD, [acc, step])])
    _, out = b.emit(Op.WHILE, [const(b, 0), x], regions=[cond, body])
    g = b.finish([out])
    after, report = optimize(g, "licm", args=(np.array([0.5, 1.0]), 100.0))
    assert report.records[0].changes == ["hoisted 3 ops out of while"]  # sqrt, abs, 1
    assert str(after) == dedent("""
        graph f(x:f64[2], limit:f64[]) {
          a:f64[] = sqrt limit
          b:f64[2] = abs x
          c:i64~[] d:f64[2] = while 0:i64~[] x {
            cond ^(k:i64~[], acc:f64[2]):
              e:f64[] = sum acc [axes=(0,) keepdims=False]
              f:b1[] = lt e a
              yield f
            body ^(k_1:i64~[], acc_1:f64[2]):
              g:i64~[] = add k_1 1:i64~[]
              h:f64[2] = add acc_1 b
              yield g h
          }
          return (d,)
        }
        """)


def _loop_around(make, arg_types, args):
    """for i in range(n): acc = acc + make(b, *inputs) (cast to f64), as a graph."""
    b = Builder("f")
    inputs = [b.add_input(t, f"a{k}") for k, t in enumerate(arg_types)]
    count = b.add_input(WEAK_I64, "n")
    _, acc = b.open_region([T((), I64), T((), F64)], ["i", "acc"])
    made = make(b, *inputs)
    total = b.emit(Op.SUM, [made], axes=tuple(range(made.type.ndim)), keepdims=False)
    body = b.close_region([b.emit(Op.ADD, [acc, b.emit(Op.CAST, [total],
                                                          dtype=np.dtype(F64))])])
    g = b.finish([b.emit(Op.FOR, [const(b, 0), count, const(b, 1), const(b, np.float64(0))],
                         regions=[body])])
    return g, tuple(args) + (0,)


V3I = T((3,), I64)
STAYS = [  # node kinds that must not be hoisted (they might fault if the loop did not run)
    ("dynamic index", lambda b, x, k: b.emit(Op.INDEX, [x, k], index=(("dyn", 0),)),
     [V3I, T((), I64)], [np.arange(3), 7]),
    ("dynamic set_index", lambda b, x, k: b.emit(Op.SET_INDEX, [x, const(b, 1), k],
                                                 index=(("dyn", 0),)),
     [V3I, T((), I64)], [np.arange(3), 7]),
    ("integer floordiv", lambda b, x, k: b.emit(Op.FLOORDIV, [x, k]), [V3I, T((), I64)],
     [np.arange(3), 0]),
    ("integer mod by a zero constant",
     lambda b, x: b.emit(Op.MOD, [x, const(b, np.array([1, 0, 2]))]), [V3I], [np.arange(3)]),
    ("integer power", lambda b, x, k: b.emit(Op.POW, [x, k]), [V3I, T((), I64)],
     [np.arange(3), -1]),
]


@pytest.mark.parametrize("what, make, types, args", STAYS, ids=[s[0] for s in STAYS])
def test_nodes_that_could_fault_stay(what, make, types, args):
    g, args = _loop_around(make, types, args)
    after, _ = optimize(g, "licm", args=args)  # n = 0: the faulting node never runs
    assert _top_ops(after.body) == ["for"]  # at most its constant operands moved out


HOISTED = [
    ("static index", lambda b, x: b.emit(Op.INDEX, [x], index=(("int", 1),)), [V3I],
     [np.arange(3)]),
    ("floordiv by a nonzero constant", lambda b, x: b.emit(Op.FLOORDIV, [x, const(b, 2)]),
     [V3I], [np.arange(3)]),
    ("float division", lambda b, x, y: b.emit(Op.TRUEDIV, [x, y]), [T((3,), F64), T((), F64)],
     [np.ones(3), 0.0]),
    ("integer power by a constant", lambda b, x: b.emit(Op.POW, [x, const(b, 3)]), [V3I],
     [np.arange(3)]),
]


@pytest.mark.parametrize("what, make, types, args", HOISTED, ids=[h[0] for h in HOISTED])
def test_safe_nodes_are_hoisted(what, make, types, args):
    g, args = _loop_around(make, types, args)
    after, _ = optimize(g, "licm", args=args)
    (loop,) = [n for n in after.body.nodes if n.op is Op.FOR]
    assert _top_ops(loop.regions[0]) == ["add"]  # the op, its sum and cast all moved out


def test_prints_conds_and_their_contents_stay():
    b = Builder("f")
    x = b.add_input(T((), F64), "x")
    n = b.add_input(WEAK_I64, "n")
    _, acc = b.open_region([T((), I64), x.type], ["i", "acc"])
    b.emit(Op.PRINT, [x], template=("x", 0), sep=" ", end="\n")
    b.open_region([])
    then = b.close_region([b.emit(Op.EXP, [x])])
    b.open_region([])
    other = b.close_region([x])
    c = b.emit(Op.COND, [b.emit(Op.GT, [x, const(b, 0.0)])], regions=[then, other])
    body = b.close_region([b.emit(Op.ADD, [acc, c])])
    g = b.finish([b.emit(Op.FOR, [const(b, 0), n, const(b, 1), x], regions=[body])])
    after, report = optimize(g, "licm", args=(0.5, 2))
    (loop,) = [node for node in after.body.nodes if node.op is Op.FOR]
    assert _top_ops(loop.regions[0]) == ["print", "cond", "add"]
    assert _top_ops(loop.regions[0].nodes[1].regions[0]) == ["exp"]
    assert _top_ops(after.body) == ["gt", "for"]
