"""Per-request plumbing: the unit of work, the signed-in person, the bearer token."""
from __future__ import annotations

import base64
from collections.abc import Callable
from datetime import timedelta
from functools import wraps
from typing import Any, TypeVar

from flask import abort, current_app, g, redirect, request, session, url_for

from ..domain.principal import Principal
from ..services import accounts, staff_sessions, unit_of_work
from ..services.unit_of_work import Database, UnitOfWork

F = TypeVar("F", bound=Callable[..., Any])


def database() -> Database:
    db: Database = current_app.extensions["maatwerk.db"]
    return db


def uow(readonly: bool = False) -> UnitOfWork:
    """This request's unit of work (one for reading, one for writing); closed at its end."""
    units: dict[bool, UnitOfWork] = g.setdefault("units", {})
    if readonly not in units:
        units[readonly] = unit_of_work.begin(database(), readonly=readonly)
    return units[readonly]


def uow_after_write() -> UnitOfWork:
    """The read unit of work, seeing what this request's writes committed: for the answer
    after a change (a read transaction; a second write transaction would, on SQLite, queue
    behind every other writer just to read)."""
    unit = uow(readonly=True)
    unit.new_snapshot()
    return unit


def close_units(_exc: BaseException | None = None) -> None:
    for unit in g.pop("units", {}).values():
        unit_of_work.end(unit)


def _principal_for_token(token: str) -> Principal | None:
    """Looked up on every request (no cache per process): a revoked or expired token, or a
    deactivated account, stops working at once in every app process."""
    return accounts.principal_by_token(uow(readonly=True), token)


def _principal_for_basic(encoded: str) -> Principal | None:
    """HTTP Basic as the Camunda clients send it: the user name, and the token as the
    password; both must belong to one account."""
    try:
        username, _, token = base64.b64decode(encoded, validate=True).decode().partition(":")
    except (ValueError, UnicodeDecodeError):
        return None
    principal = _principal_for_token(token) if token else None
    return principal if principal is not None and principal.username == username else None


def _principal_for_session(secret: str) -> Principal | None:
    """The session's user while it lives (server side: staff_sessions), noting the visit
    at most once a minute."""
    settings = current_app.extensions["maatwerk.settings"]
    found = staff_sessions.current(uow(readonly=True), secret, staff_sessions.Lifetimes(
        timedelta(minutes=settings.session_idle_minutes), timedelta(hours=settings.session_hours)))
    if found is None:
        session.clear()  # ended or expired: the cookie is of no more use
        return None
    if found.stale:
        staff_sessions.touch(uow(), secret)
    return found.principal


def current_principal() -> Principal | None:
    if "principal" in g:
        found: Principal | None = g.principal
        return found
    principal = None
    header = request.headers.get("Authorization", "")
    if header.startswith("Bearer "):
        principal = _principal_for_token(header[7:].strip())
    elif header.startswith("Basic ") and request.blueprint == "engine_rest":
        principal = _principal_for_basic(header[6:].strip())
    # the API has no CSRF check, so a browser's session cookie is no key to it
    elif request.blueprint not in ("api", "engine_rest") and (secret := session.get("sid")):
        principal = _principal_for_session(secret)
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
