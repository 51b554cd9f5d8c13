"""np.linalg's factorisations and np.fft on the CUDA backend: a clear refusal.

The CUDA backend has no cuSOLVER / cuFFT path yet, so converting a function that uses
one with backend="cuda" must fail when the program is built, with an AutographError that
names the NumPy function, says "not on cuda" and points at the user's line — never run
something else. Run under the simulator (NUMBA_ENABLE_CUDASIM=1) like the rest of
tests/cuda; the functions that stay composites of supported ops (fftfreq, fftshift) run.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from cuda_support import assert_same

_A = np.array([[4.0, 1.0, 0.5], [1.0, 3.0, 0.2], [0.5, 0.2, 2.0]])
_X = np.linspace(-1.0, 1.0, 8)

REFUSED = {
    "np.linalg.solve": (lambda a: np.linalg.solve(a, a[0]) + 1.0, _A),
    "np.linalg.inv": (lambda a: np.linalg.inv(a) * 2.0, _A),
    "np.linalg.det": (lambda a: np.linalg.det(a), _A),
    "np.linalg.slogdet": (lambda a: np.linalg.slogdet(a).logabsdet, _A),
    "np.linalg.cholesky": (lambda a: np.linalg.cholesky(a), _A),
    "np.linalg.eigh": (lambda a: np.linalg.eigh(a).eigenvalues, _A),
    "np.linalg.svd": (lambda a: np.linalg.svd(a, compute_uv=False), _A),
    "np.linalg.qr": (lambda a: np.linalg.qr(a).R, _A),
    "np.linalg.lstsq": (lambda a: np.linalg.lstsq(a, a[0])[0], _A),
    "np.linalg.pinv": (lambda a: np.linalg.pinv(a), _A),
    "np.fft.fft": (lambda x: np.fft.fft(x), _X),
    "np.fft.rfft": (lambda x: np.fft.rfft(x), _X),
    "np.fft.irfft": (lambda x: np.fft.irfft(x), _X),
}


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_factorisations_and_transforms_are_not_on_cuda(name):
    f, x = REFUSED[name]
    with pytest.raises(AutographError, match="not on cuda") as info:
        autograph.convert(f, backend="cuda")(x)
    message = str(info.value)
    assert name in message                             # the NumPy function
    assert "test_cuda_linalg_refusals.py" in message   # the user's line
    assert "backend='cpu'" in message                  # what to do instead


def test_fft_helpers_are_composites_that_run_on_cuda():
    def f(x):
        return np.fft.fftshift(x) * np.fft.fftfreq(8, 0.5), np.fft.ifftshift(x)

    assert_same(autograph.convert(f, backend="cuda")(_X), f(_X))
