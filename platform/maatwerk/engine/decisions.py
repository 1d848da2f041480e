"""Deciding with a DMN table as Camunda 7 does: the hit policy picks the results, and
`camunda:mapDecisionResult` shapes what the business rule task keeps.

Hit policies: UNIQUE (more than one matching rule is an error), ANY (matching rules must
agree), FIRST, RULE ORDER (every match, in order) and COLLECT (every match; with SUM, MIN,
MAX or COUNT one aggregated value). Results: `singleEntry` (the one output of the one
result), `singleResult` (the outputs of the one result), `collectEntries` (the one output
of every result) and `resultList` (every result's outputs).
"""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")


def results(engine: DMNEngine, task: Any, aggregation: str | None) -> list[dict[str, Any]]:
    """The outputs of the rules the table's hit policy lets through, in rule order; with an
    aggregation, one result with the aggregated value."""
    table = engine.decision_table
    policy = (table.hit_policy or "UNIQUE").upper()
    # the engine's own rule check (SpiffWorkflow 3.2; name-mangled, pinned by the tests)
    check = engine._DMNEngine__check_rule
    matched = [rule for rule in table.rules if check(rule, task)]
    outputs = [dict(rule.output_as_dict(task)) for rule in matched]
    if policy == "UNIQUE" and len(matched) > 1:
        raise _error(task, f"hit policy UNIQUE, but rules {_rows(matched)} all match")
    if policy == "ANY" and any(output != outputs[0] for output in outputs):
        raise _error(task, f"hit policy ANY, but rules {_rows(matched)} match with "
                           "different outputs")
    if policy in ("UNIQUE", "ANY", "FIRST"):
        return outputs[:1]
    if aggregation:
        return [_aggregated(outputs, aggregation, task)] if outputs or aggregation == "COUNT" \
            else []
    return outputs  # RULE ORDER, COLLECT


def with_required(required: list[tuple[DMNEngine, str | None]], engine: DMNEngine, task: Any,
                  aggregation: str | None) -> list[dict[str, Any]]:
    """The decision's results after the decisions it requires (dependencies first): their
    outputs are inputs of the ones after them, for this evaluation only, as in Camunda (one
    result gives its outputs, several give each output as a list of values)."""
    data = task.data
    saved = dict(data)
    try:
        for needed, needed_aggregation in required:
            found = results(needed, task, needed_aggregation)
            if len(found) == 1:
                data.update(found[0])
            else:
                for name in {name for output in found for name in output}:
                    data[name] = [output.get(name) for output in found]
        return results(engine, task, aggregation)
    finally:
        data.clear()
        data.update(saved)


def _aggregated(outputs: list[dict[str, Any]], aggregation: str, task: Any) -> dict[str, Any]:
    names = {name for output in outputs for name in output}
    name = next(iter(names)) if names else "result"
    values = [output[name] for output in outputs]
    if aggregation == "COUNT":
        return {name: len(values)}
    if not all(isinstance(v, int | float) and not isinstance(v, bool) for v in values):
        raise _error(task, f"COLLECT {aggregation} needs numbers, got {values!r}")
    if aggregation == "SUM":
        return {name: sum(values)}
    return {name: min(values) if aggregation == "MIN" else max(values)}


def shaped(outputs: list[dict[str, Any]], mapping: str, task: Any) -> Any:
    """The value a result variable gets, by camunda:mapDecisionResult."""
    if mapping in ("singleEntry", "singleResult"):
        if len(outputs) > 1:
            raise _error(task, f"mapDecisionResult {mapping} needs one result, but "
                               f"{len(outputs)} rules match")
        if not outputs:
            return None
        if mapping == "singleResult":
            return outputs[0]
        return _only_entry(outputs[0], mapping, task)
    if mapping == "collectEntries":
        return [_only_entry(output, mapping, task) for output in outputs]
    return outputs  # resultList


def _only_entry(output: dict[str, Any], mapping: str, task: Any) -> Any:
    if len(output) != 1:
        raise _error(task, f"mapDecisionResult {mapping} needs one output column, the table "
                           f"has {len(output)}")
    return next(iter(output.values()))


def _rows(rules: list[Any]) -> str:
    return ", ".join(str(rule.row_number) for rule in rules)


def _error(task: Any, message: str) -> WorkflowTaskException:
    return WorkflowTaskException(f"decision table: {message}", task=task)
