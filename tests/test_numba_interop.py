"""A user's own Numba functions called inside a converted function (issue 18, "Numba
interop"): staging/interop.py, codegen/cpu/interop.py.

Differential: convert(f)(*a) against f(*a), where f calls `@numba.njit`, `@numba.vectorize`
and `@numba.stencil` functions, on `python` and `cpu`. Then what must be refused clearly:
a function that writes into an argument, one returning a view of an argument, a result
shape that depends on the values, a call Numba cannot type, guvectorize, CUDA, export
and grad — each an AutographError naming the function (and the user's line while
tracing). Shapes are small and shared: every program compiles once per backend.
"""

from __future__ import annotations

import numba
import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from backends import BACKENDS, check


@numba.njit(cache=True, fastmath=True)
def norm(a, scale=1.0):
    s = 0.0
    for v in a.ravel():
        s += v * v
    return np.sqrt(s) * scale


@numba.njit
def doubled_and_sum(a):
    return a * 2, a.sum()


@numba.njit
def running(a):
    out = np.empty_like(a)
    acc = a.dtype.type(0)
    for i in range(a.size):
        acc += a[i]
        out[i] = acc
    return out


@numba.vectorize
def blend(a, b):
    return a + 2 * b


@numba.vectorize(["float32(float32, float32)", "float64(float64, float64)"])
def frozen(a, b):
    return a * b - 1


@numba.stencil
def smooth(a):
    return (a[-1] + a[0] + a[1]) / 3


@numba.njit
def one_tuple(a):
    return (a.max(),)


def calls(x, y):
    n = norm(x, scale=2.0)
    d, s = doubled_and_sum(x)
    r = running(x)
    r[0] = -1.0          # the result is a fresh array: written in place
    return n + s, d, r, blend(x, y), frozen(x, y), smooth(x) + 1, one_tuple(x)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float32, np.float64])
def test_njit_vectorize_and_stencil_calls(backend, dtype):
    x = np.linspace(-1, 2, 6).astype(dtype)
    check(calls, x, np.arange(6).astype(dtype), backend=backend)


def scalars(s, k, flag):
    # a NumPy scalar, a weak Python int and a static bool; keyword by name
    return norm(np.full(3, s), scale=k), blend(s, k), running(np.arange(4) * k)


@pytest.mark.parametrize("backend", BACKENDS)
def test_scalar_arguments_and_integer_results(backend):
    check(scalars, np.float32(1.5), 3, True, backend=backend)


def test_realistic_size_matches_numpy():
    x = np.random.default_rng(0).standard_normal(100_000)
    f = autograph.convert(lambda x: running(np.abs(x)) / norm(x))
    np.testing.assert_allclose(f(x), np.cumsum(np.abs(x)) / np.sqrt((x * x).sum()),
                               rtol=1e-9)


def _scaler(k):
    @numba.njit
    def scale(a):
        return a * k
    return scale


def test_local_functions_are_not_confused_in_the_program_cache():
    """Two local functions of the same code but different closures: two programs."""
    two, three = _scaler(2.0), _scaler(3.0)
    f2 = autograph.convert(lambda x: two(x) + 1)
    f3 = autograph.convert(lambda x: three(x) + 1)
    x = np.arange(4.0)
    np.testing.assert_array_equal(f2(x), x * 2 + 1)
    np.testing.assert_array_equal(f3(x), x * 3 + 1)
    source = f3.lower(x).source
    assert "_ui.user_function(" in source and "cache=False" in source
    assert "from test_numba_interop import norm" in autograph.convert(
        lambda x: norm(x)).lower(x).source


@numba.njit
def writes(a):
    a[0] = 1.0
    return a.sum()


@numba.njit
def view(a):
    return a[1:]


@numba.njit
def positives(a):
    return a[a > 0].copy()


@numba.njit
def untypable(a):
    return a.no_such_method()


@numba.guvectorize(["void(float64[:], float64[:])"], "(n)->()")
def gsum(a, out):
    out[0] = a.sum()


def test_refusals_name_the_function_and_line():
    x = np.arange(1.0, 4.0)
    for fn, match in [(writes, "writes.* writes into an argument"),
                      (view, "view returns an array that may share memory"),
                      (untypable, "numba cannot compile .*untypable"),
                      (gsum, "gsum is a numba.guvectorize function")]:
        def user(x):
            return fn(x)  # the line the error names
        with pytest.raises(AutographError, match=match) as info:
            autograph.convert(user, backend="python")(x)
        assert "test_numba_interop.py" in str(info.value) and "return fn(x)" in str(info.value)
    with pytest.raises(AutographError, match="argument 1 is a str"):
        autograph.convert(lambda x: norm(x, "wide"))(x)
    with pytest.raises(AutographError, match=r"blend\(..., b=...\)"):
        autograph.convert(lambda x: blend(x, b=x))(x)


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_dependent_result_shape_is_caught_when_the_program_runs(backend):
    f = autograph.convert(lambda x: positives(x) * 2, backend=backend)
    # traced on zeros: no positive element, shape (0,); at run time three of them
    with pytest.raises((AutographError, ValueError), match="positives returned"):
        f(np.arange(1.0, 4.0))


def test_cuda_export_and_grad_refuse_clearly(tmp_path):
    from autograph.codegen.cuda.backend import generate

    x = np.arange(3.0)
    graph = autograph.convert(lambda x: running(x)).lower(x).graph
    with pytest.raises(AutographError, match="call of .*running is not on cuda"):
        generate(graph)
    with pytest.raises(AutographError, match="calls the user's function .*running"):
        autograph.export(autograph.convert(lambda x: running(x)), tmp_path / "g", x)
    with pytest.raises(AutographError, match="cannot differentiate through .*norm"):
        autograph.grad(lambda x: norm(x) * 2.0)(x)


def test_plain_calls_without_traced_values_are_evaluated_while_tracing():
    f = autograph.convert(lambda x: x + norm(np.ones(4)))
    graph = f.lower(np.zeros(2)).graph
    assert "call" not in str(graph)
    np.testing.assert_array_equal(f(np.zeros(2)), np.full(2, 2.0))
