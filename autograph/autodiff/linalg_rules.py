"""VJP rules of the LAPACK-backed linear algebra and the FFT ops (merged into `rules.VJP`).

Why a module of its own: these rules are matrix calculus on stacks of matrices (the last
two axes), written with the primitives themselves (SOLVE, INV, MATMUL), and `rules.py`
would pass its size limit with them. The formulas are the standard ones (Giles, "An
extended collection of matrix derivative results", 2008; Murray 2016 for Cholesky), for
real matrices:

- x = solve(A, B): g = solve(Aᵀ, x̄); B̄ = g, Ā = -g xᵀ (a 1-d B as a one-column matrix).
- Y = inv(A): Ā = -Yᵀ Ȳ Yᵀ.
- d = det(A): Ā = d̄ d A⁻ᵀ.  slogdet: logabsdet's Ā = l̄ A⁻ᵀ; sign is piecewise constant.
- L = cholesky(A): S = L⁻ᵀ Φ(Lᵀ L̄) L⁻¹, Φ the lower triangle with a halved diagonal.
  NumPy reads only A's lower triangle (the upper one with upper=True), so the gradient
  of what NumPy computes, which finite differences measure, is tril(S + Sᵀ) with S's
  diagonal: the symmetric gradient folded onto the triangle that is read.

The other ops (eigh, svd, qr, lstsq, pinv and the FFTs) have rules that raise a clear
AutographError naming the function, so `autograph.grad` never silently returns a wrong
or zero gradient through them; complex matrices likewise.
"""

from __future__ import annotations

import numpy as np

from autograph.autodiff.emitter import const, reshape
from autograph.errors import AutographError
from autograph.ir.ops import Op


def _swap(b, x):
    n = x.type.ndim
    return b.emit(Op.TRANSPOSE, [x], perm=tuple(range(n - 2)) + (n - 1, n - 2))


def _mm(b, x, y):
    return b.emit(Op.MATMUL, [x, y])


def _real_only(eqn, name: str) -> None:
    if any(v.type.dtype.kind == "c" for v in (*eqn.inputs, eqn.out)):
        raise AutographError(f"autograph.grad through np.linalg.{name} of complex matrices "
                             f"is not supported")


def _solve_rule(b, eqn, ct):
    _real_only(eqn, "solve")
    a, rhs = eqn.inputs
    x = eqn.out
    vector = rhs.type.ndim == 1
    ct_m = reshape(b, ct, ct.type.shape + (1,)) if vector else ct
    x_m = reshape(b, x, x.type.shape + (1,)) if vector else x
    g = b.emit(Op.SOLVE, [_swap(b, a), ct_m])
    d_a = b.emit(Op.NEG, [_mm(b, g, _swap(b, x_m))]) if eqn.wanted[0] else None
    d_b = (reshape(b, g, ct.type.shape) if vector else g) if eqn.wanted[1] else None
    return [d_a, d_b]


def _inv_rule(b, eqn, ct):
    _real_only(eqn, "inv")
    yt = _swap(b, eqn.out)
    return [b.emit(Op.NEG, [_mm(b, _mm(b, yt, ct), yt)])]


def _inverse_transpose(b, a):
    return _swap(b, b.emit(Op.INV, [a]))


def _scale_matrices(b, scale, m):
    """scale (the stack's shape) times each matrix of m."""
    return b.emit(Op.MUL, [reshape(b, scale, scale.type.shape + (1, 1)), m])


def _det_rule(b, eqn, ct):
    _real_only(eqn, "det")
    (a,) = eqn.inputs
    scale = b.emit(Op.MUL, [ct, eqn.out])
    return [_scale_matrices(b, scale, _inverse_transpose(b, a))]


def _slogdet_rule(b, eqn, ct):
    _real_only(eqn, "slogdet")
    if eqn.attrs["part"] == "sign":
        return [None]  # piecewise constant: no cotangent
    (a,) = eqn.inputs
    return [_scale_matrices(b, ct, _inverse_transpose(b, a))]


def _triangle_masks(b, n: int, dtype):
    strict = const(b, np.tril(np.ones((n, n)), -1).astype(dtype), dtype)
    diagonal = const(b, np.eye(n, dtype=dtype), dtype)
    return strict, diagonal


def _cholesky_rule(b, eqn, ct):
    _real_only(eqn, "cholesky")
    upper = bool(eqn.attrs.get("upper", False))
    low = _swap(b, eqn.out) if upper else eqn.out       # L, lower triangular
    ct_l = _swap(b, ct) if upper else ct
    n = low.type.shape[-1]
    dtype = low.type.dtype
    strict, diagonal = _triangle_masks(b, n, dtype)
    half = const(b, np.where(np.eye(n) > 0, 0.5, 0.0).astype(dtype) + np.tril(
        np.ones((n, n)), -1).astype(dtype), dtype)
    phi = b.emit(Op.MUL, [_mm(b, _swap(b, low), ct_l), half])     # Φ(Lᵀ L̄)
    lt = _swap(b, low)
    m = b.emit(Op.SOLVE, [lt, phi])                              # L⁻ᵀ Φ
    s = _swap(b, b.emit(Op.SOLVE, [lt, _swap(b, m)]))            # L⁻ᵀ Φ L⁻¹
    folded = b.emit(Op.ADD, [b.emit(Op.MUL, [b.emit(Op.ADD, [s, _swap(b, s)]), strict]),
                             b.emit(Op.MUL, [s, diagonal])])
    return [_swap(b, folded) if upper else folded]


def _refuse(name: str):
    def rule(b, eqn, ct):
        raise AutographError(f"autograph.grad through {name} is not supported yet: no "
                             f"derivative rule (differentiable: np.linalg.solve, inv, det, "
                             f"slogdet, cholesky)")
    return rule


VJP = {
    Op.SOLVE: _solve_rule,
    Op.INV: _inv_rule,
    Op.DET: _det_rule,
    Op.SLOGDET: _slogdet_rule,
    Op.CHOLESKY: _cholesky_rule,
    Op.EIGH: _refuse("np.linalg.eigh / eigvalsh"),
    Op.SVD: _refuse("np.linalg.svd"),
    Op.QR: _refuse("np.linalg.qr"),
    Op.LSTSQ: _refuse("np.linalg.lstsq"),
    Op.PINV: _refuse("np.linalg.pinv"),
    Op.FFT: _refuse("np.fft (complex transforms)"),
    Op.RFFT: _refuse("np.fft.rfft"),
    Op.IRFFT: _refuse("np.fft.irfft"),
}

__all__ = ["VJP"]
