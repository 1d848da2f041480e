"""Restricted evaluation of the untrusted Python in uploaded models.

Script tasks, gateway conditions, DMN cells and timer expressions come from uploaded
BPMN/DMN files, so they are treated as hostile. Three layers protect the server:

1. A static AST whitelist (`check_expression`, `check_script`), used at upload time and
   again before every run: no imports, classes, generators, `with`, `global`, `finally`,
   bare `except:`, no name or attribute starting with `_`, only attributes that are
   methods of text, lists, dicts, sets and numbers.
2. An AST rewrite: attribute reads go through a per-type whitelist at run time, and the
   operators that can build huge values in one C call (`+ * ** << %` on numbers, text and
   lists, `str.join`, `str.replace`, `list.extend`, padding methods, f-strings, `str()`)
   go through guards that refuse results beyond fixed sizes.
3. A wall-clock budget and a call-depth limit enforced with `sys.settrace` (works in any
   thread, restores the previous trace function), and a check that a script leaves only
   plain JSON-like data of bounded size behind. `execute` works on a deep copy and writes
   back only on success, so a failed script changes nothing.

Limit violations are raised inside the sandbox as `_Violation`, a `BaseException` that
the sandboxed code cannot catch (bare `except:` and `finally` are refused), and reach the
caller as `SandboxError`.

Decisions: `def` and `lambda` are allowed (no decorators, no annotations); `try`/`except`
is allowed with named exception classes only; `raise` is allowed with the few exception
classes offered in `SAFE_BUILTINS`; `print` is a no-op.

Known residual risk: one C-level operation on a deeply aliased structure (for example
comparing two towers of lists that each repeat a reference a thousand times per level)
can still run long, and a loop can allocate memory quickly until the time budget ends.
Run the engine in a worker process with OS limits (memory, CPU) for full isolation.
"""
from __future__ import annotations

import ast
import contextlib
import copy
import functools
import math
import operator
import re
import sys
import textwrap
import time
from collections.abc import Callable, Iterable, Iterator, Mapping, MappingView, Sized
from datetime import date, datetime, timedelta
from types import CodeType, FrameType, ModuleType, TracebackType
from typing import Any, NamedTuple, NoReturn
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

TIME_LIMIT = 1.0                  # seconds of wall time per evaluation or script
MAX_SEQUENCE_LENGTH = 1_000_000   # elements of a list/tuple, characters of a text
MAX_INT_DIGITS = 10_000           # size of intermediate integers
MAX_INT_BITS = math.ceil(MAX_INT_DIGITS * math.log2(10))
MAX_FORMAT_WIDTH = 10_000         # widths in f-strings and `%` formatting
MAX_ROUND_DIGITS = 1_000
MAX_RESULT_BYTES = 1_000_000      # variables left by a script, as JSON (estimated)
MAX_DATA_DEPTH = 100              # nesting of lists and dicts
MAX_CALL_DEPTH = 100              # nested calls of functions, lambdas and comprehensions
MAX_SOURCE_LENGTH = 100_000
_STACK_MARGIN = 50
SANDBOX_FILENAME = "<sandbox>"
_MAX_MESSAGE = 300


class SandboxError(Exception):
    """Refused or failed untrusted code; the message is a readable sentence."""


class _Violation(BaseException):
    """A limit or rule broken at run time; sandboxed code cannot catch it."""


# --------------------------------------------------------------------------- rules

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
_EXCEPTION_ATTRIBUTES = frozenset({"args"})

_ATTRIBUTES_BY_TYPE: dict[type, frozenset[str]] = {
    str: _STR_ATTRIBUTES, list: _LIST_ATTRIBUTES, dict: _DICT_ATTRIBUTES,
    set: _SET_ATTRIBUTES, tuple: _TUPLE_ATTRIBUTES, int: _INT_ATTRIBUTES,
    bool: _INT_ATTRIBUTES, float: _FLOAT_ATTRIBUTES,
}
ALLOWED_ATTRIBUTES: frozenset[str] = frozenset().union(
    *_ATTRIBUTES_BY_TYPE.values(), _EXCEPTION_ATTRIBUTES)

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


# --------------------------------------------------------------------------- static check

def check_expression(source: str) -> list[str]:
    """Problems that make `source` unacceptable as an expression (empty list: fine)."""
    return list(_analyse(_prepare(source, "eval"), "eval").problems)


def check_script(source: str) -> list[str]:
    """Problems that make `source` unacceptable as a script (empty list: fine)."""
    return list(_analyse(_prepare(source, "exec"), "exec").problems)


class _Analysis(NamedTuple):
    code: CodeType | None
    problems: tuple[str, ...]


def _prepare(source: str, mode: str) -> str:
    if not isinstance(source, str):
        raise SandboxError(f"Code must be text, not {type(source).__name__}")
    return source.strip() if mode == "eval" else textwrap.dedent(source)


@functools.lru_cache(maxsize=2048)
def _analyse(source: str, mode: str) -> _Analysis:
    """Parse, check and compile once per distinct source text."""
    if len(source) > MAX_SOURCE_LENGTH:
        return _Analysis(None, (f"The code is longer than {MAX_SOURCE_LENGTH} characters",))
    try:
        tree = ast.parse(source, filename=SANDBOX_FILENAME, mode=mode)
        problems = _find_problems(tree)
        if problems:
            return _Analysis(None, problems)
        guarded = ast.fix_missing_locations(_Guard().visit(tree))
        return _Analysis(compile(guarded, SANDBOX_FILENAME, mode), ())
    except SyntaxError as exc:
        return _Analysis(None, (_syntax_message(exc),))
    except (RecursionError, MemoryError, ValueError):
        return _Analysis(None, ("The code is nested too deeply",))


def _syntax_message(exc: SyntaxError) -> str:
    return f"Syntax error on line {exc.lineno or 1}: {exc.msg}"


def _find_problems(tree: ast.AST) -> tuple[str, ...]:
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


_NODE_CHECKS: dict[type, Callable[[Any], Iterator[str]]] = {
    ast.Name: _check_name, ast.Call: _check_call, ast.Attribute: _check_attribute,
    ast.Subscript: _check_subscript,
    ast.FunctionDef: _check_function, ast.arg: _check_arg, ast.keyword: _check_keyword,
    ast.ExceptHandler: _check_handler, ast.Try: _check_try,
    ast.FormattedValue: _check_formatted,
}


# --------------------------------------------------------------------------- rewrite

_BINOP_GUARDS: dict[type, str] = {
    ast.Add: "add", ast.Mult: "mul", ast.Pow: "pow", ast.LShift: "lshift", ast.Mod: "mod",
}


def _helper(name: str) -> ast.Name:
    return ast.Name(id=f"__mw_{name}", ctx=ast.Load())


def _call(name: str, *args: ast.expr) -> ast.Call:
    return ast.Call(func=_helper(name), args=list(args), keywords=[])


class _Guard(ast.NodeTransformer):
    """Route size-sensitive operations and attribute reads through run-time guards."""

    def visit_BinOp(self, node: ast.BinOp) -> ast.expr:
        self.generic_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
        if guard is None:
            return node
        return ast.copy_location(_call(guard, node.left, node.right), node)

    def visit_AugAssign(self, node: ast.AugAssign) -> ast.stmt:
        self.generic_visit(node)
        guard = _BINOP_GUARDS.get(type(node.op))
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


# --------------------------------------------------------------------------- size guards

_SEQUENCES = (str, bytes, list, tuple)


def _refuse(message: str) -> NoReturn:
    raise _Violation(message)


def _check_length(length: int, what: str = "result") -> None:
    if length > MAX_SEQUENCE_LENGTH:
        _refuse(f"The {what} would be too large (more than {MAX_SEQUENCE_LENGTH} elements"
                " or characters)")


def _is_int(value: object) -> bool:
    return isinstance(value, int)


def _check_int_bits(bits: float) -> None:
    if bits > MAX_INT_BITS:
        _refuse(f"The number would be too large (more than {MAX_INT_DIGITS} digits)")


def _check_add(left: Any, right: Any) -> None:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        _check_length(len(left) + len(right))


def _check_mul(left: Any, right: Any) -> None:
    if _is_int(left) and _is_int(right):
        _check_int_bits(left.bit_length() + right.bit_length())
    elif isinstance(left, _SEQUENCES) and _is_int(right):
        _check_length(len(left) * max(right, 0))
    elif isinstance(right, _SEQUENCES) and _is_int(left):
        _check_length(len(right) * max(left, 0))


def _check_pow(base: Any, exponent: Any) -> None:
    if _is_int(base) and _is_int(exponent) and exponent > 0 and abs(base) > 1:
        _check_int_bits(math.log2(abs(base)) * exponent)


def _check_lshift(value: Any, shift: Any) -> None:
    if _is_int(value) and _is_int(shift) and value != 0 and shift > 0:
        _check_int_bits(value.bit_length() + shift)


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_mod(left: Any, right: Any) -> None:
    if not isinstance(left, (str, bytes)):
        return
    pattern = left if isinstance(left, str) else left.decode("latin-1")
    for field in _PERCENT_FIELD.finditer(pattern):
        for width in field.groups():
            if width == "*" or (width is not None and int(width) > MAX_FORMAT_WIDTH):
                _refuse(f"Format widths above {MAX_FORMAT_WIDTH} are not allowed")
    _check_text_size(right)


def _guard_binop(check: Callable[[Any, Any], None],
                 apply: Callable[[Any, Any], Any]) -> Callable[[Any, Any], Any]:
    def guarded(left: Any, right: Any) -> Any:
        check(left, right)
        return apply(left, right)
    return guarded


_CHECKS: dict[str, Callable[[Any, Any], None]] = {
    "add": _check_add, "mul": _check_mul, "pow": _check_pow, "lshift": _check_lshift,
    "mod": _check_mod,
}
_PLAIN_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.add, "mul": operator.mul, "pow": operator.pow,
    "lshift": operator.lshift, "mod": operator.mod,
}
_INPLACE_OPS: dict[str, Callable[[Any, Any], Any]] = {
    "add": operator.iadd, "mul": operator.imul, "pow": operator.ipow,
    "lshift": operator.ilshift, "mod": operator.imod,
}


def _guard_augitem(container: Any, key: Any, op: str, value: Any) -> None:
    current = container[key]
    _CHECKS[op](current, value)
    container[key] = _INPLACE_OPS[op](current, value)


def _check_text_size(value: Any) -> Any:
    """Refuse values whose text form (str/repr) would exceed MAX_SEQUENCE_LENGTH."""
    if isinstance(value, _CONTAINERS):
        _TextMeter().measure(value, 0)
    elif isinstance(value, (str, bytes)):
        _check_length(len(value), "text")
    return value


def _check_spread(value: Any) -> Any:
    """`*value` in a display or call: refuse oversized parts (bounds `[*x, *x]`)."""
    if isinstance(value, Sized):
        _check_length(len(value), "list")
    return value


_CONTAINERS = (list, tuple, set, frozenset, dict, MappingView)


class _TextMeter:
    """Estimates len(repr(value)) without building it; shared parts are measured once."""

    def __init__(self) -> None:
        self.known: dict[int, tuple[Any, int]] = {}  # keeps the objects alive: ids stay valid
        self.active: set[int] = set()

    def measure(self, value: Any, depth: int) -> int:
        key = id(value)
        if key in self.known:
            return self.known[key][1]
        if key in self.active:
            return 5  # repr writes a cycle as [...]
        if depth > MAX_DATA_DEPTH:
            _refuse("The value is nested too deeply to turn into text")
        self.active.add(key)
        total = self._measure_items(value, depth)
        self.active.discard(key)
        self.known[key] = (value, total)
        return total

    def _measure_items(self, value: Any, depth: int) -> int:
        total = 2 + 2 * len(value)
        items = [*value.keys(), *value.values()] if isinstance(value, dict) else value
        for item in items:
            if type(item) is str:
                total += len(item) + 2
            elif type(item) is int:
                total += item.bit_length() // 3 + 1
            elif isinstance(item, _CONTAINERS):
                total += self.measure(item, depth + 1)
            else:
                total += 8
            if total > MAX_SEQUENCE_LENGTH:
                _refuse(f"The text would be too large (more than {MAX_SEQUENCE_LENGTH} "
                        "characters)")
        return total


# --------------------------------------------------------------------------- attributes

def _safe_join(separator: str, iterable: Iterable[Any]) -> str:
    items = list(iterable)
    _check_length(len(items), "list")
    size = len(separator) * max(len(items) - 1, 0)
    with contextlib.suppress(TypeError):  # join() itself reports an item that is not text
        size += sum(map(len, items))
    _check_length(size, "text")
    return separator.join(items)


def _padding(method: str) -> Callable[..., str]:
    def pad(text: str, width: Any, *args: Any) -> str:
        if _is_int(width):
            _check_length(width, "text")
        return str(getattr(text, method)(width, *args))
    return pad


def _safe_replace(text: str, old: str, new: str, count: int = -1) -> str:
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        hits = text.count(old) if old else len(text) + 1
        if _is_int(count) and count >= 0:
            hits = min(hits, count)
        _check_length(len(text) + hits * (len(new) - len(old)), "text")
    return text.replace(old, new, count)


def _safe_extend(target: list[Any], iterable: Iterable[Any]) -> None:
    items = iterable if isinstance(iterable, (list, tuple)) else list(iterable)
    _check_length(len(target) + len(items), "list")
    target.extend(items)


_SIZED_METHODS: dict[tuple[type, str], Callable[..., Any]] = {
    (str, "join"): _safe_join, (str, "replace"): _safe_replace,
    (str, "ljust"): _padding("ljust"), (str, "rjust"): _padding("rjust"),
    (str, "center"): _padding("center"), (str, "zfill"): _padding("zfill"),
    (list, "extend"): _safe_extend,
}


def _guard_attr(value: Any, name: str) -> Any:
    kind = type(value)
    allowed = _ATTRIBUTES_BY_TYPE.get(kind)
    if allowed is None and isinstance(value, Exception):
        allowed = _EXCEPTION_ATTRIBUTES
    if allowed is None or name not in allowed or name.startswith("_"):
        _refuse(f"Attribute '{name}' is not available on a value of type '{kind.__name__}'")
    sized = _SIZED_METHODS.get((kind, name))
    if sized is not None:
        return functools.partial(sized, value)
    return getattr(value, name)


# --------------------------------------------------------------------------- builtins

def _safe_range(*args: Any) -> range:
    numbers = range(*args)
    try:
        length = len(numbers)
    except OverflowError:
        length = MAX_SEQUENCE_LENGTH + 1
    _check_length(length, "range")
    return numbers


def _safe_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise TypeError("sum() can only add numbers")
    return sum(iterable, start)


def _safe_round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(number)
    if _is_int(ndigits) and abs(ndigits) > MAX_ROUND_DIGITS:
        _refuse(f"round() with more than {MAX_ROUND_DIGITS} digits is not allowed")
    return round(number, ndigits)


def _safe_str(value: Any = "", *args: Any) -> str:
    _check_text_size(value)
    return str(value, *args)


def _print(*args: Any, **kwargs: Any) -> None:
    """print() is accepted and ignored: there is no console to write to."""


def is_empty(value: Any) -> bool:
    """True for None, empty text and empty collections (JUEL's `empty`)."""
    if value is None:
        return True
    if isinstance(value, (str, list, dict, tuple, set)):
        return len(value) == 0
    return False


try:
    _ZONE: ZoneInfo | None = ZoneInfo("Europe/Amsterdam")
except ZoneInfoNotFoundError:  # pragma: no cover - depends on the system's tz database
    _ZONE = None


def today() -> str:
    """Today's date in the Netherlands, as ISO text (YYYY-MM-DD)."""
    return datetime.now(_ZONE).date().isoformat()


def _parse_date(text: Any) -> date:
    if not isinstance(text, str):
        raise TypeError(f"A date must be ISO text like '2024-05-01', not {type(text).__name__}")
    try:
        return date.fromisoformat(text[:10])
    except ValueError:
        raise ValueError(f"'{text[:40]}' is not a date like '2024-05-01'") from None


def date_add(iso_date: str, days: int = 0) -> str:
    """The ISO date `days` days after `iso_date` (negative: before)."""
    if isinstance(days, bool) or not isinstance(days, int):
        raise TypeError("date_add() needs a whole number of days")
    try:
        return (_parse_date(iso_date) + timedelta(days=days)).isoformat()
    except OverflowError:
        raise ValueError("The resulting date is out of range") from None


SAFE_BUILTINS: dict[str, Any] = {
    "abs": abs, "all": all, "any": any, "bool": bool, "dict": dict, "enumerate": enumerate,
    "filter": filter, "float": float, "int": int, "len": len, "list": list, "map": map,
    "max": max, "min": min, "range": _safe_range, "reversed": reversed,
    "round": _safe_round, "set": set, "sorted": sorted, "str": _safe_str, "sum": _safe_sum,
    "tuple": tuple, "zip": zip, "print": _print,
    "True": True, "False": False, "None": None,
    "Exception": Exception, "ArithmeticError": ArithmeticError,
    "AssertionError": AssertionError, "IndexError": IndexError, "KeyError": KeyError,
    "LookupError": LookupError, "TypeError": TypeError, "ValueError": ValueError,
    "ZeroDivisionError": ZeroDivisionError,
    "is_empty": is_empty, "today": today, "date_add": date_add,
}


def _runtime_guards() -> dict[str, Any]:
    guards: dict[str, Any] = {
        "__mw_attr": _guard_attr, "__mw_text": _check_text_size,
        "__mw_augitem": _guard_augitem, "__mw_spread": _check_spread,
    }
    for op, check in _CHECKS.items():
        guards[f"__mw_{op}"] = _guard_binop(check, _PLAIN_OPS[op])
        guards[f"__mw_i{op}"] = _guard_binop(check, _INPLACE_OPS[op])
    return guards


_RUNTIME_BUILTINS: dict[str, Any] = {**SAFE_BUILTINS, **_runtime_guards()}


# --------------------------------------------------------------------------- running

class _Watch:
    """A trace function that ends the sandboxed code when its time is up or it nests too deep.

    The call depth is limited well below Python's recursion limit: a RecursionError
    raised while Python calls the trace function would silently switch tracing off
    (and with it the time limit), and a script could catch it with `except Exception`.
    """

    def __init__(self, limit: float, what: str, max_depth: int) -> None:
        self.limit = limit
        self.what = what
        self.deadline = time.monotonic() + limit
        self.max_depth = max_depth
        self.depth = 0

    def trace(self, frame: FrameType, event: str, arg: Any) -> Any:
        if time.monotonic() > self.deadline:
            raise _Violation(f"The {self.what} took too long (more than {self.limit:g} s)")
        if event == "call":
            if frame.f_code.co_filename != SANDBOX_FILENAME:
                return None
            self.depth += 1
            if self.depth > self.max_depth:
                raise _Violation(f"Too many nested function calls (more than {self.max_depth})")
        elif event == "return":
            self.depth -= 1
        return self.trace


def _allowed_depth() -> int:
    """Sandbox frames that fit under the recursion limit from here (each may add helpers)."""
    depth = 0
    frame: FrameType | None = sys._getframe()
    while frame is not None:
        depth += 1
        frame = frame.f_back
    room = (sys.getrecursionlimit() - depth - _STACK_MARGIN) // 3
    if room < 1:
        raise SandboxError("The server's call stack is too deep to run this code")
    return min(MAX_CALL_DEPTH, room)


def _run(code: CodeType, namespace: dict[str, Any], limit: float, what: str) -> Any:
    watch = _Watch(limit, what, _allowed_depth())
    previous = sys.gettrace()
    sys.settrace(watch.trace)
    try:
        return eval(code, namespace)  # checked, rewritten and traced code
    finally:
        sys.settrace(previous)


def _namespace(variables: Mapping[str, Any]) -> dict[str, Any]:
    namespace = {name: value for name, value in variables.items()
                 if isinstance(name, str) and not name.startswith("_")}
    namespace["__builtins__"] = _RUNTIME_BUILTINS
    return namespace


def _compiled(source: str, mode: str) -> CodeType:
    analysis = _analyse(_prepare(source, mode), mode)
    if analysis.code is None:
        raise SandboxError("; ".join(analysis.problems))
    return analysis.code


def _sandbox_line(traceback: TracebackType | None) -> int | None:
    line = None
    while traceback is not None:
        if traceback.tb_frame.f_code.co_filename == SANDBOX_FILENAME:
            line = traceback.tb_lineno
        traceback = traceback.tb_next
    return line


def _shorten(text: str) -> str:
    return text if len(text) <= _MAX_MESSAGE else text[:_MAX_MESSAGE - 3] + "..."


def _describe(exc: BaseException) -> str:
    if isinstance(exc, UnboundLocalError):
        return f"Variable '{exc.name}' is used before it is assigned"
    if isinstance(exc, NameError):
        return f"Unknown variable '{exc.name}'"
    if isinstance(exc, KeyError):
        key = exc.args[0] if exc.args else None
        return f"Key {_shorten(repr(key))} does not exist"
    if isinstance(exc, ZeroDivisionError):
        return "Division by zero"
    if isinstance(exc, RecursionError):
        return "Too many nested function calls (recursion)"
    return _describe_general(exc)


def _describe_general(exc: BaseException) -> str:
    labels: dict[type, str] = {
        IndexError: "Index out of range", TypeError: "Type error",
        ValueError: "Invalid value", OverflowError: "Number too large",
        AssertionError: "Assertion failed", MemoryError: "Out of memory",
    }
    label = next((text for kind, text in labels.items() if isinstance(exc, kind)),
                 type(exc).__name__)
    detail = _detail(exc)
    return f"{label}: {detail}" if detail else label


def _detail(exc: BaseException) -> str:
    """The exception's own text; OS-style (errno, text) arguments give just the text."""
    if len(exc.args) == 2 and isinstance(exc.args[1], str):
        return exc.args[1]
    return str(exc)


def _failure(exc: BaseException, mode: str) -> SandboxError:
    message = str(exc) if isinstance(exc, _Violation) else _describe(exc)
    line = _sandbox_line(exc.__traceback__)
    if mode == "exec" and line is not None:
        message = f"{message} (line {line})"
    return SandboxError(_shorten(message))


def _execute_code(code: CodeType, namespace: dict[str, Any], limit: float | None,
                  mode: str) -> Any:
    what = "expression" if mode == "eval" else "script"
    try:
        return _run(code, namespace, TIME_LIMIT if limit is None else limit, what)
    except _Violation as exc:
        raise _failure(exc, mode) from None
    except Exception as exc:  # ordinary errors of the sandboxed code
        raise _failure(exc, mode) from exc


def evaluate(expression: str, variables: Mapping[str, Any], *,
             time_limit: float | None = None) -> Any:
    """Evaluate an untrusted expression against `variables` (which it cannot rebind)."""
    code = _compiled(expression, "eval")
    result = _execute_code(code, _namespace(variables), time_limit, "eval")
    if callable(result) or isinstance(result, Iterator):
        raise SandboxError("The expression gives a function or iterator instead of a value")
    return result


def execute(script: str, variables: dict[str, Any], *,
            time_limit: float | None = None) -> None:
    """Run an untrusted script with `variables` as namespace; keep its data changes.

    Nothing changes in `variables` when the script fails. Names bound to functions are
    dropped; everything else left behind must be JSON-like data of bounded size.
    """
    code = _compiled(script, "exec")
    namespace = _namespace(copy.deepcopy(_visible(variables)))
    _execute_code(code, namespace, time_limit, "exec")
    results = {name: value for name, value in namespace.items()
               if not name.startswith("_") and not _is_code(value)}
    _check_results(results)
    for name in [name for name in _visible(variables) if name not in results]:
        del variables[name]
    variables.update(results)


def _visible(variables: Mapping[str, Any]) -> dict[str, Any]:
    return {name: value for name, value in variables.items()
            if isinstance(name, str) and not name.startswith("_")}


def _is_code(value: Any) -> bool:
    return callable(value) or isinstance(value, ModuleType)


# --------------------------------------------------------------------------- result data

def _check_results(results: Mapping[str, Any]) -> None:
    budget = [MAX_RESULT_BYTES]
    for name, value in results.items():
        budget[0] -= len(name) + 4
        _check_data(name, value, budget, set())


def _check_data(name: str, value: Any, budget: list[int], path: set[int]) -> None:
    if isinstance(value, (list, dict)):
        _check_container(name, value, budget, path)
        return
    budget[0] -= _scalar_cost(name, value)
    _check_budget(name, budget)


def _scalar_cost(name: str, value: Any) -> int:
    if value is None or isinstance(value, (bool, float)):
        return 8
    if isinstance(value, int):
        _check_storable_int(name, value)
        return value.bit_length() // 3 + 2
    if isinstance(value, str):
        return len(value) + 3
    raise SandboxError(
        f"Variable '{name}' holds a value of type '{type(value).__name__}', which cannot "
        "be stored; only text, numbers, booleans, None, lists and dicts can")


def _check_storable_int(name: str, value: int) -> None:
    """Numbers must survive JSON: Python refuses str() of ints above a digit limit."""
    digits = sys.get_int_max_str_digits() or MAX_INT_DIGITS
    if value.bit_length() > digits * math.log2(10) - 4:
        raise SandboxError(f"Variable '{name}' holds a number that is too large to store")


def _check_container(name: str, value: list[Any] | dict[Any, Any], budget: list[int],
                     path: set[int]) -> None:
    if id(value) in path:
        raise SandboxError(f"Variable '{name}' contains itself, which cannot be stored")
    if len(path) >= MAX_DATA_DEPTH:
        raise SandboxError(f"Variable '{name}' is nested too deeply to be stored")
    path.add(id(value))
    budget[0] -= 2
    _check_budget(name, budget)
    items = value.items() if isinstance(value, dict) else enumerate(value)
    for key, item in items:
        if isinstance(value, dict):
            _check_key(name, key, budget)
        _check_data(name, item, budget, path)
    path.discard(id(value))


def _check_key(name: str, key: Any, budget: list[int]) -> None:
    if not isinstance(key, str):
        raise SandboxError(
            f"Variable '{name}' has a dict key of type '{type(key).__name__}'; "
            "only text keys can be stored")
    budget[0] -= len(key) + 4


def _check_budget(name: str, budget: list[int]) -> None:
    if budget[0] < 0:
        raise SandboxError(
            f"The script's data is too large to store (more than {MAX_RESULT_BYTES} bytes;"
            f" at variable '{name}')")
