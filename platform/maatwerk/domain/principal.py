"""Who is acting: a signed-in user with roles and groups, or a resident with a private link."""
from __future__ import annotations

from dataclasses import dataclass, field

# worker: a system whose groups name what it may do, and nothing else: the topics of the
# external tasks it fetches and completes, the messages it sends and the processes whose
# cases it starts and reads (services/worker_access.py)
ROLES = ("admin", "designer", "caseworker", "teamlead", "clerk", "worker")
RESIDENT_GROUP = "inwoner"
ANY_CASEWORKER = "role:caseworker"
WORKER_ROLES = frozenset({"caseworker", "teamlead", "admin"})


@dataclass(frozen=True)
class Principal:
    username: str
    display_name: str = ""
    roles: frozenset[str] = field(default_factory=frozenset)
    groups: frozenset[str] = field(default_factory=frozenset)

    def has_role(self, *roles: str) -> bool:
        return "admin" in self.roles or any(role in self.roles for role in roles)

    @property
    def works_tasks(self) -> bool:
        return bool(self.roles & WORKER_ROLES)

    def task_principals(self) -> list[str]:
        """The candidate entries that make a task visible to this person."""
        found = [f"user:{self.username}"] + [f"group:{g}" for g in sorted(self.groups)]
        if self.works_tasks:
            found.append(ANY_CASEWORKER)
        return found

    def may_see_task(self, candidates: set[str], assignee: str | None) -> bool:
        if "admin" in self.roles:
            return True
        if assignee == self.username:
            return True
        return bool(candidates & set(self.task_principals()))


SYSTEM = Principal("systeem", "Maatwerk (automatisch)", frozenset({"admin"}))
RESIDENT = Principal("inwoner", "Inwoner", frozenset(), frozenset({RESIDENT_GROUP}))
