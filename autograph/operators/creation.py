"""NumPy's array-creation functions, called from converted code.

`converted_call` routes a call of one of `FUNCTIONS` (np.zeros, np.arange, np.eye, ...)
here. While a trace is active the staging layer builds it as a graph node when it can
(staging/creation.py says when), so that a constant array is part of the graph rather
than a captured input; otherwise — outside tracing, or arguments it leaves to NumPy —
NumPy itself runs, exactly as in the original function.
"""

from __future__ import annotations

from autograph import staging

FUNCTIONS = staging.CREATION_FUNCTIONS
routes = staging.routes_creation  # FUNCTIONS, and methods of NumPy random generators


def call_creation(fn, args: tuple, kwargs: dict):
    """`fn(*args, **kwargs)`: staged while tracing where it can be, else NumPy's call."""
    if staging.is_tracing():
        staged = staging.stage_creation(fn, args, kwargs)
        if staged is not None:
            return staged
    return fn(*args, **kwargs)
