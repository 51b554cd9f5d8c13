"""Reduction kernels for the CUDA backend.

A block-level tree reduction in shared memory, one block (or `partials` blocks and a
second pass) per output element; or one thread per output element when the reduced extent
is tiny or the innermost axis is kept (coalesced). `plan_reduction` chooses.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import numpy as np

from autograph.codegen.cuda.scalars import BOOL, F64, compute, convert, ctor, literal, wrap
from autograph.codegen.emitter import CodegenError
from autograph.ir.ops import Op


@dataclasses.dataclass(frozen=True)
class Reducer:
    """How one reduction op folds: accumulator dtype, identity and combine, and the
    final transform of the accumulated value into the result dtype."""

    acc: np.dtype
    identity: str
    combine: Callable[[str, str], str]   # (acc, value) -> new acc text (already wrapped)
    final: Callable[[str], str]           # acc -> result text (in result registers)


def reducer(op: Op, in_dtype: np.dtype, out_dtype: np.dtype, count: int) -> Reducer:
    """The folding of `op` over `count` values of `in_dtype` giving `out_dtype`."""
    if op in (Op.SUM, Op.PROD, Op.MEAN):
        # float16/32 accumulate in float64: closer to NumPy's pairwise sums than a float32
        # running sum, and not slower where the reduction is memory bound.
        acc = F64 if out_dtype.kind == "f" else out_dtype
        symbol = "*" if op is Op.PROD else "+"
        identity = literal(1 if op is Op.PROD else 0, acc)
        combine = (lambda a, v, s=symbol, t=acc: wrap(f"{a} {s} {v}", t))
        if op is Op.MEAN:
            final = (lambda a: wrap(f"{a} / {literal(count, acc)}", out_dtype))
        else:
            final = (lambda a: convert(a, acc, out_dtype))
        return Reducer(acc, identity, combine, final)
    if op in (Op.ANY, Op.ALL):
        symbol = "or" if op is Op.ANY else "and"
        return Reducer(BOOL, "False" if op is Op.ANY else "True",
                       lambda a, v, s=symbol: f"({a} {s} {v})", lambda a: a)
    if op in (Op.MAX, Op.MIN):
        acc = compute(in_dtype)
        big = op is Op.MAX
        if acc == BOOL:
            identity = "False" if big else "True"
            combine = (lambda a, v, s="or" if big else "and": f"({a} {s} {v})")
        else:
            if acc.kind == "f":
                identity = literal(-math.inf if big else math.inf, acc)
            else:
                info = np.iinfo(acc)
                identity = literal(info.min if big else info.max, acc)
            cmp = ">=" if big else "<="
            nan = acc.kind == "f"

            def combine(a, v):
                # keep `v` when it wins or is NaN: NumPy's max/min propagate NaN
                wins = f"{v} {cmp} {a}" + (f" or {v} != {v}" if nan else "")
                return f"({v} if ({wins}) else {a})"
        return Reducer(acc, identity, combine, lambda a: a)
    raise CodegenError(f"cuda: {op} is not a folding reduction")


def arg_identity(op: Op, dtype: np.dtype) -> str:
    acc = compute(dtype)
    big = op is Op.ARGMAX
    if acc == BOOL:
        return "False" if big else "True"
    if acc.kind == "f":
        return literal(-math.inf if big else math.inf, acc)
    info = np.iinfo(acc)
    return literal(info.min if big else info.max, acc)


def arg_better(op: Op, dtype: np.dtype, v: str, k: str, best: str, best_k: str) -> str:
    """Whether candidate (v, k) replaces (best, best_k): NumPy's first max/min, NaN first."""
    cmp = ">" if op is Op.ARGMAX else "<"
    if compute(dtype).kind != "f":
        return f"({v} {cmp} {best} or ({v} == {best} and {k} < {best_k}))"
    return (f"(({v} != {v} and ({best} == {best} or {k} < {best_k})) or "
            f"({best} == {best} and ({v} {cmp} {best} or ({v} == {best} and {k} < {best_k}))))")


def tree_lines(block: int, step: Callable[[str], list[str]]) -> list[str]:
    """The shared-memory tree over `block` threads: at each level thread `tid` below the
    half `h` folds in the value of thread `o = tid + h` (`step("o")` lines)."""
    return [f"h = {block // 2}",
            "while h > 0:",
            "    cuda.syncthreads()",
            "    if tid < h:",
            "        o = tid + h",
            *["        " + line for line in step("o")],
            "    h //= 2",
            "cuda.syncthreads()"]


# Reductions with fewer values than this per output run one thread per output; so do
# reductions that keep the innermost axis over this many outputs (their reads coalesce).
_SERIAL_EXTENT = 16
_SERIAL_OUTPUTS = 2048
# A reduction is split over partial blocks until about this many blocks run in all.
_MIN_BLOCKS = 1024
_PER_THREAD = 4  # values each thread folds, at least, before partial blocks are added


@dataclasses.dataclass
class ReductionPlan:
    """The kernels of one reduction and how the driver launches them.

    `style` is "serial" (one grid-stride kernel, a thread per output), "block" (one block
    per output) or "split" (`partials` blocks per output into `partial` buffers, then a
    final block per output).
    """

    style: str
    outputs: int
    extent: int
    partials: int = 1


def plan_reduction(x_shape: Sequence[int], axes: Sequence[int], block: int,
                   max_partials: int) -> ReductionPlan:
    outputs = math.prod(d for a, d in enumerate(x_shape) if a not in axes)
    extent = math.prod(x_shape[a] for a in axes)
    inner_kept = bool(x_shape) and (len(x_shape) - 1) not in axes
    if extent <= _SERIAL_EXTENT or (inner_kept and outputs >= _SERIAL_OUTPUTS):
        return ReductionPlan("serial", outputs, extent)
    partials = min(max_partials, -(-extent // (block * _PER_THREAD)),
                   max(1, -(-_MIN_BLOCKS // max(outputs, 1))))
    if partials <= 1:
        return ReductionPlan("block", outputs, extent)
    return ReductionPlan("split", outputs, extent, partials)


def reduction_index(x_shape: Sequence[int], axes: Sequence[int]) -> tuple[list[str], list[str],
                                                                          list[str]]:
    """Names for kept-axis indices (`j0..`), reduced-axis indices (`r0..`), and the index of
    x they make, axis by axis."""
    kept = [f"j{k}" for k in range(len(x_shape) - len(axes))]
    reduced = [f"r{k}" for k in range(len(axes))]
    it_kept, it_red = iter(kept), iter(reduced)
    x_index = [next(it_red) if a in axes else next(it_kept) for a in range(len(x_shape))]
    return kept, reduced, x_index


def fold_lines(op: Op, in_dtype: np.dtype, fold: Reducer | None, value: str, k: str) -> list[str]:
    """The lines folding `value` (number `k`) into `acc` (and `acck` for arg-reductions)."""
    if fold is None:
        return [f"v = {value}",
                f"if {arg_better(op, in_dtype, 'v', k, 'acc', 'acck')}:",
                "    acc = v", f"    acck = {k}"]
    return [f"acc = {fold.combine('acc', value)}"]


def tree_step(op: Op, in_dtype: np.dtype, fold: Reducer | None) -> Callable[[str],
                                                                              list[str]]:
    if fold is None:
        def step(other: str) -> list[str]:
            return [f"v = sv[{other}]", f"k = si[{other}]",
                    f"if {arg_better(op, in_dtype, 'v', 'k', 'sv[tid]', 'si[tid]')}:",
                    "    sv[tid] = v", "    si[tid] = k"]
        return step
    return lambda other: [f"sv[tid] = {fold.combine('sv[tid]', f'sv[{other}]')}"]


def shared_lines(block: int, acc: np.dtype, arg: bool) -> list[str]:
    lines = [f"sv = cuda.shared.array({block}, {ctor(acc)})"]
    if arg:
        lines.append(f"si = cuda.shared.array({block}, np.int64)")
    return lines + ["tid = cuda.threadIdx.x"]
