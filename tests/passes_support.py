"""Shared by the pass tests: build constants, optimise, and check results did not change."""

from __future__ import annotations

import contextlib
import io
import re
import textwrap

import numpy as np

from autograph.ir import Op, TensorType, run, verify
from autograph.passes import run_passes

T = TensorType
F32, F64, I32, I64, B1 = np.float32, np.float64, np.int32, np.int64, np.bool_
WEAK_I64 = T((), I64, True)
WEAK_F64 = T((), F64, True)


def const(b, value):
    return b.emit(Op.CONSTANT, [], value=value)


def dedent(text: str) -> str:
    return textwrap.dedent(text).lstrip("\n")


def run_printing(graph, *args):
    """Runs `graph` with the interpreter; returns (outputs, what it printed)."""
    out = io.StringIO()
    with contextlib.redirect_stdout(out), np.errstate(all="ignore"):
        results = run(graph, *args, check=True)
    return results, out.getvalue()


def _zero_sign(text: str) -> str:
    # x+0 -> x may keep a -0.0 that the unoptimised graph printed as 0.0 (they compare equal)
    return re.sub(r"-0\.(0*)(?![0-9])", r"0.\1", text)


def assert_same_results(before, after, *args) -> None:
    """Both graphs verify and give equal values, shapes and dtypes, and print the same."""
    verify(before)
    verify(after)
    want, want_out = run_printing(before, *args)
    got, got_out = run_printing(after, *args)
    assert len(got) == len(want)
    for g, w in zip(got, want):
        assert g.dtype == w.dtype and g.shape == w.shape, (g, w)
        np.testing.assert_array_equal(g, w)
    assert _zero_sign(got_out) == _zero_sign(want_out)


def optimize(graph, *passes, args=None):
    """Runs `passes` (names) with verification; checks results on `args` if given."""
    after, report = run_passes(graph, list(passes), verify=True)
    if args is not None:
        assert_same_results(graph, after, *args)
    return after, report
