"""autograph.runtime.differentiate.grad / value_and_grad on user functions, on every backend
(tests/backends.py: the reference interpreter and Numba CPU), against finite differences
of the plain function. Shapes stay tiny: each cpu case is one Numba compile."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.runtime.differentiate import grad, value_and_grad
from autograph.errors import AutographError
from backends import BACKENDS

RNG = np.random.default_rng(11)


def _numeric(f, args, argnum, eps=1e-6):
    args = list(args)
    x = np.array(args[argnum], dtype=np.float64)
    out = np.zeros(x.shape)
    for pos in np.ndindex(x.shape):
        vals = []
        for sign in (1, -1):
            shifted = x.copy()
            shifted[pos] += sign * eps
            args[argnum] = shifted if x.shape else float(shifted)
            vals.append(float(f(*args)))
        out[pos] = (vals[0] - vals[1]) / (2 * eps)
    return out


def looped(x, w, n):
    acc = x
    for i in range(n):
        acc = np.tanh(acc * w) + 0.1 * i
    if np.sum(acc) > 0:
        acc = acc * 2.0
    else:
        acc = acc - 1.0
    return np.sum(acc * acc)


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("strategy", ["store", "recompute"])
def test_grad_of_plain_function_with_loop_and_branch(strategy, backend):
    x, w = RNG.normal(size=3), RNG.normal(size=3)
    gx, gw = grad(looped, argnums=(0, 1), backend=backend, loop_strategy=strategy)(x, w, 4)
    np.testing.assert_allclose(gx, _numeric(looped, (x, w, 4), 0), rtol=1e-5, atol=1e-8)
    np.testing.assert_allclose(gw, _numeric(looped, (x, w, 4), 1), rtol=1e-5, atol=1e-8)


@pytest.mark.parametrize("backend", BACKENDS)
def test_value_and_grad_of_converted_function_uses_its_backend(backend):
    converted = autograph.convert(looped, backend=backend)
    x, w = RNG.normal(size=3), RNG.normal(size=3)
    value, gx = value_and_grad(converted)(x, w, 2)
    assert value == pytest.approx(looped(x, w, 2), rel=1e-12)
    np.testing.assert_allclose(gx, _numeric(looped, (x, w, 2), 0), rtol=1e-5, atol=1e-8)


def decay(x, c):
    while np.sum(x) > 1.0:
        x = x * 0.9 + c * 0.01
    return np.sum(x * c)


@pytest.mark.parametrize("backend", BACKENDS)
def test_grad_through_data_dependent_while(backend):
    x, c = np.array([2.0, 2.5]), np.array([0.5, 1.5])
    gx, gc = grad(decay, argnums=(0, 1), backend=backend)(x, c)
    np.testing.assert_allclose(gx, _numeric(decay, (x, c), 0), rtol=1e-5)
    np.testing.assert_allclose(gc, _numeric(decay, (x, c), 1), rtol=1e-5)


def mlp_loss(params, x):
    h = np.tanh(x @ params["w"] + params["b"])
    return np.mean((h @ params["v"][0]) ** 2) + 0.0 * params["v"][1]


@pytest.mark.parametrize("backend", BACKENDS)
def test_gradients_keep_the_structure_of_container_arguments(backend):
    params = {"w": RNG.normal(size=(3, 4)), "b": RNG.normal(size=4),
              "v": [RNG.normal(size=4), np.float64(0.5)]}
    x = RNG.normal(size=(5, 3))
    g = grad(mlp_loss, backend=backend)(params, x)
    assert set(g) == {"w", "b", "v"} and isinstance(g["v"], list)
    eps = 1e-6
    for key in ("w", "b"):
        num = np.zeros_like(params[key])
        for pos in np.ndindex(num.shape):
            hi = {**params, key: params[key].copy()}
            lo = {**params, key: params[key].copy()}
            hi[key][pos] += eps
            lo[key][pos] -= eps
            num[pos] = (mlp_loss(hi, x) - mlp_loss(lo, x)) / (2 * eps)
        np.testing.assert_allclose(g[key], num, rtol=1e-5, atol=1e-9)
    assert g["v"][0].shape == (4,)
    assert isinstance(g["v"][1], np.float64)


@pytest.mark.parametrize("backend", BACKENDS)
def test_python_float_and_numpy_scalar_arguments_get_gradients_of_their_kind(backend):
    def f(a, s, t):
        return np.sum(a * s) * t
    a = np.arange(3.0)
    gs, gt = grad(f, argnums=(1, 2), backend=backend)(a, 2.0, np.float32(3.0))
    assert type(gs) is float and gs == pytest.approx(9.0)
    assert type(gt) is np.float32 and gt == pytest.approx(6.0)


@pytest.mark.parametrize("backend", BACKENDS)
def test_traces_once_per_signature(backend):
    traces = []

    def f(x):
        traces.append(1)            # a Python side effect: runs at trace time only
        return np.sum(np.sin(x))

    df = grad(f, backend=backend)
    for _ in range(3):
        np.testing.assert_allclose(df(np.array([0.1, 0.2])), np.cos([0.1, 0.2]))
    df(np.ones(3))
    assert len(traces) == 2


def test_integer_argument_is_an_error_naming_it():
    with pytest.raises(AutographError, match="cannot differentiate with respect to 'n': it is i64"):
        grad(looped, argnums=2, backend="python")(np.ones(3), np.ones(3), 2)


def test_non_scalar_result_is_an_error():
    with pytest.raises(AutographError, match="0-d float"):
        grad(lambda x: x * 2.0, backend="python")(np.ones(3))
