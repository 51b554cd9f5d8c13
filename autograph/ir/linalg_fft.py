"""Type rules and NumPy meaning of the LAPACK-backed linear-algebra ops and the FFT ops.

Why a module of its own: these ops (`ir.ops.DECOMPOSITION`, `FOURIER`) share one shape
discipline — a stack of matrices on the last two axes, or transforms along `axes` with
lengths `s` — that the rest of `rules.py` / `reference.py` does not, and the two tables
there would pass their size limit with it. `rules.RULES` and `reference.NUMPY_IMPL`
merge `RULES` and `NUMPY_IMPL` from here.

Multi-result NumPy functions (`slogdet`, `eigh`, `svd`, `qr`, `lstsq`) are one node per
result, told apart by the `part` attribute, so every op keeps one output. Result dtypes
are NumPy's: integers and bools compute in float64, float32 and complex64 stay single
precision, values that are real by nature (singular values, eigenvalues of a Hermitian
matrix, log|det|) take the real dtype of the computation; `lstsq`'s rank is int32, as
LAPACK's and NumPy's.

One shape NumPy decides from the data: `lstsq`'s residuals are empty when the matrix is
rank-deficient. The IR's shapes are static, so the residuals node has NumPy's shape for a
full-rank matrix and raises `LinAlgError` when the program meets a rank-deficient one.
"""

from __future__ import annotations

import functools

import numpy as np

from autograph.errors import StagingError
from autograph.ir.ops import Op
from autograph.ir.types import TensorType

# The parts each multi-result op can be, in NumPy's result order.
PARTS: dict[Op, tuple[str, ...]] = {
    Op.SLOGDET: ("sign", "logabsdet"),
    Op.EIGH: ("eigenvalues", "eigenvectors"),
    Op.SVD: ("U", "S", "Vh"),
    Op.QR: ("Q", "R"),
    Op.LSTSQ: ("x", "residuals", "rank", "s"),
}
QR_MODES = ("reduced", "complete", "r")
FFT_NORMS = ("backward", "ortho", "forward")


def linalg_dtype(dtype: np.dtype) -> np.dtype:
    """The dtype NumPy's `np.linalg` computes in for an input of `dtype`."""
    dtype = np.dtype(dtype)
    if dtype in (np.float32, np.complex64, np.complex128):
        return dtype
    if dtype.kind in "biuf" and dtype != np.float16:
        return np.dtype(np.float64)
    raise StagingError(f"array type {dtype} is unsupported in linalg")


def real_dtype(dtype: np.dtype) -> np.dtype:
    return np.dtype(np.float32) if dtype in (np.float32, np.complex64) else np.dtype(np.float64)


def _stack(op: Op, t: TensorType, square: bool = True) -> tuple[int, int]:
    if t.ndim < 2:
        raise StagingError(f"{op}: {t.ndim}-dimensional array given. Array must be at least "
                           f"two-dimensional")
    m, n = t.shape[-2:]
    if square and m != n:
        raise StagingError(f"{op}: last 2 dimensions of the array must be square, got {t}")
    return m, n


def _part(op: Op, attrs) -> str:
    part = attrs["part"]
    if part not in PARTS[op]:
        raise StagingError(f"{op}: part must be one of {PARTS[op]}, got {part!r}")
    return part


def _one(op: Op, types) -> TensorType:
    if len(types) != 1:
        raise StagingError(f"{op}: expects 1 input, got {len(types)}")
    return types[0]


def _square_rule(op: Op):
    """INV, CHOLESKY: the input's shape, in the linalg dtype."""
    def rule(types, attrs):
        a = _one(op, types)
        _stack(op, a)
        return [TensorType(a.shape, linalg_dtype(a.dtype))]
    return rule


def _det_rule(types, attrs):
    a = _one(Op.DET, types)
    _stack(Op.DET, a)
    return [TensorType(a.shape[:-2], linalg_dtype(a.dtype))]


def _slogdet_rule(types, attrs):
    a = _one(Op.SLOGDET, types)
    _stack(Op.SLOGDET, a)
    dt = linalg_dtype(a.dtype)
    part = _part(Op.SLOGDET, attrs)
    return [TensorType(a.shape[:-2], dt if part == "sign" else real_dtype(dt))]


def solve_shape(a: TensorType, b: TensorType) -> tuple[int, ...]:
    """NumPy 2's rule: b is a vector only when it is 1-d, else a stack of (M, K)."""
    m = a.shape[-1]
    if b.ndim == 1:
        if b.shape[0] != m:
            raise StagingError(f"solve: {a} and {b}: b must have {m} rows")
        return a.shape[:-1]
    if b.ndim < 2 or b.shape[-2] != m:
        raise StagingError(f"solve: {a} and {b}: b must have {m} rows")
    try:
        batch = np.broadcast_shapes(a.shape[:-2], b.shape[:-2])
    except ValueError:
        raise StagingError(f"solve: cannot broadcast the stacks of {a} and {b}") from None
    return tuple(batch) + (m, b.shape[-1])


def _solve_rule(types, attrs):
    if len(types) != 2:
        raise StagingError(f"solve: expects 2 inputs, got {len(types)}")
    a, b = types
    _stack(Op.SOLVE, a)
    dt = linalg_dtype(np.result_type(a.dtype, b.dtype))
    return [TensorType(solve_shape(a, b), dt)]


def _eigh_rule(types, attrs):
    a = _one(Op.EIGH, types)
    m, _ = _stack(Op.EIGH, a)
    if attrs.get("UPLO", "L") not in ("L", "U"):
        raise StagingError(f"eigh: UPLO must be 'L' or 'U', got {attrs['UPLO']!r}")
    dt = linalg_dtype(a.dtype)
    if _part(Op.EIGH, attrs) == "eigenvalues":
        return [TensorType(a.shape[:-1], real_dtype(dt))]
    return [TensorType(a.shape, dt)]


def _svd_rule(types, attrs):
    a = _one(Op.SVD, types)
    m, n = _stack(Op.SVD, a, square=False)
    k, batch, dt = min(m, n), a.shape[:-2], linalg_dtype(a.dtype)
    full = attrs.get("full_matrices", True)
    part = _part(Op.SVD, attrs)
    if part == "S":
        return [TensorType(batch + (k,), real_dtype(dt))]
    if part == "U":
        return [TensorType(batch + (m, m if full else k), dt)]
    return [TensorType(batch + (n if full else k, n), dt)]


def _qr_rule(types, attrs):
    a = _one(Op.QR, types)
    m, n = _stack(Op.QR, a, square=False)
    k, batch, dt = min(m, n), a.shape[:-2], linalg_dtype(a.dtype)
    mode, part = attrs.get("mode", "reduced"), _part(Op.QR, attrs)
    if mode not in QR_MODES:
        raise StagingError(f"qr: mode must be one of {QR_MODES}, got {mode!r}")
    if part == "Q":
        if mode == "r":
            raise StagingError("qr: mode 'r' computes no Q")
        return [TensorType(batch + (m, m if mode == "complete" else k), dt)]
    return [TensorType(batch + (m if mode == "complete" else k, n), dt)]


def _lstsq_rule(types, attrs):
    if len(types) != 2:
        raise StagingError(f"lstsq: expects 2 inputs, got {len(types)}")
    a, b = types
    if a.ndim != 2 or b.ndim not in (1, 2) or b.shape[0] != a.shape[0]:
        raise StagingError(f"lstsq: needs a 2-d a and a 1-d or 2-d b with as many rows, "
                           f"got {a} and {b}")
    m, n = a.shape
    dt = linalg_dtype(np.result_type(a.dtype, b.dtype))
    part = _part(Op.LSTSQ, attrs)
    if part == "x":
        return [TensorType((n,) + b.shape[1:], dt)]
    if part == "residuals":
        k = b.shape[1] if b.ndim == 2 else 1
        return [TensorType((k if m > n else 0,), real_dtype(dt))]
    if part == "rank":
        return [TensorType((), np.dtype(np.int32))]
    return [TensorType((min(m, n),), real_dtype(dt))]


def _pinv_rule(types, attrs):
    a = _one(Op.PINV, types)
    m, n = _stack(Op.PINV, a, square=False)
    return [TensorType(a.shape[:-2] + (n, m), linalg_dtype(a.dtype))]


# ---- FFT ------------------------------------------------------------------------------

def _fft_axes(op: Op, x: TensorType, attrs) -> tuple[tuple[int, ...], tuple[int, ...]]:
    axes, s = tuple(attrs["axes"]), tuple(attrs["s"])
    if not axes or len(axes) != len(s):
        raise StagingError(f"{op}: axes {axes} and lengths {s} must be non-empty and match")
    if any(not 0 <= a < x.ndim for a in axes) or len(set(axes)) != len(axes):
        raise StagingError(f"{op}: axes {axes} out of range or repeated for {x}")
    if any(n < 1 for n in s):
        raise StagingError(f"{op}: invalid number of data points {s} specified")
    if attrs.get("norm", "backward") not in FFT_NORMS:
        raise StagingError(f"{op}: norm must be one of {FFT_NORMS}, got {attrs['norm']!r}")
    return axes, s


@functools.lru_cache(maxsize=None)
def _fft_dtype(op: Op, dtype: np.dtype) -> np.dtype:
    fn = {Op.FFT: np.fft.fft, Op.RFFT: np.fft.rfft, Op.IRFFT: np.fft.irfft}[op]
    try:
        return fn(np.ones(2, dtype)).dtype
    except TypeError:
        raise StagingError(f"{op}: not defined for {dtype} values") from None


def _fourier_rule(op: Op):
    def rule(types, attrs):
        x = _one(op, types)
        axes, s = _fft_axes(op, x, attrs)
        if op is Op.RFFT and x.dtype.kind == "c":
            raise StagingError("rfft: takes real input, not complex")
        shape = list(x.shape)
        for a, n in zip(axes, s):
            shape[a] = n
        if op is Op.RFFT:
            shape[axes[-1]] = s[-1] // 2 + 1
        return [TensorType(tuple(shape), _fft_dtype(op, x.dtype))]
    return rule


RULES = {
    Op.SOLVE: _solve_rule,
    Op.INV: _square_rule(Op.INV),
    Op.DET: _det_rule,
    Op.SLOGDET: _slogdet_rule,
    Op.CHOLESKY: _square_rule(Op.CHOLESKY),
    Op.EIGH: _eigh_rule,
    Op.SVD: _svd_rule,
    Op.QR: _qr_rule,
    Op.LSTSQ: _lstsq_rule,
    Op.PINV: _pinv_rule,
    Op.FFT: _fourier_rule(Op.FFT),
    Op.RFFT: _fourier_rule(Op.RFFT),
    Op.IRFFT: _fourier_rule(Op.IRFFT),
}


# ---- NumPy meaning ----------------------------------------------------------------------

def _pick(op: Op, results, part: str):
    return results[PARTS[op].index(part)]


def _qr(a, part, mode="reduced"):
    if mode == "r":
        return np.linalg.qr(a, mode="r")
    return _pick(Op.QR, np.linalg.qr(a, mode=mode), part)


def _lstsq(a, b, part, rcond=None):
    result = np.linalg.lstsq(a, b, rcond=rcond)
    value = _pick(Op.LSTSQ, result, part)
    if part == "residuals" and a.shape[0] > a.shape[1] and value.size == 0:
        raise np.linalg.LinAlgError(
            "lstsq: the matrix is rank-deficient, and NumPy's residuals are then an empty "
            "array, which the compiled program's static shape cannot hold")
    return np.int32(value) if part == "rank" else value


def _fourier(op: Op):
    def impl(x, axes, s, norm="backward", inverse=False):
        if op is Op.FFT:
            fn = np.fft.ifftn if inverse else np.fft.fftn
        else:
            fn = np.fft.rfftn if op is Op.RFFT else np.fft.irfftn
        return fn(x, s=tuple(s), axes=tuple(axes), norm=norm)
    return impl


NUMPY_IMPL = {
    Op.SOLVE: np.linalg.solve,
    Op.INV: np.linalg.inv,
    Op.DET: np.linalg.det,
    Op.SLOGDET: lambda a, part: _pick(Op.SLOGDET, np.linalg.slogdet(a), part),
    Op.CHOLESKY: lambda a, upper=False: np.linalg.cholesky(a, upper=upper),
    Op.EIGH: lambda a, part, UPLO="L": (np.linalg.eigvalsh(a, UPLO) if part == "eigenvalues"
                                        else np.linalg.eigh(a, UPLO)[1]),
    Op.SVD: lambda a, part, full_matrices=True: (
        np.linalg.svd(a, compute_uv=False) if part == "S"
        else _pick(Op.SVD, np.linalg.svd(a, full_matrices=full_matrices), part)),
    Op.QR: _qr,
    Op.LSTSQ: _lstsq,
    Op.PINV: lambda a, rcond=1e-15: np.linalg.pinv(a, rcond=rcond),
    Op.FFT: _fourier(Op.FFT),
    Op.RFFT: _fourier(Op.RFFT),
    Op.IRFFT: _fourier(Op.IRFFT),
}

__all__ = ["FFT_NORMS", "NUMPY_IMPL", "PARTS", "QR_MODES", "RULES", "linalg_dtype",
           "real_dtype", "solve_shape"]
