"""The ordered pipeline of AST converters.

Order matters, and each position has its reason:
1. `unsupported` rejects what we cannot convert, before anything is rewritten;
   `outer_writes` and `try_statements` then put their run-time checks in front of
   user statements (assignments to `global`/`nonlocal` names, `except` handlers) before
   later converters move those statements into body functions.
2. `asserts`, `lists` turn statements into calls/rebindings that later passes treat as
   ordinary code (`l = ag__.list_append(l, x)` makes `l` visibly modified).
3. `break_statements`, `continue_statements`, `return_statements` lower jumps to flags
   guarded by plain Python `if not flag:` — so they must run before the converters that
   turn `if` and `not` into runtime calls. Break goes first: a loop's test gains
   `not break_` before `return` adds `not do_return` in front of it.
4. `conditional_expressions`, `logical_expressions` make short-circuit evaluation explicit
   with thunks; `call_trees` then wraps every remaining user call (thunk bodies included)
   in `converted_call`, leaving the runtime's own calls alone.
5. `control_flow` runs last, on fresh analyses (activity, liveness, definedness) of the
   final code, so the flags and rebindings above become loop and branch state.
"""

from __future__ import annotations

import ast

from autograph.converters import (
    asserts,
    base,
    break_statements,
    call_trees,
    conditional_expressions,
    continue_statements,
    control_flow,
    lists,
    logical_expressions,
    outer_writes,
    return_statements,
    try_statements,
    unsupported,
)
from autograph.pyct import naming, traversal
from autograph.pyct.analysis import activity, definedness, liveness

PIPELINE = (
    unsupported,
    outer_writes,
    try_statements,
    asserts,
    lists,
    break_statements,
    continue_statements,
    return_statements,
    conditional_expressions,
    logical_expressions,
    call_trees,
    control_flow,
)

NEEDS_ANALYSIS = {control_flow}


def _analyze(root: ast.AST) -> None:
    for node in traversal.walk(root):
        if isinstance(node, (ast.FunctionDef, ast.Lambda)):
            activity.analyze(node)
            liveness.analyze(node)
            definedness.analyze(node)


def convert_node(node: ast.FunctionDef | ast.Lambda, filename: str) -> ast.AST:
    """Runs the pipeline on a parsed function; returns the converted node."""
    ctx = base.Context(namer=naming.Namer(naming.names_in(node) | {base.RUNTIME}), filename=filename)
    for converter in PIPELINE:
        if converter in NEEDS_ANALYSIS:
            _analyze(node)
        node = converter.transform(node, ctx)
    # No fix_missing_locations here: converters locate what they create (`base.located`),
    # and the tree is only rendered (the renderer fixes its own copy), never compiled.
    return node
