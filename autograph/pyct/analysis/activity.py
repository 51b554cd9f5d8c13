"""Which names a piece of code reads and which it (re)binds.

Every control-flow converter asks the same questions: which variables does this loop
body modify (they become loop state), which does this branch assign (candidate branch
outputs), which does the test read. This module answers them once, for statements and
expressions, with Python's scoping rules for nested functions, lambdas, classes and
comprehensions.

Names are plain identifiers. `a[i] = v`, `a.x = v` and `a[i] += v` modify *and read*
the base name `a` (the object is changed in place; its old value is needed).

A nested def/lambda/class/comprehension is seen from outside as what happens where it
is *defined*: its free reads are reads there (a closure captures them), its own locals
are invisible, and a name it declares `nonlocal`/`global` and assigns counts as modified
in the enclosing block (a walrus in a comprehension too: it binds in the function). A
nested def mutating `a[i]` of a free `a` is not a modification where it is defined (it
happens when it is called); a comprehension runs at once, so its mutations count.
"""

from __future__ import annotations

import ast
import dataclasses

from autograph.pyct import anno, traversal


@dataclasses.dataclass
class Scope:
    """The activity of a block or an expression."""

    read: set[str] = dataclasses.field(default_factory=set)
    modified: set[str] = dataclasses.field(default_factory=set)
    nonlocals: set[str] = dataclasses.field(default_factory=set)


def block_scope(stmts: list[ast.stmt]) -> Scope:
    """The activity of a list of statements (nested blocks included)."""
    collector = _Collector()
    for stmt in stmts:
        collector.visit(stmt)
    return collector.scope()


def expr_scope(node: ast.expr) -> Scope:
    """The activity of one expression (walrus targets are modified).

    Also takes an assignment target (`a[i]` reads a and i, modifies a) or a match
    pattern (captures are modified, value patterns read).
    """
    collector = _Collector()
    collector.visit(node)
    return collector.scope()


def analyze(fn_node: ast.FunctionDef | ast.AsyncFunctionDef | ast.Lambda) -> None:
    """Annotates `fn_node` and the statements in it (not inside nested defs).

    Every statement gets `SCOPE`; `if`/`while` get `COND_SCOPE`, `BODY_SCOPE`,
    `ORELSE_SCOPE`; `for` gets `ITERATE_SCOPE`, `BODY_SCOPE` (target included),
    `ORELSE_SCOPE`; `with` and `try` get `BODY_SCOPE` (and `try` `ORELSE_SCOPE`). The
    function node gets `BODY_SCOPE` (a lambda's is its body expression's).
    """
    if isinstance(fn_node, ast.Lambda):
        anno.setanno(fn_node, anno.BODY_SCOPE, expr_scope(fn_node.body))
        return
    anno.setanno(fn_node, anno.BODY_SCOPE, _annotate_block(fn_node.body))


# Activity composes: the scope of a block is the union of its statements' scopes, and
# that of an `if`/`while`/`for` the union of its parts' (a `_Collector` only ever adds
# to sets). So `if`/`while`/`for`, the bulk of what converters ask about, are annotated
# bottom-up, each node collected once; other statements are collected whole, as before.
# (Collecting every statement whole walked each node once per level of nesting.)


def _annotate_block(stmts: list[ast.stmt]) -> Scope:
    """Annotates `stmts` and what they hold; returns the activity of the block."""
    block = Scope()
    for stmt in stmts:
        _add_to(block, _annotate_statement(stmt))
    return block


def _annotate_statement(stmt: ast.stmt) -> Scope:
    if isinstance(stmt, (ast.If, ast.While)):
        cond = expr_scope(stmt.test)
        body = _annotate_block(stmt.body)
        orelse = _annotate_block(stmt.orelse)
        anno.setanno(stmt, anno.COND_SCOPE, cond)
        anno.setanno(stmt, anno.BODY_SCOPE, body)
        anno.setanno(stmt, anno.ORELSE_SCOPE, orelse)
        whole = _union(cond, body, orelse)
    elif isinstance(stmt, (ast.For, ast.AsyncFor)):
        iterate = expr_scope(stmt.iter)
        body = _union(expr_scope(stmt.target), _annotate_block(stmt.body))
        orelse = _annotate_block(stmt.orelse)
        anno.setanno(stmt, anno.ITERATE_SCOPE, iterate)
        anno.setanno(stmt, anno.BODY_SCOPE, body)
        anno.setanno(stmt, anno.ORELSE_SCOPE, orelse)
        whole = _union(iterate, body, orelse)
    else:
        whole = block_scope([stmt])
        if isinstance(stmt, (ast.With, ast.AsyncWith)):
            anno.setanno(stmt, anno.BODY_SCOPE, block_scope(stmt.body))
        elif isinstance(stmt, _TRY_TYPES):
            anno.setanno(stmt, anno.BODY_SCOPE, block_scope(stmt.body))
            anno.setanno(stmt, anno.ORELSE_SCOPE, block_scope(stmt.orelse))
        for block in _child_blocks(stmt):
            _annotate_block(block)
    anno.setanno(stmt, anno.SCOPE, whole)
    return whole


def _add_to(total: Scope, part: Scope) -> None:
    total.read |= part.read
    total.modified |= part.modified
    total.nonlocals |= part.nonlocals


def _union(*parts: Scope) -> Scope:
    """A new Scope: annotations never share sets, so a caller may change one safely."""
    total = Scope()
    for part in parts:
        _add_to(total, part)
    return total


_TRY_TYPES = tuple(t for t in (ast.Try, getattr(ast, "TryStar", None)) if t is not None)


def _child_blocks(stmt: ast.stmt) -> list[list[ast.stmt]]:
    """The statement lists directly inside a compound statement (not nested defs)."""
    if isinstance(stmt, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return []
    blocks = []
    for field in ("body", "orelse", "finalbody"):
        value = getattr(stmt, field, None)
        if isinstance(value, list):
            blocks.append(value)
    for handler in getattr(stmt, "handlers", []):
        blocks.append(handler.body)
    for case in getattr(stmt, "cases", []):
        blocks.append(case.body)
    return blocks


def base_name(node: ast.expr) -> str | None:
    """`a` for `a`, `a.x`, `a[i]`, `a.x[i].y`; None when the base is not a name."""
    while isinstance(node, (ast.Attribute, ast.Subscript, ast.Starred)):
        node = node.value
    return node.id if isinstance(node, ast.Name) else None


def target_names(target: ast.expr) -> set[str]:
    """Names a target binds outright: `x`, `x, (y, *z)` (not `a[i]` or `a.x`)."""
    if isinstance(target, ast.Name):
        return {target.id}
    if isinstance(target, (ast.Tuple, ast.List)):
        names: set[str] = set()
        for element in target.elts:
            names |= target_names(element)
        return names
    if isinstance(target, ast.Starred):
        return target_names(target.value)
    return set()


def arg_names(args: ast.arguments) -> set[str]:
    names = {a.arg for a in args.posonlyargs + args.args + args.kwonlyargs}
    if args.vararg is not None:
        names.add(args.vararg.arg)
    if args.kwarg is not None:
        names.add(args.kwarg.arg)
    return names


class _Collector(traversal.NodeVisitor):
    """Gathers the activity of the code it visits, at one scope level.

    read: names loaded here, plus free reads of nested scopes (`nested_read`, kept apart
    because a class body does not hide its names from its methods).
    bound: names bound here by plain name targets (they are locals of this scope).
    mutated: base names of subscript/attribute stores.
    outer: names this code rebinds in an enclosing scope (nonlocal/global assignments
    in nested defs, walrus in comprehensions of nested comprehensions).
    """

    def __init__(self, is_comprehension: bool = False):
        self.is_comprehension = is_comprehension
        self.read: set[str] = set()
        self.nested_read: set[str] = set()
        self.bound: set[str] = set()
        self.mutated: set[str] = set()
        self.outer: set[str] = set()
        self.walrus: set[str] = set()
        self.declared: set[str] = set()

    def scope(self) -> Scope:
        return Scope(
            read=self.read | self.nested_read,
            modified=self.bound | self.mutated | self.outer | self.walrus,
            nonlocals=set(self.declared),
        )

    # --- names and stores -------------------------------------------------------------

    def visit_Name(self, node: ast.Name) -> None:
        if isinstance(node.ctx, ast.Load):
            self.read.add(node.id)
        else:
            self.bound.add(node.id)

    def _visit_store_through(self, node: ast.Attribute | ast.Subscript) -> None:
        if not isinstance(node.ctx, ast.Load):
            name = base_name(node)
            if name is not None:
                self.mutated.add(name)
        self.generic_visit(node)  # the base and the index are loaded

    visit_Attribute = _visit_store_through
    visit_Subscript = _visit_store_through

    def visit_AugAssign(self, node: ast.AugAssign) -> None:
        self.visit(node.value)
        if isinstance(node.target, ast.Name):
            self.read.add(node.target.id)
            self.bound.add(node.target.id)
        else:
            self.visit(node.target)

    def visit_AnnAssign(self, node: ast.AnnAssign) -> None:
        # A local annotation is not evaluated and `x: int` alone binds nothing.
        if node.value is not None:
            self.visit(node.value)
            self.visit(node.target)

    def visit_NamedExpr(self, node: ast.NamedExpr) -> None:
        self.visit(node.value)
        if self.is_comprehension:
            self.walrus.add(node.target.id)
        else:
            self.bound.add(node.target.id)

    def visit_Import(self, node: ast.Import) -> None:
        for alias in node.names:
            self.bound.add(alias.asname or alias.name.split(".")[0])

    def visit_ImportFrom(self, node: ast.ImportFrom) -> None:
        for alias in node.names:
            if alias.name != "*":
                self.bound.add(alias.asname or alias.name)

    def visit_Global(self, node: ast.Global) -> None:
        self.declared.update(node.names)

    visit_Nonlocal = visit_Global

    def visit_ExceptHandler(self, node: ast.ExceptHandler) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    # match statements (Python 3.10+): capture patterns bind names.
    def visit_MatchAs(self, node) -> None:
        if node.name:
            self.bound.add(node.name)
        self.generic_visit(node)

    def visit_MatchStar(self, node) -> None:
        if node.name:
            self.bound.add(node.name)

    def visit_MatchMapping(self, node) -> None:
        if node.rest:
            self.bound.add(node.rest)
        self.generic_visit(node)

    # --- nested scopes ----------------------------------------------------------------

    def _visit_signature(self, args: ast.arguments, annotate: bool) -> None:
        for default in args.defaults + [d for d in args.kw_defaults if d is not None]:
            self.visit(default)
        if annotate:
            for arg in args.posonlyargs + args.args + args.kwonlyargs + [args.vararg, args.kwarg]:
                if arg is not None and arg.annotation is not None:
                    self.visit(arg.annotation)

    def _merge_function(self, inner: "_Collector", params: set[str]) -> None:
        local = (inner.bound | params) - inner.declared
        self.nested_read |= (inner.read | inner.nested_read) - local
        self.outer |= ((inner.bound & inner.declared) | inner.outer) - local

    def visit_FunctionDef(self, node: ast.FunctionDef) -> None:
        for decorator in node.decorator_list:
            self.visit(decorator)
        self._visit_signature(node.args, annotate=True)
        if node.returns is not None:
            self.visit(node.returns)
        inner = _Collector()
        for stmt in node.body:
            inner.visit(stmt)
        self._merge_function(inner, arg_names(node.args))
        self.bound.add(node.name)

    visit_AsyncFunctionDef = visit_FunctionDef

    def visit_Lambda(self, node: ast.Lambda) -> None:
        self._visit_signature(node.args, annotate=False)
        inner = _Collector()
        inner.visit(node.body)
        self._merge_function(inner, arg_names(node.args))

    def visit_ClassDef(self, node: ast.ClassDef) -> None:
        for expr in node.decorator_list + node.bases + [k.value for k in node.keywords]:
            self.visit(expr)
        inner = _Collector()
        for stmt in node.body:
            inner.visit(stmt)
        local = inner.bound - inner.declared
        # Methods and comprehensions in a class body do not see the class's names.
        self.nested_read |= (inner.read - local) | inner.nested_read
        self.outer |= ((inner.bound & inner.declared) | inner.outer) - local
        self.bound.add(node.name)

    def _visit_comprehension(self, node, elements: list[ast.expr]) -> None:
        generators = node.generators
        self.visit(generators[0].iter)  # evaluated in the enclosing scope
        inner = _Collector(is_comprehension=True)
        for index, generator in enumerate(generators):
            if index:
                inner.visit(generator.iter)
            inner.visit(generator.target)
            for condition in generator.ifs:
                inner.visit(condition)
        for element in elements:
            inner.visit(element)
        local = inner.bound
        self.nested_read |= (inner.read | inner.nested_read) - local
        self.outer |= inner.outer - local
        self.mutated |= inner.mutated - local
        if self.is_comprehension:
            self.walrus |= inner.walrus
        else:
            self.bound |= inner.walrus

    def visit_ListComp(self, node: ast.ListComp) -> None:
        self._visit_comprehension(node, [node.elt])

    visit_SetComp = visit_ListComp
    visit_GeneratorExp = visit_ListComp

    def visit_DictComp(self, node: ast.DictComp) -> None:
        self._visit_comprehension(node, [node.key, node.value])


def definitely_bound(node: ast.AST) -> set[str]:
    """Names surely bound once `node` completes normally, not counting nested blocks.

    For a simple statement: its plain name targets (`x = ...`, `x += ...`, `import x`,
    `def x`, `class x`) and the walrus targets evaluated on every path. For a compound
    statement: what its header binds (an `if`/`while` test's walrus targets, a `with`'s
    `as` names; a `for` target is not included: the loop may not run). For an
    expression: its walrus targets not behind `and`/`or`, a conditional expression's
    branches, a comparison that may stop early, or a comprehension's loop. `del x`
    binds nothing.
    """
    if isinstance(node, ast.Assign):
        names = _walrus(node.value)
        for target in node.targets:
            names |= target_names(target)
        return names
    if isinstance(node, (ast.AugAssign, ast.AnnAssign)):
        if node.value is None:
            return set()
        return target_names(node.target) | _walrus(node.value)
    if isinstance(node, (ast.Import, ast.ImportFrom)):
        bound = set()
        for alias in node.names:
            if alias.name != "*":
                bound.add(alias.asname or alias.name.split(".")[0])
        return bound
    if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
        return {node.name}
    if isinstance(node, (ast.If, ast.While)):
        return _walrus(node.test)
    if isinstance(node, (ast.For, ast.AsyncFor)):
        return _walrus(node.iter)
    if isinstance(node, (ast.With, ast.AsyncWith)):
        names = set()
        for item in node.items:
            names |= _walrus(item.context_expr)
            if item.optional_vars is not None:
                names |= target_names(item.optional_vars)
        return names
    if isinstance(node, (ast.Expr, ast.Return)) and node.value is not None:
        return _walrus(node.value)
    if isinstance(node, ast.expr):
        return _walrus(node)
    match_type = getattr(ast, "Match", None)
    if match_type is not None and isinstance(node, match_type):
        return _walrus(node.subject)
    return set()


_COMPREHENSIONS = (ast.ListComp, ast.SetComp, ast.GeneratorExp, ast.DictComp)


def _walrus(node: ast.expr) -> set[str]:
    """Walrus targets of `node` that are bound on every path through it."""
    if isinstance(node, ast.NamedExpr):
        return {node.target.id} | _walrus(node.value)
    if isinstance(node, ast.BoolOp):
        return _walrus(node.values[0])
    if isinstance(node, ast.IfExp):
        return _walrus(node.test)
    if isinstance(node, ast.Compare):
        return _walrus(node.left) | _walrus(node.comparators[0])
    if isinstance(node, _COMPREHENSIONS):
        return _walrus(node.generators[0].iter)
    if isinstance(node, ast.Lambda):
        return set()
    names: set[str] = set()
    for child in traversal.child_nodes(node):
        if isinstance(child, ast.expr):
            names |= _walrus(child)
        elif isinstance(child, ast.keyword):
            names |= _walrus(child.value)
    return names
