"""The outcomes a decision of a model can have, read from its files: the paths out of an
exclusive or inclusive gateway (by the flow's name, else the name of where it leads) and
the results of a business rule task's decision table (its rules' literal outputs and its
output columns' listed values), each as the values an override_decision deviation gives
(deviation_decisions.py). A caseworker chooses one by name instead of typing a value.

A decision whose results are no plain literals (an expression, a list by
mapDecisionResult collectEntries or resultList, a decision without a table) has no
outcomes here: its new value is typed.
"""
from __future__ import annotations

from contextlib import suppress
from dataclasses import dataclass
from typing import Any

from lxml import etree

from . import vendors, xmlsafe
from .camunda import CAMUNDA, NS
from .decisions import output_values

_GATEWAYS = ("exclusiveGateway", "inclusiveGateway")


@dataclass(frozen=True)
class Outcome:
    """One outcome of a decision: what people read, and the deviation's values."""

    label: str
    values: dict[str, Any]


def outcomes(bpmn: list[bytes], dmn: list[bytes]) -> dict[str, list[Outcome]]:
    """Per decision element id of the BPMN files, its possible outcomes (in order)."""
    tables = _tables(dmn)
    found: dict[str, list[Outcome]] = {}
    for content in bpmn:
        root = xmlsafe.parse(vendors.as_camunda(content))
        names = {e.get("id"): e.get("name") for e in root.iter() if e.get("id")}
        for flow_node in root.iter():
            if not isinstance(flow_node.tag, str):
                continue
            local = etree.QName(flow_node).localname
            element_id = flow_node.get("id") or ""
            if local in _GATEWAYS:
                found[element_id] = _routes(flow_node, names)
            elif local == "businessRuleTask":
                table = tables.get(flow_node.get(CAMUNDA + "decisionRef") or "")
                found[element_id] = _results(flow_node, table) if table is not None else []
    return found


def _routes(gateway: etree._Element, names: dict[str | None, str | None]) -> list[Outcome]:
    """The gateway's outgoing paths, by the flow's name or where it leads."""
    process = gateway.getparent()
    if process is None:
        return []
    routes = []
    for flow in process.iterfind("bpmn:sequenceFlow", NS):
        if flow.get("sourceRef") != gateway.get("id"):
            continue
        target = flow.get("targetRef") or ""
        label = (flow.get("name") or "").strip() or \
            f"naar {(names.get(target) or target).strip()}"
        routes.append(Outcome(" ".join(label.split()), {"flow": target}))
    return routes


def _tables(dmn: list[bytes]) -> dict[str, etree._Element]:
    """Each decision id of the DMN files -> its decision table."""
    tables = {}
    for content in dmn:
        root = xmlsafe.parse(vendors.as_camunda(content))
        ns = {"dmn": etree.QName(root).namespace or ""}
        for decision in root.iterfind("dmn:decision", ns):
            table = decision.find("dmn:decisionTable", ns)
            if table is not None:
                tables[decision.get("id") or ""] = table
    return tables


def _results(task: etree._Element, table: etree._Element) -> list[Outcome]:
    """The distinct results of the table's rules (and its listed output values), shaped as
    the task keeps them (a result variable by mapDecisionResult, else the columns)."""
    ns = {"dmn": etree.QName(table).namespace or ""}
    columns = [c.get("name") or c.get("label") or "" for c in table.iterfind("dmn:output", ns)]
    rows = _rows(table, ns, len(columns))
    if rows is None or not all(columns):
        return []
    variable = task.get(CAMUNDA + "resultVariable")
    mapping = task.get(CAMUNDA + "mapDecisionResult") or "resultList"
    shaped = []
    for row in rows:
        result = dict(zip(columns, row, strict=True))
        if not variable:
            shaped.append(Outcome(_said(result, len(columns) > 1), result))
        elif mapping == "singleEntry" and len(columns) == 1:
            shaped.append(Outcome(_said(result, False), {variable: row[0]}))
        elif mapping == "singleResult":
            shaped.append(Outcome(_said(result, len(columns) > 1), {variable: result}))
        else:
            return []  # a list: typed, not chosen
    return shaped


def _rows(table: etree._Element, ns: dict[str, str], width: int
          ) -> list[tuple[Any, ...]] | None:
    """The distinct literal output rows, in rule order; a single column's listed output
    values after them. None when a rule's output is no literal (an expression)."""
    rows: list[tuple[Any, ...]] = []
    for rule in table.iterfind("dmn:rule", ns):
        row = []
        for entry in rule.iterfind("dmn:outputEntry", ns):
            try:
                literal = output_values(entry.findtext("dmn:text", "", ns))
            except ValueError:
                return None
            if len(literal) != 1:
                return None
            row.append(literal[0])
        if len(row) == width and tuple(row) not in rows:
            rows.append(tuple(row))
    if width == 1:
        listed = table.findtext("dmn:output/dmn:outputValues/dmn:text", "", ns)
        with suppress(ValueError):  # unreadable output values: refused at upload
            rows += [(v,) for v in output_values(listed) if (v,) not in rows]
    return rows


def _said(result: dict[str, Any], named: bool) -> str:
    """A result as people read it: the value, or name: value per column."""
    def text(value: Any) -> str:
        return ("ja" if value else "nee") if isinstance(value, bool) else str(value)

    if not named:
        return text(next(iter(result.values())))
    return ", ".join(f"{name}: {text(value)}" for name, value in result.items())
