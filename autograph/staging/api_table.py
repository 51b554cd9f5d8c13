"""The supported NumPy API, read from the staging registries (never written by hand).

Why a module of its own: the names a converted function may call are spread over several
tables — `numpy_api.FUNCTIONS` (`@implements`, composites and ufuncs without an op
included), the ufunc -> op table and the ufunc reducers in `dispatch.py`, the creation
plans and routed calls in `creation.py` (np.zeros, np.random.rand, np.array of tensors),
the methods installed on `Tensor`, and Python's `math`/builtins overloads. This module
lists them all, once, so that `docs/numpy_api.md` is generated (`markdown()`, checked by
tests/test_numpy_breadth_api_table.py) and an unsupported function's error can suggest
the nearest supported spelling (`suggestion`).

Backend columns: every op has a CPU emitter, so every name runs on `cpu`; a name whose
implementation is tagged with the ops it emits (`impl.ops`) is "no" on a backend for
which the caller says those ops are missing (`missing={"cuda": {...}}`; staging may not
import the code generators, so the caller — the test, or the docs' regeneration — asks
them).
"""

from __future__ import annotations

import builtins
import difflib
import math

import numpy as np

from autograph.staging import creation, dispatch, numpy_api
from autograph.staging.tensor import Tensor

BACKENDS = ("cpu", "cuda")


def _qualified(fn) -> str:
    name = dispatch.qualified_name(fn)
    if getattr(fn, "__self__", None) is not None and isinstance(
            fn.__self__, np.random.RandomState):
        return f"np.random.{fn.__name__}"
    return name.replace("np.linalg._linalg.", "np.linalg.")


def entries() -> dict[str, tuple[str, object]]:
    """name -> (kind, implementation) for every NumPy name staged."""
    found: dict[str, tuple[str, object]] = {}
    for ufunc, op in dispatch.UFUNC_OPS.items():
        found[_qualified(ufunc)] = ("ufunc", op)
    found["np.matmul"] = ("ufunc", numpy_api.matmul)
    for ufunc, reducer in dispatch._REDUCERS.items():
        found[f"{_qualified(ufunc)}.reduce"] = ("ufunc method", reducer)
    for ufunc in dispatch._ACCUMULATORS:
        found[f"{_qualified(ufunc)}.accumulate"] = ("ufunc method", dispatch._ACCUMULATORS[ufunc])
    for fn, impl in numpy_api.FUNCTIONS.items():
        kind = "ufunc" if isinstance(fn, np.ufunc) else "function"
        found.setdefault(_qualified(fn), (kind, impl))
    for ufunc, impl in [*dispatch.UFUNC_OPS.items(), *numpy_api.FUNCTIONS.items()]:
        if isinstance(ufunc, np.ufunc) and ufunc.nin == 2 and ufunc.signature is None:
            found.setdefault(f"{_qualified(ufunc)}.outer", ("ufunc method", impl))
    for fn in creation.PLANS:
        found.setdefault(_qualified(fn), ("function", creation.PLANS[fn]))
    for fn, impl in creation.CALLS.items():
        if not getattr(impl, "refusal", False):
            found.setdefault(_qualified(fn), ("function", impl))
    for name in sorted(set(dir(Tensor)) & set(dir(np.ndarray))):
        if name.startswith("_"):
            continue
        attr = getattr(Tensor, name)
        if getattr(attr, "refusal", False):  # ndarray.sort: in place, refused with a reason
            continue
        kind = "attribute" if isinstance(attr, property) or not callable(attr) else "method"
        found[f"ndarray.{name}"] = (kind, attr)
    return found


def python_entries() -> dict[str, object]:
    """Python builtins and `math` functions staged on traced values (not NumPy names)."""
    from autograph.staging.builtins import OVERLOADS
    out = {}
    for fn, impl in OVERLOADS.items():
        module = "math." if getattr(fn, "__module__", None) == "math" or fn in vars(
            math).values() and fn not in vars(builtins).values() else ""
        if isinstance(fn, type) and issubclass(fn, np.generic):
            module = "np."  # np.float32(t): NumPy's scalar types cast
        out[f"{module}{fn.__name__}"] = impl
    return out


def names() -> list[str]:
    return sorted(entries())


def _supported(impl, backend: str, missing) -> bool:
    return not (set(getattr(impl, "ops", ())) & set(missing.get(backend, ())))


def markdown(missing: dict[str, set] | None = None) -> str:
    """The text of docs/numpy_api.md."""
    missing = missing or {}
    rows = entries()
    lines = [
        "# The NumPy API inside a converted function",
        "",
        "Generated from the staging registries by `autograph.staging.api_table.markdown()`; "
        "do not edit (tests/test_numpy_breadth_api_table.py fails when this file and the "
        "registries differ). Regenerate with:",
        "",
        "```sh",
        ".venv/bin/python -m tests.test_numpy_breadth_api_table",
        "```",
        "",
        f"{len(rows)} NumPy names (functions, ufuncs, ufunc methods, ndarray methods and "
        f"attributes) and {len(python_entries())} Python builtins/`math` functions. Shapes, "
        "axes and dtypes must be static; keyword arguments NumPy has and we cannot honour "
        "(`out=`, `where=`, ...) raise. \"no\" means the backend refuses the graph at "
        "compile time with an error naming the op.",
        "",
        "| name | kind | cpu | cuda |",
        "| --- | --- | --- | --- |",
    ]
    for name in sorted(rows):
        kind, impl = rows[name]
        cols = ["yes" if _supported(impl, b, missing) else "no" for b in BACKENDS]
        lines.append(f"| `{name}` | {kind} | {' | '.join(cols)} |")
    lines += ["", "## Python builtins and `math` on traced values", "",
              "| name | cpu | cuda |", "| --- | --- | --- |"]
    for name, impl in sorted(python_entries().items()):
        cols = ["yes" if _supported(impl, b, missing) else "no" for b in BACKENDS]
        lines.append(f"| `{name}` | {' | '.join(cols)} |")
    return "\n".join(lines) + "\n"


def suggestion(name: str) -> str:
    """'did you mean ...' for an unsupported `name` (np.cumsun -> np.cumsum), or ''."""
    known = names()
    close = difflib.get_close_matches(name, known, n=3, cutoff=0.75)
    if not close:
        tail = name.rsplit(".", 1)[-1]
        by_tail = {k.rsplit(".", 1)[-1]: k for k in known}
        close = [by_tail[t] for t in difflib.get_close_matches(tail, list(by_tail), n=3,
                                                              cutoff=0.75)]
    if not close:
        return "see docs/numpy_api.md for what is staged"
    return "did you mean " + " or ".join(close) + "? (docs/numpy_api.md lists what is staged)"


dispatch.suggest = suggestion

__all__ = ["entries", "markdown", "names", "python_entries", "suggestion"]
