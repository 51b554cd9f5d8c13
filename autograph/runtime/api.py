"""`autograph.convert`: convert, trace per signature, compile, cache, call.

    @autograph.convert                      # or convert(backend="python", static_argnames=...)
    def f(x, n): ...

    f(x, 3)                # traced and compiled for (f32[3], int) on the first call, cached
    f.lower(x, 3).graph    # the IR of that specialisation; .source the generated program
    print(f.explain())     # every trace, its signature and why it happened

A call computes a signature key (staging.signature_key: arrays by shape and dtype, Python
ints/floats by type, static arguments by value) and looks up the compiled specialisation.
Calls with positional arguments only take one of three paths, cheapest first:

1. the *guard* of the signature used last (staging.guards): straight-line code that checks
   each argument's class, dtype and shape (or static value) against constants, reads the
   captured arrays where they are bound, and calls the compiled program — a Numba
   dispatcher, directly — returning its output without generic pytree handling. It
   builds no key and takes no lock.
2. on a miss, a key of the positional arguments (`_fast_key`) finds the guard of another
   signature seen before, which becomes the one tried first;
3. otherwise (keywords, containers, a new signature) the general path: bind the
   arguments, compute the signature key, trace and compile under the lock if it is new
   (so one signature is traced once however many threads race on it), and make its guard.

Captured arrays are read at call time where the tracer found them bound (a closure cell,
a global, an attribute of a static argument; staging.captures): an array rebound to one
of the same shape and dtype is used as it is, one of another shape or dtype makes the
specialisation stale and the function is traced again.

When tracing needs the concrete value of a Python scalar argument (a shape, a list index),
staging raises NeedsStaticArgument and the function is traced again with that argument
static — from then on for every call — and the reason is kept for `explain()`.
"""

from __future__ import annotations

import functools
import inspect
import os
import sys
import threading
import warnings
from typing import Sequence

import numpy as np

from autograph import ir, staging
from autograph.runtime import conversion, pickling, retracing, trace_cache, writeback
from autograph.runtime.compiling import (_Interpreted, check_threads,  # noqa: F401
                                        compile_program)
from autograph.views import display, explanation
from autograph.errors import AutographError
from autograph.ir.analysis import aliasing
from autograph.ir.types import DTYPE_NAMES
from autograph.runtime.optimization import Optimization
from autograph.staging import argument_keys, context as _context, guards, tracing
from autograph.staging.captures import HELD, Site, StaleCapture
from autograph.staging.guards import MISS

BACKENDS = ("cpu", "cuda", "python")
MAX_TRACES_BEFORE_WARNING = retracing.DEFAULT_MAX_TRACES  # see convert(..., max_traces=)
RetraceWarning = retracing.RetraceWarning


_compile = compile_program  # backends: runtime/compiling.py


def _optimize(graph: ir.Graph) -> ir.Graph:
    """The default pass pipeline (autograph.passes) on a copy of the traced graph."""
    return Optimization.of(True).run(graph)[0]


# ---- specialisations ------------------------------------------------------------------------


class Specialization:
    """One traced and compiled signature, with its precomputed call plan."""

    def __init__(self, trace: tracing.Trace, graph: ir.Graph, program, key, description,
                 reason, backend: str):
        self.trace = trace
        self.graph = graph
        self.program = program
        self.key = key
        self.description = description
        self.reason = reason
        self.build: explanation.Build | None = None  # set by whoever built it
        params = graph.inputs
        # 0-d strong inputs are passed to programs as NumPy scalars, not 0-d arrays.
        self.scalar_inputs = [i for i, p in enumerate(params)
                              if p.type.shape == () and not p.type.weak]
        self.captured = tuple(trace.captured)
        # The captured arrays last checked against the graph; guards pass on the arrays
        # they read only if these are the same objects (see staging.guards).
        self.now = list(trace.captured)
        self.finish, self.finisher = trace.finisher()
        # Fresh results the program may return sharing a buffer the caller sees (an
        # argument, a constant, another result): copied here (ir/analysis/aliasing.py).
        self.copies = aliasing.outputs_to_copy(graph, trace.fresh_outputs,
                                               trace.fresh_view_outputs)
        # Views of an argument the program may return as the argument's own object (a
        # view the passes folded away, `x[:]`, `x.reshape(x.shape)`): NumPy's is a new one.
        views = aliasing.outputs_into_inputs(graph) & trace.view_outputs
        if self.copies or views:
            self.finish = "writeback" if self.finish == "writeback" else "build"
            self.finisher = functools.partial(_copy_outputs, trace.build_outputs,
                                              tuple(sorted(self.copies)), tuple(sorted(views)))
        # Object arguments keyed by structure (argument_keys.py), set by the api.
        self.keyed_objects: frozenset = frozenset()
        # The Numba CPU program's jitted function (its dispatcher), called directly by
        # guards when every input already has its exact type.
        self.raw = getattr(program, "function", None) if backend == "cpu" else None

    @property
    def source(self) -> str:
        return getattr(self.program, "source", str(self.graph))

    def _run(self, flat):
        if self.finish == "writeback":  # the function writes into arguments
            return writeback.run(self, flat)
        for i in self.scalar_inputs:
            value = flat[i]
            if isinstance(value, np.ndarray):
                flat[i] = value[()]
        outputs = self.program(*flat)
        if self.finish == "first":
            return outputs[0]
        if self.finish == "convert":
            return self.finisher(outputs[0])
        return self.finisher(outputs)

    def call_bound(self, bound: inspect.BoundArguments):
        """Runs the program on a bound call (raises StaleCapture if a captured array was
        rebound to one of another shape or dtype)."""
        flat = self.trace.flat_inputs(bound)
        first = len(flat) - len(self.now)
        for k, value in enumerate(flat[first:]):
            self.now[k] = value  # checked by flat_inputs: guards may pass it on
        return self._run(flat)

    def guard(self, name: str, args: tuple, bound: inspect.BoundArguments, fallback):
        """A guard (staging.guards) for calls with positional arguments like `args`, or
        None when some argument needs binding (a container, a keyword-only traced one);
        calls it does not fit go to `fallback(args, kwargs)`."""
        trace = self.trace
        if any(s.leaf is not None for s in trace.inputs) or self.finish == "writeback":
            return None
        keyed = self.keyed_objects
        n = len(args)
        values = list(bound.arguments.values())
        inputs = self.graph.inputs
        input_of = {s.param: j for j, s in enumerate(trace.inputs)}
        arguments = []
        for i, value in enumerate(args):
            if trace.param_names[i] in trace.static_args:
                arguments.append(argument_keys.guard_argument(
                    i, value, trace.param_names[i] in keyed))
            elif i not in input_of:
                return None
            elif type(value) in _WEAK_SCALARS:
                arguments.append(guards.weak_scalar(i, value))
            elif type(value) is np.ndarray or isinstance(value, np.generic):
                ttype = inputs[input_of[i]].type
                arguments.append(guards.traced_array(i, value, ttype.shape == () and not
                                                     ttype.weak))
            else:
                return None
        extra, exact = [], True
        for j, s in enumerate(trace.inputs):
            if s.param >= n:  # a traced default: the same object on every call
                value = values[s.param]
                if j in self.scalar_inputs and isinstance(value, np.ndarray):
                    value = value[()]
                extra.append(value)
                exact = exact and _exact_input(value, inputs[j].type)
        run = self.raw if self.raw is not None and exact else self.program
        finish = self.finish
        if run is self.raw and finish == "convert" and self.graph.outputs[0].type.weak:
            finish = "first"  # Numba already returns a weak scalar as the Python type
        first = len(inputs) - len(self.now)
        scalar_sites = [first + k in self.scalar_inputs for k in range(len(self.now))]
        sites = trace.sites or [Site(HELD, "array", a, a) for a in self.captured]
        strict = run is self.raw
        guard = guards.build(name, arguments, extra, sites, scalar_sites, self.now, run,
                             finish, self.finisher, fallback,
                             {p: values[p] for p in range(n, len(values))},
                             strict=strict,
                             bare=strict and getattr(self.program, "bare", False),
                             buffers=getattr(self.program, "result_buffers", ()) if strict
                             else ())
        guard.spec = self
        return guard


def _copy_outputs(build, copies, views, outputs):
    """`build(outputs)` with the outputs at `copies` replaced by copies of themselves and
    those at `views` by new views of themselves."""
    outputs = list(outputs)
    for k in copies:
        outputs[k] = outputs[k].copy()
    for k in views:
        if isinstance(outputs[k], np.ndarray):
            outputs[k] = outputs[k].view()
    return build(outputs)


def _exact_input(value, ttype) -> bool:
    """Whether a Numba dispatcher would type `value` exactly as the graph input `ttype`."""
    if ttype.weak:
        return type(value) in _WEAK_SCALARS and np.dtype(type(value)) == ttype.dtype
    return (type(value) is np.ndarray or isinstance(value, np.generic)) and \
        value.dtype == ttype.dtype


_WEAK_SCALARS = (int, float, complex)


class Lowered:
    """The specialisation for some arguments: `.graph` (IR), `.source` (program), callable."""

    def __init__(self, spec: Specialization, signature: inspect.Signature, captured=None):
        self._spec = spec
        self._signature = signature
        self.graph = spec.graph
        self.traced_graph = spec.trace.graph
        self.source = spec.source
        self.static_args = dict(spec.trace.static_args)
        # The captured arrays (the last graph inputs, in order) as bound when lowered;
        # calls read them again where they are bound.
        self.captured = list(spec.trace.captured if captured is None else captured)

    def __call__(self, *args, **kwargs):
        return self._spec.call_bound(tracing.bind(self._signature, args, kwargs))

    def __str__(self) -> str:
        return str(self.graph)

    def __repr__(self) -> str:
        return f"<Lowered {self.graph.name}({self._spec.description})>"

    def _repr_html_(self) -> str:
        return display.lowered_html(self)


def _user_stacklevel() -> int:
    """The `stacklevel` of a warning issued by the caller that names the user's line: the
    first frame outside autograph's modules and guards (the call paths differ in depth)."""
    frame, level = sys._getframe(2), 2
    while frame is not None and (frame.f_code.co_filename.startswith(_PACKAGE_DIR)
                                 or frame.f_code.co_filename.startswith("<autograph")):
        frame, level = frame.f_back, level + 1
    return level


_PACKAGE_DIR = os.path.dirname(os.path.abspath(__file__))


def _identifier(name: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in name)
    return cleaned if cleaned.isidentifier() else "f"


# ---- the converted function ---------------------------------------------------------------------


class ConvertedFunction:
    """A user function, converted; calls run the compiled specialisation for their signature."""

    def __init__(self, fn, *, backend: str = "cpu", static_argnames=(),
                 optimize: bool | Sequence[str] = True, max_traces: int | None = None,
                 threads: int | None = None, cache_size: int | None = None):
        if backend not in BACKENDS:
            raise AutographError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._backend = backend
        self._optimization = Optimization.of(optimize)  # raises now for an unknown name
        self._signature = inspect.signature(fn)
        if isinstance(static_argnames, str):
            static_argnames = (static_argnames,)
        self._static = frozenset(static_argnames)
        params = self._signature.parameters
        takes_any = any(p.kind is p.VAR_KEYWORD for p in params.values())
        unknown = [n for n in self._static if n not in params and not takes_any]
        if unknown:
            raise AutographError(f"static_argnames {unknown} are not parameters of "
                                 f"{getattr(fn, '__qualname__', fn)}")
        self._auto_static: frozenset = frozenset()
        self._pinned: frozenset = frozenset()  # object arguments keyed by identity
        self._threads = check_threads(threads)
        self._python_function = None
        self._cache = trace_cache.TraceCache(trace_cache.cache_size(cache_size))
        self._fast: dict = {}  # fast key -> guard (staging.guards) of a specialisation
        # Calls go straight to the guard of the last signature (staging.guards), installed
        # as __call__ of a class of this function's own: see `_guard`.
        self.__class__ = type(type(self).__name__, (type(self),),
                              {"__module__": __name__, "__qualname__": type(self).__qualname__})
        self._general = lambda *args, **kwargs: self._call_general(args, kwargs)
        self._guard = self._general
        self._guard_name = "guard_" + _identifier(getattr(fn, "__name__", "f"))
        self._lock = threading.RLock()
        self._history = retracing.History(retracing.max_traces(max_traces),
                                          keep=2 * self._cache.size)
        self._positional = [p.name for p in params.values()
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self._max_fast_args = len(self._positional)
        self._static_positions = self._positions_of(self._static)

    def _positions_of(self, names) -> frozenset:
        return frozenset(i for i, n in enumerate(self._positional) if n in names)

    # -- the converted Python function --------------------------------------------------

    @property
    def python_function(self):
        """The AST-converted function (`autograph.to_function(fn)`)."""
        if self._python_function is None:
            self._python_function = conversion.to_function(self._fn)
        return self._python_function

    @property
    def __ag_python_function__(self):
        return self.python_function

    def __get__(self, obj, objtype=None):
        if obj is None:
            return self
        return _BoundConverted(self, obj)

    # -- calls ----------------------------------------------------------------------------

    def __call__(self, *args, **kwargs):
        # Replaced per instance by the guard of the last signature (see `_guard`).
        return self._guard(*args, **kwargs)

    @property
    def _guard(self):
        """What a call runs first: the guard of the last signature, which runs its program
        or hands the call to `_call_general`. Setting it installs it as the `__call__` of
        this function's own class, so that `f(x)` is one Python frame: a `__call__`
        method with `*args, **kwargs` that forwards to the guard cost ~200 ns more a call
        (most of the dispatch overhead on programs of a microsecond, W3 and W6)."""
        return self.__dict__["_guard_function"]

    @_guard.setter
    def _guard(self, guard) -> None:
        if self.__dict__.get("_guard_function") is not guard:
            self.__dict__["_guard_function"] = guard
            type(self).__call__ = staticmethod(guard)

    def _fast_key(self, args):
        """The key of a signature's guard for positional arguments (arrays by shape and
        dtype, NumPy and Python scalars by type, static values by value), or None if they
        need binding."""
        if len(args) > self._max_fast_args:
            return None
        static = self._static_positions
        key = []
        for i, a in enumerate(args):
            kind = type(a)
            if i in static:
                if kind is list or kind is dict or argument_keys.is_keyed_object(a):
                    return None  # compared by content or identity: bind
                key.append(tracing.static_key(a))
            elif kind is np.ndarray:
                if a.dtype not in DTYPE_NAMES:
                    return None
                key.append((a.shape, a.dtype))
            elif kind in _WEAK_SCALARS:
                key.append(kind)
            elif isinstance(a, np.generic):
                if a.dtype not in DTYPE_NAMES:
                    return None
                key.append(kind)
            elif argument_keys.is_keyed_object(a):
                if self._positional[i] in self._pinned:
                    return None
                key.append(argument_keys.object_key(a))
            elif tracing.is_plain_static(a):
                key.append(tracing.static_key(a))
            else:
                return None
        return tuple(key)

    def _call_general(self, args, kwargs):
        """A call the last guard did not take: another signature's guard, or binding."""
        if _context.active_traces and staging.is_tracing():  # called while tracing: inline
            return self.python_function(*args, **kwargs)
        key = None
        if not kwargs:
            key = self._fast_key(args)
            guard = self._fast.get(key) if key is not None else None
            if guard is not None:
                result = guard.attempt(args)
                if result is not MISS:
                    self._guard = guard
                    return result
        bound = tracing.bind(self._signature, args, kwargs)
        traces = self._history.count
        spec = self._specialization(args, kwargs, bound)
        try:
            result = spec.call_bound(bound)
        except StaleCapture as stale:
            spec = self._retrace_stale(spec, stale, args, kwargs, bound)
            result = spec.call_bound(bound)
        # (no guard takes a list argument, unless a trace just made it static)
        if not kwargs and (key is not None or self._history.count != traces):
            self._remember_guard(spec, args, bound)
        return result

    def _key(self, bound, static) -> tuple:
        return tracing.signature_key(bound, static, self._pinned)

    def _specialization(self, args, kwargs, bound) -> Specialization:
        spec = self._cache.lookup(self._key(bound, self._static | self._auto_static))
        if spec is None:
            spec = self._specialize(args, kwargs, bound)
        return spec

    def _remember_guard(self, spec: Specialization, args, bound) -> None:
        """Makes the guard of `spec` for these positional arguments the one tried first."""
        key = self._fast_key(args)  # after tracing: it may have made arguments static
        if key is None:
            return
        guard = self._fast.get(key)
        if guard is None or guard.spec is not spec:
            guard = spec.guard(self._guard_name, args, bound, self._call_general)
            if guard is None:
                return
            self._fast[key] = guard
        self._guard = guard

    def _retrace_stale(self, spec, stale: StaleCapture, args, kwargs, bound) -> Specialization:
        """Traces the function again in place of `spec`, which a captured array rebound
        to another shape or dtype made stale (if the trace fails, `spec` stays, and so
        does the reason to trace again on the next call)."""
        new = self._specialize(args, kwargs, bound, reason=str(stale), replacing=spec)
        with self._lock:
            self._forget(spec)
        return new

    def _specialize(self, args, kwargs, bound, reason: str | None = None,
                    replacing: Specialization | None = None) -> Specialization:
        """Traces, optimises and compiles the specialisation for a call, once: under the
        lock, if no other thread did it meanwhile (`replacing`: the stale one it
        replaces, which does not count as done)."""
        with self._lock:
            static = self._static | self._auto_static
            key = self._key(bound, static)
            spec = self._cache.lookup(key)
            if spec is not None and spec is not replacing:
                return spec
            reason = reason or self._history.reason(
                bound, key, next(reversed(self._cache.values()), None))
            clock = explanation.Stopwatch()
            made_static: list[str] = []  # one line per retrace, all kept for explain()
            while True:
                try:
                    trace = staging.trace(self.python_function, args, kwargs, static,
                                          getattr(self._fn, "__name__", "f"), self._signature)
                    break
                except staging.NeedsStaticArgument as error:
                    new = set(error.arg_names) - static
                    if not new or not new <= set(bound.arguments):
                        raise
                    self._auto_static = self._auto_static | new
                    self._static_positions = self._positions_of(self._static | self._auto_static)
                    static = self._static | self._auto_static
                    names = ", ".join(f"`{n}`" for n in sorted(new))
                    made_static.append(f"{names} made static: {error.reason}")
                    reason = "; ".join(made_static)
                    key = self._key(bound, static)
                    spec = self._cache.lookup(key)
                    if spec is not None and spec is not replacing:
                        return spec
            clock.lap("trace")
            keyed, pin, notes = argument_keys.keyed_objects(bound, static, self._pinned,
                                                            trace.sites)
            notes[:0] = getattr(trace, "notes", ())
            self._pinned = self._pinned | pin
            key = self._key(bound, static)  # objects pinned just now are keyed by identity
            graph, report = self._optimization.run(trace.graph)
            graph.donated = writeback.donated_inputs(trace, graph)
            clock.lap("optimise")
            program = compile_program(graph, self._backend, self._optimization, clock,
                                      getattr(self._fn, "__qualname__", "f"), self._threads,
                                      notes)
            description = tracing.describe_key(bound, static)
            spec = Specialization(trace, graph, program, key, description, reason,
                                  self._backend)
            spec.keyed_objects = keyed
            message = self._history.record(description, reason,
                                           retracing.describe_each(bound, static), notes)
            spec.build = explanation.Build(clock.laps, report, self._optimization.describe(),
                                           tuple(notes))
            for old in self._cache.put(key, spec):
                self._forget(old)
            if message:
                warnings.warn(RetraceWarning(f"{getattr(self._fn, '__qualname__', self._fn)} "
                                             f"{message}"), stacklevel=_user_stacklevel())
            return spec

    def _forget(self, spec: Specialization) -> None:
        """Drops the guards of a specialisation evicted or made stale."""
        for key, guard in list(self._fast.items()):
            if guard.spec is spec:
                del self._fast[key]
        if getattr(self._guard, "spec", None) is spec:
            self._guard = self._general

    # -- introspection ---------------------------------------------------------------------

    def lower(self, *args, **kwargs) -> Lowered:
        """The specialisation for these arguments (traced and compiled if needed)."""
        bound = tracing.bind(self._signature, args, kwargs)
        spec = self._specialization(args, kwargs, bound)
        values = list(bound.arguments.values())
        try:
            captured = spec.trace.captured_now(values)
        except StaleCapture as stale:
            spec = self._retrace_stale(spec, stale, args, kwargs, bound)
            captured = spec.trace.captured_now(values)
        return Lowered(spec, self._signature, captured)

    def explain(self) -> str:
        """Every trace of this function: its signature, why it happened, the passes that
        ran and what they changed, and the time each phase took (autograph.views.explanation)."""
        name = getattr(self._fn, "__qualname__", repr(self._fn))
        return explanation.explain(name, self._backend, self._history.entries,
                                   list(self._cache.values()), total=self._history.count,
                                   evicted=self._cache.evicted, threads=self._threads)

    def __repr__(self) -> str:
        return f"<autograph.convert {getattr(self._fn, '__qualname__', self._fn)}>"

    def _repr_html_(self) -> str:
        return display.converted_function_html(self, conversion.to_source)

    # -- pickling ----------------------------------------------------------------------------

    def _pickle_options(self) -> tuple:
        more = tuple((k, v) for k, v in (("threads", self._threads),
                                         ("cache_size", self._cache.size))
                     if v != {"cache_size": trace_cache.DEFAULT_CACHE_SIZE}.get(k))
        return (self._backend, tuple(sorted(self._static)), self._optimization.spec) + \
            ((more,) if more else ())

    def __reduce__(self):
        """By name for module-level functions, by value (cloudpickle) for closures and
        lambdas; the receiving process traces and compiles for itself (autograph.runtime.pickling)."""
        return pickling.reduce_converted(self, self._fn, self._pickle_options())


class _BoundConverted:
    """`obj.method` for a converted method: `self` is a static argument."""

    __slots__ = ("_function", "_self")

    def __init__(self, function: ConvertedFunction, obj):
        self._function = function
        self._self = obj

    def __call__(self, *args, **kwargs):
        return self._function._guard(self._self, *args, **kwargs)  # as _function(...) does

    def lower(self, *args, **kwargs) -> Lowered:
        return self._function.lower(self._self, *args, **kwargs)

    def explain(self) -> str:
        return self._function.explain()

    @property
    def python_function(self):
        return self._function.python_function.__get__(self._self)

    @property
    def __ag_python_function__(self):
        return self.python_function


def convert(fn=None, *, backend: str = "cpu", static_argnames=(),
            optimize: bool | Sequence[str] = True, max_traces: int | None = None,
            threads: int | None = None, cache_size: int | None = None):
    """Converts `fn` (a function, method, lambda or closure); usable as a decorator with or
    without arguments. See the module docstring. `threads=N` runs its parallel loops on N
    threads (default: adaptive, codegen/cpu/threads.py); `cache_size` bounds the
    specialisations kept (runtime/trace_cache.py)."""
    options = dict(backend=backend, static_argnames=static_argnames, optimize=optimize,
                   max_traces=max_traces, threads=threads, cache_size=cache_size)
    if fn is None:
        return lambda f: convert(f, **options)
    if isinstance(fn, ConvertedFunction):
        fn = fn._fn
    return ConvertedFunction(fn, **options)



pickling.install_converter(convert)
