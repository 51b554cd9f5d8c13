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
    """Runs converted and plain `fn` on (copies of) the arguments and requires the same
    result, the same argument state after the call (writes into arguments) and the same
    aliasing (a result is an argument, or shares its memory, exactly where NumPy's does);
    returns the converted function for further inspection."""
    converted = convert(fn, backend)
    plain_args, plain_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    want = fn(*plain_args, **plain_kwargs)
    conv_args, conv_kwargs = copy.deepcopy(args), copy.deepcopy(kwargs)
    got = converted(*conv_args, **conv_kwargs)
    assert_same(got, want)
    assert_same(conv_args, plain_args, "arguments after the call")
    assert_same(conv_kwargs, plain_kwargs, "keyword arguments after the call")
    assert_same_aliasing(got, (conv_args, conv_kwargs), want, (plain_args, plain_kwargs))
    return converted


def _arrays(tree) -> list:
    if isinstance(tree, (tuple, list)):
        return [a for item in tree for a in _arrays(item)]
    if isinstance(tree, dict):
        return [a for item in tree.values() for a in _arrays(item)]
    return [tree] if isinstance(tree, (np.ndarray, np.generic)) else []  # aligned leaves


def assert_same_aliasing(got, got_inputs, want, want_inputs) -> None:
    """No result array shares memory with an input array where NumPy's does not (writing
    into the result would corrupt the input), and where NumPy's result is an input array
    ours shares its memory too (by position among the arrays of result and inputs).
    Empty arrays share nothing anybody can write. Where NumPy returns a view and we a copy
    (`np.squeeze(x[:, :1])`, read-only `np.diagonal`) is not checked here: a known gap."""
    results, expected = _arrays(got), _arrays(want)
    inputs, expected_inputs = _arrays(got_inputs), _arrays(want_inputs)
    for k, (r, e) in enumerate(zip(results, expected)):
        if e.size == 0:
            continue
        for j, (a, b) in enumerate(zip(inputs, expected_inputs)):
            shares, numpy_shares = np.shares_memory(r, a), np.shares_memory(e, b)
            assert numpy_shares or not shares, (
                f"result array {k} shares memory with input array {j}; NumPy's does not")
            assert e is not b or shares, f"result array {k} is input array {j} in NumPy"
