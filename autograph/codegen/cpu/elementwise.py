"""Elementwise ops on the CPU: the scalar formula of each op, and the loop nest around it.

Two jobs that belong together, since fusion mixes them: `emit_elementwise` writes one
loop nest over the output's shape, and the element it stores is an expression built
from the op's row in `ELEMENTWISE_ROWS`, with fused producers' expressions written into
it in place of their (never materialised) arrays (`ProgramWriter.expression`). The
result is a fresh array, or, with memory planning (`CpuOptions.reuse_buffers`), the
buffer of an operand that dies in this loop (`_reusable_operand`): a product's output
becomes the activation's.

A builder gets the operand expressions already converted to the op's loop dtypes
(`ins`, `cpu_text.loop_dtypes`: NumPy's choice) and returns an expression of the result
dtype `out`. Operands may be used once; a builder that needs one twice passes it
through `p.once`. The formulas are where NumPy 2's scalar semantics are reproduced:
NaN-propagating maximum, exact int64/uint64 comparison, integer power by squaring,
shifts past the bit width, integer reciprocal, the `vecmath` approximations.
"""

from __future__ import annotations

import re
from typing import Callable

import numpy as np

from autograph.codegen.cpu.analysis import element_ns
from autograph.codegen.cpu.text import (FLOAT64, INT64, arithmetic_result, convert, literal,
                                        strip, subscript, truth, wrap)
from autograph.codegen.cpu.writer import ProgramWriter, load_vecmath
from autograph.codegen.emitter import CodegenError
from autograph.ir.graph import Node, Value
from autograph.ir.ops import Op

Builder = Callable[["ProgramWriter", list, tuple, np.dtype], str]


class Elementwise:
    """An EMITTERS row for an elementwise op: a loop nest around `build`'s expression."""

    def __init__(self, build: Builder, unsupported_kinds: str = ""):
        self.build_fn = build
        self.unsupported_kinds = unsupported_kinds

    def build(self, p: ProgramWriter, args: list, ins: tuple, out: np.dtype) -> str:
        if any(dt.kind in self.unsupported_kinds for dt in ins):
            raise CodegenError(f"numba_cpu: not supported for dtypes "
                               f"{', '.join(str(d) for d in ins)}")
        return self.build_fn(p, args, ins, out)

    def __call__(self, p: ProgramWriter, node: Node) -> None:
        emit_elementwise(p, node)


def emit_elementwise(p: ProgramWriter, node: Node) -> None:
    out = node.outputs[0]
    shape = out.type.shape
    name = p.name(out)
    comment = ", ".join(p.fused_ops(node))
    if not shape:
        expr = p.expression(node, [], ())
        p.em.line(f"{name} = {strip(expr)}", comment)
        return
    reused = _reusable_operand(p, node)
    if reused is None:
        p.em.line(f"{name} = {p.allocate(out.type, out)}", comment)
    else:  # the operand dies here: its buffer takes the result, element by element
        p.em.line(f"{name} = {p.ref(reused)}", f"{comment}, into {p.ref(reused)}")
    with p.loops(shape, parallel=True, per_element=element_ns(node, p.fused),
                 what=comment) as index:
        expr = p.expression(node, index, shape)
        p.em.line(f"{subscript(name, index)} = {strip(expr)}")


def _reusable_operand(p: ProgramWriter, node: Node) -> Value | None:
    """An array read by `node`'s loop (directly or through fused producers) at the
    output's own index, that dies in this loop and may hold the result."""
    if not p.options.reuse_buffers or p.plan is None:
        return None
    tree: set[Node] = set()
    leaves: list[Value] = []
    # Depth first, inputs in order; iterative, as fused chains can be thousands long.
    tree.add(node)
    stack = [iter(node.inputs)]
    while stack:
        v = next(stack[-1], None)
        if v is None:
            stack.pop()
        elif v in p.fused:
            tree.add(v.producer)
            stack.append(iter(v.producer.inputs))
        elif v not in leaves:
            leaves.append(v)
    for leaf in leaves:
        if leaf not in p.readonly and p.plan.reusable(leaf, node, tree):
            return leaf
    return None


def _binary(symbol: str, on_bool: str | None = None) -> Builder:
    """`a <symbol> b` computed in the loop dtype; bools use `on_bool` (`or`, `and`, `!=`)."""
    def build(p, args, ins, out):
        a, b = args
        if ins[0].kind == "b" and out.kind == "b":
            return f"({a} {on_bool} {b})"
        return arithmetic_result(f"({a} {symbol} {b})", ins[0], out)
    return build


def _call(function: str) -> Builder:
    """A NumPy ufunc Numba implements with NumPy's own typing (`np.exp(x)`)."""
    def build(p, args, ins, out):
        return arithmetic_result(f"{function}({', '.join(strip(a) for a in args)})", ins[0], out)
    return build


def _math(function: str) -> Builder:
    """A NumPy math ufunc: `vecmath`'s vectorisable version where it has one for the
    float dtype (and the `vecmath` option is on), else NumPy's through Numba (libm)."""
    libm = _call(function)
    name = function[len("np."):]

    def build(p, args, ins, out):
        t = ins[0]
        if p.options.vecmath and t.kind == "f" and out == t:
            replacement = load_vecmath().function_for(name, t)
            if replacement is not None:
                p.uses_vecmath = True
                return f"_vm.{replacement}({strip(args[0])})"
        return libm(p, args, ins, out)
    return build


def _neg(p, args, ins, out):
    return arithmetic_result(f"(-{args[0]})", ins[0], out)


def _pos(p, args, ins, out):
    return args[0]


def _abs(p, args, ins, out):
    (a,), (t,) = args, ins
    if t.kind in "bu":
        return a
    return arithmetic_result(f"abs({strip(a)})", out if t.kind == "c" else t, out)


def _rounding(function: str) -> Builder:
    def build(p, args, ins, out):
        return args[0] if ins[0].kind in "biu" else f"{function}({strip(args[0])})"
    return build


def _sign(p, args, ins, out):
    (a,), (t,) = args, ins
    if t.kind == "c":
        a = p.once(a)
        return f"({a} / abs({a}) if {a} != 0 else {a})"
    if t.kind == "u":
        return wrap(f"{a} != 0", out)
    return arithmetic_result(f"np.sign({strip(a)})", t, out)


def _square(p, args, ins, out):
    (a,), (t,) = args, ins
    if t.kind == "b":
        return a
    a = p.once(a)
    return arithmetic_result(f"({a} * {a})", t, out)


def _reciprocal(p, args, ins, out):
    (a,), (t,) = args, ins
    if t.kind in "fc":
        return f"({literal(1, t)} / {a})"
    # NumPy computes integer reciprocals as 1.0 / x in double, then casts; its 1 / 0 is
    # C's cast of inf: the lowest int32 / int64, 0 for narrower and unsigned types.
    a = p.once(a)
    zero = np.iinfo(t).min if t in (np.dtype(np.int32), INT64) else 0
    return (f"({literal(zero, out)} if {a} == 0 else "
            f"{wrap(f'1.0 / {convert(a, t, FLOAT64)}', out)})")


def _float_test(function: str, real: str, join: str) -> Builder:
    """isnan/isinf/isfinite: `real` for ints and bools, both parts for complex."""
    def build(p, args, ins, out):
        (a,), (t,) = args, ins
        if t.kind in "biu":
            return real
        if t.kind == "c":
            a = p.once(a)
            return f"({function}({a}.real) {join} {function}({a}.imag))"
        return f"{function}({strip(a)})"
    return build


def _logical_not(p, args, ins, out):
    return f"(not {args[0]})" if ins[0].kind == "b" else f"({args[0]} == 0)"


def _invert(p, args, ins, out):
    (a,), (t,) = args, ins
    return f"(not {a})" if t.kind == "b" else arithmetic_result(f"(~{a})", t, out)


def _cast(p, args, ins, out):
    return convert(args[0], ins[0], out)


def _truediv(p, args, ins, out):
    return arithmetic_result(f"({args[0]} / {args[1]})", ins[0], out)


def _floordiv(p, args, ins, out):
    return arithmetic_result(f"({args[0]} // {args[1]})", ins[0], out)


def _mod(p, args, ins, out):
    return arithmetic_result(f"({args[0]} % {args[1]})", ins[0], out)


def _power(p, args, ins, out):
    a, b = args
    t = ins[0]
    if t.kind in "fc":
        return f"np.power({strip(a)}, {strip(b)})"
    # Numba's integer ** goes through floats for big exponents; NumPy squares and wraps.
    p.helpers.add("_int_power")
    return wrap(f"_int_power({strip(convert(a, t, INT64))}, {strip(convert(b, t, INT64))})",
                out)


_NUMBER = re.compile(r"^(?:np\.float\d+\()?\(?-?(?:[0-9][0-9.e+\-]*|np\.inf)\)?\)?$")


def _extremum(pick: str) -> Builder:
    """maximum/minimum: NaN wins (NumPy's `(a >= b or isnan(a)) ? a : b`)."""
    def build(p, args, ins, out):
        a, b = args
        t = ins[0]
        if t.kind == "b":
            return f"({a} {'or' if pick == '>=' else 'and'} {b})"
        if t.kind == "f" and _NUMBER.match(b):
            # Python's max/min agree with NumPy's when the second operand is not NaN.
            return f"{'max' if pick == '>=' else 'min'}({strip(a)}, {strip(b)})"
        a, b = p.once(a), p.once(b)
        if t.kind == "f":
            return f"({a} if {a} {pick} {b} or {a} != {a} else {b})"
        return arithmetic_result(f"({a} if {a} {pick} {b} else {b})", t, out)
    return build


_MIXED_COMPARE = {  # signed a vs unsigned b: (a < 0 answer, comparison for a >= 0)
    "<": ("True", "<"), "<=": ("True", "<="), ">": ("False", ">"),
    ">=": ("False", ">="), "==": ("False", "=="), "!=": ("True", "!="),
}
_MIRROR = {"<": ">", "<=": ">=", ">": "<", ">=": "<=", "==": "==", "!=": "!="}


def _compare(symbol: str) -> Builder:
    def build(p, args, ins, out):
        a, b = args
        ta, tb = ins
        if ta == tb:
            return f"({a} {symbol} {b})"
        # NumPy 2 compares int64 with uint64 exactly; Numba would go through float64.
        if ta.kind == "u":
            a, b, ta, tb, sym = b, a, tb, ta, _MIRROR[symbol]
        else:
            sym = symbol
        negative, op = _MIXED_COMPARE[sym]
        a = p.once(a)
        joiner = "or" if negative == "True" else "and"
        test = f"{a} < 0" if negative == "True" else f"{a} >= 0"
        return f"({test} {joiner} np.uint64({a}) {op} {b})"
    return build


def _logical(joiner: str) -> Builder:
    def build(p, args, ins, out):
        a, b = (truth(x, t) for x, t in zip(args, ins))
        return f"({a} {joiner} {b})"
    return build


def _shift(left: bool) -> Builder:
    """NumPy's shifts: a shift by the bit width or more (or negative) is 0, or -1 for a
    negative number shifted right."""
    def build(p, args, ins, out):
        a, b = args
        t = ins[0]
        if t.kind == "b":
            raise CodegenError("numba_cpu: shifts of bools are not supported")
        bits = t.itemsize * 8
        b = p.once(b)
        zero = literal(0, t)
        if left:
            return wrap(f"{a} << {b} if 0 <= {b} < {bits} else {zero}", out)
        if t.kind == "u":
            return wrap(f"{a} >> {b} if {b} < {bits} else {zero}", out)
        a = p.once(a)
        return wrap(f"{a} >> {b} if 0 <= {b} < {bits} else "
                    f"({literal(-1, t)} if {a} < 0 else {zero})", out)
    return build


def _where(p, args, ins, out):
    c, a, b = args
    return f"({strip(a)} if {truth(c, ins[0])} else {strip(b)})"


_MATH = {
    Op.EXP: "np.exp", Op.EXPM1: "np.expm1", Op.LOG: "np.log", Op.LOG1P: "np.log1p",
    Op.LOG2: "np.log2", Op.LOG10: "np.log10", Op.SQRT: "np.sqrt", Op.SIN: "np.sin",
    Op.COS: "np.cos", Op.TAN: "np.tan", Op.ARCSIN: "np.arcsin", Op.ARCCOS: "np.arccos",
    Op.ARCTAN: "np.arctan", Op.SINH: "np.sinh", Op.COSH: "np.cosh", Op.TANH: "np.tanh",
    Op.RINT: "np.rint",
}

ELEMENTWISE_ROWS: dict[Op, Elementwise] = {
    **{op: Elementwise(_math(fn)) for op, fn in _MATH.items()},
    Op.NEG: Elementwise(_neg),
    Op.POS: Elementwise(_pos),
    Op.ABS: Elementwise(_abs),
    Op.FLOOR: Elementwise(_rounding("np.floor")),
    Op.CEIL: Elementwise(_rounding("np.ceil")),
    Op.TRUNC: Elementwise(_rounding("np.trunc")),
    Op.SIGN: Elementwise(_sign),
    Op.SQUARE: Elementwise(_square),
    Op.RECIPROCAL: Elementwise(_reciprocal),
    Op.ISNAN: Elementwise(_float_test("np.isnan", "False", "or")),
    Op.ISINF: Elementwise(_float_test("np.isinf", "False", "or")),
    Op.ISFINITE: Elementwise(_float_test("np.isfinite", "True", "and")),
    Op.LOGICAL_NOT: Elementwise(_logical_not),
    Op.INVERT: Elementwise(_invert),
    Op.CAST: Elementwise(_cast),
    Op.ADD: Elementwise(_binary("+", "or")),
    Op.SUB: Elementwise(_binary("-")),
    Op.MUL: Elementwise(_binary("*", "and")),
    Op.TRUEDIV: Elementwise(_truediv),
    Op.FLOORDIV: Elementwise(_floordiv, "c"),
    Op.MOD: Elementwise(_mod, "c"),
    Op.POW: Elementwise(_power),
    Op.MAXIMUM: Elementwise(_extremum(">="), "c"),
    Op.MINIMUM: Elementwise(_extremum("<="), "c"),
    Op.ARCTAN2: Elementwise(_call("np.arctan2")),
    Op.HYPOT: Elementwise(_call("np.hypot")),
    Op.LT: Elementwise(_compare("<"), "c"),
    Op.LE: Elementwise(_compare("<="), "c"),
    Op.GT: Elementwise(_compare(">"), "c"),
    Op.GE: Elementwise(_compare(">="), "c"),
    Op.EQ: Elementwise(_compare("==")),
    Op.NE: Elementwise(_compare("!=")),
    Op.LOGICAL_AND: Elementwise(_logical("and")),
    Op.LOGICAL_OR: Elementwise(_logical("or")),
    Op.LOGICAL_XOR: Elementwise(_logical("!=")),
    Op.BITWISE_AND: Elementwise(_binary("&", "and")),
    Op.BITWISE_OR: Elementwise(_binary("|", "or")),
    Op.BITWISE_XOR: Elementwise(_binary("^", "!=")),
    Op.LEFT_SHIFT: Elementwise(_shift(left=True)),
    Op.RIGHT_SHIFT: Elementwise(_shift(left=False)),
    Op.WHERE: Elementwise(_where),
}
