"""Graph structure utilities: walk, uses, replace_all_uses, free_values, copy, Builder."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.errors import AutographError, StagingError
from autograph.ir import (Builder, Op, TensorType, free_values, replace_all_uses, run, uses,
                          verify)

T = TensorType
F32 = np.float32


def _loop_graph():
    """y = x + 1; for i in range(n): acc = acc * y (captures y); return acc, y."""
    b = Builder("loop")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(T((), np.int64, True), "n")
    one = b.emit(Op.CONSTANT, [], value=1.0)
    y = b.emit(Op.ADD, [x, one])
    i, acc = b.open_region([T((), np.int64, True), y.type], ["i", "acc"])
    prod = b.emit(Op.MUL, [acc, y])
    body = b.close_region([prod])
    zero = b.emit(Op.CONSTANT, [], value=0)
    step = b.emit(Op.CONSTANT, [], value=1)
    out = b.emit(Op.FOR, [zero, n, step, x], regions=[body])
    return b.finish([out, y]), dict(x=x, n=n, one=one, y=y, acc=acc, prod=prod, body=body,
                                    out=out)


def test_walk_is_preorder_into_regions():
    g, _ = _loop_graph()
    assert [node.op for node in g.walk()] == [Op.CONSTANT, Op.ADD, Op.CONSTANT, Op.CONSTANT,
                                              Op.FOR, Op.MUL]


def test_uses():
    g, v = _loop_graph()
    found = uses(g)
    assert [node.op for node in found[v["y"]]] == [Op.MUL]
    assert [node.op for node in found[v["x"]]] == [Op.ADD, Op.FOR]
    assert v["out"] not in found  # used only as a graph result


def test_free_values_in_first_use_order():
    g, v = _loop_graph()
    assert free_values(v["body"]) == [v["y"]]
    assert free_values(g.body) == []
    outer = g.body.nodes[-1].regions[0]
    assert outer.parent is g.body.nodes[-1]


def test_replace_all_uses():
    g, v = _loop_graph()
    count = replace_all_uses(v["y"], v["x"], g)
    assert count == 2  # the MUL inside the loop and the graph result
    verify(g)
    out, y = run(g, np.ones(3, F32), 2)
    np.testing.assert_array_equal(y, 1)
    with pytest.raises(AutographError, match="cannot replace"):
        replace_all_uses(v["x"], v["n"], g)


def test_copy_is_deep_and_equivalent():
    g, v = _loop_graph()
    c = g.copy()
    verify(c)
    assert str(c) == str(g)
    original = {id(val) for node in g.walk() for val in node.outputs + node.inputs}
    copied = {id(val) for node in c.walk() for val in node.outputs + node.inputs}
    assert not original & copied
    c.body.nodes[1].op = Op.SUB  # mutating the copy leaves the original alone
    c.body.nodes[1].attrs["x"] = 1
    assert g.body.nodes[1].op is Op.ADD and not g.body.nodes[1].attrs
    args = (np.arange(3, dtype=F32), 3)
    for got, want in zip(run(g.copy(), *args), run(g, *args)):
        np.testing.assert_array_equal(got, want)


def test_builder_misuse():
    b = Builder("bad")
    with pytest.raises(AutographError, match="no region is open"):
        b.close_region([])
    b.open_region([])
    assert b.depth == 1
    with pytest.raises(AutographError, match="still open"):
        b.finish([])


def test_emit_returns_value_or_tuple_and_attaches_origin():
    class Origin:
        filename, lineno, source_line = "user.py", 12, "    y = x @ w"

    b = Builder("o")
    x = b.add_input(T((3, 4), F32), "x")
    b.origin = Origin()
    y = b.emit(Op.NEG, [x])
    assert y.producer.origin is b.origin and y.producer.outputs == [y]
    assert b.emit(Op.PRINT, [x], template=(0,)) == ()
    with pytest.raises(StagingError, match=r"user.py:12: matmul: f32\[3,4\] @ f32\[3,4\]") as info:
        b.emit(Op.MATMUL, [x, x])
    assert "y = x @ w" in str(info.value)


def test_attrs_key_is_hashable_and_content_based():
    b = Builder("k")
    c1 = b.emit(Op.CONSTANT, [], value=np.array([1.0, 2.0]))
    c2 = b.emit(Op.CONSTANT, [], value=np.array([1.0, 2.0]))
    c3 = b.emit(Op.CONSTANT, [], value=np.array([1.0, 3.0]))
    keys = [c.producer.attrs_key() for c in (c1, c2, c3)]
    assert keys[0] == keys[1] != keys[2]
    assert len({hash(k) for k in keys[:2]}) == 1
