"""What a staged `for` can iterate: ranges with traced bounds, the rows of a tensor, and
`enumerate` / `zip` / `reversed` of those.

Each is an index space `0 <= k < length()` with `item(k)`, so every staged loop lowers the
same way; a plain range also exposes its `bounds()` so that it becomes a FOR over
`range(start, stop, step)` directly, which reads best in the IR. Items that Python would
produce as ints (range values, enumerate counters) are weak i64 tensors, as NEP 50 treats
Python ints.
"""

from __future__ import annotations

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import concrete, context, indexing, pytrees
from autograph.staging.tensor import EMPTY, Tensor, apply, cast, lift, merge_sources

_I64 = np.dtype(np.int64)


def weak_int(k) -> Tensor:
    """`k` as Python semantics see a loop counter: a weak i64."""
    return cast(k, _I64, weak=True)


class StagedIterable:
    """Base of the iterables a staged loop understands."""

    sources = EMPTY

    def length(self):
        raise NotImplementedError

    def item(self, k: Tensor):
        raise NotImplementedError

    def bounds(self):
        """(start, stop, step) for a plain range, else None."""
        return None

    def _blame(self) -> Tensor | None:
        return None

    def __iter__(self):
        blame = self._blame()
        if blame is not None:
            concrete.fail(blame, "iterating in Python over a staged iterable (list(), a "
                                 "comprehension, unpacking)")
        raise context.staging_error("a staged iterable can only be iterated by a `for` loop "
                                    "in converted code")


class RangeIter(StagedIterable):
    """`range(start, stop, step)` where any part may be a 0-d integer tensor."""

    def __init__(self, start, stop, step):
        self.start, self.stop, self.step = start, stop, step
        self.sources = EMPTY
        for part in (start, stop, step):
            if isinstance(part, Tensor):
                self.sources = merge_sources(self.sources, part._sources)

    def __repr__(self) -> str:
        return f"staged_range({self.start!r}, {self.stop!r}, {self.step!r})"

    def bounds(self):
        return self.start, self.stop, self.step

    def _blame(self):
        return next((p for p in (self.start, self.stop, self.step) if isinstance(p, Tensor)), None)

    def length(self):
        start, stop, step = self.start, self.stop, self.step
        if not any(isinstance(p, Tensor) for p in (start, stop, step)):
            return len(range(start, stop, step))
        if isinstance(step, Tensor):
            adjust = step - apply(Op.SIGN, step)
        else:
            adjust = step - 1 if step > 0 else step + 1
        return apply(Op.MAXIMUM, (stop - start + adjust) // step, 0)

    def item(self, k):
        return weak_int(self.start + weak_int(k) * self.step)


class TensorIter(StagedIterable):
    """The rows of a tensor: `x[k]` along the first axis."""

    def __init__(self, tensor: Tensor):
        if tensor.ndim == 0:
            raise TypeError("iteration over a 0-d array")
        self.tensor = tensor
        self.sources = tensor._sources

    def length(self):
        return self.tensor.shape[0]

    def item(self, k):
        return indexing.getitem(self.tensor, k)


class EnumerateIter(StagedIterable):
    def __init__(self, inner: StagedIterable, start=0):
        self.inner, self.start = inner, start
        self.sources = merge_sources(inner.sources,
                                     start._sources if isinstance(start, Tensor) else EMPTY)

    def length(self):
        return self.inner.length()

    def item(self, k):
        return weak_int(weak_int(k) + self.start), self.inner.item(k)

    def _blame(self):
        return self.inner._blame()


class ZipIter(StagedIterable):
    def __init__(self, inners):
        self.inners = list(inners)
        self.sources = EMPTY
        for inner in self.inners:
            self.sources = merge_sources(self.sources, inner.sources)

    def length(self):
        lengths = [inner.length() for inner in self.inners]
        if all(isinstance(n, int) for n in lengths):
            return min(lengths)
        result = lengths[0]
        for n in lengths[1:]:
            result = apply(Op.MINIMUM, result, n)
        return result

    def item(self, k):
        return tuple(inner.item(k) for inner in self.inners)

    def _blame(self):
        return next((b for b in (i._blame() for i in self.inners) if b is not None), None)


class ReversedIter(StagedIterable):
    def __init__(self, inner: StagedIterable):
        self.inner = inner
        self.sources = inner.sources

    def length(self):
        return self.inner.length()

    def item(self, k):
        return self.inner.item(lift(self.length()) - 1 - k)

    def _blame(self):
        return self.inner._blame()


def is_stageable(value) -> bool:
    return isinstance(value, (Tensor, StagedIterable))


def as_staged(iterable) -> StagedIterable:
    if isinstance(iterable, StagedIterable):
        return iterable
    if isinstance(iterable, Tensor):
        return TensorIter(iterable)
    if type(iterable) is range:
        return RangeIter(iterable.start, iterable.stop, iterable.step)
    raise context.staging_error(f"a staged loop cannot iterate over a {type(iterable).__name__}")


def stages_loop(iterable, state) -> bool:
    """True when a `for` over `iterable` with this state must be staged.

    Tensors and staged iterables always are. A Python `range` is staged while tracing if
    the loop carries a tensor or a NumPy array (an array filled by item assignment in the
    loop, e.g. `out = np.zeros(n)`; staged, it becomes a tensor); otherwise it is unrolled,
    like any Python loop. `static_range` is never staged.
    """
    if isinstance(iterable, (Tensor, StagedIterable)):
        return True
    if type(iterable) is not range or context.current() is None:
        return False
    leaves, _ = pytrees.flatten(tuple(state))
    return any(isinstance(leaf, Tensor)
               or (isinstance(leaf, np.ndarray) and leaf.dtype.kind in "biufc")
               for leaf in leaves)
