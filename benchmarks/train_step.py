"""W7 on its own: one SGD training step of the seed chapter's MLP, float32, at batch 1 and
64 — autograph (the step as one converted function, `value_and_grad` inside) against
PyTorch eager and `jax.jit`, NumPy and Numba with hand-derived gradients.

    .venv/bin/python benchmarks/train_step.py                   # = run.py --only W7 --threads 1
    .venv/bin/python benchmarks/train_step.py --sources /tmp/w7 # keep the generated program
    .venv/bin/python benchmarks/train_step.py --threads 2       # any run.py option

The workload lives in benchmarks/workloads/w7_train_step.py, so `run.py` runs it with
the others and the smoke test checks it; this script only fixes the options: it runs
run.py as the main program, so `--threads` is applied before NumPy, Numba, PyTorch or JAX
load (their thread pools are sized then). Default one thread per library, as in
benchmarks/RESULTS.md. Writes JSON to benchmarks/results/train_step.json.
"""

from __future__ import annotations

import runpy
import sys
from pathlib import Path

HERE = Path(__file__).resolve().parent


def arguments(argv: list[str]) -> list[str]:
    """run.py's arguments: W7 only, one thread and its own JSON unless given."""
    args = ["--only", "W7", *argv]
    if not any(a == "--threads" or a.startswith("--threads=") for a in argv):
        args += ["--threads", "1"]
    if not any(a == "--json" or a.startswith("--json=") for a in argv):
        args += ["--json", str(HERE / "results" / "train_step.json")]
    return args


if __name__ == "__main__":
    sys.argv = [str(HERE / "run.py"), *arguments(sys.argv[1:])]
    runpy.run_path(sys.argv[0], run_name="__main__")
