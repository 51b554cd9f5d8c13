"""CSE: keys (op, inputs, attributes), scoping by region, what is never merged."""

from __future__ import annotations

import doctest

import numpy as np

from autograph.ir import Builder, Op
from autograph.passes import cse
from passes_support import F32, F64, I64, WEAK_I64, T, const, dedent, optimize


def test_docstring_example():
    result = doctest.testmod(cse)
    assert result.attempted > 0 and result.failed == 0


def _ops(graph):
    return [str(n.op) for n in graph.walk()]


def test_equal_constants_merge_but_signed_zeros_and_types_do_not():
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    outs = [b.emit(Op.ADD, [x, const(b, v)])
            for v in (0.0, 0.0, -0.0, 0, np.array([1.0, 2.0]), np.array([1.0, 2.0]),
                      np.array([1.0, 3.0]), np.array([1.0, 2.0], F32))]
    g = b.finish(outs)
    after, report = optimize(g, "cse", args=(np.array([-0.0, 1.0]),))
    assert report.records[0].changes == ["merged 4 common subexpressions"]  # 2 consts, 2 adds
    assert _ops(after).count("constant") == 6 and _ops(after).count("add") == 6
    assert after.outputs[0] is after.outputs[1] and after.outputs[4] is after.outputs[5]
    assert len(set(after.outputs)) == 6


def test_attributes_distinguish_and_commutative_inputs_do_not():
    b = Builder("f")
    x = b.add_input(T((2, 3), F32), "x")
    y = b.add_input(T((2, 3), F32), "y")
    outs = [b.emit(Op.SUM, [x], axes=(0,), keepdims=False),
            b.emit(Op.SUM, [x], axes=(1,), keepdims=False),
            b.emit(Op.SUM, [x], axes=(0,), keepdims=True),
            b.emit(Op.SUM, [x], axes=(0,), keepdims=False),
            b.emit(Op.ADD, [x, y]), b.emit(Op.ADD, [y, x]),
            b.emit(Op.SUB, [x, y]), b.emit(Op.SUB, [y, x]),
            b.emit(Op.MAXIMUM, [x, y]), b.emit(Op.MAXIMUM, [y, x])]
    g = b.finish(outs)
    args = (np.array([[0.0, -0.0, 1], [2, 3, 4]], F32), np.array([[-0.0, 0.0, 1], [3, 2, 4]], F32))
    after, _ = optimize(g, "cse", args=args)
    o = after.outputs
    assert o[0] is o[3] and len({o[0], o[1], o[2]}) == 3
    assert o[4] is o[5]                 # add commutes
    assert o[6] is not o[7]             # sub does not
    assert o[8] is not o[9]             # maximum(-0.0, 0.0) depends on the order


def _scoped_graph():
    """y = exp(x) before a loop; the body recomputes exp(x) and computes tanh(x) twice;
    after the loop tanh(x) again (the body's must not be reused outside it); two cond
    branches both compute sin(x) (neither may reuse the other's)."""
    b = Builder("f")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(WEAK_I64, "n")
    y = b.emit(Op.EXP, [x])
    _, acc = b.open_region([T((), I64), x.type], ["i", "acc"])
    t1 = b.emit(Op.TANH, [x])
    t2 = b.emit(Op.TANH, [x])
    inner = b.emit(Op.ADD, [b.emit(Op.ADD, [acc, b.emit(Op.EXP, [x])]), b.emit(Op.MUL, [t1, t2])])
    body = b.close_region([inner])
    loop = b.emit(Op.FOR, [const(b, 0), n, const(b, 1), y], regions=[body])
    after_loop = b.emit(Op.TANH, [x])
    b.open_region([])
    then = b.close_region([b.emit(Op.SIN, [x])])
    b.open_region([])
    other = b.close_region([b.emit(Op.COS, [b.emit(Op.SIN, [x])])])
    pred = b.emit(Op.GT, [b.emit(Op.SUM, [x], axes=(0,), keepdims=False), const(b, 0.0)])
    c = b.emit(Op.COND, [pred], regions=[then, other])
    return b.finish([loop, after_loop, c, b.emit(Op.SIN, [x])])


def test_scoping_outer_replaces_inner_never_the_reverse():
    g = _scoped_graph()
    after, report = optimize(g, "cse", args=(np.linspace(-1, 1, 3).astype(F32), 3))
    assert report.records[0].changes == ["merged 2 common subexpressions"]  # exp, tanh
    assert str(after) == dedent("""
        graph f(x:f32[3], n:i64~[]) {
          a:f32[3] = exp x
          b:f32[3] = for 0:i64~[] n 1:i64~[] a {
            body ^(i:i64[], acc:f32[3]):
              c:f32[3] = tanh x
              d:f32[3] = add acc a
              e:f32[3] = mul c c
              f:f32[3] = add d e
              yield f
          }
          g:f32[3] = tanh x
          h:f32[] = sum x [axes=(0,) keepdims=False]
          j:b1[] = gt h 0.0:f64~[]
          k:f32[3] = cond j {
            then ^():
              l:f32[3] = sin x
              yield l
            else ^():
              m:f32[3] = sin x
              o:f32[3] = cos m
              yield o
          }
          p:f32[3] = sin x
          return (b, g, k, p)
        }
        """)


def test_prints_and_control_flow_are_never_merged():
    b = Builder("f")
    x = b.add_input(T((), F64), "x")
    b.emit(Op.PRINT, [x], template=(0,), sep=" ", end="\n")
    b.emit(Op.PRINT, [x], template=(0,), sep=" ", end="\n")
    outs = []
    for _ in range(2):
        b.open_region([])
        then = b.close_region([x])
        b.open_region([])
        other = b.close_region([x])
        outs.append(b.emit(Op.COND, [b.emit(Op.GT, [x, const(b, 0.0)])], regions=[then, other]))
    g = b.finish(outs)
    after, report = optimize(g, "cse", args=(1.5,))
    assert _ops(after).count("print") == 2 and _ops(after).count("cond") == 2
    assert report.records[0].changes == ["merged 2 common subexpressions"]  # gt, 0.0
