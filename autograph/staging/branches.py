"""Joining the two branches of a staged `if` (or `a if c else b`, `and`, `or`).

Both branches have been traced into closed regions; for every state variable, `BranchMerge`
decides what the COND node yields: nothing (the same Python value on both sides), a COND
output (tensor-like values, unified by state.unify, converted inside each region), or a
marker for a variable only one branch defines.
"""

from __future__ import annotations

import numpy as np

from autograph import ir
from autograph.errors import StagingError
from autograph.ir.ops import Op
from autograph.staging.variables import UndefinedReturnValue
from autograph.staging import pytrees
from autograph.staging.state import (alias_of, coerce, describe, is_tensor_like, is_undefined,
                                     label_of, same_static, unify, value_of, zeros)
from autograph.staging.tensor import EMPTY, Tensor, merge_sources
from autograph.staging.undefined import UndefinedAfterStaging


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
            short, long_ = sorted((da.children, db.children), key=len)
            grown = da.kind == db.kind == "list" and long_[:len(short)] == short
            raise StagingError(f"{label} is {da!r} in the true branch but {db!r} in the false "
                               f"branch of {self.where} at line {self.line}: a container must "
                               f"keep its structure" + (
                                   " (a list appended to in a staged `if` would have a length "
                                   "known only at run time: select the values with a boolean "
                                   "mask, `x[x > 0]`, or write them into a preallocated array "
                                   "and keep a count)" if grown else ""), self.origin)
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
        if label == "the return value" and (a is None) != (b is None):
            value = describe(b if a is None else a)
            raise StagingError(
                f"the function returns {value} on some paths and None on others (a `return` "
                f"without a value, or the end of the function) as decided by a traced value "
                f"at line {self.line}; a converted function must return the same kind of "
                f"value on every path: add the missing `return`", self.origin)
        dynamic = any(getattr(type(v), "_ag_dynamic", False) for v in (a, b))
        raise StagingError(f"{label} is {describe(a)} in the true branch but {describe(b)} "
                           f"in the false branch of {self.where} at line {self.line}" + (
                               ": a value whose length is known only at run time (x[mask], "
                               "np.unique, ...) cannot leave a staged `if` yet; select with "
                               "one mask made by np.where (`x[np.where(c, m1, m2)]`), or "
                               "reduce it inside the branch" if dynamic else ""),
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
            return Tensor(values[0], self.sources, alias_of(a, b), ctx)
        for side, (value, region) in enumerate(zip(values, self.regions)):
            value = (zeros(ttype, ctx, region, origin) if value is None
                     else coerce(value, ttype, ctx, region, origin))
            self.results[side].append(value)
        slot = _Slot(len(self.results[0]) - 1, alias_of(a, b))
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
