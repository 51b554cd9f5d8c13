"""LAPACK calls generated CPU programs need that Numba's `np.linalg` does not make.

`eigh_upper(a)`: NumPy's `np.linalg.eigh(a, UPLO='U')`, LAPACK's `?syevd` / `?heevd`
reading the upper triangle. Numba's `np.linalg.eigh` always reads the lower one. The
eigh of the conjugate transpose has the same eigenvalues, but LAPACK reduces the matrix
to tridiagonal form from the other end, and eigenvectors come out with other signs
than NumPy's — a difference a user sees. So this calls the same LAPACK routine as
Numba's implementation (its wrapper `numba_ez_xxxevd`, through `_LAPACK`), with
UPLO='U': the eigenvectors NumPy returns.

Numba internals are used (`numba.np.linalg`'s helpers, unchanged from 0.5x to 0.6x);
they are imported here only, by programs that call `eigh_upper`. `VERSION` hashes this
file; programs name it so that Numba's disk cache never serves older machine code.
"""

from __future__ import annotations

import hashlib
from pathlib import Path

import numpy as np
from numba.extending import overload
from numba.np import numpy_support
from numba.np.linalg import (_LAPACK, _check_finite_matrix, _copy_to_fortran_order,
                             _dummy_liveness_func, _handle_err_maybe_convergence_problem,
                             ensure_lapack, get_blas_kind)

VERSION = hashlib.sha256(Path(__file__).read_bytes()).hexdigest()[:12]


def eigh_upper(a):
    """(eigenvalues, eigenvectors) of the Hermitian matrix whose upper triangle `a` holds."""
    raise NotImplementedError("called only inside Numba programs")


@overload(eigh_upper)
def _eigh_upper(a):
    ensure_lapack()
    w_dtype = numpy_support.as_dtype(getattr(a.dtype, "underlying_float", a.dtype))
    xxxevd = _LAPACK().numba_ez_xxxevd(a.dtype)
    kind = ord(get_blas_kind(a.dtype, "eigh"))
    jobz, uplo = ord("V"), ord("U")

    def impl(a):
        n = a.shape[-1]
        if a.shape[-2] != n:
            raise np.linalg.LinAlgError("Last 2 dimensions of the array must be square.")
        _check_finite_matrix(a)
        acpy = _copy_to_fortran_order(a)
        w = np.empty(n, dtype=w_dtype)
        if n == 0:
            return (w, acpy)
        r = xxxevd(kind, jobz, uplo, n, acpy.ctypes, n, w.ctypes)
        _handle_err_maybe_convergence_problem(r)
        _dummy_liveness_func([acpy.size, w.size])
        return (w, acpy)

    return impl


__all__ = ["VERSION", "eigh_upper"]
