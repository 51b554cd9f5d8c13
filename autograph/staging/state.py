"""The state of staged branches and loops: which values become region results, with
which types, and the errors when the two sides of a branch or a loop disagree.

A state variable is any Python value, possibly a container (pytrees.py). Its leaves are:

- *tensor-like*: tensors, Python numbers (weak), NumPy scalars and arrays (strong) — they
  flow through the region as IR values;
- *static*: anything else (None, strings, objects), which must be the same on both sides;
- *undefined*: `Undefined` (no value yet) or `UndefinedReturnValue` (no `return` ran yet).

Two sides meet at the end of an `if` (true / false branch) and at the end of a loop body
(before the loop / after one iteration). Their types are unified by NumPy's promotion only
where a weak Python scalar meets something (`y = 0` on one side, `y = x.sum()` on the
other); otherwise they must agree, and the error names the variable and both types.
"""

from __future__ import annotations

import numpy as np

from autograph import ir
from autograph.errors import StagingError
from autograph.ir.ops import Op
from autograph.ir.types import TensorType, dtype_name, python_type_of
from autograph.operators.variables import Undefined, UndefinedReturnValue
from autograph.staging import pytrees
from autograph.staging.tensor import EMPTY, Tensor, merge_sources
from autograph.staging.undefined import UndefinedAfterStaging

NUMBERS = (bool, int, float, complex)


class Retype(Exception):
    """A loop must be traced again with wider initial types (weak scalar promotion)."""


def is_undefined(value) -> bool:
    return isinstance(value, (Undefined, UndefinedReturnValue))


def is_tensor_like(value) -> bool:
    if isinstance(value, (Tensor, np.generic, np.ndarray)):
        return not isinstance(value, np.ndarray) or value.dtype.kind in "biufc"
    return isinstance(value, NUMBERS)


def same_static(a, b) -> bool:
    """Whether two non-tensor leaves are the same value (so no region result is needed)."""
    if a is b:
        return True
    if type(a) is not type(b) or isinstance(a, (Tensor, np.ndarray)):
        return False
    try:
        return bool((a == b) is True or (isinstance(a, np.generic) and a == b))
    except Exception:
        return False


def describe(value) -> str:
    if isinstance(value, Tensor):
        return str(value.type)
    if isinstance(value, (np.ndarray, np.generic)):
        return str(TensorType.of_array(value))
    if isinstance(value, NUMBERS):
        return f"the Python {type(value).__name__} {value!r}"
    if value is None:
        return "None"
    if is_undefined(value):
        return "undefined"
    return f"a {type(value).__name__}"


def label_of(name: str) -> str:
    return "the return value" if name.startswith("retval_") else f"'{name}'"


# ---- values inside (possibly closed) regions --------------------------------------------


def value_of(leaf, ctx, region: ir.Region | None, origin) -> ir.Value:
    """The IR value of a tensor-like leaf, made in `region` (None: the current region)."""
    if isinstance(leaf, Tensor):
        # A branch result is read after its region closed, by the node that owns it.
        return leaf.region_result() if region is not None else leaf.value
    if isinstance(leaf, np.ndarray):
        return ctx.capture(leaf)
    constant = np.asarray(leaf) if isinstance(leaf, np.generic) else leaf
    return _add(ctx, region, Op.CONSTANT, [], origin, value=constant)


def _add(ctx, region, op, inputs, origin, **attrs) -> ir.Value:
    if region is None:
        return ctx.emit(op, inputs, origin=origin, **attrs)
    return region.add_node(op, inputs, attrs, origin=origin).outputs[0]


def coerce(value: ir.Value, ttype: TensorType, ctx, region, origin) -> ir.Value:
    """`value` cast to `ttype` (same shape) if its dtype or weakness differ."""
    if value.type == ttype:
        return value
    return _add(ctx, region, Op.CAST, [value], origin, dtype=ttype.dtype, weak=ttype.weak)


def zeros(ttype: TensorType, ctx, region, origin) -> ir.Value:
    """A zero of `ttype`: what an unset return value holds on paths that did not return."""
    if ttype.weak:
        zero = _add(ctx, region, Op.CONSTANT, [], origin, value=python_type_of(ttype)(0))
        return coerce(zero, ttype, ctx, region, origin)
    return _add(ctx, region, Op.FULL, [], origin, shape=ttype.shape, dtype=ttype.dtype, value=0)


def _weak_example(t: TensorType):
    return python_type_of(t)(0)


def unify(types) -> TensorType | None:
    """The common type of values meeting at a join, or None if they cannot meet.

    Equal types meet as they are. Weak Python scalars adapt to a strong partner when NumPy
    would keep the partner's dtype (`0` with f32[] gives f32[]), and to each other by
    promotion (`0` with `0.5` gives a weak f64). Anything else is an error for the caller.
    """
    first = types[0]
    if all(t == first for t in types):
        return first
    if any(t.shape != first.shape for t in types):
        return None
    strong = {t.dtype for t in types if not t.weak}
    weak = [t for t in types if t.weak]
    if len(strong) > 1:
        return None
    if strong:
        (dtype,) = strong
        if any(np.result_type(_weak_example(w), dtype) != dtype for w in weak):
            return None
        return TensorType(first.shape, dtype)
    return TensorType((), np.result_type(*(_weak_example(w) for w in weak)), True)


# ---- the two branches of an `if` --------------------------------------------------------


class BranchMerge:
    """Merges the state yielded by the branches of one staged `if` (or `x if c else y`)."""

    def __init__(self, ctx, regions, line, origin, names_where: str = "the `if`"):
        self.ctx = ctx
        self.regions = regions  # (true region, false region), closed
        self.line = line
        self.origin = origin
        self.where = names_where
        self.results: tuple[list, list] = ([], [])
        self.slots: list = []  # per output leaf: ("static", value) or ("tensor", index, ...)
        self.sources = EMPTY

    def merge_var(self, name: str, a, b):
        """One state variable: returns a template (pytree) whose tensor slots are filled
        later by `finish` with the COND outputs."""
        label = label_of(name)
        ua, ub = is_undefined(a), is_undefined(b)
        if ua or ub:
            return self._merge_undefined(name, label, a, b, ua, ub)
        la, da = pytrees.flatten(a)
        lb, db = pytrees.flatten(b)
        if da != db:
            raise StagingError(f"{label} is {da!r} in the true branch but {db!r} in the false "
                               f"branch of {self.where} at line {self.line}: a container must "
                               f"keep its structure", self.origin)
        paths = pytrees.paths(da, name)
        leaves = [self._merge_leaf(label_of(p), x, y) for p, x, y in zip(paths, la, lb)]
        return pytrees.unflatten(da, leaves)

    def _merge_undefined(self, name, label, a, b, ua, ub):
        if ua and ub:
            for v in (a, b):
                if isinstance(v, UndefinedAfterStaging):
                    return v
            return a
        undefined, defined = (a, b) if ua else (b, a)
        if isinstance(undefined, UndefinedReturnValue):
            if defined is None:
                return None  # "no return yet" and "returned None" both end as None
            leaves, treedef = pytrees.flatten(defined)
            out = []
            for leaf, path in zip(leaves, pytrees.paths(treedef, name)):
                if is_tensor_like(leaf):
                    pair = (leaf, None) if not ua else (None, leaf)
                    out.append(self._tensor_slot(label_of(path), *pair))
                else:
                    out.append(leaf)
            return pytrees.unflatten(treedef, out)
        return UndefinedAfterStaging(
            name, f"{label} is defined in only one branch of {self.where} at line {self.line} "
                  f"and used after it", self.origin)

    def _merge_leaf(self, label, a, b):
        if not isinstance(a, Tensor) and not isinstance(b, Tensor) and same_static(a, b):
            return a
        if is_tensor_like(a) and is_tensor_like(b):
            return self._tensor_slot(label, a, b)
        raise StagingError(f"{label} is {describe(a)} in the true branch but {describe(b)} "
                           f"in the false branch of {self.where} at line {self.line}",
                           self.origin)

    def _tensor_slot(self, label, a, b):
        """A COND output for leaves `a`, `b` (None: fill with zeros of the other's type)."""
        ctx, origin = self.ctx, self.origin
        values = [None if leaf is None else value_of(leaf, ctx, region, origin)
                  for leaf, region in zip((a, b), self.regions)]
        present = [v.type for v in values if v is not None]
        ttype = unify(present)
        if ttype is None:
            raise StagingError(f"{label} is {values[0].type} in the true branch but "
                               f"{values[1].type} in the false branch of {self.where} at line "
                               f"{self.line}", origin)
        for leaf in (a, b):
            if isinstance(leaf, Tensor):
                self.sources = merge_sources(self.sources, leaf._sources)
            elif isinstance(leaf, np.ndarray):
                self.sources = None
        if values[0] is not None and values[0] is values[1]:
            return Tensor(values[0], self.sources, _alias_of(a, b), ctx)
        for side, (value, region) in enumerate(zip(values, self.regions)):
            value = (zeros(ttype, ctx, region, origin) if value is None
                     else coerce(value, ttype, ctx, region, origin))
            self.results[side].append(value)
        slot = _Slot(len(self.results[0]) - 1, _alias_of(a, b))
        self.slots.append(slot)
        return slot

    def finish(self, pred: ir.Value, pred_sources, templates):
        """Emits the COND node and fills the templates' slots with its outputs."""
        for region, results in zip(self.regions, self.results):
            region.results = results
        outputs = self.ctx.emit(Op.COND, [pred], origin=self.origin, regions=list(self.regions))
        if isinstance(outputs, ir.Value):
            outputs = (outputs,)
        sources = merge_sources(self.sources, pred_sources)
        for slot in self.slots:
            slot.tensor = Tensor(outputs[slot.index], sources, slot.alias, self.ctx)
        return [_fill(t) for t in templates]


class _Slot:
    __slots__ = ("index", "alias", "tensor")

    def __init__(self, index, alias):
        self.index, self.alias, self.tensor = index, alias, None


def _fill(template):
    leaves, treedef = pytrees.flatten(template)
    return pytrees.unflatten(treedef, [x.tensor if isinstance(x, _Slot) else x for x in leaves])


def _alias_of(*leaves):
    for leaf in leaves:
        if isinstance(leaf, Tensor) and leaf._alias is not None:
            return leaf._alias
    return None


# ---- loops ------------------------------------------------------------------------------


class _Var:
    """One state variable of a loop: how it is carried."""

    __slots__ = ("name", "kind", "treedef", "leaves", "types", "carried")

    def __init__(self, name, kind, treedef=None, leaves=(), types=(), carried=()):
        self.name = name
        self.kind = kind            # "undef", "urv" (not carried yet) or "tree"
        self.treedef = treedef
        self.leaves = list(leaves)  # the initial leaves
        self.types = list(types)    # per leaf: TensorType if carried, else None
        self.carried = list(carried)


class LoopCarry:
    """The loop-carried values of one staged loop, with types fixed by tracing the body.

    The body is traced with the current types; when a result needs a wider type than its
    initial value (a weak `0` that the body turns into f32), `pack` widens the type and
    raises `Retype`, and the caller traces the regions again.
    """

    def __init__(self, ctx, state, names, line, origin):
        self.ctx = ctx
        self.line = line
        self.origin = origin
        self.bound_sources = EMPTY
        self.sources = EMPTY
        self.vars: list[_Var] = []
        for name, value in zip(names, state):
            if isinstance(value, UndefinedReturnValue):
                self.vars.append(_Var(name, "urv"))
            elif is_undefined(value):
                self.vars.append(_Var(name, "undef", leaves=[value]))
            else:
                self.vars.append(self._tree_var(name, value))

    def _tree_var(self, name, value) -> _Var:
        leaves, treedef = pytrees.flatten(value)
        types, carried = [], []
        for leaf in leaves:
            if is_tensor_like(leaf):
                ttype = _type_of(leaf)
                types.append(ttype)
                carried.append(True)
                if isinstance(leaf, Tensor):
                    self.sources = merge_sources(self.sources, leaf._sources)
                elif isinstance(leaf, np.ndarray):
                    self.sources = None
            else:
                types.append(None)
                carried.append(False)
        return _Var(name, "tree", treedef, leaves, types, carried)

    # -- region side ----------------------------------------------------------------------

    def param_types(self) -> tuple[list[TensorType], list[str]]:
        types, hints = [], []
        for var in self.vars:
            if var.kind != "tree":
                continue
            paths = pytrees.paths(var.treedef, var.name)
            for ttype, path, carried in zip(var.types, paths, var.carried):
                if carried:
                    types.append(ttype)
                    hints.append(_hint(path))
        return types, hints

    def unpack(self, params) -> tuple:
        """The state as the loop's test and body see it: fresh tensors on the params."""
        it = iter(params)
        state = []
        for var in self.vars:
            if var.kind == "undef":
                state.append(var.leaves[0])
            elif var.kind == "urv":
                state.append(UndefinedReturnValue())
            else:
                leaves = [Tensor(next(it), self._leaf_sources(leaf), _alias_of(leaf), self.ctx)
                          if carried else leaf
                          for leaf, carried in zip(var.leaves, var.carried)]
                state.append(pytrees.unflatten(var.treedef, leaves))
        return tuple(state)

    def _leaf_sources(self, leaf):
        # Inside the loop a value also depends on how many iterations ran.
        return merge_sources(self.sources, self.bound_sources)

    def pack(self, new_state) -> list[ir.Value]:
        """Body results for the carried leaves (emitted in the open body region)."""
        new_state = tuple(new_state)
        if len(new_state) != len(self.vars):
            raise StagingError(f"a loop body returned {len(new_state)} state values, expected "
                               f"{len(self.vars)}", self.origin)
        retype = False
        checked = []
        for var, value in zip(self.vars, new_state):
            checked.append(self._check(var, value))
            retype = retype or checked[-1] is None
        if retype:
            raise Retype()
        results = []
        for var, pairs in zip(self.vars, checked):
            for value, ttype in pairs:
                results.append(coerce(value, ttype, self.ctx, None, self.origin))
        return results

    def _check(self, var: _Var, value):
        """[(result value, its carried type)] for a var, or None if a retrace is needed."""
        label = label_of(var.name)
        if var.kind == "undef":
            if not is_undefined(value):
                var.leaves = [UndefinedAfterStaging(
                    var.name, f"{label} must be defined before the loop at line {self.line} to "
                              f"be used after it", self.origin)]
            return []
        if var.kind == "urv":
            if isinstance(value, UndefinedReturnValue) or value is None:
                return []
            new = self._tree_var(var.name, value)
            new.leaves = [None if c else leaf for leaf, c in zip(new.leaves, new.carried)]
            var.kind, var.treedef, var.leaves, var.types, var.carried = (
                "tree", new.treedef, new.leaves, new.types, new.carried)
            return None
        if is_undefined(value):
            raise StagingError(f"{label} is defined before the loop at line {self.line} but "
                               f"may be undefined after one iteration", self.origin)
        leaves, treedef = pytrees.flatten(value)
        if treedef != var.treedef:
            self._structure_changed(label, var.treedef, treedef)
        out = []
        retype = False
        paths = pytrees.paths(treedef, var.name)
        for i, (leaf, path) in enumerate(zip(leaves, paths)):
            leaf_label = label_of(path)
            if not var.carried[i]:
                if not same_static(var.leaves[i], leaf):
                    raise StagingError(
                        f"{leaf_label} is {describe(var.leaves[i])} before the loop at line "
                        f"{self.line} but {describe(leaf)} after one iteration; give it a "
                        f"value of the same kind before the loop", self.origin)
                continue
            if not is_tensor_like(leaf):
                raise StagingError(f"{leaf_label} is {var.types[i]} before the loop at line "
                                   f"{self.line} but {describe(leaf)} after one iteration",
                                   self.origin)
            result = value_of(leaf, self.ctx, None, self.origin)
            if isinstance(leaf, Tensor):
                self.sources = merge_sources(self.sources, leaf._sources)
            before = var.types[i]
            common = unify([before, result.type])
            if common is None:
                raise StagingError(_mismatch(leaf_label, before, result.type, self.line),
                                   self.origin)
            if common != before:
                var.types[i] = common
                retype = True
            out.append((result, common))
        return None if retype else out

    def _structure_changed(self, label, before, after):
        message = (f"{label} is {before!r} before the loop at line {self.line} but {after!r} "
                   f"after one iteration: containers carried by a staged loop must keep their "
                   f"structure (a list grown by append cannot be staged; preallocate an "
                   f"array and assign rows instead)")
        if self.bound_sources:
            from autograph.staging.concrete import NeedsStaticArgument

            raise NeedsStaticArgument(self.bound_sources, f"a Python list grows in a loop it "
                                                          f"bounds (line {self.line})",
                                      self.origin)
        raise StagingError(message, self.origin)

    # -- outer side -----------------------------------------------------------------------

    def inits(self) -> list[ir.Value]:
        """Initial values of the carried leaves, emitted in the enclosing region."""
        values = []
        for var in self.vars:
            if var.kind != "tree":
                continue
            for leaf, ttype, carried in zip(var.leaves, var.types, var.carried):
                if not carried:
                    continue
                if leaf is None:
                    values.append(zeros(ttype, self.ctx, None, self.origin))
                else:
                    value = value_of(leaf, self.ctx, None, self.origin)
                    values.append(coerce(value, ttype, self.ctx, None, self.origin))
        return values

    def outputs(self, values, extra_sources=EMPTY) -> tuple:
        """The state after the loop, from the loop node's outputs."""
        sources = merge_sources(merge_sources(self.sources, self.bound_sources), extra_sources)
        it = iter(values)
        state = []
        for var in self.vars:
            if var.kind == "undef":
                state.append(var.leaves[0])
            elif var.kind == "urv":
                state.append(UndefinedReturnValue())
            else:
                leaves = [Tensor(next(it), sources, _alias_of(leaf), self.ctx) if carried
                          else leaf for leaf, carried in zip(var.leaves, var.carried)]
                state.append(pytrees.unflatten(var.treedef, leaves))
        return tuple(state)


def _type_of(leaf) -> TensorType:
    if isinstance(leaf, Tensor):
        return leaf.type
    if isinstance(leaf, NUMBERS) and not isinstance(leaf, np.generic):
        return TensorType.of_python(leaf)
    return TensorType.of_array(leaf)


def _hint(path: str) -> str:
    cleaned = "".join(c if c.isalnum() or c == "_" else "_" for c in path).strip("_")
    return cleaned or "v"


def _mismatch(label, before: TensorType, after: TensorType, line) -> str:
    if before.shape != after.shape:
        return (f"{label} has shape {before.shape} before the loop at line {line} but "
                f"{after.shape} after one iteration")
    return (f"{label} has dtype {dtype_name(before.dtype)} before the loop at line {line} but "
            f"{dtype_name(after.dtype)} after one iteration")


__all__ = ["BranchMerge", "LoopCarry", "Retype", "unify", "is_tensor_like", "same_static"]
