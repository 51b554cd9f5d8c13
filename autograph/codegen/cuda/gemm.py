"""Kernel text for fast float32 matrix products on the CUDA backend.

`contraction_kernels.contraction_body` computes one output element per thread from 16x16 shared
tiles: two shared-memory loads per multiply-add, so it runs at a few percent of a GPU's
float32 rate, and an MLP spends its time there. This module writes the two kernels that
`numba_cuda` uses instead for float32 `matmul`:

- `tiled_body`: a register-blocked product. A block of (bn/tn) x (bm/tm) threads computes
  a bm x bn tile of the output; each thread a tm x tn micro-tile held in registers, so
  each step over k costs tm + tn shared loads for tm * tn multiply-adds. The operands pass
  through shared memory bk columns at a time; the next slice is read from global memory
  into registers while the current one is multiplied (global latency hidden behind the
  arithmetic without a second shared buffer). Layouts avoid shared bank conflicts: `sa`
  holds a's slice transposed (k-major, so a thread's rows are one row of `sa`) with its
  rows padded by 4 words, so the transposing stores of a warp hit 32 distinct banks; a
  thread's micro-tile rows and columns are strided by the thread counts (`ty + m * NY`,
  `tx + n * NX`), so a warp's reads of `sb` are consecutive words and its writes of the
  output coalesce.
- `skinny_body`: products with very few columns (an MLP's last layer, `4096x128 @ 128x2`),
  where any output tile is mostly idle: `lanes` threads share one row, each folding every
  `lanes`-th k into one accumulator per column, reading a's row coalesced; a shared-memory
  tree over the lanes finishes each sum, and lane `j` writes column `j`.

Both write every output element through `store(zs, i, j, value)`, which lets the caller
fuse an elementwise epilogue (bias add, ReLU) into the product's kernel. Shapes are static,
so bounds checks are generated only on the edges a shape can actually cross.

Accumulators are scalars named in the text (`c0_0`, `c0_1`, ...) rather than a local
array: a local array indexed by loop variables stays in slow local memory unless the
compiler fully unrolls every loop touching it, which an epilogue can prevent.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

from autograph.codegen.cuda import kernel_text as kt, scalars as ck
from autograph.codegen.emitter import CodegenError

# (zs, i, k) -> operand text in float32 registers; (zs, i, j, value) -> the store lines
Read = Callable[[list[str], str, str], str]
Store = Callable[[list[str], str, str, str], list[str]]

_ZERO = ck.literal(0, ck.F32)
_MAX_GRID = 65535
# Words of padding after each row of `sa`; see the module doc (bank conflicts).
_PAD = 4


@dataclasses.dataclass(frozen=True)
class Tile:
    """A block computes bm x bn outputs, stepping bk along k; a thread tm x tn of them."""

    bm: int
    bn: int
    bk: int
    tm: int
    tn: int

    @property
    def nx(self) -> int:
        return self.bn // self.tn

    @property
    def ny(self) -> int:
        return self.bm // self.tm

    @property
    def threads(self) -> int:
        return self.nx * self.ny

    def problem(self) -> str | None:
        """Why this tile cannot be used, or None: the loaders give each thread whole
        rows of the two slices, so the thread count must divide both slices evenly."""
        if min(self.bm, self.bn, self.bk, self.tm, self.tn) < 1:
            return "sizes must be positive"
        if self.bm % self.tm or self.bn % self.tn:
            return "tm must divide bm and tn must divide bn"
        t = self.threads
        if t > 1024:
            return f"{t} threads: a block has at most 1024 threads"
        if t % self.bk or t % self.bn or (self.bm * self.bk) % t or (self.bk * self.bn) % t:
            return (f"its {t} threads must be a multiple of bk and bn, and divide "
                    f"bm*bk and bk*bn")
        return None


def choose_tile(tiles: Sequence[Tile], min_blocks: int, batch: Sequence[int], rows: int,
                cols: int) -> Tile:
    """The first tile (largest first, by convention) that gives at least `min_blocks`
    blocks, so every multiprocessor has work; else the one giving the most blocks (the
    smallest of those: fewer idle threads on a small product)."""
    n_batch = max(1, math.prod(batch))

    def blocks(t: Tile) -> int:
        return -(-rows // t.bm) * -(-cols // t.bn) * n_batch
    for tile in tiles:
        if blocks(tile) >= min_blocks:
            return tile
    return max(reversed(tiles), key=blocks)


def _indent(lines: Sequence[str], depth: int = 1) -> list[str]:
    return [("    " * depth + line) if line else "" for line in lines]


def _plus(text: str, term) -> str:
    """`text + term`, leaving out a zero on either side."""
    if term == 0:
        return text
    return str(term) if text == "0" else f"{text} + {term}"


def _guarded(value: str, checks: Sequence[str]) -> str:
    return f"({value} if {' and '.join(checks)} else {_ZERO})" if checks else value


def tiled_body(*, tile: Tile, batch: Sequence[int], rows: int, cols: int, depth: int,
               read_a: Read, read_b: Read, store: Store) -> list[str]:
    """out[z, i, j] = sum_k a[z, i, k] * b[z, k, j] in float32, register-blocked.

    Launched with `tiled_grid`; grid-stride loops over row tiles (y) and batches (z)."""
    why = tile.problem()
    if why:
        raise CodegenError(f"cuda: matmul tile {tile}: {why}")
    bm, bn, bk, tm, tn = tile.bm, tile.bn, tile.bk, tile.tm, tile.tn
    nx, ny, t = tile.nx, tile.ny, tile.threads
    zs = [f"z{k}" for k in range(len(batch))]
    n_batch = max(1, math.prod(batch))
    row_tiles = -(-rows // bm)
    acc = [[f"c{m}_{n}" for n in range(tn)] for m in range(tm)]
    a_loads, b_loads = bm * bk // t, bk * bn // t
    a_step, b_step = t // bk, t // bn   # rows of a's (b's) slice between one thread's loads

    def a_read(p: int, k0: str) -> str:
        r, k = _plus("row0 + la_r", p * a_step), _plus(k0, "la_c")
        checks = ([f"{r} < {rows}"] if rows % bm else []) + (
            [f"{k} < {depth}"] if depth % bk else [])
        return _guarded(read_a(zs, r, k), checks)

    def b_read(p: int, k0: str) -> str:
        k, j = _plus(_plus(k0, "lb_r"), p * b_step), "col0 + lb_c"
        checks = ([f"{k} < {depth}"] if depth % bk else []) + (
            [f"{j} < {cols}"] if cols % bn else [])
        return _guarded(read_b(zs, k, j), checks)

    def loads(k0: str) -> list[str]:
        return ([f"ga{p} = {a_read(p, k0)}" for p in range(a_loads)]
                + [f"gb{p} = {b_read(p, k0)}" for p in range(b_loads)])

    # unrolled over kk: shared addresses become a base plus constants (a `for kk` loop
    # spends about as many integer instructions on indexing as it does multiply-adds)
    steps: list[str] = []
    for kk in range(bk):
        steps += [f"ra{m} = sa[{kk}, {_plus('ty', m * ny)}]" for m in range(tm)]
        steps += [f"rb{n} = sb[{kk}, {_plus('tx', n * nx)}]" for n in range(tn)]
        steps += [f"{acc[m][n]} += ra{m} * rb{n}" for m in range(tm) for n in range(tn)]
    k_loop = [f"for k0 in range(0, {depth}, {bk}):",
              *_indent([f"sa[la_c, {_plus('la_r', p * a_step)}] = ga{p}" for p in range(a_loads)]
                       + [f"sb[{_plus('lb_r', p * b_step)}, lb_c] = gb{p}"
                          for p in range(b_loads)]
                       + ["cuda.syncthreads()"]),
              f"    if k0 + {bk} < {depth}:  # the next slice, while this one is used",
              *_indent(loads(f"(k0 + {bk})"), 2),
              *_indent(steps),
              "    cuda.syncthreads()"] if depth else []
    writes: list[str] = []
    for m in range(tm):
        writes.append(f"i = {_plus('row0 + ty', m * ny)}")
        for n in range(tn):
            writes.append(f"j = {_plus('col0 + tx', n * nx)}")
            checks = ([f"i < {rows}"] if rows % bm else []) + ([f"j < {cols}"] if cols % bn
                                                               else [])
            lines = store(zs, "i", "j", acc[m][n])
            writes += ([f"if {' and '.join(checks)}:"] + _indent(lines)) if checks else lines
    per_tile = ([f"row0 = by * {bm}"]
                + [f"{name} = {_ZERO}" for row in acc for name in row]
                + (loads("0") if depth else []) + k_loop + writes)
    lines = [f"sa = cuda.shared.array(({bk}, {bm + _PAD}), np.float32)",
             f"sb = cuda.shared.array(({bk}, {bn}), np.float32)",
             "tx = cuda.threadIdx.x",
             "ty = cuda.threadIdx.y",
             f"tid = ty * {nx} + tx",
             f"la_r = tid // {bk}",
             f"la_c = tid % {bk}",
             f"lb_r = tid // {bn}",
             f"lb_c = tid % {bn}",
             f"col0 = cuda.blockIdx.x * {bn}",
             f"for z in range(cuda.blockIdx.z, {n_batch}, cuda.gridDim.z):"]
    inner = kt.unflatten("z", batch, zs)
    inner += [f"for by in range(cuda.blockIdx.y, {row_tiles}, cuda.gridDim.y):",
              *_indent(per_tile)]
    return lines + _indent(inner)


def tiled_grid(tile: Tile, batch: Sequence[int], rows: int, cols: int) -> tuple:
    """((blocks x, y, z), (threads x, y)) for `tiled_body`."""
    return ((-(-cols // tile.bn), min(-(-rows // tile.bm), _MAX_GRID),
             min(max(1, math.prod(batch)), _MAX_GRID)), (tile.nx, tile.ny))


def skinny_body(*, lanes: int, rows_per_block: int, batch: Sequence[int], rows: int,
                cols: int, depth: int, read_a: Read, read_b: Read, store: Store) -> list[str]:
    """out[z, i, j] for few columns: `lanes` threads per row, a shared tree per sum.

    Launched with `skinny_grid`: blocks of (lanes, rows_per_block) threads, grid-stride
    loops over row groups (x) and batches (y)."""
    if lanes < 2 or lanes & (lanes - 1):
        raise CodegenError(f"cuda: skinny matmul lanes must be a power of two >= 2, "
                           f"not {lanes}")
    if cols > lanes:
        raise CodegenError(f"cuda: skinny matmul with {cols} columns needs at least as "
                           f"many lanes ({lanes})")
    t = lanes * rows_per_block
    zs = [f"z{k}" for k in range(len(batch))]
    n_batch = max(1, math.prod(batch))
    groups = -(-rows // rows_per_block)
    acc = [f"c{j}" for j in range(cols)]
    fold = ["av = " + read_a(zs, "i", "k")] + [
        f"{acc[j]} += av * {read_b(zs, 'k', str(j))}" for j in range(cols)]

    def guard_rows(lines: list[str]) -> list[str]:
        return [f"if i < {rows}:", *_indent(lines)] if rows % rows_per_block else lines

    tree = [f"h = {lanes // 2}",
            "while h > 0:",
            "    cuda.syncthreads()",
            "    if lane < h:",
            *[f"        sp[{j}, tid] += sp[{j}, tid + h]" for j in range(cols)],
            "    h //= 2",
            "cuda.syncthreads()"]
    per_group = ([f"i = g * {rows_per_block} + row"]
                 + [f"{name} = {_ZERO}" for name in acc]
                 + guard_rows([f"for k in range(lane, {depth}, {lanes}):", *_indent(fold)])
                 + [f"sp[{j}, tid] = {acc[j]}" for j in range(cols)]
                 + tree
                 + [f"if lane < {cols}" + (f" and i < {rows}:" if rows % rows_per_block
                                           else ":"),
                    "    j = lane",
                    f"    v = sp[j, row * {lanes}]",
                    *_indent(store(zs, "i", "j", "v")),
                    "cuda.syncthreads()  # sp is written again by the next group"])
    lines = [f"sp = cuda.shared.array(({cols}, {t}), np.float32)",
             "lane = cuda.threadIdx.x",
             "row = cuda.threadIdx.y",
             f"tid = row * {lanes} + lane",
             f"for z in range(cuda.blockIdx.y, {n_batch}, cuda.gridDim.y):"]
    inner = kt.unflatten("z", batch, zs)
    inner += [f"for g in range(cuda.blockIdx.x, {groups}, cuda.gridDim.x):",
              *_indent(per_group)]
    return lines + _indent(inner)


def skinny_grid(lanes: int, rows_per_block: int, batch: Sequence[int], rows: int) -> tuple:
    """((blocks x, y), (lanes, rows_per_block)) for `skinny_body`."""
    return ((min(-(-rows // rows_per_block), _MAX_GRID), min(max(1, math.prod(batch)),
                                                            _MAX_GRID)),
            (lanes, rows_per_block))


__all__ = ["Tile", "choose_tile", "skinny_body", "skinny_grid", "tiled_body", "tiled_grid"]
