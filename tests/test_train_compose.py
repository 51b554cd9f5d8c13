"""`grad` composes with `convert`: `convert(grad(loss))`, and a converted training step that
calls `grad` / `value_and_grad` inside, on every backend — against `grad` run on its own
(compiled by itself) and against finite differences of the plain loss.

Inside a trace, `grad` inlines the VJP graph into the enclosing graph (differentiate.py,
`_inline`): these tests check the results, that the step is one graph (no nested
program), that it works inside a staged loop, with container arguments, and that a
Python scalar the loss needs concretely makes the enclosing function's argument static.
"""

from __future__ import annotations

import numpy as np
import pytest
from backends import BACKENDS

import autograph
from autograph import ir

RNG = np.random.default_rng(5)


def loss(w, b, x, y):
    """Softmax cross-entropy of a one-layer model: what the training example minimises."""
    logits = np.tanh(x @ w + b)
    z = logits - np.max(logits, axis=1, keepdims=True)
    logp = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(logp * y) / x.shape[0]


def _data(dtype=np.float64):
    w = RNG.normal(size=(4, 3)).astype(dtype)
    b = RNG.normal(size=3).astype(dtype)
    x = RNG.normal(size=(5, 4)).astype(dtype)
    y = np.eye(3, dtype=dtype)[RNG.integers(0, 3, 5)]
    return w, b, x, y


def _numeric(f, args, argnum, eps=1e-6):
    args = list(args)
    base = np.array(args[argnum], dtype=np.float64)
    out = np.zeros(base.shape)
    for pos in np.ndindex(base.shape):
        hi, lo = base.copy(), base.copy()
        hi[pos] += eps
        lo[pos] -= eps
        out[pos] = (f(*args[:argnum], hi, *args[argnum + 1:])
                    - f(*args[:argnum], lo, *args[argnum + 1:])) / (2 * eps)
    return out


@pytest.mark.parametrize("backend", BACKENDS)
def test_convert_of_grad_matches_grad_and_finite_differences(backend):
    args = _data()
    converted = autograph.convert(autograph.grad(loss, argnums=(0, 1)), backend=backend)
    gw, gb = converted(*args)
    want_w, want_b = autograph.grad(loss, argnums=(0, 1), backend="python")(*args)
    np.testing.assert_allclose(gw, want_w, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gb, want_b, rtol=1e-10, atol=1e-12)
    np.testing.assert_allclose(gw, _numeric(loss, args, 0), rtol=1e-5, atol=1e-8)
    assert gw.dtype == np.float64 and gb.shape == (3,)


@pytest.mark.parametrize("backend", BACKENDS)
def test_convert_of_value_and_grad_returns_both(backend):
    args = _data()
    value, gw = autograph.convert(autograph.value_and_grad(loss), backend=backend)(*args)
    assert isinstance(value, np.float64)
    assert value == pytest.approx(loss(*args), rel=1e-12)
    np.testing.assert_allclose(gw, _numeric(loss, args, 0), rtol=1e-5, atol=1e-8)


def step(w, b, x, y, lr):
    """One SGD step, whole: loss, gradients and update in one converted function."""
    value, (gw, gb) = autograph.value_and_grad(loss, argnums=(0, 1))(w, b, x, y)
    return w - lr * gw, b - lr * gb, value


@pytest.mark.parametrize("backend", BACKENDS)
@pytest.mark.parametrize("dtype", [np.float64, np.float32])
def test_converted_training_step_matches_the_step_run_as_written(backend, dtype):
    args = _data(dtype)
    converted = autograph.convert(step, backend=backend)
    got = converted(*args, 0.1)
    want = step(*args, 0.1)  # plain Python: value_and_grad compiled on its own
    tol = dict(rtol=1e-10, atol=1e-12) if dtype == np.float64 else dict(rtol=2e-5, atol=1e-6)
    for g, w in zip(got, want):
        assert np.asarray(g).dtype == np.asarray(w).dtype == dtype
        np.testing.assert_allclose(g, w, **tol)
    assert type(got[2]) is type(want[2]) is np.dtype(dtype).type


def test_the_step_is_one_graph_with_the_gradient_inlined():
    lowered = autograph.convert(step, backend="python").lower(*_data(), 0.1)
    ops = {node.op for node in lowered.graph.walk()}
    assert {ir.Op.MATMUL, ir.Op.EXP, ir.Op.TANH} <= ops
    assert len(lowered.graph.outputs) == 3
    # the gradient's matmuls (x.T @ ct) are in the same graph as the forward one
    assert sum(node.op is ir.Op.MATMUL for node in lowered.graph.walk()) >= 2


def train(w, b, x, y, lr, steps):
    """A training loop staged as one loop region, `grad` called in its body."""
    dloss = autograph.grad(loss, argnums=(0, 1))
    for _ in range(steps):
        gw, gb = dloss(w, b, x, y)
        w = w - lr * gw
        b = b - lr * gb
    return w, b


@pytest.mark.parametrize("backend", BACKENDS)
def test_grad_inside_a_staged_loop(backend):
    w, b, x, y = _data()
    converted = autograph.convert(train, backend=backend)
    got_w, got_b = converted(w, b, x, y, 0.5, 7)
    want_w, want_b = train(w, b, x, y, 0.5, 7)
    np.testing.assert_allclose(got_w, want_w, rtol=1e-9, atol=1e-12)
    np.testing.assert_allclose(got_b, want_b, rtol=1e-9, atol=1e-12)
    assert loss(got_w, got_b, x, y) < loss(w, b, x, y)
    # the loop was staged, not unrolled: one loop region whatever the step count
    graph = converted.lower(w, b, x, y, 0.5, 7).graph
    assert sum(node.op in (ir.Op.FOR, ir.Op.WHILE) for node in graph.walk()) == 1


def dict_loss(params, x):
    h = np.tanh(x @ params["w"] + params["b"])
    return np.mean(h * h)


def dict_step(params, x, lr):
    grads = autograph.grad(dict_loss)(params, x)
    return {k: params[k] - lr * grads[k] for k in ("w", "b")}


def test_container_arguments_inside_a_converted_step():
    params = {"w": RNG.normal(size=(3, 2)), "b": RNG.normal(size=2)}
    x = RNG.normal(size=(4, 3))
    got = autograph.convert(dict_step)(params, x, 0.3)
    want = dict_step(params, x, 0.3)
    assert set(got) == {"w", "b"}
    for k in want:
        np.testing.assert_allclose(got[k], want[k], rtol=1e-10, atol=1e-12)


def shaped_loss(x, n):
    return np.sum(np.tanh(x) * np.ones(n))


def shaped_step(x, n):
    return x - 0.1 * autograph.grad(shaped_loss)(x, n)


def test_a_scalar_the_loss_needs_concretely_makes_the_outer_argument_static():
    converted = autograph.convert(shaped_step, backend="python")
    x = RNG.normal(size=3)
    np.testing.assert_allclose(converted(x, 3), shaped_step(x, 3), rtol=1e-12)
    assert "`n` made static" in converted.explain()


def test_captured_arrays_of_the_loss_are_read_by_the_step():
    target = RNG.normal(size=3)

    def captured_loss(x):
        return np.sum((x - target) ** 2)

    def captured_step(x):
        return x - 0.25 * autograph.grad(captured_loss)(x)

    x = RNG.normal(size=3)
    np.testing.assert_allclose(autograph.convert(captured_step, backend="python")(x),
                               x - 0.5 * (x - target), rtol=1e-12)
