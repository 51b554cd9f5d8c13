"""`return` inside staged `if`s: the optimised graph has the conds the user wrote, no
more (the lowered `do_return` flag is threaded away by constant folding), and no big
constant stands for a value not returned yet."""

from __future__ import annotations

import numpy as np
import pytest

import autograph
from autograph.ir import Op
from autograph.passes.constant_folding import MAX_SPLAT_ELEMENTS
from backends import BACKENDS, assert_same


def sign_scale(x):  # W6
    if np.sum(x) > 0:
        return x * 2.0
    return -x


def elif_chain(x):
    if np.sum(x) > 0:
        return x * 2.0
    elif np.sum(x) < -1:
        return -x
    return x + 1


def code_after_return(x):
    y = x + 1
    if np.sum(x) > 0:
        return y * 2.0
    z = y * 3
    if np.max(z) > 2:
        return z
    return z - 1


def nested_return(x):
    if np.sum(x) > 0:
        y = x * 3
        if np.max(y) > 4:
            return y
    else:
        return -x
    return x + 1


def both_branches_return(x):
    if np.sum(x) > 0:
        return x * 2.0
    else:
        return -x


CASES = [(sign_scale, 1), (elif_chain, 2), (code_after_return, 2), (nested_return, 2),
         (both_branches_return, 1)]


def conds(graph) -> int:
    return sum(1 for node in graph.walk() if node.op is Op.COND)


def big_constants(graph) -> list:
    return [node for node in graph.walk() if node.op is Op.CONSTANT
            and np.size(node.attrs["value"]) > MAX_SPLAT_ELEMENTS]


@pytest.mark.parametrize("fn, want", CASES, ids=[fn.__name__ for fn, _ in CASES])
def test_returns_in_ifs_keep_only_the_users_conds(fn, want):
    f = autograph.convert(fn, backend="python")
    x = np.linspace(-1.0, 2.0, 1000)
    lowered = f.lower(x)
    assert conds(lowered.graph) == want, str(lowered.graph)
    assert not big_constants(lowered.graph)
    assert not any(n.op is Op.FULL for n in lowered.graph.walk())  # no placeholder left
    for scale in (1.0, -1.0, 0.001, -0.001, 3.0, -3.0):
        assert_same(f(x * scale), fn(x * scale))


@pytest.mark.skipif("cpu" not in BACKENDS, reason="the Numba backend is not available")
def test_w6_program_has_one_branch_and_no_data():
    f = autograph.convert(sign_scale)
    x = np.random.default_rng(0).standard_normal(1000)
    source = f.lower(x).source
    assert "base64" not in source and "_c0" not in source, source
    assert conds(f.lower(x).graph) == 1
    for value in (x, -x):
        out = f(value)
        assert_same(out, sign_scale(value))
        assert not np.shares_memory(out, value)
