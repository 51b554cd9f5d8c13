"""W4: an RNN, `h = tanh(x[t] @ Wx + h @ Wh + b)` for 100 steps, input 64, hidden 128.

A staged `for` over range(T) with loop-carried state: autograph traces the body once
and emits one loop. At batch 1 every step is two small products plus a fused tanh, so
per-step overhead decides; at batch 64 the products do. Bar: faster than JAX (which
needs `lax.fori_loop` to avoid unrolling 100 steps).
"""

from __future__ import annotations

import numba
import numpy as np

from benchmarks import peers as peer_tools
from benchmarks.workloads import common

STEPS, INPUT, HIDDEN = 100, 64, 128


def rnn(xs, h, wx, wh, b):
    """The user's function (given as is to autograph.convert)."""
    for t in range(xs.shape[0]):
        h = np.tanh(xs[t] @ wx + h @ wh + b)
    return h


@numba.njit(cache=True)
def rnn_numba(xs, h, wx, wh, b):
    """Hand-written: BLAS products per step, bias and tanh in place."""
    for t in range(xs.shape[0]):
        a = np.ascontiguousarray(xs[t]) @ wx
        r = h @ wh
        for i in range(a.shape[0]):
            for j in range(a.shape[1]):
                a[i, j] = np.tanh(a[i, j] + r[i, j] + b[j])
        h = a
    return h


def inputs(batch: int, steps: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)

    def normal(*shape, scale=1.0):
        return (rng.standard_normal(shape) * scale).astype(np.float32)

    return (normal(steps, batch, INPUT), np.zeros((batch, HIDDEN), np.float32),
            normal(INPUT, HIDDEN, scale=INPUT ** -0.5), normal(HIDDEN, HIDDEN, scale=HIDDEN ** -0.5),
            normal(HIDDEN, scale=0.1))


def peer_systems(peers: peer_tools.Peers) -> list[common.System]:
    systems = []
    if peers.jax is not None:
        jnp, lax = peers.jnp, peers.lax

        def rnn_jax(xs, h, wx, wh, b):
            def step(t, h):
                return jnp.tanh(xs[t] @ wx + h @ wh + b)

            return lax.fori_loop(0, xs.shape[0], step, h)

        systems += peer_tools.jax_system(peers, rnn_jax, name="JAX jit (fori_loop)")
    if peers.torch is not None:
        torch = peers.torch

        def rnn_torch(xs, h, wx, wh, b):
            for t in range(xs.shape[0]):
                h = torch.tanh(xs[t] @ wx + h @ wh + b)
            return h

        systems += peer_tools.torch_systems(peers, rnn_torch)
    if peers.tf is not None:
        tf = peers.tf

        def rnn_tf(xs, h, wx, wh, b):
            for t in tf.range(xs.shape[0]):  # tf.function's AutoGraph stages this loop
                h = tf.tanh(xs[t] @ wx + h @ wh + b)
            return h

        systems += peer_tools.tf_system(peers, rnn_tf)
    return systems


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    steps = common.scaled(STEPS, size, quick=20, test=5)
    result = []
    for batch in common.scaled((1, 64), size, quick=(1, 16), test=(1, 3)):
        calls = common.scaled(200 if batch == 1 else 50, size, quick=20, test=1)
        systems = [common.baseline(rnn), common.autograph_system(rnn),
                   common.numba_system(rnn_numba), *peer_systems(peers)]
        result.append(common.Case("W4", f"RNN {steps} steps, batch {batch}",
                                  inputs(batch, steps), systems, calls, rtol=1e-4, atol=1e-5,
                                  bars=[common.ratio_bar("faster than JAX", "JAX jit (fori_loop)", 1.0)]))
    return result
