"""Assignments to names the function declares `global` or `nonlocal` get a check in front:

    global G                         global G
    if x[0] > 5:             →       if x[0] > 5:
        G = 1                            ag__.outer_write('G', 'global')
                                         G = 1

Inside a staged branch or loop the assignment would run once, while tracing, even on the
path the program never takes (the compiled program cannot rebind a Python name), so
`ag__.outer_write` refuses it there with the user's line; elsewhere it does nothing and
the assignment keeps its Python meaning. `del` of such a name is checked the same way.
"""

from __future__ import annotations

import ast

from autograph.converters import base


class OuterWrites(base.Converter):
    STATEMENTS_ONLY = True

    def __init__(self, ctx):
        super().__init__(ctx)
        self.declared: list[dict[str, str]] = [{}]

    def visit_FunctionDef(self, node):
        declared = {}
        for stmt in base.walk_local(node):
            if isinstance(stmt, ast.Global):
                declared.update(dict.fromkeys(stmt.names, "global"))
            elif isinstance(stmt, ast.Nonlocal):
                declared.update(dict.fromkeys(stmt.names, "nonlocal"))
        self.declared.append(declared)
        try:
            self.generic_visit(node)
        finally:
            self.declared.pop()
        return node

    def _checked(self, node, targets):
        declared = self.declared[-1]
        names = [t.id for target in targets for t in ast.walk(target)
                 if isinstance(t, ast.Name) and t.id in declared]
        if not names:
            return node
        checks = [base.located(ast.Expr(value=base.ag_call(
            "outer_write", ast.Constant(value=n), ast.Constant(value=declared[n]))), node)
            for n in dict.fromkeys(names)]
        return checks + [node]

    def visit_Assign(self, node):
        return self._checked(node, node.targets)

    def visit_AugAssign(self, node):
        return self._checked(node, [node.target])

    def visit_AnnAssign(self, node):
        return self._checked(node, [node.target]) if node.value is not None else node

    def visit_Delete(self, node):
        return self._checked(node, node.targets)


def transform(node, ctx):
    return OuterWrites(ctx).visit(node)
