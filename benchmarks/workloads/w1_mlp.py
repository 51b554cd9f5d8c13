"""W1: the seed chapter's MLP 512→256→128→2 with ReLU, float32, at batch 1, 64 and 4096.

The chapter hybridises exactly this network; batch 1 is all per-call overhead (three
small matrix-vector products), batch 4096 is all BLAS. Bars: batch 1 ≤ 0.5× NumPy;
batch 64 and 4096 ≤ the fastest peer.
"""

from __future__ import annotations

import numba
import numpy as np

from benchmarks import peers as peer_tools
from benchmarks.workloads import common

LAYERS = (512, 256, 128, 2)


def mlp(x, w1, b1, w2, b2, w3, b3):
    """The user's function (given as is to autograph.convert)."""
    h = np.maximum(x @ w1 + b1, 0.0)
    h = np.maximum(h @ w2 + b2, 0.0)
    return h @ w3 + b3


@numba.njit(cache=True)
def _bias_relu(h, b):
    for i in range(h.shape[0]):
        for j in range(h.shape[1]):
            v = h[i, j] + b[j]
            h[i, j] = v if v > 0 else 0


@numba.njit(cache=True)
def mlp_numba(x, w1, b1, w2, b2, w3, b3):
    """Hand-written: BLAS products, bias and ReLU in place."""
    h = x @ w1
    _bias_relu(h, b1)
    h2 = h @ w2
    _bias_relu(h2, b2)
    out = h2 @ w3
    for i in range(out.shape[0]):
        for j in range(out.shape[1]):
            out[i, j] += b3[j]
    return out


def parameters(rng: np.random.Generator) -> tuple[np.ndarray, ...]:
    """Weights and biases (He-scaled so activations stay O(1)), float32."""
    params = []
    for fan_in, fan_out in zip(LAYERS, LAYERS[1:]):
        params.append((rng.standard_normal((fan_in, fan_out)) * np.sqrt(2 / fan_in)).astype(np.float32))
        params.append((rng.standard_normal(fan_out) * 0.1).astype(np.float32))
    return tuple(params)


def inputs(batch: int, seed: int = 0) -> tuple[np.ndarray, ...]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal((batch, LAYERS[0])).astype(np.float32), *parameters(rng))


def peer_systems(peers: peer_tools.Peers) -> list[common.System]:
    systems = []
    if peers.jax is not None:
        jnp = peers.jnp

        def mlp_jax(x, w1, b1, w2, b2, w3, b3):
            h = jnp.maximum(x @ w1 + b1, 0.0)
            h = jnp.maximum(h @ w2 + b2, 0.0)
            return h @ w3 + b3

        systems += peer_tools.jax_system(peers, mlp_jax)
    if peers.torch is not None:
        torch = peers.torch

        def mlp_torch(x, w1, b1, w2, b2, w3, b3):
            h = torch.relu(x @ w1 + b1)
            h = torch.relu(h @ w2 + b2)
            return h @ w3 + b3

        systems += peer_tools.torch_systems(peers, mlp_torch)
    if peers.tf is not None:
        tf = peers.tf

        def mlp_tf(x, w1, b1, w2, b2, w3, b3):
            h = tf.nn.relu(x @ w1 + b1)
            h = tf.nn.relu(h @ w2 + b2)
            return h @ w3 + b3

        systems += peer_tools.tf_system(peers, mlp_tf)
    return systems


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    batches = common.scaled((1, 64, 4096), size, quick=(1, 64, 1024), test=(1, 3))
    result = []
    for batch in batches:
        calls = 1000 if batch < 1024 else 30
        calls = common.scaled(calls, size, quick=max(1, calls // 10), test=1)
        if batch == 1:
            bars = [common.ratio_bar("≤ 0.5× NumPy", "NumPy", 0.5)]
        else:
            bars = [common.ratio_bar("≤ fastest peer", common.PEER, 1.0)]
        systems = [common.baseline(mlp), common.autograph_system(mlp),
                   common.numba_system(mlp_numba), *peer_systems(peers)]
        result.append(common.Case("W1", f"MLP batch {batch}", inputs(batch), systems, calls,
                                  rtol=1e-4, atol=1e-4, bars=bars))
    return result
