"""The run-time guards that rewritten sandbox code calls (sandbox_rewrite.py).

Size guards refuse, before the operation runs, results beyond the fixed limits: the
operators `+ * ** << %` on numbers, text and lists (also augmented, also on an item),
`*spread` parts, the text form of values in f-strings and `str()`, and the text and list
methods that can grow a value in one call (`join`, `replace`, padding, `extend`). The
attribute guard lets through only the whitelisted methods of the value's own type
(sandbox_rules.ATTRIBUTES_BY_TYPE). A refusal is a SandboxViolation, which sandboxed code
cannot catch.
"""
from __future__ import annotations

import contextlib
import functools
import math
import operator
import re
from collections.abc import Callable, Iterable, MappingView, Sized
from typing import Any

from .sandbox_errors import refuse
from .sandbox_limits import (
    MAX_DATA_DEPTH,
    MAX_FORMAT_WIDTH,
    MAX_INT_BITS,
    MAX_INT_DIGITS,
    MAX_SEQUENCE_LENGTH,
)
from .sandbox_rules import ATTRIBUTES_BY_TYPE, EXCEPTION_ATTRIBUTES

# --------------------------------------------------------------------------- size guards

_SEQUENCES = (str, bytes, list, tuple)

def check_length(length: int, what: str = "result") -> None:
    """Refuse a list, text or range of more than MAX_SEQUENCE_LENGTH elements."""
    if length > MAX_SEQUENCE_LENGTH:
        refuse(f"The {what} would be too large (more than {MAX_SEQUENCE_LENGTH} elements"
                " or characters)")


def is_int(value: object) -> bool:
    """An int (or bool): the operands whose size the guards compute."""
    return isinstance(value, int)


def _check_int_bits(bits: float) -> None:
    if bits > MAX_INT_BITS:
        refuse(f"The number would be too large (more than {MAX_INT_DIGITS} digits)")


def _check_add(left: Any, right: Any) -> None:
    if isinstance(left, _SEQUENCES) and isinstance(right, _SEQUENCES):
        check_length(len(left) + len(right))


def _check_mul(left: Any, right: Any) -> None:
    if is_int(left) and is_int(right):
        _check_int_bits(left.bit_length() + right.bit_length())
    elif isinstance(left, _SEQUENCES) and is_int(right):
        check_length(len(left) * max(right, 0))
    elif isinstance(right, _SEQUENCES) and is_int(left):
        check_length(len(right) * max(left, 0))


def _check_pow(base: Any, exponent: Any) -> None:
    if is_int(base) and is_int(exponent) and exponent > 0 and abs(base) > 1:
        _check_int_bits(math.log2(abs(base)) * exponent)


def _check_lshift(value: Any, shift: Any) -> None:
    if is_int(value) and is_int(shift) and value != 0 and shift > 0:
        _check_int_bits(value.bit_length() + shift)


_PERCENT_FIELD = re.compile(r"%(?:\([^)]*\))?[-#0 +]*(\*|\d+)?(?:\.(\*|\d+))?")


def _check_mod(left: Any, right: Any) -> None:
    if not isinstance(left, (str, bytes)):
        return
    pattern = left if isinstance(left, str) else left.decode("latin-1")
    for field in _PERCENT_FIELD.finditer(pattern):
        for width in field.groups():
            if width == "*" or (width is not None and int(width) > MAX_FORMAT_WIDTH):
                refuse(f"Format widths above {MAX_FORMAT_WIDTH} are not allowed")
    check_text_size(right)


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


def check_text_size(value: Any) -> Any:
    """Refuse values whose text form (str/repr) would exceed MAX_SEQUENCE_LENGTH."""
    if isinstance(value, _CONTAINERS):
        _TextMeter().measure(value, 0)
    elif isinstance(value, (str, bytes)):
        check_length(len(value), "text")
    return value


def _check_spread(value: Any) -> Any:
    """`*value` in a display or call: refuse oversized parts (bounds `[*x, *x]`)."""
    if isinstance(value, Sized):
        check_length(len(value), "list")
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
            refuse("The value is nested too deeply to turn into text")
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
                refuse(f"The text would be too large (more than {MAX_SEQUENCE_LENGTH} "
                        "characters)")
        return total


# --------------------------------------------------------------------------- attributes

def _safe_join(separator: str, iterable: Iterable[Any]) -> str:
    items = list(iterable)
    check_length(len(items), "list")
    size = len(separator) * max(len(items) - 1, 0)
    with contextlib.suppress(TypeError):  # join() itself reports an item that is not text
        size += sum(map(len, items))
    check_length(size, "text")
    return separator.join(items)


def _padding(method: str) -> Callable[..., str]:
    def pad(text: str, width: Any, *args: Any) -> str:
        if is_int(width):
            check_length(width, "text")
        return str(getattr(text, method)(width, *args))
    return pad


def _safe_replace(text: str, old: str, new: str, count: int = -1) -> str:
    if isinstance(old, str) and isinstance(new, str) and len(new) > len(old):
        hits = text.count(old) if old else len(text) + 1
        if is_int(count) and count >= 0:
            hits = min(hits, count)
        check_length(len(text) + hits * (len(new) - len(old)), "text")
    return text.replace(old, new, count)


def _safe_extend(target: list[Any], iterable: Iterable[Any]) -> None:
    items = iterable if isinstance(iterable, (list, tuple)) else list(iterable)
    check_length(len(target) + len(items), "list")
    target.extend(items)


_SIZED_METHODS: dict[tuple[type, str], Callable[..., Any]] = {
    (str, "join"): _safe_join, (str, "replace"): _safe_replace,
    (str, "ljust"): _padding("ljust"), (str, "rjust"): _padding("rjust"),
    (str, "center"): _padding("center"), (str, "zfill"): _padding("zfill"),
    (list, "extend"): _safe_extend,
}


def _guard_attr(value: Any, name: str) -> Any:
    kind = type(value)
    allowed = ATTRIBUTES_BY_TYPE.get(kind)
    if allowed is None and isinstance(value, Exception):
        allowed = EXCEPTION_ATTRIBUTES
    if allowed is None or name not in allowed or name.startswith("_"):
        refuse(f"Attribute '{name}' is not available on a value of type '{kind.__name__}'")
    sized = _SIZED_METHODS.get((kind, name))
    if sized is not None:
        return functools.partial(sized, value)
    return getattr(value, name)


# --------------------------------------------------------------------------- by name

def guard_functions() -> dict[str, Callable[..., Any]]:
    """The guards by the names the rewritten code calls them (sandbox_rewrite.helper_name)."""
    guards: dict[str, Callable[..., Any]] = {
        "attr": _guard_attr, "text": check_text_size,
        "augitem": _guard_augitem, "spread": _check_spread,
    }
    for op, check in _CHECKS.items():
        guards[op] = _guard_binop(check, _PLAIN_OPS[op])
        guards[f"i{op}"] = _guard_binop(check, _INPLACE_OPS[op])
    return guards
