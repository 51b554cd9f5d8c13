"""`autograph.convert`: convert, trace per signature, compile, cache, call.

    @autograph.convert                      # or convert(backend="python", static_argnames=...)
    def f(x, n): ...

    f(x, 3)                # traced and compiled for (f32[3], int) on the first call, cached
    f.lower(x, 3).graph    # the IR of that specialisation; .source the generated program
    print(f.explain())     # every trace, its signature and why it happened

A call computes a signature key (staging.signature_key: arrays by shape and dtype, Python
ints/floats by type, static arguments by value) and looks up the compiled specialisation.
Calls whose arguments are all NumPy arrays, passed positionally, take a fast path keyed
by shapes and dtypes alone, which skips argument binding: the per-call cost on top of the
compiled program is a dict lookup and a tuple.

When tracing needs the concrete value of a Python scalar argument (a shape, a list index),
staging raises NeedsStaticArgument and the function is traced again with that argument
static — from then on for every call — and the reason is kept for `explain()`.
"""

from __future__ import annotations

import functools
import inspect
import threading
import warnings

import numpy as np

from autograph import conversion, display, explanation, ir, staging
from autograph.errors import AutographError
from autograph.ir.types import DTYPE_NAMES
from autograph.staging import context as _context
from autograph.staging import tracing

BACKENDS = ("cpu", "cuda", "python")
MAX_TRACES_BEFORE_WARNING = 5

staging.set_origin_resolver(conversion.origin_of)


class RetraceWarning(UserWarning):
    """A converted function was traced many times: its signatures keep changing."""


# ---- backends -----------------------------------------------------------------------------


class _Interpreted:
    """The `python` backend: the IR's reference interpreter, as a program."""

    def __init__(self, graph: ir.Graph):
        self.graph = graph
        self.source = str(graph)

    def __call__(self, *flat):
        return ir.run(self.graph, *flat)


def _compile(graph: ir.Graph, backend: str):
    if backend == "python":
        return _Interpreted(graph)
    if backend == "cpu":
        from autograph.codegen import numba_cpu

        return numba_cpu.compile_graph(graph)
    try:
        from autograph.codegen import numba_cuda
    except ImportError:
        raise AutographError("no CUDA device backend is available (autograph.codegen.numba_cuda "
                             "is not installed); use backend='cpu'") from None
    return numba_cuda.compile_graph(graph)


def _optimize(graph: ir.Graph) -> ir.Graph:
    """The default pass pipeline (autograph.passes) on a copy of the traced graph."""
    return _optimize_with_report(graph)[0]


def _optimize_with_report(graph: ir.Graph):
    """`_optimize`, also returning the passes' Report (kept for `explain()`)."""
    from autograph import passes

    return passes.run_passes(graph)


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
        outputs = trace.output_leaves
        self.single_array = (trace.output_tree.kind == "leaf" and outputs[0][0] == "out"
                             and graph.outputs[0].type.ndim > 0)
        # The Numba CPU program's jitted function, called directly on the fast path.
        self.raw = getattr(program, "function", None) if backend == "cpu" else None

    @property
    def source(self) -> str:
        return getattr(self.program, "source", str(self.graph))

    def _run(self, flat):
        for i in self.scalar_inputs:
            value = flat[i]
            if isinstance(value, np.ndarray):
                flat[i] = value[()]
        outputs = self.program(*flat)
        if self.single_array:
            return outputs[0]
        return self.trace.build_outputs(outputs)

    def call_bound(self, bound: inspect.BoundArguments):
        return self._run(self.trace.flat_inputs(bound))


class _FastPlan:
    """Calls of one specialisation with positional arguments only, without binding them.

    Graph inputs are the traced positional arguments (`positions`, None: all of them, in
    order) followed by a fixed `suffix` (traced defaults, captured arrays). When every
    input already has its exact dtype and no 0-d array needs to become a scalar, the
    compiled function is called directly, skipping the program's input checks: the fast
    key guarantees the shapes and dtypes it was compiled for.
    """

    __slots__ = ("spec", "positions", "suffix", "raw", "needs_scalars")

    def __init__(self, spec: Specialization, positions, suffix, raw, needs_scalars):
        self.spec, self.positions, self.suffix = spec, positions, suffix
        self.raw, self.needs_scalars = raw, needs_scalars

    @classmethod
    def make(cls, spec: Specialization, n_args: int, bound: inspect.BoundArguments):
        """The plan for `n_args` positional arguments, or None if they cannot use one."""
        inputs = spec.trace.inputs
        head = [s for s in inputs if s.param < n_args]
        if any(s.leaf is not None for s in head) or inputs[:len(head)] != head:
            return None
        positions = [s.param for s in head]
        positions = None if positions == list(range(n_args)) else tuple(positions)
        flat = spec.trace.flat_inputs(bound)
        exact = all(_exact_input(v, p.type) for v, p in zip(flat, spec.graph.inputs))
        raw = spec.raw if exact and not spec.scalar_inputs else None
        return cls(spec, positions, tuple(flat[len(head):]), raw, bool(spec.scalar_inputs))

    def __call__(self, args: tuple):
        if self.positions is not None:
            args = [args[i] for i in self.positions]
        if self.needs_scalars:
            return self.spec._run([*args, *self.suffix])
        if self.raw is not None:
            outputs = self.raw(*args, *self.suffix)
        else:
            outputs = self.spec.program(*args, *self.suffix)
        if self.spec.single_array:
            return outputs[0]
        return self.spec.trace.build_outputs(outputs)


def _exact_input(value, ttype) -> bool:
    if ttype.weak:
        return type(value) in (int, float) and ttype.dtype in (np.int64, np.float64)
    return type(value) is np.ndarray and value.dtype == ttype.dtype


_FAST_SCALARS = (int, float, complex)


class Lowered:
    """The specialisation for some arguments: `.graph` (IR), `.source` (program), callable."""

    def __init__(self, spec: Specialization, signature: inspect.Signature):
        self._spec = spec
        self._signature = signature
        self.graph = spec.graph
        self.traced_graph = spec.trace.graph
        self.source = spec.source
        self.static_args = dict(spec.trace.static_args)
        # The arrays met while tracing, read at call time: the last graph inputs, in order.
        self.captured = list(spec.trace.captured)

    def __call__(self, *args, **kwargs):
        return self._spec.call_bound(tracing.bind(self._signature, args, kwargs))

    def __str__(self) -> str:
        return str(self.graph)

    def __repr__(self) -> str:
        return f"<Lowered {self.graph.name}({self._spec.description})>"

    def _repr_html_(self) -> str:
        return display.lowered_html(self)


# ---- the converted function ---------------------------------------------------------------------


class ConvertedFunction:
    """A user function, converted; calls run the compiled specialisation for their signature."""

    def __init__(self, fn, *, backend: str = "cpu", static_argnames=(), optimize: bool = True):
        if backend not in BACKENDS:
            raise AutographError(f"unknown backend {backend!r} (choose from {', '.join(BACKENDS)})")
        functools.update_wrapper(self, fn)
        self._fn = fn
        self._backend = backend
        self._optimize = optimize
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
        self._python_function = None
        self._cache: dict = {}
        self._fast: dict = {}
        self._lock = threading.RLock()
        self._history: list[tuple[str, str]] = []
        self._positional = [p.name for p in params.values()
                            if p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)]
        self._max_fast_args = len(self._positional)
        self._static_positions = self._positions_of(self._static)
        self._mixed = False  # some fast keys hold non-arrays: skip the all-arrays attempt

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
        if _context.active_traces and staging.is_tracing():  # called while tracing: inline
            return self.python_function(*args, **kwargs)
        if not kwargs:
            if self._static_positions or self._mixed:
                key = self._fast_key(args)
            else:
                try:
                    key = tuple([(a.shape, a.dtype) for a in args])
                except AttributeError:
                    key = self._fast_key(args)
            plan = self._fast.get(key)
            if plan is not None:
                return plan(args)
        return self._call_slow(args, kwargs)

    def _fast_key(self, args):
        """The fast-path key of positional arguments, or None if they need binding."""
        if len(args) > self._max_fast_args:
            return None
        static = self._static_positions
        key = []
        for i, a in enumerate(args):
            kind = type(a)
            if i in static:
                key.append(tracing.static_key(a))
            elif kind is np.ndarray:
                if a.dtype not in DTYPE_NAMES:
                    return None
                key.append((a.shape, a.dtype))
            elif kind in _FAST_SCALARS:
                key.append(kind)
            elif tracing.is_plain_static(a):
                key.append(tracing.static_key(a))
            else:
                return None
        return tuple(key)

    def _call_slow(self, args, kwargs):
        bound = tracing.bind(self._signature, args, kwargs)
        spec = self._cache.get(tracing.signature_key(bound, self._static | self._auto_static))
        if spec is None:
            spec = self._specialize(args, kwargs, bound)
        if not kwargs:
            key = self._fast_key(args)
            if key is not None and key not in self._fast:
                plan = _FastPlan.make(spec, len(args), bound)
                if plan is not None:
                    self._fast[key] = plan
                    self._mixed = self._mixed or any(type(a) is not np.ndarray for a in args)
        return spec.call_bound(bound)

    def _specialize(self, args, kwargs, bound) -> Specialization:
        with self._lock:
            static = self._static | self._auto_static
            key = tracing.signature_key(bound, static)
            spec = self._cache.get(key)
            if spec is not None:
                return spec
            reason = self._reason(bound, key)
            clock = explanation.Stopwatch()
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
                    reason = f"{names} made static: {error.reason}"
                    key = tracing.signature_key(bound, static)
                    spec = self._cache.get(key)
                    if spec is not None:
                        return spec
            clock.lap("trace")
            graph, report = (_optimize_with_report(trace.graph) if self._optimize
                             else (trace.graph, None))
            clock.lap("optimise")
            program = _compile(graph, self._backend)
            clock.lap("codegen")
            description = tracing.describe_key(bound, static)
            spec = Specialization(trace, graph, program, key, description, reason,
                                  self._backend)
            spec.build = explanation.Build(clock.laps, report)
            self._cache[key] = spec
            self._history.append((description, reason))
            if len(self._history) > MAX_TRACES_BEFORE_WARNING:
                reasons = "; ".join(r for _, r in self._history[-3:])
                warnings.warn(RetraceWarning(
                    f"{getattr(self._fn, '__qualname__', self._fn)} has been traced "
                    f"{len(self._history)} times (latest reasons: {reasons}); pass arrays of "
                    f"stable shapes, or mark changing arguments static"), stacklevel=4)
            return spec

    def _reason(self, bound, key) -> str:
        if not self._history:
            return "first call"
        previous = list(self._cache.values())[-1].key
        if len(key) != len(previous):
            return "new signature"
        changed = [name for name, new, old in zip(bound.arguments, key, previous) if new != old]
        return f"new {', '.join(changed)}" if changed else "new signature"

    # -- introspection ---------------------------------------------------------------------

    def lower(self, *args, **kwargs) -> Lowered:
        """The specialisation for these arguments (traced and compiled if needed)."""
        bound = tracing.bind(self._signature, args, kwargs)
        spec = self._cache.get(tracing.signature_key(bound, self._static | self._auto_static))
        if spec is None:
            spec = self._specialize(args, kwargs, bound)
        return Lowered(spec, self._signature)

    def explain(self) -> str:
        """Every trace of this function: its signature, why it happened, the passes that
        ran and what they changed, and the time each phase took (autograph.explanation)."""
        name = getattr(self._fn, "__qualname__", repr(self._fn))
        return explanation.explain(name, self._backend, self._history,
                                   list(self._cache.values()))

    def __repr__(self) -> str:
        return f"<autograph.convert {getattr(self._fn, '__qualname__', self._fn)}>"

    def _repr_html_(self) -> str:
        return display.converted_function_html(self)

    # -- pickling ----------------------------------------------------------------------------

    def _pickle_options(self) -> tuple:
        return (self._backend, tuple(sorted(self._static)), self._optimize)

    def __reduce__(self):
        """By name for module-level functions, by value (cloudpickle) for closures and
        lambdas; the receiving process traces and compiles for itself (autograph.pickling)."""
        from autograph import pickling

        return pickling.reduce_converted(self, self._fn, self._pickle_options())


class _BoundConverted:
    """`obj.method` for a converted method: `self` is a static argument."""

    __slots__ = ("_function", "_self")

    def __init__(self, function: ConvertedFunction, obj):
        self._function = function
        self._self = obj

    def __call__(self, *args, **kwargs):
        return self._function(self._self, *args, **kwargs)

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


def convert(fn=None, *, backend: str = "cpu", static_argnames=(), optimize: bool = True):
    """Converts `fn` (a function, method, lambda or closure); usable as a decorator with or
    without arguments. See the module docstring."""
    if fn is None:
        return lambda f: convert(f, backend=backend, static_argnames=static_argnames,
                                 optimize=optimize)
    if isinstance(fn, ConvertedFunction):
        fn = fn._fn
    return ConvertedFunction(fn, backend=backend, static_argnames=static_argnames,
                             optimize=optimize)
