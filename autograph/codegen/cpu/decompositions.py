"""LAPACK-backed linear algebra on the CPU: solve, inv, det, slogdet, cholesky, eigh,
svd, qr, lstsq, pinv (`ir.ops.DECOMPOSITION`), through Numba's own `np.linalg`.

Numba implements these functions for one 2-d float or complex matrix, calling the same
LAPACK routines NumPy does (through SciPy's bindings), and raises `np.linalg.LinAlgError`
for a singular or non-positive-definite matrix as NumPy does. So each node is one call
of Numba's `np.linalg` function, and a stack of matrices (`(..., m, n)`) is a loop over
the stack in the generated program, writing each result into a preallocated array.
Operands are cast first to the dtype NumPy computes in (integers in float64).

Multi-result functions are one IR node per result (`part`, see `ir/linalg_fft.py`). The
nodes of one call — same op, inputs and options, same region — are *siblings*: the
first one emitted computes the factorisation once and binds every live sibling's result
name, and the others emit nothing, so `w, v = np.linalg.eigh(a)` runs LAPACK once.

What Numba's `np.linalg` lacks is built from what it has: `qr(mode='complete')` of a
tall matrix is the QR of the square `[a | 0]` (the zero columns' Householder reflectors
are identities, so Q is LAPACK's complete Q, as NumPy's); NumPy's `cholesky(upper=True)`
and `eigvalsh(UPLO='U')` read the upper triangle, Numba's the lower one, so they factor
the conjugate transpose (and `cholesky` transposes the factor back). Eigenvectors would
come out with other signs that way: `eigh(UPLO='U')` calls LAPACK with 'U' itself
(`cpu/lapack.py`, imported by the programs that need it).
"""

from __future__ import annotations

import functools
import weakref

import numpy as np

from autograph.codegen.cpu.text import dtype_ref, node_comment, subscript
from autograph.codegen.cpu.writer import HELPERS, ProgramWriter
from autograph.ir.graph import Graph, Node, Value
from autograph.ir.linalg_fft import PARTS, linalg_dtype
from autograph.ir.ops import MULTI_PART, Op

# writer -> {node: its siblings (itself included), in program order}; and the nodes done.
_GROUPS: weakref.WeakKeyDictionary = weakref.WeakKeyDictionary()


def _siblings(p: ProgramWriter, node: Node) -> list[Node]:
    groups = _GROUPS.get(p)
    if groups is None:
        groups = _GROUPS[p] = ({}, set())
        _group(p.graph, p.live, groups[0])
    return groups[0].get(node, [node])


def _group(graph: Graph, live, table: dict) -> None:
    def visit(region):
        found: dict[tuple, list[Node]] = {}
        for node in region.nodes:
            if node.op in MULTI_PART and node in live:
                attrs = tuple(sorted((k, repr(v)) for k, v in node.attrs.items() if k != "part"))
                found.setdefault((node.op, tuple(map(id, node.inputs)), attrs), []).append(node)
            for sub in node.regions:
                visit(sub)
        for nodes in found.values():
            for node in nodes:
                table[node] = nodes

    visit(graph.body)


@functools.lru_cache(maxsize=None)
def _lapack_import() -> str:
    """The program's import of `cpu/lapack.py` (which imports Numba: loaded on first use)."""
    from autograph.codegen.cpu import lapack

    return f"from autograph.codegen.cpu import lapack as _la  # version {lapack.VERSION}"


def _uses_lapack(p: ProgramWriter) -> None:
    HELPERS.setdefault("_la", _lapack_import())  # a module-level line of the program
    p.helpers.add("_la")


def _compute_dtype(node: Node) -> np.dtype:
    return linalg_dtype(np.result_type(*(v.type.dtype for v in node.inputs)))


def _operand(p: ProgramWriter, value: Value, dt: np.dtype) -> str:
    """The value in the computing dtype, bound to a name when a cast is needed."""
    if value.type.dtype == dt:
        return p.ref(value)
    name = p.scratch("cast")
    p.em.line(f"{name} = {p.ref(value)}.astype({dtype_ref(dt)})")
    return name


def _call(node: Node, args: list[str], dt: np.dtype, live: set
          ) -> tuple[str, tuple[str, ...]]:
    """The Numba expression for one matrix, and the parts it returns (in order); `live`
    are the parts some node uses (eigenvalues alone need no eigenvectors)."""
    op, attrs = node.op, node.attrs
    (a, *rest) = args
    if op is Op.EIGH and attrs.get("UPLO", "L") == "U":
        a = f"np.ascontiguousarray({a}.T.conj())"
    if op is Op.EIGH and live == {"eigenvalues"}:
        return f"np.linalg.eigvalsh({a})", ("eigenvalues",)
    if op is Op.EIGH and attrs.get("UPLO", "L") == "U":
        return f"_la.eigh_upper({args[0]})", PARTS[op]
    if op is Op.SVD and live == {"S"}:  # Numba's svd has no compute_uv: the thin one
        return f"np.linalg.svd({a}, full_matrices=False)", PARTS[op]
    if op is Op.SOLVE:
        return f"np.linalg.solve({a}, {rest[0]})", ("x",)
    if op is Op.INV:
        return f"np.linalg.inv({a})", ("x",)
    if op is Op.DET:
        return f"np.linalg.det({a})", ("x",)
    if op is Op.SLOGDET:
        return f"np.linalg.slogdet({a})", PARTS[op]
    if op is Op.CHOLESKY:
        if attrs.get("upper", False):
            # NumPy reads the upper triangle: U = cholesky(a^H)^H
            a = f"np.ascontiguousarray({a}.T.conj())"
            return f"np.ascontiguousarray(np.linalg.cholesky({a}).T.conj())", ("x",)
        return f"np.linalg.cholesky({a})", ("x",)
    if op is Op.EIGH:
        return f"np.linalg.eigh({a})", PARTS[op]
    if op is Op.SVD:
        full = bool(attrs.get("full_matrices", True))
        return f"np.linalg.svd({a}, full_matrices={full})", PARTS[op]
    if op is Op.PINV:
        return f"np.linalg.pinv({a}, rcond={float(attrs.get('rcond', 1e-15))!r})", ("x",)
    if op is Op.LSTSQ:
        rcond = attrs.get("rcond", None)
        m, n = node.inputs[0].type.shape
        rcond = float(max(m, n) * np.finfo(dt).eps if rcond is None else rcond)
        return f"np.linalg.lstsq({a}, {rest[0]}, rcond={rcond!r})", PARTS[op]
    raise AssertionError(op)


def emit_decomposition(p: ProgramWriter, node: Node) -> None:
    siblings = _siblings(p, node)
    done = _GROUPS[p][1]
    if node in done:
        return
    done.update(siblings)
    dt = _compute_dtype(node)
    args = [_operand(p, v, dt) for v in node.inputs]
    if node.op is Op.QR:
        _emit_qr(p, node, siblings, args[0], dt)
        return
    batch = _batch_shape(node)
    outs = {n.attrs.get("part", "x"): n.outputs[0] for n in siblings}
    if batch:
        for value in outs.values():
            p.em.line(f"{p.name(value)} = {p.empty(value)}", node_comment(node))
    with p.loops(batch) as index:
        operands = [_batch_operand(node, v, arg, index, batch)
                    for v, arg in zip(node.inputs, args)]
        expr, parts = _call(node, operands, dt, set(outs))
        if expr.startswith("_la."):
            _uses_lapack(p)
        temps = {part: p.scratch(part.lower()) for part in parts}
        p.em.line(f"{', '.join(temps.values())} = {expr}", None if batch else node_comment(node))
        if node.op is Op.LSTSQ:
            _check_lstsq(p, temps, outs)
        for part, value in outs.items():
            if batch:
                p.em.line(f"{subscript(p.name(value), index)} = {temps[part]}")
            else:
                p.em.line(f"{p.name(value)} = {_result(value, temps[part])}")


def _result(value: Value, temp: str) -> str:
    """A whole result: arrays C-contiguous (LAPACK's are Fortran-ordered), scalars in
    the value's dtype."""
    if value.type.shape:
        return f"np.ascontiguousarray({temp})"
    return f"{dtype_ref(value.type.dtype)}({temp})"


def _batch_shape(node: Node) -> tuple[int, ...]:
    a = node.inputs[0].type
    if node.op is Op.LSTSQ:
        return ()
    if node.op is Op.SOLVE:
        b = node.inputs[1].type
        return tuple(np.broadcast_shapes(a.shape[:-2], b.shape[:-2] if b.ndim > 1 else ()))
    return a.shape[:-2]


def _batch_operand(node: Node, value: Value, arg: str, index, batch) -> str:
    """One matrix (or right-hand side) of a stack, broadcast along the batch."""
    t = value.type
    core = 1 if node.op is Op.SOLVE and value is node.inputs[1] and t.ndim == 1 else 2
    lead = t.shape[:t.ndim - core]
    offset = len(batch) - len(lead)
    sub = ["0" if n == 1 else index[offset + d] for d, n in enumerate(lead)]
    return subscript(arg, sub) if sub else arg


def _check_lstsq(p: ProgramWriter, temps: dict, outs: dict) -> None:
    """NumPy's residuals are empty for a rank-deficient matrix: a shape the program's
    static one cannot be, so it raises NumPy's error type instead."""
    res = outs.get("residuals")
    if res is not None and res.type.shape[0]:
        with p.em.block(f"if {temps['residuals']}.shape[0] != {res.type.shape[0]}"):
            p.em.line('raise np.linalg.LinAlgError("lstsq: the matrix is rank-deficient, and '
                      'NumPy\'s residuals are then an empty array, which the compiled '
                      'program\'s static shape cannot hold")')


def _emit_qr(p: ProgramWriter, node: Node, siblings, a: str, dt: np.dtype) -> None:
    """Reduced QR per matrix; complete mode of a tall matrix through `[a | 0]`."""
    m, n = node.inputs[0].type.shape[-2:]
    batch = node.inputs[0].type.shape[:-2]
    outs = {s.attrs["part"]: s.outputs[0] for s in siblings}
    pad = node.attrs.get("mode", "reduced") == "complete" and m > n
    for value in outs.values():
        if batch:
            p.em.line(f"{p.name(value)} = {p.empty(value)}", node_comment(node))
    with p.loops(batch) as index:
        matrix = subscript(a, index) if batch else a
        if pad:
            square = p.scratch("square")
            p.em.line(f"{square} = np.zeros(({m}, {m}), {dtype_ref(dt)})")
            p.em.line(f"{square}[:, :{n}] = {matrix}")
            matrix = square
        q, r = p.scratch("q"), p.scratch("r")
        p.em.line(f"{q}, {r} = np.linalg.qr({matrix})", None if batch else node_comment(node))
        if pad:
            r = f"{r}[:, :{n}]"
        for part, value in outs.items():
            expr = q if part == "Q" else r
            if batch:
                p.em.line(f"{subscript(p.name(value), index)} = {expr}")
            else:
                p.em.line(f"{p.name(value)} = np.ascontiguousarray({expr})")


__all__ = ["emit_decomposition"]
