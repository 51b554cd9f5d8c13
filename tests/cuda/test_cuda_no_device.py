"""Without a GPU and without the simulator, importing works and compiling says why not."""

from __future__ import annotations

import os
import subprocess
import sys
import textwrap

import pytest

from autograph.codegen.cuda import runtime as cuda_runtime

_SCRIPT = textwrap.dedent("""
    import numpy as np
    import autograph
    from autograph.codegen.cuda import backend as numba_cuda
    from autograph.errors import AutographError
    from autograph.ir import Builder, Op, TensorType
    b = Builder("g")
    x = b.add_input(TensorType((3,), np.float32), "x")
    g = b.finish([b.emit(Op.NEG, [x])])
    assert "def g(x):" in numba_cuda.generate(g)   # generation needs no device
    try:
        numba_cuda.compile_graph(g)
    except AutographError as exc:
        print("ERROR:", exc)
""")


def test_no_device_is_an_autograph_error(tmp_path):
    if not cuda_runtime.simulating():
        pytest.skip("a real GPU is present: nothing to refuse")
    env = {k: v for k, v in os.environ.items() if k != "NUMBA_ENABLE_CUDASIM"}
    env["XDG_CACHE_HOME"] = str(tmp_path)
    done = subprocess.run([sys.executable, "-c", _SCRIPT], env=env, capture_output=True,
                          text=True, timeout=120)
    assert done.returncode == 0, done.stderr
    if "ERROR:" not in done.stdout:
        pytest.skip("this machine has a GPU: compile_graph succeeded")
    assert "ERROR: no CUDA device:" in done.stdout
