"""`np.linalg`: norms composed from reductions, and the LAPACK-backed functions.

Why a module of its own: `np.linalg` is a namespace of its own in NumPy. Vector norms of
every `ord` and the matrix norms that are reductions ('fro', 1, -1, inf, -inf) are staged
as NumPy's own case analysis, transcribed; 2, -2 and 'nuc' are singular values (SVD).

Solvers and factorisations are primitives (`ir.ops.DECOMPOSITION`, LAPACK through
Numba's `np.linalg` on the CPU): `solve inv det slogdet cholesky eigh eigvalsh svd qr
lstsq pinv`, on stacks of matrices as NumPy allows. Multi-result functions stage one
node per result (`part`) and return NumPy 2's own result classes (`EighResult`,
`SVDResult`, `SlogdetResult`, `QRResult`), so `.eigenvalues` works as in NumPy; unused
results are dropped, and the CPU computes the factorisation once for the rest.
`matrix_rank` (singular values against NumPy's tolerance) is a composite, and so is
`matrix_power` (numpy_products.py: matmuls; a negative power inverts first, with INV).
Arguments NumPy checks before computing (a square stack, a supported dtype) raise
NumPy's errors while tracing; a singular or non-positive-definite matrix raises
`np.linalg.LinAlgError` when the program runs, as NumPy does.
"""

from __future__ import annotations

import numpy as np

from autograph.ir.ops import DECOMPOSITION, Op
from autograph.staging import numpy_api as api
from autograph.staging.numpy_api import implements, normalize_axis
from autograph.staging.tensor import Tensor, apply, cast, lift

_linalg = np.linalg._linalg  # NumPy 2's result classes live here
LinAlgError = np.linalg.LinAlgError


def _abs(t):
    return apply(Op.ABS, t)


def _vector_norm(x, ord, axis, keepdims):
    if ord == np.inf:
        return api.max(_abs(x), axis=axis, keepdims=keepdims)
    if ord == -np.inf:
        return api.min(_abs(x), axis=axis, keepdims=keepdims)
    if ord == 0:
        return api.sum(cast(apply(Op.NE, x, 0), x.dtype), axis=axis, keepdims=keepdims)
    if ord == 1:
        return api.sum(_abs(x), axis=axis, keepdims=keepdims)
    if ord is None or ord == 2:
        return apply(Op.SQRT, api.sum(apply(Op.MUL, x, x), axis=axis, keepdims=keepdims))
    if isinstance(ord, str):
        raise ValueError(f"Invalid norm order '{ord}' for vectors")
    powered = apply(Op.POW, _abs(x), ord)
    return apply(Op.POW, api.sum(powered, axis=axis, keepdims=keepdims), 1.0 / ord)


def _matrix_norm(x, ord, rows, cols, keepdims):
    if ord in (None, "fro", "f"):
        result = apply(Op.SQRT, api.sum(apply(Op.MUL, x, x), axis=(rows, cols)))
    elif ord in (1, -1, np.inf, -np.inf):
        along, across = (rows, cols) if ord in (1, -1) else (cols, rows)
        if across > along:
            across -= 1
        reduce = api.max if ord in (1, np.inf) else api.min
        result = reduce(api.sum(_abs(x), axis=along), axis=across)
    elif ord in (2, -2, "nuc"):
        values = _singular_values(x, rows, cols)
        result = {2: api.max, -2: api.min, "nuc": api.sum}[ord](values, axis=-1)
    else:
        raise ValueError("Invalid norm order for matrices.")
    if keepdims:
        shape = list(x.shape)
        shape[rows] = shape[cols] = 1
        result = api.reshape(result, tuple(shape))
    return result


@implements(np.linalg.norm)
def norm(x, ord=None, axis=None, keepdims=False):
    t = lift(x)
    if t.dtype.kind == "c":
        raise api.unsupported("np.linalg.norm of complex values")
    if t.dtype.kind != "f":
        t = cast(t, np.float64)
    if axis is None:
        if ord is None or (ord in ("f", "fro") and t.ndim == 2):
            result = apply(Op.SQRT, api.sum(apply(Op.MUL, t, t)))
            return api.reshape(result, (1,) * t.ndim) if keepdims else result
        if t.ndim not in (1, 2):
            raise ValueError("Improper number of dimensions to norm.")
        axis = tuple(range(t.ndim))
    axes = axis if isinstance(axis, (tuple, list)) else (axis,)
    axes = tuple(normalize_axis(a, t.ndim) for a in axes)
    if len(axes) == 1:
        return _vector_norm(t, ord, axes[0], keepdims)
    if len(axes) == 2:
        if axes[0] == axes[1]:
            raise ValueError("Duplicate axes given.")
        return _matrix_norm(t, ord, axes[0], axes[1], keepdims)
    raise ValueError("Improper number of dimensions to norm.")




# ---- solvers and factorisations ------------------------------------------------------

def _lapack(fn):
    fn.ops = DECOMPOSITION  # for the API table's backend columns
    return fn


def _matrices(x, name: str, square: bool = True) -> Tensor:
    """`x` as a stack of matrices NumPy's `np.linalg` accepts, or NumPy's error."""
    t = lift(x)
    if t.ndim < 2:
        raise LinAlgError(f"{t.ndim}-dimensional array given. Array must be at least "
                          f"two-dimensional")
    if square and t.shape[-1] != t.shape[-2]:
        raise LinAlgError("Last 2 dimensions of the array must be square")
    if t.dtype.kind not in "biufc" or t.dtype == np.float16:
        raise TypeError(f"array type {t.dtype} is unsupported in linalg")
    return t


def _singular_values(x, rows, cols):
    """The singular values of the matrices on axes (rows, cols), on a last axis."""
    rest = [d for d in range(x.ndim) if d not in (rows, cols)]
    return apply(Op.SVD, api.transpose(x, tuple(rest) + (rows, cols)), part="S")


@_lapack
@implements(np.linalg.solve)
def solve(a, b):
    t = _matrices(a, "solve")
    rhs = lift(b)
    m = t.shape[-1]
    if rhs.ndim == 0 or (rhs.ndim == 1 and rhs.shape[0] != m) or (
            rhs.ndim > 1 and rhs.shape[-2] != m):
        raise ValueError(f"np.linalg.solve: a is {t.shape} and b {rhs.shape}: b must be "
                         f"({m},) or (..., {m}, K)")
    if rhs.dtype.kind not in "biufc" or rhs.dtype == np.float16:
        raise TypeError(f"array type {rhs.dtype} is unsupported in linalg")
    return apply(Op.SOLVE, t, cast(rhs, rhs.dtype))


@_lapack
@implements(np.linalg.inv)
def inv(a):
    return apply(Op.INV, _matrices(a, "inv"))


@_lapack
@implements(np.linalg.det)
def det(a):
    return apply(Op.DET, _matrices(a, "det"))


@_lapack
@implements(np.linalg.slogdet)
def slogdet(a):
    t = _matrices(a, "slogdet")
    return _linalg.SlogdetResult(apply(Op.SLOGDET, t, part="sign"),
                                 apply(Op.SLOGDET, t, part="logabsdet"))


@_lapack
@implements(np.linalg.cholesky)
def cholesky(a, /, *, upper=False):
    return apply(Op.CHOLESKY, _matrices(a, "cholesky"), upper=bool(upper))


def _uplo(UPLO) -> str:
    uplo = str(UPLO).upper()
    if uplo not in ("L", "U"):
        raise ValueError("UPLO argument must be 'L' or 'U'")
    return uplo


@_lapack
@implements(np.linalg.eigh)
def eigh(a, UPLO="L"):
    t, uplo = _matrices(a, "eigh"), _uplo(UPLO)
    return _linalg.EighResult(apply(Op.EIGH, t, part="eigenvalues", UPLO=uplo),
                              apply(Op.EIGH, t, part="eigenvectors", UPLO=uplo))


@_lapack
@implements(np.linalg.eigvalsh)
def eigvalsh(a, UPLO="L"):
    return apply(Op.EIGH, _matrices(a, "eigvalsh"), part="eigenvalues", UPLO=_uplo(UPLO))


@_lapack
@implements(np.linalg.svd)
def svd(a, full_matrices=True, compute_uv=True, hermitian=False):
    t = _matrices(a, "svd", square=False)
    if hermitian:
        raise api.unsupported("np.linalg.svd(..., hermitian=True)",
                              "leave hermitian=False: the general SVD gives the same values")
    if not compute_uv:
        return apply(Op.SVD, t, part="S")
    full = bool(full_matrices)
    return _linalg.SVDResult(*(apply(Op.SVD, t, part=part, full_matrices=full)
                               for part in ("U", "S", "Vh")))


@_lapack
@implements(np.linalg.qr)
def qr(a, mode="reduced"):
    t = _matrices(a, "qr", square=False)
    if mode in ("raw", "full", "f", "economic", "e"):
        raise api.unsupported(f"np.linalg.qr(..., mode={mode!r})",
                              "use mode='reduced', 'complete' or 'r'")
    if mode not in ("reduced", "complete", "r"):
        raise ValueError(f"Unrecognized mode '{mode}'")
    r = apply(Op.QR, t, part="R", mode=mode)
    if mode == "r":
        return r
    return _linalg.QRResult(apply(Op.QR, t, part="Q", mode=mode), r)


@_lapack
@implements(np.linalg.lstsq)
def lstsq(a, b, rcond=None):
    t, rhs = _matrices(a, "lstsq", square=False), lift(b)
    if t.ndim != 2 or rhs.ndim not in (1, 2) or rhs.shape[0] != t.shape[0]:
        raise LinAlgError(f"np.linalg.lstsq: a must be 2-d and b 1-d or 2-d with as many "
                          f"rows, got {t.shape} and {rhs.shape}")
    if isinstance(rcond, Tensor):
        raise api.unsupported("np.linalg.lstsq with a traced rcond", "pass a Python float")
    attrs = {} if rcond is None else {"rcond": float(rcond)}
    rhs = cast(rhs, rhs.dtype)
    return tuple(apply(Op.LSTSQ, t, rhs, part=part, **attrs)
                 for part in ("x", "residuals", "rank", "s"))


@_lapack
@implements(np.linalg.pinv)
def pinv(a, rcond=None, hermitian=False, *, rtol=api._NO):
    t = _matrices(a, "pinv", square=False)
    if hermitian:
        raise api.unsupported("np.linalg.pinv(..., hermitian=True)",
                              "leave hermitian=False: the general SVD gives the same result")
    if rcond is not None and rtol is not api._NO:
        raise ValueError("`rtol` and `rcond` can't be both set.")
    if rcond is None:
        dt = np.dtype(np.float32 if t.dtype in (np.float32, np.complex64) else np.float64)
        rcond = 1e-15 if rtol is api._NO else (
            max(t.shape[-2:]) * np.finfo(dt).eps if rtol is None else rtol)
    if isinstance(rcond, Tensor) or np.ndim(rcond) != 0:
        raise api.unsupported("np.linalg.pinv with a traced or per-matrix rcond/rtol",
                              "pass a Python float")
    return apply(Op.PINV, t, rcond=float(rcond))


def _python_result(fn):
    fn.python_result = True  # a weak result stays a Python int (dispatch.array_function)
    return fn


@_lapack
@_python_result
@implements(np.linalg.matrix_rank)
def matrix_rank(A, tol=None, hermitian=False, *, rtol=None):
    t = lift(A)
    if t.ndim < 2:  # NumPy: int(not all(A == 0)), a Python int
        return cast(api.any(apply(Op.NE, t, 0)), np.int64, weak=True)
    t = _matrices(t, "matrix_rank", square=hermitian)
    if hermitian:
        s = _abs(apply(Op.EIGH, t, part="eigenvalues", UPLO="L"))
    else:
        s = apply(Op.SVD, t, part="S")
    if tol is None:
        if rtol is None:
            rtol = max(t.shape[-2:]) * np.finfo(s.dtype).eps
        else:
            rtol = api.expand_dims(lift(rtol), -1) if np.ndim(rtol) else rtol
        tol = apply(Op.MUL, api.max(s, axis=-1, keepdims=True), rtol)
    else:
        tol = api.expand_dims(lift(tol), -1) if np.ndim(tol) else tol
    return api.sum(cast(apply(Op.GT, s, tol), np.int64), axis=-1)


__all__ = ["cholesky", "det", "eigh", "eigvalsh", "inv", "lstsq", "matrix_rank", "norm",
           "pinv", "qr", "slogdet", "solve", "svd"]
