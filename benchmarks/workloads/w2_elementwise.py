"""W2: a fused elementwise expression over 10,000,000 elements, float32 and float64.

    np.tanh(x * 0.5 + y) * np.exp(-x * x) + 1.0

NumPy makes five temporaries; a fused loop makes none, so the memory floor is one pass:
2 reads + 1 write. The floor is measured in the same run as a plain single-threaded
`np.copyto` of 1.5·N elements, which reads and writes the same 3·N·itemsize bytes; GB/s
are those bytes over the time. The math, not memory, is what decides (DESIGN.md,
Performance notes): Numba calls scalar libm tanh/exp. Bars: ≤ 1.3× the copy, faster
than NumPy and than JAX.
"""

from __future__ import annotations

import numba
import numpy as np

from benchmarks import peers as peer_tools
from benchmarks.workloads import common


def elementwise(x, y):
    """The user's function (given as is to autograph.convert)."""
    return np.tanh(x * 0.5 + y) * np.exp(-x * x) + 1.0


def _kernel(dtype, parallel: bool):
    """Hand-written loop with constants of the arrays' dtype (float32 math for float32)."""
    half, one = np.dtype(dtype).type(0.5), np.dtype(dtype).type(1.0)

    @numba.njit(parallel=parallel)
    def elementwise_numba(x, y):
        out = np.empty_like(x)
        for i in numba.prange(x.size):
            a = x[i]
            out[i] = np.tanh(a * half + y[i]) * np.exp(-a * a) + one
        return out

    return elementwise_numba


def copy_floor(dtype, n: int):
    """`np.copyto` of 1.5·n elements: the same bytes read + written as W2 on n."""
    size = (3 * n) // 2
    src = np.ones(size, dtype)
    dst = np.empty_like(src)

    def copy(x, y):
        np.copyto(dst, src)

    return copy


def inputs(n: int, dtype, seed: int = 0) -> tuple[np.ndarray, np.ndarray]:
    rng = np.random.default_rng(seed)
    return (rng.standard_normal(n).astype(dtype), rng.standard_normal(n).astype(dtype))


def peer_systems(peers: peer_tools.Peers) -> list[common.System]:
    systems = []
    if peers.jax is not None:
        jnp = peers.jnp

        def elementwise_jax(x, y):
            return jnp.tanh(x * 0.5 + y) * jnp.exp(-x * x) + 1.0

        systems += peer_tools.jax_system(peers, elementwise_jax)
    if peers.torch is not None:
        torch = peers.torch

        def elementwise_torch(x, y):
            return torch.tanh(x * 0.5 + y) * torch.exp(-x * x) + 1.0

        systems += peer_tools.torch_systems(peers, elementwise_torch)
    if peers.tf is not None:
        tf = peers.tf

        def elementwise_tf(x, y):
            return tf.tanh(x * 0.5 + y) * tf.exp(-x * x) + 1.0

        systems += peer_tools.tf_system(peers, elementwise_tf)
    return systems


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    n = common.scaled(10_000_000, size, quick=1_000_000, test=1000)
    calls = common.scaled(1, size, quick=3, test=1)
    result = []
    for dtype, rtol, atol in ((np.float32, 1e-5, 1e-6), (np.float64, 1e-12, 1e-14)):
        name = np.dtype(dtype).name
        floor = f"copy (np.copyto, {3 * n * np.dtype(dtype).itemsize / 1e6:.0f} MB moved)"
        systems = [
            common.baseline(elementwise),
            common.autograph_system(elementwise),
            common.numba_system(_kernel(dtype, False), "hand Numba (serial)"),
            common.numba_system(_kernel(dtype, True), "hand Numba (prange)"),
            common.System(floor, common.FLOOR, make=lambda d=dtype: copy_floor(d, n), check=False),
            *peer_systems(peers),
        ]
        bars = [common.ratio_bar("≤ 1.3× copy", floor, 1.3),
                common.ratio_bar("faster than NumPy", "NumPy", 1.0),
                common.ratio_bar("faster than JAX", "JAX jit", 1.0)]
        result.append(common.Case("W2", f"elementwise {name}, n={n:,}", inputs(n, dtype), systems,
                                  calls, rtol=rtol, atol=atol, bars=bars,
                                  bytes_moved=3 * n * np.dtype(dtype).itemsize, floor=floor))
    return result
