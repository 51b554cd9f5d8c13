"""Tests of pyct.templates: placeholders replaced by names, expressions, statements, lists."""

from __future__ import annotations

import ast

import pytest

from autograph.errors import ConversionError
from autograph.pyct import origins, templates


def _src(nodes) -> str:
    if isinstance(nodes, list):
        return ast.unparse(ast.Module(body=nodes, type_ignores=[]))
    return ast.unparse(nodes)


def _expr(text: str) -> ast.expr:
    return ast.parse(text, mode="eval").body


def _all_located(nodes) -> bool:
    for root in nodes if isinstance(nodes, list) else [nodes]:
        for node in ast.walk(root):
            if "lineno" in node._attributes and getattr(node, "lineno", None) is None:
                return False
    return True


def test_names_take_their_context_from_position():
    stmts = templates.replace("target = value\ndel old\nuse(target)", target="x", value="y", old="z")
    assert _src(stmts) == "x = y\ndel z\nuse(x)"
    assign, delete, call = stmts
    assert isinstance(assign.targets[0].ctx, ast.Store)
    assert isinstance(assign.value.ctx, ast.Load)
    assert isinstance(delete.targets[0].ctx, ast.Del)
    assert isinstance(call.value.args[0].ctx, ast.Load)


def test_expression_replacement_is_copied_and_recontextualised():
    user = _expr("(a, b[i])")
    origins.set_origin(user, origins.Origin("user.py", 7, 0, "f", "    (a, b[i])"))
    stmts = templates.replace("target = f(target)", target=user)
    assert _src(stmts) == "a, b[i] = f((a, b[i]))"
    stored, loaded = stmts[0].targets[0], stmts[0].value.args[0]
    assert stored is not loaded and stored is not user
    assert isinstance(stored.ctx, ast.Store) and isinstance(stored.elts[0].ctx, ast.Store)
    assert isinstance(stored.elts[1].ctx, ast.Store)
    assert isinstance(stored.elts[1].value.ctx, ast.Load)  # the subscripted base is read
    assert isinstance(loaded.ctx, ast.Load)
    assert isinstance(user.ctx, ast.Load)  # the caller's node is untouched
    assert origins.get_origin(stored).filename == "user.py"


def test_statement_lists_are_spliced():
    body = ast.parse("x = 1\ny = x + 1").body
    stmts = templates.replace(
        """
        def fn_name(args):
            body
            return (names,)
        """,
        fn_name="if_true",
        args=["a", "b"],
        body=body,
        names=["x", "y"],
    )
    assert _src(stmts) == "def if_true(a, b):\n    x = 1\n    y = x + 1\n    return (x, y)"
    assert stmts[0].body[0] is not body[0]
    assert _all_located(stmts)


def test_empty_statement_list_becomes_pass():
    stmts = templates.replace("if test:\n    body\nelse:\n    orelse", test="c", body=[], orelse=[])
    assert _src(stmts) == "if c:\n    pass"


def test_single_statement_and_expression_in_statement_position():
    stmt = ast.parse("z = 3").body[0]
    assert _src(templates.replace("a\nb", a=stmt, b=_expr("f(x)"))) == "z = 3\nf(x)"


def test_list_in_argument_and_element_positions():
    stmts = templates.replace(
        "result = fn(first, args, last)\nitems = [args]\nlam = lambda params: 0",
        fn="ag__.converted_call",
        first="f",
        args=["a", _expr("b + 1")],
        last=2,
        params=["p", "q"],
    )
    assert _src(stmts) == (
        "result = ag__.converted_call(f, a, b + 1, 2)\nitems = [a, b + 1]\nlam = lambda p, q: 0"
    )


def test_list_in_single_expression_position_becomes_a_tuple():
    stmts = templates.replace("names = values", names=["a", "b"], values=["c", "d"])
    assert _src(stmts) == "a, b = (c, d)"
    assert isinstance(stmts[0].targets[0], ast.Tuple)
    assert isinstance(stmts[0].targets[0].ctx, ast.Store)
    assert isinstance(stmts[0].targets[0].elts[0].ctx, ast.Store)
    assert isinstance(stmts[0].value.ctx, ast.Load)
    # an empty list is an empty tuple; in del targets a list is spliced
    assert _src(templates.replace("x = names", names=[])) == "x = ()"
    assert _src(templates.replace("del names", names=["a", "b"])) == "del a, b"


def test_identifier_placeholders():
    stmts = templates.replace(
        """
        def fn(x):
            nonlocal state
            try:
                call(key=x)
            except Exception as err:
                raise
        """,
        fn="body_fn",
        state=["i", "total"],
        key="axis",
        err="e",
    )
    assert _src(stmts) == (
        "def body_fn(x):\n    nonlocal i, total\n    try:\n        call(axis=x)\n"
        "    except Exception as e:\n        raise"
    )


def test_arg_replacements():
    annotated = ast.arg(arg="w", annotation=ast.Name(id="int", ctx=ast.Load()))
    stmts = templates.replace("def f(a, extra):\n    pass", a="self", extra=[annotated, ast.Name(id="v", ctx=ast.Load())])
    assert _src(stmts) == "def f(self, w: int, v):\n    pass"


def test_constants():
    expr = templates.replace_as_expression("fn(a, b, c, d)", fn="g", a=1, b=2.5, c=None, d=True)
    assert _src(expr) == "g(1, 2.5, None, True)"
    with pytest.raises(ConversionError, match="assigned to"):
        templates.replace("a = 1", a=3)


def test_replace_as_expression():
    expr = templates.replace_as_expression("ag__.if_stmt(cond, body_fn, (names,))", cond=_expr("x > 0"), body_fn="if_true", names=["a"])
    assert _src(expr) == "ag__.if_stmt(x > 0, if_true, (a,))"
    assert _all_located(expr)
    assert _src(templates.replace_as_expression("names", names=["a", "b"])) == "(a, b)"
    assert _src(templates.replace_as_expression("  x  ", x=_expr("y.z"))) == "y.z"


def test_generated_code_compiles_and_runs():
    body = ast.parse("total = total + i").body
    stmts = templates.replace(
        """
        def loop(n):
            total = 0
            for i in range(n):
                body
            return total
        """,
        body=body,
    )
    module = ast.Module(body=stmts, type_ignores=[])
    namespace: dict = {}
    exec(compile(module, "<template>", "exec"), namespace)
    assert namespace["loop"](5) == 10


def test_template_errors():
    with pytest.raises(ConversionError, match="not used"):
        templates.replace("x = 1", y="z")
    with pytest.raises(ConversionError, match="invalid template"):
        templates.replace("x = = 1")
    with pytest.raises(ConversionError, match="stands for an expression"):
        templates.replace("x = y", y=ast.parse("pass").body[0])
    with pytest.raises(ConversionError, match="stands for an argument"):
        templates.replace("def f(a):\n    pass", a=3)
    with pytest.raises(ConversionError, match="dotted"):
        templates.replace("x = y", y="a b")
    with pytest.raises(ConversionError, match="identifier"):
        templates.replace("def f():\n    pass", f=_expr("a.b"))


def test_attribute_names_are_not_placeholders():
    stmts = templates.replace("x = obj.x", x="y")
    assert _src(stmts) == "y = obj.x"
