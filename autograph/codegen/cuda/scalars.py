"""Kernel text for the CUDA backend: scalar formulas per op, and the kernel shapes.

`numba_cuda` decides *which* kernels a graph needs and writes the host driver; this module
writes the kernels' text. Everything here is pure text building, shape arithmetic done at
generation time (every shape is static), so the kernels carry their sizes as literals.

Dtypes follow NumPy 2 exactly because nothing is left to Numba's own typing: each operand
is converted to the dtype of the NumPy loop (`ufunc.resolve_dtypes`), the formula is
computed, and the result is wrapped in the result dtype's constructor (`np.int32(a + b)`:
Numba would compute int32 + int32 in int64; wrapping keeps NumPy's wrap-around). float16
values are held in float32 registers and rounded to float16 after every op
(`np.float32(np.float16(x))`), which gives NumPy's results: NumPy computes float16 loops in
float32 too.

The formulas are written so that they mean the same under the CUDA simulator, where the
kernel is ordinary Python on NumPy scalars: no `libdevice` (stubs there), `math.floor` only
on values where a Python int result is exact. Python's `math` raises on domain and range
errors (`math.log(0.0)`, `math.exp(1000.0)`) where the device returns -inf, inf or nan:
the math formulas test for those inputs first and give NumPy's answer (`_guarded`), so
the simulator and the device agree with NumPy at the edges too.
"""

from __future__ import annotations

import dataclasses
import math
from typing import Callable, Sequence

import numpy as np

from autograph.codegen.emitter import CodegenError, enclosed
from autograph.ir.ops import Op

# ---- dtypes and literals ----------------------------------------------------------

F16 = np.dtype(np.float16)
F32 = np.dtype(np.float32)
F64 = np.dtype(np.float64)
I64 = np.dtype(np.int64)
BOOL = np.dtype(np.bool_)


def check_dtype(dtype: np.dtype, what: str) -> None:
    if dtype.kind == "c":
        raise CodegenError(f"cuda: {what}: complex dtypes are not supported on the CUDA "
                           f"backend ({dtype})")


def compute(dtype: np.dtype) -> np.dtype:
    """The register dtype of values of `dtype` (float16 is computed in float32)."""
    return F32 if dtype == F16 else dtype


def ctor(dtype: np.dtype) -> str:
    """The constructor that converts to `dtype` in kernels (`np.float32`)."""
    return "np.bool_" if dtype == BOOL else f"np.{np.dtype(dtype).name}"


def literal(value, dtype: np.dtype) -> str:
    """`value` converted to `dtype` (NumPy's conversion), as kernel text in registers."""
    dtype = np.dtype(dtype)
    with np.errstate(all="ignore"):
        v = np.asarray(value).astype(dtype)[()]
    if dtype == BOOL:
        return "True" if v else "False"
    if dtype.kind == "f":
        f = float(v)
        text = ("math.nan" if math.isnan(f) else
                ("math.inf" if f > 0 else "-math.inf") if math.isinf(f) else repr(f))
        return f"{ctor(compute(dtype))}({text})"
    return f"{ctor(dtype)}({int(v)})"


def convert(text: str, src: np.dtype, dst: np.dtype) -> str:
    """Kernel text converting a `src` value (in registers) to `dst` as NumPy's `astype` does."""
    if src == dst or (src == F16 and dst == F32):
        return text
    if dst == BOOL:
        return f"({text} != 0)"
    if dst == F16:
        return f"np.float32(np.float16({text}))"
    return f"{ctor(dst)}({text})"


def _bare(text: str) -> str:
    """`text` without one pair of enclosing parentheses, when they enclose all of it."""
    return text[1:-1] if enclosed(text) else text


def wrap(text: str, dtype: np.dtype) -> str:
    """A formula's value made exactly `dtype` (bool formulas are bool by construction)."""
    if dtype == BOOL:
        return text
    text = _bare(text)
    if dtype == F16:
        return f"np.float32(np.float16({text}))"
    return f"{ctor(dtype)}({text})"


def store(text: str, dtype: np.dtype) -> str:
    """A register value as stored into an array of `dtype`."""
    return f"np.float16({text})" if dtype == F16 else text


def _short(dtype: np.dtype) -> str:
    return {"b": "b", "i": "i", "u": "u", "f": "f"}[dtype.kind] + str(8 * dtype.itemsize)


# ---- scalar formulas, one row per elementwise op ----------------------------------

@dataclasses.dataclass
class Scalar:
    """What a formula sees: operand texts already in the loop dtypes, and the dtypes.

    A formula returns the text of an expression; one that needs statements (a loop, a
    branch) appends them to `pre`, which the kernel writer places before the expression,
    naming its temporaries with `temp()`. Kernels call no device functions: those need a
    device to compile (numba compiles them for the current device), and statements in
    place let the PTX check compile every kernel on a machine without a GPU.
    """

    args: list[str]
    loop: list[np.dtype]   # the loop's operand dtypes (NumPy's resolve_dtypes)
    out: np.dtype          # the op's result dtype
    attrs: dict
    pre: list[str] = dataclasses.field(default_factory=list)
    counter: list[int] = dataclasses.field(default_factory=lambda: [0])
    prefix: str = ""  # of temporaries' names (formulas run in the host driver use one)

    @property
    def a(self) -> str:
        return self.args[0]

    @property
    def b(self) -> str:
        return self.args[1]

    @property
    def kind(self) -> str:
        return self.loop[0].kind

    def lit(self, value) -> str:
        return literal(value, self.loop[0])

    def temp(self) -> str:
        self.counter[0] += 1
        return f"{self.prefix}h{self.counter[0] - 1}"

    def bind(self, text: str) -> str:
        """A name holding `text` (itself when it is a name already)."""
        if text.isidentifier():
            return text
        name = self.temp()
        self.pre.append(f"{name} = {text}")
        return name


def _round_limit(dtype: np.dtype) -> str:
    """2**mantissa bits: floats at or beyond it are integers already (and inf, nan)."""
    return literal(2.0 ** (np.finfo(dtype).nmant), dtype)


def _float_rounding(s: Scalar, kind: str) -> str:
    """floor/ceil/trunc/rint keeping inf, nan and huge values, where `math.floor` alone
    would not (it gives a Python int in the simulator). rint adds and subtracts 2**p,
    which rounds half to even as rint does."""
    t = compute(s.loop[0])
    c, limit = ctor(t), _round_limit(t)
    x = s.bind(s.a)
    if kind == "rint":
        rounded = f"math.copysign({c}({c}(abs({x}) + {limit}) - {limit}), {x})"
    elif kind == "trunc":  # math.trunc is not defined for NumPy scalars (simulator)
        rounded = f"math.floor({x}) if {x} >= 0 else math.ceil({x})"
    else:
        rounded = f"math.{kind}({x})"
    return f"({c}({rounded}) if abs({x}) < {limit} else {x})"


def _float_floordiv(s: Scalar) -> str:
    """NumPy's npy_divmod floor division for floats."""
    c = ctor(compute(s.loop[0]))
    a, b = s.bind(s.a), s.bind(s.b)
    m, d, r = s.temp(), s.temp(), s.temp()
    s.pre += [
        f"{m} = {c}(math.fmod({a}, {b})) if {b} != 0 else {c}(0.0)",
        f"{d} = {c}({c}({a} - {m}) / {b}) if {b} != 0 else {c}(0.0)",
        f"if {m} != 0 and (({b} < 0) != ({m} < 0)):",
        f"    {d} = {c}({d} - {c}(1.0))",
        f"if {b} == 0:",
        f"    {r} = {c}({a} / {b})",
        f"elif {d} == 0:",
        f"    {r} = {c}(math.copysign({c}(0.0), {c}({a} / {b})))",
        "else:",
        f"    {r} = {c}(math.floor({d}))",
        f"    if {c}({d} - {r}) > {c}(0.5):",
        f"        {r} = {c}({r} + {c}(1.0))",
    ]
    return r


def _float_mod(s: Scalar) -> str:
    """NumPy's float remainder: the sign of the divisor, nan for a zero divisor."""
    c = ctor(compute(s.loop[0]))
    a, b = s.bind(s.a), s.bind(s.b)
    m, r = s.temp(), s.temp()
    s.pre += [
        f"{m} = {c}(math.fmod({a}, {b})) if {b} != 0 else {c}(0.0)",
        f"if {b} == 0:",
        f"    {r} = {c}(math.nan)",
        f"elif {m} == 0:",
        f"    {r} = {c}(math.copysign({c}(0.0), {b}))",
        f"elif ({b} < 0) != ({m} < 0):",
        f"    {r} = {c}({m} + {b})",
        "else:",
        f"    {r} = {m}",
    ]
    return r


def _int_power(s: Scalar) -> str:
    """Integer power by squaring, wrapping like NumPy (negative exponents give 1 where
    NumPy raises)."""
    c = ctor(s.loop[0])
    r, base, e = s.temp(), s.temp(), s.temp()
    s.pre += [
        f"{r} = {c}(1)",
        f"{base} = {s.a}",
        f"{e} = {s.b}",
        f"while {e} > 0:",
        f"    if {e} & 1:",
        f"        {r} = {c}({r} * {base})",
        f"    {base} = {c}({base} * {base})",
        f"    {e} = {e} >> 1",
    ]
    return r


# uint64 `a` against int64 `b`, compared exactly as NumPy 2 does (b < 0 decides alone;
# the short circuit keeps np.uint64(b) away from negative b).
_MIXED = {"<": "({b} >= 0 and {a} < np.uint64({b}))",
          "<=": "({b} >= 0 and {a} <= np.uint64({b}))",
          ">": "({b} < 0 or {a} > np.uint64({b}))",
          ">=": "({b} < 0 or {a} >= np.uint64({b}))",
          "==": "({b} >= 0 and {a} == np.uint64({b}))",
          "!=": "({b} < 0 or {a} != np.uint64({b}))"}
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _math(fn: str) -> Callable[[Scalar], str]:
    return lambda s: f"math.{fn}({s.a})"


def _overflow_limit(fn: str) -> float:
    """The largest double x for which Python's `math.fn(x)` returns (beyond it: OverflowError
    in Python, inf on a device)."""
    f, lo, hi = getattr(math, fn), 0.0, 1000.0
    while True:
        mid = (lo + hi) / 2
        if mid in (lo, hi):
            return lo
        try:
            f(mid)
            lo = mid
        except OverflowError:
            hi = mid


_EXP_LIMIT = {fn: _overflow_limit(fn) for fn in ("exp", "expm1", "sinh", "cosh")}


def _guarded(fn: str) -> Callable[[Scalar], str]:
    """`math.fn` with NumPy's answers outside its domain spelled out: where Python's `math`
    raises (`math.log(0.0)`, `math.exp(1000.0)`, `math.sin(inf)`; the CUDA simulator runs
    kernels as Python) the device returns -inf, inf or nan, and so does NumPy. The
    guards make both agree with NumPy."""
    def formula(s: Scalar) -> str:
        c = ctor(compute(s.loop[0]))
        nan, inf = f"{c}(math.nan)", f"{c}(math.inf)"
        x = s.bind(s.a)
        call = f"math.{fn}({x})"
        if fn in ("log", "log2", "log10"):
            return f"({call} if {x} > 0 else (-{inf} if {x} == 0 else {nan}))"
        if fn == "log1p":
            return f"({call} if {x} > -1 else (-{inf} if {x} == -1 else {nan}))"
        if fn == "sqrt":
            return f"({call} if {x} >= 0 else {nan})"
        if fn in ("sin", "cos", "tan"):
            return f"({call} if math.isfinite({x}) else {nan})"
        if fn in ("asin", "acos"):
            return f"({call} if -1 <= {x} <= 1 else {nan})"
        limit = repr(_EXP_LIMIT[fn])
        if fn in ("exp", "expm1"):  # nan fails the test and goes to math, which keeps it
            return f"({call} if not {x} > {limit} else {inf})"
        if fn == "sinh":
            return f"({call} if not abs({x}) > {limit} else ({inf} if {x} > 0 else -{inf}))"
        return f"({call} if not abs({x}) > {limit} else {inf})"  # cosh
    return formula


def _binary(symbol: str, bool_form: str | None = None) -> Callable[[Scalar], str]:
    def formula(s: Scalar) -> str:
        if s.kind == "b" and bool_form is not None:
            return f"({s.a} {bool_form} {s.b})"
        return f"({s.a} {symbol} {s.b})"
    return formula


def _neg(s: Scalar) -> str:
    return f"({s.lit(0)} - {s.a})" if s.kind == "u" else f"(-{s.a})"


def _abs(s: Scalar) -> str:
    return s.a if s.kind in "ub" else f"abs({s.a})"


def _rounding(kind: str) -> Callable[[Scalar], str]:
    def formula(s: Scalar) -> str:
        if s.kind != "f":
            return s.a
        return _float_rounding(s, kind)
    return formula


def _sign(s: Scalar) -> str:
    one, zero = s.lit(1), s.lit(0)
    if s.kind == "u":
        return f"({one} if {s.a} > 0 else {zero})"
    if s.kind == "f":  # zero and nan are their own sign
        return f"({one} if {s.a} > 0 else ({s.lit(-1)} if {s.a} < 0 else {s.a}))"
    return f"({one} if {s.a} > 0 else ({s.lit(-1)} if {s.a} < 0 else {zero}))"


def _reciprocal(s: Scalar) -> str:
    if s.kind == "f":
        return f"({s.lit(1)} / {s.a})"
    one, zero = s.lit(1), s.lit(0)
    if s.kind == "u":  # C integer division 1 / a (1 / 0 is undefined in NumPy too)
        return f"({one} if {s.a} == 1 else {zero})"
    return f"({one} if {s.a} == 1 else ({s.lit(-1)} if {s.a} == -1 else {zero}))"


def _floordiv(s: Scalar) -> str:
    if s.kind == "f":
        return _float_floordiv(s)
    return f"({s.a} // {s.b} if {s.b} != 0 else {s.lit(0)})"


def _mod(s: Scalar) -> str:
    if s.kind == "f":
        return _float_mod(s)
    return f"({s.a} % {s.b} if {s.b} != 0 else {s.lit(0)})"


def _power(s: Scalar) -> str:
    if s.kind == "f":
        return f"({s.a} ** {s.b})"
    return _int_power(s)


def _maximum(s: Scalar) -> str:
    if s.kind == "b":
        return f"({s.a} or {s.b})"
    if s.kind == "f":  # NaN propagates from either side
        return f"({s.a} if ({s.a} >= {s.b} or {s.a} != {s.a}) else {s.b})"
    return f"({s.a} if {s.a} >= {s.b} else {s.b})"


def _minimum(s: Scalar) -> str:
    if s.kind == "b":
        return f"({s.a} and {s.b})"
    if s.kind == "f":
        return f"({s.a} if ({s.a} <= {s.b} or {s.a} != {s.a}) else {s.b})"
    return f"({s.a} if {s.a} <= {s.b} else {s.b})"


def _compare(symbol: str) -> Callable[[Scalar], str]:
    def formula(s: Scalar) -> str:
        a_t, b_t = s.loop
        if a_t != b_t:  # NumPy 2 compares uint64 with int64 exactly
            if a_t.kind == "u":
                return _MIXED[symbol].format(a=s.bind(s.a), b=s.bind(s.b))
            return _MIXED[_MIRROR[symbol]].format(a=s.bind(s.b), b=s.bind(s.a))
        return f"({s.a} {symbol} {s.b})"
    return formula


def _left_shift(s: Scalar) -> str:
    width = 8 * s.loop[0].itemsize  # NumPy: shifting by the width or more gives 0
    return f"({s.a} << {s.b} if 0 <= {s.b} < {width} else {s.lit(0)})"


def _right_shift(s: Scalar) -> str:
    width = 8 * s.loop[0].itemsize  # ... and -1 for negative values shifted right that far
    past = s.lit(0) if s.kind == "u" else f"({s.lit(-1)} if {s.a} < 0 else {s.lit(0)})"
    return f"({s.a} >> {s.b} if 0 <= {s.b} < {width} else {past})"


def _invert(s: Scalar) -> str:
    return f"(not {s.a})" if s.kind == "b" else f"(~{s.a})"


def _is_float_test(fn: str, for_ints: str) -> Callable[[Scalar], str]:
    return lambda s: f"math.{fn}({s.a})" if s.kind == "f" else for_ints


def _truth(s: Scalar, k: int) -> str:
    """Operand `k` as a bool (logical ops have loops for every dtype)."""
    return s.args[k] if s.loop[k].kind == "b" else f"({s.args[k]} != 0)"


def _logical(joiner: str) -> Callable[[Scalar], str]:
    return lambda s: f"({_truth(s, 0)} {joiner} {_truth(s, 1)})"


def _where(s: Scalar) -> str:
    return f"({s.args[1]} if {s.args[0]} else {s.args[2]})"


# op -> formula(Scalar) -> text of the unwrapped result. The caller converts operands to
# the loop dtypes first and wraps the result in the op's dtype (`wrap`).
SCALAR: dict[Op, Callable[[Scalar], str]] = {
    Op.NEG: _neg,
    Op.POS: lambda s: s.a,
    Op.ABS: _abs,
    Op.EXP: _guarded("exp"),
    Op.EXPM1: _guarded("expm1"),
    Op.LOG: _guarded("log"),
    Op.LOG1P: _guarded("log1p"),
    Op.LOG2: _guarded("log2"),
    Op.LOG10: _guarded("log10"),
    Op.SQRT: _guarded("sqrt"),
    Op.SIN: _guarded("sin"),
    Op.COS: _guarded("cos"),
    Op.TAN: _guarded("tan"),
    Op.ARCSIN: _guarded("asin"),
    Op.ARCCOS: _guarded("acos"),
    Op.ARCTAN: _math("atan"),
    Op.SINH: _guarded("sinh"),
    Op.COSH: _guarded("cosh"),
    Op.TANH: _math("tanh"),
    Op.FLOOR: _rounding("floor"),
    Op.CEIL: _rounding("ceil"),
    Op.TRUNC: _rounding("trunc"),
    Op.RINT: _rounding("rint"),
    Op.SIGN: _sign,
    Op.SQUARE: lambda s: f"({s.a} * {s.a})",
    Op.RECIPROCAL: _reciprocal,
    Op.ISNAN: _is_float_test("isnan", "False"),
    Op.ISINF: _is_float_test("isinf", "False"),
    Op.ISFINITE: _is_float_test("isfinite", "True"),
    Op.LOGICAL_NOT: lambda s: f"(not {_truth(s, 0)})",
    Op.INVERT: _invert,
    Op.CAST: lambda s: s.a,  # the operand is converted to the cast's dtype already
    Op.ADD: _binary("+", "or"),
    Op.SUB: _binary("-"),
    Op.MUL: _binary("*", "and"),
    Op.TRUEDIV: _binary("/"),
    Op.FLOORDIV: _floordiv,
    Op.MOD: _mod,
    Op.POW: _power,
    Op.MAXIMUM: _maximum,
    Op.MINIMUM: _minimum,
    Op.ARCTAN2: lambda s: f"math.atan2({s.a}, {s.b})",
    Op.HYPOT: lambda s: f"math.hypot({s.a}, {s.b})",
    Op.LT: _compare("<"),
    Op.LE: _compare("<="),
    Op.GT: _compare(">"),
    Op.GE: _compare(">="),
    Op.EQ: _compare("=="),
    Op.NE: _compare("!="),
    Op.LOGICAL_AND: _logical("and"),
    Op.LOGICAL_OR: _logical("or"),
    Op.LOGICAL_XOR: _logical("!="),
    Op.BITWISE_AND: _binary("&"),
    Op.BITWISE_OR: _binary("|"),
    Op.BITWISE_XOR: _binary("^"),
    Op.LEFT_SHIFT: _left_shift,
    Op.RIGHT_SHIFT: _right_shift,
    Op.WHERE: _where,
}
