"""The benchmark workloads, one module each, by the id `run.py --only` takes.

W1–W6 are the optimiser issue's workloads, W7 a whole training step (forward, loss,
backward, SGD update) of W1's MLP; `latency` is W1's first call (cold and from
the disk cache, in fresh processes); `overhead` is the per-call cost of a converted
function over a direct call of the same hand-written Numba function.

Modules are imported on demand (`load`), so a child process that runs one of them as
`python -m` does not import it twice.
"""

from __future__ import annotations

import importlib
from types import ModuleType

WORKLOADS = {
    "W1": "w1_mlp",
    "W2": "w2_elementwise",
    "W3": "w3_collatz",
    "W4": "w4_rnn",
    "W5": "w5_mandelbrot",
    "W6": "w6_cond",
    "W7": "w7_train_step",
    "latency": "latency",
    "overhead": "overhead",
}


def load(workload_id: str) -> ModuleType:
    """The module of workload `workload_id` (a key of WORKLOADS)."""
    return importlib.import_module(f"{__name__}.{WORKLOADS[workload_id]}")
