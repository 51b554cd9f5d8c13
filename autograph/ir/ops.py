"""The IR's operations: one enum, property sets, and the ufunc each elementwise op is.

Ops are an enum (never strings) and their properties are frozensets, so a pass asks
`node.op in ELEMENTWISE` instead of growing an if-chain (tinygrad's `uop/` does the same).
What an op *is* is declared here once: its member, the property sets it belongs to, its
attributes (`ATTRIBUTES`: names, kinds, required or not), and whether its result is a
fresh buffer (`ALLOCATING`). The export schema, memory planning, the code generators'
analyses and the docs' attribute table all read these. What an op *does* is one row per
table: its type rule in `rules.py`, its NumPy meaning in `reference.py`, its code in each
backend's emitter table, its derivative in `autodiff/rules.py`; `tests/test_ir_tables.py`
names the op and the table when a row is missing.

Attributes per op (all hashable, except CONSTANT's array):

- CONSTANT: value — an np.ndarray (strong type of the array) or a Python
  bool/int/float/complex (a weak 0-d value).
- CAST: dtype; optional weak=True for a 0-d cast that stays a Python scalar (`float(n)`).
- SUM PROD MAX MIN MEAN ANY ALL: axes (sorted tuple of non-negative ints), keepdims.
- ARGMAX ARGMIN: axis (int or None), keepdims.
- RESHAPE: shape; TRANSPOSE: perm; BROADCAST_TO: shape; CONCATENATE: axis.
- FULL: shape, dtype, value; ARANGE: start, stop, step, dtype; EYE: n, m, k, dtype.
- INDEX / SET_INDEX: index (see `indexing.py`).
- PRINT: template (str pieces and input positions), sep, end.
- CHECK: error (the exception's name: AssertionError, ValueError, OverflowError),
  message. One 0-d bool input; raises `error(message)` when the program runs and it is
  false (a staged `assert`, `int()` of NaN).
- CUMSUM CUMPROD: axis (a non-negative int); the result has the input's shape.
- SORT ARGSORT: axis (a non-negative int); SORT's result has the input's shape and dtype,
  ARGSORT's the input's shape in int64. Both sort NaN last, and ARGSORT is stable (ties
  keep their order, NumPy's kind='stable'), which every `kind` NumPy offers allows.
- RANDOM: distribution ("uniform" [0, 1), "normal" (standard), "integers" [low, high)),
  shape, dtype, low/high (for "integers"). No inputs; a new draw on every call.
- SOLVE INV DET: none (LAPACK through Numba's `np.linalg`; batched over leading axes).
- SLOGDET EIGH SVD QR LSTSQ: part (which of NumPy's results this node is: "sign" /
  "logabsdet", "eigenvalues" / "eigenvectors", "U" / "S" / "Vh", "Q" / "R", "x" /
  "residuals" / "rank" / "s"): one output per node, so passes and autodiff see one-result
  ops; the CPU emitter computes the factorisation once for sibling parts. EIGH: UPLO.
  SVD: full_matrices. QR: mode ("reduced", "complete", "r"). LSTSQ: rcond (a float).
- CHOLESKY: upper (bool). PINV: rcond (a float, relative to the largest singular value).
- FFT: axes, s (lengths along axes), inverse (bool), norm ("backward", "ortho",
  "forward"); complex result. RFFT / IRFFT: axes, s, norm (real -> half spectrum along
  the last axis of `axes`, and back).
- COMPRESS: none. Inputs (x, mask): x with at least one dimension, mask a 1-d bool of
  length x.shape[0]. The result has x's shape (the static capacity): rows of x where mask
  is true, in order, first, then zeros. Its valid length, `sum(mask)`, is a separate value
  (staging/dynamic.py keeps the two together); NumPy's `x[mask]` is `result[:count]`.
- CALL: function (the user's Numba function: `staging.interop.UserFunction`), name (its
  module.qualname), results (the output types as text, "f64[3,4] i64[]"), tuple (the
  function returns a tuple, even of one value). Its results
  are fresh arrays (a result that may share memory with an argument, or a function that
  writes into one, is refused while tracing). Not exportable: the graph needs the code.
- COND / WHILE / FOR: none; their sub-graphs are regions (names in REGION_NAMES).
"""

from __future__ import annotations

import enum

import numpy as np


class Op(enum.Enum):
    # leaves
    CONSTANT = enum.auto()
    # unary elementwise
    NEG = enum.auto()
    POS = enum.auto()
    ABS = enum.auto()
    EXP = enum.auto()
    EXPM1 = enum.auto()
    LOG = enum.auto()
    LOG1P = enum.auto()
    LOG2 = enum.auto()
    LOG10 = enum.auto()
    SQRT = enum.auto()
    SIN = enum.auto()
    COS = enum.auto()
    TAN = enum.auto()
    ARCSIN = enum.auto()
    ARCCOS = enum.auto()
    ARCTAN = enum.auto()
    SINH = enum.auto()
    COSH = enum.auto()
    TANH = enum.auto()
    FLOOR = enum.auto()
    CEIL = enum.auto()
    TRUNC = enum.auto()
    RINT = enum.auto()
    SIGN = enum.auto()
    SQUARE = enum.auto()
    RECIPROCAL = enum.auto()
    ISNAN = enum.auto()
    ISINF = enum.auto()
    ISFINITE = enum.auto()
    LOGICAL_NOT = enum.auto()
    INVERT = enum.auto()
    CAST = enum.auto()
    # binary elementwise
    ADD = enum.auto()
    SUB = enum.auto()
    MUL = enum.auto()
    TRUEDIV = enum.auto()
    FLOORDIV = enum.auto()
    MOD = enum.auto()
    POW = enum.auto()
    MAXIMUM = enum.auto()
    MINIMUM = enum.auto()
    ARCTAN2 = enum.auto()
    HYPOT = enum.auto()
    LT = enum.auto()
    LE = enum.auto()
    GT = enum.auto()
    GE = enum.auto()
    EQ = enum.auto()
    NE = enum.auto()
    LOGICAL_AND = enum.auto()
    LOGICAL_OR = enum.auto()
    LOGICAL_XOR = enum.auto()
    BITWISE_AND = enum.auto()
    BITWISE_OR = enum.auto()
    BITWISE_XOR = enum.auto()
    LEFT_SHIFT = enum.auto()
    RIGHT_SHIFT = enum.auto()
    # ternary elementwise
    WHERE = enum.auto()
    # reductions
    SUM = enum.auto()
    PROD = enum.auto()
    MAX = enum.auto()
    MIN = enum.auto()
    MEAN = enum.auto()
    ANY = enum.auto()
    ALL = enum.auto()
    ARGMAX = enum.auto()
    ARGMIN = enum.auto()
    # linear algebra
    MATMUL = enum.auto()
    DOT = enum.auto()
    # shape
    RESHAPE = enum.auto()
    TRANSPOSE = enum.auto()
    BROADCAST_TO = enum.auto()
    CONCATENATE = enum.auto()
    # creation
    FULL = enum.auto()
    ARANGE = enum.auto()
    EYE = enum.auto()
    # indexing
    INDEX = enum.auto()
    SET_INDEX = enum.auto()
    # control flow
    COND = enum.auto()
    WHILE = enum.auto()
    FOR = enum.auto()
    # side effects
    PRINT = enum.auto()
    CHECK = enum.auto()
    # scans (issue 18)
    CUMSUM = enum.auto()
    CUMPROD = enum.auto()
    # random draws: a new sample on every call (issue 18)
    RANDOM = enum.auto()
    # sorting along one axis (issue 18)
    SORT = enum.auto()
    ARGSORT = enum.auto()
    # LAPACK-backed linear algebra (issue 18)
    SOLVE = enum.auto()
    INV = enum.auto()
    DET = enum.auto()
    SLOGDET = enum.auto()
    CHOLESKY = enum.auto()
    EIGH = enum.auto()
    SVD = enum.auto()
    QR = enum.auto()
    LSTSQ = enum.auto()
    PINV = enum.auto()
    # discrete Fourier transforms (issue 18)
    FFT = enum.auto()
    RFFT = enum.auto()
    IRFFT = enum.auto()
    # data-dependent sizes, bounded (issue 15): a static-capacity buffer whose valid
    # length is a separate i64[] value (staging/dynamic.py)
    COMPRESS = enum.auto()
    # a call of the user's own Numba function (issue 18, staging/interop.py)
    CALL = enum.auto()

    @property
    def printed_name(self) -> str:
        return self.name.lower()

    def __str__(self) -> str:
        return self.printed_name


# The NumPy ufunc that *is* each elementwise op (type rule and reference both use it).
UFUNC: dict[Op, np.ufunc] = {
    Op.NEG: np.negative,
    Op.POS: np.positive,
    Op.ABS: np.absolute,
    Op.EXP: np.exp,
    Op.EXPM1: np.expm1,
    Op.LOG: np.log,
    Op.LOG1P: np.log1p,
    Op.LOG2: np.log2,
    Op.LOG10: np.log10,
    Op.SQRT: np.sqrt,
    Op.SIN: np.sin,
    Op.COS: np.cos,
    Op.TAN: np.tan,
    Op.ARCSIN: np.arcsin,
    Op.ARCCOS: np.arccos,
    Op.ARCTAN: np.arctan,
    Op.SINH: np.sinh,
    Op.COSH: np.cosh,
    Op.TANH: np.tanh,
    Op.FLOOR: np.floor,
    Op.CEIL: np.ceil,
    Op.TRUNC: np.trunc,
    Op.RINT: np.rint,
    Op.SIGN: np.sign,
    Op.SQUARE: np.square,
    Op.RECIPROCAL: np.reciprocal,
    Op.ISNAN: np.isnan,
    Op.ISINF: np.isinf,
    Op.ISFINITE: np.isfinite,
    Op.LOGICAL_NOT: np.logical_not,
    Op.INVERT: np.invert,
    Op.ADD: np.add,
    Op.SUB: np.subtract,
    Op.MUL: np.multiply,
    Op.TRUEDIV: np.true_divide,
    Op.FLOORDIV: np.floor_divide,
    Op.MOD: np.remainder,
    Op.POW: np.power,
    Op.MAXIMUM: np.maximum,
    Op.MINIMUM: np.minimum,
    Op.ARCTAN2: np.arctan2,
    Op.HYPOT: np.hypot,
    Op.LT: np.less,
    Op.LE: np.less_equal,
    Op.GT: np.greater,
    Op.GE: np.greater_equal,
    Op.EQ: np.equal,
    Op.NE: np.not_equal,
    Op.LOGICAL_AND: np.logical_and,
    Op.LOGICAL_OR: np.logical_or,
    Op.LOGICAL_XOR: np.logical_xor,
    Op.BITWISE_AND: np.bitwise_and,
    Op.BITWISE_OR: np.bitwise_or,
    Op.BITWISE_XOR: np.bitwise_xor,
    Op.LEFT_SHIFT: np.left_shift,
    Op.RIGHT_SHIFT: np.right_shift,
}

UNARY = frozenset(op for op, uf in UFUNC.items() if uf.nin == 1) | {Op.CAST}
BINARY = frozenset(op for op, uf in UFUNC.items() if uf.nin == 2)
ELEMENTWISE = UNARY | BINARY | {Op.WHERE}
COMPARISON = frozenset({Op.LT, Op.LE, Op.GT, Op.GE, Op.EQ, Op.NE})
# Ops whose output is bool whatever the input (useful to passes and emitters).
PREDICATE = COMPARISON | {Op.ISNAN, Op.ISINF, Op.ISFINITE, Op.LOGICAL_NOT,
                          Op.LOGICAL_AND, Op.LOGICAL_OR, Op.LOGICAL_XOR}
REDUCTION = frozenset({Op.SUM, Op.PROD, Op.MAX, Op.MIN, Op.MEAN, Op.ANY, Op.ALL,
                       Op.ARGMAX, Op.ARGMIN})
# Reductions with an `axes` attribute (the others take a single `axis`).
MULTI_AXIS_REDUCTION = REDUCTION - {Op.ARGMAX, Op.ARGMIN}
LINALG = frozenset({Op.MATMUL, Op.DOT})
SHAPE = frozenset({Op.RESHAPE, Op.TRANSPOSE, Op.BROADCAST_TO, Op.CONCATENATE})
CREATION = frozenset({Op.FULL, Op.ARANGE, Op.EYE})
INDEXING = frozenset({Op.INDEX, Op.SET_INDEX})
CONTROL_FLOW = frozenset({Op.COND, Op.WHILE, Op.FOR})
SIDE_EFFECT = frozenset({Op.PRINT, Op.CHECK})
# Running (cumulative) reductions along one axis: `axis` attribute, result the input's shape.
SCAN = frozenset({Op.CUMSUM, Op.CUMPROD})
# Sorts along one axis: `axis` attribute, result the input's shape.
SORTING = frozenset({Op.SORT, Op.ARGSORT})
# Factorisations and solvers on the last two axes (LAPACK on the CPU), and the
# multi-result ones whose nodes carry a `part` attribute.
DECOMPOSITION = frozenset({Op.SOLVE, Op.INV, Op.DET, Op.SLOGDET, Op.CHOLESKY, Op.EIGH,
                           Op.SVD, Op.QR, Op.LSTSQ, Op.PINV})
MULTI_PART = frozenset({Op.SLOGDET, Op.EIGH, Op.SVD, Op.QR, Op.LSTSQ})
FOURIER = frozenset({Op.FFT, Op.RFFT, Op.IRFFT})
# Ops whose result differs from call to call: never folded, merged or hoisted (a pass's
# `is_pure` says no), but dropped when unused, as NumPy would draw and discard.
NONDETERMINISTIC = frozenset({Op.RANDOM})
COMMUTATIVE = frozenset({Op.ADD, Op.MUL, Op.MAXIMUM, Op.MINIMUM, Op.HYPOT, Op.EQ, Op.NE,
                         Op.LOGICAL_AND, Op.LOGICAL_OR, Op.LOGICAL_XOR,
                         Op.BITWISE_AND, Op.BITWISE_OR, Op.BITWISE_XOR})

# The regions each control-flow op owns, by name, in order (printer and docs use them).
REGION_NAMES: dict[Op, tuple[str, ...]] = {
    Op.COND: ("then", "else"),
    Op.WHILE: ("cond", "body"),
    Op.FOR: ("body",),
}


# Ops whose (non-0-d) results are buffers the program allocates (in C order): a fresh array
# nobody else holds. Views (reshape, transpose, broadcast_to, basic indexing), graph
# inputs, constants and region results are not.
ALLOCATING = (ELEMENTWISE | REDUCTION | LINALG | CREATION | SCAN | SORTING | NONDETERMINISTIC
              | DECOMPOSITION | FOURIER
              | {Op.CONCATENATE, Op.SET_INDEX, Op.COMPRESS, Op.CALL})


# ---- attributes ---------------------------------------------------------------------------
# Each op's attributes: name -> (kind, required). A kind names one codec of the export
# format (`serialization/attrs.py`) and one phrase of the docs' table (`ATTRIBUTE_KINDS`).
# Every op has a row, even an empty one: a missing row is a test failure, not a default.

AttrSpec = dict[str, tuple[str, bool]]

ATTRIBUTE_KINDS: dict[str, str] = {
    "constant": "array or scalar",
    "dtype": "dtype name",
    "dtype_or_none": "dtype name or null",
    "bool": "bool",
    "int": "int",
    "int_or_none": "int or null",
    "ints": "list of ints",
    "shape": "list of ints",
    "axes": "sorted list of axes",
    "scalar": "scalar",
    "str": "string",
    "index": ("list of entries `[\"int\", k]`, `[\"dyn\", n]`, `[\"slice\", start, stop, step]` "
              "(ints or null), `[\"newaxis\"]`, `[\"array\", n]` (see `ir/indexing.py`)"),
    "template": "list of strings and input positions",
    "function": "a user's Python/Numba function (not exportable)",
}

_REDUCE: AttrSpec = {"axes": ("axes", True), "keepdims": ("bool", False)}
_ARG_REDUCE: AttrSpec = {"axis": ("int_or_none", False), "keepdims": ("bool", False)}
_NONE: AttrSpec = {}

ATTRIBUTES: dict[Op, AttrSpec] = {
    **{op: _NONE for op in ELEMENTWISE - {Op.CAST}},
    **{op: _REDUCE for op in MULTI_AXIS_REDUCTION},
    **{op: _ARG_REDUCE for op in REDUCTION - MULTI_AXIS_REDUCTION},
    **{op: _NONE for op in LINALG | CONTROL_FLOW},
    Op.CONSTANT: {"value": ("constant", True)},
    Op.CAST: {"dtype": ("dtype", True), "weak": ("bool", False)},
    Op.RESHAPE: {"shape": ("shape", True)},
    Op.TRANSPOSE: {"perm": ("ints", True)},
    Op.BROADCAST_TO: {"shape": ("shape", True)},
    Op.CONCATENATE: {"axis": ("int", True)},
    Op.FULL: {"shape": ("shape", True), "value": ("scalar", True),
              "dtype": ("dtype_or_none", False)},
    Op.ARANGE: {"start": ("scalar", True), "stop": ("scalar", True),
                "step": ("scalar", False), "dtype": ("dtype_or_none", False)},
    Op.EYE: {"n": ("int", True), "m": ("int_or_none", False), "k": ("int", False),
             "dtype": ("dtype_or_none", False)},
    Op.INDEX: {"index": ("index", True)},
    Op.SET_INDEX: {"index": ("index", True)},
    Op.PRINT: {"template": ("template", False), "sep": ("str", False), "end": ("str", False)},
    Op.CHECK: {"error": ("str", True), "message": ("str", False)},
    Op.CUMSUM: {"axis": ("int", True)},
    Op.CUMPROD: {"axis": ("int", True)},
    Op.SORT: {"axis": ("int", True)},
    Op.ARGSORT: {"axis": ("int", True)},
    Op.COMPRESS: _NONE,
    Op.CALL: {"function": ("function", True), "name": ("str", True),
              "results": ("str", True), "tuple": ("bool", False)},
    **{op: _NONE for op in (Op.SOLVE, Op.INV, Op.DET)},
    Op.SLOGDET: {"part": ("str", True)},
    Op.CHOLESKY: {"upper": ("bool", False)},
    Op.EIGH: {"part": ("str", True), "UPLO": ("str", False)},
    Op.SVD: {"part": ("str", True), "full_matrices": ("bool", False)},
    Op.QR: {"part": ("str", True), "mode": ("str", False)},
    Op.LSTSQ: {"part": ("str", True), "rcond": ("scalar", False)},
    Op.PINV: {"rcond": ("scalar", False)},
    Op.FFT: {"axes": ("ints", True), "s": ("ints", True), "inverse": ("bool", False),
             "norm": ("str", False)},
    Op.RFFT: {"axes": ("ints", True), "s": ("ints", True), "norm": ("str", False)},
    Op.IRFFT: {"axes": ("ints", True), "s": ("ints", True), "norm": ("str", False)},
    Op.RANDOM: {"distribution": ("str", True), "shape": ("shape", True),
                "dtype": ("dtype", True), "low": ("scalar", False), "high": ("scalar", False)},
}
