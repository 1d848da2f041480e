"""Per-request plumbing: the unit of work, the signed-in person, the bearer token."""
from __future__ import annotations

from collections.abc import Callable
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for

from ..domain.principal import Principal
from ..persistence.database import Database
from ..persistence.uow import UnitOfWork
from ..services import accounts

F = TypeVar("F", bound=Callable[..., Any])


def database() -> Database:
    db: Database = current_app.extensions["maatwerk.db"]
    return db


def uow(readonly: bool = False) -> UnitOfWork:
    """This request's unit of work (one for reading, one for writing); closed at its end."""
    units: dict[bool, UnitOfWork] = g.setdefault("units", {})
    if readonly not in units:
        unit = UnitOfWork(database(), readonly=readonly)
        unit.__enter__()
        units[readonly] = unit
    return units[readonly]


def close_units(_exc: BaseException | None = None) -> None:
    for unit in g.pop("units", {}).values():
        unit.__exit__(None, None, None)


def current_principal() -> Principal | None:
    if "principal" in g:
        found: Principal | None = g.principal
        return found
    principal = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        principal = accounts.principal_by_token(uow(readonly=True), header[7:].strip())
    elif username := session.get("username"):
        principal = accounts.principal_by_username(uow(readonly=True), username)
    g.principal = principal
    return principal


def login_required(*roles: str) -> Callable[[F], F]:
    """Pages: send anonymous people to the login page; refuse the wrong role with 403."""

    def decorator(view: F) -> F:
        @wraps(view)
        def wrapped(*args: Any, **kwargs: Any) -> Any:
            principal = current_principal()
            if principal is None:
                return redirect(url_for("auth.login", next=request.full_path))
            if roles and not principal.has_role(*roles):
                abort(403)
            return view(*args, **kwargs)
        return wrapped  # type: ignore[return-value]
    return decorator


def me() -> Principal:
    principal = current_principal()
    if principal is None:
        abort(401)
    return principal
