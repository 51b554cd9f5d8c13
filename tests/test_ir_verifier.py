"""The verifier accepts well-formed graphs and names the node for each kind of breakage."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.ir import Builder, Node, Op, Region, TensorType, Value, VerificationError, verify

T = TensorType
F32 = np.float32
WEAK_INT = T((), np.int64, True)


def _graph():
    """x + 1 in a while loop (count < n), then neg: three top-level nodes and a region."""
    b = Builder("g")
    x = b.add_input(T((3,), F32), "x")
    n = b.add_input(WEAK_INT, "n")
    one = b.emit(Op.CONSTANT, [], value=1)
    cx, cc = b.open_region([x.type, WEAK_INT])
    cond = b.close_region([b.emit(Op.LT, [cc, n])])
    bx, bc = b.open_region([x.type, WEAK_INT])
    body = b.close_region([b.emit(Op.ADD, [bx, one]), b.emit(Op.ADD, [bc, one])])
    out, count = b.emit(Op.WHILE, [x, b.emit(Op.CONSTANT, [], value=0)], regions=[cond, body])
    y = b.emit(Op.NEG, [out])
    return b.finish([y, count])


def test_well_formed_graph_passes():
    verify(_graph())


def test_use_before_definition():
    g = _graph()
    nodes = g.body.nodes
    nodes[-1], nodes[-2] = nodes[-2], nodes[-1]  # neg before the while defining its input
    with pytest.raises(VerificationError, match=r"node 2 \(neg\).*used before it is defined"):
        verify(g)


def test_use_outside_scope():
    g = _graph()
    body = g.body.nodes[2].regions[1]
    inner = body.nodes[0].outputs[0]  # defined inside the while body
    g.body.nodes[-1].inputs[0] = inner
    with pytest.raises(VerificationError, match=r"node 3 \(neg\).*outside its scope"):
        verify(g)
    g = _graph()
    g.body.results[0] = inner
    with pytest.raises(VerificationError, match="result 0"):
        verify(g)


def test_output_type_disagrees_with_rule():
    g = _graph()
    g.body.nodes[-1].outputs[0].type = T((3,), np.float64)
    with pytest.raises(VerificationError, match=r"node 3 \(neg\): output types \(f64\[3\]\) "
                                                  r"disagree with the type rule \(f32\[3\]\)"):
        verify(g)


def test_region_types_inconsistent_with_op():
    g = _graph()
    cond = g.body.nodes[2].regions[0]
    cond.params[0].type = T((3,), np.float64)  # unused inside, so only the while rule sees it
    with pytest.raises(VerificationError, match=r"node 2 \(while\): .*cond parameters"):
        verify(g)
    g = _graph()
    cond = g.body.nodes[2].regions[0]
    cond.results = [cond.params[1]]  # an i64 where a bool is required
    with pytest.raises(VerificationError, match="cond must yield one 0-d bool"):
        verify(g)


def test_value_defined_twice():
    g = _graph()
    g.body.nodes.append(g.body.nodes[-1])  # the same node (and its outputs) twice
    with pytest.raises(VerificationError, match=r"node 4 \(neg\).*defined twice"):
        verify(g)
    g = _graph()
    first = g.body.nodes[0]
    clone = Node(Op.CONSTANT, [], {"value": 1}, (), (), None)
    clone.outputs = list(first.outputs)  # a second producer claiming the same value
    g.body.nodes.insert(1, clone)
    with pytest.raises(VerificationError, match=r"node 1 \(constant\).*defined twice"):
        verify(g)


def test_stale_producer_and_region_parent():
    g = _graph()
    g.body.nodes[-1].outputs[0].index = 1
    with pytest.raises(VerificationError, match="records producer"):
        verify(g)
    g = _graph()
    g.body.nodes[2].regions[0].parent = None
    with pytest.raises(VerificationError, match="parent"):
        verify(g)


def test_unhashable_attribute_and_origin_in_message():
    class Origin:
        filename, lineno, source_line = "user.py", 7, "y = -x"

    g = _graph()
    node = g.body.nodes[-1]
    node.attrs["bad"] = [1, 2]
    node.origin = Origin()
    with pytest.raises(VerificationError, match=r"user.py:7: .*bad=\[1, 2\] is not hashable"):
        verify(g)


def test_undefined_value_from_nowhere():
    g = _graph()
    stray = Value(T((3,), F32))
    g.body.nodes[-1].inputs[0] = stray
    with pytest.raises(VerificationError, match="used before it is defined"):
        verify(g)


def test_regions_nest_captures_are_fine():
    b = Builder("nest")
    x = b.add_input(T((), np.bool_), "p")
    b.open_region([])
    b.open_region([])
    inner = b.close_region([x])
    b.open_region([])
    other = b.close_region([x])
    mid = b.close_region([b.emit(Op.COND, [x], regions=[inner, other])])
    b.open_region([])
    last = b.close_region([x])
    g = b.finish([b.emit(Op.COND, [x], regions=[mid, last])])
    verify(g)
    assert isinstance(g.body.nodes[0].regions[0], Region)
