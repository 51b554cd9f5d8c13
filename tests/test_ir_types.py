"""TensorType: compact text, hashing, weakness, and the promotion helpers."""

from __future__ import annotations

import numpy as np
import pytest

from autograph.errors import StagingError
from autograph.ir.types import DTYPE_NAMES, TensorType, python_type_of

ALL_DTYPES = list(DTYPE_NAMES)


def test_str_is_compact():
    assert str(TensorType((3, 4), np.float32)) == "f32[3,4]"
    assert str(TensorType((), np.int64)) == "i64[]"
    assert str(TensorType((), np.bool_)) == "b1[]"
    assert str(TensorType.scalar(np.float64, weak=True)) == "f64~[]"
    assert str(TensorType((2,), np.complex128)) == "c128[2]"


@pytest.mark.parametrize("dtype", ALL_DTYPES)
def test_parse_inverts_str(dtype):
    for t in (TensorType((), dtype), TensorType((0, 5, 1), dtype)):
        assert TensorType.parse(str(t)) == t
    weak = TensorType((), dtype, True)
    assert TensorType.parse(str(weak)) == weak


def test_equality_and_hash_ignore_spelling():
    a = TensorType([3, np.int64(4)], "float32")
    b = TensorType((3, 4), np.dtype(">f4"))
    assert a == b and hash(a) == hash(b)
    assert a != TensorType((3, 4), np.float32, weak=False).with_shape((4, 3))
    assert TensorType.scalar(np.float64) != TensorType.scalar(np.float64, weak=True)


def test_ndim_size():
    t = TensorType((2, 3, 4), np.int8)
    assert (t.ndim, t.size) == (3, 24)
    assert (TensorType((), np.int8).ndim, TensorType((), np.int8).size) == (0, 1)


def test_weak_only_for_scalars_and_bad_types():
    with pytest.raises(StagingError):
        TensorType((3,), np.float64, weak=True)
    with pytest.raises(StagingError):
        TensorType((3,), np.dtype("M8[s]"))
    with pytest.raises(StagingError):
        TensorType((-1,), np.float64)
    with pytest.raises(StagingError):
        TensorType.parse("f33[2]")


def test_frozen():
    t = TensorType((3,), np.float32)
    with pytest.raises(AttributeError):
        t.shape = (4,)


def test_python_type_of():
    assert python_type_of(TensorType.of_python(1.5)) is float
    assert python_type_of(TensorType.of_python(3)) is int
    assert python_type_of(TensorType.of_python(True)) is bool
    assert python_type_of(TensorType.of_python(1j)) is complex
    assert python_type_of(TensorType((), np.float32)) == np.dtype(np.float32)
    # What it is for: NEP 50 promotion of a Python float with float32 stays float32.
    f32 = TensorType((), np.float32)
    got = np.add.resolve_dtypes((f32.dtype, python_type_of(TensorType.of_python(2.0)), None))
    assert got[-1] == np.float32


def test_of_python_and_of_array():
    assert TensorType.of_python(2) == TensorType((), np.int64, True)
    assert TensorType.of_python(2.0) == TensorType((), np.float64, True)
    assert TensorType.of_array(np.zeros((2, 3), np.uint16)) == TensorType((2, 3), np.uint16)
    assert TensorType.of_array(np.float32(1)) == TensorType((), np.float32)
