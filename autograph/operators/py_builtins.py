"""Builtins that mean something else when a tensor is involved.

`converted_call` routes a call of one of these builtins here; with Python values they are
the builtins themselves, with a tensor argument the staging layer's overload runs (a staged
`print`, a staged `range`, `max` of tensors as `np.maximum`, ...).
"""

from __future__ import annotations

import builtins

import numpy as np

from autograph import staging
from autograph.operators import side_effects
import autograph.staging.unrolling  # noqa: F401 - staging.unrolling below


class static_range:
    """`range` that is always unrolled at trace time, even when the loop carries tensors."""

    __slots__ = ("range",)

    def __init__(self, *args):
        if any(staging.is_tensor(a) for a in args):
            raise staging.StagingError("static_range needs Python integers, not tensors")
        self.range = range(*args)

    def __iter__(self):
        return iter(self.range)

    def __len__(self):
        return len(self.range)

    def __repr__(self):
        return f"static_{self.range!r}"


# NumPy iterables whose loops the operators may stage: converted code gets these instead.
ITERABLES = {np.ndindex: staging.unrolling.ndindex}

OVERLOADED = frozenset({
    builtins.next,  # a Python iterator inside a staged region: refused (side_effects.py)
    builtins.print, builtins.range, builtins.len, builtins.enumerate, builtins.zip,
    builtins.reversed, builtins.min, builtins.max, builtins.sum, builtins.abs,
    builtins.int, builtins.float, builtins.bool,
}) | frozenset(staging.SCALAR_MATH)  # math.sqrt, round, ... of a traced scalar


def call_builtin(fn, args: tuple, kwargs: dict):
    """Calls builtin `fn`; its staged overload when an argument is (or holds) a tensor."""
    if fn is builtins.next:
        return side_effects.next_item(*args, **kwargs)
    if any(staging.is_tensor(a) or staging.is_staged_list(a) for a in args) or any(
        staging.is_tensor(v) for v in kwargs.values()
    ):
        return staging.call_builtin(fn, args, kwargs)
    if fn is builtins.print and staging.unrolling.hold_print(args, kwargs):
        return None  # the first iteration of a loop being probed (staging/unrolling.py)
    return fn(*args, **kwargs)
