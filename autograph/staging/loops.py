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
                leaves = [Tensor(next(it), self._leaf_sources(leaf), alias_of(leaf), self.ctx)
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
                leaves = [Tensor(next(it), sources, alias_of(leaf), self.ctx) if carried
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
