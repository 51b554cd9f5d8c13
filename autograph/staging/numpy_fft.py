"""`np.fft`: the transforms as FFT / RFFT / IRFFT primitives, the helpers as composites.

Why a module of its own: `np.fft` is a namespace of its own in NumPy. Every transform
(`fft ifft fft2 ifft2 fftn ifftn rfft irfft rfft2 irfft2 rfftn irfftn`) is one node
carrying NumPy's resolved arguments — the lengths `s` along `axes` (NumPy 2's
`_cook_nd_args`: missing lengths are the input's, `irfft`'s last one `2 * (m - 1)`),
the axes made non-negative, `norm` checked — so the type rule and both backends see
only static integers (CPU: `rocket-fft`'s `np.fft` in Numba). `fftfreq` and `rfftfreq`
are a constant integer ramp times `1 / (n * d)` (so `d` may be traced), `fftshift`
and `ifftshift` are `np.roll` by half of each axis: composites, no op of their own.
"""

from __future__ import annotations

import operator

import numpy as np

from autograph.ir.ops import FOURIER, Op
from autograph.staging import numpy_api as api
from autograph.staging.numpy_api import implements, normalize_axis
from autograph.staging.tensor import Tensor, apply, lift

_NORMS = (None, "backward", "ortho", "forward")


def _fourier(fn):
    fn.ops = FOURIER  # for the API table's backend columns
    return fn


def _norm(norm) -> str:
    if norm not in _NORMS:
        raise ValueError(f'Invalid norm value {norm}; should be "backward",'
                         f'"ortho" or "forward".')
    return "backward" if norm is None else norm


def _static_ints(values, what: str, name: str) -> list[int]:
    if isinstance(values, Tensor) or any(isinstance(v, Tensor) for v in values):
        raise api.unsupported(f"{name} with a traced {what}",
                              "the output shape depends on it: pass Python ints")
    return [operator.index(v) for v in values]


def _cook(t: Tensor, s, axes, name: str, inverse_real: bool = False):
    """NumPy's `_cook_nd_args`: (lengths, non-negative axes)."""
    if s is None:
        axes = list(range(t.ndim)) if axes is None else _static_ints(axes, "axes", name)
        s = [None] * len(axes)
    else:
        s = list(s)
        if axes is None:
            axes = list(range(-len(s), 0))
        axes = _static_ints(axes, "axes", name)
        if len(s) != len(axes):
            raise ValueError("Shape and axes have different lengths.")
    axes = [normalize_axis(a, t.ndim) for a in axes]
    if len(set(axes)) != len(axes):
        raise api.unsupported(f"{name} with a repeated axis")
    if not axes:
        raise api.unsupported(f"{name} over no axes")
    lengths = [t.shape[a] if n is None else n for a, n in zip(axes, s)]
    if inverse_real and s[-1] is None:
        lengths[-1] = 2 * (t.shape[axes[-1]] - 1)
    lengths = _static_ints(lengths, "length", name)
    for n in lengths:
        if n < 1:
            raise ValueError(f"Invalid number of data points ({n}) specified")
    return tuple(lengths), tuple(axes)


def _transform(op: Op, a, s, axes, norm, out, name: str, inverse=False):
    api._no_out(out, name)
    t = lift(a)
    if t.ndim == 0:
        raise np.exceptions.AxisError(-1, 0)
    if op is Op.RFFT and t.dtype.kind == "c":
        raise TypeError(f"{name}: takes real input, not {t.dtype}")
    lengths, axes = _cook(t, s, axes, name, inverse_real=op is Op.IRFFT)
    attrs = {"inverse": True} if inverse else {}
    return apply(op, t, axes=axes, s=lengths, norm=_norm(norm), **attrs)


def _one_axis(n, axis):
    return (None if n is None else [n]), [axis]


@_fourier
@implements(np.fft.fft)
def fft(a, n=None, axis=-1, norm=None, out=None):
    return _transform(Op.FFT, a, *_one_axis(n, axis), norm, out, "np.fft.fft")


@_fourier
@implements(np.fft.ifft)
def ifft(a, n=None, axis=-1, norm=None, out=None):
    return _transform(Op.FFT, a, *_one_axis(n, axis), norm, out, "np.fft.ifft", True)


@_fourier
@implements(np.fft.rfft)
def rfft(a, n=None, axis=-1, norm=None, out=None):
    return _transform(Op.RFFT, a, *_one_axis(n, axis), norm, out, "np.fft.rfft")


@_fourier
@implements(np.fft.irfft)
def irfft(a, n=None, axis=-1, norm=None, out=None):
    return _transform(Op.IRFFT, a, *_one_axis(n, axis), norm, out, "np.fft.irfft")


@_fourier
@implements(np.fft.fftn)
def fftn(a, s=None, axes=None, norm=None, out=None):
    return _transform(Op.FFT, a, s, axes, norm, out, "np.fft.fftn")


@_fourier
@implements(np.fft.ifftn)
def ifftn(a, s=None, axes=None, norm=None, out=None):
    return _transform(Op.FFT, a, s, axes, norm, out, "np.fft.ifftn", True)


@_fourier
@implements(np.fft.fft2)
def fft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _transform(Op.FFT, a, s, axes, norm, out, "np.fft.fft2")


@_fourier
@implements(np.fft.ifft2)
def ifft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _transform(Op.FFT, a, s, axes, norm, out, "np.fft.ifft2", True)


@_fourier
@implements(np.fft.rfftn)
def rfftn(a, s=None, axes=None, norm=None, out=None):
    return _transform(Op.RFFT, a, s, axes, norm, out, "np.fft.rfftn")


@_fourier
@implements(np.fft.irfftn)
def irfftn(a, s=None, axes=None, norm=None, out=None):
    return _transform(Op.IRFFT, a, s, axes, norm, out, "np.fft.irfftn")


@_fourier
@implements(np.fft.rfft2)
def rfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _transform(Op.RFFT, a, s, axes, norm, out, "np.fft.rfft2")


@_fourier
@implements(np.fft.irfft2)
def irfft2(a, s=None, axes=(-2, -1), norm=None, out=None):
    return _transform(Op.IRFFT, a, s, axes, norm, out, "np.fft.irfft2")


# ---- helpers: composites ---------------------------------------------------------------

def _length(n, name: str) -> int:
    if isinstance(n, Tensor):
        raise api.unsupported(f"{name} with a traced n", "n is the output's length")
    return operator.index(n)


def _ramp(values: np.ndarray, n: int, d):
    """`values * (1 / (n * d))`, in NumPy's order of operations (d may be traced)."""
    return lift(values) * (1.0 / (n * d))


@implements(np.fft.fftfreq)
def fftfreq(n, d=1.0, device=None):
    n = _length(n, "np.fft.fftfreq")
    half = (n - 1) // 2 + 1
    ints = np.concatenate([np.arange(0, half), np.arange(-(n // 2), 0)]).astype(np.int_)
    return _ramp(ints, n, d)


@implements(np.fft.rfftfreq)
def rfftfreq(n, d=1.0, device=None):
    n = _length(n, "np.fft.rfftfreq")
    return _ramp(np.arange(0, n // 2 + 1, dtype=np.int_), n, d)


def _shift(x, axes, sign: int):
    t = lift(x)
    if axes is None:
        axes = tuple(range(t.ndim))
        shift = [sign * (dim // 2) for dim in t.shape]
    elif isinstance(axes, int):
        shift = sign * (t.shape[normalize_axis(axes, t.ndim)] // 2)
    else:
        shift = [sign * (t.shape[normalize_axis(ax, t.ndim)] // 2) for ax in axes]
    return np.roll(t, shift, axes)


@implements(np.fft.fftshift)
def fftshift(x, axes=None):
    return _shift(x, axes, 1)


@implements(np.fft.ifftshift)
def ifftshift(x, axes=None):
    return _shift(x, axes, -1)


__all__ = ["fft", "fft2", "fftfreq", "fftn", "fftshift", "ifft", "ifft2", "ifftn",
           "ifftshift", "irfft", "irfft2", "irfftn", "rfft", "rfft2", "rfftfreq", "rfftn"]
