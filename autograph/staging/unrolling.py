"""Which `for` loops over static iterables are staged, and the budget of those unrolled.

A `for` over a Python `range` (or `np.ndindex`) with static bounds runs in Python while
tracing — it is unrolled — unless its state holds tensors. The most common numerical loop
starts its state as Python values, though:

    s = 0.0
    for i in range(x.shape[0]):
        s += x[i] * x[i]

Unrolled, it makes a graph that grows with `x.shape[0]`. The operators therefore probe:
the first iteration runs as Python (it has to run anyway if the loop stays unrolled); if
it turned the state into tensors, the whole loop is traced again as a staged loop from the
original state, whose weak Python initial values take the types the body gives them
(NEP 50: `0.0` accumulating f32 elements is carried as f32), and the probe's ops are
dropped. If the body cannot be staged (it indexes a Python list with the loop index,
builds Python structures, needs the index as a Python int), the loop stays unrolled.

Unrolled loops have a budget (`UNROLL_BUDGET` graph ops per loop); past it tracing stops
with a StagingError naming the loop's line and the fix. `autograph.static_range` asks for
unrolling explicitly and has no budget. Each unrolled loop that made ops is noted (line and
reason) on the trace, for `f.explain()`.
"""

from __future__ import annotations

import numpy as np

from autograph.errors import StagingError
from autograph.ir.ops import Op
from autograph.staging import context, pytrees
from autograph.staging.iterables import RangeIter, StagedIterable, weak_int
from autograph.staging.tensor import EMPTY, Tensor, apply, merge_sources

UNROLL_BUDGET = 5000
"""Graph ops one implicitly unrolled loop may add while tracing before tracing stops."""


# ---- np.ndindex ---------------------------------------------------------------------------


class StaticNdIndex(np.ndindex):
    """`np.ndindex(*shape)` that remembers its shape, so that a loop over it can be staged."""

    def __init__(self, *shape):
        if len(shape) == 1 and isinstance(shape[0], tuple):
            shape = shape[0]
        super().__init__(*shape)
        self.shape = tuple(int(d) for d in shape)


class NdIndexIter(StagedIterable):
    """`np.ndindex(*shape)` as a staged index space: item k is k unravelled in C order."""

    def __init__(self, shape):
        self.shape = tuple(shape)
        self.sources = EMPTY
        for dim in self.shape:
            if isinstance(dim, Tensor):
                self.sources = merge_sources(self.sources, dim._sources)

    def __repr__(self) -> str:
        return f"staged_ndindex{self.shape!r}"

    def length(self):
        size = 1
        for dim in self.shape:
            size = size * dim
        if isinstance(size, Tensor):
            return apply(Op.MAXIMUM, size, 0)
        return max(size, 0)

    def item(self, k):
        if not self.shape:
            return ()
        rest = weak_int(k)
        out = []
        for dim in reversed(self.shape[1:]):
            out.append(weak_int(rest % dim))
            rest = rest // dim
        out.append(weak_int(rest))
        return tuple(reversed(out))

    def _blame(self):
        return next((d for d in self.shape if isinstance(d, Tensor)), None)


def ndindex(*shape):
    """`np.ndindex` from converted code: staged when a dimension is a tensor."""
    dims = shape[0] if len(shape) == 1 and isinstance(shape[0], tuple) else shape
    if any(isinstance(d, Tensor) for d in dims):
        return NdIndexIter(tuple(d if isinstance(d, Tensor) else int(d) for d in dims))
    return StaticNdIndex(*shape)


# ---- the policy -----------------------------------------------------------------------------


def stageable_static(iterable) -> StagedIterable | None:
    """The staged form of a static iterable whose loop may be staged while tracing, or None.

    Plain `range`s and `np.ndindex` (the converted one, which knows its shape) qualify;
    `static_range`, lists and other Python iterables do not.
    """
    if context.current() is None:
        return None
    if type(iterable) is range:
        return RangeIter(iterable.start, iterable.stop, iterable.step)
    if isinstance(iterable, StaticNdIndex):
        return NdIndexIter(iterable.shape)
    return None


def static_length(iterable) -> int | None:
    if type(iterable) is range:
        return len(iterable)
    if isinstance(iterable, StaticNdIndex):
        return int(np.prod(iterable.shape, dtype=np.int64)) if iterable.shape else 1
    return None


def static_trip_count(iterable) -> int | None:
    """How many items a staged iterable has when that is known while tracing (static
    shapes), without emitting ops; None otherwise."""
    from autograph.staging import iterables as it

    if isinstance(iterable, Tensor):
        iterable = it.TensorIter(iterable) if iterable.ndim else None
    if isinstance(iterable, it.TensorIter):
        n = iterable.tensor.shape[0]
        return n if isinstance(n, int) else None
    if isinstance(iterable, (it.EnumerateIter, it.ReversedIter)):
        return static_trip_count(iterable.inner)
    if isinstance(iterable, it.ZipIter):
        counts = [static_trip_count(inner) for inner in iterable.inners]
        return None if any(c is None for c in counts) else min(counts, default=0)
    if isinstance(iterable, NdIndexIter) and not any(isinstance(d, Tensor)
                                                     for d in iterable.shape):
        return int(np.prod(iterable.shape, dtype=np.int64)) if iterable.shape else 1
    return None


def holds_tensor(state) -> bool:
    """Whether the state has a tensor (or a numeric NumPy array, which staging makes one)."""
    leaves, _ = pytrees.flatten(tuple(state))
    return any(isinstance(leaf, Tensor)
               or (isinstance(leaf, np.ndarray) and leaf.dtype.kind in "biufc")
               for leaf in leaves)


def holds_mutable(state) -> bool:
    """Whether the state has a list, dict or set anywhere: tracing a staged body over it
    could mutate it in place (`append`), which a failed attempt could not undo."""
    stack = list(state)
    while stack:
        value = stack.pop()
        if isinstance(value, (list, dict, set, bytearray)):
            return True
        if isinstance(value, tuple):
            stack.extend(value)
    return False


# ---- rolling back, counting, budget ---------------------------------------------------------


class Mark:
    """A position in the region being filled: ops added since, and dropping them."""

    __slots__ = ("region", "count")

    def __init__(self, ctx):
        self.region = ctx.builder.current
        self.count = len(self.region.nodes)

    def ops_since(self) -> int:
        total = 0
        for node in self.region.nodes[self.count:]:
            total += 1
            for sub in node.regions:
                total += sum(1 for _ in sub.walk())
        return total

    def roll_back(self) -> None:
        del self.region.nodes[self.count:]


class Unrolled:
    """The bookkeeping of one loop unrolled while tracing: its ops against the budget."""

    def __init__(self, origin, budget: int | None, length: int | None, why: str):
        self.ctx = context.current()
        self.origin = origin
        self.budget = budget if self.ctx is not None else None
        self.length = length
        self.why = why
        self.ops = 0
        self.iterations = 0
        self._mark = None

    def start(self) -> None:
        if self.ctx is not None:
            self._mark = Mark(self.ctx)

    def done(self) -> None:
        """Counts the iteration just run; raises past the budget."""
        self.iterations += 1
        if self._mark is None:
            return
        self.ops += self._mark.ops_since()
        self._mark = None
        if self.budget is not None and self.ops > self.budget:
            raise StagingError(self._over_budget(), self.origin)

    def finish(self) -> None:
        if self.ctx is not None and self.ops:
            line = self.origin.lineno if self.origin is not None else "?"
            note(self.ctx, f"the loop at line {line} was unrolled: {self.why}")

    def _over_budget(self) -> str:
        of = f" of {self.length}" if self.length is not None else ""
        return (f"this loop is unrolled while tracing ({self.why}) and passed "
                f"{self.budget} graph ops after {self.iterations}{of} iterations; the graph "
                f"would grow with the number of iterations. Make the loop staged instead: "
                f"loop over `range(...)` or `np.ndindex(...)` with state that the body turns "
                f"into arrays (e.g. start an accumulator as `s = 0.0` or `np.float64(0)`, "
                f"preallocate `out = np.zeros(n)` and assign `out[i] = ...` instead of "
                f"appending to a list, index arrays rather than Python lists); or, to unroll "
                f"it anyway, iterate over `autograph.static_range(...)`")


# ---- Python prints of the probing iteration ---------------------------------------------------
#
# The probe runs the first iteration as Python. If the loop is then staged, a `print` of
# Python values in that iteration must not have happened at trace time (the staged loop
# prints on every call); if it stays unrolled, it must have. So prints from converted code
# are held while probing (per trace, hence per thread) and replayed or dropped.


def begin_probe(ctx) -> None:
    held = getattr(ctx, "held_prints", None)
    if held is None:
        held = ctx.held_prints = []
    held.append([])


def end_probe(ctx) -> list:
    """The prints held since `begin_probe`: `replay` them if the loop stays unrolled."""
    return ctx.held_prints.pop()


def replay(ctx, prints: list) -> None:
    held = getattr(ctx, "held_prints", None)
    if held:  # inside another probe: held there in turn
        held[-1].extend(prints)
        return
    for args, kwargs in prints:
        print(*args, **kwargs)


def hold_print(args: tuple, kwargs: dict) -> bool:
    """Holds a `print` of Python values made while a loop is probed; False when none is."""
    ctx = context.current()
    held = getattr(ctx, "held_prints", None) if ctx is not None else None
    if not held:
        return False
    held[-1].append((args, kwargs))
    return True


def note(ctx, text: str) -> None:
    notes = getattr(ctx, "notes", None)
    if notes is None:
        notes = ctx.notes = []
    if text not in notes:
        notes.append(text)


def reason_of(error: BaseException) -> str:
    """A one-line reason from a failed staging attempt."""
    text = getattr(error, "message", None) or str(error) or type(error).__name__
    return text.splitlines()[0]


__all__ = ["UNROLL_BUDGET", "Mark", "NdIndexIter", "StaticNdIndex", "Unrolled",
           "begin_probe", "end_probe", "replay", "hold_print", "holds_mutable", "holds_tensor", "ndindex", "note", "reason_of", "stageable_static",
           "static_length", "static_trip_count"]
