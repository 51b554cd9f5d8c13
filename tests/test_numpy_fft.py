"""np.fft inside converted functions, against NumPy.

One converted function calls every transform with the keywords NumPy documents (n / s,
axis / axes, norm), per input dtype (float32 stays single precision, ints and bools
compute in float64, complex input), so that each backend compiles one program per
dtype; the helpers (fftfreq with a traced spacing, rfftfreq, fftshift, ifftshift) are
composites. `cpu` runs rocket-fft's np.fft in the Numba program; `python` runs NumPy.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from tests.backends import BACKENDS, check


def transforms(x, d):
    return (np.fft.fft(x), np.fft.fft(x, 8), np.fft.fft(x, 3, axis=0, norm="ortho"),
            np.fft.ifft(x, norm="forward"), np.fft.ifft(x, 6, 0),
            np.fft.fft2(x), np.fft.fft2(x, (3, 7)), np.fft.ifft2(x, axes=(1, 0), norm="ortho"),
            np.fft.fftn(x, axes=(1,)), np.fft.fftn(x, (2, 4), axes=(0, 1)),
            np.fft.ifftn(x, norm="backward"),
            np.fft.fftfreq(6, d), np.fft.fftfreq(7), np.fft.rfftfreq(8, 0.5),
            np.fft.rfftfreq(5, d), np.fft.fftshift(x), np.fft.ifftshift(x, axes=1),
            np.fft.fftshift(x, axes=0))


def real_transforms(x, d):
    spectrum = np.fft.rfft(x)
    return transforms(x, d) + (
        spectrum, np.fft.rfft(x, 7, axis=0, norm="ortho"), np.fft.irfft(spectrum),
        np.fft.irfft(spectrum, 5), np.fft.irfft(np.fft.rfft(x, axis=0), axis=0, norm="forward"),
        np.fft.rfft2(x), np.fft.irfft2(np.fft.rfft2(x), (4, 5)), np.fft.rfftn(x, axes=(0,)),
        np.fft.irfftn(np.fft.rfftn(x), (4, 5), axes=(0, 1)))


_RNG = np.random.default_rng(0)
_REAL = _RNG.standard_normal((4, 5))
INPUTS = {
    "float64": _REAL,
    "float32": _REAL.astype(np.float32),
    "int32": np.arange(20, dtype=np.int32).reshape(4, 5) % 7,
    "bool": _REAL > 0,
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", sorted(INPUTS))
def test_real_input_transforms_match_numpy(backend, dtype):
    if dtype == "bool" and backend != "python":
        pytest.skip("compiles like int32 (both cast to float64): one compile saved")
    check(real_transforms, INPUTS[dtype], 0.25, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.complex128, np.complex64])
def test_complex_input_transforms_match_numpy(backend, dtype):
    x = (_REAL + 1j * _RNG.standard_normal((4, 5))).astype(dtype)

    def f(x, d):
        return transforms(x, d) + (np.fft.irfft(x), np.fft.irfftn(x, axes=(0, 1)))

    check(f, x, 0.1, backend=backend)


def test_a_realistic_size_transform():
    x = np.random.default_rng(1).standard_normal(2 ** 16)

    def f(x):
        return np.fft.irfft(np.fft.rfft(x) * 0.5, len(x)), np.abs(np.fft.fft(x)).max()

    check(f, x, backend="cpu" if "cpu" in BACKENDS else "python")


def test_bad_arguments_raise_numpys_errors_while_tracing():
    x = np.ones((4, 5))
    with pytest.raises(ValueError, match="Invalid norm value"):
        autograph.convert(lambda x: np.fft.fft(x, norm="unitary"))(x)
    with pytest.raises(ValueError, match="Invalid number of data points"):
        autograph.convert(lambda x: np.fft.fft(x, 0))(x)
    with pytest.raises(TypeError, match="rfft: takes real input"):
        autograph.convert(lambda x: np.fft.rfft(x))(x + 1j)
    with pytest.raises(np.exceptions.AxisError):
        autograph.convert(lambda x: np.fft.fft(x, axis=2))(x)
    with pytest.raises(ValueError, match="Shape and axes have different lengths"):
        autograph.convert(lambda x: np.fft.fftn(x, (2, 2), axes=(0,)))(x)


def test_what_is_not_staged_names_the_function():
    x = np.ones((4, 5))
    with pytest.raises(AutographError, match=r"np.fft.fft\(..., out=...\)"):
        autograph.convert(lambda x, o: np.fft.fft(x, out=o))(x, x + 0j)
    with pytest.raises(AutographError, match="np.fft.fftn with a repeated axis"):
        autograph.convert(lambda x: np.fft.fftn(x, axes=(0, 0)))(x)


def test_gradients_through_an_fft_are_refused_clearly():
    # autodiff carries no complex cotangents: it names the op and the complex type
    with pytest.raises(AutographError, match="differentiate through fft: complex"):
        autograph.grad(lambda x: np.sum(np.abs(np.fft.fft(x))))(np.ones(4))
