"""The backends a differential test runs on, and the comparison it makes.

`BACKENDS` is ("python",) plus "cpu" when the Numba backend can be imported; tests take
it through `@pytest.mark.parametrize("backend", BACKENDS)`. `check(f, *args, backend=...)`
calls `autograph.convert(f, backend=backend)` and the plain `f` on the same arguments and
requires the same result: same Python/NumPy types, shapes and dtypes, values equal (ints
and bools exactly, floats to a tolerance fitting their precision).

`WITH_PLAIN` adds "cpu-plain": the CPU backend with `optimize=False` (no graph pass, no
code-generation feature), so that a suite parametrised with it checks the unoptimised
programs too; `convert(f, backend)` understands that spelling (use it, not
`autograph.convert`, in tests parametrised with `WITH_PLAIN`).
"""

from __future__ import annotations

import copy

import numpy as np

import autograph

try:
    import autograph.codegen.cpu.backend  # noqa: F401
    BACKENDS = ("python", "cpu")
except ImportError:  # the Numba backend has not landed (or Numba is missing)
    BACKENDS = ("python",)

# Spellings that are a backend with other convert() options.
_SPELLINGS = {"cpu-plain": {"backend": "cpu", "optimize": False}}
PLAIN = ("cpu-plain",) if "cpu" in BACKENDS else ()
WITH_PLAIN = BACKENDS + PLAIN

_TOLERANCE = {np.dtype(np.float16): (1e-3, 1e-3), np.dtype(np.float32): (2e-5, 1e-6),
              np.dtype(np.complex64): (2e-5, 1e-6)}


def assert_same(got, want, where: str = "result") -> None:
    """`got` is `want`: same container structure, types, shapes, dtypes and values."""
    if isinstance(want, (tuple, list)):
        assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
        assert len(got) == len(want), f"{where}: length {len(got)} != {len(want)}"
        for i, (g, w) in enumerate(zip(got, want)):
            assert_same(g, w, f"{where}[{i}]")
        return
    if isinstance(want, dict):
        assert type(got) is dict and list(got) == list(want), f"{where}: keys differ"
        for k in want:
            assert_same(got[k], want[k], f"{where}[{k!r}]")
        return
    if isinstance(want, (np.ndarray, np.generic)):
        assert isinstance(got, (np.ndarray, np.generic)), f"{where}: got {type(got).__name__}"
        if isinstance(want, np.generic):
            assert type(got) is type(want), f"{where}: {type(got)} != {type(want)}"
        assert got.shape == want.shape, f"{where}: shape {got.shape} != {want.shape}"
        assert got.dtype == want.dtype, f"{where}: dtype {got.dtype} != {want.dtype}"
        _assert_values(np.asarray(got), np.asarray(want), where)
        return
    if isinstance(want, (bool, int, float, complex)):
        assert type(got) is type(want), f"{where}: {type(got).__name__} != {type(want).__name__}"
        _assert_values(np.asarray(got), np.asarray(want), where)
        return
    assert got == want, f"{where}: {got!r} != {want!r}"


def _assert_values(got: np.ndarray, want: np.ndarray, where: str) -> None:
    if want.dtype.kind in "fc":
        rtol, atol = _TOLERANCE.get(want.dtype, (1e-10, 1e-12))
        np.testing.assert_allclose(got, want, rtol=rtol, atol=atol, equal_nan=True,
                                   err_msg=where)
    else:
        np.testing.assert_array_equal(got, want, err_msg=where)


def convert(fn, backend: str = "python", **options):
    """`autograph.convert(fn, ...)` for `backend`, one of `WITH_PLAIN`'s spellings."""
    return autograph.convert(fn, **{**_SPELLINGS.get(backend, {"backend": backend}), **options})


def check(fn, *args, backend: str = "python", **kwargs):
    """Runs converted and plain `fn` on (copies of) the arguments; returns the converted
    function for further inspection."""
    converted = convert(fn, backend)
    want = fn(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    got = converted(*copy.deepcopy(args), **copy.deepcopy(kwargs))
    assert_same(got, want)
    return converted
