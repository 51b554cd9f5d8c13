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

from autograph import conversion, ir, staging
from autograph.errors import AutographError
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
    from autograph import passes

    optimized, _report = passes.run_passes(graph)
    return optimized


# ---- specialisations ------------------------------------------------------------------------


class Specialization:
    """One traced and compiled signature, with its precomputed call plan."""

    def __init__(self, trace: tracing.Trace, graph: ir.Graph, program, key, description,
                 reason):
        self.trace = trace
        self.graph = graph
        self.program = program
        self.key = key
        self.description = description
        self.reason = reason
        params = graph.inputs
        # 0-d strong inputs are passed to programs as NumPy scalars, not 0-d arrays.
        self.scalar_inputs = [i for i, p in enumerate(params) if p.type.shape == () and not p.type.weak]
        self.captured = tuple(trace.captured)
        outputs = trace.output_leaves
        self.single_array = (trace.output_tree.kind == "leaf" and outputs[0][0] == "out"
                             and graph.outputs[0].type.ndim > 0)
        self.fast_suffix = None  # inputs after the positional arrays on the fast path
        # The compiled function itself, when the fast path may skip the program's input
        # checks: no 0-d inputs (those are converted to scalars), exact dtypes (checked
        # when the fast path is set up).
        self.raw = getattr(program, "function", None) if not self.scalar_inputs else None

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

    def prepare_fast(self, n_args: int, bound: inspect.BoundArguments) -> bool:
        """Sets up calls with `n_args` positional arrays; False if this plan cannot."""
        inputs = self.trace.inputs
        if [(s.param, s.leaf) for s in inputs[:n_args]] != [(i, None) for i in range(n_args)]:
            return False
        flat = self.trace.flat_inputs(bound)
        self.fast_suffix = tuple(flat[n_args:])
        self.fast_scalar = any(i < n_args for i in self.scalar_inputs)
        if any(getattr(v, "dtype", None) != p.type.dtype or not isinstance(v, np.ndarray)
               for v, p in zip(flat, self.graph.inputs)):
            self.raw = None
        return True

    def call_fast(self, args: tuple):
        if self.raw is not None:
            outputs = self.raw(*args, *self.fast_suffix)
        elif self.fast_scalar:
            return self._run([*args, *self.fast_suffix])
        else:
            outputs = self.program(*args, *self.fast_suffix)
        if self.single_array:
            return outputs[0]
        return self.trace.build_outputs(outputs)


class Lowered:
    """The specialisation for some arguments: `.graph` (IR), `.source` (program), callable."""

    def __init__(self, spec: Specialization, signature: inspect.Signature):
        self._spec = spec
        self._signature = signature
        self.graph = spec.graph
        self.traced_graph = spec.trace.graph
        self.source = spec.source
        self.static_args = dict(spec.trace.static_args)

    def __call__(self, *args, **kwargs):
        return self._spec.call_bound(tracing.bind(self._signature, args, kwargs))

    def __str__(self) -> str:
        return str(self.graph)

    def __repr__(self) -> str:
        return f"<Lowered {self.graph.name}({self._spec.description})>"


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
        self._max_fast_args = sum(p.kind in (p.POSITIONAL_ONLY, p.POSITIONAL_OR_KEYWORD)
                                  and p.name not in self._static for p in params.values())

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
        if staging.is_tracing():  # called from a function being traced: inline it
            return self.python_function(*args, **kwargs)
        if not kwargs:
            try:
                key = tuple([(a.shape, a.dtype) for a in args])
            except AttributeError:
                pass
            else:
                spec = self._fast.get(key)
                if spec is not None:
                    return spec.call_fast(args)
        return self._call_slow(args, kwargs)

    def _call_slow(self, args, kwargs):
        bound = tracing.bind(self._signature, args, kwargs)
        spec = self._cache.get(tracing.signature_key(bound, self._static | self._auto_static))
        if spec is None:
            spec = self._specialize(args, kwargs, bound)
        if (not kwargs and len(args) <= self._max_fast_args
                and all(type(a) is np.ndarray for a in args)):
            with self._lock:
                if spec.fast_suffix is not None or spec.prepare_fast(len(args), bound):
                    self._fast[tuple([(a.shape, a.dtype) for a in args])] = spec
        return spec.call_bound(bound)

    def _specialize(self, args, kwargs, bound) -> Specialization:
        with self._lock:
            static = self._static | self._auto_static
            key = tracing.signature_key(bound, static)
            spec = self._cache.get(key)
            if spec is not None:
                return spec
            reason = self._reason(bound, key)
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
                    static = self._static | self._auto_static
                    names = ", ".join(f"`{n}`" for n in sorted(new))
                    reason = f"{names} made static: {error.reason}"
                    key = tracing.signature_key(bound, static)
                    spec = self._cache.get(key)
                    if spec is not None:
                        return spec
            graph = _optimize(trace.graph) if self._optimize else trace.graph
            program = _compile(graph, self._backend)
            description = tracing.describe_key(bound, static)
            spec = Specialization(trace, graph, program, key, description, reason)
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
        """Every trace of this function: its signature and why it happened."""
        name = getattr(self._fn, "__qualname__", repr(self._fn))
        if not self._history:
            return f"{name}: not traced yet"
        lines = [f"{name}: {len(self._history)} trace(s), backend {self._backend!r}"]
        for i, (description, reason) in enumerate(self._history, 1):
            lines.append(f"  {i}. ({description}) — {reason}")
        return "\n".join(lines)

    def __repr__(self) -> str:
        return f"<autograph.convert {getattr(self._fn, '__qualname__', self._fn)}>"


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
