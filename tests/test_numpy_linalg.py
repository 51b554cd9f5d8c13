"""np.linalg's LAPACK-backed functions inside converted functions, against NumPy.

Each test converts one function that calls many of them (one compiled program per
dtype and shape: Numba's compile time dominates), on the `python` backend (the
reference interpreter, NumPy itself) and `cpu` (Numba's LAPACK-backed np.linalg), and
compares every result with plain NumPy's: values, dtypes (ints compute in float64,
float32 stays float32), shapes, NumPy 2's result classes (EighResult, SVDResult, ...)
and attribute access on them. Then the errors: NumPy's LinAlgError at run time for a
singular or non-positive-definite matrix, NumPy's errors while tracing for a bad shape
or dtype, a clear AutographError naming the function for what is not staged.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from tests.backends import BACKENDS, assert_same, check

LinAlgError = np.linalg.LinAlgError
DTYPES = [np.float64, np.float32, np.complex128, np.int64]


def _spd(n: int, dtype, seed: int = 0, batch=()) -> np.ndarray:
    """A well-conditioned Hermitian positive-definite matrix (stack) of `dtype`."""
    rng = np.random.default_rng(seed)
    if np.dtype(dtype).kind in "iu":
        a = rng.integers(-3, 4, batch + (n, n))
        return (a @ np.swapaxes(a, -1, -2) + 4 * n * np.eye(n, dtype=int)).astype(dtype)
    a = rng.standard_normal(batch + (n, n))
    if np.dtype(dtype).kind == "c":
        a = a + 1j * rng.standard_normal(batch + (n, n))
    return (a @ np.swapaxes(a, -1, -2).conj() + n * np.eye(n)).astype(dtype)


def _rhs(shape, dtype, seed=1):
    x = np.random.default_rng(seed).standard_normal(shape)
    return (np.round(x * 3) if np.dtype(dtype).kind in "iu" else x).astype(dtype)


def square_suite(a, b, v):
    """Everything on one square matrix (a), a right-hand side matrix (b) and vector (v)."""
    eig = np.linalg.eigh(a)
    w, vecs = eig
    s = np.linalg.slogdet(a)
    svd = np.linalg.svd(a)
    q, r = np.linalg.qr(a)
    return (np.linalg.solve(a, b), np.linalg.solve(a, v), np.linalg.inv(a), np.linalg.det(a),
            s, s.sign * np.exp(s.logabsdet), np.linalg.cholesky(a),
            np.linalg.cholesky(a, upper=True), eig, eig.eigenvalues, w, vecs @ np.diag(w),
            np.linalg.eigvalsh(a, UPLO="U"), np.linalg.eigh(a, "U"), svd, svd.S, np.linalg.svd(a, compute_uv=False),
            q @ r, np.abs(r), np.linalg.pinv(a), np.linalg.matrix_power(a, 3),
            np.linalg.matrix_power(a, -2), np.linalg.matrix_power(a, 0),
            np.linalg.matrix_rank(a))


def square_suite_with_norms(a, b, v):
    return square_suite(a, b, v) + (np.linalg.norm(a, 2), np.linalg.norm(a, "nuc"),
                                    np.linalg.norm(a, -2))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", DTYPES)
def test_square_matrix_functions_match_numpy(backend, dtype):
    # norm refuses complex values (numpy_linalg.norm)
    f = square_suite if np.dtype(dtype).kind == "c" else square_suite_with_norms
    check(f, _spd(3, dtype), _rhs((3, 2), dtype), _rhs((3,), dtype, 2), backend=backend)


def rectangular_suite(tall, wide, b, v):
    qt = np.linalg.qr(tall, mode="complete")
    return (np.linalg.svd(tall), np.linalg.svd(tall, full_matrices=False),
            np.linalg.svd(wide), np.linalg.svd(wide, compute_uv=False),
            np.linalg.qr(tall), qt, qt.Q @ qt.R, np.linalg.qr(tall, mode="r"),
            np.linalg.qr(wide), np.linalg.qr(wide, mode="complete"),
            np.linalg.lstsq(tall, b), np.linalg.lstsq(tall, v, rcond=1e-10),
            np.linalg.lstsq(wide, b[:3]), np.linalg.pinv(tall), np.linalg.pinv(wide, rtol=None),
            np.linalg.matrix_rank(tall), np.linalg.matrix_rank(wide, tol=0.5))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32, np.complex128])
def test_rectangular_matrix_functions_match_numpy(backend, dtype):
    rng = np.random.default_rng(3)
    tall = rng.standard_normal((4, 3)).astype(dtype)
    wide = rng.standard_normal((3, 4)).astype(dtype)
    if np.dtype(dtype).kind == "c":
        tall = tall + 1j * rng.standard_normal((4, 3))
        wide = wide - 1j * rng.standard_normal((3, 4))
    check(rectangular_suite, tall, wide, _rhs((4, 2), dtype), _rhs((4,), dtype, 5),
          backend=backend)


def batched_suite(a, b, v, m):
    return (np.linalg.solve(a, b), np.linalg.solve(a, v), np.linalg.solve(a, b[:1]),
            np.linalg.inv(a), np.linalg.det(a), np.linalg.slogdet(a), np.linalg.cholesky(a),
            np.linalg.eigh(a), np.linalg.svd(m), np.linalg.svd(m, full_matrices=False),
            np.linalg.qr(m), np.linalg.qr(m, mode="complete"), np.linalg.pinv(m),
            np.linalg.matrix_rank(a), np.linalg.matrix_power(a, 2), np.linalg.norm(a, 2,
                                                                                  axis=(1, 2)))


@pytest.mark.parametrize("backend", BACKENDS)
def test_stacks_of_matrices_loop_over_the_stack(backend):
    rng = np.random.default_rng(4)
    check(batched_suite, _spd(3, np.float64, batch=(2,)), _rhs((2, 3, 2), np.float64),
          _rhs((3,), np.float64), rng.standard_normal((2, 4, 3)), backend=backend)


def ranks_and_loops(v, z, a, b):
    """matrix_rank of vectors (a Python int in NumPy) and with hermitian/rtol; solve and
    eigh inside a staged loop."""
    x = b
    for i in range(3):
        w, _ = np.linalg.eigh(a + i)
        x = np.linalg.solve(a, x) + w
    return (np.linalg.matrix_rank(v), np.linalg.matrix_rank(z),
            np.linalg.matrix_rank(a, hermitian=True), np.linalg.matrix_rank(a, rtol=0.5), x)


@pytest.mark.parametrize("backend", BACKENDS)
def test_matrix_rank_forms_and_factorisations_in_a_loop(backend):
    check(ranks_and_loops, np.array([0.0, 1.0]), np.zeros(3), np.diag([1.0, 1e-20, 2.0]),
          np.ones(3), backend=backend)


def test_the_cpu_program_factors_once_for_all_parts():
    def f(a):
        w, v = np.linalg.eigh(a)
        u, s, vh = np.linalg.svd(a)
        sign, logdet = np.linalg.slogdet(a)
        return w, v, u, s, vh, sign, logdet, np.linalg.eigvalsh(a + 1.0)

    a = _spd(3, np.float64)
    source = check(f, a, backend="cpu").lower(a).source
    assert source.count("np.linalg.eigh(") == 1
    assert source.count("np.linalg.svd(") == 1
    assert source.count("np.linalg.slogdet(") == 1
    assert source.count("np.linalg.eigvalsh(") == 1  # eigenvalues alone: no eigenvectors


def test_a_realistic_size_solve():
    rng = np.random.default_rng(5)
    a = rng.standard_normal((120, 120)) + 120 * np.eye(120)
    b = rng.standard_normal((120, 40))

    def f(a, b):
        return np.linalg.solve(a, b), np.linalg.det(a / 120)

    check(f, a, b, backend="cpu" if "cpu" in BACKENDS else "python")


# ---- errors --------------------------------------------------------------------------

def run_time_errors(a, b):
    return np.linalg.solve(a, b), np.linalg.cholesky(a)


@pytest.mark.parametrize("backend", BACKENDS)
def test_singular_and_non_positive_definite_raise_linalgerror_at_run_time(backend):
    f = autograph.convert(run_time_errors, backend=backend)
    b = np.ones((3, 2))
    assert_same(f(_spd(3, np.float64), b), run_time_errors(_spd(3, np.float64), b))
    with pytest.raises(LinAlgError):
        run_time_errors(np.zeros((3, 3)), b)
    with pytest.raises(LinAlgError):
        f(np.zeros((3, 3)), b)                       # singular: solve
    indefinite = np.diag([1.0, -1.0, 2.0])
    with pytest.raises(LinAlgError):
        f(indefinite, b)                             # not positive definite: cholesky


def rank_deficient_residuals(a, b):
    return np.linalg.lstsq(a, b)[1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_lstsq_residuals_of_a_rank_deficient_matrix_raise(backend):
    f = autograph.convert(rank_deficient_residuals, backend=backend)
    a = np.array([[1.0, 2.0], [2.0, 4.0], [3.0, 6.0]])
    full = np.array([[1.0, 0.0], [0.0, 1.0], [1.0, 1.0]])
    b = np.array([1.0, 2.0, 4.0])
    assert_same(f(full, b), rank_deficient_residuals(full, b))
    assert rank_deficient_residuals(a, b).shape == (0,)  # NumPy: empty, data-dependent
    with pytest.raises(LinAlgError, match="rank-deficient"):
        f(a, b)


def test_trace_time_errors_are_numpys():
    with pytest.raises(LinAlgError, match="square"):
        autograph.convert(lambda a: np.linalg.inv(a))(np.ones((2, 3)))
    with pytest.raises(LinAlgError, match="two-dimensional"):
        autograph.convert(lambda a: np.linalg.det(a))(np.ones(3))
    with pytest.raises(TypeError, match="float16 is unsupported in linalg"):
        autograph.convert(lambda a: np.linalg.inv(a))(np.eye(2, dtype=np.float16))
    with pytest.raises(ValueError, match="UPLO"):
        autograph.convert(lambda a: np.linalg.eigh(a, UPLO="X"))(np.eye(2))
    with pytest.raises(ValueError, match="Unrecognized mode"):
        autograph.convert(lambda a: np.linalg.qr(a, mode="bogus"))(np.eye(2))


def test_what_is_not_staged_names_the_function_and_keyword():
    with pytest.raises(AutographError, match=r"np.linalg.qr\(..., mode='raw'\)"):
        autograph.convert(lambda a: np.linalg.qr(a, mode="raw"))(np.eye(2))
    with pytest.raises(AutographError, match=r"np.linalg.svd\(..., hermitian=True\)"):
        autograph.convert(lambda a: np.linalg.svd(a, hermitian=True))(np.eye(2))
    with pytest.raises(AutographError, match="matrix_power n needs a concrete value"):
        autograph.convert(lambda a, n: np.linalg.matrix_power(a, n))(np.eye(2), np.int64(2))


# ---- gradients against finite differences --------------------------------------------

def _finite_differences(f, x, eps=1e-6):
    g = np.zeros_like(x)
    for i in np.ndindex(x.shape):
        up, down = x.copy(), x.copy()
        up[i] += eps
        down[i] -= eps
        g[i] = (f(up) - f(down)) / (2 * eps)
    return g


_A = _spd(3, np.float64, seed=7)
_W = np.random.default_rng(8).standard_normal((3, 3))
_B = _rhs((3, 2), np.float64, 9)
_GENERAL = np.random.default_rng(10).standard_normal((3, 3))

GRADIENTS = {
    "solve_a": (lambda a: np.sum(np.linalg.solve(a, _B) * _W[:, :2]), _A),
    "solve_b": (lambda b: np.sum(np.linalg.solve(_A, b) ** 2), _B),
    "solve_vector": (lambda a: np.sum(np.linalg.solve(a, _W[0]) ** 3), _A),
    "inv": (lambda a: np.sum(np.linalg.inv(a) * _W), _A),
    "det": (lambda a: np.linalg.det(a), _GENERAL),
    "slogdet": (lambda a: np.linalg.slogdet(a).logabsdet * np.linalg.slogdet(a).sign,
                _GENERAL),
    "cholesky": (lambda a: np.sum(np.linalg.cholesky(a) * _W), _A),
    "cholesky_upper": (lambda a: np.sum(np.linalg.cholesky(a, upper=True) * _W), _A),
    "stacked_inv_det": (lambda a: np.sum(np.linalg.inv(a) ** 2) + np.sum(np.linalg.det(a)),
                        np.stack([_A, _A + np.eye(3)])),
}


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("name", sorted(GRADIENTS))
def test_gradients_match_finite_differences(name, backend):
    f, x = GRADIENTS[name]
    got = autograph.grad(f, backend=backend)(x)
    want = _finite_differences(f, x)
    assert got.shape == x.shape and got.dtype == x.dtype
    np.testing.assert_allclose(got, want, rtol=1e-6, atol=1e-7)


def test_gradients_through_factorisations_without_a_rule_are_refused():
    with pytest.raises(AutographError, match="np.linalg.eigh"):
        autograph.grad(lambda a: np.sum(np.linalg.eigvalsh(a)))(_A)


# ---- export ----------------------------------------------------------------------------

def linalg_fft_graph():
    """Every LAPACK and FFT op with its attributes, built directly."""
    from autograph.ir import Builder, Op, TensorType

    f64 = np.dtype(np.float64)
    b = Builder("linalg_fft")
    a = b.add_input(TensorType((3, 3), f64), "a")
    r = b.add_input(TensorType((4, 3), f64), "r")
    v = b.add_input(TensorType((3,), f64), "v")
    outs = [b.emit(Op.SOLVE, [a, v]), b.emit(Op.INV, [a]), b.emit(Op.DET, [a]),
            b.emit(Op.SLOGDET, [a], part="logabsdet"), b.emit(Op.CHOLESKY, [a], upper=True),
            b.emit(Op.EIGH, [a], part="eigenvectors", UPLO="U"),
            b.emit(Op.SVD, [r], part="U", full_matrices=False),
            b.emit(Op.QR, [r], part="Q", mode="complete"),
            b.emit(Op.LSTSQ, [r, b.emit(Op.INDEX, [r], index=(("slice", None, None, None),
                                                               ("int", 0)))],
                   part="rank", rcond=1e-12),
            b.emit(Op.PINV, [r], rcond=1e-10),
            b.emit(Op.FFT, [r], axes=(0, 1), s=(4, 5), inverse=True, norm="ortho"),
            b.emit(Op.RFFT, [r], axes=(0,), s=(6,), norm="forward"),
            b.emit(Op.IRFFT, [v], axes=(0,), s=(4,), norm="backward")]
    return b.finish(outs), [_spd(3, np.float64), np.arange(12.0).reshape(4, 3) ** 1.5,
                            np.array([1.0, -2.0, 0.5])]


@pytest.mark.parametrize("backend", BACKENDS)
def test_export_round_trips_the_linalg_and_fft_ops(backend, tmp_path):
    from autograph.ir import format_graph, run, verify
    from autograph.serialization.export import export_graph, load, load_graph

    graph, args = linalg_fft_graph()
    verify(graph)
    export_graph(graph, {}, tmp_path)
    loaded, _ = load_graph(tmp_path)
    assert format_graph(loaded) == format_graph(graph)
    want = run(graph, *args, check=True)
    got = load(tmp_path, backend=backend)(*args)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        g = np.asarray(g)
        assert g.dtype == w.dtype and g.shape == w.shape
        np.testing.assert_allclose(g, w, rtol=1e-10, atol=1e-12)
