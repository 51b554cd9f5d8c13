"""Arguments autograph does not model, refused with the argument's name before any trace.

A traced argument is a plain `numpy.ndarray` (or NumPy scalar) of a numeric dtype in
native byte order. Anything else that is still an ndarray used to fall through the
argument classification: a subclass was traced as a plain array (a masked array lost its
mask: NumPy's functions skip masked items, the program summed them), and an object,
structured or big-endian array became a *static* argument, keyed by value, so every call
with new contents traced and compiled again under a warning about "static arguments".
None of these has a meaning a compiled program can keep, so the call is refused with the
argument's name and the rewrite that works. Big-endian arrays are refused rather than
copied to native order: a function writing into its argument would then write the copy,
and the caller's array would silently keep its old contents.

Arguments named in `static_argnames` are the user's Python values and are left alone.
`check_arguments` is called on the path of every call that is not a guard's fast hit
(`tracing.signature_key`); a plain ndarray costs one type and one dtype test.
"""

from __future__ import annotations

import numpy as np

from autograph.errors import StagingError


def check_arguments(bound, static_names=()) -> None:
    """Raises StagingError naming the first argument (or item of a list, tuple or dict
    argument) that is an ndarray autograph cannot trace."""
    for name, value in bound.arguments.items():
        if name in static_names:
            continue
        _check(value, name)
        if type(value) in (list, tuple):
            for i, item in enumerate(value):
                _check(item, f"{name}[{i}]")
        elif type(value) is dict:
            for key, item in value.items():
                _check(item, f"{name}[{key!r}]")


def _check(value, name: str) -> None:
    if type(value) is np.ndarray:
        dtype = value.dtype
        if dtype.isnative and dtype.kind not in "OVMmSUa":
            return  # the usual case
    elif not isinstance(value, np.ndarray):
        return
    problem = describe(value, name)
    if problem is not None:
        raise StagingError(problem)


def describe(value: np.ndarray, name: str) -> str | None:
    """Why `value`, passed as `name`, cannot be traced, with the rewrite; None if it can."""
    dtype = value.dtype
    if isinstance(value, np.ma.MaskedArray):
        return (f"argument `{name}` is a numpy.ma.MaskedArray: autograph traces plain "
                f"ndarrays, and the mask (which NumPy's functions respect) would be lost. "
                f"Pass the data and the mask as two arrays (`np.ma.getdata({name})`, "
                f"`np.ma.getmaskarray({name})`) and use the mask in the function "
                f"(`np.where(mask, 0, data)`), or `{name}.filled(value)`")
    if type(value) is not np.ndarray:
        return (f"argument `{name}` is a {type(value).__module__}.{type(value).__qualname__}, "
                f"a subclass of numpy.ndarray: autograph traces plain ndarrays, and what the "
                f"subclass changes (its operators, its extra attributes) would be lost; pass "
                f"`np.asarray({name})` if the plain array is what the function needs")
    if dtype.kind == "O":
        return (f"argument `{name}` is an array of Python objects (dtype object): a compiled "
                f"program holds numbers only; convert it to a numeric dtype first "
                f"(`{name}.astype(np.float64)`)")
    if dtype.names is not None:
        return (f"argument `{name}` has a structured dtype (fields {', '.join(dtype.names)}): "
                f"pass its fields as separate arrays (`{name}[{dtype.names[0]!r}]`, ...)")
    if dtype.kind in "VSUa":
        return (f"argument `{name}` is an array of {dtype} (bytes, strings or raw records): "
                f"a compiled program holds numbers only; convert it first")
    if dtype.kind in "Mm":
        return (f"argument `{name}` is an array of {dtype} (dates or time spans), which "
                f"autograph does not trace; pass `{name}.astype(np.int64)` (the counts of "
                f"the unit) and convert back after the call")
    if not dtype.isnative:
        return (f"argument `{name}` is stored in non-native byte order ({dtype.str}): pass "
                f"`{name}.astype({name}.dtype.newbyteorder('='))`, a native copy (and copy "
                f"it back if the function writes into it)")
    return None
