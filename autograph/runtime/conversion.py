"""From a user's function to its converted twin: `to_function`, `to_source`, and the
`converted_call` through which converted code calls everything else.

Conversion is lazy and cached by code object: a helper is converted the first time a
converted function calls it, and a closure made again on every call reuses the compiled
code and only rebinds its cells. Errors raised inside converted code get a note naming the
user's original line (the source map built when the code was rendered).
"""

from __future__ import annotations

import dataclasses
import functools
import inspect
import threading
import types
import weakref

from autograph import converters, operators
from autograph.converters import base
from autograph.errors import AutographError, ConversionError
from autograph.operators import creation, py_builtins
from autograph.pyct import loader, origins, parsing, rendering, sources
from autograph import staging
from autograph.staging import interop


@dataclasses.dataclass(frozen=True)
class ConvertedCode:
    """One converted function's compiled code, its text and where each line came from."""

    code: types.CodeType
    source: str
    filename: str
    source_map: dict[int, origins.Origin]


_code_cache: dict[types.CodeType, ConvertedCode] = {}
_function_cache: "weakref.WeakKeyDictionary[types.FunctionType, types.FunctionType]" = (
    weakref.WeakKeyDictionary()
)
_source_maps: dict[str, dict[int, origins.Origin]] = {}
_lock = threading.RLock()

# Modules whose functions are called as they are: libraries, not user code.
_DO_NOT_CONVERT = ("autograph", "numpy", "numba", "scipy", "builtins", "functools", "inspect",
                   "typing", "collections", "abc", "threading", "contextlib", "copy", "math",
                   "operator", "random", "re", "os", "sys", "dask", "distributed", "pytest")


def _make_runtime() -> types.ModuleType:
    runtime = types.ModuleType(base.RUNTIME, "The autograph runtime seen by converted code.")
    for name in operators.__all__:
        setattr(runtime, name, getattr(operators, name))
    runtime.converted_call = converted_call
    return runtime


# -- conversion ----------------------------------------------------------------------------


def _convert_code(fn: types.FunctionType, renderer: str = "auto") -> ConvertedCode:
    with _lock:
        cached = _code_cache.get(fn.__code__)
        if cached is not None and renderer == "auto":
            return cached
        node, src = parsing.parse_function(fn)
        converted = converters.convert_node(node, src.filename)
        text = rendering.render(converted, renderer)
        compiled = loader.compile_function(
            converted, text, fn, (base.RUNTIME,), f"{fn.__qualname__} from {src.filename}:{src.first_lineno}")
        source_map = origins.map_lines(converted, compiled.parsed)  # lines of the registered file
        result = ConvertedCode(compiled.code, text, compiled.filename, source_map)
        _source_maps[compiled.filename] = source_map
        if renderer == "auto":
            _code_cache[fn.__code__] = result
        return result


def _target_function(fn):
    inner = getattr(fn, "__ag_python_function__", None)  # an @autograph.convert function
    if inner is not None:
        fn = inner.__wrapped__  # to_function's wrapper wraps the user's function
    fn = sources.unwrap(fn)
    if not isinstance(fn, types.FunctionType):
        raise ConversionError(f"cannot convert {fn!r}: only Python functions, methods and lambdas can be")
    return fn


def to_function(fn):
    """The converted version of `fn` as a Python function: called with Python values it
    behaves like `fn`; called while tracing it stages tensors. Cached per function."""
    target = _target_function(fn)
    raw = _converted_function(target)
    if inspect.ismethod(fn):
        raw = types.MethodType(raw, fn.__self__)

    @functools.wraps(target)
    def converted(*args, **kwargs):
        try:
            return raw(*args, **kwargs)
        except Exception as error:
            _note_user_line(error)
            raise

    converted.__ag_raw__ = raw
    return converted


def _converted_function(fn: types.FunctionType) -> types.FunctionType:
    found = _function_cache.get(fn)
    if found is not None:
        return found
    converted = _convert_code(fn)
    bound = loader.bind_function(converted.code, fn, {base.RUNTIME: RUNTIME})
    _function_cache[fn] = bound
    return bound


def to_source(fn, renderer: str = "auto") -> str:
    """The converted (graph-building) source of `fn`, as text."""
    return _convert_code(_target_function(fn), renderer).source


# -- calls from converted code --------------------------------------------------------------


def _should_convert(fn: types.FunctionType) -> bool:
    if fn.__code__.co_filename in _source_maps:
        return False  # defined inside converted code: converted already
    module = getattr(fn, "__module__", None) or ""
    if module.split(".")[0] in _DO_NOT_CONVERT:
        return False
    if fn.__code__.co_flags & (inspect.CO_GENERATOR | inspect.CO_COROUTINE | inspect.CO_ASYNC_GENERATOR):
        return False
    return sources.has_source(fn)


def converted_call(fn, args: tuple, kwargs: dict | None):
    """Calls `fn(*args, **kwargs)` from converted code, converting `fn` first if it is user code."""
    kwargs = kwargs or {}
    if _hashable(fn):
        if fn in py_builtins.OVERLOADED:
            return py_builtins.call_builtin(fn, args, kwargs)
        if fn in py_builtins.ITERABLES:  # np.ndindex: one whose loop can be staged
            return py_builtins.ITERABLES[fn](*args, **kwargs)
        if creation.routes(fn):  # np.zeros(...), np.random.rand(...) while tracing: a node
            return creation.call_creation(fn, args, kwargs)
    if interop.routes(fn, args, kwargs):  # the user's numba function on traced values
        return interop.call(fn, args, kwargs)
    inner = getattr(fn, "__ag_python_function__", None)  # an @autograph.convert function
    if inner is not None:
        fn = inner.__wrapped__  # the user's function; it is converted (and cached) as any other
    if isinstance(getattr(fn, "__self__", None), list) and getattr(fn, "__name__", "") == "pop" \
            and staging.in_staged_region():  # `x = lst.pop()` would pop once, while tracing
        return staging.list_pop(fn.__self__, *args)
    call_args = args  # for `fn` itself; `args` gains `self` below when fn is a method
    if isinstance(fn, types.MethodType) and isinstance(fn.__func__, types.FunctionType):
        target, args = fn.__func__, (fn.__self__,) + tuple(args)
    else:
        target = fn
    if isinstance(target, types.FunctionType) and hasattr(target, "__wrapped__"):
        target = sources.unwrap(target)  # functools.wraps: convert what it wraps, as to_function does
    if not isinstance(target, types.FunctionType) or not _should_convert(target):
        return fn(*call_args, **kwargs)
    try:
        converted = _converted_function(target)
    except ConversionError:
        return fn(*call_args, **kwargs)  # e.g. a generator helper: it keeps its Python meaning
    try:
        return converted(*args, **kwargs)
    except Exception as error:
        _note_user_line(error)
        raise


def origin_of(filename: str, lineno: int):
    """The user's Origin of line `lineno` of converted file `filename`, or None."""
    mapping = _source_maps.get(filename)
    return None if mapping is None else mapping.get(lineno)


def _hashable(value) -> bool:
    try:
        hash(value)
    except TypeError:
        return False
    return True


# -- errors point at the user's line ------------------------------------------------------------


def _note_user_line(error: BaseException) -> None:
    """Adds the user's line of the innermost converted frame to `error`, once."""
    if getattr(error, "_ag_noted", False):
        return
    origin = None
    tb = error.__traceback__
    while tb is not None:
        mapping = _source_maps.get(tb.tb_frame.f_code.co_filename)
        if mapping is not None:
            origin = mapping.get(tb.tb_lineno, origin)
        tb = tb.tb_next
    if origin is None:
        return
    if isinstance(error, AutographError):
        error.with_origin(origin)
    else:
        note = (f"in converted code, from the user's line:\n"
                f'  File "{origin.filename}", line {origin.lineno}, in {origin.function_name}\n'
                f"    {origin.source_line.strip()}")
        if hasattr(error, "add_note"):
            error.add_note(note)
    try:
        error._ag_noted = True
    except AttributeError:
        pass


RUNTIME = _make_runtime()


def _install_numba_typer() -> None:
    """Staging types calls of user numba functions with the CPU backend's typer (staging
    itself never imports Numba or the code generators)."""
    try:
        from autograph.codegen.cpu import interop as cpu_interop
    except ImportError:  # no CPU backend: calls of numba functions stay an error
        return
    interop.TYPER = cpu_interop.result_types


_install_numba_typer()
