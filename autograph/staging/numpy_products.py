"""NumPy's products (`np.inner`, `np.tensordot`, `np.einsum`, `np.kron`, ...), planned at
trace time into transposes, reshapes and the MATMUL/DOT ops.

Why a module of its own: these are composites whose whole plan depends only on shapes and
subscripts, so it is made once, while tracing: `np.tensordot` moves the summed axes
together and reshapes both operands to matrices for one DOT; `np.einsum` takes
diagonals for repeated labels, sums labels only one operand has, then contracts the
operands left to right, each pair as one batched MATMUL (batch labels, free labels,
summed labels), and transposes to the output's order. Only real dtypes: the conjugating
products (`vdot`, `vecdot`) conjugate nothing.
"""

from __future__ import annotations

import builtins
import math

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import numpy_api as api, numpy_linalg, numpy_rearrange
from autograph.staging.numpy_api import implements, normalize_axis, static_int
from autograph.staging.tensor import Tensor, apply, cast, lift


def _real(x, name) -> Tensor:
    t = lift(x)
    if t.dtype.kind == "c":
        raise api.unsupported(f"{name} of complex values")
    return cast(t, t.dtype) if t.weak else t


def _matrix(t: Tensor, front, back) -> Tensor:
    """t transposed to axes `front` + `back` and reshaped to a matrix."""
    t = api.transpose(t, list(front) + list(back))
    rows = math.prod(t.shape[:len(front)])
    return api.reshape(t, (rows, math.prod(t.shape[len(front):])))


@implements(np.tensordot, np.linalg.tensordot)
def tensordot(a, b, axes=2):
    x, y = _real(a, "np.tensordot"), _real(b, "np.tensordot")
    if isinstance(axes, (int, np.integer)):
        n = int(axes)
        ax_a, ax_b = list(range(x.ndim - n, x.ndim)), list(range(n))
    else:
        ax_a, ax_b = axes
        ax_a = list(ax_a) if isinstance(ax_a, (list, tuple)) else [ax_a]
        ax_b = list(ax_b) if isinstance(ax_b, (list, tuple)) else [ax_b]
    if len(ax_a) != len(ax_b):
        raise ValueError("shape-mismatch for sum")
    ax_a = [normalize_axis(i, x.ndim) for i in ax_a]
    ax_b = [normalize_axis(i, y.ndim) for i in ax_b]
    if builtins.any(x.shape[i] != y.shape[j] for i, j in zip(ax_a, ax_b)):
        raise ValueError("shape-mismatch for sum")
    free_a = [i for i in range(x.ndim) if i not in ax_a]
    free_b = [j for j in range(y.ndim) if j not in ax_b]
    shape = tuple(x.shape[i] for i in free_a) + tuple(y.shape[j] for j in free_b)
    product = apply(Op.DOT, _matrix(x, free_a, ax_a), _matrix(y, ax_b, free_b))
    return api.reshape(product, shape)


@implements(np.inner)
def inner(a, b, /):
    x, y = _real(a, "np.inner"), _real(b, "np.inner")
    if x.ndim == 0 or y.ndim == 0:
        return apply(Op.MUL, x, y)
    return tensordot(x, y, ([-1], [-1]))


@implements(np.vdot)
def vdot(a, b, /):
    x, y = _real(a, "np.vdot"), _real(b, "np.vdot")
    return apply(Op.DOT, api.reshape(x, (-1,)), api.reshape(y, (-1,)))


@implements(np.kron)
def kron(a, b):
    x, y = _real(a, "np.kron"), _real(b, "np.kron")
    nd = builtins.max(x.ndim, y.ndim)
    xs, ys = (1,) * (nd - x.ndim) + x.shape, (1,) * (nd - y.ndim) + y.shape
    spread_x = api.reshape(x, tuple(d for n in xs for d in (n, 1)))
    spread_y = api.reshape(y, tuple(d for n in ys for d in (1, n)))
    product = apply(Op.MUL, spread_x, spread_y)
    return api.reshape(product, tuple(m * n for m, n in zip(xs, ys)))


def _cross(x, y, axisa, axisb, axisc, axis, name):
    x, y = _real(x, name), _real(y, name)
    if axis is not None:
        axisa = axisb = axisc = axis
    x = numpy_rearrange.moveaxis(x, normalize_axis(axisa, x.ndim), -1)
    y = numpy_rearrange.moveaxis(y, normalize_axis(axisb, y.ndim), -1)
    if x.shape[-1] not in (2, 3) or y.shape[-1] not in (2, 3):
        raise ValueError("incompatible dimensions for cross product\n"
                         "(dimension must be 2 or 3)")
    if x.shape[-1] != y.shape[-1]:
        raise api.unsupported(f"{name} of a 2-vector and a 3-vector")
    a = [x[..., i] for i in range(x.shape[-1])]
    b = [y[..., i] for i in range(y.shape[-1])]

    def det(p, q, r, s):
        return apply(Op.SUB, apply(Op.MUL, p, q), apply(Op.MUL, r, s))

    if len(a) == 2:
        return det(a[0], b[1], a[1], b[0])
    parts = [det(a[1], b[2], a[2], b[1]), det(a[2], b[0], a[0], b[2]),
             det(a[0], b[1], a[1], b[0])]
    result = api.stack(parts, axis=-1)
    return numpy_rearrange.moveaxis(result, -1, normalize_axis(axisc, result.ndim))


@implements(np.cross)
def cross(a, b, axisa=-1, axisb=-1, axisc=-1, axis=None):
    return _cross(a, b, axisa, axisb, axisc, axis, "np.cross")


@implements(np.linalg.cross)
def linalg_cross(x1, x2, /, *, axis=-1):
    if lift(x1).shape[axis] != 3 or lift(x2).shape[axis] != 3:
        raise ValueError("Both input arrays must be (arrays of) 3-dimensional vectors")
    return _cross(x1, x2, -1, -1, -1, axis, "np.linalg.cross")


@implements(np.vecdot, np.linalg.vecdot)
def vecdot(x1, x2, /, *, axis=-1, **kwargs):
    for key, value in kwargs.items():
        if value is not None and key not in ("casting", "dtype", "axes", "keepdims"):
            raise api.unsupported(f"np.vecdot(..., {key}=...)")
    x, y = _real(x1, "np.vecdot"), _real(x2, "np.vecdot")
    shape = np.broadcast_shapes(x.shape, y.shape)
    axis = normalize_axis(axis, len(shape))
    if kwargs.get("axes") is not None:
        raise api.unsupported("np.vecdot(..., axes=...)")
    product = apply(Op.MUL, x, y)  # the gufunc's loop keeps the operands' dtype (int32)
    return api.sum(product, axis=axis - len(shape), dtype=product.dtype)


@implements(np.matvec)
def matvec(x1, x2, /, **kwargs):
    _plain_gufunc("np.matvec", kwargs)
    a, v = _real(x1, "np.matvec"), _real(x2, "np.matvec")
    return apply(Op.MATMUL, a, api.reshape(v, v.shape + (1,)))[..., 0]


@implements(np.vecmat)
def vecmat(x1, x2, /, **kwargs):
    _plain_gufunc("np.vecmat", kwargs)
    v, a = _real(x1, "np.vecmat"), _real(x2, "np.vecmat")
    return apply(Op.MATMUL, api.reshape(v, v.shape[:-1] + (1,) + v.shape[-1:]), a)[..., 0, :]


def _plain_gufunc(name, kwargs):
    for key, value in kwargs.items():
        if value is not None and not (key == "casting" and value == "same_kind"):
            raise api.unsupported(f"{name}(..., {key}=...)")


@implements(np.matrix_transpose, np.linalg.matrix_transpose)
def matrix_transpose(x, /):
    t = lift(x)
    if t.ndim < 2:
        raise ValueError("Input array must be at least 2-dimensional")
    return api.swapaxes(t, -1, -2)


Tensor.mT = property(matrix_transpose, doc="`x.mT`: the last two axes swapped, a view.")


@implements(np.linalg.outer)
def linalg_outer(x1, x2, /):
    if lift(x1).ndim != 1 or lift(x2).ndim != 1:
        raise ValueError("Input arrays must be one-dimensional")
    return api.outer(x1, x2)


@implements(np.linalg.matmul)
def linalg_matmul(x1, x2, /):
    return api.matmul(x1, x2)


@implements(np.linalg.trace)
def linalg_trace(x, /, *, offset=0, dtype=None):
    return numpy_rearrange.trace(x, offset, -2, -1, dtype)


@implements(np.linalg.diagonal)
def linalg_diagonal(x, /, *, offset=0):
    return numpy_rearrange.diagonal(x, offset, -2, -1)


@implements(np.linalg.vector_norm)
def vector_norm(x, /, *, axis=None, keepdims=False, ord=2):
    t = lift(x)
    if axis is None:
        flat = numpy_linalg.norm(api.reshape(t, (-1,)), ord)
        return api.reshape(flat, (1,) * t.ndim) if keepdims else flat
    if isinstance(axis, (tuple, list)) and len(axis) > 1:
        axes = tuple(normalize_axis(a, t.ndim) for a in axis)
        rest = [d for d in range(t.ndim) if d not in axes]
        moved = api.reshape(api.transpose(t, rest + list(axes)),
                            tuple(t.shape[d] for d in rest) + (-1,))
        result = numpy_linalg.norm(moved, ord, axis=-1)
        if keepdims:
            result = api.reshape(result, tuple(1 if d in axes else n
                                               for d, n in enumerate(t.shape)))
        return result
    return numpy_linalg.norm(t, ord, axis=axis, keepdims=keepdims)


@implements(np.linalg.matrix_norm)
def matrix_norm(x, /, *, keepdims=False, ord="fro"):
    return numpy_linalg.norm(x, ord, axis=(-2, -1), keepdims=keepdims)


@implements(np.linalg.matrix_power)
def matrix_power(a, n):
    """Repeated squaring with a static exponent (NumPy's own plan); n < 0 needs an inverse."""
    t = lift(a)
    n = static_int(n, "np.linalg.matrix_power n")
    if t.ndim < 2 or t.shape[-1] != t.shape[-2]:
        raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square")
    if n < 0:  # NumPy inverts first (LinAlgError at run time if singular)
        t, n = numpy_linalg.inv(t), -n
    if n == 1:
        return t  # NumPy hands back the array itself (or the inverse it computed)
    if n == 0:
        eye = apply(Op.EYE, n=t.shape[-1], m=None, k=0, dtype=t.dtype)
        return api.broadcast_to(eye, t.shape).copy()
    result, power = None, t
    while n:
        if n & 1:
            result = power if result is None else apply(Op.MATMUL, result, power)
        n >>= 1
        if n:
            power = apply(Op.MATMUL, power, power)
    return Tensor(result.value, result._sources) if result is t else result


@implements(np.linalg.multi_dot)
def multi_dot(arrays, *, out=None):
    api._no_out(out, "np.linalg.multi_dot")
    ts = [lift(a) for a in arrays]
    if len(ts) < 2:
        raise ValueError("Expecting at least two arrays.")
    first, last = ts[0].ndim == 1, ts[-1].ndim == 1
    if first:
        ts[0] = api.reshape(ts[0], (1, -1))
    if last:
        ts[-1] = api.reshape(ts[-1], (-1, 1))
    result = ts[0]
    for t in ts[1:]:
        result = apply(Op.DOT, result, t)
    if first and last:
        return result[0, 0]
    return result[0] if first else (result[:, 0] if last else result)


# ---- einsum ----------------------------------------------------------------------------------

_OPTIMIZE = (False, True, "greedy", "optimal")


def _parse(subscripts: str, operands):
    subscripts = subscripts.replace(" ", "")
    inputs, arrow, output = subscripts.partition("->")
    terms = inputs.split(",")
    if len(terms) != len(operands):
        raise ValueError("more operands were provided than specified in the subscripts"
                         if len(terms) < len(operands) else
                         "fewer operands provided to einstein sum function than specified "
                         "in the subscripts string")
    used = set(subscripts) - set(".,->")
    spare = [c for c in "ABCDEFGHIJKLMNOPQRSTUVWXYZabcdefghijklmnopqrstuvwxyz" if c not in used]
    width = 0
    for term, t in zip(terms, operands):
        if "..." in term:
            width = builtins.max(width, t.ndim - (len(term) - 3))
    ellipsis = "".join(spare[:width])
    labels = []
    for term, t in zip(terms, operands):
        if "..." in term:
            n = t.ndim - (len(term) - 3)
            term = term.replace("...", ellipsis[width - n:] if n else "")
        if len(term) != t.ndim or not all(c.isalpha() for c in term):
            raise ValueError(f"einstein sum subscripts string contains too many subscripts "
                             f"for operand ({term!r} for {t.ndim} dimensions)")
        labels.append(term)
    if arrow:
        output = output.replace("...", ellipsis)
    else:
        counts = {c: "".join(labels).count(c) for c in "".join(labels)}
        output = ellipsis + "".join(sorted(c for c, k in counts.items()
                                           if k == 1 and c not in ellipsis))
    if len(set(output)) != len(output) or not set(output) <= set("".join(labels)):
        raise ValueError(f"einstein sum subscripts: invalid output {output!r}")
    return labels, output


def _take_diagonals(t: Tensor, term: str):
    while len(set(term)) != len(term):
        label = next(c for c in term if term.count(c) > 1)
        p = term.index(label)
        q = term.index(label, p + 1)
        t = numpy_rearrange.diagonal(t, 0, p, q)
        term = term[:p] + term[p + 1:q] + term[q + 1:] + label
    return t, term


def _sum_labels(t: Tensor, term: str, keep: set):
    axes = tuple(i for i, c in enumerate(term) if c not in keep)
    if not axes:
        return t, term
    return api.sum(t, axis=axes, dtype=t.dtype), "".join(c for c in term if c in keep)


def _contract(x: Tensor, xt: str, y: Tensor, yt: str, keep: set):
    batch = [c for c in xt if c in yt and c in keep]
    summed = [c for c in xt if c in yt and c not in keep]
    free_x = [c for c in xt if c not in yt]
    free_y = [c for c in yt if c not in xt]
    size = {**dict(zip(xt, x.shape)), **dict(zip(yt, y.shape))}
    for c in batch + summed:
        size[c] = builtins.max(x.shape[xt.index(c)], y.shape[yt.index(c)])

    def arrange(t, term, groups):
        order = [term.index(c) for group in groups for c in group]
        t = api.transpose(t, order)
        t = api.broadcast_to(t, tuple(size[c] for group in groups for c in group))
        return api.reshape(t, tuple(math.prod(size[c] for c in g) for g in groups))

    left = arrange(x, xt, (batch, free_x, summed))
    right = arrange(y, yt, (batch, summed, free_y))
    product = apply(Op.MATMUL, left, right)
    term = "".join(batch + free_x + free_y)
    return api.reshape(product, tuple(size[c] for c in term)), term


@implements(np.einsum)
def einsum(*operands, out=None, optimize=False, dtype=None, order="K", casting="safe"):
    api._no_out(out, "np.einsum")
    if optimize not in _OPTIMIZE and not isinstance(optimize, (list, tuple)):
        raise ValueError(f"np.einsum: optimize must be one of {_OPTIMIZE}, got {optimize!r}")
    if not operands or not isinstance(operands[0], str):
        raise api.unsupported("np.einsum with interleaved operands and sublists",
                              "use a subscripts string")
    subscripts, ts = operands[0], [_real(t, "np.einsum") for t in operands[1:]]
    if dtype is not None:
        ts = [cast(t, np.dtype(dtype)) for t in ts]
    labels, output = _parse(subscripts, ts)
    terms = []
    for t, term in zip(ts, labels):
        t, term = _take_diagonals(t, term)
        terms.append((t, term))
    for i, (t, term) in enumerate(terms):  # labels no other operand or the output has
        others = set(output).union(*(set(u) for j, (_, u) in enumerate(terms) if j != i))
        terms[i] = _sum_labels(t, term, others)
    t, term = terms[0]
    for i in range(1, len(terms)):
        later = set(output).union(*(set(u) for _, u in terms[i + 1:]))
        t, term = _contract(t, term, *terms[i], later)
    t, term = _sum_labels(t, term, set(output))
    return api.transpose(t, [term.index(c) for c in output])


__all__ = ["einsum", "inner", "kron", "tensordot", "vdot"]
