"""W3: Collatz step counts — a `while` on an int, and a loop of them.

`collatz_steps(837799)` (524 steps: per-call overhead plus a short scalar loop) and
`collatz_total(100000)`, the sum of the step counts of 1..100000 (about 10.9 million
loop iterations: the loop itself). The baseline is the function run by CPython on
Python ints. Bars: ≤ 1.3× hand Numba, ≥ 50× plain Python.
"""

from __future__ import annotations

import numba

from benchmarks import peers as peer_tools
from benchmarks.workloads import common


def collatz_steps(n):
    """The user's functions (given as they are to autograph.convert)."""
    steps = 0
    while n != 1:
        if n % 2 == 0:
            n = n // 2
        else:
            n = 3 * n + 1
        steps += 1
    return steps


def collatz_total(limit):
    total = 0
    for k in range(1, limit + 1):
        total += collatz_steps(k)
    return total


# Hand-written Numba: the same loop, compiled by Numba directly.
collatz_steps_numba = numba.njit(cache=True)(collatz_steps)


@numba.njit(cache=True)
def collatz_total_numba(limit):
    total = 0
    for k in range(1, limit + 1):
        total += collatz_steps_numba(k)
    return total


def peer_systems(peers: peer_tools.Peers, total: bool) -> list[common.System]:
    systems = []
    if peers.jax is not None:
        jnp, lax = peers.jnp, peers.lax

        def steps_jax(n):
            def body(state):
                m, steps = state
                m = lax.cond(m % 2 == 0, lambda v: v // 2, lambda v: 3 * v + 1, m)
                return m, steps + 1

            return lax.while_loop(lambda s: s[0] != 1, body, (jnp.int64(n), jnp.int64(0)))[1]

        def total_jax(limit):
            return lax.fori_loop(1, limit + 1, lambda k, t: t + steps_jax(k), jnp.int64(0))

        systems += peer_tools.jax_system(peers, total_jax if total else steps_jax,
                                         name="JAX jit (while_loop)")
    if peers.torch is not None:

        def steps_torch(n: int) -> int:
            steps = 0
            while n != 1:
                if n % 2 == 0:
                    n = n // 2
                else:
                    n = 3 * n + 1
                steps += 1
            return steps

        def total_torch(limit: int) -> int:
            total = 0
            for k in range(1, limit + 1):
                n = k
                while n != 1:
                    if n % 2 == 0:
                        n = n // 2
                    else:
                        n = 3 * n + 1
                    total += 1
            return total

        systems += peer_tools.torch_systems(peers, total_torch if total else steps_torch,
                                            eager=False, compile=False)
    if peers.tf is not None:
        tf = peers.tf

        def steps_tf(n):
            n = tf.constant(n, tf.int64)
            steps = tf.constant(0, tf.int64)
            while n != 1:  # tf.function's own AutoGraph stages this
                if n % 2 == 0:
                    n = n // 2
                else:
                    n = 3 * n + 1
                steps += 1
            return steps

        if not total:
            systems += peer_tools.tf_system(peers, steps_tf)
    return systems


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    start = common.scaled(837799, size, quick=837799, test=27)
    limit = common.scaled(100_000, size, quick=10_000, test=100)
    bars = [common.ratio_bar("≤ 1.3× hand Numba", "hand Numba", 1.3),
            common.speedup_bar("≥ 50× Python", "Python", 50)]
    single = common.Case(
        "W3", f"collatz_steps({start})", (start,),
        [common.baseline(collatz_steps, "Python"), common.autograph_system(collatz_steps),
         common.numba_system(collatz_steps_numba), *peer_systems(peers, total=False)],
        calls=common.scaled(10_000, size, quick=1000, test=1), bars=bars)
    summed = common.Case(
        "W3", f"collatz_total({limit:,})", (limit,),
        [common.baseline(collatz_total, "Python"), common.autograph_system(collatz_total),
         common.numba_system(collatz_total_numba), *peer_systems(peers, total=True)],
        calls=1, bars=bars)
    return [single, summed]
