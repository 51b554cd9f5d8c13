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

A variable that a function or lambda written by the user reads or writes from inside
(a closure cell: `g = lambda: s * 2` before `for ...: s = s + x[i]; t += g()`) must be
seen by that closure at its current value, as in Python. Body functions taking it as a
parameter would shadow the cell, and a staged loop would trace the closure against the
value from before the loop. So such a variable is always state, and body and test
functions bind it `nonlocal` (their parameter gets a fresh name and is stored into the
cell on entry), so every write goes to the cell the closure reads:

    def loop_body(i, s_1):
        nonlocal s
        s = s_1
        ...
"""

from __future__ import annotations

import ast

from autograph.converters import base, loop_tests
from autograph.pyct import anno, traversal
from autograph.pyct.analysis import activity


class _Scope:
    """What the converter knows about one function (the user's, or a body function) while
    it walks it in source order."""

    def __init__(self, globals_=(), nonlocals=(), bound=(), undefined=(), cells=()):
        self.globals = set(globals_)        # declared `global` in the user's function
        self.nonlocals = set(nonlocals)     # declared `nonlocal` in the user's function
        self.bound = set(bound)             # names certainly holding a value in converted code
        self.undefined = set(undefined)     # names that may hold an `ag__.Undefined` placeholder
        self.cells = frozenset(cells)       # the user's function's variables its closures use

    def child(self, params, assigned=()) -> "_Scope":
        """The scope of a body function taking `params` whose body assigns `assigned`:
        a name it assigns is local to it, so unbound on entry unless it is a parameter,
        whatever the enclosing function holds (a nested statement passing it as state
        before the body assigns it needs an `ag__.Undefined` placeholder there)."""
        locals_ = set(assigned) - set(params) - self.globals - self.nonlocals
        return _Scope(self.globals, self.nonlocals, (self.bound - locals_) | set(params),
                      self.undefined - locals_, self.cells)


class ControlFlowTransformer(base.Converter):
    """Walks each function in source order, so that it knows which names are bound at each
    statement of the *converted* code: parameters, state parameters of enclosing body
    functions, and anything assigned earlier. Only a state variable bound nowhere before
    gets an `ag__.Undefined` placeholder (a name bound on some paths keeps its value), and
    reads of names that may hold a placeholder go through `ag__.ld`, which raises the
    UnboundLocalError the original would have raised."""

    def __init__(self, ctx):
        super().__init__(ctx)
        self.scopes: list[_Scope] = [_Scope()]
        self.defined_here: frozenset = frozenset()

    @property
    def scope(self) -> _Scope:
        return self.scopes[-1]

    # -- blocks and functions -------------------------------------------------------------

    def visit_block(self, stmts):
        out = []
        for stmt in stmts:
            self.defined_here = anno.getanno(stmt, anno.DEFINED_IN, frozenset())
            result = self.visit(stmt)
            if result is not None:
                out.extend(result if isinstance(result, list) else [result])
            scope = anno.getanno(stmt, anno.SCOPE, None) or activity.block_scope([stmt])
            self.scope.bound |= scope.modified
        return out

    def _in_scope(self, scope: _Scope, visit, *args):
        self.scopes.append(scope)
        try:
            return visit(*args)
        finally:
            self.scopes.pop()

    def visit_FunctionDef(self, node):
        globals_, nonlocals = set(), set()
        for stmt in base.walk_local(node):
            if isinstance(stmt, ast.Global):
                globals_.update(stmt.names)
            elif isinstance(stmt, ast.Nonlocal):
                nonlocals.update(stmt.names)
        scope = _Scope(globals_, nonlocals, bound=activity.arg_names(node.args) | globals_ | nonlocals,
                       cells=_closure_cells(node) - globals_ - nonlocals)
        node.decorator_list = [self.visit(d) for d in node.decorator_list]
        node.body = self._in_scope(scope, self.visit_block, node.body)
        return node

    def visit(self, node):
        if not self.scope.undefined and isinstance(node, ast.expr):
            # Expressions change only where `visit_Name` wraps a name that may hold a
            # placeholder; with none, walking them (most of the tree) would do nothing.
            return node
        return super().visit(node)

    def visit_Lambda(self, node):
        return node  # its parameters shadow ours; its body reads nothing that we placeholder

    def visit_Name(self, node):
        if (isinstance(node.ctx, ast.Load) and node.id in self.scope.undefined
                and node.id not in self.defined_here):
            return base.located(base.ag_call("ld", node), node)
        return node

    # -- statements -----------------------------------------------------------------------

    def visit_Delete(self, node):
        """`del z` of a local → `z = ag__.Undefined('z')`: a body function that deleted a
        state variable still returns it, and later reads raise Python's UnboundLocalError
        (through `ag__.ld`, so every scope from here out treats `z` as maybe unbound)."""
        outer = self.scope.globals | self.scope.nonlocals
        local = [t.id for t in node.targets if isinstance(t, ast.Name) and t.id not in outer]
        if not local:
            return self.generic_visit(node)
        new = []
        rest = [t for t in node.targets if not (isinstance(t, ast.Name) and t.id in local)]
        if rest:
            node.targets = [self.visit(t) for t in rest]
            new.append(node)
        for name in local:
            new.append(base.assign_name(name, base.ag_call("Undefined", ast.Constant(value=name))))
            for scope in self.scopes:
                scope.undefined.add(name)
        return base.located(new, node)

    def visit_If(self, node):
        body_scope = anno.getanno(node, anno.BODY_SCOPE)
        orelse_scope = anno.getanno(node, anno.ORELSE_SCOPE)
        # What the test alone reads need not be state: only what a branch reads before
        # writing it, or what is read after the `if`.
        needed = _block_live_in(node.body, node) | _block_live_in(node.orelse, node)
        state = self._state(node, body_scope.modified | orelse_scope.modified, needed)
        test = self.visit(node.test)
        inits = self._undefined_inits(state)
        body = self._in_scope(self.scope.child(state, body_scope.modified), self.visit_block,
                              node.body)
        orelse = self._in_scope(self.scope.child(state, orelse_scope.modified),
                                self.visit_block, node.orelse)
        if_true = self.ctx.namer.new_name("if_true")
        new = [self._body_function(if_true, state, body, state)]
        if orelse:
            if_false = self.ctx.namer.new_name("if_false")
            new.append(self._body_function(if_false, state, orelse, state))
            false_arg = base.name(if_false)
        else:  # no else branch: the runtime keeps the state as it is
            false_arg = ast.Constant(value=None)
        new += inits
        new.append(base.state_assign(state, base.ag_call(
            "if_stmt", test, base.name(if_true), false_arg,
            base.names_tuple(state), base.strings_tuple(state),
        )))
        return base.located(new, node)

    def visit_While(self, node):
        body_scope = anno.getanno(node, anno.BODY_SCOPE)
        state = self._state(node, body_scope.modified)
        inits = self._undefined_inits(state)
        test = self._in_scope(self.scope.child(state), self.visit, node.test)
        body = self._in_scope(self.scope.child(state, body_scope.modified), self.visit_block,
                              node.body)
        orelse = self.visit_block(node.orelse)
        test_fn = self.ctx.namer.new_name("loop_test")
        body_fn = self.ctx.namer.new_name("loop_body")
        new = [
            self._test_function(test_fn, state, test),
            self._body_function(body_fn, state, body, state),
            *inits,
            base.state_assign(state, base.ag_call(
                "while_stmt", base.name(test_fn), base.name(body_fn),
                base.names_tuple(state), base.strings_tuple(state),
            )),
        ]
        return base.located(new, node) + orelse

    def visit_For(self, node):
        body_scope = anno.getanno(node, anno.BODY_SCOPE)
        extra = loop_tests.pop_extra_test(node)
        modified = body_scope.modified | _target_names(node.target)
        state = self._state(node, modified, extra_reads=activity.expr_scope(extra).read if extra else ())
        iterable = self.visit(node.iter)
        if isinstance(node.iter, ast.Name) and node.iter.id in anno.getanno(node, anno.LIVE_OUT):
            # Read again after the loop: it may be an iterator that a later loop resumes
            # (operators/side_effects.py refuses a data-dependent `break` then).
            iterable = base.located(base.ag_call("resumable", iterable), node.iter)
        inits = self._undefined_inits(state)

        if isinstance(node.target, ast.Name) and node.target.id not in state:
            item_param, unpack = node.target.id, []
        else:
            item_param = self.ctx.namer.new_name("itr")
            unpack = [base.located(base.assign(node.target, base.name(item_param)), node.target)]
        inner = self.scope.child(state + [item_param] + sorted(_target_names(node.target)),
                                 modified)
        body = self._in_scope(inner, self.visit_block, node.body)
        orelse = self.visit_block(node.orelse)

        body_fn = self.ctx.namer.new_name("loop_body")
        new = [self._body_function(body_fn, [item_param] + state, unpack + body, state)]
        if extra is not None:
            test_fn = self.ctx.namer.new_name("loop_test")
            new.append(self._test_function(test_fn, state, self.visit(extra)))
            test_arg = base.name(test_fn)
        else:
            test_arg = ast.Constant(value=None)
        new += inits
        new.append(base.state_assign(state, base.ag_call(
            "for_stmt", iterable, test_arg, base.name(body_fn),
            base.names_tuple(state), base.strings_tuple(state),
        )))
        return base.located(new, node) + orelse

    # -- helpers --------------------------------------------------------------------------

    def _state(self, node, modified, needed=None, extra_reads=()) -> list[str]:
        """Modified names still needed (by default: live before or after `node`), in
        order of appearance."""
        if needed is None:
            needed = set(anno.getanno(node, anno.LIVE_IN))
        needed = set(needed) | set(anno.getanno(node, anno.LIVE_OUT)) | set(extra_reads)
        # A closure's variable is state wherever it is modified: liveness cannot see the
        # closure's read of it.
        wanted = set(modified) & (needed | self.scope.cells)
        wanted -= self.scope.globals | self.scope.nonlocals
        return _in_source_order(node, wanted)

    def _undefined_inits(self, state):
        """Placeholders for state variables no earlier code binds; they join `bound`."""
        missing = [n for n in state if n not in self.scope.bound]
        self.scope.bound.update(missing)
        self.scope.undefined.update(missing)
        return [base.assign_name(n, base.ag_call("Undefined", ast.Constant(value=n))) for n in missing]

    def _body_function(self, fn_name, params, body, state):
        params, prologue = self._cell_params(params)
        return base.function_def(
            fn_name, params,
            prologue + self._scope_declarations(body) + body + [base.returns_state(state)])

    def _test_function(self, fn_name, params, test):
        params, prologue = self._cell_params(params)
        return base.function_def(fn_name, params, prologue + [ast.Return(value=test)])

    def _cell_params(self, params):
        """Parameters renamed where they are closure cells, and the prologue binding those
        cells `nonlocal` and storing the parameters into them (see the module docstring)."""
        cells = [p for p in params if p in self.scope.cells]
        if not cells:
            return list(params), []
        fresh = {p: self.ctx.namer.new_name(p) for p in cells}
        prologue = [ast.Nonlocal(names=cells)]
        prologue += [base.assign_name(p, base.name(fresh[p])) for p in cells]
        return [fresh.get(p, p) for p in params], prologue

    def _scope_declarations(self, body):
        """Body functions re-declare the user's `global`/`nonlocal` names they assign."""
        if not (self.scope.globals or self.scope.nonlocals):
            return []  # the usual case: skip collecting the activity of the whole body
        assigned = activity.block_scope(body).modified
        out = []
        if assigned & self.scope.globals:
            out.append(ast.Global(names=sorted(assigned & self.scope.globals)))
        if assigned & self.scope.nonlocals:
            out.append(ast.Nonlocal(names=sorted(assigned & self.scope.nonlocals)))
        return out


def _closure_cells(fn: ast.FunctionDef) -> frozenset:
    """Names `fn` binds that a function or lambda the user wrote inside it mentions (at any
    depth; a name the nested function binds itself is counted too, which only costs a
    `nonlocal`). The converters' own thunks are called where they are made: not counted."""
    bound = set(activity.arg_names(fn.args))
    mentioned: set[str] = set()
    stack = list(fn.body)
    while stack:
        node = stack.pop()
        if isinstance(node, base.NESTED_SCOPES) and not anno.getanno(node, base.Mark.THUNK, False):
            mentioned.update(n.id for n in traversal.walk(node) if isinstance(n, ast.Name))
            if isinstance(node, (ast.FunctionDef, ast.AsyncFunctionDef, ast.ClassDef)):
                bound.add(node.name)
            for part in getattr(node, "decorator_list", ()):
                stack.append(part)
            continue
        if isinstance(node, ast.Name) and isinstance(node.ctx, (ast.Store, ast.Del)):
            bound.add(node.id)
        stack.extend(traversal.child_nodes(node))
    return frozenset(mentioned & bound)


def _block_live_in(stmts, owner) -> frozenset:
    """Live before a block: the first statement's live-in, or after `owner` when empty."""
    if not stmts:
        return anno.getanno(owner, anno.LIVE_OUT)
    return anno.getanno(stmts[0], anno.LIVE_IN)


def _target_names(target: ast.expr) -> set[str]:
    return {n.id for n in traversal.walk(target) if isinstance(n, ast.Name)}


def _in_source_order(node: ast.AST, wanted: set[str]) -> list[str]:
    """`wanted` ordered by where each name first appears in the source (line, column)."""
    first: dict[str, tuple[int, int]] = {}
    for sub in traversal.walk(node):
        if isinstance(sub, ast.Name) and sub.id in wanted:
            position = (getattr(sub, "lineno", 0), getattr(sub, "col_offset", 0))
            if sub.id not in first or position < first[sub.id]:
                first[sub.id] = position
    return sorted(wanted, key=lambda n: (first.get(n, (1 << 30, 0)), n))


def transform(node, ctx):
    return ControlFlowTransformer(ctx).visit(node)
