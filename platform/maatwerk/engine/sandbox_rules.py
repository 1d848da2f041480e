"""The static check of untrusted code: which Python the sandbox (sandbox.py) accepts at all.

A whitelist over the parsed AST, used at upload time and again before every run: no
imports, classes, generators, `with`, `global`, `finally`, bare `except:`, no name or
attribute starting with `_`, only attributes that are methods of text, lists, dicts, sets
and numbers (`ATTRIBUTES_BY_TYPE`, which the run-time attribute guard applies as well).
`find_problems` lists every rule a parsed module or expression breaks, as readable
sentences with their line.
"""
from __future__ import annotations

import ast
import math
import re
from collections.abc import Callable, Iterator
from typing import Any

from .sandbox_limits import MAX_FORMAT_WIDTH, MAX_LITERAL_DIGITS

# Refused wherever they appear (they are never sensible data names).
DENIED_NAMES: frozenset[str] = frozenset({
    "eval", "exec", "compile", "getattr", "setattr", "delattr", "hasattr", "globals",
    "locals", "vars", "breakpoint", "memoryview", "bytearray", "classmethod",
    "staticmethod", "super", "BaseException", "SystemExit", "KeyboardInterrupt",
    "GeneratorExit",
})
# Refused when called; as plain names they may be process variables ("type", "open").
DENIED_CALLS: frozenset[str] = DENIED_NAMES | frozenset({
    "open", "type", "input", "object", "property", "help", "dir", "exit", "quit", "id",
    "isinstance", "issubclass", "format", "iter", "next",
})

DENIED_ATTRIBUTES: frozenset[str] = frozenset({
    "gi_frame", "gi_code", "gi_yieldfrom", "gi_running", "gi_suspended",
    "cr_frame", "cr_code", "cr_await", "cr_origin", "cr_running",
    "ag_frame", "ag_code", "ag_await", "ag_running",
    "f_globals", "f_locals", "f_builtins", "f_back", "f_code", "f_trace", "f_lasti",
    "tb_frame", "tb_next", "tb_lasti", "tb_lineno",
    "co_code", "co_consts", "co_names", "co_varnames", "co_filename",
    "func_globals", "func_code", "func_closure", "im_func", "im_self", "im_class",
    "mro", "format", "format_map", "with_traceback", "translate", "maketrans",
    "expandtabs", "encode", "decode", "fromkeys", "from_bytes", "to_bytes",
    "cell_contents", "obj", "mapping", "f_lineno",
})

_STR_ATTRIBUTES = frozenset({
    "capitalize", "casefold", "center", "count", "endswith", "find", "index", "isalnum",
    "isalpha", "isascii", "isdecimal", "isdigit", "islower", "isnumeric", "isspace",
    "istitle", "isupper", "join", "ljust", "lower", "lstrip", "partition", "removeprefix",
    "removesuffix", "replace", "rfind", "rindex", "rjust", "rpartition", "rsplit",
    "rstrip", "split", "splitlines", "startswith", "strip", "swapcase", "title", "upper",
    "zfill",
})
_LIST_ATTRIBUTES = frozenset({
    "append", "clear", "copy", "count", "extend", "index", "insert", "pop", "remove",
    "reverse", "sort",
})
_DICT_ATTRIBUTES = frozenset({
    "clear", "copy", "get", "items", "keys", "pop", "popitem", "setdefault", "update",
    "values",
})
_SET_ATTRIBUTES = frozenset({
    "add", "clear", "copy", "difference", "discard", "intersection", "isdisjoint",
    "issubset", "issuperset", "pop", "remove", "symmetric_difference", "union", "update",
})
_TUPLE_ATTRIBUTES = frozenset({"count", "index"})
_INT_ATTRIBUTES = frozenset({"bit_length"})
_FLOAT_ATTRIBUTES = frozenset({"is_integer"})
EXCEPTION_ATTRIBUTES = frozenset({"args"})

ATTRIBUTES_BY_TYPE: dict[type, frozenset[str]] = {
    str: _STR_ATTRIBUTES, list: _LIST_ATTRIBUTES, dict: _DICT_ATTRIBUTES,
    set: _SET_ATTRIBUTES, tuple: _TUPLE_ATTRIBUTES, int: _INT_ATTRIBUTES,
    bool: _INT_ATTRIBUTES, float: _FLOAT_ATTRIBUTES,
}
ALLOWED_ATTRIBUTES: frozenset[str] = frozenset().union(
    *ATTRIBUTES_BY_TYPE.values(), EXCEPTION_ATTRIBUTES)

_ALLOWED_NODES: tuple[type, ...] = (
    ast.Module, ast.Expression, ast.FunctionDef, ast.Return, ast.Delete, ast.Assign,
    ast.AugAssign, ast.For, ast.While, ast.If, ast.Raise, ast.Try, ast.Assert, ast.Expr,
    ast.Pass, ast.Break, ast.Continue, ast.BoolOp, ast.NamedExpr, ast.BinOp, ast.UnaryOp,
    ast.Lambda, ast.IfExp, ast.Dict, ast.Set, ast.ListComp, ast.SetComp, ast.DictComp,
    ast.Compare, ast.Call, ast.FormattedValue, ast.JoinedStr, ast.Constant, ast.Attribute,
    ast.Subscript, ast.Starred, ast.Name, ast.List, ast.Tuple, ast.Slice,
    ast.expr_context, ast.boolop, ast.operator, ast.unaryop, ast.cmpop,
    ast.comprehension, ast.ExceptHandler, ast.arguments, ast.arg, ast.keyword,
)

# Parts of constructs that are refused as a whole; no separate message for them.
_SILENT_NODES: tuple[type, ...] = (ast.alias, ast.withitem, ast.match_case, ast.pattern)

_FORBIDDEN_MESSAGES: dict[type, str] = {
    ast.Import: "Import statements are not allowed",
    ast.ImportFrom: "Import statements are not allowed",
    ast.Global: "'global' is not allowed",
    ast.Nonlocal: "'nonlocal' is not allowed",
    ast.ClassDef: "Class definitions are not allowed",
    ast.AsyncFunctionDef: "Async code is not allowed",
    ast.AsyncFor: "Async code is not allowed",
    ast.AsyncWith: "Async code is not allowed",
    ast.Await: "Async code is not allowed",
    ast.Yield: "'yield' (generators) is not allowed",
    ast.YieldFrom: "'yield' (generators) is not allowed",
    ast.GeneratorExp: "Generator expressions are not allowed; use a list comprehension [...]",
    ast.With: "'with' statements are not allowed",
    ast.Match: "'match' statements are not allowed",
    ast.AnnAssign: "Type annotations are not allowed",
    ast.TryStar: "'except*' is not allowed",
}


def find_problems(tree: ast.AST) -> tuple[str, ...]:
    """Every rule the tree breaks, as sentences naming the line, in source order."""
    found: dict[str, tuple[int, int]] = {}
    for node in ast.walk(tree):
        for message in _node_problems(node):
            line = getattr(node, "lineno", 1)
            text = f"{message} (line {line})"
            found.setdefault(text, (line, getattr(node, "col_offset", 0)))
    return tuple(sorted(found, key=lambda text: found[text]))


def _node_problems(node: ast.AST) -> Iterator[str]:
    if isinstance(node, _SILENT_NODES):
        return
    if not isinstance(node, _ALLOWED_NODES):
        yield _FORBIDDEN_MESSAGES.get(type(node), f"'{type(node).__name__}' is not allowed")
        return
    checker = _NODE_CHECKS.get(type(node))
    if checker is not None:
        yield from checker(node)


def _check_name(node: ast.Name) -> Iterator[str]:
    if node.id.startswith("_") or node.id in DENIED_NAMES:
        yield f"Name '{node.id}' is not allowed"


def _check_call(node: ast.Call) -> Iterator[str]:
    name = node.func.id if isinstance(node.func, ast.Name) else ""
    if name in DENIED_CALLS and name not in DENIED_NAMES:
        yield f"Calling '{name}' is not allowed"


def _check_attribute(node: ast.Attribute) -> Iterator[str]:
    if node.attr.startswith("_") or node.attr in DENIED_ATTRIBUTES:
        yield f"Attribute '{node.attr}' is not allowed"
    elif node.attr not in ALLOWED_ATTRIBUTES:
        yield (f"Attribute '{node.attr}' is not allowed; read a field with "
               f"x['{node.attr}'] instead of x.{node.attr}")
    if not isinstance(node.ctx, ast.Load):
        yield "Assigning to or deleting attributes is not allowed"


def _check_subscript(node: ast.Subscript) -> Iterator[str]:
    if isinstance(node.ctx, ast.Store) and _contains_slice(node.slice):
        yield "Assigning to a slice is not allowed"


def _contains_slice(node: ast.expr) -> bool:
    if isinstance(node, ast.Tuple):
        return any(isinstance(item, ast.Slice) for item in node.elts)
    return isinstance(node, ast.Slice)


def _check_function(node: ast.FunctionDef) -> Iterator[str]:
    if node.name.startswith("_") or node.name in DENIED_NAMES:
        yield f"Function name '{node.name}' is not allowed"
    if node.decorator_list:
        yield "Decorators are not allowed"
    if node.returns is not None:
        yield "Type annotations are not allowed"


def _check_arg(node: ast.arg) -> Iterator[str]:
    if node.arg.startswith("_"):
        yield f"Argument name '{node.arg}' is not allowed"
    if node.annotation is not None:
        yield "Type annotations are not allowed"


def _check_keyword(node: ast.keyword) -> Iterator[str]:
    if node.arg is not None and node.arg.startswith("_"):
        yield f"Keyword argument '{node.arg}' is not allowed"


def _check_handler(node: ast.ExceptHandler) -> Iterator[str]:
    if node.type is None:
        yield "A bare 'except:' is not allowed; name the exceptions to catch"
    if node.name is not None and node.name.startswith("_"):
        yield f"Name '{node.name}' is not allowed"


def _check_try(node: ast.Try) -> Iterator[str]:
    if node.finalbody:
        yield "'finally' blocks are not allowed"


def _check_formatted(node: ast.FormattedValue) -> Iterator[str]:
    spec = node.format_spec
    if spec is None:
        return
    parts = spec.values if isinstance(spec, ast.JoinedStr) else [spec]
    if not all(isinstance(part, ast.Constant) and isinstance(part.value, str)
               for part in parts):
        yield "Computed format specifications in f-strings are not allowed"
        return
    text = "".join(str(part.value) for part in parts if isinstance(part, ast.Constant))
    if any(int(number) > MAX_FORMAT_WIDTH for number in re.findall(r"\d+", text)):
        yield f"Format widths above {MAX_FORMAT_WIDTH} are not allowed"


def _check_constant(node: ast.Constant) -> Iterator[str]:
    value = node.value
    if isinstance(value, int) and not isinstance(value, bool) \
            and abs(value) >= 10 ** MAX_LITERAL_DIGITS:
        yield f"A number may have at most {MAX_LITERAL_DIGITS} digits"
    elif isinstance(value, float) and not math.isfinite(value):
        yield "The number is too large (it would be infinite)"


_NODE_CHECKS: dict[type, Callable[[Any], Iterator[str]]] = {
    ast.Constant: _check_constant, ast.Name: _check_name, ast.Call: _check_call,
    ast.Attribute: _check_attribute, ast.Subscript: _check_subscript,
    ast.FunctionDef: _check_function, ast.arg: _check_arg, ast.keyword: _check_keyword,
    ast.ExceptHandler: _check_handler, ast.Try: _check_try,
    ast.FormattedValue: _check_formatted,
}
