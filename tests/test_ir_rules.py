"""Type rules against NumPy itself: for many dtype combinations (weak Python scalars too),
run NumPy on small arrays and compare its result's shape and dtype with `infer`."""

from __future__ import annotations

import itertools
import warnings

import numpy as np
import pytest
from hypothesis import given, settings
from hypothesis import strategies as st
from hypothesis.extra import numpy as hnp

from autograph.errors import StagingError
from autograph.ir import ops
from autograph.ir.ops import Op
from autograph.ir.reference import NUMPY_IMPL
from autograph.ir.rules import infer
from autograph.ir.types import DTYPE_NAMES, TensorType

DTYPES = list(DTYPE_NAMES)
PY_SCALARS = [True, 3, 1.5, 2 + 1j]


def _operands():
    """(type, example value) pairs: every dtype as a small array, every Python scalar kind."""
    rng = np.random.default_rng(42)
    out = []
    for dt in DTYPES:
        values = rng.integers(1, 4, size=(2, 3)).astype(dt)
        out.append((TensorType.of_array(values), values))
    for value in PY_SCALARS:
        out.append((TensorType.of_python(value), value))
    for value in (np.float32(2), np.int8(2), np.uint64(2), np.bool_(True)):  # strong 0-d
        out.append((TensorType.of_array(value), value))
    return out


OPERANDS = _operands()


def _numpy(fn, *args, **kwargs):
    """NumPy's result as an array, or the exception type it raised."""
    with warnings.catch_warnings(), np.errstate(all="ignore"):
        warnings.simplefilter("ignore")
        try:
            return np.asarray(fn(*args, **kwargs))
        except (TypeError, ValueError) as exc:
            return exc


def _check(op, operands, attrs=None, fn=None, all_weak_is_weak=True):
    """infer(...) agrees with NumPy's result for these operands (or both refuse)."""
    types = [t for t, _ in operands]
    expected = _numpy(fn or NUMPY_IMPL[op], *(v for _, v in operands), **(attrs or {}))
    if isinstance(expected, Exception):
        with pytest.raises(StagingError):
            infer(op, types, attrs)
        return
    (got,) = infer(op, types, attrs)
    assert (got.shape, got.dtype) == (expected.shape, expected.dtype), (op, types)
    assert got.weak == (all_weak_is_weak and all(t.weak for t in types)), (op, types)


@pytest.mark.parametrize("op", sorted(ops.UNARY - {Op.CAST}, key=str))
def test_unary_elementwise_dtypes_match_numpy(op):
    for operand in OPERANDS:
        _check(op, [operand])


@pytest.mark.parametrize("op", sorted(ops.BINARY, key=str))
def test_binary_elementwise_dtypes_match_numpy(op):
    for a, b in itertools.product(OPERANDS, repeat=2):
        _check(op, [a, b])


def test_where_dtypes_match_numpy():
    cond = (TensorType((2, 3), np.bool_), np.array([[True, False, True]] * 2))
    for a, b in itertools.product(OPERANDS, repeat=2):
        _check(Op.WHERE, [cond, a, b])
    weak_cond = (TensorType.of_python(True), True)
    _check(Op.WHERE, [weak_cond, (TensorType.of_python(1), 1), (TensorType.of_python(2.0), 2.0)])


def test_cast():
    for (t, v), dt in itertools.product(OPERANDS, DTYPES):
        _check(Op.CAST, [(t, v)], {"dtype": dt}, all_weak_is_weak=False)
    (weak,) = infer(Op.CAST, [TensorType.of_python(3)], {"dtype": np.float64, "weak": True})
    assert weak == TensorType((), np.float64, True)
    with pytest.raises(StagingError):
        infer(Op.CAST, [TensorType((2,), np.int64)], {"dtype": np.float64, "weak": True})


@pytest.mark.parametrize("op", sorted(ops.REDUCTION, key=str))
def test_reduction_dtypes_and_shapes_match_numpy(op):
    rng = np.random.default_rng(1)
    for dt in DTYPES:
        x = rng.integers(1, 4, size=(2, 3, 4)).astype(dt)
        t = TensorType.of_array(x)
        if op in ops.MULTI_AXIS_REDUCTION:
            choices = [dict(axes=axes, keepdims=k)
                       for r in range(4) for axes in itertools.combinations(range(3), r)
                       for k in (False, True)]
        else:
            choices = [dict(axis=a, keepdims=k) for a in (None, 0, 1, 2, -1) for k in (False, True)]
        for attrs in choices:
            _check(op, [(t, x)], attrs, all_weak_is_weak=False)
    for value in PY_SCALARS:  # reductions of Python scalars give NumPy (strong) scalars
        attrs = {"axes": ()} if op in ops.MULTI_AXIS_REDUCTION else {"axis": None}
        _check(op, [(TensorType.of_python(value), value)], attrs, all_weak_is_weak=False)


def test_reduction_errors():
    t = TensorType((2, 0), np.float32)
    with pytest.raises(StagingError, match="axes must be sorted"):
        infer(Op.SUM, [t], {"axes": (1, 0)})
    with pytest.raises(StagingError, match="out of bounds"):
        infer(Op.SUM, [t], {"axes": (2,)})
    with pytest.raises(StagingError, match="no identity"):
        infer(Op.MAX, [t], {"axes": (1,), "keepdims": False})
    assert infer(Op.SUM, [t], {"axes": (1,)}) == [TensorType((2,), np.float32)]
    with pytest.raises(StagingError, match="missing attribute 'axes'"):
        infer(Op.SUM, [t], {})


MATMUL_SHAPES = [((3,), (3,)), ((2, 3), (3,)), ((3,), (3, 4)), ((2, 3), (3, 4)),
                 ((5, 2, 3), (3, 4)), ((5, 1, 2, 3), (7, 3, 4)), ((3,), (5, 3, 2))]
DOT_SHAPES = MATMUL_SHAPES[:5] + [((), (2, 3)), ((2, 3), ()), ((), ()), ((4, 2, 3), (5, 3, 6))]


@pytest.mark.parametrize("op,shapes", [(Op.MATMUL, MATMUL_SHAPES), (Op.DOT, DOT_SHAPES)])
def test_linalg_shapes_and_dtypes_match_numpy(op, shapes):
    rng = np.random.default_rng(2)
    for sa, sb in shapes:
        for da, db in itertools.product(DTYPES, repeat=2):
            a = rng.integers(0, 3, size=sa).astype(da)
            b = rng.integers(0, 3, size=sb).astype(db)
            _check(op, [(TensorType.of_array(a), a), (TensorType.of_array(b), b)],
                   all_weak_is_weak=False)
    if op is Op.DOT:  # np.dot does not promote Python scalars weakly; the rule knows
        a = np.ones(3, np.float32)
        _check(op, [(TensorType.of_array(a), a), (TensorType.of_python(2.0), 2.0)],
               all_weak_is_weak=False)


def test_matmul_errors_are_clear():
    with pytest.raises(StagingError, match=r"matmul: f32\[3,4\] @ f32\[5,2\]: inner "
                                           r"dimensions 4 and 5 differ"):
        infer(Op.MATMUL, [TensorType((3, 4), np.float32), TensorType((5, 2), np.float32)])
    with pytest.raises(StagingError, match="0-d"):
        infer(Op.MATMUL, [TensorType((), np.float32), TensorType((3,), np.float32)])
    with pytest.raises(StagingError, match="batch"):
        infer(Op.MATMUL, [TensorType((2, 1, 3), np.float32), TensorType((4, 3, 1), np.float32)])


def test_broadcast_error_is_clear():
    with pytest.raises(StagingError, match=r"cannot broadcast f32\[3\] with f32\[4\]"):
        infer(Op.ADD, [TensorType((3,), np.float32), TensorType((4,), np.float32)])
    with pytest.raises(StagingError, match="subtract"):
        infer(Op.SUB, [TensorType((3,), np.bool_), TensorType((3,), np.bool_)])


@settings(max_examples=60, deadline=None, derandomize=True)
@given(shapes=hnp.mutually_broadcastable_shapes(num_shapes=2, max_dims=4, max_side=3),
       op=st.sampled_from(sorted(ops.BINARY, key=str)),
       dtypes=st.tuples(st.sampled_from(DTYPES), st.sampled_from(DTYPES)))
def test_binary_broadcasting_matches_numpy(shapes, op, dtypes):
    a = np.ones(shapes.input_shapes[0], dtypes[0])
    b = np.ones(shapes.input_shapes[1], dtypes[1])
    _check(op, [(TensorType.of_array(a), a), (TensorType.of_array(b), b)])


def _run_shape_op(op, x, attrs):
    return _numpy(NUMPY_IMPL[op], x, **attrs)


@pytest.mark.parametrize("op,shape,attrs", [
    (Op.RESHAPE, (2, 6), {"shape": (3, 4)}),
    (Op.RESHAPE, (2, 6), {"shape": (-1, 3)}),
    (Op.RESHAPE, (2, 6), {"shape": (12,)}),
    (Op.RESHAPE, (), {"shape": (1, 1)}),
    (Op.RESHAPE, (0, 3), {"shape": (3, 0)}),
    (Op.RESHAPE, (2, 6), {"shape": (5, -1)}),
    (Op.RESHAPE, (2, 6), {"shape": (-1, -1)}),
    (Op.TRANSPOSE, (2, 3, 4), {"perm": (2, 0, 1)}),
    (Op.TRANSPOSE, (2, 3), {"perm": (0, 0)}),
    (Op.BROADCAST_TO, (3, 1), {"shape": (2, 3, 4)}),
    (Op.BROADCAST_TO, (3,), {"shape": (4,)}),
    (Op.BROADCAST_TO, (2, 3), {"shape": (3,)}),
])
def test_shape_ops_match_numpy(op, shape, attrs):
    x = np.ones(shape, np.float32)
    _check(op, [(TensorType.of_array(x), x)], attrs, all_weak_is_weak=False)


def test_concatenate_matches_numpy():
    for da, db in itertools.product(DTYPES, repeat=2):
        a, b = np.ones((2, 3), da), np.ones((4, 3), db)
        _check(Op.CONCATENATE, [(TensorType.of_array(a), a), (TensorType.of_array(b), b)],
               {"axis": 0})
    a, b, c = np.ones((2, 3)), np.ones((2, 1)), np.ones((2, 5))
    _check(Op.CONCATENATE, [(TensorType.of_array(v), v) for v in (a, b, c)], {"axis": -1})
    _check(Op.CONCATENATE, [(TensorType.of_array(v), v) for v in (a, b)], {"axis": 0})


@pytest.mark.parametrize("op,attrs", [
    (Op.FULL, {"shape": (2, 3), "dtype": np.dtype(np.int16), "value": 7}),
    (Op.FULL, {"shape": (), "dtype": None, "value": 1.5}),
    (Op.ARANGE, {"start": 0, "stop": 10, "step": 3, "dtype": None}),
    (Op.ARANGE, {"start": 10, "stop": 0, "step": -3, "dtype": np.dtype(np.float32)}),
    (Op.ARANGE, {"start": 0.5, "stop": 2.0, "step": 0.1, "dtype": None}),
    (Op.ARANGE, {"start": 5, "stop": 0, "step": 1, "dtype": None}),
    (Op.EYE, {"n": 3, "m": None, "k": 0, "dtype": None}),
    (Op.EYE, {"n": 2, "m": 4, "k": 1, "dtype": np.dtype(np.int32)}),
])
def test_creation_matches_numpy(op, attrs):
    _check(op, [], attrs, all_weak_is_weak=False)


def test_constant_types():
    assert infer(Op.CONSTANT, [], {"value": np.zeros((2,), np.int8)}) == [TensorType((2,), np.int8)]
    assert infer(Op.CONSTANT, [], {"value": 2.0}) == [TensorType((), np.float64, True)]
    assert infer(Op.CONSTANT, [], {"value": np.float32(2)}) != [TensorType((), np.float32, True)]


# ---- indexing: random index tuples against NumPy ---------------------------------

@st.composite
def _index_case(draw):
    shape = tuple(draw(st.lists(st.integers(1, 4), min_size=1, max_size=4)))
    entries, dynamic, key = [], [], []
    axis = 0
    n_arrays = 0
    while axis < len(shape) and draw(st.booleans()):
        kind = draw(st.sampled_from(["int", "dyn", "slice", "newaxis", "array"]))
        dim = shape[axis]
        if kind == "newaxis":
            entries.append(("newaxis",))
            key.append(None)
            continue
        if kind == "int":
            k = draw(st.integers(-dim, dim - 1))
            entries.append(("int", k))
            key.append(k)
        elif kind == "dyn":
            k = draw(st.integers(-dim, dim - 1))
            entries.append(("dyn", len(dynamic)))
            dynamic.append(np.int64(k))
            key.append(k)
        elif kind == "slice":
            part = st.one_of(st.none(), st.integers(-dim - 1, dim + 1))
            step = draw(st.one_of(st.none(), st.sampled_from([-2, -1, 1, 2, 3])))
            parts = (draw(part), draw(part), step)
            entries.append(("slice",) + parts)
            key.append(slice(*parts))
        else:
            if n_arrays == 2:
                continue
            n_arrays += 1
            ashape = draw(st.sampled_from([(), (2,), (2, 1), (1, 3)]))
            elements = st.integers(-dim, dim - 1)
            arr = np.asarray(draw(hnp.arrays(np.int32, ashape, elements=elements)))
            entries.append(("array", len(dynamic)))
            dynamic.append(arr)
            key.append(arr)
        axis += 1
    return shape, tuple(entries), dynamic, tuple(key)


@settings(max_examples=300, deadline=None, derandomize=True)
@given(case=_index_case())
def test_index_shapes_match_numpy(case):
    shape, index, dynamic, key = case
    x = np.arange(int(np.prod(shape))).reshape(shape)
    types = [TensorType.of_array(x)] + [TensorType.of_array(d) for d in dynamic]
    try:
        expected = x[key]
    except IndexError:  # e.g. index arrays that do not broadcast together
        with pytest.raises(StagingError):
            infer(Op.INDEX, types, {"index": index})
        return
    (got,) = infer(Op.INDEX, types, {"index": index})
    assert got == TensorType.of_array(expected)
    np.testing.assert_array_equal(NUMPY_IMPL[Op.INDEX](x, *dynamic, index=index), expected)
    # SET_INDEX: assigning a broadcastable value keeps x's type and matches NumPy setitem.
    value = np.full(expected.shape[1:], -1.5)
    vt = TensorType.of_array(value)
    assert infer(Op.SET_INDEX, [types[0], vt] + types[1:], {"index": index}) == [types[0]]
    want = x.copy()
    want[key] = value
    np.testing.assert_array_equal(NUMPY_IMPL[Op.SET_INDEX](x, value, *dynamic, index=index), want)


@pytest.mark.parametrize("key", [
    (0, slice(None), [0, 1]),              # advanced indices apart: their dims go first
    (slice(None), 0, [0, 1]),              # adjacent: in place
    ([0, 1], None, [1, 0]),                # a newaxis separates them too
    (None, [0, 1], [1, 0]),
    ([[0], [1]], slice(None), [0, 2, 1]),  # broadcast index arrays, apart
    (slice(1, None), [[0], [1]], [0, 2, 1]),
    (np.array(1), slice(None), [0, 1]),    # 0-d array index
    (slice(None, None, -1), -1),
    (slice(None), 0, slice(None), [0, 1, 2]),   # apart, after a slice: (3, 2, 4)
    (None, [0, 1], slice(None), [1, 0]),
])
def test_index_shapes_match_numpy_on_tricky_cases(key):
    x = np.arange(120).reshape(2, 3, 4, 5)
    index, dynamic = [], []
    for k in key:
        if k is None:
            index.append(("newaxis",))
        elif isinstance(k, slice):
            index.append(("slice", k.start, k.stop, k.step))
        elif isinstance(k, int):
            index.append(("int", k))
        else:
            index.append(("array", len(dynamic)))
            dynamic.append(np.asarray(k))
    types = [TensorType.of_array(x)] + [TensorType.of_array(d) for d in dynamic]
    (got,) = infer(Op.INDEX, types, {"index": tuple(index)})
    assert got.shape == x[key].shape
    np.testing.assert_array_equal(NUMPY_IMPL[Op.INDEX](x, *dynamic, index=tuple(index)), x[key])


def test_index_errors():
    x = TensorType((3, 4), np.float32)
    i64 = TensorType((), np.int64)
    with pytest.raises(StagingError, match="out of bounds"):
        infer(Op.INDEX, [x], {"index": (("int", 3),)})
    with pytest.raises(StagingError, match="too many indices"):
        infer(Op.INDEX, [x], {"index": (("int", 0),) * 3})
    with pytest.raises(StagingError, match="integer"):
        infer(Op.INDEX, [x, TensorType((), np.float32)], {"index": (("dyn", 0),)})
    with pytest.raises(StagingError, match="0-d"):
        infer(Op.INDEX, [x, TensorType((2,), np.int64)], {"index": (("dyn", 0),)})
    with pytest.raises(StagingError, match="operand 1"):
        infer(Op.INDEX, [x, i64], {"index": (("dyn", 1),)})
    with pytest.raises(StagingError, match="step cannot be zero"):
        infer(Op.INDEX, [x], {"index": (("slice", None, None, 0),)})
    with pytest.raises(StagingError, match="cannot assign"):
        infer(Op.SET_INDEX, [x, TensorType((3,), np.float32), i64], {"index": (("dyn", 0),)})
    # A dynamic index keeps the rest of the shape; negative static ints count from the end.
    assert infer(Op.INDEX, [x, i64], {"index": (("dyn", 0),)}) == [TensorType((4,), np.float32)]
    assert infer(Op.INDEX, [x], {"index": (("int", -1), ("slice", None, None, -2))}) == \
        [TensorType((2,), np.float32)]


def test_normalize_index():
    from autograph.ir.indexing import normalize_index

    got = normalize_index((5, 4, 3), (("int", -1), ("newaxis",), ("slice", None, None, -1)))
    assert got == (("int", 4), ("newaxis",), ("slice", 3, None, -1), ("slice", 0, 3, 1))
    x = np.arange(60).reshape(5, 4, 3)
    key = tuple(None if e[0] == "newaxis" else e[1] if e[0] == "int" else slice(*e[1:])
                for e in got)
    np.testing.assert_array_equal(x[key], x[-1, None, ::-1])
