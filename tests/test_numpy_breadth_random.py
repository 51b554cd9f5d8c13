"""np.random inside converted functions (staging/numpy_random.py, the RANDOM op): a new draw
on every call on `python` and `cpu`, refused on `cuda` at compile time, and every other
np.random function (or a generator object's method) refused instead of frozen."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.errors import AutographError
from backends import BACKENDS

N = 4000


def draws(low, loc):
    return (np.random.rand(N), np.random.randn(2, N // 2), np.random.random((N,)),
            np.random.uniform(low, low + 2.0, N), np.random.normal(loc, 2.0, size=(N,)),
            np.random.randint(0, 10, N), np.random.randint(5, size=N, dtype=np.int32),
            np.random.standard_normal(N), np.random.random_sample(N), np.random.rand())


@pytest.mark.parametrize("backend", BACKENDS)
def test_shapes_dtypes_moments_and_fresh_draws(backend):
    f = autograph.convert(draws, backend=backend)
    first = f(1.0, 3.0)
    second = f(1.0, 3.0)
    u, z, r, uni, norm, ints, ints32, sn, rs, scalar = first
    assert u.shape == (N,) and u.dtype == np.float64 and 0 <= u.min() and u.max() < 1
    assert abs(u.mean() - 0.5) < 0.05 and abs(u.var() - 1 / 12) < 0.01
    assert z.shape == (2, N // 2) and abs(z.mean()) < 0.1 and abs(z.std() - 1) < 0.1
    assert r.shape == (N,) and abs(r.mean() - 0.5) < 0.05
    assert 1.0 <= uni.min() and uni.max() < 3.0 and abs(uni.mean() - 2.0) < 0.1
    assert abs(norm.mean() - 3.0) < 0.2 and abs(norm.std() - 2.0) < 0.2
    assert ints.dtype == np.int64 and set(np.unique(ints)) == set(range(10))
    assert ints32.dtype == np.int32 and set(np.unique(ints32)) == set(range(5))
    assert abs(sn.mean()) < 0.1 and abs(rs.mean() - 0.5) < 0.05
    assert type(scalar) is float and 0 <= scalar < 1
    for a, b in zip(first, second):
        assert not np.array_equal(a, b), "two calls drew the same numbers"


def in_a_loop(n):
    total = np.zeros(3)
    for _ in range(n):
        total = total + np.random.rand(3)  # never hoisted out of the loop
    return total, np.random.rand(3), np.random.rand(3)


@pytest.mark.parametrize("backend", BACKENDS)
def test_draws_are_not_merged_hoisted_or_folded(backend):
    total, a, b = autograph.convert(in_a_loop, backend=backend)(np.int64(50))
    assert not np.array_equal(a, b)
    assert abs(total.mean() - 25) < 6 and len(set(total.tolist())) == 3


def test_python_backend_follows_numpy_seed():
    f = autograph.convert(lambda: np.random.rand(3), backend="python")
    np.random.seed(7)
    a = f()
    np.random.seed(7)
    np.testing.assert_array_equal(a, f())


def test_cuda_refuses_random_and_scans_at_compile_time():
    from autograph.codegen.cuda.backend import generate

    graph = autograph.convert(lambda x: x + np.random.rand(3)).lower(np.ones(3)).graph
    with pytest.raises(AutographError, match="random is not on cuda"):
        generate(graph)
    graph = autograph.convert(lambda x: np.cumsum(x)).lower(np.ones(3)).graph
    with pytest.raises(AutographError, match="cumsum is not on cuda"):
        generate(graph)


@pytest.mark.parametrize("call", [
    lambda: np.random.seed(0), lambda: np.random.choice(5), lambda: np.random.poisson(3.0, 4),
    lambda: np.random.default_rng(0), lambda: np.random.permutation(4),
])
def test_other_random_functions_are_refused(call):
    with pytest.raises(AutographError, match="not supported inside a converted function"):
        autograph.convert(lambda x: x + call())(np.ones(1))


RNG = np.random.default_rng(0)


def test_generator_methods_are_refused():
    with pytest.raises(AutographError, match="Generator.normal is not supported"):
        autograph.convert(lambda x: x + RNG.normal(size=3))(np.ones(3))


def test_random_outside_tracing_is_numpy():
    from autograph.operators.creation import call_creation

    np.random.seed(1)
    a = call_creation(np.random.rand, (2,), {})
    np.random.seed(1)
    np.testing.assert_array_equal(a, np.random.rand(2))
