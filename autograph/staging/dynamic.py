"""`DynamicArray`: a value whose length along axis 0 is known only when the program runs.

IR shapes are static (ir/types.py), so a data-dependent result — `x[mask]`, `np.nonzero`,
`np.unique`, `x[:k]` with a traced `k` — is kept *bounded* (XLA's approach): a buffer of
static capacity (the most rows the result can have) plus its valid length, a 0-d i64
tensor. The buffer's rows past the count hold values nobody reads: every operation here
masks them (reductions fill them with the reduction's identity or a valid element, sorts
with the largest value in sort order, gathers with index 0), so a program never reads or
returns them. When such a value is returned, the runtime slices the buffer to the count
and hands out a fresh array (tracing.py).

Two dynamic values have the same length when their counts are the same IR value (the same
origin: `a[m] - b[m]`); otherwise their lengths are compared when the program runs, and a
mismatch raises NumPy's broadcast ValueError naming the user's line (a length 1 broadcasts,
as in NumPy). What this class does not stage raises a StagingError naming the function and
suggesting a rewrite with a static shape. NumPy functions on these values are in
dynamic_numpy.py; constructors from masks and traced slices are below.
"""

from __future__ import annotations

import math

import numpy as np

from autograph.ir.ops import NONDETERMINISTIC, Op
from autograph.staging import checks, context, numpy_api
from autograph.staging.iterables import StagedIterable
from autograph.staging.tensor import EMPTY, Tensor, apply, cast, lift, merge_sources

_I64 = np.dtype(np.int64)
REWRITE = ("keep the shape static instead: np.where(mask, x, 0) with a reduction, "
           "or a preallocated array and a count")


def where_line() -> str:
    origin = context.user_origin(2)
    if origin is None:
        return ""
    return f" ({origin.filename}:{origin.lineno}: {origin.source_line.strip()})"


def refuse(what: str, why: str = "") -> Exception:
    """The StagingError for an operation this module does not stage."""
    return context.staging_error(
        f"{what} of an array whose length is known only when the program runs (made by a "
        f"boolean mask, np.nonzero, np.unique, a slice with a traced bound, ...) is not "
        f"supported{f' ({why})' if why else ''}; {REWRITE}")


def arange(n: int) -> Tensor:
    ctx = context.require()
    return Tensor(ctx.emit(Op.ARANGE, [], start=0, stop=int(n), step=1, dtype=_I64), EMPTY)


def i64(x) -> Tensor:
    return cast(x, _I64)


def count_of_mask(mask: Tensor) -> Tensor:
    """`sum(mask)` as i64, one per mask value and staged block: `a[m] - b[m]` then shares
    one count (the same origin), so no run-time length check is needed."""
    ctx = context.require()
    cache = ctx.__dict__.setdefault("dynamic_counts", [])
    for value, count in cache:
        if count._frame is ctx.frame and not count._frame.closed and same(value, mask.value):
            return count
    count = numpy_api.sum(mask, dtype=_I64)
    cache.append((mask.value, count))
    return count


def same(a, b, depth: int = 0) -> bool:
    """Whether two IR values are computed the same way (same ops, attributes, inputs):
    `x[a > 0]` and `y[a > 0]` select by one mask even though `a > 0` is traced twice."""
    if a is b:
        return True
    pa, pb = a.producer, b.producer
    if depth > 8 or pa is None or pb is None or pa.op is not pb.op or pa.regions \
            or pa.op in NONDETERMINISTIC or len(pa.inputs) != len(pb.inputs) \
            or a.index != b.index or pa.attrs_key() != pb.attrs_key():
        return False
    return all(same(x, y, depth + 1) for x, y in zip(pa.inputs, pb.inputs))


def compress(buffer: Tensor, mask: Tensor, what: str, count: Tensor | None = None
             ) -> "DynamicArray":
    """The rows of `buffer` where the 1-d bool `mask` holds (COMPRESS and its count)."""
    ctx = context.require()
    value = ctx.emit(Op.COMPRESS, [buffer.value, mask.value])
    kept = Tensor(value, merge_sources(buffer._sources, mask._sources), None, ctx)
    return DynamicArray(kept, count_of_mask(mask) if count is None else count, what)


def compressed(source: Tensor, mask: Tensor, what: str) -> "DynamicArray":
    """`compress`, kept masked until its rows are needed in order."""
    return DynamicArray.masked(source, mask, what)


class DynamicArray(StagedIterable):
    """`buffer[:count]`: a static-capacity buffer and its run-time length along axis 0.

    A selection `x[m]` starts *masked*: `source` (x's rows) and the 1-d `mask`, no copy.
    Reductions, and elementwise operations among values of one mask, work on that form
    (`x[m].sum()` is `where(m, x, 0).sum()`: one fused pass, no compaction); the first use
    that needs the rows in order (`buffer`: a return, a sort, an index) compacts them."""

    _ag_dynamic = True           # dispatch.py defers NumPy's protocols to this class
    __array_priority__ = 2000
    __hash__ = None

    def __init__(self, buffer: Tensor | None, count: Tensor, what: str = "x[mask]", *,
                 source: Tensor | None = None, mask: Tensor | None = None):
        self._buffer = buffer
        self.source, self.mask = source, mask
        template = buffer if buffer is not None else source
        if template.ndim == 0:
            raise context.staging_error("internal error: a dynamic array needs an axis 0")
        self._template = template
        self.count = i64(count)
        self.what = what
        self.sources = merge_sources(template._sources, self.count._sources)

    @classmethod
    def masked(cls, source: Tensor, mask: Tensor, what: str, count: Tensor | None = None
               ) -> "DynamicArray":
        """The rows of `source` where the 1-d bool `mask` holds, not yet compacted."""
        return cls(None, count_of_mask(mask) if count is None else count, what,
                   source=source, mask=mask)

    @property
    def is_masked(self) -> bool:
        return self.mask is not None

    @property
    def buffer(self) -> Tensor:
        """The rows in order, then padding: compacted on first use (again if that was in a
        staged block that has closed since)."""
        b = self._buffer
        if b is None or (self.mask is not None and b._frame.closed):
            b = self._buffer = compress(self.source, self.mask, self.what, self.count)._buffer
        return b

    @buffer.setter
    def buffer(self, value: Tensor) -> None:
        self._buffer, self.source, self.mask = value, None, None
        self._template = value

    # -- static facts and the run-time length --------------------------------------------

    @property
    def capacity(self) -> int:
        return self._template.shape[0]

    @property
    def dtype(self) -> np.dtype:
        return self._template.dtype

    @property
    def ndim(self) -> int:
        return self._template.ndim

    def rows_mask(self, ndim: int | None = None) -> Tensor:
        """The valid rows as a bool tensor broadcasting against `ndim` dimensions: the
        mask (masked form) or `arange < count`."""
        ndim = self.ndim if ndim is None else ndim
        if self.mask is None:
            return self.valid(ndim)
        return numpy_api.reshape(self.mask, (self.capacity,) + (1,) * (ndim - 1))

    @property
    def rows_data(self) -> Tensor:
        """The full-capacity rows `rows_mask` selects: the source, or the buffer."""
        return self.source if self.mask is not None else self.buffer

    def map(self, fn) -> "DynamicArray":
        """`fn` applied row by row (to the source or the buffer), the form and count kept."""
        if self.mask is not None:
            return DynamicArray.masked(fn(self.source), self.mask, self.what, self.count)
        return self.same(fn(self.buffer))

    def reducible(self, fill) -> Tensor:
        """A full-capacity array whose invalid rows hold `fill`: what an order-free
        reduction (sum, prod, max, min, any, all) reads. No compaction for masked values."""
        if self.mask is None:
            return self.filled(fill)
        return numpy_api.where(self.rows_mask(), self.source, fill)

    @property
    def length_(self) -> Tensor:
        """The length as Python code sees it (`len(x)`, `x.shape[0]`): a weak i64."""
        return cast(self.count, _I64, weak=True)

    @property
    def shape(self) -> tuple:
        return (self.length_, *self._template.shape[1:])

    @property
    def size(self):
        return cast(self.count * math.prod(self._template.shape[1:]), _I64, weak=True)

    @property
    def T(self):
        if self.ndim == 1:
            return self
        raise refuse("x.T")

    def __repr__(self) -> str:
        form = "masked" if self.is_masked else "[:count]"
        return f"<DynamicArray {self._template.type} {form}>"

    def valid(self, ndim: int | None = None) -> Tensor:
        """A bool tensor, true on the rows below the count; shaped to broadcast against
        an array of `ndim` dimensions (default: the buffer's)."""
        ndim = self.ndim if ndim is None else ndim
        v = apply(Op.LT, arange(self.capacity), self.count)
        return numpy_api.reshape(v, (self.capacity,) + (1,) * (ndim - 1))

    def filled(self, fill) -> Tensor:
        """The buffer with the rows past the count replaced by `fill` (a 0-d value or a
        row)."""
        return numpy_api.where(self.valid(), self.buffer, fill)

    def same(self, buffer: Tensor) -> "DynamicArray":
        """A new value with this one's length (same origin)."""
        return DynamicArray(buffer, self.count, self.what)

    # -- a staged loop over its rows (StagedIterable) -------------------------------------

    def length(self):
        return self.length_

    def item(self, k):
        return self.buffer[k]

    def _blame(self):
        return self.count

    def __iter__(self):
        """An iterator that refuses on its first item: `iter(d)` itself must not raise,
        the operators ask it whether d is an iterator (operators/side_effects.py)."""
        return _Refusing(self)

    # -- concrete values are not available -------------------------------------------------

    def __array__(self, dtype=None, copy=None):
        raise refuse("conversion to a NumPy array (np.asarray, or a NumPy function that is "
                     "not staged)")

    def __bool__(self):
        raise refuse("bool()", "use .any() or .all()")

    def __len__(self):
        raise refuse("len() outside converted code")

    def __index__(self):
        raise refuse("using it as an integer")

    def __float__(self):
        raise refuse("float()")

    def __int__(self):
        raise refuse("int()")

    def __format__(self, spec):
        raise refuse("formatting (str(), an f-string)")

    __str__ = __format__

    def tolist(self):
        raise refuse(".tolist()")

    def item_(self):
        raise refuse(".item()")

    def __getattr__(self, name):
        if not name.startswith("_") and hasattr(np.ndarray, name):
            raise refuse(f"ndarray.{name}")
        raise AttributeError(f"'DynamicArray' object has no attribute {name!r}")

    # NumPy's protocols and the operators are installed by dynamic_numpy.py.


class _Refusing:
    """What `iter()` of a DynamicArray gives: iterating it in Python raises."""

    def __init__(self, d: DynamicArray):
        self.d = d

    def __iter__(self):
        return self

    def __next__(self):
        StagedIterable.__iter__(self.d)  # raises, naming the line


# ---- run-time lengths of several values ---------------------------------------------------

def _pad_rows(t: Tensor, capacity: int) -> Tensor:
    if t.shape[0] == capacity:
        return t
    pad = numpy_api.full_of((capacity - t.shape[0],) + t.shape[1:], 0, t.dtype)
    return numpy_api.concatenate([t, pad])


def unify(values, name: str):
    """(count, buffers) for dynamic operands of one elementwise operation.

    Same count value: the buffers as they are. Different ones: a run-time check that the
    lengths are equal or 1 (NumPy's broadcast rule; its ValueError with the user's line
    otherwise), buffers padded to the largest capacity, a length-1 operand broadcast."""
    counts = []
    for d in values:
        if not any(d.count.value is c.value for c in counts):
            counts.append(d.count)
    capacity = max(d.capacity for d in values)
    if len(counts) == 1:
        return counts[0], [_pad_rows(d.buffer, capacity) for d in values]
    count = counts[0]
    for c in counts[1:]:
        count = apply(Op.MAXIMUM, count, c)
    ok = None
    for c in counts:
        fits = apply(Op.LOGICAL_OR, apply(Op.EQ, c, count), apply(Op.EQ, c, 1))
        ok = fits if ok is None else apply(Op.LOGICAL_AND, ok, fits)
    whats = " and ".join(dict.fromkeys(d.what for d in values))
    checks.check(ok, "ValueError",
                 f"operands could not be broadcast together: {name} of {whats}, whose lengths "
                 f"are known only at run time and differ{where_line()}")
    buffers = []
    for d in values:
        b = _pad_rows(d.buffer, capacity)
        first = numpy_api.broadcast_to(b[0:1], b.shape)
        buffers.append(numpy_api.where(
            numpy_api.reshape(apply(Op.EQ, d.count, 1), (1,) * b.ndim), first, b))
    return count, buffers


def static_operand_fits(x, ndim: int) -> bool:
    """Whether a static operand broadcasts with a dynamic one of `ndim` dimensions without
    its length taking part: fewer dimensions, or a leading 1."""
    shape = np.shape(x) if not isinstance(x, Tensor) else x.shape
    return len(shape) < ndim or (len(shape) == ndim and shape[0] == 1)


def elementwise(name: str, fn, operands):
    """`fn(*operands)` with dynamic operands replaced by their buffers: a dynamic result
    of their (common) length."""
    dyns = [x for x in operands if isinstance(x, DynamicArray)]
    ndim = max(d.ndim for d in dyns)
    for x in operands:
        if isinstance(x, DynamicArray):
            if x.ndim != ndim:
                raise refuse(f"{name} broadcasting it to more dimensions")
        elif not static_operand_fits(x, ndim):
            shape = x.shape if isinstance(x, Tensor) else np.shape(x)
            raise refuse(f"{name} with an operand of static shape {shape}",
                         "NumPy broadcasts the two only when the run-time length matches")
    first = dyns[0]
    if first.is_masked and all(d.is_masked and d.capacity == first.capacity
                               and same(d.mask.value, first.mask.value) for d in dyns):
        it = iter(d.source for d in dyns)  # one mask: computed on the sources, uncompacted
        result = fn(*[next(it) if isinstance(x, DynamicArray) else x for x in operands])
        if isinstance(result, tuple):
            return tuple(DynamicArray.masked(r, first.mask, first.what, first.count)
                         for r in result)
        return DynamicArray.masked(result, first.mask, first.what, first.count)
    count, buffers = unify(dyns, name)
    it = iter(buffers)
    args = [next(it) if isinstance(x, DynamicArray) else x for x in operands]
    result = fn(*args)
    template = DynamicArray(buffers[0], count, dyns[0].what)
    if isinstance(result, tuple):
        return tuple(template.same(r) for r in result)
    return template.same(result)


# ---- constructors -------------------------------------------------------------------------

def select(x: Tensor, mask: Tensor, what: str = "x[mask]") -> DynamicArray:
    """NumPy's `x[mask]` for a bool tensor mask of x's leading dimensions: the selected
    elements (mask of x's full shape) or rows, 1 + x.ndim - mask.ndim dimensions."""
    k = mask.ndim
    if mask.shape != x.shape[:k]:
        for axis, (n, m) in enumerate(zip(x.shape, mask.shape)):
            if n != m:
                raise IndexError(f"boolean index did not match indexed array along axis "
                                 f"{axis}; size of axis is {n} but size of corresponding "
                                 f"boolean axis is {m}")
        raise IndexError(f"too many indices for array: array is {x.ndim}-dimensional, but "
                         f"{k} were indexed")
    rows = math.prod(x.shape[:k])
    flat = numpy_api.reshape(x, (rows,) + x.shape[k:])
    return DynamicArray.masked(flat, numpy_api.reshape(mask, (rows,)), what, count_of_mask(mask))


def _normalized(bound, n, default):
    """A slice bound as NumPy normalises it for an axis of length n (a 0-d tensor n)."""
    if bound is None:
        return default
    b = i64(bound)
    b = numpy_api.where(apply(Op.LT, b, 0), b + n, b)
    return apply(Op.MINIMUM, apply(Op.MAXIMUM, b, 0), n)


def rows(buffer: Tensor, length, start, stop, what: str) -> DynamicArray:
    """`buffer[:length][start:stop]` (step 1) where any of them may be traced: a dynamic
    value of capacity buffer.shape[0]."""
    n = i64(length)
    lo = _normalized(start, n, i64(0))
    hi = _normalized(stop, n, n)
    count = apply(Op.MAXIMUM, hi - lo, 0)
    if start is None or (isinstance(start, (int, np.integer)) and start == 0):
        return DynamicArray(buffer, count, what)
    cap = buffer.shape[0]
    if cap == 0:
        return DynamicArray(buffer, count, what)
    index = apply(Op.MINIMUM, arange(cap) + lo, cap - 1)
    return DynamicArray(buffer[index], count, what)


def gather(x: Tensor, index: DynamicArray, what: str) -> DynamicArray:
    """`x[index]` for a 1-d dynamic integer index: NumPy's IndexError (checked when the
    program runs) for an index out of bounds, rows past the count read row 0."""
    if index.ndim != 1 or index.dtype.kind not in "iu":
        raise refuse("indexing with it", "only a 1-d integer index of dynamic length is "
                                         "staged")
    n = x.shape[0]
    idx = i64(index.buffer)
    inside = apply(Op.LOGICAL_AND, apply(Op.GE, idx, -n), apply(Op.LT, idx, n))
    checks.check(numpy_api.all(numpy_api.where(index.valid(), inside, True)), "IndexError",
                 f"index out of bounds for axis 0 with size {n}{where_line()}")
    if n == 0:
        return DynamicArray(numpy_api.full_of((index.capacity,) + x.shape[1:], 0, x.dtype),
                            index.count, what)
    idx = numpy_api.where(index.valid(), numpy_api.where(apply(Op.LT, idx, 0), idx + n, idx), 0)
    return DynamicArray(x[idx], index.count, what)


def scalar_index(d: DynamicArray, i) -> Tensor:
    """`d[i]` for an int or a 0-d integer tensor: NumPy's IndexError out of bounds."""
    i = i64(i)
    n = d.count
    inside = apply(Op.LOGICAL_AND, apply(Op.GE, i, -n), apply(Op.LT, i, n))
    checks.check(inside, "IndexError",
                 f"index out of bounds for axis 0 of {d.what}, whose length is known only "
                 f"at run time{where_line()}")
    j = numpy_api.where(apply(Op.LT, i, 0), i + n, i)
    j = apply(Op.MINIMUM, apply(Op.MAXIMUM, j, 0), max(d.capacity - 1, 0))
    return d.buffer[j]


__all__ = ["DynamicArray", "compress", "count_of_mask", "elementwise", "gather", "refuse",
           "rows", "same", "scalar_index", "select", "unify", "where_line"]
