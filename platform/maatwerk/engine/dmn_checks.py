"""The checks of an upload's DMN decisions: one decision table each, hit policies the
engine has, input expressions, FEEL input entries (feel.py) and output entries.

Every problem is collected on the :class:`ModelUpload`; nothing stops at the first one.
"""
from __future__ import annotations

from lxml import etree

from . import decision_graph, feel, sandbox
from .decisions import AGGREGATIONS, PRIORITY_POLICIES, output_values
from .expressions import problems_in_expression
from .model_upload import ModelUpload

HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "RULE ORDER", "COLLECT", *PRIORITY_POLICIES)


def check_dmn(upload: ModelUpload, filename: str, root: etree._Element) -> None:
    ns = {"dmn": etree.QName(root).namespace or ""}
    graph = decision_graph.requirements(root)
    for decision in root.iterfind("dmn:decision", ns):
        decision_id = decision.get("id", "")
        if decision_id in upload.decisions:
            upload.problem(filename, decision_id, "another decision of the upload has this id")
        upload.decisions.add(decision_id)
        try:
            decision_graph.order(decision_id, graph)
        except decision_graph.RequirementProblem as exc:
            upload.problem(filename, decision_id, str(exc))
        tables = decision.findall("dmn:decisionTable", ns)
        if len(tables) != 1:
            upload.problem(filename, decision_id, "a decision needs exactly one decision table "
                                                  "(literal expressions are not supported)")
            continue
        _check_table(upload, filename, decision_id, tables[0], ns)


def _check_table(upload: ModelUpload, filename: str, decision_id: str, table: etree._Element,
                 ns: dict[str, str]) -> None:
    policy = table.get("hitPolicy", "UNIQUE")
    aggregation = table.get("aggregation")
    if policy not in HIT_POLICIES:
        upload.problem(filename, decision_id, f"hit policy '{policy}' is not supported yet; "
                       f"use {', '.join(HIT_POLICIES)}")
    if aggregation and (policy != "COLLECT" or aggregation not in AGGREGATIONS):
        upload.problem(filename, decision_id, f"aggregation '{aggregation}' is not supported; "
                       f"COLLECT can aggregate with {', '.join(AGGREGATIONS)}")
    elif aggregation and len(table.findall("dmn:output", ns)) != 1:
        upload.problem(filename, decision_id, f"COLLECT {aggregation} needs exactly one "
                       "output column")
    values = _output_values(upload, filename, decision_id, table, ns)
    if policy in PRIORITY_POLICIES and not any(values.values()):
        upload.problem(filename, decision_id, f"hit policy {policy} orders the matching rules "
                       "by the output values of their output columns, but no output column "
                       "lists its output values (Camunda Modeler: the output column's "
                       "'Predefined values')")
    for column in table.iterfind("dmn:input", ns):
        text = column.findtext("dmn:inputExpression/dmn:text", "", ns).strip()
        if not text:
            label = column.get("label") or column.get("id")
            upload.problem(filename, decision_id, f"input column '{label}' has no input "
                           "expression (Camunda Modeler leaves it empty in a new table): "
                           "name the variable it tests")
        for message in problems_in_expression(text) if text else []:
            upload.problem(filename, decision_id, f"input expression '{text}': {message}")
    for rule in table.iterfind("dmn:rule", ns):
        rule_id = rule.get("id", decision_id)
        for entry in rule.iterfind("dmn:inputEntry/dmn:text", ns):
            _check_input_entry(upload, filename, rule_id, entry.text or "")
        for output, entry in zip(values, rule.iterfind("dmn:outputEntry/dmn:text", ns),
                                 strict=False):
            text = (entry.text or "").strip()
            for message in (problems_in_expression(text) if text else []):
                upload.problem(filename, rule_id, f"output entry '{text}': {message}")
            _check_listed(upload, filename, rule_id, text, output, values[output])


def _output_values(upload: ModelUpload, filename: str, decision_id: str,
                   table: etree._Element, ns: dict[str, str]) -> dict[str, tuple[object, ...]]:
    """Per output column (in order, by name or label), its readable output values."""
    values: dict[str, tuple[object, ...]] = {}
    for index, column in enumerate(table.iterfind("dmn:output", ns)):
        name = column.get("name") or column.get("label") or f"#{index + 1}"
        text = column.findtext("dmn:outputValues/dmn:text", "", ns)
        try:
            values[name] = output_values(text)
        except ValueError as exc:
            values[name] = ()
            upload.problem(filename, decision_id, f"output values '{text.strip()}' of output "
                           f"column '{name}': {exc}; list strings, numbers or true/false, "
                           'separated by commas ("hoog","laag")')
    return values


def _check_listed(upload: ModelUpload, filename: str, rule_id: str, text: str, column: str,
                  values: tuple[object, ...]) -> None:
    """A literal output entry must be one of its column's output values, if it has any."""
    if not values or not text:
        return
    try:
        literal = output_values(text)
    except ValueError:
        return  # an expression: checked when the rule gives it
    if len(literal) == 1 and literal[0] not in values:
        upload.problem(filename, rule_id, f"output entry '{text}' is not one of the output "
                       f"values of output column '{column}' ({', '.join(map(repr, values))})")


def _check_input_entry(upload: ModelUpload, filename: str, rule_id: str, text: str) -> None:
    """An input entry is a FEEL unary test (feel.py) that the engine runs as Python."""
    try:
        python = feel.entry_to_python(text)
    except feel.FeelError as exc:
        upload.problem(filename, rule_id, f"input entry '{text.strip()}': {exc}")
        return
    problems = sandbox.check_expression(python.replace(feel.INPUT, "invoer")) if python else []
    if problems:
        upload.problem(filename, rule_id, f"input entry '{text.strip()}' can't be read: "
                       f"{problems[0]}")
