"""Four eyes that are really two people: the designer's `maatwerk:separateFrom` on a user
task names the steps whose doers may not do this one (e.g. the check of a decision may not
be done by whoever prepared or changed that decision)."""
from __future__ import annotations

from collections.abc import Mapping

SEPARATE_FROM = "maatwerk:separateFrom"
PEOPLE_TASKS = frozenset({"userTask", "manualTask"})


def separated_from(properties: Mapping[str, str]) -> list[str]:
    """The element ids the property names (comma or semicolon separated), in order."""
    value = properties.get(SEPARATE_FROM) or ""
    return list(dict.fromkeys(p.strip() for p in value.replace(";", ",").split(",")
                              if p.strip()))


def refusal(element_id: str, done: Mapping[str, str]) -> str:
    """Why this person may not work on the task: the steps of the case they did."""
    steps = ", ".join(done.values())
    return (f"Four eyes: you did {steps} in this case, so someone else must do this step "
            f"({SEPARATE_FROM} on {element_id}).")
