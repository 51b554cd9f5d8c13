"""The reference interpreter on hand-built graphs, compared with plain Python/NumPy."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.errors import AutographError
from autograph.ir import Builder, Op, TensorType, run, verify

T = TensorType
F32, I64, B1 = np.float32, np.int64, np.bool_
WEAK_INT = T((), I64, True)


def _run(graph, *args):
    verify(graph)
    return run(graph, *args, check=True)


def _const(b, value):
    return b.emit(Op.CONSTANT, [], value=value)


def test_weak_python_scalars_promote_like_numpy():
    b = Builder("scale")
    x = b.add_input(T((3,), F32), "x")
    s = b.add_input(T((), np.float64, True), "s")
    y = b.emit(Op.MUL, [x, s])                       # f32 * Python float -> f32
    z = b.emit(Op.ADD, [y, _const(b, np.float64(1))])  # f32 + np.float64 -> f64
    g = b.finish([y, z])
    x0 = np.arange(3, dtype=F32)
    got = _run(g, x0, 2.5)
    np.testing.assert_array_equal(got[0], x0 * 2.5)
    assert got[0].dtype == (x0 * 2.5).dtype == F32
    assert got[1].dtype == (x0 * 2.5 + np.float64(1)).dtype == np.float64


def test_results_are_always_arrays():
    b = Builder("s")
    x = b.add_input(T((4,), F32), "x")
    total = b.emit(Op.SUM, [x], axes=(0,), keepdims=False)
    g = b.finish([total])
    (got,) = _run(g, np.ones(4, F32))
    assert isinstance(got, np.ndarray) and got.shape == () and got.dtype == F32


def _mlp_graph():
    b = Builder("mlp")
    x = b.add_input(T((2, 5), F32), "x")
    w = b.add_input(T((5, 3), F32), "w")
    bias = b.add_input(T((3,), F32), "bias")
    h = b.emit(Op.ADD, [b.emit(Op.MATMUL, [x, w]), bias])
    r = b.emit(Op.MAXIMUM, [h, _const(b, 0.0)])
    m = b.emit(Op.MEAN, [r], axes=(1,), keepdims=True)
    am = b.emit(Op.ARGMAX, [r], axis=-1, keepdims=False)
    t = b.emit(Op.TRANSPOSE, [b.emit(Op.TANH, [r])], perm=(1, 0))
    c = b.emit(Op.CONCATENATE, [r, b.emit(Op.BROADCAST_TO, [m], shape=(2, 3))], axis=0)
    return b.finish([m, am, t, c])


def test_mlp_matches_numpy():
    rng = np.random.default_rng(0)
    x, w, bias = (rng.standard_normal(s).astype(F32) for s in [(2, 5), (5, 3), (3,)])
    r = np.maximum(x @ w + bias, 0.0)
    m = r.mean(axis=1, keepdims=True)
    want = [m, r.argmax(axis=-1), np.tanh(r).T, np.concatenate([r, np.broadcast_to(m, (2, 3))])]
    got = _run(_mlp_graph(), x, w, bias)
    for g, e in zip(got, want):
        assert g.dtype == e.dtype and g.shape == e.shape
        np.testing.assert_allclose(g, e, rtol=1e-6)


def _abs_or_shift_graph():
    """y = x * 2 if sum(x) > 0 else x - 1  (a staged if)."""
    b = Builder("branchy")
    x = b.add_input(T((3,), F32), "x")
    pred = b.emit(Op.GT, [b.emit(Op.SUM, [x], axes=(0,), keepdims=False), _const(b, 0)])
    b.open_region([])
    then = b.close_region([b.emit(Op.MUL, [x, _const(b, 2)])])   # captures x implicitly
    b.open_region([])
    other = b.close_region([b.emit(Op.SUB, [x, _const(b, 1)])])
    y = b.emit(Op.COND, [pred], regions=[then, other])
    return b.finish([y])


@pytest.mark.parametrize("x", [[1.0, 2.0, 3.0], [-1.0, -2.0, 0.5]])
def test_cond(x):
    x = np.array(x, F32)
    want = x * 2 if x.sum() > 0 else x - 1
    (got,) = _run(_abs_or_shift_graph(), x)
    assert got.dtype == want.dtype
    np.testing.assert_array_equal(got, want)


def _collatz_graph():
    """steps = 0; while n != 1: n = n // 2 if n % 2 == 0 else 3 * n + 1; steps += 1."""
    b = Builder("collatz")
    n = b.add_input(WEAK_INT, "n")
    steps0 = _const(b, 0)
    cn, _ = b.open_region([WEAK_INT, WEAK_INT], ["n", "steps"])
    cond = b.close_region([b.emit(Op.NE, [cn, _const(b, 1)])])
    bn, bsteps = b.open_region([WEAK_INT, WEAK_INT], ["n", "steps"])
    even = b.emit(Op.EQ, [b.emit(Op.MOD, [bn, _const(b, 2)]), _const(b, 0)])
    b.open_region([])
    halve = b.close_region([b.emit(Op.FLOORDIV, [bn, _const(b, 2)])])
    b.open_region([])
    triple = b.close_region([b.emit(Op.ADD, [b.emit(Op.MUL, [_const(b, 3), bn]), _const(b, 1)])])
    new_n = b.emit(Op.COND, [even], regions=[halve, triple])
    body = b.close_region([new_n, b.emit(Op.ADD, [bsteps, _const(b, 1)])])
    final_n, steps = b.emit(Op.WHILE, [n, steps0], regions=[cond, body])
    return b.finish([steps])


def _collatz(n):
    steps = 0
    while n != 1:
        n = n // 2 if n % 2 == 0 else 3 * n + 1
        steps += 1
    return steps


@pytest.mark.parametrize("n", [1, 6, 27, 837799])
def test_while_collatz(n):
    (got,) = _run(_collatz_graph(), n)
    assert got == _collatz(n)
    assert got.dtype == I64


def _reverse_accumulate_graph():
    """acc = 0.0; for i in range(start, stop, step): acc = acc * 2 + x[i]; out[i] = acc."""
    b = Builder("rev")
    x = b.add_input(T((10,), F32), "x")
    start, stop, step = (b.add_input(WEAK_INT, name) for name in ("start", "stop", "step"))
    acc0 = b.emit(Op.FULL, [], shape=(), dtype=np.dtype(F32), value=0.0)
    out0 = b.emit(Op.FULL, [], shape=(10,), dtype=np.dtype(F32), value=-1.0)
    i, acc, out = b.open_region([WEAK_INT, acc0.type, out0.type], ["i", "acc", "out"])
    xi = b.emit(Op.INDEX, [x, i], index=(("dyn", 0),))
    new_acc = b.emit(Op.ADD, [b.emit(Op.MUL, [acc, _const(b, 2)]), xi])
    new_out = b.emit(Op.SET_INDEX, [out, new_acc, i], index=(("dyn", 0),))
    body = b.close_region([new_acc, new_out])
    acc_f, out_f = b.emit(Op.FOR, [start, stop, step, acc0, out0], regions=[body])
    return b.finish([acc_f, out_f])


def _reverse_accumulate(x, start, stop, step):
    acc, out = np.float32(0.0), np.full(10, -1.0, F32)
    for i in range(start, stop, step):
        acc = acc * 2 + x[i]
        out[i] = acc
    return acc, out


@pytest.mark.parametrize("bounds", [(9, -1, -3), (0, 10, 1), (8, 2, -1), (3, 3, 1), (5, 0, 2),
                                    (-1, -11, -4)])
def test_for_range_semantics_with_dynamic_index(bounds):
    x = np.arange(10, dtype=F32) / 4
    got = _run(_reverse_accumulate_graph(), x, *bounds)
    want = _reverse_accumulate(x, *bounds)
    for g, w in zip(got, want):
        assert g.dtype == np.asarray(w).dtype
        np.testing.assert_array_equal(g, w)


def test_dynamic_index_out_of_range_is_index_error():
    with pytest.raises(IndexError):
        run(_reverse_accumulate_graph(), np.zeros(10, F32), 0, 11, 1)


def test_weak_loop_index_keeps_float32():
    b = Builder("f")
    n = b.add_input(WEAK_INT, "n")
    acc0 = b.emit(Op.FULL, [], shape=(2,), dtype=np.dtype(F32), value=0.0)
    i, acc = b.open_region([WEAK_INT, acc0.type])
    body = b.close_region([b.emit(Op.ADD, [acc, i])])
    out = b.emit(Op.FOR, [_const(b, 0), n, _const(b, 1), acc0], regions=[body])
    (got,) = _run(b.finish([out]), 4)
    assert got.dtype == F32
    np.testing.assert_array_equal(got, [6, 6])


def test_set_index_is_functional_and_casts_like_setitem():
    b = Builder("s")
    x = b.add_input(T((2, 3), np.int32), "x")
    j = b.add_input(WEAK_INT, "j")
    v = b.add_input(T((3,), np.float64), "v")
    y = b.emit(Op.SET_INDEX, [x, v, j], index=(("dyn", 0),))
    col = b.emit(Op.SET_INDEX, [y, _const(b, 7), j],
                 index=(("slice", None, None, None), ("dyn", 0)))
    g = b.finish([x, y, col])
    x0 = np.zeros((2, 3), np.int32)
    got_x, got_y, got_col = _run(g, x0, -1, np.array([1.5, 2.5, -3.5]))
    want = x0.copy()
    want[-1] = [1.5, 2.5, -3.5]
    np.testing.assert_array_equal(got_y, want)
    assert got_y.dtype == np.int32
    want[:, -1] = 7
    np.testing.assert_array_equal(got_col, want)
    np.testing.assert_array_equal(got_x, 0)     # the input was not modified
    assert not x0.any()


def test_advanced_index_with_array_operand():
    b = Builder("gather")
    x = b.add_input(T((4, 3), F32), "x")
    idx = b.add_input(T((5,), I64), "idx")
    g = b.finish([b.emit(Op.INDEX, [x, idx], index=(("slice", 1, None, None), ("array", 0)))])
    x0, i0 = np.arange(12, dtype=F32).reshape(4, 3), np.array([0, 2, -1, 1, 0])
    np.testing.assert_array_equal(_run(g, x0, i0)[0], x0[1:, i0])


def test_print(capsys):
    b = Builder("p")
    x = b.add_input(T((2,), F32), "x")
    n = b.add_input(WEAK_INT, "n")
    b.emit(Op.PRINT, [x, n], template=("x =", 0, "n:", 1), sep=" ", end="!\n")
    b.emit(Op.PRINT, [n], template=(0,), sep="", end="\n")
    run(b.finish([]), np.array([1.5, 2], F32), 3)
    assert capsys.readouterr().out == f"x = {np.array([1.5, 2], F32)} n: 3!\n3\n"


def test_creation_ops():
    b = Builder("c")
    outs = [b.emit(Op.ARANGE, [], start=10, stop=0, step=-3, dtype=None),
            b.emit(Op.EYE, [], n=2, m=3, k=1, dtype=np.dtype(np.int8)),
            b.emit(Op.FULL, [], shape=(2,), dtype=np.dtype(np.complex64), value=1j),
            b.emit(Op.RESHAPE, [b.emit(Op.ARANGE, [], start=0, stop=6, step=1, dtype=None)],
                   shape=(3, -1))]
    got = _run(b.finish(outs))
    want = [np.arange(10, 0, -3), np.eye(2, 3, 1, np.int8), np.full(2, 1j, np.complex64),
            np.arange(6).reshape(3, -1)]
    for g, w in zip(got, want):
        assert g.dtype == w.dtype
        np.testing.assert_array_equal(g, w)


def test_wrong_arguments_are_rejected():
    g = _abs_or_shift_graph()
    with pytest.raises(AutographError, match="takes 1 argument"):
        run(g)
    with pytest.raises(AutographError, match="shape"):
        run(g, np.zeros(4, F32))
