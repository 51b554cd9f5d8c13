"""Emitting into one region, and the few graph idioms every VJP rule needs.

`ir.Builder` fills a graph through a stack of open regions, which suits a tracer that
opens and closes regions in nesting order. Reverse mode does not: it writes the backward
of a loop body while the forward of the enclosing region is still being written, and
adds results to a forward `cond` after the fact. So autodiff gives each region its own
`Emitter`; `emit` has the same signature as `Builder.emit`, so a VJP rule works with
either.

The helpers below keep cotangents in one canonical type: a cotangent has its primal's
shape and dtype and is never weak (a gradient is a NumPy value, even for a Python-scalar
input). `fit` brings what a rule computed to that type: it sums away broadcast dimensions
and casts back to the primal's dtype (`f32 * f64` yields an f64 cotangent that the f32
input receives as f32).
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from autograph.ir.graph import Node, Region, Value
from autograph.ir.ops import Op
from autograph.ir.types import TensorType

_I64 = np.dtype(np.int64)


class Emitter:
    """Appends nodes to one region; `origin`, when set, goes to nodes emitted without one."""

    def __init__(self, region: Region | None = None, origin=None):
        self.region = Region() if region is None else region
        self.origin = origin

    @classmethod
    def with_params(cls, types: Sequence[TensorType],
                    hints: Sequence[str | None] | None = None, origin=None) -> Emitter:
        """An emitter for a fresh region with parameters of `types` (a loop body)."""
        return cls(Region.with_params(types, hints), origin)

    @property
    def params(self) -> list[Value]:
        return self.region.params

    def emit_node(self, op: Op, inputs: Sequence[Value], *, regions: Sequence[Region] = (),
                  origin=None, **attrs) -> Node:
        return self.region.add_node(op, inputs, attrs, regions,
                                    self.origin if origin is None else origin)

    def emit(self, op: Op, inputs: Sequence[Value], *, regions: Sequence[Region] = (),
             origin=None, **attrs) -> Value | tuple[Value, ...]:
        """Appends `op`; returns its value if it has exactly one output, else a tuple."""
        node = self.emit_node(op, inputs, regions=regions, origin=origin, **attrs)
        return node.outputs[0] if len(node.outputs) == 1 else tuple(node.outputs)

    def finish(self, results: Sequence[Value]) -> Region:
        """Sets the region's results and returns it, ready to hand to a control-flow node."""
        self.region.results = list(results)
        return self.region


# ---- types ------------------------------------------------------------------------

def differentiable(t: TensorType) -> bool:
    """Real floating values carry gradients; ints and bools stop them."""
    return t.dtype.kind == "f"


def ct_type(t: TensorType) -> TensorType:
    """The type of the cotangent of a value of type `t`: same shape and dtype, strong."""
    return t.strong()


# ---- leaves -----------------------------------------------------------------------

def const(b, value, dtype) -> Value:
    """A strong 0-d constant of `dtype` (so it never promotes what it meets)."""
    return b.emit(Op.CONSTANT, [], value=np.array(value, dtype=dtype))


def i64(b, value: int) -> Value:
    return const(b, value, _I64)


def zeros(b, t: TensorType) -> Value:
    """Zeros of the cotangent type of `t` (strong)."""
    return b.emit(Op.FULL, [], shape=t.shape, dtype=t.dtype, value=np.zeros((), t.dtype).item())


def zeros_exact(b, t: TensorType) -> Value:
    """Zeros of exactly type `t`, weakness included (a branch result must match the other)."""
    if not t.weak:
        return zeros(b, t)
    return b.emit(Op.CAST, [b.emit(Op.CONSTANT, [], value=0)], dtype=t.dtype, weak=True)


# ---- conversions ------------------------------------------------------------------

def cast(b, x: Value, dtype) -> Value:
    """`x` as a strong value of `dtype` (no node when it already is one)."""
    dtype = np.dtype(dtype)
    if x.type.dtype == dtype and not x.type.weak:
        return x
    return b.emit(Op.CAST, [x], dtype=dtype)


def as_type(b, x: Value, t: TensorType) -> Value:
    """`x` (of `t`'s shape) as exactly type `t`: restores weakness lost through a tape."""
    if x.type == t:
        return x
    return b.emit(Op.CAST, [x], dtype=t.dtype, weak=t.weak)


def reshape(b, x: Value, shape) -> Value:
    shape = tuple(shape)
    return x if x.type.shape == shape else b.emit(Op.RESHAPE, [x], shape=shape)


def broadcast_to(b, x: Value, shape) -> Value:
    shape = tuple(shape)
    return x if x.type.shape == shape else b.emit(Op.BROADCAST_TO, [x], shape=shape)


def sum_to(b, x: Value, shape) -> Value:
    """Undoes broadcasting: sums `x` down to `shape` (leading axes, and axes of size 1).

    NumPy may also drop leading 1s (an assigned value of shape (1, 3) fills a (3,) region),
    so a target with more dimensions than `x` gets them back as 1s.
    """
    shape = tuple(shape)
    if x.type.shape == shape:
        return x
    if x.type.ndim < len(shape):
        x = reshape(b, x, (1,) * (len(shape) - x.type.ndim) + x.type.shape)
    lead = x.type.ndim - len(shape)
    axes = tuple(range(lead)) + tuple(
        lead + i for i, d in enumerate(shape) if d == 1 and x.type.shape[lead + i] != 1)
    if axes:
        x = b.emit(Op.SUM, [x], axes=axes, keepdims=True)
    return reshape(b, x, shape)


def fit(b, ct: Value, primal: TensorType) -> Value:
    """`ct` as the cotangent of a value of type `primal`: unbroadcast, then cast."""
    return cast(b, sum_to(b, ct, primal.shape), primal.dtype)


def expand(b, ct: Value, shape, axes: Sequence[int], keepdims: bool) -> Value:
    """Broadcasts the cotangent of a reduction over `axes` back to the input `shape`."""
    if not keepdims:
        kept = tuple(1 if a in axes else d for a, d in enumerate(shape))
        ct = reshape(b, ct, kept)
    return broadcast_to(b, ct, shape)
