"""Differential tests of issue 18's second batch: the SORT/ARGSORT primitives and what is
built on them (staging/numpy_sorting.py), the NaN-ignoring reductions (numpy_nan.py), the
products (numpy_products.py) and the cheap ufunc composites and ufunc methods
(numpy_math.py, dispatch.py): convert(f)(*a) against f(*a) on `python` and `cpu`.

Few converted functions with many results each, so the CPU backend compiles few programs.
`np.partition`/`np.argpartition` are compared only on what NumPy guarantees (the k-th
element, the multiset of values); argsort ties only with kind='stable'.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from backends import BACKENDS, check

NUMBERS = [np.int32, np.int64, np.float32, np.float64]
pytestmark = pytest.mark.filterwarnings("ignore::RuntimeWarning")


def _array(dtype, shape=(3, 4), seed=0, nans=True):
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind == "b":
        return rng.random(shape) > 0.5
    values = rng.uniform(-4, 4, shape)
    if np.dtype(dtype).kind in "iu":
        return np.round(values).astype(dtype)
    values = values.astype(dtype)
    if nans and values.size >= 12:
        flat = values.reshape(-1)
        flat[[1, 6, 7]] = np.nan
        flat[[2]] = -np.inf
        flat[[4]] = flat[3]  # a tie
    return values


def sorting(x):
    k = x.shape[-1] // 2
    return (np.sort(x), np.sort(x, axis=0), np.sort(x, axis=None), np.sort(x, kind="stable"),
            np.argsort(x, kind="stable"), np.argsort(x, axis=0, kind="mergesort"),
            np.argsort(x, axis=None, stable=True), x.argsort(kind="stable"),
            np.sort(np.partition(x, k)), np.partition(x, k)[..., k],
            np.take_along_axis(x, np.argpartition(x, k), -1)[..., k],
            np.take_along_axis(x, x.argpartition(k, axis=0), 0)[0],
            np.take_along_axis(x, np.argsort(x, kind="stable"), axis=-1),
            np.take_along_axis(x, np.argsort(x, axis=None, kind="stable"), None),
            np.take(x, [0, 2, -1]), np.take(x, [[1], [0]], axis=0), x.take([1, 1], axis=-1),
            np.take(x, [5, -7], axis=1, mode="wrap"), np.take(x, [9, -3], axis=1, mode="clip"),
            np.lexsort((x[0], x[1])), np.lexsort(x), np.lexsort((x[2],)),
            np.searchsorted(np.sort(x[0]), x), np.searchsorted(np.sort(x[1]), x[2], side="right"),
            np.sort(x[0]).searchsorted(1.0), np.searchsorted(x[0], x[1], sorter=np.argsort(x[0])),
            np.median(x), np.median(x, axis=0), np.median(x, axis=1, keepdims=True),
            np.median(x, axis=(0, 1)), np.quantile(x, 0.3), np.quantile(x, [0.0, 0.5, 1.0], axis=1),
            np.quantile(x, 1, axis=0), np.quantile(x, np.float64(0.75), axis=-1, keepdims=True),
            np.percentile(x, 40), np.percentile(x, [10, 90], axis=0, keepdims=True),
            np.nanmedian(x), np.nanmedian(x, axis=1), np.nanquantile(x, 0.25, axis=0),
            np.nanquantile(x, [0.5, 0.9], axis=1, keepdims=True), np.nanpercentile(x, 75),
            np.nanpercentile(x, [20, 80], axis=1))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_sorting_and_order_statistics(backend, dtype):
    check(sorting, _array(dtype), backend=backend)


def small(v):
    return (np.sort(v), np.argsort(v, kind="stable"), np.median(v), np.quantile(v, 0.5),
            np.take(v, [0]), np.searchsorted(np.sort(v, axis=None), 0.5), np.nanmedian(v),
            np.sort(v, axis=None))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("shape", [(1,), (5,), (2, 3, 4)])
def test_sorting_shapes(backend, shape):
    check(small, _array(np.float64, shape, seed=3), backend=backend)
    check(lambda b: (np.sort(b), np.argsort(b, kind="stable"), np.sort(b, axis=0)),
          _array(np.bool_, shape), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sorting_empty_and_zero_d(backend):
    check(lambda x: (np.sort(x), np.argsort(x, axis=0), np.sort(x, axis=None),
                     np.searchsorted(np.arange(3.0), x)), np.zeros((2, 0)), backend=backend)
    check(lambda s: (np.sort(s, axis=None), np.argsort(s, axis=None), np.median(s),
                     np.quantile(s, 0.2), np.nanmedian(s), np.nansum(s), np.nanmax(s)),
          np.float64(2.5), backend=backend)


def nan_reductions(x):
    return (np.nansum(x), np.nansum(x, axis=0), np.nansum(x, 1, keepdims=True),
            np.nanprod(x, axis=1), np.nanprod(x), np.nanmax(x), np.nanmax(x, axis=1),
            np.nanmin(x, axis=0, keepdims=True), np.nanmean(x), np.nanmean(x, axis=1),
            np.nanvar(x), np.nanvar(x, axis=0), np.nanstd(x, axis=1, ddof=1),
            np.nanstd(x, keepdims=True), np.nancumsum(x), np.nancumsum(x, axis=1),
            np.nancumprod(x, 0), np.nanargmax(x[1:], axis=1), np.nanargmin(x[:, :1]),
            np.nansum(x, dtype=np.float64), np.nanmean(x, axis=0, dtype=np.float64))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS + [np.bool_])
def test_nan_reductions(backend, dtype):
    x = _array(dtype, seed=1)
    if np.dtype(dtype).kind == "f":
        x[0, :] = np.nan  # an all-NaN row: nanmax/nanmean/nanvar are NaN there
        x[1, 1], x[2, 0] = 0.0, np.nan
    if np.dtype(dtype).kind == "b":
        check(lambda b: (np.nansum(b), np.nanmax(b, axis=0), np.nanmean(b), np.nancumsum(b)),
              x, backend=backend)
        return
    check(nan_reductions, x, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_nanargmax_of_an_all_nan_slice_raises(backend):
    f = autograph.convert(lambda x: np.nanargmax(x, axis=1), backend=backend)
    np.testing.assert_array_equal(f(np.array([[1.0, np.nan], [np.nan, 3.0]])), [0, 1])
    with pytest.raises(ValueError, match="All-NaN slice encountered"):
        f(np.array([[1.0, 2.0], [np.nan, np.nan]]))


def products(a, b, v, w, c):
    return (np.inner(v, w), np.inner(a, b), np.inner(a, 2), np.vdot(a, b), np.kron(a, b),
            np.kron(v, a), np.cross(c, c[::-1]), np.cross(c[0], c[1]),
            np.cross(c[:, :2], c[::-1, :2]), np.cross(c.T, c, axisa=0, axisc=0),
            np.linalg.cross(c, c[::-1]), np.tensordot(a, b.T, 1),
            np.tensordot(a, b, axes=([1], [1])), np.tensordot(a, b, 0), np.tensordot(a, b),
            np.linalg.tensordot(a, b, axes=([0, 1], [0, 1])),
            np.vecdot(a, b), np.vecdot(a, b, axis=0), np.linalg.vecdot(a, b),
            np.matvec(a.T, v[:3]), np.vecmat(v[:3], a), np.matrix_transpose(a), a.mT,
            np.linalg.matrix_transpose(a), np.linalg.outer(v, w), np.linalg.matmul(a, b.T),
            np.linalg.trace(c), np.linalg.trace(c, offset=1), np.linalg.diagonal(c, offset=-1),
            np.linalg.matrix_power(c, 0), np.linalg.matrix_power(c, 1),
            np.linalg.matrix_power(c, 5), np.linalg.multi_dot([v[:3], a, b.T, v[:3]]),
            np.linalg.multi_dot([a, b.T, c]), np.linalg.multi_dot([a.T, c]))


def contractions(a, b, v, w, c):
    stacked = np.stack([c, c.T])
    return (np.einsum("ij,kj->ik", a, b), np.einsum("ij,ij->", a, b), np.einsum("ii->i", c),
            np.einsum("ii", c), np.einsum("ij->ji", a), np.einsum("ij", a), np.einsum("ji", a),
            np.einsum("i,j->ij", v, w), np.einsum("i,i", v, w), np.einsum("...j,j->...", a, v),
            np.einsum("bij,bjk->bik", stacked, stacked), np.einsum("bii->b", stacked),
            np.einsum("ij,jk,kl->il", a, b.T, c[:, :2], optimize=True),
            np.einsum("ij->", a), np.einsum("iij->j", np.stack([c, c, c], axis=2)),
            np.einsum("i...->...", a), np.einsum(" ij , jk ", a, b.T),
            np.einsum("ij,j->i", a, v, dtype=np.float64),
            np.einsum("ij,j", a, v, optimize="greedy"),
            np.einsum("...ij,...jk->...ik", stacked, c), np.einsum("i,i,i->", v, w, v))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_products(backend, dtype):
    args = [_array(dtype, s, seed=i, nans=False)
            for i, s in enumerate([(3, 4), (3, 4), (4,), (4,), (3, 3)])]
    check(products, *args, backend=backend)
    check(contractions, *args, backend=backend)


def test_products_refuse_clearly():
    x = np.ones((2, 2))
    with pytest.raises(ValueError, match="optimize"):
        autograph.convert(lambda x: np.einsum("ij->i", x, optimize="fast"))(x)
    with pytest.raises(AutographError, match="ndarray.sort .*np.sort"):
        autograph.convert(lambda x: x.sort())(x)
    from autograph.codegen.cuda.backend import generate

    with pytest.raises(AutographError, match="sort is not on cuda"):
        generate(autograph.convert(lambda x: np.median(x)).lower(x).graph)


def ufuncs(x, y):
    return (np.fabs(x), np.float_power(x, 2), np.fmod(x, y), np.divmod(x, y), np.modf(x),
            np.arcsinh(x), np.arccosh(np.abs(x) + 1), np.arctanh(x / 5), np.cbrt(x),
            np.conjugate(x), x.conj(), x.conjugate(), np.real(x), np.imag(x), x.real, x.imag,
            np.isreal(x), np.iscomplex(x), np.isrealobj(x), np.iscomplexobj(x), np.angle(x),
            np.angle(x, deg=True), np.isposinf(x), np.isneginf(x), np.logical_xor.reduce(x),
            np.logical_xor.reduce(x, axis=1), np.add.accumulate(x),
            np.multiply.accumulate(x, axis=1), np.add.outer(x[0], y[1]),
            np.maximum.outer(x, y[0]), np.fmax.outer(x[0], y[0]), np.less.outer(x[0], y[0]),
            np.cumulative_sum(x, axis=1), np.cumulative_prod(x[0], include_initial=True),
            np.cumulative_sum(x, axis=0, include_initial=True), np.acos(x / 5), np.pow(x, 2),
            np.concat([x, y]), np.permute_dims(x, (1, 0)), np.bitwise_not(x > 0))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", NUMBERS)
def test_cheap_composites_and_ufunc_methods(backend, dtype):
    x, y = _array(dtype, seed=4, nans=False), _array(dtype, seed=5, nans=False)
    y[0, 0] = 0
    if np.dtype(dtype).kind == "f":
        x[1, 1], x[1, 2], x[2, 2], x[0, 3] = np.inf, -np.inf, np.nan, -0.0
    check(ufuncs, x, y, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_ufunc_methods_of_bools(backend):
    check(lambda b: (np.add.accumulate(b), np.multiply.accumulate(b), np.logical_xor.reduce(b),
                     np.logical_and.outer(b, b), np.isreal(b)),
          np.array([True, False, True]), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
def test_sort_gradient_gathers_by_the_inverse_permutation(backend):
    def f(x):
        return np.sum(np.sort(x, axis=1) * np.arange(3.0)) + np.sum(np.sort(x, axis=0)[0] ** 2)

    x = np.array([[0.5, -1.5, 2.0], [1.25, 0.75, -0.5]])
    got = autograph.grad(f, backend=backend)(x)
    eps, want = 1e-6, np.zeros_like(x)
    for i in np.ndindex(x.shape):
        d = np.zeros_like(x)
        d[i] = eps
        want[i] = (f(x + d) - f(x - d)) / (2 * eps)
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-6)


def _sort_stats(x):
    order = np.argsort(x, kind="stable")
    return np.sort(x), order, np.median(x), np.searchsorted(np.sort(x[:64]), x[:8])


def test_sorting_at_a_realistic_size_leaves_the_argument_alone():
    """10⁵ elements on cpu, with NaN and ties: values, dtypes, the argument after the call
    and no shared memory with it."""
    rng = np.random.default_rng(7)
    x = np.round(rng.normal(size=100_000), 2)
    x[::997] = np.nan
    before = x.copy()
    got = autograph.convert(_sort_stats, backend="cpu")(x)
    want = _sort_stats(x)
    for g, w in zip(got, want):
        np.testing.assert_array_equal(g, w)
        assert np.asarray(g).dtype == np.asarray(w).dtype
        assert not np.shares_memory(g, x)
    np.testing.assert_array_equal(x, before)
