"""vjp_graph through cond, for (static and dynamic bounds) and while, against finite
differences; plus its errors and the invariants of the graph it builds."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.autodiff import vjp_graph
from autograph.autodiff.check import check_grads
from autograph.errors import AutographError
from autograph.ir import Builder, Op, TensorType, run, verify

T = TensorType
F64, I64, B1 = np.float64, np.int64, np.bool_
RNG = np.random.default_rng(7)
STRATEGIES = ["store", "recompute"]


def _c(b, value):
    return b.emit(Op.CONSTANT, [], value=value)


def _sum(b, x):
    return b.emit(Op.SUM, [x], axes=tuple(range(x.type.ndim)), keepdims=False)


def _for(b, bounds, init, body_fn, hints=None, index_type=T((), I64)):
    """for i in range(*bounds): carried = body_fn(b, i, *carried)."""
    params = b.open_region([index_type] + [v.type for v in init], hints)
    results = body_fn(b, *params)
    body = b.close_region(results)
    bounds = [_c(b, v) if isinstance(v, int) else v for v in bounds]
    out = b.emit(Op.FOR, bounds + list(init), regions=[body])
    return out if isinstance(out, tuple) else (out,)


def _cond(b, pred, then_fn, else_fn):
    b.open_region([])
    then = b.close_region(then_fn(b))
    b.open_region([])
    other = b.close_region(else_fn(b))
    out = b.emit(Op.COND, [pred], regions=[then, other])
    return out if isinstance(out, tuple) else (out,)


# ---- cond ---------------------------------------------------------------------------

def _branchy():
    """(sum(w * exp(x)^2 * (2.0 * 3.0)), 2.5 if sum(x) > 0 else sum(sin(x) * w), 1.5);
    the product of the two."""
    b = Builder("branchy")
    x = b.add_input(T((3,), F64), "x")
    w = b.add_input(T((3,), F64), "w")
    pred = b.emit(Op.GT, [_sum(b, x), _c(b, 0.0)])

    def then(b):
        y = b.emit(Op.EXP, [x])
        six = b.emit(Op.MUL, [_c(b, 2.0), _c(b, 3.0)])        # a weak residual
        z = b.emit(Op.MUL, [b.emit(Op.MUL, [y, y]), six])
        return [_sum(b, b.emit(Op.MUL, [z, w])), _c(b, 2.5)]

    def other(b):
        return [_sum(b, b.emit(Op.MUL, [b.emit(Op.SIN, [x]), w])), _c(b, 1.5)]

    out, k = _cond(b, pred, then, other)
    return b.finish([b.emit(Op.MUL, [out, k])])


@pytest.mark.parametrize("sign", [1, -1], ids=["then", "else"])
def test_cond_gradient_flows_through_the_branch_taken(sign):
    x = sign * RNG.uniform(0.1, 0.5, 3)
    check_grads(_branchy(), [x, RNG.normal(size=3)], [0, 1])


def test_cond_residuals_become_forward_outputs():
    vjp = vjp_graph(_branchy(), [0, 1])
    conds = [n for n in vjp.body.nodes if n.op is Op.COND]
    assert len(conds) == 2                           # the forward, and its backward
    forward = conds[0]
    assert len(forward.outputs) > 2                  # it gained residual outputs
    residual_types = [v.type for v in forward.outputs[2:]]
    assert T((), F64, True) in residual_types         # weak residual, zero-filled in else


@pytest.mark.parametrize("signs", [(1, 1), (1, -1), (-1, 1), (-1, -1)])
def test_nested_cond(signs):
    b = Builder("nested")
    x = b.add_input(T((2,), F64), "x")
    y = b.add_input(T((), F64), "y")
    outer = b.emit(Op.GT, [b.emit(Op.INDEX, [x], index=(("int", 0),)), _c(b, 0.0)])

    def then(b):
        sq = b.emit(Op.MUL, [x, y])
        inner = b.emit(Op.GT, [y, _c(b, 0.0)])
        (r,) = _cond(b, inner, lambda b: [_sum(b, b.emit(Op.TANH, [sq]))],
                     lambda b: [_sum(b, b.emit(Op.MUL, [sq, sq]))])
        return [r]

    (out,) = _cond(b, outer, then, lambda b: [b.emit(Op.MUL, [y, _sum(b, x)])])
    g = b.finish([out])
    xs = np.array([signs[0] * 0.7, 0.4])
    check_grads(g, [xs, np.array(signs[1] * 1.3)], [0, 1])


# ---- for ----------------------------------------------------------------------------

def _recurrence(bounds):
    """acc = x; for i in range(*bounds): acc = sin(acc) * w + i * 0.1;  sum(acc)"""
    b = Builder("recurrence")
    x = b.add_input(T((2,), F64), "x")
    w = b.add_input(T((2,), F64), "w")
    args = [b.add_input(T((), I64), name) for name in ("start", "stop", "step")
            if name in bounds]
    bounds = [args.pop(0) if isinstance(v, str) else v for v in bounds.values()]

    def body(b, i, acc):
        shift = b.emit(Op.MUL, [b.emit(Op.CAST, [i], dtype=np.dtype(F64)), _c(b, 0.1)])
        return [b.emit(Op.ADD, [b.emit(Op.MUL, [b.emit(Op.SIN, [acc]), w]), shift])]

    (out,) = _for(b, bounds, [x], body, ["i", "acc"])
    return b.finish([_sum(b, out)])


@pytest.mark.parametrize("bounds", [(0, 5, 1), (7, -2, -3), (3, 3, 1)], ids=str)
@pytest.mark.parametrize("strategy", STRATEGIES)
def test_for_with_constant_bounds(bounds, strategy):
    g = _recurrence(dict(zip(("b0", "b1", "b2"), bounds)))
    check_grads(g, [RNG.normal(size=2), RNG.normal(size=2)], [0, 1], loop_strategy=strategy)


@pytest.mark.parametrize("values", [(0, 4, 1), (9, 1, -2), (5, 2, 1)], ids=str)
def test_for_with_dynamic_bounds(values):
    g = _recurrence({"start": "start", "stop": "stop", "step": "step"})
    args = [RNG.normal(size=2), RNG.normal(size=2)] + [np.int64(v) for v in values]
    grads = check_grads(g, args, [0, 1])
    if len(range(*values)) == 0:
        np.testing.assert_array_equal(grads[1], np.zeros(2))


def test_store_strategy_tapes_and_recompute_does_not():
    g = _recurrence({"b0": 0, "b1": 4, "b2": 1})
    args = [np.array([0.3, -0.2]), np.array([1.1, 0.9])]

    def set_index_count(graph):
        return sum(1 for n in graph.walk() if n.op is Op.SET_INDEX)

    store, recompute = vjp_graph(g, [0, 1]), vjp_graph(g, [0, 1], loop_strategy="recompute")
    assert set_index_count(store) == 1 and set_index_count(recompute) == 0
    for a, c in zip(run(store, *args), run(recompute, *args)):
        np.testing.assert_allclose(a, c, rtol=1e-12)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_for_with_mixed_carried_state(strategy):
    """Carries an int counter, a weak scalar and swaps two arrays each iteration."""
    b = Builder("mixed")
    x = b.add_input(T((2,), F64), "x")
    w = b.add_input(T((2,), F64), "w")
    s = b.add_input(T((), F64, True), "s")
    zero = _c(b, np.int64(0))

    def body(b, i, a, c, n, t):
        t2 = b.emit(Op.MUL, [t, _c(b, 1.1)])                     # stays weak
        odd = b.emit(Op.CAST, [b.emit(Op.MOD, [n, _c(b, 2)])], dtype=np.dtype(F64))
        return [c, b.emit(Op.ADD, [b.emit(Op.MUL, [a, t2]), b.emit(Op.MUL, [w, odd])]),
                b.emit(Op.ADD, [n, _c(b, np.int64(1))]), t2]

    a, c, n, t = _for(b, [0, 5, 1], [x, w, zero, s], body)
    g = b.finish([b.emit(Op.ADD, [_sum(b, b.emit(Op.MUL, [a, c])), t])])
    check_grads(g, [RNG.normal(size=2), RNG.normal(size=2), 0.7], [0, 1, 2],
                loop_strategy=strategy)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_nested_for_loops_capture_outer_carried_values(strategy):
    b = Builder("nested_for")
    x = b.add_input(T((2,), F64), "x")
    w = b.add_input(T((), F64), "w")

    def outer(b, i, acc):
        def inner(b, j, v):
            return [b.emit(Op.ADD, [b.emit(Op.TANH, [b.emit(Op.MUL, [v, w])]), acc])]
        (v,) = _for(b, [0, 3, 1], [acc], inner)
        return [b.emit(Op.MUL, [v, _c(b, 0.5)])]

    (out,) = _for(b, [0, 3, 1], [x], outer)
    g = b.finish([_sum(b, out)])
    check_grads(g, [RNG.normal(size=2), np.array(0.8)], [0, 1], loop_strategy=strategy)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_cond_inside_for_and_for_inside_cond(strategy):
    b = Builder("mixed_flow")
    x = b.add_input(T((2,), F64), "x")
    w = b.add_input(T((2,), F64), "w")

    def body(b, i, acc):
        even = b.emit(Op.EQ, [b.emit(Op.MOD, [i, _c(b, 2)]), _c(b, 0)])
        (r,) = _cond(b, even, lambda b: [b.emit(Op.SIN, [b.emit(Op.MUL, [acc, w])])],
                     lambda b: [b.emit(Op.MUL, [b.emit(Op.EXP, [acc]), _c(b, 0.3)])])
        return [r]

    (looped,) = _for(b, [0, 4, 1], [x], body)
    pred = b.emit(Op.GT, [_sum(b, w), _c(b, 0.0)])

    def then(b):
        (r,) = _for(b, [0, 3, 1], [looped],
                    lambda b, i, v: [b.emit(Op.MUL, [b.emit(Op.COS, [v]), w])])
        return [_sum(b, r)]

    (out,) = _cond(b, pred, then, lambda b: [_sum(b, looped)])
    g = b.finish([out])
    for sign in (1, -1):
        check_grads(g, [RNG.normal(size=2), sign * RNG.uniform(0.2, 1.0, 2)], [0, 1],
                    loop_strategy=strategy)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_accumulator_starting_from_a_constant_becomes_varied_in_the_body(strategy):
    """total = 0; for i in range(4): total = total + sin(w * i)  (total's init is constant)"""
    b = Builder("accumulate")
    w = b.add_input(T((3,), F64), "w")
    zero = b.emit(Op.FULL, [], shape=(3,), dtype=np.dtype(F64), value=0.0)

    def body(b, i, total):
        wi = b.emit(Op.MUL, [w, b.emit(Op.CAST, [i], dtype=np.dtype(F64))])
        return [b.emit(Op.ADD, [total, b.emit(Op.SIN, [wi])])]

    (out,) = _for(b, [0, 4, 1], [zero], body)
    g = b.finish([_sum(b, b.emit(Op.MUL, [out, out]))])
    check_grads(g, [RNG.normal(size=3)], [0], loop_strategy=strategy)


@pytest.mark.parametrize("strategy", STRATEGIES)
def test_weak_loop_index_keeps_its_type_in_the_backward(strategy):
    """s = t; for i (a weak i64): s = s * 1.1 + (i * 0.5) * s * s -- all weak floats."""
    b = Builder("weak_index")
    t = b.add_input(T((), F64, True), "t")

    def body(b, i, s):
        half = b.emit(Op.MUL, [i, _c(b, 0.5)])                      # weak only if i is
        (u,) = _for(b, [0, 2, 1], [half],                           # carries a weak value
                    lambda b, j, u: [b.emit(Op.MUL, [u, s])])
        return [b.emit(Op.ADD, [b.emit(Op.MUL, [s, _c(b, 1.1)]), u])]

    (out,) = _for(b, [0, 3, 1], [t], body, index_type=T((), I64, True))
    g = b.finish([b.emit(Op.MUL, [out, out])])
    check_grads(g, [0.4], [0], loop_strategy=strategy)


# ---- while --------------------------------------------------------------------------

def _decay():
    """n = 0; while sum(v) > 1: v = v * 0.9 + c * 0.01 * s; n += 1;  sum(v * c) + s"""
    b = Builder("decay")
    x = b.add_input(T((2,), F64), "x")
    c = b.add_input(T((2,), F64), "c")
    s = b.add_input(T((), F64), "s")
    types = [T((2,), F64), T((), I64)]
    v, _ = b.open_region(types, ["v", "n"])
    cond = b.close_region([b.emit(Op.GT, [_sum(b, v), _c(b, 1.0)])])
    v, n = b.open_region(types, ["v", "n"])
    step = b.emit(Op.MUL, [b.emit(Op.MUL, [c, _c(b, 0.01)]), s])
    body = b.close_region([b.emit(Op.ADD, [b.emit(Op.MUL, [v, _c(b, 0.9)]), step]),
                           b.emit(Op.ADD, [n, _c(b, np.int64(1))])])
    v_out, n_out = b.emit(Op.WHILE, [x, _c(b, np.int64(0))], regions=[cond, body])
    total = b.emit(Op.ADD, [_sum(b, b.emit(Op.MUL, [v_out, c])), s])
    return b.finish([total, n_out])


@pytest.mark.parametrize("x,trips", [([2.0, 2.5], 17), ([0.2, 0.3], 0), ([7.0, -1.2], 19)])
def test_while_with_data_dependent_trip_count(x, trips):
    g = _decay()
    args = [np.array(x), np.array([0.5, 1.5]), np.array(1.2)]
    assert int(run(g, *args)[1]) == trips           # locally constant around this point
    check_grads(g, args, [0, 1, 2])


def test_while_inside_for():
    b = Builder("while_in_for")
    x = b.add_input(T((), F64), "x")

    def body(b, i, acc):
        (v,) = b.open_region([acc.type])
        cond = b.close_region([b.emit(Op.GT, [v, _c(b, 1.0)])])
        (v,) = b.open_region([acc.type])
        body_r = b.close_region([b.emit(Op.MUL, [v, _c(b, 0.5)])])
        halved = b.emit(Op.WHILE, [acc], regions=[cond, body_r])
        return [b.emit(Op.MUL, [b.emit(Op.ADD, [halved, _c(b, 1.3)]), acc])]

    (out,) = _for(b, [0, 3, 1], [x], body)
    g = b.finish([out])
    check_grads(g, [np.array(1.7)], [0])


# ---- side effects, trivia -----------------------------------------------------------

@pytest.mark.parametrize("strategy", STRATEGIES)
def test_prints_run_once_per_forward_iteration(strategy, capsys):
    b = Builder("printing")
    x = b.add_input(T((), F64), "x")

    def body(b, i, acc):
        b.emit(Op.PRINT, [acc], template=("acc", 0))
        return [b.emit(Op.SIN, [acc])]

    (out,) = _for(b, [0, 3, 1], [x], body)
    g = b.finish([out])
    run(g, np.array(0.5))
    expected = capsys.readouterr().out
    run(vjp_graph(g, [0], loop_strategy=strategy), np.array(0.5))
    assert capsys.readouterr().out == expected and expected.count("acc") == 3


def test_output_independent_of_input_has_zero_gradient():
    b = Builder("const")
    x = b.add_input(T((3,), F64), "x")
    w = b.add_input(T((3,), F64), "w")
    g = b.finish([_sum(b, w), x])
    _, _, gx, gw = run(vjp_graph(g, [0, 1]), np.ones(3), np.ones(3))
    np.testing.assert_array_equal(gx, np.zeros(3))
    np.testing.assert_array_equal(gw, np.ones(3))


def test_second_output_and_identity_gradient():
    b = Builder("two")
    x = b.add_input(T((), F64), "x")
    g = b.finish([b.emit(Op.SIN, [x]), x])
    vjp = vjp_graph(g, [0, 0], output_index=1)
    verify(vjp)
    assert [float(v) for v in run(vjp, 0.3)[2:]] == [1.0, 1.0]


# ---- errors -------------------------------------------------------------------------

def _int_input_graph():
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    n = b.add_input(T((), I64, True), "n")
    return b.finish([_sum(b, b.emit(Op.MUL, [x, n])), x, n])


def test_differentiating_with_respect_to_an_integer_is_an_error():
    with pytest.raises(AutographError, match="cannot differentiate with respect to 'n': "
                                              "it is i64"):
        vjp_graph(_int_input_graph(), [0, 1])


@pytest.mark.parametrize("output_index,message", [(1, r"0-d float output.*f64\[2\]"),
                                                  (2, r"0-d float output.*i64"),
                                                  (3, "no output 3")])
def test_output_must_be_a_float_scalar(output_index, message):
    with pytest.raises(AutographError, match=message):
        vjp_graph(_int_input_graph(), [0], output_index)


def test_unknown_loop_strategy_and_bad_input_index():
    with pytest.raises(AutographError, match="loop_strategy"):
        vjp_graph(_int_input_graph(), [0], loop_strategy="checkpoint")
    with pytest.raises(AutographError, match="no input 5"):
        vjp_graph(_int_input_graph(), [5])


def test_complex_intermediates_are_rejected():
    b = Builder("cplx")
    x = b.add_input(T((2,), F64), "x")
    z = b.emit(Op.CAST, [x], dtype=np.dtype(np.complex128))
    g = b.finish([_sum(b, b.emit(Op.ABS, [z]))])
    with pytest.raises(AutographError, match="complex"):
        vjp_graph(g, [0])
