"""Live variables: which names may still be read before they are rebound.

Converters keep only what matters as state of a staged region: the outputs of a staged
`if` are the names it modifies that are live after it, the state of a staged loop the
names it modifies that are live at its head or after it. A backward analysis over the
structured AST computes this:

    live_in(s) = reads(s) | (live_out(s) - kills(s))

with `if` joining its branches, loops iterated to a fixed point over the back edge,
`break` going to what is live after the loop (its `else` skipped), `continue` to the
loop head, `return`/`raise` to what a `finally` (or an `except`) reads and nothing
else. Inside a `try`, an exception may leave any statement, so everything the handlers
read is live throughout the body. A `finally` is entered from every exit of its `try`,
so it is analysed once with all of them live after it. A `with` is sequential (a
context manager swallowing an exception is not modelled). Nested defs are single
statements here: their free reads are reads where they are defined.

Every statement inside the function (not inside nested defs) gets `LIVE_IN` and
`LIVE_OUT` (frozensets); loops get what is live at entry and after the loop; a jump
(`break`, `continue`, `return`, `raise`) gets as `LIVE_OUT` what is live where it lands.
"""

from __future__ import annotations

import ast
import dataclasses

from autograph.pyct import anno
from autograph.pyct.analysis import activity

EMPTY: frozenset[str] = frozenset()


@dataclasses.dataclass(frozen=True)
class _Exits:
    """What is live where each kind of jump lands (None: no enclosing loop).

    `reads` and `kills` are shared by all the exits of one analysis: what each node
    reads and what each statement surely binds, computed once. Loops are iterated to a
    fixed point (usually two rounds), so without them a statement nested in loops was
    examined again in every round of every enclosing loop.
    """

    break_: frozenset | None = None
    continue_: frozenset | None = None
    return_: frozenset = EMPTY
    raise_: frozenset = EMPTY
    reads: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)
    kills: dict = dataclasses.field(default_factory=dict, compare=False, repr=False)


def analyze(fn_node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
    """Annotates the statements of `fn_node`; the node itself gets `LIVE_IN` (entry)."""
    if isinstance(fn_node, ast.Lambda):
        anno.setanno(fn_node, anno.LIVE_IN, frozenset(activity.expr_scope(fn_node.body).read))
        return
    anno.setanno(fn_node, anno.LIVE_IN, _block(fn_node.body, EMPTY, _Exits()))


def live_in_of_block(stmts: list[ast.stmt], live_out: frozenset) -> frozenset:
    """What is live before `stmts` given `live_out` after them (annotates them too).

    A `break` or `continue` in `stmts` outside any loop of theirs (the block is a loop
    body analysed on its own) is taken to lead to `live_out`.
    """
    live_out = frozenset(live_out)
    return _block(stmts, live_out, _Exits(break_=live_out, continue_=live_out))


def _block(stmts: list[ast.stmt], live_out: frozenset, exits: _Exits) -> frozenset:
    live = live_out
    for stmt in reversed(stmts):
        live = _statement(stmt, live, exits)
    return live


def _statement(stmt: ast.stmt, live_out: frozenset, exits: _Exits) -> frozenset:
    handler = _HANDLERS.get(type(stmt), _simple)
    live_in = handler(stmt, live_out, exits) | exits.raise_
    anno.setanno(stmt, anno.LIVE_OUT, _jump_target(stmt, live_out, exits))
    anno.setanno(stmt, anno.LIVE_IN, live_in)
    return live_in


def _jump_target(stmt: ast.stmt, live_out: frozenset, exits: _Exits) -> frozenset:
    """What is live where control goes after `stmt`: a jump's target, else `live_out`."""
    if isinstance(stmt, ast.Break) and exits.break_ is not None:
        return exits.break_
    if isinstance(stmt, ast.Continue) and exits.continue_ is not None:
        return exits.continue_
    if isinstance(stmt, ast.Return):
        return exits.return_
    if isinstance(stmt, ast.Raise):
        return exits.raise_
    return live_out


def _reads(node: ast.AST | None, exits: _Exits) -> frozenset:
    if node is None:
        return EMPTY
    found = exits.reads.get(id(node))  # the tree does not change during one analysis
    if found is None:
        if isinstance(node, ast.expr):
            found = frozenset(activity.expr_scope(node).read)
        else:
            found = frozenset(activity.block_scope([node]).read)
        exits.reads[id(node)] = found
    return found


def _kills(stmt: ast.stmt, exits: _Exits) -> frozenset:
    """`activity.definitely_bound(stmt)`, once per analysis."""
    found = exits.kills.get(id(stmt))
    if found is None:
        found = exits.kills[id(stmt)] = frozenset(activity.definitely_bound(stmt))
    return found


def _simple(stmt: ast.stmt, live_out: frozenset, exits: _Exits) -> frozenset:
    return _reads(stmt, exits) | (live_out - _kills(stmt, exits))


def _delete(stmt: ast.Delete, live_out: frozenset, exits: _Exits) -> frozenset:
    # `del x` needs x bound (it is a use) and leaves it unbound.
    deleted = set()
    for target in stmt.targets:
        deleted |= activity.target_names(target)
    return _reads(stmt, exits) | frozenset(deleted) | (live_out - deleted)


def _if(stmt: ast.If, live_out: frozenset, exits: _Exits) -> frozenset:
    body_in = _block(stmt.body, live_out, exits)
    orelse_in = _block(stmt.orelse, live_out, exits)
    return _reads(stmt.test, exits) | ((body_in | orelse_in) - _kills(stmt, exits))


def _while(stmt: ast.While, live_out: frozenset, exits: _Exits) -> frozenset:
    test_reads = _reads(stmt.test, exits)
    test_binds = _kills(stmt, exits)
    orelse_in = _block(stmt.orelse, live_out, exits)
    head = EMPTY
    while True:
        loop_exits = dataclasses.replace(exits, break_=live_out, continue_=head)
        body_in = _block(stmt.body, head, loop_exits)
        new_head = test_reads | ((body_in | orelse_in) - test_binds)
        if new_head == head:
            return head
        head = new_head


def _for(stmt: ast.For, live_out: frozenset, exits: _Exits) -> frozenset:
    target_kills = activity.target_names(stmt.target)
    target_reads = _reads(stmt.target, exits)  # the base and index of `a[i]`, `a.x`
    orelse_in = _block(stmt.orelse, live_out, exits)
    head = EMPTY
    while True:
        loop_exits = dataclasses.replace(exits, break_=live_out, continue_=head)
        body_in = _block(stmt.body, head, loop_exits)
        new_head = orelse_in | target_reads | (body_in - target_kills)
        if new_head == head:
            break
        head = new_head
    return _reads(stmt.iter, exits) | (head - _kills(stmt, exits))


def _with(stmt: ast.With, live_out: frozenset, exits: _Exits) -> frozenset:
    body_in = _block(stmt.body, live_out, exits)
    reads = EMPTY
    for item in stmt.items:
        reads |= _reads(item.context_expr, exits)
        if item.optional_vars is not None:
            reads |= _reads(item.optional_vars, exits)  # what assigning to it reads
    return reads | (body_in - _kills(stmt, exits))


def _break(stmt: ast.Break, live_out: frozenset, exits: _Exits) -> frozenset:
    return live_out if exits.break_ is None else exits.break_


def _continue(stmt: ast.Continue, live_out: frozenset, exits: _Exits) -> frozenset:
    return live_out if exits.continue_ is None else exits.continue_


def _return(stmt: ast.Return, live_out: frozenset, exits: _Exits) -> frozenset:
    return _reads(stmt.value, exits) | exits.return_


def _raise(stmt: ast.Raise, live_out: frozenset, exits: _Exits) -> frozenset:
    return _reads(stmt.exc, exits) | _reads(stmt.cause, exits) | exits.raise_


def _try(stmt: ast.Try, live_out: frozenset, exits: _Exits) -> frozenset:
    if stmt.finalbody:
        # The finally block is entered from every exit of the try; whatever it does
        # not rebind stays live through it, towards wherever that exit leads.
        finally_out = live_out | exits.return_ | exits.raise_
        finally_out |= (exits.break_ or EMPTY) | (exits.continue_ or EMPTY)
        finally_in = _block(stmt.finalbody, finally_out, exits)
        after = finally_in
        inner = _Exits(
            break_=None if exits.break_ is None else finally_in,
            continue_=None if exits.continue_ is None else finally_in,
            return_=finally_in,
            raise_=finally_in,
            reads=exits.reads,
            kills=exits.kills,
        )
    else:
        after, inner = live_out, exits
    handlers_in = EMPTY
    for handler in stmt.handlers:
        handler_in = _block(handler.body, after, inner) - {handler.name}
        handler_in |= _reads(handler.type, exits)
        anno.setanno(handler, anno.LIVE_OUT, after)
        anno.setanno(handler, anno.LIVE_IN, handler_in)
        handlers_in |= handler_in
    orelse_in = _block(stmt.orelse, after, inner)
    body_exits = dataclasses.replace(inner, raise_=inner.raise_ | handlers_in)
    body_in = _block(stmt.body, orelse_in, body_exits)
    return body_in | handlers_in


def _match(stmt, live_out: frozenset, exits: _Exits) -> frozenset:
    live = live_out  # no case may match
    for case in stmt.cases:
        pattern = activity.expr_scope(case.pattern)
        body_in = _block(case.body, live_out, exits)
        live |= frozenset(pattern.read) | ((_reads(case.guard, exits) | body_in) - pattern.modified)
    return _reads(stmt.subject, exits) | live


_HANDLERS = {
    ast.If: _if,
    ast.While: _while,
    ast.For: _for,
    ast.AsyncFor: _for,
    ast.With: _with,
    ast.AsyncWith: _with,
    ast.Break: _break,
    ast.Continue: _continue,
    ast.Return: _return,
    ast.Raise: _raise,
    ast.Try: _try,
    ast.Delete: _delete,
}
for _name, _handler in (("TryStar", _try), ("Match", _match)):
    if hasattr(ast, _name):
        _HANDLERS[getattr(ast, _name)] = _handler
