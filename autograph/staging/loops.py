"""The loop-carried state of a staged `while` or `for`.

`LoopCarry` decides which leaves of the state a loop carries (tensor-like ones), with which
types — fixed by tracing the body and widened when a weak initial value must be promoted
(`Retype`, then the caller traces again) — and checks that every variable keeps its
structure, shape and dtype from one iteration to the next.
"""

from __future__ import annotations

import numpy as np

from autograph import ir
from autograph.errors import StagingError
from autograph.ir.types import TensorType, dtype_name
from autograph.staging.variables import UndefinedReturnValue
from autograph.staging import pytrees
from autograph.staging.caller_arrays import merge as alias_of_values
from autograph.staging.concrete import NeedsStaticArgument
from autograph.staging.state import (NUMBERS, alias_of, coerce, describe, is_tensor_like,
                                     is_undefined, label_of, same_static, unify, value_of,
                                     zeros)
from autograph.staging.tensor import EMPTY, Tensor, merge_sources
from autograph.staging.undefined import UndefinedAfterStaging


class Retype(Exception):
    """A loop must be traced again with wider initial types (weak scalar promotion)."""


class _Var:
    """One state variable of a loop: how it is carried."""

    __slots__ = ("name", "kind", "treedef", "leaves", "types", "carried", "aliases")

    def __init__(self, name, kind, treedef=None, leaves=(), types=(), carried=()):
        self.name = name
        self.kind = kind            # "undef", "urv" (not carried yet) or "tree"
        self.treedef = treedef
        self.leaves = list(leaves)  # the initial leaves
        self.types = list(types)    # per leaf: TensorType if carried, else None
        self.carried = list(carried)
        # per leaf: the alias of the carried value on every iteration (Tensor._alias):
        # the initial value's, widened when the body yields another array (Retype).
        self.aliases = [alias_of(leaf) for leaf in self.leaves]


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
        self._params: list[Tensor] = []  # handles unpacked for the regions traced so far
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
                leaves = [self._param(next(it), leaf, alias) if carried else leaf
                          for leaf, carried, alias in zip(var.leaves, var.carried, var.aliases)]
                state.append(pytrees.unflatten(var.treedef, leaves))
        return tuple(state)

    def _param(self, value, leaf, alias) -> Tensor:
        handle = Tensor(value, self._leaf_sources(leaf), alias, self.ctx)
        if isinstance(leaf, Tensor):  # a write through it outdates the views of `leaf`
            handle._origin = leaf
            self._params.append(handle)
        return handle

    def _refuse_views_read_in_a_writing_body(self) -> None:
        """A view of a carried array read anywhere in a body that writes the array would
        see, in NumPy, the writes of earlier iterations — even where the body reads it
        before its own write, which tracing cannot order. Refused, naming the fix."""
        outdated = {view._value for p in self._params for view in (p._outdated or ())}
        if not outdated:
            return
        for node in self.ctx.builder.current.walk():
            if any(v in outdated for v in node.inputs):
                raise StagingError(
                    f"a view of an array (a slice, reshape or transpose of it) is read in the "
                    f"loop at line {self.line}, which writes into that array: NumPy would show "
                    f"the writes of earlier iterations through the view. Index the array "
                    f"itself inside the loop, or copy the view before the loop "
                    f"(`v = y[0:2].copy()`) to keep the old values", self.origin)

    def _leaf_sources(self, leaf):
        # Inside the loop a value also depends on how many iterations ran.
        return merge_sources(self.sources, self.bound_sources)

    def pack(self, new_state) -> list[ir.Value]:
        """Body results for the carried leaves (emitted in the open body region)."""
        self._refuse_views_read_in_a_writing_body()
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
            var.aliases = [None] * len(new.leaves)  # "no return yet": zeros, a new array
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
            retype = self._widen_alias(var, i, leaf) or retype
            out.append((result, common))
        return None if retype else out

    @staticmethod
    def _widen_alias(var: _Var, i: int, leaf) -> bool:
        """Joins the alias a body result has into the leaf's alias; True if it changed.

        A carried array that is the caller's on entry but a new array after one iteration
        (`x = x * 2` in the body) is not the caller's on later iterations, so the body is
        traced again with the joined alias, under which a write into it is refused rather
        than written back into the caller's array from the wrong iteration."""
        before = var.aliases[i]
        joined = alias_of_values(before, leaf._alias if isinstance(leaf, Tensor) else None)
        if joined is before or (isinstance(before, str) and isinstance(joined, str)):
            return False
        var.aliases[i] = joined
        return True

    def _structure_changed(self, label, before, after):
        message = (f"{label} is {before!r} before the loop at line {self.line} but {after!r} "
                   f"after one iteration: containers carried by a staged loop must keep their "
                   f"structure (a list grown by append cannot be staged; preallocate an "
                   f"array and assign rows instead)")
        if self.bound_sources:
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
                leaves = [Tensor(next(it), sources, alias, self.ctx) if carried else leaf
                          for leaf, carried, alias in zip(var.leaves, var.carried, var.aliases)]
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
        grows = (len(before.shape) == len(after.shape) and before.shape
                 and after.shape[0] > before.shape[0] and before.shape[1:] == after.shape[1:])
        return (f"{label} has shape {before.shape} before the loop at line {line} but "
                f"{after.shape} after one iteration" + (
                    "; an array grown in a staged loop (np.append, np.concatenate) would "
                    "have a length known only at run time: select the elements with a "
                    "boolean mask (`x[keep]`, whose length may vary), or preallocate an "
                    "array of the largest size and keep a count" if grows else ""))
    return (f"{label} has dtype {dtype_name(before.dtype)} before the loop at line {line} but "
            f"{dtype_name(after.dtype)} after one iteration")
