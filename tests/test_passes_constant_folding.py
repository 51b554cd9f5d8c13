"""Constant folding: exact dtypes and weakness, size limit, regions, constant control flow."""

from __future__ import annotations

import doctest

import numpy as np
import pytest

from autograph.ir import Builder, Op
from autograph.passes import constant_folding, run_passes
from passes_support import (B1, F32, F64, I32, I64, WEAK_I64, T, assert_same_results, const,
                            dedent, optimize)


def test_docstring_example():
    result = doctest.testmod(constant_folding)
    assert result.attempted > 0 and result.failed == 0


def test_fancy_func_folds_to_one_constant():
    """The seed chapter: fancy_func(1, 2, 3, 4) with all-constant inputs is the constant 10."""
    b = Builder("fancy_func")
    a, b_, c, d = (const(b, k) for k in (1, 2, 3, 4))
    e = b.emit(Op.ADD, [a, b_])
    f = b.emit(Op.ADD, [c, d])
    g = b.finish([b.emit(Op.ADD, [e, f])])
    after, report = run_passes(g, verify=True)
    assert str(after) == dedent("""
        graph fancy_func() {
          return (10:i64~[],)
        }
        """)
    assert len(after.body.nodes) == 1
    assert "constant_folding: folded 3 constants" in report.changes()
    assert_same_results(g, after)
    assert after.body.results[0].producer.attrs["value"] == 10


def test_inputs_are_not_folded():
    b = Builder("fancy_func")
    a, b_ = b.add_input(WEAK_I64, "a"), b.add_input(WEAK_I64, "b")
    g = b.finish([b.emit(Op.ADD, [a, b_])])
    assert constant_folding.run(g) is False


@pytest.mark.parametrize("x, k, want", [
    (np.arange(3, dtype=F32), 2.0, "f32[3]"),             # Python float stays weak: f32
    (np.arange(3, dtype=F32), np.float64(2.0), "f64[3]"),  # NumPy scalar is strong: f64
    (np.array(3, I32), 2, "i32[]"),                        # i32 + Python int: i32, strong
    (7, 2, "i64~[]"),                                      # Python ints stay a Python int
    (7, 2.5, "f64~[]"),
    (True, False, "b1~[]"),
])
def test_folding_keeps_dtype_and_weakness(x, k, want):
    b = Builder("f")
    out = b.emit(Op.ADD if want != "b1~[]" else Op.LOGICAL_OR, [const(b, x), const(b, k)])
    g = b.finish([out])
    after, _ = optimize(g, "constant_folding", args=())
    node = after.body.nodes[-1]
    assert node.op is Op.CONSTANT and str(node.outputs[0].type) == want
    weak = want.split("[")[0].endswith("~")
    assert isinstance(node.attrs["value"], np.ndarray) != weak


def test_weak_cast_to_f32_is_not_folded():
    # no Python scalar is a weak f32, so the CONSTANT could not have the cast's type
    b = Builder("f")
    g = b.finish([b.emit(Op.CAST, [const(b, 3)], dtype=np.dtype(F32), weak=True)])
    assert constant_folding.run(g) is False
    b = Builder("f")
    g = b.finish([b.emit(Op.CAST, [const(b, 3)], dtype=np.dtype(F64), weak=True)])
    assert constant_folding.run(g) is True


def test_size_limit_and_creation_ops():
    b = Builder("f")
    small = b.emit(Op.FULL, [], shape=(4, 4), value=1.5, dtype=np.dtype(F32))
    big = b.emit(Op.FULL, [], shape=(2000,), value=1.0, dtype=np.dtype(F64))
    ar = b.emit(Op.ARANGE, [], start=0, stop=5, step=1, dtype=np.dtype(I64))
    eye = b.emit(Op.EYE, [], n=3, m=None, k=0, dtype=None)
    s = b.emit(Op.SUM, [big], axes=(0,), keepdims=False)
    g = b.finish([small, big, ar, eye, s])
    after, report = optimize(g, "constant_folding", args=())
    ops = [n.op for n in after.body.nodes]
    assert ops == [Op.CONSTANT, Op.FULL, Op.CONSTANT, Op.CONSTANT, Op.SUM]
    assert report.records[0].changes == ["folded 3 constants"]
    assert after.body.nodes[0].attrs["value"].dtype == F32


def test_errors_and_warnings_are_left_for_run_time():
    b = Builder("f")
    zero_div = b.emit(Op.FLOORDIV, [const(b, np.array([1, 2], I64)), const(b, np.array(0, I64))])
    overflow = b.emit(Op.EXP, [const(b, np.array(1000.0))])
    ok = b.emit(Op.FLOORDIV, [const(b, np.array([7, 9], I64)), const(b, 2)])
    g = b.finish([zero_div, overflow, ok])
    after, report = optimize(g, "constant_folding", args=())
    assert [n.op for n in after.body.nodes if n.op is not Op.CONSTANT] == [Op.FLOORDIV, Op.EXP]
    np.testing.assert_array_equal(after.body.nodes[-1].attrs["value"], [3, 4])


def test_folds_inside_loop_bodies():
    b = Builder("f")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(WEAK_I64, "n")
    _, acc = b.open_region([T((), I64), x.type], ["i", "acc"])
    k = b.emit(Op.MUL, [const(b, 0.5), const(b, 4)])
    body = b.close_region([b.emit(Op.ADD, [acc, k])])
    g = b.finish([b.emit(Op.FOR, [const(b, 0), n, const(b, 1), x], regions=[body])])
    after, _ = optimize(g, "constant_folding", "dce", args=(np.ones(3, F32), 3))
    assert "add acc 2.0:f64~[]" in str(after)


@pytest.mark.parametrize("predicate", [True, False])
def test_cond_with_constant_predicate_is_inlined(predicate):
    b = Builder("f")
    x = b.add_input(T((3,), F32), "x")
    p = b.emit(Op.GT, [const(b, 2), const(b, 1 if predicate else 3)])
    b.open_region([])
    y = b.emit(Op.EXP, [x])
    b.emit(Op.PRINT, [y], template=("then", 0), sep=" ", end="\n")
    then = b.close_region([y])
    b.open_region([])
    other = b.close_region([b.emit(Op.NEG, [x])])
    out = b.emit(Op.COND, [p], regions=[then, other])
    g = b.finish([b.emit(Op.ADD, [out, x])])
    after, report = optimize(g, "constant_folding", "dce", args=(np.arange(3, dtype=F32),))
    assert all(node.op is not Op.COND for node in after.walk())
    assert "inlined 1 cond with a constant predicate" in report.records[0].changes
    want = ["exp", "print", "add"] if predicate else ["neg", "add"]
    assert [str(n.op) for n in after.body.nodes if n.op is not Op.CONSTANT] == want


def test_nested_constant_cond_in_a_loop_and_loops_that_never_run():
    b = Builder("f")
    x = b.add_input(T((2,), F64), "x")
    n = b.add_input(WEAK_I64, "n")
    _, acc = b.open_region([T((), I64), x.type], ["i", "acc"])
    b.open_region([])
    then = b.close_region([b.emit(Op.MUL, [acc, const(b, 2.0)])])
    b.open_region([])
    other = b.close_region([acc])
    new = b.emit(Op.COND, [const(b, True)], regions=[then, other])
    body = b.close_region([new])
    looped = b.emit(Op.FOR, [const(b, 0), n, const(b, 1), x], regions=[body])
    _, acc2 = b.open_region([T((), I64), x.type], ["j", "acc"])
    empty_body = b.close_region([b.emit(Op.ADD, [acc2, const(b, 1.0)])])
    empty = b.emit(Op.FOR, [const(b, 5), const(b, 2), const(b, 1), looped],
                   regions=[empty_body])
    (c,) = b.open_region([x.type], ["c"])
    cond = b.close_region([b.emit(Op.LT, [const(b, 3), const(b, 1)])])
    (w,) = b.open_region([x.type], ["w"])
    wbody = b.close_region([b.emit(Op.NEG, [w])])
    never = b.emit(Op.WHILE, [empty], regions=[cond, wbody])
    g = b.finish([never])
    after, report = optimize(g, "constant_folding", "dce", args=(np.array([1.0, -2.0]), 3))
    assert report.records[0].changes == ["inlined 1 cond with a constant predicate",
                                         "removed 2 loops that never run", "folded 1 constant"]
    assert dedent(str(after)) == dedent("""
        graph f(x:f64[2], n:i64~[]) {
          a:f64[2] = for 0:i64~[] n 1:i64~[] x {
            body ^(i:i64[], acc:f64[2]):
              b:f64[2] = mul acc 2.0:f64~[]
              yield b
          }
          return (a,)
        }
        """)


def test_constant_predicate_of_bool_dtype_array():
    b = Builder("f")
    x = b.add_input(T((), B1), "x")
    p = b.emit(Op.ALL, [const(b, np.array([True, False]))], axes=(0,), keepdims=False)
    b.open_region([])
    then = b.close_region([x])
    b.open_region([])
    other = b.close_region([b.emit(Op.LOGICAL_NOT, [x])])
    g = b.finish([b.emit(Op.COND, [p], regions=[then, other])])
    after, _ = optimize(g, "constant_folding", "dce", args=(np.True_,))
    assert [n.op for n in after.body.nodes] == [Op.LOGICAL_NOT]
