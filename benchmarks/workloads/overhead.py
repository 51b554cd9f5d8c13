"""Per-call overhead: a converted function on a tiny input against the same function as a
hand-written `numba.njit`, called directly.

The work (`x + 1.0` on 4 float64 elements, one small allocation) is the same in both,
so the difference is autograph's call path: signature key, cache lookup, and whatever
wraps the compiled program. Target: ≤ 1.5× the direct call, or ≤ 2 µs more.
"""

from __future__ import annotations

import numba
import numpy as np

from benchmarks import peers as peer_tools
from benchmarks.workloads import common


def add_one(x):
    """The user's function (given as is to autograph.convert)."""
    return x + 1.0


@numba.njit(cache=True)
def add_one_numba(x):
    return x + 1.0


def cases(size: str, peers: peer_tools.Peers) -> list[common.Case]:
    systems = [common.baseline(add_one), common.autograph_system(add_one),
               common.numba_system(add_one_numba, "hand Numba (direct call)")]
    return [common.Case("overhead", "x + 1.0 on 4 elements", (np.arange(4.0),), systems,
                        calls=common.scaled(100_000, size, quick=10_000, test=1),
                        bars=[common.overhead_bar("≤ 1.5× or ≤ +2 µs vs hand Numba",
                                                  "hand Numba (direct call)", 1.5, 2e-6)])]
