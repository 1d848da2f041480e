"""People by their names on the pages: the `person` filter shows an account's display name
("Kim Konings") where a page would show its user name ("consulent2"); names are read once
per request. A name that is no account (the system, the resident) stays as it is."""
from __future__ import annotations

from flask import g

from ..services import accounts
from .context import uow


def person(username: str | None) -> str:
    if not username:
        return ""
    names: dict[str, str] | None = g.get("people")
    if names is None:
        names = g.people = accounts.display_names(uow(readonly=True))
    return names.get(username, username)
