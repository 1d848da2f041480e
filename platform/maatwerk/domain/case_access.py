"""Which groups work on a process, so that a caseworker sees the cases of the processes
their groups work on and not every case of the municipality (need to know)."""
from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from .principal import RESIDENT_GROUP

CASE_GROUPS = "maatwerk:caseGroups"  # a process property: the groups that see its cases
PEOPLE_TASKS = frozenset({"userTask", "manualTask"})


def working_groups(elements: Mapping[str, Any], properties: Mapping[str, Any]
                   ) -> frozenset[str] | None:
    """The groups whose caseworkers see the process's cases: the process property
    maatwerk:caseGroups when given, else every candidate group of its user tasks. None:
    every caseworker (a task that names no group, user or assignee is anyone's work, and
    so is a process that names no staff group at all). A group given as an expression is
    left to the case's own tasks (whose groups are known)."""
    if explicit := str(properties.get(CASE_GROUPS) or "").strip():
        return frozenset(g.strip() for g in explicit.replace(";", ",").split(",") if g.strip())
    found: set[str] = set()
    for facts in elements.values():
        if facts.get("type") not in PEOPLE_TASKS:
            continue
        groups = facts.get("candidate_groups") or []
        if not (groups or facts.get("candidate_users") or facts.get("assignee")):
            return None
        found.update(g for g in groups if "{" not in g and g != RESIDENT_GROUP)
    return frozenset(found) or None  # no staff group named anywhere: nobody's in particular
