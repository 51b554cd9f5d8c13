"""The `index` attribute of INDEX / SET_INDEX: its shape rule and its NumPy subscript.

An index is a tuple of plain tuples, so node attributes stay hashable:

- `("int", k)`: a static integer (negative counts from the end);
- `("dyn", n)`: the n-th dynamic operand, a 0-d integer (negative wraps like NumPy);
- `("slice", start, stop, step)`: static Python slice parts, None allowed;
- `("newaxis",)`;
- `("array", n)`: the n-th dynamic operand is an integer array (advanced indexing).

Ellipsis never reaches the IR; dimensions left over at the end are full slices. Shapes
follow NumPy's rules exactly, including where advanced-index dimensions land when the
advanced indices (arrays, and integers next to them) are not adjacent.
"""

from __future__ import annotations

import numpy as np

from autograph.errors import StagingError
from autograph.ir.types import TensorType

_CONSUMING = ("int", "dyn", "slice", "array")
_KINDS = _CONSUMING + ("newaxis",)


def format_index(index) -> str:
    """A NumPy-like rendering: `[1:, None, #0]` (#n is dynamic operand n)."""
    parts = []
    for entry in index:
        kind = entry[0]
        if kind == "int":
            parts.append(str(entry[1]))
        elif kind in ("dyn", "array"):
            parts.append(f"#{entry[1]}")
        elif kind == "newaxis":
            parts.append("None")
        else:
            start, stop, step = ("" if p is None else str(p) for p in entry[1:])
            parts.append(f"{start}:{stop}" + (f":{step}" if step else ""))
    return "[" + ", ".join(parts) + "]"


def _check_entry(entry, n_dynamic: int) -> None:
    if not isinstance(entry, tuple) or not entry or entry[0] not in _KINDS:
        raise StagingError(f"malformed index entry {entry!r}")
    kind = entry[0]
    sizes = {"int": 2, "dyn": 2, "array": 2, "slice": 4, "newaxis": 1}
    if len(entry) != sizes[kind]:
        raise StagingError(f"malformed index entry {entry!r}")
    if kind in ("dyn", "array") and not 0 <= entry[1] < n_dynamic:
        raise StagingError(f"index entry {entry!r} names dynamic operand {entry[1]}, "
                           f"but there are {n_dynamic}")
    if kind == "slice":
        if any(p is not None and not isinstance(p, (int, np.integer)) for p in entry[1:]):
            raise StagingError(f"slice parts must be static ints or None: {entry!r}")
        if entry[3] == 0:
            raise StagingError("slice step cannot be zero")


def normalize_index(shape: tuple[int, ...], index) -> tuple:
    """The index with one entry per dimension consumed, ints and slices made concrete.

    Static ints become non-negative (bounds-checked); slices become
    `("slice", start, stop, step)` with int start and step, and stop an int or None
    (None only when a negative step runs past index 0, where -1 would wrap). Missing
    trailing dimensions become full slices. Raises StagingError on a bad index.
    """
    consumed = sum(1 for e in index if e[0] in _CONSUMING)
    if consumed > len(shape):
        raise StagingError(f"too many indices: {consumed} for an array of {len(shape)} "
                           f"dimension(s) (shape {shape})")
    out = []
    axis = 0
    for entry in tuple(index) + (("slice", None, None, None),) * (len(shape) - consumed):
        kind = entry[0]
        if kind == "newaxis":
            out.append(entry)
            continue
        dim = shape[axis]
        if kind == "int":
            k = int(entry[1])
            if not -dim <= k < dim:
                raise StagingError(f"index {k} is out of bounds for axis {axis} with size {dim}")
            out.append(("int", k % dim))
        elif kind == "slice":
            start, stop, step = slice(*entry[1:]).indices(dim)
            if step < 0 and stop < 0:
                stop = None
            out.append(("slice", start, stop, step))
        else:
            out.append(entry)
        axis += 1
    return tuple(out)


def slice_length(entry, dim: int) -> int:
    """How many elements a ("slice", ...) entry selects from a dimension of size `dim`."""
    return len(range(*slice(*entry[1:]).indices(dim)))


def index_shape(x: TensorType, index, dynamic: list[TensorType]) -> tuple[int, ...]:
    """The shape of `x[index]` (NumPy semantics); StagingError on a bad index."""
    if not isinstance(index, tuple):
        raise StagingError(f"index must be a tuple of entries, not {index!r}")
    for entry in index:
        _check_entry(entry, len(dynamic))
    for entry in index:
        if entry[0] in ("dyn", "array"):
            t = dynamic[entry[1]]
            if t.dtype.kind not in "iu":
                raise StagingError(f"index operand #{entry[1]} must be an integer, not {t}")
            if entry[0] == "dyn" and t.ndim != 0:
                raise StagingError(f"dynamic index #{entry[1]} must be 0-d, not {t}")
    entries = normalize_index(x.shape, index)
    has_array = any(e[0] == "array" for e in entries)
    advanced = [i for i, e in enumerate(entries)
                if e[0] == "array" or (has_array and e[0] in ("int", "dyn"))]
    adv_shape: tuple[int, ...] = ()
    if advanced:
        shapes = [dynamic[entries[i][1]].shape if entries[i][0] == "array" else ()
                  for i in advanced]
        try:
            adv_shape = tuple(np.broadcast_shapes(*shapes))
        except ValueError:
            raise StagingError("index arrays cannot be broadcast together with shapes "
                               + " ".join(str(s) for s in shapes)) from None
    contiguous = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    result: list[int] = [] if contiguous else list(adv_shape)
    axis = 0
    for i, entry in enumerate(entries):
        kind = entry[0]
        if kind == "newaxis":
            result.append(1)
            continue
        if advanced and contiguous and i == advanced[0]:
            result.extend(adv_shape)
        if kind == "slice":
            result.append(slice_length(entry, x.shape[axis]))
        axis += 1
    return tuple(result)


def numpy_key(index, dynamic) -> tuple:
    """The NumPy subscript for `index`, with `dynamic` the values of the dynamic operands."""
    key = []
    for entry in index:
        kind = entry[0]
        if kind == "int":
            key.append(entry[1])
        elif kind == "dyn":
            key.append(int(np.asarray(dynamic[entry[1]])))
        elif kind == "slice":
            key.append(slice(*entry[1:]))
        elif kind == "newaxis":
            key.append(None)
        else:
            key.append(np.asarray(dynamic[entry[1]]))
    return tuple(key)
