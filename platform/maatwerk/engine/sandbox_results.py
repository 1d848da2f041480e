"""The check of the data a sandboxed script leaves behind, before the case keeps it.

Only plain JSON-like data may stay: text, numbers, booleans, None, lists and dicts with
text keys, without cycles, nested at most MAX_DATA_DEPTH deep and of at most
MAX_RESULT_BYTES as JSON (estimated while walking it, never built). Numbers must also be
small enough to turn into text again.
"""
from __future__ import annotations

import math
import sys
from collections.abc import Mapping
from typing import Any

from .sandbox_errors import SandboxError
from .sandbox_limits import MAX_DATA_DEPTH, MAX_INT_DIGITS, MAX_RESULT_BYTES


def check_results(results: Mapping[str, Any]) -> None:
    """Refuse (SandboxError) script variables that cannot be stored as case data."""
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
    if isinstance(value, float) and not math.isfinite(value):
        what = "not a number (NaN)" if math.isnan(value) else "infinite"
        raise SandboxError(f"'{name}' is {what}; case data holds only finite numbers (JSON "
                           "has no NaN or Infinity)")
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
