"""Every table keyed by op covers every op, and the op property sets agree with each other."""

from __future__ import annotations

import numpy as np

from autograph.ir import ops
from autograph.ir.ops import Op
from autograph.ir.reference import NUMPY_IMPL
from autograph.ir.rules import RULES

# Ops the interpreter runs itself (they execute regions), so they have no NumPy function.
_INTERPRETED = ops.CONTROL_FLOW


def test_every_op_has_a_type_rule():
    missing = [op for op in Op if op not in RULES]
    assert missing == []


def test_every_op_has_a_numpy_implementation():
    missing = [op for op in Op if op not in NUMPY_IMPL and op not in _INTERPRETED]
    assert missing == []
    assert not (set(NUMPY_IMPL) & _INTERPRETED)


def test_every_elementwise_op_but_cast_and_where_is_a_ufunc_of_matching_arity():
    assert set(ops.UFUNC) == ops.ELEMENTWISE - {Op.CAST, Op.WHERE}
    for op in ops.UNARY - {Op.CAST}:
        assert ops.UFUNC[op].nin == 1, op
    for op in ops.BINARY:
        assert ops.UFUNC[op].nin == 2, op


def test_property_sets():
    assert ops.ELEMENTWISE == ops.UNARY | ops.BINARY | {Op.WHERE}
    assert not ops.UNARY & ops.BINARY
    assert ops.COMPARISON <= ops.BINARY
    assert ops.COMMUTATIVE <= ops.BINARY
    assert ops.REGION_NAMES.keys() == ops.CONTROL_FLOW
    assert ops.CREATION == {Op.FULL, Op.ARANGE, Op.EYE}
    assert ops.SIDE_EFFECT == {Op.PRINT, Op.CHECK}
    for group in (ops.UNARY, ops.BINARY, ops.REDUCTION, ops.CONTROL_FLOW, ops.COMMUTATIVE):
        assert isinstance(group, frozenset)


def test_commutative_ops_commute_in_numpy():
    rng = np.random.default_rng(0)
    a, b = rng.integers(-5, 5, 8), rng.integers(-5, 5, 8)
    for op in ops.COMMUTATIVE:
        np.testing.assert_array_equal(NUMPY_IMPL[op](a, b), NUMPY_IMPL[op](b, a), err_msg=str(op))


def test_printed_names_are_lower_case_member_names():
    assert str(Op.LOGICAL_AND) == "logical_and"
    assert len({op.printed_name for op in Op}) == len(Op)


def test_every_op_declares_its_attributes():
    """An op without a row would export with no attributes and fail only when loaded."""
    missing = [op for op in Op if op not in ops.ATTRIBUTES]
    assert missing == [], f"ir/ops.py ATTRIBUTES has no row for {missing}"
    kinds = {kind for spec in ops.ATTRIBUTES.values() for kind, _ in spec.values()}
    assert kinds <= set(ops.ATTRIBUTE_KINDS), kinds - set(ops.ATTRIBUTE_KINDS)


def test_every_attribute_kind_has_an_export_codec():
    from autograph.serialization import attrs

    missing = [kind for kind in ops.ATTRIBUTE_KINDS if kind not in attrs.CODECS]
    assert missing == []


def test_allocating_ops_are_the_ones_that_make_new_arrays():
    assert ops.ELEMENTWISE | ops.REDUCTION | ops.CREATION <= ops.ALLOCATING
    views = {Op.RESHAPE, Op.TRANSPOSE, Op.BROADCAST_TO, Op.INDEX}
    assert not views & ops.ALLOCATING
    assert not ops.CONTROL_FLOW & ops.ALLOCATING
