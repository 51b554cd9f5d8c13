"""Guarding the statements that follow a lowered `break`, `continue` or `return`.

Once a jump is turned into `flag = True`, the statements after it must not run: every
statement that follows one that may set the flag is wrapped in `if not flag:`. Later
converters turn that `if` into `ag__.if_stmt`, so a flag that becomes a tensor in a staged
loop still does the right thing.
"""

from __future__ import annotations

import ast

from autograph.converters import base, loop_tests
from autograph.pyct import traversal


def sets_flag(stmt: ast.stmt, flag: str) -> bool:
    """True if `stmt` may assign `flag` (outside nested functions)."""
    for node in base.walk_local(stmt):
        if isinstance(node, ast.Name) and node.id == flag and isinstance(node.ctx, ast.Store):
            return True
    return False


def flag_setters(root: ast.AST, flag: str) -> set[ast.stmt]:
    """The statements under `root` (not inside nested functions) that may assign `flag`.

    One walk of the tree, where asking `sets_flag` of every statement of every block
    walks each node once per block around it.
    """
    nodes, parents = [root], [-1]
    for index, node in enumerate(nodes):  # breadth-first: parents come before children
        for child in traversal.child_nodes(node):
            if not isinstance(child, base.NESTED_SCOPES):
                nodes.append(child)
                parents.append(index)
    sets = [False] * len(nodes)
    setters = set()
    for index in range(len(nodes) - 1, -1, -1):  # children before their parents
        node = nodes[index]
        if isinstance(node, ast.Name) and node.id == flag and isinstance(node.ctx, ast.Store):
            sets[index] = True
        if sets[index]:
            if isinstance(node, ast.stmt):
                setters.add(node)
            if parents[index] >= 0:
                sets[parents[index]] = True
    return setters


def guard_block(stmts: list[ast.stmt], flag: str, setters: set[ast.stmt] | None = None) -> list[ast.stmt]:
    """Wraps everything after the first flag-setting statement in `if not flag:`.

    Statements directly after an unconditional `flag = True` are dead and dropped, as they
    would never run in the original. A trailing loop-test marker stays where it is.
    `setters`, from `flag_setters` of a tree holding `stmts`, saves walking them.
    """
    if stmts and loop_tests.is_marker(stmts[-1]):
        return guard_block(stmts[:-1], flag, setters) + stmts[-1:]
    for i, stmt in enumerate(stmts):
        if setters is None or isinstance(stmt, base.NESTED_SCOPES):
            # (`sets_flag` of a def looks inside it; `flag_setters` does not.)
            may_set = sets_flag(stmt, flag)
        else:
            may_set = stmt in setters
        if not may_set:
            continue
        head, rest = stmts[: i + 1], stmts[i + 1 :]
        if not rest or _is_flag_set(stmt, flag):
            return head
        guard = ast.If(
            test=ast.UnaryOp(op=ast.Not(), operand=base.name(flag)),
            body=guard_block(rest, flag, setters),
            orelse=[],
        )
        return head + [base.located(guard, rest[0])]
    return stmts


_HOLDS_BLOCKS = (ast.stmt, ast.excepthandler, ast.match_case)


def guard_nested_blocks(node: ast.AST, flag: str) -> None:
    """Applies `guard_block` to every statement list inside `node` (not into nested
    functions), innermost first, so a flag set deep in an `if` guards its own tail too.

    Only statements, handlers and match cases can hold statement lists (an expression
    cannot; a lambda's body is an expression), so the recursion skips expressions: with
    them it was the bulk of the time spent lowering jumps."""
    _guard_nested_blocks(node, flag, flag_setters(node, flag))


def _guard_nested_blocks(node: ast.AST, flag: str, setters: set[ast.stmt]) -> None:
    # Guarding keeps `setters` true: it only wraps statements in new `if`s and drops
    # statements that follow an unconditional `flag = True` in the same block.
    for child in traversal.child_nodes(node):
        if isinstance(child, _HOLDS_BLOCKS) and not isinstance(child, base.NESTED_SCOPES):
            _guard_nested_blocks(child, flag, setters)
    for field in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(node, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            setattr(node, field, guard_block(block, flag, setters))


def _is_flag_set(stmt: ast.stmt, flag: str) -> bool:
    return (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and stmt.targets[0].id == flag
        and isinstance(stmt.value, ast.Constant)
        and stmt.value.value is True
    )


class _JumpReplacer(traversal.NodeTransformer):
    """Replaces the loop's own jump statements (not those of nested loops) with `flag = True`."""

    STATEMENTS_ONLY = True  # it rewrites statements only: expressions are not walked

    def __init__(self, jump_type, flag):
        self.jump_type, self.flag = jump_type, flag

    def visit_While(self, node):
        # a nested loop's own jumps are its business, but its `else` clause is ours
        node.orelse = [self.visit(s) for s in node.orelse]
        return node

    visit_For = visit_AsyncFor = visit_While

    def visit_FunctionDef(self, node):
        return node

    visit_AsyncFunctionDef = visit_Lambda = visit_ClassDef = visit_FunctionDef

    def generic_visit(self, node):
        if isinstance(node, self.jump_type):
            return base.located(base.assign_name(self.flag, ast.Constant(value=True)), node)
        return super().generic_visit(node)


def replace_jumps(stmts, jump_type, flag):
    replacer = _JumpReplacer(jump_type, flag)
    out = []
    for stmt in stmts:
        out.append(replacer.visit(stmt))
    return out
