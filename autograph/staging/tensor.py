"""`Tensor`: the symbolic array a converted function sees in place of a NumPy array.

A tensor is a *handle* on an `ir.Value` of the graph being traced: static shape and dtype
(Python values, so shape logic runs at trace time), every Python operator, the NumPy
protocols (`__array_ufunc__`, `__array_function__`, see dispatch.py) and the common ndarray
methods. Operations emit IR nodes and return new tensors.

Item assignment is the one mutation: `a[i] = v` emits a functional SET_INDEX and *rebinds
the handle* to its result, so every name bound to the same handle sees the change, as with
NumPy. Where NumPy would write through to another array — a view made by indexing or
reshaping — a functional graph cannot follow, so the write raises StagingError instead of
being silently lost (`_alias` says why). A write into an array the caller owns (an
argument) is recorded on its `CallerArray` and written back after the call
(caller_arrays.py).

Each tensor also records `_sources`: the names of the weakly typed Python scalar arguments
it is derived from, or None if it depends on anything else. When tracing needs its concrete
value, that set says which arguments the api must make static (concrete.py).
"""

from __future__ import annotations

import dis
import functools
import sys
import weakref

import numpy as np

from autograph.errors import StagingError
from autograph.ir.ops import Op
from autograph.ir.types import TensorType
from autograph.staging import concrete, context
from autograph.staging.caller_arrays import CallerArray, PathDependent

EMPTY: frozenset = frozenset()
_PY_SCALARS = (bool, int, float, complex)


class NotOperand(TypeError):
    """The object cannot take part in a staged operation (operators return NotImplemented)."""


def merge_sources(a, b):
    """Sources of a value computed from values with sources `a` and `b`."""
    if a is None or b is None:
        return None
    return a | b if b else a


class Tensor:
    """A traced array value: a handle on an IR value of the current trace."""

    __slots__ = ("_value", "_ctx", "_sources", "_alias", "_frame", "_stale", "_views",
                 "_origin", "_outdated", "_base",
                 "__weakref__")
    __array_priority__ = 1000  # NumPy defers binary operators to us
    __hash__ = None  # like ndarray: `==` is elementwise

    def __init__(self, value, sources=None, alias=None, ctx=None):
        ctx = ctx if ctx is not None else context.require()
        self._value = value
        self._ctx = ctx
        self._sources = sources
        self._alias = alias
        self._frame = ctx.frame
        self._stale = None
        self._views = None  # weak references to views taken of this array (`track_view`)
        # Inside a staged branch or loop body: the handle outside that this one stands for
        # (control_flow._fresh, loops.LoopCarry.unpack); its views see writes through this.
        self._origin = None
        self._outdated = None  # views of `_origin`'s chain this handle's writes outdated
        self._base = None  # for a view: view_writes.ViewOf, how a write reaches its base
        if isinstance(alias, CallerArray):
            alias.record(self)

    # -- the value and its static type ------------------------------------------------------

    @property
    def value(self):
        """The IR value; raises if this handle is stale or belongs to another trace."""
        if self._stale is not None:
            raise context.staging_error(self._stale)
        if self._frame.closed:
            raise context.staging_error(
                f"a value computed in {self._frame.what or 'a staged block'} is used after it "
                f"without being part of its state (kept in an attribute, a global or a "
                f"container the block does not return?)")
        if self._ctx is not context.current():
            raise context.staging_error(
                "a tensor from another (finished) trace is used: tensors must not be kept "
                "across calls, e.g. in globals or attributes")
        return self._value

    def region_result(self):
        """The IR value as a result of the region that just closed (which may define it)."""
        if self._stale is not None:
            raise context.staging_error(self._stale)
        return self._value

    @property
    def type(self) -> TensorType:
        return self._value.type

    @property
    def shape(self) -> tuple[int, ...]:
        return self._value.type.shape

    @property
    def ndim(self) -> int:
        return len(self._value.type.shape)

    @property
    def size(self) -> int:
        return self._value.type.size

    @property
    def dtype(self) -> np.dtype:
        return self._value.type.dtype

    @property
    def itemsize(self) -> int:
        return self.dtype.itemsize

    @property
    def nbytes(self) -> int:
        return self.size * self.dtype.itemsize

    @property
    def weak(self) -> bool:
        return self._value.type.weak

    def __repr__(self) -> str:
        return f"<Tensor {self._value.type}>"

    def _rebind(self, value, sources) -> None:
        """Points this handle at `value` (item assignment); logged if the handle is outer."""
        frame = self._ctx.frame
        if self._frame is not frame:
            frame.mutated.setdefault(id(self), (self, self._value, self._frame))
            self._frame = frame
        self._value = value
        self._sources = sources
        self._outdate_views()
        origin = self._origin
        while origin is not None:  # the same array outside the region: its views too
            outdated = origin._outdate_views()
            if outdated:
                self._outdated = (self._outdated or []) + outdated
            origin = origin._origin
        if isinstance(self._alias, CallerArray):
            self._alias.record(self, write=True)

    def _outdate_views(self) -> list:
        """Views taken before a write would see it in NumPy; in the functional IR they keep
        the old values. Rather than answer with those, a view used after a write through
        its base raises, naming the fix. Returns the views it outdated."""
        outdated = []
        for ref in self._views or ():
            view = ref()
            if view is not None and view._stale is None:
                view._stale = (
                    "this array is a view of another one (a slice, reshape or transpose of "
                    "it) that was written after the view was taken; NumPy would show the "
                    "write through the view, which a converted function does not do yet: "
                    "take the view after the write, or copy it when it is taken "
                    "(`z = y[0:2].copy()`) to keep the old values")
                outdated.append(view)
                outdated.extend(view._outdate_views())
        self._views = None
        return outdated

    def _check_writable(self) -> None:
        """Writes into a local array or into the caller's array itself are fine (the
        runtime writes the latter back); into a view or a may-be-argument they are not."""
        if isinstance(self._alias, PathDependent):
            raise context.staging_error(
                f"cannot assign into {self._alias}: whether NumPy would change the caller's "
                f"array depends on that path; copy it where the paths join "
                f"(`x = x.copy()`), or assign into the argument on every path")
        if self._alias is not None and not isinstance(self._alias, CallerArray):
            raise context.staging_error(
                f"cannot assign into {self._alias}: NumPy would change the original array "
                f"too, which a converted function cannot do; assign into a copy instead "
                f"(`y = x.copy()`)")

    # The NumPy protocols (`__array_ufunc__`, `__array_function__`) are installed by
    # dispatch.py, indexing (`__getitem__`, `__setitem__`) by indexing.py and the ndarray
    # methods by numpy_api.py, each next to the functions they call.

    # -- concrete values: not available while tracing ----------------------------------------

    def __array__(self, dtype=None, copy=None):
        concrete.fail(self, "conversion to a NumPy array (np.asarray, np.array, or a NumPy "
                            "function that is not staged)")

    def __bool__(self):
        concrete.fail(self, "bool() of a tensor (an `if`, `and`, `or` or `in` that the "
                            "converter did not see, e.g. in a comprehension or an unconverted "
                            "helper)", "use np.where, or move the test into converted code",
                      needed="a Python bool")

    def __index__(self):
        concrete.fail(self, "using a tensor as a Python integer (a shape, a list index, "
                            "range() bounds outside converted code)", needed="an integer")

    def __int__(self):
        concrete.fail(self, "int() outside converted code")

    def __float__(self):
        concrete.fail(self, "float() outside converted code")

    def __complex__(self):
        concrete.fail(self, "complex() outside converted code")

    def item(self, *args):
        concrete.fail(self, ".item()")

    def tolist(self):
        concrete.fail(self, ".tolist()")

    def __format__(self, spec):
        concrete.fail(self, "formatting a tensor (str(), an f-string)",
                      "`print('x =', x)` stages a print that runs on every call")

    def __str__(self):
        concrete.fail(self, "str() of a tensor",
                      "`print('x =', x)` stages a print that runs on every call")

    # -- sequence protocol (static lengths) ------------------------------------------------

    def __len__(self) -> int:
        if not self.shape:
            raise TypeError("len() of unsized object")
        return self.shape[0]

    def __iter__(self):
        if not self.shape:
            raise TypeError("iteration over a 0-d array")
        return (self[k] for k in range(self.shape[0]))

    # -- ndarray methods that need nothing but the tensor itself ---------------------------

    def copy(self, order="C"):
        return Tensor(self.value, self._sources)

    def fill(self, value):
        self[...] = value

    def __getattr__(self, name):
        if not name.startswith("__") and hasattr(np.ndarray, name):
            raise context.staging_error(f"ndarray.{name} is not supported inside a converted "
                                        f"function")
        raise AttributeError(f"'Tensor' object has no attribute {name!r}")

    # Python operators: see the tables after the class.


def is_tensor(value) -> bool:
    return isinstance(value, Tensor)


def to_value(x, ctx):
    """(IR value, sources) for an operand: tensors, Python/NumPy scalars, arrays, lists.

    Python scalars become weak constants (NEP 50), NumPy scalars and lists strong
    constants, NumPy arrays captured graph inputs. Anything else raises NotOperand.
    """
    if isinstance(x, Tensor):
        return x.value, x._sources
    if isinstance(x, np.generic):  # before Python scalars: np.float64 is a float
        return ctx.constant(x), EMPTY
    if isinstance(x, _PY_SCALARS):
        if type(x) not in _PY_SCALARS:  # IntEnum and friends: their plain value
            x = int(x) if isinstance(x, int) else float(x)
        return ctx.constant(x), EMPTY
    if isinstance(x, np.ndarray):
        return ctx.capture(x), None
    if isinstance(x, (list, tuple)):
        if _contains_tensor(x):
            raise context.staging_error(
                "a list or tuple holding tensors cannot be used as an array; build it with "
                "np.stack(...)")
        array = np.asarray(x)
        if array.dtype == object:
            raise NotOperand(f"cannot make an array of {x!r}")
        return ctx.constant(array), EMPTY
    raise NotOperand(f"{type(x).__name__} cannot be staged")


def _contains_tensor(seq) -> bool:
    return any(isinstance(v, Tensor) or (isinstance(v, (list, tuple)) and _contains_tensor(v))
               for v in seq)


def lift(x, ctx=None) -> Tensor:
    """`x` as a tensor (a no-op for tensors)."""
    if isinstance(x, Tensor):
        return x
    ctx = ctx if ctx is not None else context.require()
    value, sources = to_value(x, ctx)
    return Tensor(value, sources, ctx=ctx)


def apply(op: Op, *operands, alias: str | None = None, **attrs) -> Tensor:
    """Emits `op(*operands)`; operands are converted by `to_value`."""
    ctx = context.require()
    values = []
    sources = EMPTY
    for x in operands:
        value, s = to_value(x, ctx)
        values.append(value)
        sources = merge_sources(sources, s)
    if op in _WRAPPING_BINARY and len(operands) == 2:
        _check_python_int(operands, values)
    elif op in _COMPARING and len(operands) == 2:
        values = _widen_for_python_int(operands, values, ctx)
    result = Tensor(ctx.emit(op, values, **attrs), sources, alias, ctx)
    if alias is not None and operands and isinstance(operands[0], Tensor):
        track_view(operands[0], result)
    return result


def track_view(base: Tensor, view: Tensor) -> None:
    """Records that `view` shares `base`'s memory in NumPy (see `Tensor._outdate_views`)."""
    if base._views is None:
        base._views = []
    base._views.append(weakref.ref(view))


# Binary ops where NumPy converts a Python int to the other operand's integer dtype, and
# raises OverflowError (NEP 50) when it does not fit: `np.int8 array + 300`. Comparisons
# compare the true values instead and are not in the list.
_WRAPPING_BINARY = frozenset({Op.ADD, Op.SUB, Op.MUL, Op.FLOORDIV, Op.MOD, Op.POW,
                              Op.MAXIMUM, Op.MINIMUM, Op.BITWISE_AND, Op.BITWISE_OR,
                              Op.BITWISE_XOR, Op.LEFT_SHIFT, Op.RIGHT_SHIFT})


_COMPARING = frozenset({Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE})


def _out_of_range(x, other) -> bool:
    if type(x) is not int or other.weak or other.dtype.kind not in "iu":
        return False
    info = np.iinfo(other.dtype)
    return not info.min <= x <= info.max


def _widen_for_python_int(operands, values, ctx):
    """NumPy compares an integer array with a Python int it cannot hold by their true
    values (`int8_array < 300` is all True); the program would wrap 300 into int8. The
    array is compared as int64 instead (exact for every dtype narrower than 64 bits)."""
    for k in (0, 1):
        other = values[1 - k]
        if _out_of_range(operands[k], other.type) and other.type.dtype.itemsize < 8:
            values = list(values)
            values[1 - k] = ctx.emit(Op.CAST, [other], dtype=np.dtype(np.int64), weak=False)
    return values


def _check_python_int(operands, values) -> None:
    """Raises NumPy's OverflowError for a Python int that the other operand's integer
    dtype cannot hold (at trace time, where the program would silently wrap it)."""
    for k in (0, 1):
        x, other = operands[k], values[1 - k].type
        if type(x) is int and not other.weak and other.dtype.kind in "iu":
            info = np.iinfo(other.dtype)
            if not info.min <= x <= info.max:
                raise OverflowError(f"Python integer {x} out of bounds for {other.dtype}")


def cast(x, dtype, weak: bool = False) -> Tensor:
    """`x` converted to `dtype` (a no-op when it already has that type)."""
    t = lift(x)
    if t.dtype == dtype and t.weak == weak:
        return t
    return apply(Op.CAST, t, dtype=np.dtype(dtype), weak=weak)


# -- Python operators ----------------------------------------------------------------------


def _forward(op: Op):
    def method(self, other):
        try:
            return apply(op, self, other)
        except NotOperand:
            return NotImplemented

    return method


def _reflected(op: Op):
    def method(self, other):
        try:
            return apply(op, other, self)
        except NotOperand:
            return NotImplemented

    return method


def _unary(op: Op):
    def method(self):
        return apply(op, self)

    return method


@functools.lru_cache(maxsize=512)
def _instructions(code):
    instructions = list(dis.get_instructions(code))
    return {ins.offset: i for i, ins in enumerate(instructions)}, instructions


_STACK_SHUFFLES = frozenset({"SWAP", "COPY", "ROT_TWO", "ROT_THREE", "ROT_FOUR", "ROT_N",
                             "DUP_TOP", "DUP_TOP_TWO", "NOP", "CACHE", "EXTENDED_ARG"})


def _stored_into_subscript(frame) -> bool:
    """Whether the augmented assignment running in `frame` stores its result with
    `container[key] = ...` (as `a[i] += v` does), rather than rebinding a name."""
    try:
        index_of, instructions = _instructions(frame.f_code)
        i = index_of.get(frame.f_lasti)
    except Exception:
        return False
    if i is None:
        return False
    for ins in instructions[i + 1:]:
        if ins.opname not in _STACK_SHUFFLES:
            return ins.opname == "STORE_SUBSCR"
    return False


def _inplace(op: Op):
    """`a op= b`: for arrays, NumPy updates `a` in place, keeping its shape and dtype."""

    def method(self, other):
        try:
            result = apply(op, self, other)
        except NotOperand:
            return NotImplemented
        if not self.shape and not isinstance(self._alias, CallerArray):
            return result  # a NumPy scalar: immutable, `+=` rebinds the name
        if result.shape != self.shape:
            raise ValueError(f"non-broadcastable output operand with shape {self.shape} "
                             f"doesn't match the broadcast shape {result.shape}")
        if result.dtype != self.dtype:
            if not np.can_cast(result.dtype, self.dtype, "same_kind"):
                raise TypeError(f"Cannot cast ufunc '{op.printed_name}' output from "
                                f"{result.dtype!r} to {self.dtype!r} with casting rule "
                                f"'same_kind'")
            result = cast(result, self.dtype)
        if self._alias is not None and not isinstance(self._alias, CallerArray):
            if _stored_into_subscript(sys._getframe(1)):
                return result  # `a[i] += v`: the write-back is a[i]'s __setitem__
            if self._base is not None:  # a view: the write goes through to its base
                self[...] = result
                return self
            self._check_writable()
        if isinstance(self._alias, CallerArray) and self.shape:
            self[...] = result  # into the caller's buffer itself (memory plan: donated)
        else:
            self._rebind(result.value, result._sources)
        return self

    return method


_BINARY = {
    "add": Op.ADD, "sub": Op.SUB, "mul": Op.MUL, "truediv": Op.TRUEDIV,
    "floordiv": Op.FLOORDIV, "mod": Op.MOD, "pow": Op.POW, "matmul": Op.MATMUL,
    "and": Op.BITWISE_AND, "or": Op.BITWISE_OR, "xor": Op.BITWISE_XOR,
    "lshift": Op.LEFT_SHIFT, "rshift": Op.RIGHT_SHIFT,
}
for _name, _op in _BINARY.items():
    setattr(Tensor, f"__{_name}__", _forward(_op))
    setattr(Tensor, f"__r{_name}__", _reflected(_op))
    setattr(Tensor, f"__i{_name}__", _inplace(_op))
for _name, _op in {"lt": Op.LT, "le": Op.LE, "gt": Op.GT, "ge": Op.GE,
                   "eq": Op.EQ, "ne": Op.NE}.items():
    setattr(Tensor, f"__{_name}__", _forward(_op))
for _name, _op in {"neg": Op.NEG, "pos": Op.POS, "abs": Op.ABS, "invert": Op.INVERT}.items():
    setattr(Tensor, f"__{_name}__", _unary(_op))


def _divmod(self, other):
    try:
        return apply(Op.FLOORDIV, self, other), apply(Op.MOD, self, other)
    except NotOperand:
        return NotImplemented


def _rdivmod(self, other):
    try:
        return apply(Op.FLOORDIV, other, self), apply(Op.MOD, other, self)
    except NotOperand:
        return NotImplemented


Tensor.__divmod__ = _divmod
Tensor.__rdivmod__ = _rdivmod

__all__ = ["Tensor", "is_tensor", "lift", "apply", "cast", "to_value", "merge_sources",
           "NotOperand", "EMPTY", "StagingError"]
