"""Every VJP rule against central finite differences, one small graph per op (float64)."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.autodiff import NON_DIFFERENTIABLE, VJP, vjp_graph
from autograph.autodiff.check import check_grads
from autograph.ir import Builder, Op, TensorType, run, verify
from autograph.ir.ops import CONTROL_FLOW

T = TensorType
F64, F32, I64, B1 = np.float64, np.float32, np.int64, np.bool_
RNG = np.random.default_rng(1234)


def _const(b, value):
    return b.emit(Op.CONSTANT, [], value=value)


def _weighted_sum(b, y):
    """sum(y * w) for fixed random w: every output element gets a different cotangent."""
    w = _const(b, RNG.uniform(0.5, 1.5, y.type.shape).astype(y.type.dtype))
    prod = b.emit(Op.MUL, [y, w])
    return b.emit(Op.SUM, [prod], axes=tuple(range(prod.type.ndim)), keepdims=False)


def _graph(op, in_types, **attrs):
    b = Builder(op.printed_name)
    xs = [b.add_input(t, f"x{i}") for i, t in enumerate(in_types)]
    return b.finish([_weighted_sum(b, b.emit(op, xs, **attrs))])


def test_every_op_is_differentiated_or_stops_gradients():
    covered = set(VJP) | NON_DIFFERENTIABLE | CONTROL_FLOW
    assert covered == set(Op)
    assert not set(VJP) & NON_DIFFERENTIABLE
    assert not (set(VJP) | NON_DIFFERENTIABLE) & CONTROL_FLOW


# ---- elementwise --------------------------------------------------------------------

_WIDE, _POS, _UNIT = (-1.5, 1.5), (0.3, 2.0), (-0.8, 0.8)
UNARY_DOMAINS = {
    Op.NEG: _WIDE, Op.POS: _WIDE, Op.EXP: _WIDE, Op.EXPM1: _WIDE, Op.LOG: _POS,
    Op.LOG1P: (-0.5, 2.0), Op.LOG2: _POS, Op.LOG10: _POS, Op.SQRT: _POS, Op.SIN: _WIDE,
    Op.COS: _WIDE, Op.TAN: (-1.0, 1.0), Op.ARCSIN: _UNIT, Op.ARCCOS: _UNIT,
    Op.ARCTAN: _WIDE, Op.SINH: _WIDE, Op.COSH: _WIDE, Op.TANH: _WIDE, Op.SQUARE: _WIDE,
    Op.RECIPROCAL: _POS,
}


@pytest.mark.parametrize("op", list(UNARY_DOMAINS), ids=str)
def test_unary(op):
    x = RNG.uniform(*UNARY_DOMAINS[op], (2, 3))
    check_grads(_graph(op, [T((2, 3), F64)]), [x], [0])


def test_abs_away_from_zero():
    x = RNG.uniform(0.2, 1.5, (5,)) * np.array([1, -1, 1, -1, -1])
    check_grads(_graph(Op.ABS, [T((5,), F64)]), [x], [0])


def _binary_inputs(op, shapes):
    lo, hi = {Op.POW: ((0.5, 2.0), (-1.5, 1.5)), Op.TRUEDIV: ((-2, 2), (0.5, 2.0)),
              Op.MOD: ((0.1, 3.0), (0.7, 1.3))}.get(op, ((-2, 2), (-2, 2)))
    return [RNG.uniform(*lo, shapes[0]), RNG.uniform(*hi, shapes[1])]


BINARY = [Op.ADD, Op.SUB, Op.MUL, Op.TRUEDIV, Op.POW, Op.MAXIMUM, Op.MINIMUM, Op.ARCTAN2,
          Op.HYPOT]


@pytest.mark.parametrize("shapes", [((2, 3), (2, 3)), ((2, 3), (3,)), ((2, 1), (1, 3)),
                                    ((), (2, 3))], ids=str)
@pytest.mark.parametrize("op", BINARY, ids=str)
def test_binary_with_broadcasting(op, shapes):
    args = _binary_inputs(op, shapes)
    check_grads(_graph(op, [T(s, F64) for s in shapes]), args, [0, 1])


def test_mod_away_from_jumps():
    x = np.array([0.3, 1.7, 2.45, -0.6])
    y = np.array([0.8, 1.1, -0.9, 1.3])
    check_grads(_graph(Op.MOD, [T((4,), F64), T((4,), F64)]), [x, y], [0, 1])


def test_pow_with_integer_exponent_and_zero_base():
    b = Builder("pow")
    x = b.add_input(T((3,), F64), "x")
    cube = b.emit(Op.POW, [x, _const(b, 3)])
    zero_exp = b.emit(Op.POW, [x, _const(b, np.zeros(3))])
    g = b.finish([_weighted_sum(b, b.emit(Op.ADD, [cube, zero_exp]))])
    check_grads(g, [np.array([0.5, -1.2, 0.0])], [0])


def test_where_routes_cotangent_by_condition():
    g = _graph(Op.WHERE, [T((4,), B1), T((4,), F64), T((1,), F64)])
    c = np.array([True, False, True, False])
    grads = check_grads(g, [c, RNG.normal(size=4), RNG.normal(size=1)], [1, 2])
    assert grads[0][1] == 0 and grads[0][3] == 0


def test_maximum_minimum_split_ties_evenly():
    for op, want in ((Op.MAXIMUM, [1.0, 0.5, 0.0]), (Op.MINIMUM, [0.0, 0.5, 1.0])):
        b = Builder("relu")
        x = b.add_input(T((3,), F64), "x")
        y = b.emit(op, [x, _const(b, 0.0)])
        g = b.finish([b.emit(Op.SUM, [y], axes=(0,), keepdims=False)])
        (grad,) = run(vjp_graph(g, [0]), np.array([2.0, 0.0, -3.0]))[1:]
        np.testing.assert_array_equal(grad, want)


def test_weak_python_scalar_input_gets_a_strong_gradient():
    g = _graph(Op.MUL, [T((3,), F32), T((), F64, True)])
    vjp = vjp_graph(g, [0, 1])
    verify(vjp)
    x = np.array([1.0, 2.0, 3.0], F32)
    _, gx, gs = run(vjp, x, 2.5, check=True)
    assert gx.dtype == F32 and gs.dtype == F64 and gs.shape == ()
    w = g.body.nodes[1].attrs["value"]        # the weights of _weighted_sum
    np.testing.assert_allclose(gs, np.sum(x * w), rtol=1e-6)
    np.testing.assert_allclose(gx, 2.5 * w, rtol=1e-6)


def test_mixed_precision_gradient_is_cast_back_to_the_input_dtype():
    g = _graph(Op.MUL, [T((3,), F32), T((3,), F64)])
    x, y = np.ones(3, F32), np.arange(3.0)
    _, gx, gy = run(vjp_graph(g, [0, 1]), x, y, check=True)
    assert gx.dtype == F32 and gy.dtype == F64


def test_cast_between_floats_carries_and_cast_to_int_stops():
    b = Builder("cast")
    x = b.add_input(T((3,), F64), "x")
    sq = b.emit(Op.SQUARE, [b.emit(Op.CAST, [x], dtype=np.dtype(F32))])
    back = b.emit(Op.CAST, [sq], dtype=np.dtype(F64))
    as_int = b.emit(Op.CAST, [b.emit(Op.CAST, [x], dtype=np.dtype(I64))], dtype=np.dtype(F64))
    total = b.emit(Op.SUM, [b.emit(Op.ADD, [back, as_int])], axes=(0,), keepdims=False)
    g = b.finish([total])
    x0 = np.array([0.5, 1.5, -2.25])            # exact in float32
    (grad,) = run(vjp_graph(g, [0]), x0, check=True)[1:]
    assert grad.dtype == F64
    np.testing.assert_array_equal(grad, 2 * x0)


@pytest.mark.parametrize("op", [Op.FLOOR, Op.SIGN, Op.RINT])
def test_piecewise_constant_ops_have_zero_gradient(op):
    g = _graph(op, [T((3,), F64)])
    (grad,) = run(vjp_graph(g, [0]), np.array([0.3, 1.6, -2.2]))[1:]
    np.testing.assert_array_equal(grad, np.zeros(3))


# ---- reductions ---------------------------------------------------------------------

@pytest.mark.parametrize("axes,keepdims", [((1,), False), ((0, 2), True), ((0, 1, 2), False),
                                           ((), False)], ids=str)
@pytest.mark.parametrize("op", [Op.SUM, Op.MEAN, Op.MAX, Op.MIN, Op.PROD], ids=str)
def test_reductions(op, axes, keepdims):
    x = RNG.permutation(24).reshape(2, 3, 4) / 10.0 + 0.5   # distinct, away from ties
    g = _graph(op, [T((2, 3, 4), F64)], axes=axes, keepdims=keepdims)
    check_grads(g, [x], [0], rtol=1e-5, atol=1e-6)


@pytest.mark.parametrize("x", [[2.0, 0.0, 3.0, -1.5], [0.0, 2.0, 0.0, 4.0],
                               [1.5, -2.0, 0.5, 3.0]], ids=["one zero", "two zeros", "none"])
def test_prod_is_exact_with_zeros(x):
    check_grads(_graph(Op.PROD, [T((4,), F64)], axes=(0,)), [np.array(x)], [0])


def test_max_shares_the_cotangent_among_ties():
    b = Builder("max")
    x = b.add_input(T((4,), F64), "x")
    g = b.finish([b.emit(Op.MAX, [x], axes=(0,), keepdims=False)])
    (grad,) = run(vjp_graph(g, [0]), np.array([1.0, 3.0, 3.0, 2.0]))[1:]
    np.testing.assert_array_equal(grad, [0, 0.5, 0.5, 0])


# ---- linear algebra -----------------------------------------------------------------

@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4, 2)), ((3, 4), (4,)),
                                   ((4,), (4,)), ((2, 3, 4), (4, 5)), ((2, 1, 3, 4), (5, 4, 2)),
                                   ((4,), (2, 4, 3))], ids=str)
def test_matmul(sa, sb):
    g = _graph(Op.MATMUL, [T(sa, F64), T(sb, F64)])
    check_grads(g, [RNG.normal(size=sa), RNG.normal(size=sb)], [0, 1])


@pytest.mark.parametrize("sa,sb", [((3, 4), (4, 2)), ((4,), (4,)), ((2, 3, 4), (5, 4, 2)),
                                   ((4,), (2, 4, 3)), ((2, 4), (4,)), ((), (3,)), ((2, 3), ())],
                         ids=str)
def test_dot(sa, sb):
    g = _graph(Op.DOT, [T(sa, F64), T(sb, F64)])
    check_grads(g, [RNG.normal(size=sa), RNG.normal(size=sb)], [0, 1])


# ---- shape --------------------------------------------------------------------------

@pytest.mark.parametrize("op,shape,attrs", [
    (Op.RESHAPE, (2, 6), {"shape": (3, -1, 2)}),
    (Op.TRANSPOSE, (2, 3, 4), {"perm": (2, 0, 1)}),
    (Op.BROADCAST_TO, (3, 1), {"shape": (2, 3, 4)}),
    (Op.BROADCAST_TO, (), {"shape": (2,)}),
], ids=str)
def test_shape_ops(op, shape, attrs):
    check_grads(_graph(op, [T(shape, F64)], **attrs), [RNG.normal(size=shape)], [0])


def test_concatenate_mixed_dtypes_and_constant_operand():
    b = Builder("cat")
    x = b.add_input(T((2, 1), F64), "x")
    y = b.add_input(T((2, 3), F32), "y")
    c = _const(b, np.ones((2, 2)))
    g = b.finish([_weighted_sum(b, b.emit(Op.CONCATENATE, [x, c, y], axis=-1))])
    vjp = vjp_graph(g, [0, 1])
    verify(vjp)
    w = g.body.nodes[2].attrs["value"]
    _, gx, gy = run(vjp, np.ones((2, 1)), np.ones((2, 3), F32), check=True)
    np.testing.assert_array_equal(gx, w[:, :1])
    assert gy.dtype == F32
    np.testing.assert_allclose(gy, w[:, 3:], rtol=1e-6)


# ---- indexing -----------------------------------------------------------------------

def _index_graph(shape, index, dynamic=()):
    b = Builder("index")
    x = b.add_input(T(shape, F64), "x")
    ops = [_const(b, np.asarray(d)) for d in dynamic]
    return b.finish([_weighted_sum(b, b.emit(Op.INDEX, [x, *ops], index=index))])


@pytest.mark.parametrize("index,dynamic", [
    ((("slice", 1, None, None), ("int", -1)), ()),
    ((("newaxis",), ("slice", None, None, -2)), ()),
    ((("dyn", 0), ("slice", 0, 3, 2)), (np.int64(-2),)),
    ((("array", 0),), (np.array([2, 0, 2, 2]),)),                       # repeated rows
    ((("array", 0), ("slice", None, None, None), ("array", 1)),          # non-adjacent
     (np.array([0, 1, 1]), np.array([[2], [2]]))),
    ((("int", 1), ("array", 0)), (np.array([[0, 3], [3, 3]]),)),
], ids=["slice-int", "newaxis-negstep", "dyn", "repeated", "non-adjacent", "int-array"])
def test_index(index, dynamic):
    shape = (3, 4) if len(index) < 3 else (2, 3, 4)
    check_grads(_index_graph(shape, index, dynamic), [RNG.normal(size=shape)], [0])


def _set_index_graph(x_shape, v_shape, index, dynamic=()):
    b = Builder("set_index")
    x = b.add_input(T(x_shape, F64), "x")
    v = b.add_input(T(v_shape, F64), "v")
    ops = [_const(b, np.asarray(d)) for d in dynamic]
    out = b.emit(Op.SET_INDEX, [x, v, *ops], index=index)
    return b.finish([_weighted_sum(b, b.emit(Op.SIN, [out]))])


@pytest.mark.parametrize("v_shape,index,dynamic", [
    ((2, 4), (("slice", 1, None, None),), ()),
    ((1, 4), (("slice", 1, None, None),), ()),                            # broadcast value
    ((1, 2), (("int", 0), ("slice", 1, 3, None)), ()),                     # leading 1 dropped
    ((), (("dyn", 0), ("dyn", 1)), (np.int64(2), np.int64(-1))),
    ((3, 4), (("array", 0),), (np.array([0, 2, 0]),)),                     # duplicate: last wins
    ((), (("array", 0), ("array", 1)), (np.array([0, 0, 2]), np.array([1, 1, 3]))),
], ids=["slice", "broadcast", "drop-leading", "dyn-scalar", "dup-rows", "dup-scalar"])
def test_set_index(v_shape, index, dynamic):
    x, v = RNG.normal(size=(3, 4)), RNG.normal(size=v_shape)
    check_grads(_set_index_graph((3, 4), v_shape, index, dynamic), [x, v], [0, 1])


def test_integer_index_operands_get_no_gradient_but_do_not_fail():
    b = Builder("gather")
    x = b.add_input(T((5,), F64), "x")
    i = b.add_input(T((3,), I64), "i")
    g = b.finish([_weighted_sum(b, b.emit(Op.INDEX, [x, i], index=(("array", 0),)))])
    check_grads(g, [RNG.normal(size=5), np.array([4, 4, 0])], [0])
