"""Writing into arguments (issue 16): the caller sees exactly NumPy's effect.

The programs are written the way Numba and Pythran kernels are (output buffers filled in
loops, in-place stencils, `x *= 2`, `out=` keywords, `np.copyto`); `check` compares the
result, the arguments after the call and aliasing with plain NumPy on every backend.
Identity is checked here too: a function returning the argument it wrote hands back the
caller's own array. What cannot be done exactly is refused with an AutographError naming
the line: writes through a reshape of an argument (a view or a copy, by its layout), writes
into an array that is the argument on some paths only, arguments that overlap a written
one, read-only arrays.
"""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph import AutographError
from backends import WITH_PLAIN, check, convert

N = 8
rng = np.random.default_rng(16)
X = rng.random(N)
M = rng.random((4, 5))


# ---- kernels as users write them -------------------------------------------------------


def fill_doubled(out, x):
    for i in range(x.shape[0]):
        out[i] = 2.0 * x[i]


def pairwise_distances(out, points):
    n = points.shape[0]
    for i in range(n):
        for j in range(n):
            d = points[i] - points[j]
            out[i, j] = np.sqrt(np.sum(d * d))


def heat_steps(u, steps, alpha):
    for _ in range(steps):
        u[1:-1] = u[1:-1] + alpha * (u[2:] - 2.0 * u[1:-1] + u[:-2])
    return u


def normalise_rows(m):
    m /= m.sum(axis=1, keepdims=True)


def clamp_in_place(x, lo, hi):
    np.clip(x, lo, hi, out=x)


def ufunc_out(x, out):
    np.multiply(x, 3.0, out=out)
    np.add(out, 1.0, out=out)
    return out


def copyto_where(dst, src):
    np.copyto(dst, src, where=src > 0.5)


def reset(u):
    u[:] = 1.0
    u[0] = 0.0


def write_in_branch(x, t):
    if x.sum() > t:  # a staged if
        x[0] = -1.0
    return x.sum()


def write_in_while(x):
    i = 0
    while x[i] < 0.9 and i < x.shape[0] - 1:  # a staged while
        x[i] = 0.0
        i += 1
    return i


def zero_d_counter(b):
    tmp = b
    tmp -= 1


def returns_the_argument(x):
    x[0] = 5.0
    return x, x.sum()


def writes_and_reads_back(x):
    x *= 2
    return x + 1  # reads the written value


def rebinds_without_writing(x, n):
    for _ in range(n):
        x = x * 0.5
    return x


def chained_index(grid, n):
    for i in range(n):
        grid[i][i] = 1.0  # a[i][j] = v: a write through the view a[i]
        row = grid[i]
        row[i + 1:] += 0.5  # static slice start per unrolled i; in place through the view
    return grid


def through_transpose_and_slice(x):
    x.T[0, 1] = -2.0
    tail = x[1:, ::2]
    tail *= 3.0


def first_of_list(arrays):
    arrays[0][0] = 42.0
    return arrays[1].sum()


CASES = {
    "fill_doubled": (fill_doubled, lambda: (np.zeros(N), X.copy())),
    "pairwise_distances": (pairwise_distances, lambda: (np.zeros((4, 4)), M[:, :3].copy())),
    "heat_steps": (heat_steps, lambda: (X.copy(), 5, 0.25)),
    "normalise_rows": (normalise_rows, lambda: (M.copy(),)),
    "clamp_in_place": (clamp_in_place, lambda: (X.copy(), 0.2, 0.7)),
    "ufunc_out": (ufunc_out, lambda: (X.copy(), np.zeros(N))),
    "copyto_where": (copyto_where, lambda: (np.zeros(N), X.copy())),
    "reset": (reset, lambda: (X.copy(),)),
    "write_in_branch_taken": (write_in_branch, lambda: (X.copy(), 0.0)),
    "write_in_branch_not_taken": (write_in_branch, lambda: (X.copy(), 100.0)),
    "write_in_while": (write_in_while, lambda: (np.array([0.1, 0.2, 0.95, 0.3]),)),
    "zero_d_counter": (zero_d_counter, lambda: (np.array(3.0),)),
    "returns_the_argument": (returns_the_argument, lambda: (X.copy(),)),
    "writes_and_reads_back": (writes_and_reads_back, lambda: (X.copy(),)),
    "rebinds_without_writing": (rebinds_without_writing, lambda: (X.copy(), 3)),
    "first_of_list": (first_of_list, lambda: ([X.copy(), X.copy()],)),
    "chained_index": (chained_index, lambda: (np.zeros((4, 4)), 4)),
    "through_transpose_and_slice": (through_transpose_and_slice, lambda: (M.copy(),)),
}


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("name", sorted(CASES))
def test_the_caller_sees_numpys_writes(name, backend):
    fn, make = CASES[name]
    converted = check(fn, *make(), backend=backend)
    # Every call writes, not just the one that traced: run again on new arrays.
    args, plain = make(), make()
    converted(*args)
    fn(*plain)
    for got, want in zip(args, plain):
        if isinstance(want, np.ndarray):
            np.testing.assert_allclose(got, want)


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_a_written_argument_returned_is_the_callers_array(backend):
    x = X.copy()
    result, total = convert(returns_the_argument, backend)(x)
    assert result is x and x[0] == 5.0 and total == pytest.approx(x.sum())
    y = X.copy()
    assert convert(heat_steps, backend)(y, 2, 0.1) is y


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_an_unwritten_argument_returned_is_the_callers_array_and_views_are_new(backend):
    x = M.copy()
    same, view, flat = convert(lambda a: (a, a[:], a.reshape(a.shape)), backend)(x)
    assert same is x
    assert view is not x and np.shares_memory(view, x)
    assert flat is not x and np.shares_memory(flat, x)


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_output_buffer_loop_at_a_realistic_size(backend):
    """10^5 elements, one staged loop: the common Numba kernel shape."""
    x = rng.random(100_000)
    check(fill_doubled, np.zeros_like(x), x, backend=backend)


# ---- what is refused, and why -----------------------------------------------------------


def through_a_reshape(x):
    v = x.reshape(2, -1)  # a view only where x's layout allows: not known while tracing
    v[0, 0] = 5.0


def path_dependent(x, n):
    for _ in range(n):
        x = x * 2.0
    x[0] = 1.0  # the caller's array when n == 0, a new one otherwise


def swap_buffers(u, v, steps):
    for _ in range(steps):
        v[1:-1] = 0.5 * (u[2:] + u[:-2])
        u, v = v, u
    return u


@pytest.mark.parametrize("backend", WITH_PLAIN)
@pytest.mark.parametrize("fn, args, message", [
    (through_a_reshape, (X,), "a view of another array"),
    (path_dependent, (X, 2), "may be the argument 'x' or another array"),
], ids=["reshape", "path"])
def test_writes_that_cannot_be_exact_are_refused_naming_the_line(fn, args, message, backend):
    args = tuple(a.copy() if isinstance(a, np.ndarray) else a for a in args)
    before = [a.copy() if isinstance(a, np.ndarray) else a for a in args]
    with pytest.raises(AutographError, match=message) as info:
        convert(fn, backend)(*args)
    assert "test_semantics_argument_writes.py" in str(info.value)
    for a, b in zip(args, before):
        np.testing.assert_array_equal(a, b)  # nothing was written


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_swapped_buffers_are_unrolled_and_exact(backend):
    """Which argument a swapped name holds depends on the iteration, so the loop cannot be
    staged; with a static trip count it is unrolled, each write landing where NumPy's does."""
    converted = check(swap_buffers, X.copy(), X * 0, 3, backend=backend)
    assert "could not be staged" in converted.explain()


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_a_written_argument_overlapping_another_is_refused(backend):
    def add_into(out, x):
        out += x
        return out

    f = convert(add_into, backend)
    a = X.copy()
    with pytest.raises(AutographError, match="argument 'out' .* shares memory with "
                                             "argument 'x'"):
        f(a, a)
    with pytest.raises(AutographError, match="shares memory"):
        f(a[1:], a[:-1])
    np.testing.assert_array_equal(a, X)
    b = X.copy()
    f(b[::2], b[1::2])  # interleaved: no element shared, so it runs
    np.testing.assert_allclose(b[::2], X[::2] + X[1::2])


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_a_read_only_argument_gives_numpys_error(backend):
    x = X.copy()
    x.flags.writeable = False
    with pytest.raises(ValueError, match="read-only"):
        convert(reset, backend)(x)


@pytest.mark.parametrize("backend", WITH_PLAIN)
def test_numpys_casting_and_shape_rules_for_in_place_writes(backend):
    def inc(x):
        x += 1.5

    def bad_out(x, out):
        np.add(x, 1.0, out=out)

    def bad_copyto(x):
        np.copyto(x, 2.5)

    ints = np.arange(4)
    with pytest.raises(TypeError, match="same_kind"):
        convert(inc, backend)(ints)
    with pytest.raises(ValueError, match="non-broadcastable output operand"):
        convert(bad_out, backend)(np.ones((2, 3)), np.zeros(3))
    with pytest.raises(TypeError, match="Cannot cast scalar"):
        convert(bad_copyto, backend)(ints)
    np.testing.assert_array_equal(ints, np.arange(4))


def test_grad_of_a_function_writing_into_an_argument_is_refused():
    def f(x):
        x *= 2.0
        return x.sum()

    with pytest.raises(AutographError, match="writes into"):
        autograph.grad(f)(X.copy())


def test_export_of_a_function_writing_into_an_argument_is_refused(tmp_path):
    from autograph.serialization.export import ExportError, export

    with pytest.raises(ExportError, match="writes into its arguments"):
        export(convert(reset, "python"), tmp_path / "reset", X.copy())
