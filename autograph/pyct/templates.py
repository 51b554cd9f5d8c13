"""Building code from templates: Python text with placeholders, instead of AST calls.

Converters write what they want to generate as ordinary Python and name the holes:

    replace('''
        def body_name(loop_vars):
            body
            return (loop_vars,)
    ''', body_name="loop_body", loop_vars=["i", "x"], body=node.body)

A placeholder is any identifier in the template that is a keyword of the call. What it
may be replaced with depends on where it stands:

- anywhere a name stands: a `str` (a name; `"a.b"` makes an attribute chain), an
  `ast.expr`, or a non-str constant (int, float, bool, None, bytes). The replacement
  takes the placeholder's context: Load, Store or Del by its position.
- in a list of expressions (call arguments, tuple/list/set elements, `del` targets,
  class bases): a list of names/expressions, spliced in. Anywhere else a list becomes
  a tuple, so `names = values` with two names each assigns a tuple to a tuple.
- in an argument list (`def f(args)`, `lambda args: ...`): a name, an `ast.arg`, or a
  list of them.
- as a statement on its own line: a statement, a list of statements (spliced in; an
  emptied body becomes `pass`), or an expression (made an expression statement).
- as the name of a def/class, a keyword argument, an `except ... as` name or in a
  global/nonlocal list: a `str`.

Attribute names (`x.attr`) are never placeholders. AST replacements are deep-copied at
every use, so their origins and annotations come along and the caller's tree is not
shared. Every replacement must be used, which catches misspelt placeholders.
"""

from __future__ import annotations

import ast
import copy
import textwrap

from autograph.errors import ConversionError

_CONSTANT_TYPES = (int, float, complex, bool, bytes, type(None))

# Statement fields that Python does not allow to be empty.
_NONEMPTY_BODY = "body"

# Expression lists where a list replacement is spliced in; elsewhere (`x = names`, whose
# targets are a list too, would become `x = a = b`) it becomes one tuple.
_SPLICED_EXPRESSION_FIELDS = {
    (ast.Call, "args"),
    (ast.Tuple, "elts"),
    (ast.List, "elts"),
    (ast.Set, "elts"),
    (ast.Delete, "targets"),
    (ast.ClassDef, "bases"),
}


def _splices(parent: ast.AST, field: str, items: list) -> bool:
    """Whether a list replacing one element of `parent.field` is spliced in."""
    if not getattr(items, "expressions", False):
        return True  # statements, arguments
    return (type(parent), field) in _SPLICED_EXPRESSION_FIELDS


class _Expansion(list):
    """Several nodes replacing one placeholder.

    `ctx` is the placeholder's context; `expressions` says whether the nodes are
    expressions (statements and arguments are always spliced).
    """

    def __init__(self, items, ctx=None, expressions: bool = False):
        super().__init__(items)
        self.ctx = ctx
        self.expressions = expressions


def replace(template: str, **replacements) -> list[ast.stmt]:
    """Parses `template` as statements and fills in the placeholders."""
    tree = _parse(template, "exec")
    replacer = _Replacer(replacements)
    body = replacer.visit_list(tree, "body", tree.body)
    replacer.check_all_used()
    module = ast.Module(body=body, type_ignores=[])
    ast.fix_missing_locations(module)
    return module.body


def replace_as_expression(template: str, **replacements) -> ast.expr:
    """Parses `template` as one expression and fills in the placeholders."""
    tree = _parse(template, "eval")
    replacer = _Replacer(replacements)
    result = replacer.visit(tree.body)
    if isinstance(result, list):
        result = _as_tuple(result)
    replacer.check_all_used()
    expression = ast.Expression(body=result)
    ast.fix_missing_locations(expression)
    return expression.body


def _parse(template: str, mode: str) -> ast.AST:
    text = textwrap.dedent(template)
    if mode == "eval":
        text = text.strip()
    try:
        return ast.parse(text, mode=mode)
    except SyntaxError as exc:
        raise ConversionError(f"invalid template ({exc.msg}, line {exc.lineno}):\n{text}") from None


def _as_tuple(items: list) -> ast.Tuple:
    ctx = getattr(items, "ctx", None) or ast.Load()
    return ast.Tuple(elts=list(items), ctx=type(ctx)())


def _with_ctx(node: ast.expr, ctx: ast.expr_context) -> ast.expr:
    """Sets the context of `node` (and of tuple/list/starred elements) to `ctx`'s kind."""
    if hasattr(node, "ctx"):
        node.ctx = type(ctx)()
    if isinstance(node, (ast.Tuple, ast.List)):
        for element in node.elts:
            _with_ctx(element, ctx)
    elif isinstance(node, ast.Starred):
        _with_ctx(node.value, ctx)
    return node


class _Replacer:
    """Walks a template tree, replacing placeholders (see the module docstring)."""

    def __init__(self, replacements: dict):
        self.replacements = replacements
        self.used: set[str] = set()

    def check_all_used(self) -> None:
        unused = sorted(set(self.replacements) - self.used)
        if unused:
            raise ConversionError(f"template replacements not used (misspelt?): {unused}")

    def _take(self, name: str):
        self.used.add(name)
        return self.replacements[name]

    # --- traversal -----------------------------------------------------------------

    def visit(self, node: ast.AST):
        if isinstance(node, ast.Name) and node.id in self.replacements:
            return self._replace_name(node)
        if isinstance(node, ast.arg) and node.arg in self.replacements:
            if node.annotation is not None:
                node.annotation = self._visit_single(node, "annotation", node.annotation)
            return self._replace_arg(node)
        if (
            isinstance(node, ast.Expr)
            and isinstance(node.value, ast.Name)
            and node.value.id in self.replacements
        ):
            return self._replace_statement(node)
        self._rename_identifiers(node)
        for field, value in ast.iter_fields(node):
            if isinstance(value, list):
                setattr(node, field, self.visit_list(node, field, value))
            elif isinstance(value, ast.AST):
                setattr(node, field, self._visit_single(node, field, value))
        return node

    def visit_list(self, parent: ast.AST, field: str, items: list) -> list:
        result = []
        for item in items:
            if isinstance(item, ast.AST):
                replaced = self.visit(item)
                if not isinstance(replaced, list):
                    result.append(replaced)
                elif _splices(parent, field, replaced):
                    result.extend(replaced)
                else:
                    result.append(_as_tuple(replaced))
            else:
                result.append(item)
        if (
            field == _NONEMPTY_BODY
            and items
            and not result
            and isinstance(parent, (ast.stmt, ast.excepthandler, ast.match_case))
        ):
            result = [ast.Pass()]
        return result

    def _visit_single(self, parent: ast.AST, field: str, value: ast.AST):
        replaced = self.visit(value)
        if not isinstance(replaced, list):
            return replaced
        if getattr(replaced, "expressions", False):
            return _as_tuple(replaced)
        raise ConversionError(
            f"a list replacement cannot stand in {type(parent).__name__}.{field}"
        )

    # --- the kinds of placeholders --------------------------------------------------

    def _replace_name(self, node: ast.Name):
        value = self._take(node.id)
        if isinstance(value, (list, tuple)):
            items = [self._expression(item, node.ctx, node.id) for item in value]
            return _Expansion(items, node.ctx, expressions=True)
        return self._expression(value, node.ctx, node.id)

    def _expression(self, value, ctx: ast.expr_context, placeholder: str) -> ast.expr:
        if isinstance(value, str):
            if value.isidentifier():
                return ast.Name(id=value, ctx=type(ctx)())
            return _with_ctx(_dotted(value, placeholder), ctx)
        if isinstance(value, ast.expr):
            return _with_ctx(copy.deepcopy(value), ctx)
        if isinstance(value, _CONSTANT_TYPES):
            if not isinstance(ctx, ast.Load):
                raise ConversionError(f"placeholder {placeholder!r} is assigned to; a constant cannot be")
            return ast.Constant(value=value)
        raise ConversionError(
            f"placeholder {placeholder!r} stands for an expression; "
            f"cannot replace it with {type(value).__name__}"
        )

    def _replace_arg(self, node: ast.arg):
        value = self._take(node.arg)
        if isinstance(value, (list, tuple)):
            return _Expansion([self._argument(item, node) for item in value])
        return self._argument(value, node)

    def _argument(self, value, placeholder: ast.arg) -> ast.arg:
        if isinstance(value, str):
            return ast.arg(arg=value, annotation=placeholder.annotation, type_comment=None)
        if isinstance(value, ast.Name):
            return ast.arg(arg=value.id, annotation=placeholder.annotation, type_comment=None)
        if isinstance(value, ast.arg):
            return copy.deepcopy(value)
        raise ConversionError(
            f"placeholder {placeholder.arg!r} stands for an argument; "
            f"cannot replace it with {type(value).__name__}"
        )

    def _replace_statement(self, node: ast.Expr):
        placeholder = node.value.id
        value = self._take(placeholder)
        items = value if isinstance(value, (list, tuple)) else [value]
        statements = []
        for item in items:
            if isinstance(item, ast.stmt):
                statements.append(copy.deepcopy(item))
            else:
                statements.append(ast.Expr(value=self._expression(item, ast.Load(), placeholder)))
        if isinstance(value, (list, tuple)):
            return _Expansion(statements)
        return statements[0]

    def _rename_identifiers(self, node: ast.AST) -> None:
        """Replaces placeholders held as plain strings (def names, keywords, ...)."""
        if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
            node.name = self._identifier(node.name)
        elif isinstance(node, ast.keyword) and node.arg is not None:
            node.arg = self._identifier(node.arg)
        elif isinstance(node, ast.ExceptHandler) and node.name is not None:
            node.name = self._identifier(node.name)
        elif isinstance(node, (ast.Global, ast.Nonlocal)):
            names = []
            for name in node.names:
                value = self._identifier(name, allow_list=True)
                names.extend(value if isinstance(value, list) else [value])
            node.names = names

    def _identifier(self, name: str, allow_list: bool = False):
        if name not in self.replacements:
            return name
        value = self._take(name)
        if allow_list and isinstance(value, (list, tuple)):
            return [self._identifier_value(v, name) for v in value]
        return self._identifier_value(value, name)

    @staticmethod
    def _identifier_value(value, placeholder: str) -> str:
        if isinstance(value, ast.Name):
            return value.id
        if isinstance(value, str) and value.isidentifier():
            return value
        raise ConversionError(
            f"placeholder {placeholder!r} stands for an identifier; cannot replace it with {value!r}"
        )


def _dotted(text: str, placeholder: str) -> ast.expr:
    """`"a.b.c"` as an attribute chain; anything else is a mistake."""
    parts = text.split(".")
    if not all(part.isidentifier() for part in parts):
        raise ConversionError(f"placeholder {placeholder!r}: {text!r} is not a (dotted) name")
    node: ast.expr = ast.Name(id=parts[0], ctx=ast.Load())
    for part in parts[1:]:
        node = ast.Attribute(value=node, attr=part, ctx=ast.Load())
    return node
