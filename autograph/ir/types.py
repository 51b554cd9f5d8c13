"""The static type of every IR value: a shape, a dtype and NEP 50 weakness.

Every value in a graph has a fully static shape and dtype, so code generators never have
to ask NumPy at run time. `weak` records that a 0-d value stands for a Python scalar
(int/float/bool/complex): NumPy 2 promotes Python scalars *weakly* (NEP 50), so
`float32_array * 2.0` stays float32 while `float32_array * np.float64(2.0)` does not. The
IR keeps that bit so the type rules can reproduce NumPy exactly.
"""

from __future__ import annotations

import dataclasses
import math
import re

import numpy as np

from autograph.errors import StagingError

# The dtypes the IR supports, with the compact names the printer and export use.
DTYPE_NAMES: dict[np.dtype, str] = {
    np.dtype(np.bool_): "b1",
    np.dtype(np.int8): "i8",
    np.dtype(np.int16): "i16",
    np.dtype(np.int32): "i32",
    np.dtype(np.int64): "i64",
    np.dtype(np.uint8): "u8",
    np.dtype(np.uint16): "u16",
    np.dtype(np.uint32): "u32",
    np.dtype(np.uint64): "u64",
    np.dtype(np.float16): "f16",
    np.dtype(np.float32): "f32",
    np.dtype(np.float64): "f64",
    np.dtype(np.complex64): "c64",
    np.dtype(np.complex128): "c128",
}
DTYPES_BY_NAME: dict[str, np.dtype] = {name: dt for dt, name in DTYPE_NAMES.items()}

# The dtype NumPy gives a Python scalar of each type when nothing else decides.
_PYTHON_DEFAULT_DTYPE = {
    bool: np.dtype(np.bool_),
    int: np.dtype(np.int64),
    float: np.dtype(np.float64),
    complex: np.dtype(np.complex128),
}
_KIND_TO_PYTHON = {"b": bool, "i": int, "u": int, "f": float, "c": complex}


def canonical_dtype(dtype) -> np.dtype:
    """The native-byte-order dtype the IR uses for `dtype`; StagingError if unsupported."""
    try:
        dt = np.dtype(dtype)
    except TypeError as exc:
        raise StagingError(f"not a dtype: {dtype!r}") from exc
    if not dt.isnative:
        dt = dt.newbyteorder("=")
    if dt not in DTYPE_NAMES:
        raise StagingError(f"dtype {dt} is not supported (supported: {', '.join(DTYPES_BY_NAME)})")
    return dt


def dtype_name(dtype) -> str:
    """The compact name of a dtype: `f32`, `b1`, ..."""
    return DTYPE_NAMES[canonical_dtype(dtype)]


def python_default_dtype(pytype: type) -> np.dtype:
    """The dtype NumPy gives a lone Python scalar of type `pytype` (bool/int/float/complex)."""
    return _PYTHON_DEFAULT_DTYPE[pytype]


@dataclasses.dataclass(frozen=True)
class TensorType:
    """Shape, dtype and weakness of one value; immutable and hashable."""

    shape: tuple[int, ...]
    dtype: np.dtype
    weak: bool = False

    def __post_init__(self):
        shape = tuple(int(d) for d in self.shape)
        if any(d < 0 for d in shape):
            raise StagingError(f"negative dimension in shape {shape}")
        object.__setattr__(self, "shape", shape)
        object.__setattr__(self, "dtype", canonical_dtype(self.dtype))
        object.__setattr__(self, "weak", bool(self.weak))
        if self.weak and shape:
            raise StagingError(f"only 0-d values can be weakly typed, not shape {shape}")

    @classmethod
    def scalar(cls, dtype, weak: bool = False) -> TensorType:
        return cls((), dtype, weak)

    @classmethod
    def of_python(cls, value) -> TensorType:
        """The weak 0-d type of a Python bool/int/float/complex."""
        return cls((), python_default_dtype(type(value)), True)

    @classmethod
    def of_array(cls, array) -> TensorType:
        """The (strong) type of a NumPy array or NumPy scalar."""
        array = np.asarray(array)
        return cls(array.shape, array.dtype)

    @classmethod
    def parse(cls, text: str) -> TensorType:
        """Inverse of `str()`: `"f32[3,4]"`, `"f64~[]"`."""
        match = re.fullmatch(r"\s*([a-z]+\d+)(~?)\[([0-9,\s]*)\]\s*", text)
        if match is None or match.group(1) not in DTYPES_BY_NAME:
            raise StagingError(f"not a tensor type: {text!r}")
        dims = match.group(3).strip()
        shape = tuple(int(d) for d in dims.split(",")) if dims else ()
        return cls(shape, DTYPES_BY_NAME[match.group(1)], bool(match.group(2)))

    @property
    def ndim(self) -> int:
        return len(self.shape)

    @property
    def size(self) -> int:
        return math.prod(self.shape)

    def with_shape(self, shape) -> TensorType:
        return TensorType(tuple(shape), self.dtype)

    def strong(self) -> TensorType:
        return TensorType(self.shape, self.dtype) if self.weak else self

    def __str__(self) -> str:
        dims = ",".join(str(d) for d in self.shape)
        return f"{DTYPE_NAMES[self.dtype]}{'~' if self.weak else ''}[{dims}]"


def python_type_of(ttype: TensorType):
    """What to hand NumPy's promotion machinery for a value of this type.

    Weak values become the Python type they came from (float/int/bool/complex), which
    `ufunc.resolve_dtypes` and `np.result_type`-on-values treat weakly; strong values are
    their dtype.
    """
    if ttype.weak:
        return _KIND_TO_PYTHON[ttype.dtype.kind]
    return ttype.dtype


def example_value(ttype: TensorType, ndim: int | None = None):
    """A tiny stand-in of this type for asking NumPy which dtype an operation yields.

    Weak values become a Python scalar, strong ones an array of ones with every dimension
    1 (of `ndim` dimensions if given), so dtype questions never allocate real sizes.
    """
    if ttype.weak:
        return _KIND_TO_PYTHON[ttype.dtype.kind](1)
    return np.ones((1,) * (ttype.ndim if ndim is None else ndim), ttype.dtype)
