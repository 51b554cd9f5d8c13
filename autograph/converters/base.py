"""What every converter shares: the context of one conversion and small AST builders.

The builders keep the converters readable: each converter says which code it emits
(`ag_call("if_stmt", ...)`, `function_def("if_true", params, body)`) instead of assembling
`ast` nodes by hand. Every node a converter creates takes the origin of the user's node
it replaces (`origins.copy_origin`), so errors and source maps point at the user's line.
"""

from __future__ import annotations

import ast
import dataclasses
import enum

from autograph.pyct import anno, naming, origins, parsing, traversal

RUNTIME = "ag__"  # the name under which converted code sees autograph.operators


class Mark(enum.Enum):
    """Annotations the converters put on the code they create."""

    THUNK = "a `lambda: expr` made to defer evaluation; it is called where it is made"


@dataclasses.dataclass
class Context:
    """State shared by the converters while one function is converted."""

    namer: naming.Namer
    filename: str


class Converter(traversal.NodeTransformer):
    """A NodeTransformer with the conversion context; statements may become lists."""

    def __init__(self, ctx: Context):
        self.ctx = ctx

    def visit_block(self, stmts: list[ast.stmt]) -> list[ast.stmt]:
        out: list[ast.stmt] = []
        for stmt in stmts:
            result = self.visit(stmt)
            if result is None:
                continue
            out.extend(result if isinstance(result, list) else [result])
        return out


def name(identifier: str, ctx: ast.expr_context | None = None) -> ast.Name:
    return ast.Name(id=identifier, ctx=ctx or ast.Load())


def names_tuple(identifiers, ctx: ast.expr_context | None = None) -> ast.Tuple:
    ctx = ctx or ast.Load()
    return ast.Tuple(elts=[name(i, type(ctx)()) for i in identifiers], ctx=ctx)


def strings_tuple(values) -> ast.Tuple:
    return ast.Tuple(elts=[ast.Constant(value=v) for v in values], ctx=ast.Load())


def ag_attr(attr: str) -> ast.Attribute:
    return ast.Attribute(value=name(RUNTIME), attr=attr, ctx=ast.Load())


def ag_call(attr: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=ag_attr(attr), args=list(args), keywords=[])


def is_ag_call(node: ast.AST) -> bool:
    return (
        isinstance(node, ast.Call)
        and isinstance(node.func, ast.Attribute)
        and isinstance(node.func.value, ast.Name)
        and node.func.value.id == RUNTIME
    )


def thunk(expr: ast.expr) -> ast.Lambda:
    """`lambda: expr` — defers evaluation, for short-circuit semantics."""
    no_args = ast.arguments(
        posonlyargs=[], args=[], vararg=None, kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[]
    )
    lam = ast.Lambda(args=no_args, body=expr)
    anno.setanno(lam, Mark.THUNK, True)
    return lam


def function_def(fn_name: str, params, body: list[ast.stmt]) -> ast.FunctionDef:
    args = ast.arguments(
        posonlyargs=[], args=[ast.arg(arg=p) for p in params], vararg=None,
        kwonlyargs=[], kw_defaults=[], kwarg=None, defaults=[],
    )
    kwargs = {"type_params": []} if "type_params" in ast.FunctionDef._fields else {}
    return ast.FunctionDef(
        name=fn_name, args=args, body=body or [ast.Pass()], decorator_list=[], returns=None, **kwargs
    )


def assign(target: ast.expr, value: ast.expr) -> ast.Assign:
    return ast.Assign(targets=[target], value=value)


def assign_name(identifier: str, value: ast.expr) -> ast.Assign:
    return assign(name(identifier, ast.Store()), value)


def state_assign(state: list[str], value: ast.expr) -> ast.stmt:
    """`(a, b) = value`, or a bare expression statement when there is no state."""
    if not state:
        return ast.Expr(value=value)
    return assign(names_tuple(state, ast.Store()), value)


def returns_state(state: list[str]) -> ast.Return:
    return ast.Return(value=names_tuple(state))


def located(new, original: ast.AST):
    """Gives `new` (a node or list of nodes) the origin and location of `original`.

    Only nodes the converters created lack an origin; the walk stops at nodes that have
    one (user code, or code located before), so nested conversions stay linear.
    Contexts and operators (`Load()`, `Add()`) are left bare, as the parser leaves them
    (`parsing` gives them no origin): they have no location, nothing reads their origin,
    and they were a third of the nodes this walk visited.
    """
    origin = origins.get_origin(original)
    # What ast.copy_location(node, original) would copy, worked out once for all nodes.
    location = [
        (attr, getattr(original, attr, None))
        for attr in ("lineno", "col_offset", "end_lineno", "end_col_offset")
        if attr in original._attributes
        and (getattr(original, attr, None) is not None
             or (attr.startswith("end_") and hasattr(original, attr)))
    ] if hasattr(original, "lineno") else []
    stack = list(new) if isinstance(new, list) else [new]
    while stack:
        node = stack.pop()
        if isinstance(node, parsing.SHARED_NODE_TYPES) or origins.get_origin(node) is not None:
            continue
        origins.set_origin(node, origin)
        attributes = node._attributes
        if location and "lineno" in attributes and not hasattr(node, "lineno"):
            for attr, value in location:
                if attr in attributes:
                    setattr(node, attr, value)
        if not isinstance(node, (ast.Name, ast.Constant)):  # (their only child is a context)
            stack.extend(traversal.child_nodes(node))
    return new


# What opens a new scope: walks of "this function's code" stop there.
NESTED_SCOPES = (ast.FunctionDef, ast.AsyncFunctionDef, ast.Lambda, ast.ClassDef)


def walk_local(node: ast.AST):
    """Like ast.walk, but does not descend into nested functions, lambdas or classes."""
    stack = [node]
    while stack:
        current = stack.pop()
        yield current
        for child in traversal.child_nodes(current):
            if isinstance(child, NESTED_SCOPES):
                continue
            stack.append(child)


def walk_loop_body(stmts: list[ast.stmt]):
    """Nodes of a loop body that belong to this loop: not inside nested functions, nor in
    the bodies of nested loops (their `else` clauses do belong to us: a `break` there
    leaves the outer loop)."""
    stack = list(stmts)
    while stack:
        current = stack.pop()
        yield current
        if isinstance(current, (ast.While, ast.For, ast.AsyncFor)):
            stack.extend(current.orelse)
            continue
        for child in traversal.child_nodes(current):
            if isinstance(child, NESTED_SCOPES):
                continue
            stack.append(child)
