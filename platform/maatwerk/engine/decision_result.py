"""Camunda 7's `decisionResult`, which the output mapping of a business rule task reads:
the list of the matched rules' outputs (one map per rule), with the methods Camunda gives
it, as sandbox helpers that the JUEL translation calls (juel.py):

- `decisionResult.getSingleResult()`: the one result's outputs (null when no rule matched;
  an error when more than one did);
- `decisionResult.getFirstResult()`: the first result's outputs (null when none);
- `decisionResult.getSingleEntry()`: the one output of the one result;
- `decisionResult.collectEntries("naam")`: that output of every result, as a list;
- `decisionResult.getResultList()`: every result's outputs.
"""
from __future__ import annotations

from typing import Any

NAME = "decisionResult"
METHODS = {"getSingleResult": "decision_single_result", "getFirstResult":
           "decision_first_result", "getSingleEntry": "decision_single_entry",
           "collectEntries": "decision_collect_entries", "getResultList": ""}


def decision_single_result(results: list[dict[str, Any]],
                           method: str = "getSingleResult") -> dict[str, Any] | None:
    if len(results) > 1:
        raise ValueError(f"{method}() needs one result, but {len(results)} rules matched")
    return results[0] if results else None


def decision_first_result(results: list[dict[str, Any]]) -> dict[str, Any] | None:
    return results[0] if results else None


def decision_single_entry(results: list[dict[str, Any]]) -> Any:
    result = decision_single_result(results, "getSingleEntry")
    if result is None:
        return None
    if len(result) != 1:
        raise ValueError(f"getSingleEntry() needs one output, but the result has {len(result)}")
    return next(iter(result.values()))


def decision_collect_entries(results: list[dict[str, Any]], name: str) -> list[Any]:
    return [result.get(name) for result in results]


HELPERS = {helper.__name__: helper for helper in (
    decision_single_result, decision_first_result, decision_single_entry,
    decision_collect_entries)}
