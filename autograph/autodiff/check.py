"""Gradient checking: `vjp_graph` against central finite differences.

The tests of every VJP rule and of control flow use this, and so can anyone adding an
op: build a small graph, call `check_grads`. It also verifies the produced graph and runs
it with the interpreter's type checks on, so a rule that emits ill-typed ops fails here
rather than in a backend. Use float64 inputs: finite differences in float32 are too
coarse to check anything.
"""

from __future__ import annotations

from typing import Sequence

import numpy as np

from autograph.autodiff.reverse import vjp_graph
from autograph.ir.graph import Graph
from autograph.ir.interpreter import run
from autograph.ir.verifier import verify


def numerical_gradients(graph: Graph, args: Sequence, wrt: Sequence[int],
                        output_index: int = 0, eps: float = 1e-6) -> list[np.ndarray]:
    """d output / d args[i] for i in wrt, by central differences, one element at a time."""
    args = [np.array(a, dtype=p.type.dtype) for a, p in zip(args, graph.inputs)]
    grads = []
    for i in wrt:
        grad = np.zeros(args[i].shape, np.float64)
        for pos in np.ndindex(args[i].shape):
            values = []
            for sign in (1, -1):
                shifted = [a.copy() for a in args]
                shifted[i][pos] += sign * eps
                values.append(float(run(graph, *shifted)[output_index]))
            grad[pos] = (values[0] - values[1]) / (2 * eps)
        grads.append(grad)
    return grads


def check_grads(graph: Graph, args: Sequence, wrt: Sequence[int], output_index: int = 0, *,
                loop_strategy: str = "store", rtol: float = 1e-5, atol: float = 1e-7,
                eps: float = 1e-6) -> list[np.ndarray]:
    """Asserts vjp_graph's gradients match finite differences; returns them.

    Also asserts the vjp graph verifies and reproduces the original outputs exactly, and
    that each gradient has its input's shape and dtype.
    """
    vjp = vjp_graph(graph, wrt, output_index, loop_strategy=loop_strategy)
    verify(vjp)
    results = run(vjp, *args, check=True)
    n = len(graph.outputs)
    for got, want in zip(results[:n], run(graph, *args)):
        np.testing.assert_array_equal(got, want, err_msg="vjp graph changed an output")
    grads = results[n:]
    expected = numerical_gradients(graph, args, wrt, output_index, eps)
    for i, got, want in zip(wrt, grads, expected):
        param = graph.inputs[i].type
        assert got.shape == param.shape and got.dtype == param.dtype, (
            f"gradient for {graph.input_names[i]} is {got.dtype}{list(got.shape)}, "
            f"expected {param.strong()}")
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol,
                                   err_msg=f"gradient for {graph.input_names[i]}")
    return grads
