"""`if`, `while` and `for` → calls to `ag__.if_stmt`, `ag__.while_stmt`, `ag__.for_stmt`
with the bodies as local functions of the statement's state.

The state of a statement is what its bodies modify and what is still needed: a variable
modified inside and live before or after the statement (liveness), in source order. Each
body function takes the state as parameters and returns its new values, so the runtime can
run the statement as Python or stage it, and the data flow is explicit in the source:

    if x > 0:                  def if_true(y):
        y = x                      y = x
    else:             →            return (y,)
        y = -x                 def if_false(y):
                                   y = -x
                                   return (y,)
                               y = ag__.Undefined('y')
                               (y,) = ag__.if_stmt(x > 0, if_true, if_false, (y,), ('y',))

A state variable not defined on every path before the statement starts as
`ag__.Undefined(name)` (definedness analysis). Names the function declares `global` or
`nonlocal` are never state: body functions declare them the same way.
"""

from __future__ import annotations

import ast

from autograph.converters import base, logical_expressions, loop_tests
from autograph.pyct import anno
from autograph.pyct.analysis import activity


class ControlFlowTransformer(base.Converter):
    def __init__(self, ctx):
        super().__init__(ctx)
        # (global names, nonlocal names) declared by each enclosing function, innermost last
        self.declared: list[tuple[set[str], set[str]]] = [(set(), set())]

    # -- functions: their own declarations ------------------------------------------------

    def visit_FunctionDef(self, node):
        globals_, nonlocals = set(), set()
        for stmt in base.walk_local(node):
            if isinstance(stmt, ast.Global):
                globals_.update(stmt.names)
            elif isinstance(stmt, ast.Nonlocal):
                nonlocals.update(stmt.names)
        self.declared.append((globals_, nonlocals))
        node.body = self.visit_block(node.body)
        self.declared.pop()
        return node

    # -- statements -----------------------------------------------------------------------

    def visit_If(self, node):
        body_scope = anno.getanno(node, anno.BODY_SCOPE)
        orelse_scope = anno.getanno(node, anno.ORELSE_SCOPE)
        state = self._state(node, body_scope.modified | orelse_scope.modified)
        body = self.visit_block(node.body)
        orelse = self.visit_block(node.orelse)
        if_true = self.ctx.namer.new_name("if_true")
        new = [self._body_function(if_true, state, body, state)]
        if orelse:
            if_false = self.ctx.namer.new_name("if_false")
            new.append(self._body_function(if_false, state, orelse, state))
            false_arg = base.name(if_false)
        else:  # no else branch: the runtime keeps the state as it is
            false_arg = ast.Constant(value=None)
        new += self._undefined_inits(node, state)
        new.append(base.state_assign(state, base.ag_call(
            "if_stmt", node.test, base.name(if_true), false_arg,
            base.names_tuple(state), base.strings_tuple(state),
        )))
        return base.located(new, node)

    def visit_While(self, node):
        body_scope = anno.getanno(node, anno.BODY_SCOPE)
        state = self._state(node, body_scope.modified)
        body = self.visit_block(node.body)
        orelse = self.visit_block(node.orelse)
        test_fn = self.ctx.namer.new_name("loop_test")
        body_fn = self.ctx.namer.new_name("loop_body")
        new = [
            self._test_function(test_fn, state, node.test),
            self._body_function(body_fn, state, body, state),
            *self._undefined_inits(node, state),
            base.state_assign(state, base.ag_call(
                "while_stmt", base.name(test_fn), base.name(body_fn),
                base.names_tuple(state), base.strings_tuple(state),
            )),
        ]
        return base.located(new, node) + orelse

    def visit_For(self, node):
        body_scope = anno.getanno(node, anno.BODY_SCOPE)
        extra = loop_tests.extra_test(node)
        modified = body_scope.modified | _target_names(node.target)
        state = self._state(node, modified, extra_reads=activity.expr_scope(extra).read if extra else ())
        body = self.visit_block(node.body)
        orelse = self.visit_block(node.orelse)

        new = []
        if isinstance(node.target, ast.Name) and node.target.id not in state:
            item_param, unpack = node.target.id, []
        else:
            item_param = self.ctx.namer.new_name("itr")
            unpack = [base.located(base.assign(node.target, base.name(item_param)), node.target)]
        body_fn = self.ctx.namer.new_name("loop_body")
        new.append(self._body_function(body_fn, [item_param] + state, unpack + body, state))
        if extra is not None:
            test_fn = self.ctx.namer.new_name("loop_test")
            new.append(self._test_function(
                test_fn, state, logical_expressions.transform_expression(extra, self.ctx)))
            test_arg = base.name(test_fn)
        else:
            test_arg = ast.Constant(value=None)
        new += self._undefined_inits(node, state)
        new.append(base.state_assign(state, base.ag_call(
            "for_stmt", node.iter, test_arg, base.name(body_fn),
            base.names_tuple(state), base.strings_tuple(state),
        )))
        return base.located(new, node) + orelse

    # -- helpers --------------------------------------------------------------------------

    def _state(self, node, modified, extra_reads=()) -> list[str]:
        """Modified names still needed before or after `node`, in order of appearance."""
        needed = set(anno.getanno(node, anno.LIVE_IN)) | set(anno.getanno(node, anno.LIVE_OUT))
        needed |= set(extra_reads)
        globals_, nonlocals = self.declared[-1]
        wanted = (set(modified) & needed) - globals_ - nonlocals
        return _in_source_order(node, wanted)

    def _undefined_inits(self, node, state):
        defined = anno.getanno(node, anno.DEFINED_IN)
        return [
            base.assign_name(n, base.ag_call("Undefined", ast.Constant(value=n)))
            for n in state if n not in defined
        ]

    def _body_function(self, fn_name, params, body, state):
        return base.function_def(
            fn_name, params, self._scope_declarations(body) + body + [base.returns_state(state)])

    def _test_function(self, fn_name, params, test):
        return base.function_def(fn_name, params, [ast.Return(value=test)])

    def _scope_declarations(self, body):
        """Body functions re-declare the user's `global`/`nonlocal` names they assign."""
        assigned = activity.block_scope(body).modified
        globals_, nonlocals = self.declared[-1]
        out = []
        if assigned & globals_:
            out.append(ast.Global(names=sorted(assigned & globals_)))
        if assigned & nonlocals:
            out.append(ast.Nonlocal(names=sorted(assigned & nonlocals)))
        return out


def _target_names(target: ast.expr) -> set[str]:
    return {n.id for n in ast.walk(target) if isinstance(n, ast.Name)}


def _in_source_order(node: ast.AST, wanted: set[str]) -> list[str]:
    """`wanted` ordered by where each name first appears in the source (line, column)."""
    first: dict[str, tuple[int, int]] = {}
    for sub in ast.walk(node):
        if isinstance(sub, ast.Name) and sub.id in wanted:
            position = (getattr(sub, "lineno", 0), getattr(sub, "col_offset", 0))
            if sub.id not in first or position < first[sub.id]:
                first[sub.id] = position
    return sorted(wanted, key=lambda n: (first.get(n, (1 << 30, 0)), n))


def transform(node, ctx):
    return ControlFlowTransformer(ctx).visit(node)
