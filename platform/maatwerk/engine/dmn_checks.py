"""The checks of an upload's DMN decisions: one decision table each, hit policies the
engine has, input expressions, FEEL input entries (feel.py) and output entries.

Every problem is collected on the :class:`ModelUpload`; nothing stops at the first one.
"""
from __future__ import annotations

from lxml import etree

from . import decision_graph, feel, sandbox
from .decisions import AGGREGATIONS
from .expressions import problems_in_expression
from .model_upload import ModelUpload

HIT_POLICIES = ("UNIQUE", "FIRST", "ANY", "RULE ORDER", "COLLECT")


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
        for entry in rule.iterfind("dmn:outputEntry/dmn:text", ns):
            text = (entry.text or "").strip()
            for message in (problems_in_expression(text) if text else []):
                upload.problem(filename, rule_id, f"output entry '{text}': {message}")


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
