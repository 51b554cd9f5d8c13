"""Guarding the statements that follow a lowered `break`, `continue` or `return`.

Once a jump is turned into `flag = True`, the statements after it must not run: every
statement that follows one that may set the flag is wrapped in `if not flag:`. Later
converters turn that `if` into `ag__.if_stmt`, so a flag that becomes a tensor in a staged
loop still does the right thing.
"""

from __future__ import annotations

import ast

from autograph.converters import base, loop_tests


def sets_flag(stmt: ast.stmt, flag: str) -> bool:
    """True if `stmt` may assign `flag` (outside nested functions)."""
    for node in base.walk_local(stmt):
        if isinstance(node, ast.Name) and node.id == flag and isinstance(node.ctx, ast.Store):
            return True
    return False


def guard_block(stmts: list[ast.stmt], flag: str) -> list[ast.stmt]:
    """Wraps everything after the first flag-setting statement in `if not flag:`.

    Statements directly after an unconditional `flag = True` are dead and dropped, as they
    would never run in the original. A trailing loop-test marker stays where it is.
    """
    if stmts and loop_tests.is_marker(stmts[-1]):
        return guard_block(stmts[:-1], flag) + stmts[-1:]
    for i, stmt in enumerate(stmts):
        if not sets_flag(stmt, flag):
            continue
        head, rest = stmts[: i + 1], stmts[i + 1 :]
        if not rest or _is_flag_set(stmt, flag):
            return head
        guard = ast.If(
            test=ast.UnaryOp(op=ast.Not(), operand=base.name(flag)),
            body=guard_block(rest, flag),
            orelse=[],
        )
        return head + [base.located(guard, rest[0])]
    return stmts


def guard_nested_blocks(node: ast.AST, flag: str) -> None:
    """Applies `guard_block` to every statement list inside `node` (not into nested
    functions), innermost first, so a flag set deep in an `if` guards its own tail too."""
    for child in ast.iter_child_nodes(node):
        if isinstance(child, (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)):
            continue
        guard_nested_blocks(child, flag)
    for field in ("body", "orelse", "finalbody", "handlers"):
        block = getattr(node, field, None)
        if isinstance(block, list) and block and isinstance(block[0], ast.stmt):
            setattr(node, field, guard_block(block, flag))


def _is_flag_set(stmt: ast.stmt, flag: str) -> bool:
    return (
        isinstance(stmt, ast.Assign)
        and len(stmt.targets) == 1
        and isinstance(stmt.targets[0], ast.Name)
        and stmt.targets[0].id == flag
        and isinstance(stmt.value, ast.Constant)
        and stmt.value.value is True
    )


class _JumpReplacer(ast.NodeTransformer):
    """Replaces the loop's own jump statements (not those of nested loops) with `flag = True`."""

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
