"""What a worker account (another system) may do: what its groups name (topics, message
names, process keys). An admin may do all of it; a person's account none."""
from __future__ import annotations

from ..domain.principal import Principal
from .errors import Forbidden


def require(actor: Principal, names: list[str], doing: str) -> None:
    """Refuse unless `actor` is a worker account (or an admin) whose groups name all of
    `names`; `doing` says what, as in 'work on the topic(s)'."""
    if not actor.has_role("worker"):
        raise Forbidden("Only worker accounts (other systems) may do this.")
    if "admin" in actor.roles:
        return
    refused = [name for name in names if name not in actor.groups]
    if refused:
        raise Forbidden(f"This worker may not {doing} {', '.join(refused)}.")
