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
on values where a Python int result is exact. One difference remains: Python's `math`
raises on domain errors (`math.log(0.0)`) where the device returns -inf or nan, so the
simulator cannot check those edges; the real-device run of the same tests does.

Kernel shapes:
- `map_kernel`: a grid-stride loop over a static domain, with the flat index unflattened
  into `i0, i1, ...` by literal divisions; elementwise groups, copies, gathers, scatters and
  fills are all this shape with different bodies.
- `reduction_kernels`: a block-level tree reduction in shared memory, one block (or
  `partials` blocks and a second pass) per output element; or one thread per output
  element when the reduced extent is tiny or the innermost axis is kept (coalesced).
- `contraction_body`: a tiled shared-memory product, `tile x tile` threads per block,
  with grid-stride loops over row tiles and batches (dot, and matmul of dtypes other than
  float32: float32 matmul has faster kernels of its own in `cuda_gemm`).
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
    Op.EXP: _math("exp"),
    Op.EXPM1: _math("expm1"),
    Op.LOG: _math("log"),
    Op.LOG1P: _math("log1p"),
    Op.LOG2: _math("log2"),
    Op.LOG10: _math("log10"),
    Op.SQRT: _math("sqrt"),
    Op.SIN: _math("sin"),
    Op.COS: _math("cos"),
    Op.TAN: _math("tan"),
    Op.ARCSIN: _math("asin"),
    Op.ARCCOS: _math("acos"),
    Op.ARCTAN: _math("atan"),
    Op.SINH: _math("sinh"),
    Op.COSH: _math("cosh"),
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


# ---- kernel text --------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Kernel:
    """One kernel's text without its name: equal kernels (same params and body) are one."""

    params: tuple[str, ...]
    body: tuple[str, ...]
    label: str  # what it does, for the name: `add`, `sum`, `tanh_mul_add`

    def render(self, name: str) -> str:
        lines = ["@cuda.jit(cache=True)", f"def {name}({', '.join(self.params)}):"]
        lines += ["    " + line if line else "" for line in self.body]
        return "\n".join(lines) + "\n"


def index_text(array: str, indices: Sequence[str]) -> str:
    """`a[i0, i1]`; a 0-d value (a 1-element array on the device) is `a[0]`."""
    return f"{array}[{', '.join(indices) if indices else '0'}]"


def broadcast_indices(shape: Sequence[int], names: Sequence[str]) -> list[str]:
    """Indices into a value of `shape` broadcast into a domain indexed by `names`."""
    lead = len(names) - len(shape)
    return ["0" if d == 1 else names[lead + k] for k, d in enumerate(shape)]


def unflatten(flat: str, shape: Sequence[int], names: Sequence[str]) -> list[str]:
    """Lines binding `names` to the C-order multi-index of flat index `flat` in `shape`."""
    lines = []
    stride = math.prod(shape)
    for k, (dim, name) in enumerate(zip(shape, names)):
        stride //= max(dim, 1)
        if dim == 1:
            lines.append(f"{name} = 0")
            continue
        text = flat if stride == 1 else f"{flat} // {stride}"
        if k > 0 and stride * dim != math.prod(shape):
            text = f"({text}) % {dim}" if stride != 1 else f"{flat} % {dim}"
        lines.append(f"{name} = {text}")
    return lines


def index_names(n: int, prefix: str = "i") -> list[str]:
    return [f"{prefix}{k}" for k in range(n)]


def map_kernel(params: Sequence[str], domain: Sequence[int], body: Sequence[str],
               label: str) -> Kernel:
    """A grid-stride loop over `domain` (C order): `body` sees `t` and `i0, i1, ...`."""
    size = max(1, math.prod(domain))
    lines = [f"for t in range(cuda.grid(1), {size}, cuda.gridsize(1)):"]
    lines += ["    " + line for line in unflatten("t", domain, index_names(len(domain)))]
    lines += ["    " + line for line in body]
    return Kernel(tuple(params), tuple(lines), label)


# ---- reductions ----------------------------------------------------------------------

@dataclasses.dataclass(frozen=True)
class Reducer:
    """How one reduction op folds: accumulator dtype, identity and combine, and the
    final transform of the accumulated value into the result dtype."""

    acc: np.dtype
    identity: str
    combine: Callable[[str, str], str]   # (acc, value) -> new acc text (already wrapped)
    final: Callable[[str], str]           # acc -> result text (in result registers)


def reducer(op: Op, in_dtype: np.dtype, out_dtype: np.dtype, count: int) -> Reducer:
    """The folding of `op` over `count` values of `in_dtype` giving `out_dtype`."""
    if op in (Op.SUM, Op.PROD, Op.MEAN):
        # float16/32 accumulate in float64: closer to NumPy's pairwise sums than a float32
        # running sum, and not slower where the reduction is memory bound.
        acc = F64 if out_dtype.kind == "f" else out_dtype
        symbol = "*" if op is Op.PROD else "+"
        identity = literal(1 if op is Op.PROD else 0, acc)
        combine = (lambda a, v, s=symbol, t=acc: wrap(f"{a} {s} {v}", t))
        if op is Op.MEAN:
            final = (lambda a: wrap(f"{a} / {literal(count, acc)}", out_dtype))
        else:
            final = (lambda a: convert(a, acc, out_dtype))
        return Reducer(acc, identity, combine, final)
    if op in (Op.ANY, Op.ALL):
        symbol = "or" if op is Op.ANY else "and"
        return Reducer(BOOL, "False" if op is Op.ANY else "True",
                       lambda a, v, s=symbol: f"({a} {s} {v})", lambda a: a)
    if op in (Op.MAX, Op.MIN):
        acc = compute(in_dtype)
        big = op is Op.MAX
        if acc == BOOL:
            identity = "False" if big else "True"
            combine = (lambda a, v, s="or" if big else "and": f"({a} {s} {v})")
        else:
            if acc.kind == "f":
                identity = literal(-math.inf if big else math.inf, acc)
            else:
                info = np.iinfo(acc)
                identity = literal(info.min if big else info.max, acc)
            cmp = ">=" if big else "<="
            nan = acc.kind == "f"

            def combine(a, v):
                # keep `v` when it wins or is NaN: NumPy's max/min propagate NaN
                wins = f"{v} {cmp} {a}" + (f" or {v} != {v}" if nan else "")
                return f"({v} if ({wins}) else {a})"
        return Reducer(acc, identity, combine, lambda a: a)
    raise CodegenError(f"cuda: {op} is not a folding reduction")


def arg_identity(op: Op, dtype: np.dtype) -> str:
    acc = compute(dtype)
    big = op is Op.ARGMAX
    if acc == BOOL:
        return "False" if big else "True"
    if acc.kind == "f":
        return literal(-math.inf if big else math.inf, acc)
    info = np.iinfo(acc)
    return literal(info.min if big else info.max, acc)


def arg_better(op: Op, dtype: np.dtype, v: str, k: str, best: str, best_k: str) -> str:
    """Whether candidate (v, k) replaces (best, best_k): NumPy's first max/min, NaN first."""
    cmp = ">" if op is Op.ARGMAX else "<"
    if compute(dtype).kind != "f":
        return f"({v} {cmp} {best} or ({v} == {best} and {k} < {best_k}))"
    return (f"(({v} != {v} and ({best} == {best} or {k} < {best_k})) or "
            f"({best} == {best} and ({v} {cmp} {best} or ({v} == {best} and {k} < {best_k}))))")


def tree_lines(block: int, step: Callable[[str], list[str]]) -> list[str]:
    """The shared-memory tree over `block` threads: at each level thread `tid` below the
    half `h` folds in the value of thread `o = tid + h` (`step("o")` lines)."""
    return [f"h = {block // 2}",
            "while h > 0:",
            "    cuda.syncthreads()",
            "    if tid < h:",
            "        o = tid + h",
            *["        " + line for line in step("o")],
            "    h //= 2",
            "cuda.syncthreads()"]


# Reductions with fewer values than this per output run one thread per output; so do
# reductions that keep the innermost axis over this many outputs (their reads coalesce).
_SERIAL_EXTENT = 16
_SERIAL_OUTPUTS = 2048
# A reduction is split over partial blocks until about this many blocks run in all.
_MIN_BLOCKS = 1024
_PER_THREAD = 4  # values each thread folds, at least, before partial blocks are added


@dataclasses.dataclass
class ReductionPlan:
    """The kernels of one reduction and how the driver launches them.

    `style` is "serial" (one grid-stride kernel, a thread per output), "block" (one block
    per output) or "split" (`partials` blocks per output into `partial` buffers, then a
    final block per output).
    """

    style: str
    outputs: int
    extent: int
    partials: int = 1


def plan_reduction(x_shape: Sequence[int], axes: Sequence[int], block: int,
                   max_partials: int) -> ReductionPlan:
    outputs = math.prod(d for a, d in enumerate(x_shape) if a not in axes)
    extent = math.prod(x_shape[a] for a in axes)
    inner_kept = bool(x_shape) and (len(x_shape) - 1) not in axes
    if extent <= _SERIAL_EXTENT or (inner_kept and outputs >= _SERIAL_OUTPUTS):
        return ReductionPlan("serial", outputs, extent)
    partials = min(max_partials, -(-extent // (block * _PER_THREAD)),
                   max(1, -(-_MIN_BLOCKS // max(outputs, 1))))
    if partials <= 1:
        return ReductionPlan("block", outputs, extent)
    return ReductionPlan("split", outputs, extent, partials)


def reduction_index(x_shape: Sequence[int], axes: Sequence[int]) -> tuple[list[str], list[str],
                                                                          list[str]]:
    """Names for kept-axis indices (`j0..`), reduced-axis indices (`r0..`), and the index of
    x they make, axis by axis."""
    kept = [f"j{k}" for k in range(len(x_shape) - len(axes))]
    reduced = [f"r{k}" for k in range(len(axes))]
    it_kept, it_red = iter(kept), iter(reduced)
    x_index = [next(it_red) if a in axes else next(it_kept) for a in range(len(x_shape))]
    return kept, reduced, x_index


def fold_lines(op: Op, in_dtype: np.dtype, fold: Reducer | None, value: str, k: str) -> list[str]:
    """The lines folding `value` (number `k`) into `acc` (and `acck` for arg-reductions)."""
    if fold is None:
        return [f"v = {value}",
                f"if {arg_better(op, in_dtype, 'v', k, 'acc', 'acck')}:",
                "    acc = v", f"    acck = {k}"]
    return [f"acc = {fold.combine('acc', value)}"]


def tree_step(op: Op, in_dtype: np.dtype, fold: Reducer | None) -> Callable[[str],
                                                                              list[str]]:
    if fold is None:
        def step(other: str) -> list[str]:
            return [f"v = sv[{other}]", f"k = si[{other}]",
                    f"if {arg_better(op, in_dtype, 'v', 'k', 'sv[tid]', 'si[tid]')}:",
                    "    sv[tid] = v", "    si[tid] = k"]
        return step
    return lambda other: [f"sv[tid] = {fold.combine('sv[tid]', f'sv[{other}]')}"]


def shared_lines(block: int, acc: np.dtype, arg: bool) -> list[str]:
    lines = [f"sv = cuda.shared.array({block}, {ctor(acc)})"]
    if arg:
        lines.append(f"si = cuda.shared.array({block}, np.int64)")
    return lines + ["tid = cuda.threadIdx.x"]


def contraction_body(*, tile: int, batch: Sequence[int], rows: int, cols: int, depth: int,
                     loop: np.dtype, out: np.dtype, read_a: Callable[[list[str], str, str], str],
                     read_b: Callable[[list[str], str, str], str],
                     store: Callable[[list[str], str, str, str], list[str]],
                     row_lines: Sequence[str] = ()) -> list[str]:
    """The body of a tiled product: out[z, i, j] = sum_k a[z, i, k] * b[z, k, j].

    `read_a(zs, i, k)` and `read_b(zs, k, j)` give the operand reads (in `loop` registers),
    `store(zs, i, j, value)` the lines that store output element (i, j) given its value
    (in `out` registers; a fused epilogue computes more from it first); `zs` are the batch
    index names. `row_lines` run once the row `i` is known (dot unflattens it into a's
    leading indices there).
    """
    acc = compute(loop)
    zero = "False" if acc == BOOL else literal(0, acc)
    if acc == BOOL:
        step = "acc = acc or (sa[ty, kk] and sb[kk, tx])"
    else:
        step = f"acc = {wrap('acc + ' + wrap('sa[ty, kk] * sb[kk, tx]', acc), acc)}"
    zs = [f"z{k}" for k in range(len(batch))]
    n_batch = max(1, math.prod(batch))
    row_tiles = -(-rows // tile)
    lines = [f"sa = cuda.shared.array(({tile}, {tile}), {ctor(acc)})",
             f"sb = cuda.shared.array(({tile}, {tile}), {ctor(acc)})",
             "tx = cuda.threadIdx.x",
             "ty = cuda.threadIdx.y",
             "j = cuda.blockIdx.x * {} + tx".format(tile),
             f"for z in range(cuda.blockIdx.z, {n_batch}, cuda.gridDim.z):"]
    inner = unflatten("z", batch, zs)
    inner += [f"for by in range(cuda.blockIdx.y, {row_tiles}, cuda.gridDim.y):",
              f"    i = by * {tile} + ty",
              *["    " + line for line in row_lines],
              f"    acc = {zero}",
              f"    for k0 in range(0, {depth}, {tile}):",
              "        ka = k0 + tx",
              "        kb = k0 + ty",
              f"        if i < {rows} and ka < {depth}:",
              f"            sa[ty, tx] = {read_a(zs, 'i', 'ka')}",
              "        else:",
              f"            sa[ty, tx] = {zero}",
              f"        if kb < {depth} and j < {cols}:",
              f"            sb[ty, tx] = {read_b(zs, 'kb', 'j')}",
              "        else:",
              f"            sb[ty, tx] = {zero}",
              "        cuda.syncthreads()",
              f"        for kk in range({tile}):",
              f"            {step}",
              "        cuda.syncthreads()",
              f"    if i < {rows} and j < {cols}:",
              *["        " + line for line in store(zs, "i", "j", convert("acc", acc, out))]]
    return lines + ["    " + line for line in inner]


def contraction_grid(tile: int, batch: Sequence[int], rows: int, cols: int) -> tuple:
    """((blocks x, y, z), (tile, tile)) for `contraction_body`; y and z are capped, the
    kernel loops over the rest."""
    return ((-(-cols // tile), min(-(-rows // tile), 65535), min(max(1, math.prod(batch)),
                                                                  65535)), (tile, tile))


def index_map(x_shape: Sequence[int], entries: Sequence[tuple], array_shapes: dict[int, tuple],
              out_names: Sequence[str], read_dyn: Callable[[int], str],
              read_array: Callable[[int, list[str]], str]) -> tuple[list[str], list[str]]:
    """For `x[index]` (normalised `entries`), the index of x each output element reads.

    Returns (lines binding the dynamic parts, one index text per dimension of x). Output
    dimensions are laid out as `indexing.index_shape` does, advanced indices included;
    negative dynamic indices wrap once, like NumPy (out-of-bounds ones are not checked).
    """
    has_array = any(e[0] == "array" for e in entries)
    advanced = [p for p, e in enumerate(entries)
                if e[0] == "array" or (has_array and e[0] in ("int", "dyn"))]
    adv_shape: tuple[int, ...] = ()
    if advanced:
        adv_shape = tuple(np.broadcast_shapes(*(array_shapes[entries[p][1]] if
                                                entries[p][0] == "array" else ()
                                                for p in advanced)))
    contiguous = advanced == list(range(advanced[0], advanced[-1] + 1)) if advanced else True
    pos = 0
    adv_names: list[str] = []
    if advanced and not contiguous:
        adv_names, pos = list(out_names[:len(adv_shape)]), len(adv_shape)
    lines: list[str] = []
    x_index: list[str] = []
    axis = 0
    for p, entry in enumerate(entries):
        kind = entry[0]
        if kind == "newaxis":
            pos += 1
            continue
        if advanced and contiguous and p == advanced[0]:
            adv_names, pos = list(out_names[pos:pos + len(adv_shape)]), pos + len(adv_shape)
        dim = x_shape[axis]
        if kind == "int":
            x_index.append(str(entry[1]))
        elif kind == "slice":
            start, _, step = entry[1:]
            name = out_names[pos]
            pos += 1
            term = name if step == 1 else f"{step} * {name}"
            x_index.append(term if start == 0 else f"{start} + {term}")
        else:
            name = f"n{axis}"
            if kind == "dyn":
                read = read_dyn(entry[1])
            else:
                read = read_array(entry[1], broadcast_indices(array_shapes[entry[1]], adv_names))
            lines += [f"{name} = np.int64({read})", f"{name} = {name} + {dim} if {name} < 0 else {name}"]
            x_index.append(name)
        axis += 1
    return lines, x_index
