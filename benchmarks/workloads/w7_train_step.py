"""W7: one SGD training step of the seed chapter's MLP (512→256→128→2, ReLU), float32.

The step is forward, softmax cross-entropy against one-hot labels, backward and the SGD
update, returning the six new parameters and the loss. The user writes it as NumPy plus
`autograph.value_and_grad(loss)` (`train_step` below, as in examples/train_mlp.py);
converted, the gradient is inlined and the whole step is one compiled program.

Systems: the same step with gradients derived by hand, in NumPy (the baseline) and in
`numba.njit` (hand Numba); PyTorch eager (autograd) and `jax.jit` of `jax.value_and_grad`.
Every system returns a tuple; the check compares all seven outputs, flattened. Bar:
faster than both peers, at batch 1 (dispatch-bound) and 64.
"""

from __future__ import annotations

import numba
import numpy as np

import autograph
from benchmarks import peers as peer_tools
from benchmarks.workloads import common
from benchmarks.workloads.w1_mlp import LAYERS, parameters


# ---- the user's step ------------------------------------------------------------------------


def loss(w1, b1, w2, b2, w3, b3, x, y):
    h1 = np.maximum(x @ w1 + b1, 0.0)
    h2 = np.maximum(h1 @ w2 + b2, 0.0)
    logits = h2 @ w3 + b3
    z = logits - np.max(logits, axis=1, keepdims=True)
    log_p = z - np.log(np.sum(np.exp(z), axis=1, keepdims=True))
    return -np.sum(log_p * y) / x.shape[0]


loss_and_grads = autograph.value_and_grad(loss, argnums=(0, 1, 2, 3, 4, 5))


def train_step(w1, b1, w2, b2, w3, b3, x, y, lr):
    """What autograph converts: given as is to autograph.convert."""
    value, (g1, gb1, g2, gb2, g3, gb3) = loss_and_grads(w1, b1, w2, b2, w3, b3, x, y)
    return (w1 - lr * g1, b1 - lr * gb1, w2 - lr * g2, b2 - lr * gb2,
            w3 - lr * g3, b3 - lr * gb3, value)


# ---- by hand: NumPy and Numba -------------------------------------------------------------------


def train_step_numpy(w1, b1, w2, b2, w3, b3, x, y, lr):
    """The baseline: the same step with the backward pass written out in NumPy."""
    n = x.shape[0]
    h1 = np.maximum(x @ w1 + b1, 0.0)
    h2 = np.maximum(h1 @ w2 + b2, 0.0)
    logits = h2 @ w3 + b3
    z = logits - np.max(logits, axis=1, keepdims=True)
    e = np.exp(z)
    s = np.sum(e, axis=1, keepdims=True)
    value = -np.sum((z - np.log(s)) * y) / n
    d3 = (e / s * np.sum(y, axis=1, keepdims=True) - y) / n   # d loss / d logits
    d2 = (d3 @ w3.T) * (h2 > 0)
    d1 = (d2 @ w2.T) * (h1 > 0)
    return (w1 - lr * (x.T @ d1), b1 - lr * d1.sum(axis=0), w2 - lr * (h1.T @ d2),
            b2 - lr * d2.sum(axis=0), w3 - lr * (h2.T @ d3), b3 - lr * d3.sum(axis=0), value)


@numba.njit(cache=True)
def _bias_relu(h, b):
    for i in range(h.shape[0]):
        for j in range(h.shape[1]):
            v = h[i, j] + b[j]
            h[i, j] = v if v > 0 else 0


@numba.njit(cache=True)
def _relu_grad(d, h):
    for i in range(d.shape[0]):
        for j in range(d.shape[1]):
            if h[i, j] <= 0:
                d[i, j] = 0


@numba.njit(cache=True)
def _sgd(w, g, lr):
    out = np.empty_like(w)
    flat_w, flat_g, flat_out = w.reshape(-1), g.reshape(-1), out.reshape(-1)
    for i in range(flat_w.size):
        flat_out[i] = flat_w[i] - lr * flat_g[i]
    return out


@numba.njit(cache=True)
def train_step_numba(w1, b1, w2, b2, w3, b3, x, y, lr):
    """Hand-written: BLAS products, bias/ReLU and its gradient in place, fused softmax."""
    n = x.shape[0]
    rate = np.float32(lr)
    h1 = x @ w1
    _bias_relu(h1, b1)
    h2 = h1 @ w2
    _bias_relu(h2, b2)
    logits = h2 @ w3
    d3 = np.empty_like(logits)
    total = 0.0
    for i in range(n):
        m = logits[i, 0] + b3[0]
        for j in range(1, logits.shape[1]):
            m = max(m, logits[i, j] + b3[j])
        s = np.float32(0.0)
        y_sum = np.float32(0.0)
        for j in range(logits.shape[1]):
            s += np.exp(logits[i, j] + b3[j] - m)
            y_sum += y[i, j]
        log_s = np.log(s)
        for j in range(logits.shape[1]):
            z = logits[i, j] + b3[j] - m
            total -= (z - log_s) * y[i, j]
            d3[i, j] = (np.exp(z) / s * y_sum - y[i, j]) / np.float32(n)
    d2 = d3 @ w3.T
    _relu_grad(d2, h2)
    d1 = d2 @ w2.T
    _relu_grad(d1, h1)
    return (_sgd(w1, x.T @ d1, rate), _sgd(b1, d1.sum(axis=0), rate),
            _sgd(w2, h1.T @ d2, rate), _sgd(b2, d2.sum(axis=0), rate),
            _sgd(w3, h2.T @ d3, rate), _sgd(b3, d3.sum(axis=0), rate),
            np.float32(total / n))


# ---- peers ----------------------------------------------------------------------------------


def peer_systems(peers: peer_tools.Peers) -> list[common.System]:
    systems = []
    if peers.jax is not None:
        jax, jnp = peers.jax, peers.jnp

        def loss_jax(w1, b1, w2, b2, w3, b3, x, y):
            h1 = jnp.maximum(x @ w1 + b1, 0.0)
            h2 = jnp.maximum(h1 @ w2 + b2, 0.0)
            logits = h2 @ w3 + b3
            return -jnp.sum(jax.nn.log_softmax(logits, axis=1) * y) / x.shape[0]

        def step_jax(w1, b1, w2, b2, w3, b3, x, y, lr):
            value, grads = jax.value_and_grad(loss_jax, argnums=(0, 1, 2, 3, 4, 5))(
                w1, b1, w2, b2, w3, b3, x, y)
            return (*(p - lr * g for p, g in zip((w1, b1, w2, b2, w3, b3), grads)), value)

        systems += peer_tools.jax_system(peers, step_jax)
    if peers.torch is not None:
        torch = peers.torch

        def step_torch(w1, b1, w2, b2, w3, b3, x, y, lr):
            params = [p.detach().requires_grad_() for p in (w1, b1, w2, b2, w3, b3)]
            with torch.enable_grad():  # peers.load turns autograd off globally
                h1 = torch.relu(x @ params[0] + params[1])
                h2 = torch.relu(h1 @ params[2] + params[3])
                logits = h2 @ params[4] + params[5]
                value = -(torch.log_softmax(logits, dim=1) * y).sum() / x.shape[0]
                grads = torch.autograd.grad(value, params)
            return (*(p.detach() - lr * g for p, g in zip(params, grads)), value.detach())

        systems += peer_tools.torch_systems(peers, step_torch, script=False, compile=False)
    return systems


# ---- cases ----------------------------------------------------------------------------------


def flatten(outputs) -> np.ndarray:
    """All seven outputs (arrays, tensors, scalars) as one vector, for the check. Numba
    returns a float32 scalar as a Python float: that one is taken as float32."""
    parts = []
    for out in outputs:
        if hasattr(out, "detach"):  # a torch tensor
            out = out.detach().numpy()
        parts.append(np.ravel(np.asarray(out, np.float32 if type(out) is float else None)))
    return np.concatenate(parts)


def inputs(batch: int, seed: int = 0) -> tuple:
    rng = np.random.default_rng(seed)
    params = parameters(rng)
    x = rng.standard_normal((batch, LAYERS[0])).astype(np.float32)
    y = np.eye(LAYERS[-1], dtype=np.float32)[rng.integers(0, LAYERS[-1], batch)]
    return (*params, x, y, 0.01)


def _flattened(systems: list[common.System]) -> list[common.System]:
    for system in systems:
        system.to_numpy = flatten
    return systems


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    batches = common.scaled((1, 64), size, quick=(1, 64), test=(3,))
    result = []
    for batch in batches:
        calls = common.scaled(300 if batch == 1 else 100, size, quick=30, test=1)
        systems = _flattened([
            common.System("NumPy (hand backprop)", common.BASELINE,
                          make=lambda: train_step_numpy),
            common.autograph_system(train_step),
            common.numba_system(train_step_numba, name="hand Numba (hand backprop)"),
            *peer_systems(peers)])
        bars = [common.ratio_bar("< fastest of torch eager and JAX jit", common.PEER, 1.0)]
        result.append(common.Case("W7", f"train step batch {batch}", inputs(batch), systems,
                                  calls, rtol=1e-4, atol=1e-5, bars=bars))
    return result
