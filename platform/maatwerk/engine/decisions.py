"""Deciding with a DMN table as Camunda 7 does: the hit policy picks the results, and
`camunda:mapDecisionResult` shapes what the business rule task keeps.

Hit policies: UNIQUE (more than one matching rule is an error), ANY (matching rules must
agree), FIRST, RULE ORDER (every match, in order), COLLECT (every match; with SUM, MIN,
MAX or COUNT one aggregated value), and, as DMN 1.3 defines them (Camunda 7 has not got
them), PRIORITY (the match whose outputs come first in the output columns' lists of output
values) and OUTPUT ORDER (every match in that order).

Results: `singleEntry` (the one output of the one result), `singleResult` (the outputs of
the one result), `collectEntries` (the one output of every result) and `resultList` (every
result's outputs).
"""
from __future__ import annotations

import json
import re
from dataclasses import dataclass
from typing import Any

from lxml import etree
from SpiffWorkflow.bpmn.exceptions import WorkflowTaskException
from SpiffWorkflow.dmn.engine.DMNEngine import DMNEngine

AGGREGATIONS = ("SUM", "MIN", "MAX", "COUNT")
PRIORITY_POLICIES = ("PRIORITY", "OUTPUT ORDER")
_ITEM = re.compile(r'\s*("(?:[^"\\]|\\.)*"|[^,"]+)\s*(?:,|$)')


@dataclass(frozen=True)
class TableOptions:
    """What the engine's DMN parser does not read of a decision table: COLLECT's
    aggregation, and per output column (by name) its output values, highest priority first."""
    aggregation: str | None = None
    priorities: tuple[tuple[str, tuple[Any, ...]], ...] = ()


def table_options(table: etree._Element) -> TableOptions:
    """A dmn:decisionTable's options; output values that can't be read are left out (the
    upload's checks refuse them, dmn_checks.py)."""
    priorities = []
    for output in table:
        if not isinstance(output.tag, str) or etree.QName(output).localname != "output":
            continue
        text = next((child.findtext("{*}text") for child in output if isinstance(child.tag, str)
                     and etree.QName(child).localname == "outputValues"), None)
        try:
            values = output_values(text or "")
        except ValueError:
            continue
        if values:
            priorities.append((output.get("name") or output.get("label") or "", values))
    return TableOptions(table.get("aggregation"), tuple(priorities))


def output_values(text: str) -> tuple[Any, ...]:
    """A FEEL list of output values (`"high","low"`, `10, 5`, `true,false`) as Python values,
    in order; ValueError for anything else."""
    values: list[Any] = []
    position, text = 0, text.strip()
    while position < len(text):
        match = _ITEM.match(text, position)
        if match is None:
            raise ValueError(f"can't read {text[position:]!r}")
        values.append(_literal(match.group(1).strip()))
        position = match.end()
    return tuple(values)


def _literal(item: str) -> Any:
    if item.startswith('"'):
        return json.loads(item)
    if item in ("true", "false"):
        return item == "true"
    try:
        return int(item)
    except ValueError:
        pass
    try:
        return float(item)
    except ValueError:
        raise ValueError(f"{item!r} is not a string, number or true/false") from None


def results(engine: DMNEngine, task: Any, options: TableOptions) -> list[dict[str, Any]]:
    """The outputs of the rules the table's hit policy lets through, in rule order (by
    priority for PRIORITY and OUTPUT ORDER); with an aggregation, one aggregated result."""
    table = engine.decision_table
    policy = (table.hit_policy or "UNIQUE").upper()
    aggregation = options.aggregation
    # the engine's own rule check (SpiffWorkflow 3.2; name-mangled, pinned by the tests)
    check = engine._DMNEngine__check_rule
    matched = [rule for rule in table.rules if check(rule, task)]
    outputs = [dict(rule.output_as_dict(task)) for rule in matched]
    if policy in PRIORITY_POLICIES:
        ordered = _by_priority(matched, outputs, options.priorities, task)
        return ordered[:1] if policy == "PRIORITY" else ordered
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


def with_required(required: list[tuple[DMNEngine, TableOptions]], engine: DMNEngine, task: Any,
                  options: TableOptions) -> list[dict[str, Any]]:
    """The decision's results after the decisions it requires (dependencies first): their
    outputs are inputs of the ones after them, for this evaluation only, as in Camunda (one
    result gives its outputs, several give each output as a list of values)."""
    data = task.data
    saved = dict(data)
    try:
        for needed, needed_options in required:
            found = results(needed, task, needed_options)
            if len(found) == 1:
                data.update(found[0])
            else:
                for name in {name for output in found for name in output}:
                    data[name] = [output.get(name) for output in found]
        return results(engine, task, options)
    finally:
        data.clear()
        data.update(saved)


def _by_priority(rules: list[Any], outputs: list[dict[str, Any]],
                 priorities: tuple[tuple[str, tuple[Any, ...]], ...],
                 task: Any) -> list[dict[str, Any]]:
    """The outputs, highest priority first: by the first column's output values, ties by the
    next column's, then in rule order."""
    def rank(index: int) -> tuple[int, ...]:
        ranks = []
        for name, values in priorities:
            value = outputs[index].get(name)
            if value not in values:
                raise _error(task, f"rule {rules[index].row_number} gives {value!r} for "
                                   f"'{name}', which is not one of its output values "
                                   f"{list(values)!r}")
            ranks.append(values.index(value))
        return tuple(ranks)
    return [outputs[index] for index in sorted(range(len(outputs)), key=rank)]


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
