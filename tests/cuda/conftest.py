"""The CUDA backend's run-time tests: only where kernels can run.

They need NUMBA_ENABLE_CUDASIM=1 set before numba is imported (so a pytest process of
their own: `NUMBA_ENABLE_CUDASIM=1 .venv/bin/python -m pytest tests/cuda`) or a real GPU
(`benchmarks/gpu_check.sh` runs them there). Anywhere else the directory is skipped, so a
plain `pytest tests` on a CPU-only machine collects nothing here.
"""

from __future__ import annotations

import os

import pytest


def _kernels_can_run() -> bool:
    if os.environ.get("NUMBA_ENABLE_CUDASIM") == "1":
        return True
    from autograph.codegen.cuda import runtime as cuda_runtime

    return cuda_runtime.unavailable_reason() is None


if not _kernels_can_run():
    collect_ignore_glob = ["test_*.py"]


@pytest.fixture(scope="session")
def cuda_cache(tmp_path_factory):
    """One folder for every generated CUDA program of the session."""
    return tmp_path_factory.mktemp("cuda_programs")


@pytest.fixture(scope="session")
def compile_cuda(cuda_cache):
    """compile(graph, **options) -> program, with the session's cache folder and, unless
    given, the simulator-sized target (tiny blocks and tiles: every path is exercised on
    small shapes, and real devices run it as well)."""
    from autograph.codegen.cuda import runtime as cuda_runtime
    from autograph.codegen.cuda import backend as numba_cuda

    def compile(graph, target=cuda_runtime.SIMULATOR_TARGET, **options):
        return numba_cuda.compile_graph(graph, cuda_cache, target=target, **options)

    return compile


@pytest.fixture(scope="session")
def check_graph(compile_cuda):
    """check(graph, *args, **options): the CUDA program gives the interpreter's results.

    On a real GPU each graph also runs with the device target (full-size blocks and
    tiles), so both targets' kernels are checked there.
    """
    from autograph.codegen.cuda import runtime as cuda_runtime
    from autograph.ir import run
    from cuda_support import assert_all_same

    targets = [cuda_runtime.SIMULATOR_TARGET]
    if not cuda_runtime.simulating():
        targets.append(cuda_runtime.DEVICE_TARGET)

    def check(graph, *args, **options):
        want = run(graph, *args)
        for target in targets:
            got = compile_cuda(graph, target=target, **options)(*args)
            assert_all_same(got, want, f"{graph.name} on {target}")
        return got

    return check
