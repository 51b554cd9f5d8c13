"""Algebraic simplification: every rule, and every rule refusing to change a type."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from autograph.ir import Builder, Op
from autograph.passes import simplify
from passes_support import (B1, F32, F64, I32, I64, WEAK_F64, T, const, dedent, optimize)

C128 = np.complex128


def _unary(x_type, build):
    """A graph f(x) = build(builder, x); returns it and an example argument."""
    b = Builder("f")
    x = b.add_input(x_type, "x")
    g = b.finish([build(b, x)])
    rng = np.random.default_rng(0)
    arg = rng.standard_normal(x_type.shape) * 3
    if x_type.dtype.kind == "c":
        arg = arg + 1j * rng.standard_normal(x_type.shape)
    arg = np.asarray(arg).astype(x_type.dtype)
    return g, (arg.item() if x_type.weak else arg,)


def _bin(op, k, left=False):
    return lambda b, x: b.emit(op, [const(b, k), x] if left else [x, const(b, k)])


V3 = T((3,), F32)
SIMPLIFIED = [  # (x type, f(x), the rule's report line)
    (V3, _bin(Op.MUL, 1), "x*1 -> x"),
    (V3, _bin(Op.MUL, 1, left=True), "x*1 -> x"),
    (V3, _bin(Op.MUL, np.ones(3, F32)), "x*1 -> x"),
    (T((), I32), _bin(Op.MUL, np.int32(1)), "x*1 -> x"),
    (T((), B1), _bin(Op.MUL, True), "x*1 -> x"),
    (WEAK_F64, _bin(Op.MUL, 1), "x*1 -> x"),
    (V3, _bin(Op.ADD, -0.0), "x+0 -> x"),              # exact: -0.0 + -0.0 is -0.0
    (V3, _bin(Op.ADD, -0.0, left=True), "x+0 -> x"),
    (T((3,), I32), _bin(Op.ADD, 0), "x+0 -> x"),
    (V3, _bin(Op.SUB, 0), "x-0 -> x"),
    (V3, _bin(Op.SUB, 0.0), "x-0 -> x"),               # exact: -0.0 - 0.0 is -0.0
    (T((3,), C128), _bin(Op.SUB, 0), "x-0 -> x"),
    (V3, _bin(Op.TRUEDIV, 1.0), "x/1 -> x"),
    (V3, lambda b, x: b.emit(Op.NEG, [b.emit(Op.NEG, [x])]), "--x -> x"),
    (V3, lambda b, x: b.emit(Op.POS, [x]), "+x -> x"),
    (V3, _bin(Op.POW, 1), "x**1 -> x"),
    (T((2, 2), F32), lambda b, x: b.emit(Op.TRANSPOSE, [x], perm=(0, 1)),
     "transpose(x, identity) -> x"),
    (T((2, 3), F32), lambda b, x: b.emit(Op.RESHAPE, [x], shape=(2, 3)),
     "reshape(x, x.shape) -> x"),
    (T((2, 3), F32), lambda b, x: b.emit(Op.RESHAPE, [b.emit(Op.RESHAPE, [x], shape=(6,))],
                                         shape=(2, 3)), "reshape(x, x.shape) -> x"),
    (V3, lambda b, x: b.emit(Op.CAST, [x], dtype=np.dtype(F32)), "cast(x, x.dtype) -> x"),
    (V3, lambda b, x: b.emit(Op.BROADCAST_TO, [x], shape=(3,)),
     "broadcast_to(x, x.shape) -> x"),
]


@pytest.mark.parametrize("x_type, build, algebra", SIMPLIFIED)
def test_rule_replaces_the_node_by_x(x_type, build, algebra):
    g, args = _unary(x_type, build)
    after, report = optimize(g, "simplify", "dce", args=args)
    assert after.body.results[0] is after.body.params[0]
    assert after.body.nodes == []
    assert any(line.startswith(f"applied {algebra} ") for line in report.records[0].changes)


REFUSED = [  # the rewrite would change the output type (or the value)
    (T((3,), I32), _bin(Op.MUL, 1.0)),               # i32 * Python float is f64
    (V3, _bin(Op.MUL, np.float64(1))),              # f32 * NumPy f64 is f64
    (T((), F32), _bin(Op.MUL, np.ones(3, F32))),     # broadcasts to f32[3]
    (T((), B1), _bin(Op.ADD, 0)),                    # bool + int is int64
    (T((), I64, True), _bin(Op.MUL, 1.0)),           # Python int * Python float is a float
    (V3, _bin(Op.MUL, 2)),
    (V3, _bin(Op.ADD, 0)),                           # -0.0 + 0 is +0.0
    (V3, _bin(Op.ADD, 0.0, left=True)),
    (T((3,), C128), _bin(Op.ADD, -0.0)),             # the imaginary -0.0 becomes +0.0
    (V3, _bin(Op.SUB, -0.0)),                        # x - (-0.0) is x + 0.0
    (V3, _bin(Op.MUL, 0)),                           # nan*0, inf*0, -1*0 are not 0
    (T((3,), C128), _bin(Op.MUL, 1)),                # (a + inf j)(1 + 0j) is nan + inf j
    (T((3,), C128), _bin(Op.TRUEDIV, 1)),
    (T((3,), C128), _bin(Op.POW, 1)),
    (V3, _bin(Op.SUB, 0, left=True)),                # 0-x is not x
    (V3, _bin(Op.TRUEDIV, 1, left=True)),            # 1/x is not x
    (T((3,), I64), _bin(Op.TRUEDIV, 1)),             # i64 / 1 is f64
    (T((3,), C128), _bin(Op.POW, 2)),                # complex power differs from x*x
    (T((2, 2), F32), lambda b, x: b.emit(Op.TRANSPOSE, [x], perm=(1, 0))),
    (T((), F32), lambda b, x: b.emit(Op.RESHAPE, [b.emit(Op.CAST, [x], dtype=np.dtype(F64),
                                                         weak=True)], shape=())),
    (V3, lambda b, x: b.emit(Op.CAST, [x], dtype=np.dtype(F64))),
    (T((1,), F32), lambda b, x: b.emit(Op.BROADCAST_TO, [x], shape=(3,))),
    (V3, lambda b, x: b.emit(Op.NEG, [b.emit(Op.ABS, [x])])),
]


@pytest.mark.parametrize("x_type, build", REFUSED)
def test_rule_refuses_to_change_type_or_value(x_type, build):
    g, args = _unary(x_type, build)
    before = str(g)
    after, report = optimize(g, "simplify", args=args)
    assert str(after) == before
    assert not report.changed


def test_docstring_example():
    result = doctest.testmod(simplify)
    assert result.attempted > 0 and result.failed == 0


def test_square_becomes_a_product_for_real_and_integer_types():
    for dtype in (F32, F64, I32):
        g, args = _unary(T((4,), dtype), _bin(Op.POW, 2))
        after, report = optimize(g, "simplify", args=args)
        (node,) = [n for n in after.body.nodes if n.op is not Op.CONSTANT]
        assert node.op is Op.MUL and node.inputs == [after.inputs[0]] * 2
    g, args = _unary(T((4,), B1), _bin(Op.POW, 2))  # bool**2 is int64, bool*bool is bool
    after, report = optimize(g, "simplify", args=args)
    assert not report.changed


def test_transposes_compose():
    def build(b, x):
        t = b.emit(Op.TRANSPOSE, [x], perm=(1, 2, 0))
        return b.emit(Op.TRANSPOSE, [t], perm=(2, 0, 1))  # composes to the identity
    g, args = _unary(T((2, 3, 4), F32), build)
    after, report = optimize(g, "simplify", "dce", args=args)
    assert after.body.results[0] is after.inputs[0]

    def build2(b, x):
        t = b.emit(Op.TRANSPOSE, [x], perm=(1, 2, 0))
        return b.emit(Op.TRANSPOSE, [t], perm=(1, 0, 2))
    g, args = _unary(T((2, 3, 4), F32), build2)
    after, _ = optimize(g, "simplify", "dce", args=args)
    assert str(after) == dedent("""
        graph f(x:f32[2,3,4]) {
          a:f32[4,3,2] = transpose x [perm=(2, 1, 0)]
          return (a,)
        }
        """)


def test_chains_simplify_in_one_walk():
    def build(b, x):
        for _ in range(4):
            x = b.emit(Op.NEG, [x])
        r = b.emit(Op.RESHAPE, [b.emit(Op.RESHAPE, [b.emit(Op.RESHAPE, [x], shape=(6,))],
                                                   shape=(3, 2))], shape=(1, 6))
        return b.emit(Op.MUL, [const(b, 1), b.emit(Op.ADD, [r, const(b, -0.0)])])
    g, args = _unary(T((2, 3), F64), build)
    after, report = optimize(g, "simplify", "dce", args=args)
    assert str(after) == dedent("""
        graph f(x:f64[2,3]) {
          a:f64[1,6] = reshape x [shape=(1, 6)]
          return (a,)
        }
        """)
    assert report.records[0].changes == [
        "applied --x -> x 2 times", "applied reshape(reshape(x, s), t) -> reshape(x, t) 2 times",
        "applied x+0 -> x 1 time", "applied x*1 -> x 1 time"]


def test_rules_apply_in_nested_regions_and_region_results():
    b = Builder("f")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(T((), I64, True), "n")
    _, acc = b.open_region([T((), I64), x.type], ["i", "acc"])
    b.open_region([])
    then = b.close_region([b.emit(Op.MUL, [acc, const(b, 1)])])    # a region result
    b.open_region([])
    other = b.close_region([b.emit(Op.NEG, [b.emit(Op.NEG, [b.emit(Op.ADD, [acc, x])])])])
    new = b.emit(Op.COND, [b.emit(Op.GT, [b.emit(Op.SUM, [acc], axes=(0,), keepdims=False),
                                          const(b, 10.0)])], regions=[then, other])
    body = b.close_region([new])
    g = b.finish([b.emit(Op.FOR, [const(b, 0), n, const(b, 1), x], regions=[body])])
    after, report = optimize(g, "simplify", "dce", args=(np.arange(3, dtype=F32), 5))
    assert "then ^():\n          yield acc\n" in str(after)
    assert "neg" not in str(after) and "mul" not in str(after)
