"""`np.random.*` inside a converted function: a RANDOM node that draws on every call.

Why a module of its own: without it, `np.random.rand(3)` in a converted function runs
once, at trace time, and its numbers enter the graph as a constant — every call returns
the same "random" numbers, silently. Converted code routes these calls here while
tracing (`creation.register`), and:

- `rand random random_sample ranf sample randn standard_normal uniform normal randint`
  with static sizes become RANDOM nodes (uniform/normal with traced `low`/`high`/`loc`/
  `scale` are `low + (high - low) * u` and `loc + scale * z`, NumPy's own formulas);
- every other `np.random` function, and any method of a `Generator`/`RandomState` object
  (`rng.normal(...)`), raises a StagingError naming it instead of freezing a constant.

The `python` backend draws from NumPy's global generator (`np.random.seed` seeds it);
the `cpu` backend draws from Numba's, whose state is separate from NumPy's: seeding NumPy
does not make the compiled program's numbers repeat. The `cuda` backend refuses RANDOM at
compile time ("not on cuda").
"""

from __future__ import annotations

import types

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import context, creation, numpy_api as api
from autograph.staging.tensor import Tensor, apply, cast, lift

_F64 = np.dtype(np.float64)


def _size(size) -> tuple[int, ...] | None:
    if size is None:
        return None
    return api.static_shape(size, "a size for np.random")


def _draw(kind: str, shape, dtype=_F64, **bounds) -> Tensor:
    t = apply(Op.RANDOM, distribution=kind, shape=tuple(shape or ()), dtype=np.dtype(dtype),
              **bounds)
    return t


def _scalar_or_array(t: Tensor, size) -> Tensor:
    """NumPy returns a Python float/int when no size is given."""
    return cast(t, t.dtype, weak=True) if size is None else t


def _random_sample(size=None):
    dims = _size(size)
    return _scalar_or_array(_draw("uniform", dims), dims)


def _rand(*dims):
    shape = tuple(api.static_int(d, "np.random.rand size") for d in dims)
    return _scalar_or_array(_draw("uniform", shape), None if not dims else shape)


def _randn(*dims):
    shape = tuple(api.static_int(d, "np.random.randn size") for d in dims)
    return _scalar_or_array(_draw("normal", shape), None if not dims else shape)


def _standard_normal(size=None):
    dims = _size(size)
    return _scalar_or_array(_draw("normal", dims), dims)


def _params_shape(size, *params):
    dims = _size(size)
    if dims is not None:
        return dims
    return np.broadcast_shapes(*(lift(p).shape for p in params))


def _uniform(low=0.0, high=1.0, size=None):
    shape = _params_shape(size, low, high)
    lo, hi = cast(lift(low), _F64), cast(lift(high), _F64)
    u = _draw("uniform", shape)
    result = apply(Op.ADD, lo, apply(Op.MUL, apply(Op.SUB, hi, lo), u))
    if size is None and not shape:
        return cast(result, _F64, weak=True)
    return result


def _normal(loc=0.0, scale=1.0, size=None):
    shape = _params_shape(size, loc, scale)
    mean, spread = cast(lift(loc), _F64), cast(lift(scale), _F64)
    z = _draw("normal", shape)
    result = apply(Op.ADD, mean, apply(Op.MUL, spread, z))
    if size is None and not shape:
        return cast(result, _F64, weak=True)
    return result


def _randint(low, high=None, size=None, dtype=int):
    low = api.static_int(low, "np.random.randint low")
    if high is None:
        low, high = 0, low
    high = api.static_int(high, "np.random.randint high")
    if low >= high:
        raise ValueError("low >= high")
    dt = np.dtype(dtype)
    if dt.kind not in "iu":
        raise api.unsupported(f"np.random.randint(..., dtype={dt})")
    info = np.iinfo(dt)
    if low < info.min or high - 1 > info.max:
        raise ValueError(f"high is out of bounds for {dt}")
    dims = _size(size)
    t = _draw("integers", dims, dt, low=low, high=high)
    return _scalar_or_array(t, dims) if dtype is int else t


STAGED = {
    np.random.rand: _rand, np.random.randn: _randn, np.random.random: _random_sample,
    np.random.random_sample: _random_sample, np.random.ranf: _random_sample,
    np.random.sample: _random_sample, np.random.standard_normal: _standard_normal,
    np.random.uniform: _uniform, np.random.normal: _normal, np.random.randint: _randint,
}


def _refuse(name: str):
    def refused(*args, **kwargs):
        raise context.staging_error(
            f"np.random.{name} is not supported inside a converted function: it would run "
            f"once, at trace time, and every call would return the same numbers; supported: "
            f"{', '.join(sorted('np.random.' + f.__name__ for f in STAGED))} (static sizes), "
            f"or draw outside the function and pass the numbers in")
    refused.refusal = True
    return refused


def is_random_method(fn) -> bool:
    """A method of a NumPy random generator object (`rng.normal`): refused while tracing."""
    owner = getattr(fn, "__self__", None)
    return isinstance(owner, (np.random.Generator, np.random.RandomState,
                              np.random.BitGenerator))


def refuse_method(fn) -> None:
    raise context.staging_error(
        f"{type(fn.__self__).__name__}.{getattr(fn, '__name__', 'method')} is not supported "
        f"inside a converted function: it would draw once, at trace time, and every call "
        f"would return the same numbers; use np.random.rand/randn/uniform/normal/randint "
        f"(staged, a new draw per call) or pass the numbers in")


for _impl in STAGED.values():
    _impl.ops = frozenset({Op.RANDOM})  # for the API table's backend columns
creation.random_method, creation.refuse_random_method = is_random_method, refuse_method
for _fn, _impl in STAGED.items():
    creation.register(_fn, _impl)
for _name in dir(np.random):
    _fn = getattr(np.random, _name)
    if _name.startswith("_") or isinstance(_fn, (type, types.ModuleType)) or not callable(_fn) \
            or _fn in STAGED:
        continue
    creation.register(_fn, _refuse(_name))

__all__ = ["STAGED", "is_random_method", "refuse_method"]
