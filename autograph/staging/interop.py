"""A user's own Numba functions called inside a converted function: one CALL node each.

Why: people who reach for autograph often already have `@numba.njit`, `@numba.vectorize`
or `@numba.stencil` functions. Called with traced values, Numba's dispatcher would see a
`Tensor` and fail with "non-precise type pyobject" and no line of the user's; here the
call becomes an IR node (`Op.CALL`) that the CPU program makes as a plain call of the
user's dispatcher (with its own options: `cache=True`, `fastmath`, ... are the
dispatcher's), and the `python` backend makes by calling the dispatcher itself.

What the node's results are comes from Numba, not from us: `TYPER` (installed by the
runtime, which may import the CPU backend's `codegen/cpu/interop.py`; staging never
imports Numba) types the call for read-only arrays of the traced dtypes and ranks. That
one typing answers three questions soundly:

- the result dtypes and ranks (Numba's own inference);
- whether the function writes into an argument: setitem on a read-only array does not
  type, so such a function is refused with an error naming it (a functional graph cannot
  follow writes made inside compiled code);
- whether a result may share memory with an argument: Numba types a view of a read-only
  array as read-only, so such a result is refused too, and every result the node has is
  a fresh array.

Result *shapes* are not part of Numba's types. They are found by calling the function
on zero-filled arrays of the traced shapes while tracing (the dispatcher compiles then
for the argument types the program will use); for `vectorize` and `stencil` functions
the shape follows from the input shapes, for `njit` functions it may depend on the
values, so the program checks every array result's shape when it runs and raises
naming the function if it differs.

Arguments may be tensors, numbers and NumPy arrays (keywords are bound to the Python
function's parameters); anything else is a clear error. Calls with no traced argument
are plain calls, evaluated while tracing like any Python function of Python values.
"""

from __future__ import annotations

import inspect

import numpy as np

from autograph.ir.ops import Op
from autograph.ir.types import TensorType
from autograph.staging import context
from autograph.staging.tensor import EMPTY, Tensor, cast, lift, merge_sources

# Installed by the runtime: TYPER(function, kind, arg_types, examples) ->
# (list of result TensorTypes, is_tuple); raises AutographError with Numba's reason.
TYPER = None

# type(fn).__name__ of the Numba objects that take the route, by kind.
_KINDS = {"CPUDispatcher": "njit", "DUFunc": "vectorize", "GUFunc": "guvectorize",
          "StencilFunc": "stencil", "CUDADispatcher": "cuda.jit"}


def kind_of(fn) -> str | None:
    """'njit', 'vectorize', 'guvectorize', 'stencil' or 'cuda.jit' for a Numba callable;
    None for anything else (duck-typed: staging does not import Numba)."""
    cls = type(fn)
    if not (cls.__module__ or "").startswith("numba."):
        return None
    for klass in cls.__mro__:
        found = _KINDS.get(klass.__name__)
        if found is not None:
            return found
    return None


def holds_tensor(values) -> bool:
    return any(isinstance(v, Tensor) for v in values)


def routes(fn, args, kwargs) -> bool:
    """Whether `fn(*args, **kwargs)` is a Numba function called with traced values."""
    return (kind_of(fn) is not None and context.current() is not None
            and holds_tensor(list(args) + list((kwargs or {}).values())))


class UserFunction:
    """The CALL node's `function` attribute: the user's Numba object plus how to name it.

    Equal (and hashed) by the object's identity, so two calls of one function may be
    merged by CSE and calls of two functions never are. `module`/`qualname` say where
    the program can import it from (None when it is not importable by that path: a
    function defined in a local scope); `fingerprint` changes when its code or options
    do, so that a program text naming an edited function is a new text."""

    __slots__ = ("fn", "kind", "name", "module", "qualname", "fingerprint")

    def __init__(self, fn, kind: str):
        self.fn = fn
        self.kind = kind
        py = getattr(fn, "py_func", None) or getattr(fn, "kernel_ir", None) or fn
        if kind == "vectorize" or kind == "guvectorize":
            py = getattr(getattr(fn, "_dispatcher", None), "py_func", None) or \
                getattr(fn, "__wrapped__", None) or py
        if kind == "stencil":
            py = getattr(fn, "kernel_ir", None) and getattr(fn.kernel_ir, "func_id", None)
            py = getattr(py, "func", None) or fn
        self.qualname = getattr(py, "__qualname__", None) or getattr(fn, "__name__", "f")
        self.module = getattr(py, "__module__", None)
        self.name = f"{self.module}.{self.qualname}" if self.module else self.qualname
        self.fingerprint = _fingerprint(py, fn)

    def importable(self) -> bool:
        import sys

        module = sys.modules.get(self.module or "")
        target = module
        for part in self.qualname.split("."):
            target = getattr(target, part, None)
        return module is not None and "<locals>" not in self.qualname and target is self.fn

    def __call__(self, *args):
        return self.fn(*args)

    def __eq__(self, other):
        return isinstance(other, UserFunction) and other.fn is self.fn

    def __hash__(self):
        return id(self.fn)

    def __repr__(self):
        return f"{self.kind}:{self.name}"


def _fingerprint(py, fn) -> str:
    import hashlib
    import marshal

    h = hashlib.sha256()
    code = getattr(py, "__code__", None)
    if code is not None:
        h.update(marshal.dumps(code))
    h.update(repr(sorted((getattr(fn, "targetoptions", None) or {}).items())).encode())
    return h.hexdigest()[:12]


def _bind(fn, kind: str, name: str, args, kwargs) -> list:
    """The call's arguments by position (keywords bound to the Python function's
    parameters; defaults filled in before a later given argument)."""
    if not kwargs:
        return list(args)
    py = getattr(fn, "py_func", None)
    if kind != "njit" or py is None:
        key = next(iter(kwargs))
        raise context.staging_error(f"{name}(..., {key}=...): keyword arguments are not "
                                    f"supported in calls of a numba {kind} function inside "
                                    f"a converted function")
    sig = inspect.signature(py)
    try:
        bound = sig.bind(*args, **kwargs)
    except TypeError as exc:
        raise context.staging_error(f"{name}: {exc}") from None
    out = []
    params = list(sig.parameters.values())
    last = max(i for i, p in enumerate(params) if p.name in bound.arguments)
    for i, p in enumerate(params[:last + 1]):
        if p.kind in (p.VAR_POSITIONAL, p.VAR_KEYWORD):
            raise context.staging_error(f"{name}: keyword arguments with *args/**kwargs "
                                        f"parameters are not supported; pass them by position")
        if p.name in bound.arguments:
            out.append(bound.arguments[p.name])
        else:
            out.append(p.default)
    return out


def _argument(value, position: int, name: str):
    if isinstance(value, Tensor):
        return value
    if isinstance(value, (bool, int, float, complex, np.generic, np.ndarray)):
        return lift(value)
    raise context.staging_error(
        f"{name}: argument {position} is a {type(value).__name__}; a numba function "
        f"called with traced values inside a converted function takes arrays and numbers")


def example(t: TensorType):
    """A zero of type `t` as the program would pass it: a Python scalar when weak, a NumPy
    scalar when 0-d, else a zero-filled array."""
    if t.weak:
        return t.dtype.type(0).item()
    if not t.shape:
        return t.dtype.type(0)
    return np.zeros(t.shape, t.dtype)


def call(fn, args, kwargs):
    """Stages `fn(*args, **kwargs)`, a Numba function called with traced values."""
    kind = kind_of(fn)
    function = UserFunction(fn, kind)
    name = function.name
    if kind == "cuda.jit":
        raise context.staging_error(
            f"{name} is a numba.cuda.jit function: calling CUDA device functions inside a "
            f"converted function is not supported (not on cpu, python or cuda); write the "
            f"computation with NumPy, or call a @numba.njit function")
    if kind == "guvectorize":
        raise context.staging_error(
            f"{name} is a numba.guvectorize function: not supported inside a converted "
            f"function yet; wrap the loop in a @numba.njit function that allocates and "
            f"returns its result")
    values = [_argument(v, i, name) for i, v in enumerate(_bind(fn, kind, name, args, kwargs))]
    types = [t.value.type for t in values]
    if TYPER is None:
        raise context.staging_error(f"{name}: numba functions can be called only when "
                                    f"autograph's runtime is loaded")
    try:
        results, is_tuple = TYPER(function, types, [example(t) for t in types])
    except Exception as exc:
        if hasattr(exc, "with_origin"):
            raise exc.with_origin(context.user_origin(2)) from None
        raise
    ctx = context.require()
    text = " ".join(str(t) for t in results)
    outputs = ctx.emit(Op.CALL, [t.value for t in values], function=function, name=name,
                       results=text, tuple=is_tuple)
    if not isinstance(outputs, tuple):
        outputs = (outputs,)
    sources = EMPTY
    for t in values:
        sources = merge_sources(sources, t._sources)
    tensors = tuple(Tensor(v, sources) for v in outputs)
    if kind == "njit":  # a vectorize function returns NumPy scalars, as a ufunc does
        tensors = tuple(_boxed(t) for t in tensors)
    return tensors if is_tuple else tensors[0]


_BOXED = {"b": np.dtype(np.bool_), "i": np.dtype(np.int64), "u": np.dtype(np.int64),
          "f": np.dtype(np.float64), "c": np.dtype(np.complex128)}


def _boxed(t: Tensor) -> Tensor:
    """A 0-d result as Numba hands it to Python: a Python bool/int/float/complex (weak),
    whatever its machine type was inside the function."""
    if t.shape:
        return t
    return cast(t, _BOXED[t.dtype.kind], weak=True)


__all__ = ["TYPER", "UserFunction", "call", "example", "kind_of", "routes"]
