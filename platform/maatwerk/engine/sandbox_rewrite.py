"""The AST rewrite that routes checked code's risky operations through run-time guards.

After the static check (sandbox_rules.py) the tree is rewritten before it is compiled:
attribute reads become calls of the attribute guard, the operators that can build huge
values in one C call (`+ * ** << %`, also augmented) become calls of size guards, and so do
`*spread` parts and f-string values. The calls name helpers `__mw_<guard>`, which the
static check keeps out of reach of the code itself (no name may start with `_`); the
builtins of a run (sandbox_builtins.py) bind them to the guards of sandbox_guards.py.
"""
from __future__ import annotations

import ast

HELPER_PREFIX = "__mw_"

# operator -> the guard for it (sandbox_guards.py has each as `<name>`, in place as `i<name>`)
BINOP_GUARDS: dict[type, str] = {
    ast.Add: "add", ast.Mult: "mul", ast.Pow: "pow", ast.LShift: "lshift", ast.Mod: "mod",
}


def helper_name(guard: str) -> str:
    """The name a rewritten tree calls a guard by."""
    return f"{HELPER_PREFIX}{guard}"


def _helper(name: str) -> ast.Name:
    return ast.Name(id=helper_name(name), ctx=ast.Load())


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_helper(name), args=list(args), keywords=[])


class GuardRewriter(ast.NodeTransformer):
    """Route size-sensitive operations and attribute reads through run-time guards."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        guard = BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        return ast.copy_location(_call(guard, node.left, node.right), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.stmt:
        self.generic_visit(node)
        guard = BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        target = node.target
        if isinstance(target, ast.Name):
            value = _call(f"i{guard}", ast.Name(id=target.id, ctx=ast.Load()), node.value)
            assign = ast.Assign(targets=[target], value=value)
            return ast.fix_missing_locations(ast.copy_location(assign, node))
        if isinstance(target, ast.Subscript):
            call = _call("augitem", target.value, target.slice, ast.Constant(guard),
                         node.value)
            return ast.fix_missing_locations(ast.copy_location(ast.Expr(value=call), node))
        return node

    def visit_Attribute(self, node: ast.Attribute) -> ast.expr:
        self.generic_visit(node)
        if not isinstance(node.ctx, ast.Load):
            return node
        call = _call("attr", node.value, ast.Constant(node.attr))
        return ast.fix_missing_locations(ast.copy_location(call, node))

    def visit_Starred(self, node: ast.Starred) -> ast.Starred:
        self.generic_visit(node)
        if isinstance(node.ctx, ast.Load):
            node.value = ast.copy_location(_call("spread", node.value), node.value)
        return node

    def visit_FormattedValue(self, node: ast.FormattedValue) -> ast.FormattedValue:
        self.generic_visit(node)
        node.value = ast.fix_missing_locations(
            ast.copy_location(_call("text", node.value), node.value))
        return node
