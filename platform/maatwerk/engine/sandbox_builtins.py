"""The builtins that sandboxed code sees: a small safe set, and the guards of its rewrite.

`SAFE_BUILTINS` is all the untrusted code may name beyond its own variables: harmless
builtins (those that could build huge values are size-guarded versions), the exception
classes it may raise and catch, a silent `print`, and the few helpers that models use
(`is_empty`, JUEL's `empty`; `today` and `date_add` for dates as ISO text).
`RUNTIME_BUILTINS` adds the guards that the rewritten code calls by their `__mw_` names.
"""
from __future__ import annotations

from collections.abc import Iterable
from datetime import date, datetime, timedelta
from typing import Any
from zoneinfo import ZoneInfo, ZoneInfoNotFoundError

from . import decision_result
from .sandbox_errors import refuse
from .sandbox_guards import check_length, check_text_size, guard_functions, is_int
from .sandbox_limits import MAX_ROUND_DIGITS, MAX_SEQUENCE_LENGTH
from .sandbox_rewrite import helper_name


def _safe_range(*args: Any) -> range:
    numbers = range(*args)
    try:
        length = len(numbers)
    except OverflowError:
        length = MAX_SEQUENCE_LENGTH + 1
    check_length(length, "range")
    return numbers


def _safe_sum(iterable: Iterable[Any], start: Any = 0) -> Any:
    if isinstance(start, bool) or not isinstance(start, (int, float)):
        raise TypeError("sum() can only add numbers")
    return sum(iterable, start)


def _safe_round(number: Any, ndigits: Any = None) -> Any:
    if ndigits is None:
        return round(number)
    if is_int(ndigits) and abs(ndigits) > MAX_ROUND_DIGITS:
        refuse(f"round() with more than {MAX_ROUND_DIGITS} digits is not allowed")
    return round(number, ndigits)


def _safe_str(value: Any = "", *args: Any) -> str:
    check_text_size(value)
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
    **decision_result.HELPERS,  # Camunda's decisionResult methods (decision_result.py)
}


RUNTIME_BUILTINS: dict[str, Any] = {
    **SAFE_BUILTINS, **{helper_name(name): guard for name, guard in guard_functions().items()},
}
