"""W6: a data-dependent branch, `if np.sum(x) > 0: x * 2.0 else: -x`, 1000 elements.

A staged `cond` around a reduction and two elementwise branches: small enough that the
per-call path decides (DESIGN.md: every peer loses to hand Numba on dispatch).
10,000 calls per sample. Bar: ≤ 1.3× hand Numba.
"""

from __future__ import annotations

import numba
import numpy as np

from benchmarks import peers as peer_tools
from benchmarks.workloads import common


def sign_scale(x):
    """The user's function (given as is to autograph.convert)."""
    if np.sum(x) > 0:
        return x * 2.0
    return -x


@numba.njit(cache=True)
def sign_scale_numba(x):
    if np.sum(x) > 0:
        return x * 2.0
    return -x


def peer_systems(peers: peer_tools.Peers) -> list[common.System]:
    systems = []
    if peers.jax is not None:
        jnp, lax = peers.jnp, peers.lax

        def sign_scale_jax(x):
            return lax.cond(jnp.sum(x) > 0, lambda v: v * 2.0, lambda v: -v, x)

        systems += peer_tools.jax_system(peers, sign_scale_jax, name="JAX jit (lax.cond)")
    if peers.torch is not None:
        torch = peers.torch

        def sign_scale_torch(x):
            if bool(torch.sum(x) > 0):
                return x * 2.0
            return -x

        systems += peer_tools.torch_systems(peers, sign_scale_torch)
    if peers.tf is not None:
        tf = peers.tf

        def sign_scale_tf(x):
            if tf.reduce_sum(x) > 0:  # tf.function's AutoGraph stages this
                return x * 2.0
            return -x

        systems += peer_tools.tf_system(peers, sign_scale_tf)
    return systems


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    x = np.random.default_rng(0).standard_normal(1000)
    x = x if x.sum() > 0 else -x
    systems = [common.baseline(sign_scale), common.autograph_system(sign_scale),
               common.numba_system(sign_scale_numba), *peer_systems(peers)]
    cases = []
    for label, value in (("sum > 0", x), ("sum < 0", -x)):
        calls = common.scaled(10_000, size, quick=1000, test=1)
        cases.append(common.Case("W6", f"if np.sum(x) > 0, 1000 elements, {label}", (value,),
                                 systems, calls,
                                 bars=[common.ratio_bar("≤ 1.3× hand Numba", "hand Numba", 1.3)]))
    return cases
