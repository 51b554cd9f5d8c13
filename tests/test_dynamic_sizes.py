"""Values whose length is known only when the program runs (issue 15, staging/dynamic.py):
boolean-mask selection, np.nonzero & co., np.unique, slices with traced bounds, assignment
through a mask, staged loops over such values — converted against plain NumPy on the
python and cpu backends at sizes 0, 1 and 10^5 (one compiled program per function and
size: the functions gather many idioms each, so few programs are compiled).
"""

from __future__ import annotations

import warnings

import numpy as np
import pytest

import autograph
from autograph.errors import StagingError
from tests.backends import BACKENDS, check

SIZES = (0, 1, 100_000)


def _floats(n, seed=0):
    return np.random.default_rng(seed + n).random(n)


def selections(x, y):
    m = x > 0.25
    kept = x[m]
    return (kept, kept.sum(), np.sum(kept * 2.0), kept.mean(), np.mean(y[m]), kept.size,
            len(kept), kept.shape[0], x[m] - y[m], x[m] * y[m] + 1.0, np.sort(y[m]),
            np.count_nonzero(kept > 0.5), kept.any(), (kept > 0.3).all(), np.abs(-kept),
            np.maximum(kept, 0.5), kept.astype(np.float32), np.cumsum(kept), kept.var(),
            np.sum(x[x > 2.0]), y[m][y[m] > 0.5], kept[1:], kept[:-1].sum())


def indices(x):
    return (np.nonzero(x > 0.5), np.flatnonzero(x < 0.1), np.argwhere(x > 0.9),
            np.extract(x > 0.5, x), np.compress(x > 0.5, x), np.where(x > 0.7),
            x[np.flatnonzero(x > 0.8)], (x > 0.5).nonzero())


def uniques(k, x):
    return (np.unique(k), np.unique(k, return_index=True, return_inverse=True,
                                    return_counts=True),
            np.unique(x, return_counts=True), np.unique(k[k > 3]))


def grid(a):
    rows = a[:, 0] > 0.3
    return (a[a > 0.5], a[rows, :], a[rows], a[rows].sum(axis=0), a[rows].sum(),
            a[rows, 1:], np.nonzero(a > 0.9), np.argwhere(a > 0.9), a[np.nonzero(a > 0.8)],
            a[rows][:, 2], a[rows].mean(axis=1))


def prefixes(x):
    k = np.count_nonzero(x > 0.5)
    return x[:k], x[k:].sum(), x[1:k + 1], x[-k:], x[:k][x[:k] > 0.2]


def writes(x, y):
    z = x.copy()
    m = z > 0.5
    z[m] = z[m] * 2.0
    w = y.copy()
    w[m] = y[m] + 1.0
    v = y.copy()
    v[y > 0.9] = np.array([7.0])
    return z, w, v


def loops(x):
    kept = x[x > 0.5]
    s = np.float64(0.0)
    for i in range(len(kept)):
        s += kept[i] * kept[i]
    t = np.float64(0.0)
    for v in kept:
        t = t + v
    return s, t, sum(kept, np.float64(0.0))


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", SIZES)
def test_selections(backend, n):
    x, y = _floats(n), _floats(n, 7)
    with warnings.catch_warnings():  # NumPy warns on the mean of an empty array
        warnings.simplefilter("ignore", RuntimeWarning)
        check(selections, x, y, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", SIZES)
def test_indices(backend, n):
    check(indices, _floats(n), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", SIZES)
def test_uniques(backend, n):
    k = np.random.default_rng(n).integers(0, 50, n)
    x = np.round(_floats(n) * 20) / 4
    if n > 1:
        x[::7] = np.nan
    check(uniques, k, x, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", SIZES)
def test_grid(backend, n):
    check(grid, np.random.default_rng(n).random((n, 3)), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", SIZES)
def test_prefixes_with_traced_bounds(backend, n):
    check(prefixes, _floats(n), backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", SIZES)
def test_assignment_through_a_mask(backend, n):
    x, y = _floats(n), _floats(n, 3)
    if n == 1:
        y[0] = 0.95  # one value for one true mask element
    else:
        y[y > 0.9] = 0.8  # none: NumPy accepts a one-element value for an empty selection
    check(writes, x, y, backend=backend)


def integers(x, b):
    k = x[x > 2]
    flags = b[b | (x > 3)]
    return (k, k.sum(), k.mean(), k.max(), k.min(), k.prod(), np.sort(k), k.argmax(),
            np.unique(k, return_counts=True), (k > 3).any(), np.cumsum(k), k // 2,
            k.astype(np.float32) / 3, flags, flags.sum(), flags.max(), np.nonzero(flags))


@pytest.mark.parametrize("backend", BACKENDS)
def test_integer_and_bool_dtypes_follow_numpy(backend):
    x = np.array([5, 1, 3, 7, 3, 0], np.int32)
    check(integers, x, x % 2 == 0, backend=backend)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("n", (0, 1, 1000))
def test_staged_loops_over_a_selection(backend, n):
    check(loops, _floats(n), backend=backend)


def test_one_mask_one_count_and_one_compaction_and_static_programs_have_none():
    f = autograph.convert(lambda a, b: a[a > 0] - b[a > 0])
    text = str(f.lower(np.ones(4), np.ones(4)).graph)
    # a - b computed on the full arrays, compacted once when returned; one count, no check
    assert text.count("compress") == 1 and text.count("sum") == 1 and "check" not in text
    h = autograph.convert(lambda a: a[a > 0].sum() + a[a > 0].max())
    assert "compress" not in str(h.lower(np.ones(4)).graph)  # masked reductions
    g = autograph.convert(lambda a: np.where(a > 0, a, 0.0).sum())
    assert "compress" not in str(g.lower(np.ones(4)).graph)


# ---- errors -------------------------------------------------------------------------------

def mismatch(a, b):
    return a[a > 0.5] - b[b > 0.5]


def largest(x):
    return x[x > 0.5].max()


def element(x, i):
    return x[x > 0.5][i]


def popping(x):
    lst = [1.0, 2.0, 3.0]
    s = x[0]
    for i in range(np.count_nonzero(x)):
        s = s + lst.pop()
    return s


def growing(x):
    out = np.zeros(0)
    i = 0
    while i < x.shape[0] and x[i] > 0:
        out = np.append(out, x[i])
        i += 1
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_mismatched_lengths_raise_numpys_broadcast_error_with_the_line(backend):
    a, b = np.array([0.9, 0.8, 0.1]), np.array([0.9, 0.7, 0.6])
    with pytest.raises(ValueError, match="operands could not be broadcast together"):
        mismatch(a, b)
    f = autograph.convert(mismatch, backend=backend)
    with pytest.raises(ValueError, match="operands could not be broadcast together") as info:
        f(a, b)
    assert "test_dynamic_sizes.py" in str(info.value)
    assert "return a[a > 0.5] - b[b > 0.5]" in str(info.value)
    np.testing.assert_array_equal(f(a, a), mismatch(a, a))
    np.testing.assert_allclose(f(a, np.array([0.1, 0.9, 0.1])), [0.0, -0.1])  # length 1


@pytest.mark.parametrize("backend", BACKENDS)
def test_empty_reductions_and_bounds_raise_as_numpy_does(backend):
    empty = np.array([0.1, 0.2])
    f = autograph.convert(largest, backend=backend)
    assert f(np.array([0.7, 0.9])) == largest(np.array([0.7, 0.9]))
    with pytest.raises(ValueError, match="zero-size array to reduction operation maximum"):
        f(empty)
    g = autograph.convert(element, backend=backend)
    x = np.array([0.9, 0.1, 0.7])
    assert g(x, -1) == element(x, -1) and g(x, 1) == element(x, 1)
    with pytest.raises(IndexError):
        element(x, 2)
    with pytest.raises(IndexError, match="out of bounds"):
        g(x, 2)


def test_list_pop_in_a_staged_loop_is_refused_with_the_line():
    with pytest.raises(StagingError, match="list.pop inside a staged loop") as info:
        autograph.convert(popping)(np.array([1.0, 2.0]))
    assert "s = s + lst.pop()" in str(info.value)


def test_unsupported_operations_name_the_function_and_the_rewrite():
    with pytest.raises(StagingError, match="np.append.*preallocate") as info:
        autograph.convert(growing)(np.array([1.0, 2.0]))
    assert "while i < x.shape[0] and x[i] > 0:" in str(info.value)
    f = autograph.convert(lambda x: np.concatenate([x[x > 0], x]))
    with pytest.raises(StagingError, match="np.concatenate.*list") as info:
        f(np.ones(3))
    g = autograph.convert(lambda x: np.outer(x[x > 0], x))
    with pytest.raises(StagingError, match="np.outer.*known only when the program runs"):
        g(np.ones(3))


def test_a_selection_leaving_a_staged_branch_is_refused_naming_the_rewrite():
    def branches(x):
        if x.sum() > 0:
            y = x[x > 0]
        else:
            y = x[x < 0]
        return y

    with pytest.raises(StagingError, match="cannot leave a staged `if`.*np.where"):
        autograph.convert(branches, backend="python")(np.ones(3))


def test_a_list_appended_to_in_a_staged_branch_names_the_mask_rewrite():
    def appends(x):
        lst = []
        for i in range(x.shape[0]):
            if x[i] > 0:
                lst.append(x[i])
        return np.array(lst)

    with pytest.raises(StagingError, match="boolean mask") as info:
        autograph.convert(appends, backend="python")(np.ones(3))
    assert "if x[i] > 0:" in str(info.value)


def test_traced_window_of_static_length_and_its_bounds_check():
    def windows(E, s):
        out = np.zeros(3)
        for i in range(3):
            out[i] = E[:, i * s: i * s + 2].sum()
        return out

    E = np.arange(12.0).reshape(2, 6)
    f = autograph.convert(windows, static_argnames=())
    np.testing.assert_array_equal(f(E, 2), windows(E, 2))
    with pytest.raises(IndexError, match="window of static length 2"):
        f(E, 3)  # NumPy returns a shorter last window; a static shape cannot


def test_export_round_trip_of_a_dynamic_result(tmp_path):
    def f(x, y):
        return x[x > 0.5] * 2.0, y.sum(), np.unique(x)

    x = np.array([0.9, 0.1, 0.7, 0.9])
    autograph.export(autograph.convert(f), tmp_path, x, x)
    text = (tmp_path / "graph.json").read_text()
    assert '"version": 2' in text and '"dynamic_outputs"' in text
    for backend in BACKENDS:
        g = autograph.load(tmp_path, backend=backend)
        for arg in (x, np.zeros(4), np.ones(4)):
            got, want = g(arg, arg), f(arg, arg)
            for a, b in zip(got, want):
                np.testing.assert_array_equal(a, b)


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradient_scatters_back_through_a_mask(backend):
    def masked(x):
        return (x[x > 0.5] ** 2).sum()  # a masked reduction: no compaction

    def picked(x):
        kept = x[x > 0.5]  # compacted: compress's rule scatters back
        return kept[1] * 3.0 + kept[0]

    x = np.array([0.9, 0.1, 0.7, 0.2])
    np.testing.assert_allclose(autograph.grad(masked, backend=backend)(x),
                               np.where(x > 0.5, 2 * x, 0.0))
    np.testing.assert_allclose(autograph.grad(picked, backend=backend)(x), [1.0, 0, 3.0, 0])


def test_cuda_compaction_kernels_compile_for_a_device():
    """The simulator (tests/cuda/test_cuda_dynamic.py) runs them as Python; a device
    compiler is stricter, so each kernel is compiled to PTX here, as
    tests/test_codegen_cuda_ptx.py does for generated kernels."""
    from autograph.codegen.cuda import dynamic as cuda_dynamic, runtime as cuda_runtime

    if cuda_runtime.simulating():
        pytest.skip("NUMBA_ENABLE_CUDASIM is set: compile_ptx needs the real CUDA target")
    try:
        from numba import cuda
        from numba.cuda import types

        cuda.compile_ptx(lambda a: None, (types.float32[::1],), cc=(7, 5))
    except Exception as exc:  # the toolchain wheels are missing
        pytest.skip(f"numba.cuda.compile_ptx cannot run here: {exc}")
    cuda_dynamic._kernels()  # binds the kernels' `cuda`
    count, scatter, zero = cuda_dynamic.KERNELS
    i64, b1 = types.int64, types.boolean
    for rows in (types.float64[:, ::1], types.boolean[:, ::1], types.int32[:, ::1]):
        cuda.compile_ptx(scatter, (rows, b1[::1], i64, i64[::1], rows), cc=(7, 5))
        cuda.compile_ptx(zero, (rows, i64), cc=(7, 5))
    cuda.compile_ptx(count, (b1[::1], i64, i64[::1]), cc=(7, 5))
