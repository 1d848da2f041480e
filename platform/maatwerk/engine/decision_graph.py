"""Decision requirements as Camunda 7 evaluates them: a .dmn file may hold several
decisions, and a decision may require others (`informationRequirement/requiredDecision`),
whose outputs are then its inputs. The engine reads one decision per file, so each decision
is given to it as a file of its own; the business rule task evaluates the required
decisions first (decisions.py), dependencies before the decisions that need them.
"""
from __future__ import annotations

import copy

from lxml import etree


class RequirementProblem(ValueError):
    """A requirement that can't be evaluated (for the upload's error list)."""


def _decisions(root: etree._Element) -> list[etree._Element]:
    return [child for child in root if isinstance(child.tag, str)
            and etree.QName(child).localname == "decision"]


def split(root: etree._Element) -> list[etree._Element]:
    """The file as one definitions element per decision (the engine reads the first)."""
    decisions = _decisions(root)
    if len(decisions) <= 1:
        return [root]
    parts = []
    for keep in decisions:
        part = copy.deepcopy(root)
        for decision in _decisions(part):
            if decision.get("id") != keep.get("id"):
                part.remove(decision)
        parts.append(part)
    return parts


def requirements(root: etree._Element) -> dict[str, list[str]]:
    """Each decision of the file, with the ids of the decisions it requires."""
    found = {}
    for decision in _decisions(root):
        required = []
        for node in decision.iter():
            if isinstance(node.tag, str) and etree.QName(node).localname == "requiredDecision":
                required.append((node.get("href") or "").lstrip("#"))
        found[decision.get("id") or ""] = required
    return found


def order(decision_id: str, graph: dict[str, list[str]]) -> list[str]:
    """The decisions `decision_id` requires, directly or not, each after the ones it needs;
    raises RequirementProblem for a decision that is not there, or a circle."""
    ordered: list[str] = []

    def visit(current: str, path: tuple[str, ...]) -> None:
        for required in graph.get(current, []):
            if required in path or required == decision_id:
                raise RequirementProblem(f"decision '{current}' requires '{required}', which "
                                         "requires it in turn")
            if required not in graph:
                raise RequirementProblem(f"decision '{current}' requires '{required}', which "
                                         "is not in the same file")
            if required not in ordered:
                visit(required, (*path, required))
                ordered.append(required)

    visit(decision_id, (decision_id,))
    return ordered
