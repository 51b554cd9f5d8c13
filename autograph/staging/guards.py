"""Guards: one signature's argument check and program call, as straight-line Python.

`signature_key` (tracing.py) says which calls share a specialisation: arrays by shape and
dtype, Python scalars by type, static arguments by value. On a tiny input, building that
key (a tuple of tuples) and hashing it costs more than the compiled program. A guard is
the same test for one specialisation and one arity, written out once as a function of
the positional arguments, with every expected type, dtype, shape and static value bound
as a constant (the idea of torch.dynamo's guards):

    def guard_f(a0=_MISSING, a1=_MISSING, /, *rest, **kwargs):
        if a1 is not _MISSING and not rest and not kwargs and not _context.active_traces:
            if (a0.__class__ is _ndarray and (a0.dtype is _d0 or a0.dtype == _d0)
                    and a0.shape == _s0 and a1.__class__ is _t1):
                try:
                    c0 = _site0.cell_contents
                except Exception:
                    return _fallback(_positional((a0, a1), rest), kwargs)
                if c0 is _now[0]:
                    return _run(a0, a1, c0)[0]
        return _fallback(_positional((a0, a1), rest), kwargs)

It takes the call's arguments as they come (it is installed as the converted function's
`__call__`, so a call costs one Python frame: no `*args` tuple, no `**kwargs` dict) and
returns the call's result; a call it does not fit goes to the general path (`_fallback`,
the api's). Dtypes are compared by identity first (NumPy hands out one
object per built-in dtype) and by equality only when that fails. A captured array is
read where captures.py located it and passed on if it is the array last checked for
this specialisation (`now`, which the general path updates after checking a rebound
array's shape and dtype). Layout is not checked: a program compiled for C-contiguous
arrays refuses another one (TypeError from Numba's dispatcher, before it runs), and the
guard then hands the call to the general path, which converts it. When the guard calls
the Numba dispatcher directly (`strict`), an array argument is checked by class alone:
the dispatcher refuses another dtype and the program's first lines another shape
(ValueError), before anything runs — 120-170 ns less per array argument.
"""

from __future__ import annotations

from typing import Callable, Sequence

import numpy as np

from autograph.staging import captures, context

MISS = object()  # what a guard returns for arguments it does not fit
_INT64_MIN, _INT64_MAX = -2 ** 63, 2 ** 63 - 1


class Argument:
    """How positional argument `i` is checked, and whether (and how) it is passed on."""

    __slots__ = ("check", "constants", "passed", "strict_check")

    def __init__(self, check: str, constants: dict, passed: str | None,
                 strict_check: str | None = None):
        self.check = check          # a Python condition on `a{i}`
        self.constants = constants  # the names it uses
        self.passed = passed        # its expression as a graph input, or None (static)
        # enough when the program is called strictly: its dispatcher refuses another
        # dtype and its first lines refuse another shape (ValueError), before any effect
        self.strict_check = strict_check or check


def traced_array(i: int, value, scalar_input: bool) -> Argument:
    """An array (or NumPy scalar) argument: checked by kind, dtype and shape."""
    a = f"a{i}"
    if type(value) is np.ndarray:
        check = (f"{a}.__class__ is _ndarray and ({a}.dtype is _d{i} or {a}.dtype == _d{i}) "
                 f"and {a}.shape == _s{i}")
        if scalar_input:  # 0-d inputs are passed as scalars, which Numba would convert
            return Argument(check, {f"_d{i}": value.dtype, f"_s{i}": value.shape}, f"{a}[()]")
        return Argument(check, {f"_d{i}": value.dtype, f"_s{i}": value.shape}, a,
                        strict_check=f"{a}.__class__ is _ndarray")
    return Argument(f"{a}.__class__ is _t{i}", {f"_t{i}": type(value)}, a)  # NumPy scalar


def weak_scalar(i: int, value) -> Argument:
    """A Python int / float / complex, traced as a weak 0-d value: checked by type (and
    an int by range: a program given a bigger one would be compiled again for uint64)."""
    check = f"a{i}.__class__ is _t{i}"
    strict_check = check  # Numba's dispatcher refuses a bigger int (OverflowError)
    if type(value) is int:
        check += f" and {_INT64_MIN} <= a{i} <= {_INT64_MAX}"
    return Argument(check, {f"_t{i}": type(value)}, f"a{i}", strict_check=strict_check)


def static(i: int, value) -> Argument:
    """A static argument: the same value (as the signature key compares it) or object."""
    a = f"a{i}"
    try:
        hash(value)
    except TypeError:
        return Argument(f"{a} is _v{i}", {f"_v{i}": value}, None)
    # A dict lookup of the key compares `is`, then `==`; the key holds the type too.
    return Argument(f"{a}.__class__ is _t{i} and ({a} is _v{i} or {a} == _v{i})",
                    {f"_t{i}": type(value), f"_v{i}": value}, None)


def build(name: str, arguments: Sequence[Argument], extra_inputs: Sequence,
          sites: Sequence[captures.Site], scalar_sites: Sequence[bool], now: list,
          run: Callable, finish: str, finisher: Callable | None, fallback: Callable,
          defaults: dict[int, object] | None = None, strict: bool = False,
          bare: bool = False, buffers: Sequence = ()) -> Callable:
    """The guard for calls with exactly these positional `arguments`.

    The program is called as `run(*passed arguments, *extra_inputs, *captured arrays)`;
    `extra_inputs` are fixed graph inputs (traced defaults). `finish` is how its output
    tuple becomes the result: "first" (`r[0]`), "convert" (`finisher(r[0])`) or "build"
    (`finisher(r)`). `defaults` are the values of the parameters after the positional
    arguments (a captured array may be an attribute of one of them). `strict`: `run`
    takes only the exact argument types it was compiled for (a Numba dispatcher with
    one signature) and raises TypeError, ValueError or OverflowError (an int beyond
    int64) for others — a non-contiguous or
    read-only array, which the guard does not check — and such a call is handed over.
    `bare`: `run` returns its one output itself, not a 1-tuple. `buffers`: objects whose
    `take()` gives `run` its trailing arguments (recycled result buffers, see
    `codegen.cpu_runtime.ResultBuffers`).

    Returns `guard(*args, **kwargs)`, which hands calls it does not fit (keywords, a trace
    being recorded, other arguments) to `fallback(args, kwargs)`; `guard.attempt(args)`
    is the same test returning MISS instead, for a caller choosing among guards.
    """
    n = len(arguments)
    namespace: dict = {"MISS": MISS, "_ndarray": np.ndarray, "_run": run, "_now": now,
                       "_finish": finisher, "_fallback": fallback, "_context": context}
    checks, passed = [], []
    for argument in arguments:
        namespace.update(argument.constants)
        checks.append(argument.strict_check if strict else argument.check)
        if argument.passed is not None:
            passed.append(argument.passed)
    for j, value in enumerate(extra_inputs):
        namespace[f"_x{j}"] = value
        passed.append(f"_x{j}")
    for p, value in (defaults or {}).items():
        namespace[f"_p{p}"] = value
    reads, same = [], []
    for k, (site, scalar) in enumerate(zip(sites, scalar_sites)):
        read = _read(site, k, namespace, n)
        if read is None:  # held: always the traced array
            namespace[f"_h{k}"] = site.traced
            passed.append(f"_h{k}[()]" if scalar else f"_h{k}")
            continue
        reads.append(f"c{k} = {read}")
        same.append(f"c{k} is _now[{k}]")
        passed.append(f"c{k}[()]" if scalar else f"c{k}")
    for k, buffer in enumerate(buffers):
        namespace[f"_rb{k}"] = buffer
        passed.append(f"_rb{k}.take()")
    call = f"_run({', '.join(passed)})"
    first = call if bare else f"{call}[0]"
    result = {"first": first, "convert": f"_finish({first})",
              "build": f"_finish(({call},))" if bare else f"_finish({call})"}[finish]
    names = [f"a{i}" for i in range(n)]
    unpack = f"{', '.join(names)}, = args" if n else "pass"
    # The guard takes the call's own arguments (it is the converted function's __call__):
    # positional-only parameters defaulting to _MISSING, so that a call with another
    # arity still reaches it, and is handed to the fallback with its arguments rebuilt.
    params = "".join(f"{a}=_MISSING, " for a in names)
    fits = " and ".join(([f"{names[-1]} is not _MISSING"] if n else [])
                        + ["not rest", "not kwargs", "not _context.active_traces"])
    rebuilt = f"_positional(({', '.join(names)},), rest)" if n else "rest"
    fall = f"return _fallback({rebuilt}, kwargs)"
    namespace.update(_MISSING=_MISSING, _positional=_positional)
    source = "\n".join([
        f"def {name}({params}{'/, ' if n else ''}*rest, **kwargs):",
        f"    if {fits}:",
        *_body(checks, reads, same, result, "pass", strict, fall),
        f"    {fall}",
        "",
        "",
        f"def {name}_attempt(args):",
        f"    if len(args) == {n}:",
        f"        {unpack}",
        *_body(checks, reads, same, result, "return MISS", strict),
        "    return MISS",
        ""])
    exec(compile(source, f"<autograph {name}>", "exec"), namespace)  # noqa: S102
    guard = namespace[name]
    guard.attempt = namespace[f"{name}_attempt"]
    guard.source = source
    return guard


_MISSING = object()  # a guard's default for positional arguments the call did not pass


def _positional(given: tuple, rest: tuple) -> tuple:
    """A call's positional arguments, from a guard's parameters (`_MISSING` where the call
    passed fewer) and the rest."""
    return tuple(a for a in given if a is not _MISSING) + rest


def _body(checks, reads, same, result, miss, strict, fall=None) -> list[str]:
    """The checks and the call; `miss` is the statement for arguments that do not fit the
    checks (`pass`: fall through to `fall` after the block), or the program refused."""
    lines, pad = [], "        "
    if checks:
        lines.append(f"{pad}if ({_join(checks, pad)}):")
        pad += "    "
    if reads:
        lines += [f"{pad}try:", *(f"{pad}    {r}" for r in reads),
                  f"{pad}except Exception:", f"{pad}    {fall or miss}",
                  f"{pad}if {' and '.join(same)}:"]
        pad += "    "
    if strict:
        lines += [f"{pad}try:", f"{pad}    return {result}",
                  f"{pad}except (TypeError, ValueError, OverflowError):", f"{pad}    {miss}"]
    else:
        lines.append(f"{pad}return {result}")
    return lines


def _read(site: captures.Site, k: int, namespace: dict, n: int) -> str | None:
    """The expression reading captured array k where it is bound (None: held)."""
    if site.kind == captures.CELL:
        namespace[f"_site{k}"] = site.holder
        return f"_site{k}.cell_contents"
    if site.kind == captures.GLOBAL:
        namespace[f"_site{k}"] = site.holder
        return f"_site{k}[{site.name!r}]"
    if site.kind == captures.ATTRIBUTE:
        owner = f"a{site.param}" if site.param < n else f"_p{site.param}"
        return f"{owner}.__dict__[{site.holder!r}]"
    return None


def _join(checks: list[str], pad: str) -> str:
    return f"\n{pad}        and ".join(checks)
