"""Python's and NumPy's protocols on `DynamicArray` (dynamic.py): operators, ufuncs,
`__array_function__`, indexing and the ndarray methods, each routed to dynamic.py and
dynamic_numpy.py. Installed here, as dispatch.py and indexing.py install Tensor's, so that
the class itself stays a small description of the value.

A Tensor operation that meets a DynamicArray operand defers to it (dispatch.py returns
NotImplemented for NumPy's protocols, `to_value` raises NotOperand for Python operators),
so `y + x[m]` and `np.add(y, x[m])` arrive here too.
"""

from __future__ import annotations

import operator

import numpy as np

from autograph.ir.ops import Op
from autograph.staging import dispatch, dynamic_numpy as dn, numpy_api
from autograph.staging import dynamic_indexing  # noqa: F401 - installs itself in indexing
from autograph.staging.dynamic import (DynamicArray, elementwise, refuse, rows, same,
                                       scalar_index, select, unify)
from autograph.staging.tensor import Tensor, apply

_REDUCE_OPS = {np.add: Op.SUM, np.multiply: Op.PROD, np.maximum: Op.MAX, np.minimum: Op.MIN,
               np.logical_and: Op.ALL, np.logical_or: Op.ANY}


def _array_ufunc(self, ufunc, method, *inputs, **kwargs):
    name = dispatch.qualified_name(ufunc)
    if kwargs.get("out") is not None:
        raise refuse(f"{name}(..., out=...)")
    if method == "reduce" and ufunc in _REDUCE_OPS and len(inputs) == 1:
        axis = kwargs.pop("axis", 0)
        return dn.reduce(_REDUCE_OPS[ufunc], inputs[0], axis, **kwargs)
    if method != "__call__":
        raise refuse(f"{name}.{method}")
    return elementwise(name, lambda *a: dispatch.array_ufunc(ufunc, "__call__", a, dict(kwargs)),
                       list(inputs))


def _array_function(self, func, types, args, kwargs):
    impl = dn.FUNCTIONS.get(func)
    if impl is None:
        raise refuse(dispatch.qualified_name(func), _HINTS.get(func, ""))
    return impl(*args, **kwargs)


_GROW = ("an array grown to a length known only at run time; collect the pieces in a list "
         "and call np.array / np.concatenate once after the loop, or preallocate an array "
         "of the largest size and keep a count")
_HINTS = {np.concatenate: _GROW, np.append: _GROW, np.hstack: _GROW, np.vstack: _GROW,
          np.stack: _GROW, np.reshape: "only x.ravel() is staged"}

DynamicArray.__array_ufunc__ = _array_ufunc
DynamicArray.__array_function__ = _array_function


# ---- Python operators --------------------------------------------------------------------

def _binary(fn, name):
    def forward(self, other):
        return elementwise(name, fn, [self, other])

    def reflected(self, other):
        return elementwise(name, fn, [other, self])
    return forward, reflected


for _name, _fn in {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                   "truediv": operator.truediv, "floordiv": operator.floordiv,
                   "mod": operator.mod, "pow": operator.pow, "and": operator.and_,
                   "or": operator.or_, "xor": operator.xor, "lshift": operator.lshift,
                   "rshift": operator.rshift}.items():
    _f, _r = _binary(_fn, _name)
    setattr(DynamicArray, f"__{_name}__", _f)
    setattr(DynamicArray, f"__r{_name}__", _r)
for _name, _fn in {"lt": operator.lt, "le": operator.le, "gt": operator.gt,
                   "ge": operator.ge, "eq": operator.eq, "ne": operator.ne}.items():
    setattr(DynamicArray, f"__{_name}__", _binary(_fn, _name)[0])
for _name, _fn in {"neg": operator.neg, "pos": operator.pos, "abs": operator.abs,
                   "invert": operator.invert}.items():
    setattr(DynamicArray, f"__{_name}__",
            lambda self, _fn=_fn, _name=_name: elementwise(_name, _fn, [self]))


def _inplace(self, other, fn, name):
    result = elementwise(name, fn, [self, other])
    if result.dtype != self.dtype:
        raise refuse(f"`{name}=` changing the dtype")
    self.buffer, self.count = result.buffer, result.count
    return self


for _name, _fn in {"add": operator.add, "sub": operator.sub, "mul": operator.mul,
                   "truediv": operator.truediv}.items():
    setattr(DynamicArray, f"__i{_name}__",
            lambda self, other, _fn=_fn, _name=_name: _inplace(self, other, _fn, _name))


# ---- indexing ----------------------------------------------------------------------------

def _is_int(k) -> bool:
    return (isinstance(k, (int, np.integer)) and not isinstance(k, (bool, np.bool_))) or (
        isinstance(k, Tensor) and k.ndim == 0 and k.dtype.kind in "iu")


def getitem(self: DynamicArray, key):
    key = list(key) if isinstance(key, tuple) else [key]
    if key and key[0] is Ellipsis and len(key) == 1:
        return self
    first, rest = (key[0], key[1:]) if key else (slice(None), [])
    if _is_int(first):
        row = scalar_index(self, first)
        return row[tuple(rest)] if rest else row
    if isinstance(first, slice):
        if first.step not in (None, 1):
            raise refuse("a slice with a step", "only steps of 1 are staged")
        d = self if first.start is None and first.stop is None else rows(
            self.buffer, self.count, first.start, first.stop, self.what)
        if not rest:
            return d
        if any(isinstance(k, (DynamicArray, Tensor, np.ndarray, list)) and not _is_int(k)
               for k in rest):
            raise refuse("indexing with arrays after the first axis")
        return d.same(d.buffer[(slice(None), *rest)])
    if isinstance(first, DynamicArray) and first.dtype == np.bool_ and not rest:
        if self.is_masked and first.is_masked and first.ndim <= self.ndim \
                and same(first.mask.value, self.mask.value):  # `d[d > 0]`: masks combined
            combined = apply(Op.LOGICAL_AND, first.source, self.rows_mask(first.ndim))
            return select(self.source, combined, self.what + "[mask]")
        count, (buffer, mask) = unify([self, first], "boolean indexing")
        valid = DynamicArray(buffer, count).valid(mask.ndim)
        return select(buffer, apply(Op.LOGICAL_AND, mask, valid), self.what + "[mask]")
    raise refuse("this index", "index it with an integer, a slice, or a boolean mask made "
                               "from it (x[x > 0])")


def setitem(self, key, value):
    raise refuse("assignment into it", "assign into the full array through its mask "
                                       "(`x[m] = values`) or use np.where")


DynamicArray.__getitem__ = getitem
DynamicArray.__setitem__ = setitem


# ---- ndarray methods ---------------------------------------------------------------------

def _method(impl):
    return lambda self, *a, **k: impl(self, *a, **k)


for _name, _op in {"sum": Op.SUM, "prod": Op.PROD, "max": Op.MAX, "min": Op.MIN,
                   "any": Op.ANY, "all": Op.ALL}.items():
    setattr(DynamicArray, _name, lambda self, *a, _op=_op, **k: dn.reduce(_op, self, *a, **k))
DynamicArray.argmax = lambda self, *a, **k: dn.arg_reduce(Op.ARGMAX, self, *a, **k)
DynamicArray.argmin = lambda self, *a, **k: dn.arg_reduce(Op.ARGMIN, self, *a, **k)
DynamicArray.mean = _method(dn.mean)
DynamicArray.var = _method(dn.var)
DynamicArray.std = lambda self, *a, **k: dn.var(self, *a, std=True, **k)
DynamicArray.argsort = _method(dn.argsort)
DynamicArray.ravel = _method(dn.ravel)
DynamicArray.flatten = lambda self, order="C": dn.ravel(self, order).copy()
DynamicArray.nonzero = _method(dn.nonzero)
DynamicArray.cumsum = lambda self, *a, **k: dn.FUNCTIONS[np.cumsum](self, *a, **k)
DynamicArray.cumprod = lambda self, *a, **k: dn.FUNCTIONS[np.cumprod](self, *a, **k)
DynamicArray.copy = lambda self, order="C": self.same(numpy_api.copy(self.buffer))
DynamicArray.astype = lambda self, dtype, *a, **k: self.same(numpy_api.astype(self.buffer,
                                                                               dtype))
DynamicArray.clip = lambda self, *a, **k: dn.FUNCTIONS[np.clip](self, *a, **k)
DynamicArray.round = lambda self, *a, **k: dn.FUNCTIONS[np.round](self, *a, **k)
DynamicArray.dot = lambda self, other: dn.FUNCTIONS[np.dot](self, other)


def _sort_in_place(self, axis=-1, kind=None, order=None):
    sorted_ = dn.sort(self, axis, kind, order)
    self.buffer = sorted_.buffer


DynamicArray.sort = _sort_in_place


def builtin_sum(self, start=0):
    """Python's `sum(d)`: the rows added to `start` (`start` itself when d is empty, as a
    value of the rows' dtype here, since the program's result type is fixed)."""
    return dn.reduce(Op.SUM, self, 0) + start


DynamicArray.builtin_sum = builtin_sum


def from_rows(values, count, what: str) -> DynamicArray:
    """A dynamic value over a static tensor's first `count` rows."""
    return DynamicArray(values, count, what)


__all__ = ["from_rows", "getitem", "unify"]
