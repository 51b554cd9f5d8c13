"""`and`, `or`, `not` and chained comparisons → `ag__.and_`, `ag__.or_`, `ag__.not_`.

The right operands become thunks, keeping Python's short-circuit evaluation:
    a and b and c   →  ag__.and_(lambda: a, lambda: ag__.and_(lambda: b, lambda: c))
    not x           →  ag__.not_(x)
    a < b < c       →  ag__.and_(lambda: a < b, lambda: b < c)     (b a name or constant)
    a < f(b) < c    →  ag__.compare_chain(a, '<', lambda: f(b), '<', lambda: c)
Single comparisons stay as they are: tensors overload them.
"""

from __future__ import annotations

import ast

from autograph.converters import base

_SYMBOLS = {
    ast.Lt: "<", ast.LtE: "<=", ast.Gt: ">", ast.GtE: ">=", ast.Eq: "==", ast.NotEq: "!=",
    ast.In: "in", ast.NotIn: "not in", ast.Is: "is", ast.IsNot: "is not",
}


class LogicalTransformer(base.Converter):
    def visit_BoolOp(self, node):
        self.generic_visit(node)
        runtime = "and_" if isinstance(node.op, ast.And) else "or_"
        result = node.values[-1]
        for left in reversed(node.values[:-1]):
            result = base.ag_call(runtime, base.thunk(left), base.thunk(result))
        return base.located(result, node)

    def visit_UnaryOp(self, node):
        self.generic_visit(node)
        if isinstance(node.op, ast.Not):
            return base.located(base.ag_call("not_", node.operand), node)
        return node

    def visit_Compare(self, node):
        self.generic_visit(node)
        if len(node.ops) == 1:
            return node
        operands = [node.left] + node.comparators
        if all(isinstance(o, (ast.Name, ast.Constant)) for o in operands[1:-1]):
            links = [
                ast.Compare(left=operands[i], ops=[op], comparators=[operands[i + 1]])
                for i, op in enumerate(node.ops)
            ]
            result = links[-1]
            for link in reversed(links[:-1]):
                result = base.ag_call("and_", base.thunk(link), base.thunk(result))
            return base.located(result, node)
        args = [node.left]
        for op, right in zip(node.ops, node.comparators):
            args += [ast.Constant(value=_SYMBOLS[type(op)]), base.thunk(right)]
        return base.located(base.ag_call("compare_chain", *args), node)


def transform(node, ctx):
    return LogicalTransformer(ctx).visit(node)
