"""Definitely defined names: what is bound on every path reaching a statement.

A staged `if` or loop must know whether each of its state variables exists before it
("'x' must be defined before the loop"); this forward analysis answers that:

- the function's parameters are defined at entry;
- after an `if`, what both branches define (a branch that always jumps away does not
  count against the other);
- a loop may run zero times, so its body adds nothing after it; inside the body, what
  is defined before the loop and earlier in the body counts (a `for` target too). After
  the loop: what the `else` block leaves (the loop ended without `break`) met with what
  each `break` carries;
- `break`, `continue`, `return` and `raise` end their path;
- after a `try`: only what is defined before it, plus what its `finally` defines (an
  exception may leave the body at any point and a handler may swallow it);
- a `with` is sequential; a `match` joins its cases and, unless a case is
  irrefutable, the path where none matched; `del x` undefines x.

Every statement inside the function (not inside nested defs) gets `DEFINED_IN`, a
frozenset of names. Statements after an unconditional jump (dead code) are annotated as
if the jump were not there.
"""

from __future__ import annotations

import ast
import dataclasses

from autograph.pyct import anno
from autograph.pyct.analysis import activity

# A path state: the frozenset of names defined, or None where no path arrives.
State = frozenset | None


@dataclasses.dataclass
class _Loop:
    """The states carried by the jumps out of (break) and back into (continue) a loop."""

    breaks: list[frozenset] = dataclasses.field(default_factory=list)
    continues: list[frozenset] = dataclasses.field(default_factory=list)


def analyze(fn_node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
    """Annotates every statement of `fn_node` with `DEFINED_IN`.

    The function node itself (a lambda too) gets its parameters as `DEFINED_IN`.
    """
    params = frozenset(activity.arg_names(fn_node.args))
    anno.setanno(fn_node, anno.DEFINED_IN, params)
    if not isinstance(fn_node, ast.Lambda):
        _block(fn_node.body, params, None)


def meet(*states: State) -> State:
    """What is defined on all the given paths; None paths (none arrive) are ignored."""
    arriving = [s for s in states if s is not None]
    if not arriving:
        return None
    result = arriving[0]
    for state in arriving[1:]:
        result = result & state
    return result


def _block(stmts: list[ast.stmt], defined: frozenset, loop: _Loop | None) -> State:
    reachable = True
    for stmt in stmts:
        out = _statement(stmt, defined, loop)
        if out is None:
            reachable = False  # keep `defined` to annotate dead code after the jump
        elif reachable:
            defined = out
    return defined if reachable else None


def _statement(stmt: ast.stmt, defined: frozenset, loop: _Loop | None) -> State:
    anno.setanno(stmt, anno.DEFINED_IN, defined)
    handler = _HANDLERS.get(type(stmt), _simple)
    return handler(stmt, defined, loop)


def _simple(stmt: ast.stmt, defined: frozenset, loop: _Loop | None) -> State:
    return defined | activity.definitely_bound(stmt)


def _delete(stmt: ast.Delete, defined: frozenset, loop: _Loop | None) -> State:
    deleted = set()
    for target in stmt.targets:
        deleted |= activity.target_names(target)
    return defined - deleted


def _jump_break(stmt, defined: frozenset, loop: _Loop | None) -> State:
    if loop is not None:
        loop.breaks.append(defined)
    return None


def _jump_continue(stmt, defined: frozenset, loop: _Loop | None) -> State:
    if loop is not None:
        loop.continues.append(defined)
    return None


def _jump_away(stmt, defined: frozenset, loop: _Loop | None) -> State:
    return None


def _if(stmt: ast.If, defined: frozenset, loop: _Loop | None) -> State:
    entry = defined | activity.definitely_bound(stmt)
    return meet(_block(stmt.body, entry, loop), _block(stmt.orelse, entry, loop))


def _loop(stmt, before: frozenset, per_iteration: frozenset, outer: _Loop | None) -> State:
    """Shared by while and for: iterate the body until its entry state is stable.

    `before` holds at the loop head on entry; `per_iteration` is bound again at the
    start of every iteration (the for target). Only `del` can make a later iteration
    start with less than the first, so this takes one or two rounds.
    """
    head = before
    while True:
        jumps = _Loop()
        body_out = _block(stmt.body, head | per_iteration, jumps)
        new_head = meet(before, body_out, *jumps.continues)
        if new_head == head:
            break
        head = new_head
    orelse_out = _block(stmt.orelse, head, outer)
    return meet(orelse_out, *jumps.breaks)


def _while(stmt: ast.While, defined: frozenset, loop: _Loop | None) -> State:
    test_binds = frozenset(activity.definitely_bound(stmt))
    return _loop(stmt, defined | test_binds, test_binds, loop)


def _for(stmt: ast.For, defined: frozenset, loop: _Loop | None) -> State:
    before = defined | activity.definitely_bound(stmt)
    return _loop(stmt, before, frozenset(activity.target_names(stmt.target)), loop)


def _with(stmt: ast.With, defined: frozenset, loop: _Loop | None) -> State:
    return _block(stmt.body, defined | activity.definitely_bound(stmt), loop)


def _try(stmt: ast.Try, defined: frozenset, loop: _Loop | None) -> State:
    body_out = _block(stmt.body, defined, loop)
    for handler in stmt.handlers:
        names = {handler.name} if handler.name else set()
        anno.setanno(handler, anno.DEFINED_IN, defined)
        _block(handler.body, defined | names, loop)
    _block(stmt.orelse, defined if body_out is None else body_out, loop)
    if stmt.finalbody:
        return _block(stmt.finalbody, defined, loop)
    return defined


def _match(stmt, defined: frozenset, loop: _Loop | None) -> State:
    entry = defined | activity.definitely_bound(stmt)
    outs: list[State] = []
    irrefutable = False
    for case in stmt.cases:
        captures = frozenset(activity.expr_scope(case.pattern).modified)
        guard_binds = activity.definitely_bound(case.guard) if case.guard else set()
        outs.append(_block(case.body, entry | captures | guard_binds, loop))
        if case.guard is None and _is_irrefutable(case.pattern):
            irrefutable = True
    if not irrefutable:
        outs.append(entry)
    return meet(*outs)


def _is_irrefutable(pattern) -> bool:
    """`case _:` / `case name:` (or an or-pattern with one) always match."""
    if type(pattern).__name__ == "MatchAs":
        return pattern.pattern is None or _is_irrefutable(pattern.pattern)
    if type(pattern).__name__ == "MatchOr":
        return any(_is_irrefutable(p) for p in pattern.patterns)
    return False


_HANDLERS = {
    ast.If: _if,
    ast.While: _while,
    ast.For: _for,
    ast.AsyncFor: _for,
    ast.With: _with,
    ast.AsyncWith: _with,
    ast.Break: _jump_break,
    ast.Continue: _jump_continue,
    ast.Return: _jump_away,
    ast.Raise: _jump_away,
    ast.Try: _try,
    ast.Delete: _delete,
}
for _name, _handler in (("TryStar", _try), ("Match", _match)):
    if hasattr(ast, _name):
        _HANDLERS[getattr(ast, _name)] = _handler
