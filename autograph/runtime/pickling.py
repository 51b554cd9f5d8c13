"""Converted functions cross process boundaries (multiprocessing, Dask workers) as pickles.

What travels is the user's function and the `convert` options, never generated program
text: the receiving process converts, traces and compiles for itself. Its compiled
programs come from its own disk cache (`codegen/cache.py`, keyed by the hash of the
program text) when an earlier process on that machine built them, or are compiled once.
Nothing received is ever `exec`'d as text.

Two ways, chosen when pickling:

- *By name.* A function defined at the top level of an importable module (or a method of
  a top-level class) pickles as `(module, qualname, options)`, exactly as Python pickles
  plain functions, so the standard `pickle` suffices. The receiver imports the module and
  looks the name up: it finds the module's own converted function (returned as is, so its
  signature cache serves every task), or the plain function, which it converts once.
- *By value.* Closures, lambdas and functions defined in `__main__` (a script is not
  importable on a worker) cannot be found by name: the original Python function is pickled
  by cloudpickle, together with the lines of its source file, because conversion reads
  source and a worker on another machine may not have the file (the lines are registered
  in `linecache` under the original file name, which is where conversion looks). The
  receiver converts the function again.

Each process keeps one converted function per pickled identity (name and options, or the
hash of the by-value payload). A Dask worker may unpickle a task's function once per
task; without this memo every task would start with an empty signature cache and trace
again.
"""

from __future__ import annotations

import collections
import hashlib
import importlib
import linecache
import pickle
import threading
import types

from autograph.errors import AutographError
from autograph.pyct import sources

_MEMO_SIZE = 64  # by-value functions kept per process (least recently used dropped)
_UNIMPORTABLE_MODULES = frozenset({None, "__main__", "__mp_main__"})
_DYNAMIC_FILENAME = "<dynamic-code>"  # what cloudpickle writes in place of co_filename

_lock = threading.Lock()
_by_name: dict[tuple, object] = {}
_by_value: "collections.OrderedDict[tuple, object]" = collections.OrderedDict()
_pickling = threading.local()


class PicklingError(AutographError, pickle.PicklingError):
    """A converted function cannot be pickled (a closure without cloudpickle installed)."""


# ---- the pickling side ---------------------------------------------------------------------


def reduce_converted(function, fn, options: tuple):
    """`ConvertedFunction.__reduce__`: by name when `fn` (the user's function) can be found
    again by its module and qualified name, else by value. `options` is the tuple of
    `convert` keyword values (backend, static_argnames, optimize)."""
    module = getattr(fn, "__module__", None)
    qualname = getattr(fn, "__qualname__", None)
    if _findable(function, fn, module, qualname):
        return _restore_by_name, (module, qualname, options)
    return _restore_by_value, (_payload(function, fn), options)


def _findable(function, fn, module, qualname) -> bool:
    if module in _UNIMPORTABLE_MODULES or not qualname or "<" in qualname:
        return False  # __main__, <locals>, <lambda>
    try:
        found = _lookup(module, qualname)
    except (ImportError, AttributeError):
        return False
    return found is function or found is fn or getattr(found, "_fn", None) is fn


def _payload(function, fn) -> bytes:
    try:
        import cloudpickle
    except ImportError:
        raise PicklingError(
            f"cannot pickle {function!r} by name (it is a closure, a lambda or defined in "
            f"__main__): install cloudpickle to pickle it by value, or define it at the top "
            f"level of an importable module") from None
    active = _pickling.__dict__.setdefault("ids", set())
    if id(function) in active:
        raise PicklingError(f"cannot pickle {function!r} by value: its closure refers to "
                            f"itself; define it at the top level of a module")
    target = sources.unwrap(fn)
    code = getattr(target, "__code__", None)
    filename = code.co_filename if code is not None else None
    lines = tuple(linecache.getlines(filename)) if filename else ()
    active.add(id(function))
    try:
        return cloudpickle.dumps((filename, lines, fn), protocol=pickle.HIGHEST_PROTOCOL)
    finally:
        active.discard(id(function))


def _lookup(module: str, qualname: str):
    found = importlib.import_module(module)
    for part in qualname.split("."):
        found = getattr(found, part)
    return found


# ---- the receiving side ------------------------------------------------------------------------


# `autograph.convert`, installed by runtime/api.py when it is imported (which importing this
# module in a receiving process always does first, through the package's __init__): this
# module sits below the api, which uses it to pickle.
_converter = None


def install_converter(convert) -> None:
    global _converter
    _converter = convert


def _convert(fn, options: tuple):
    backend, static_argnames, optimize, *more = options  # more: ((name, value), ...)
    return _converter(fn, backend=backend, static_argnames=static_argnames, optimize=optimize,
                      **dict(more[0] if more else ()))


def _options_of(function) -> tuple | None:
    options = getattr(function, "_pickle_options", None)
    return options() if callable(options) else None


def _restore_by_name(module: str, qualname: str, options: tuple):
    """The module's own converted function when its options match, else the function
    found there converted with `options` (once per process)."""
    found = _lookup(module, qualname)
    if _options_of(found) == options:
        return found
    key = (module, qualname, options)
    with _lock:
        function = _by_name.get(key)
        if function is None:
            function = _by_name[key] = _convert(getattr(found, "_fn", found), options)
    return function


def _restore_by_value(payload: bytes, options: tuple):
    """The function in `payload` converted with `options`, once per distinct payload."""
    key = (hashlib.sha256(payload).digest(), options)
    with _lock:
        function = _by_value.get(key)
        if function is not None:
            _by_value.move_to_end(key)
            return function
    filename, lines, fn = pickle.loads(payload)
    if filename:
        _relocate(sources.unwrap(fn), filename, set())
        if lines and tuple(linecache.getlines(filename)) != lines:
            # mtime None: linecache.checkcache keeps the entry instead of rereading the file.
            linecache.cache[filename] = (sum(map(len, lines)), None, list(lines), filename)
    with _lock:
        function = _by_value.get(key)
        if function is None:
            function = _by_value[key] = _convert(fn, options)
            while len(_by_value) > _MEMO_SIZE:
                _by_value.popitem(last=False)
    return function


def _relocate(fn, filename: str, seen: set) -> None:
    """Gives `fn`, and the helpers from its module that it refers to, their file name back.

    cloudpickle replaces every code object's `co_filename` with "<dynamic-code>" (to make
    payloads deterministic), but conversion finds a function's source by that name. The
    functions are fresh copies made by unpickling, so rewriting their code is harmless.
    """
    if not isinstance(fn, types.FunctionType) or id(fn) in seen:
        return
    seen.add(id(fn))
    if fn.__code__.co_filename == _DYNAMIC_FILENAME:
        fn.__code__ = _with_filename(fn.__code__, filename)
    cells = [cell.cell_contents for cell in fn.__closure__ or () if _filled(cell)]
    for value in [*fn.__globals__.values(), *cells]:
        if isinstance(value, types.FunctionType) and value.__module__ == fn.__module__:
            _relocate(value, filename, seen)


def _with_filename(code: types.CodeType, filename: str) -> types.CodeType:
    consts = tuple(_with_filename(c, filename)
                   if isinstance(c, types.CodeType) and c.co_filename == _DYNAMIC_FILENAME
                   else c for c in code.co_consts)
    return code.replace(co_filename=filename, co_consts=consts)


def _filled(cell) -> bool:
    try:
        cell.cell_contents
    except ValueError:
        return False
    return True
