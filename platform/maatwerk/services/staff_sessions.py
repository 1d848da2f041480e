"""Staff sessions kept in the database: signing out ends a session in every app process at
once, and so do its idle and absolute lifetimes; the browser's cookie only holds the
session's secret (signed by Flask), the database its hash."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import timedelta

from sqlalchemy import select, update

from ..domain.audit import AuditEntry
from ..domain.principal import Principal
from ..persistence.models import StaffSession, User, utcnow
from ..persistence.uow import UnitOfWork
from .accounts import principal_of

TOUCH_EVERY = timedelta(minutes=1)  # last_seen_at is written at most this often


@dataclass(frozen=True)
class Lifetimes:
    idle: timedelta
    absolute: timedelta


@dataclass(frozen=True)
class Found:
    principal: Principal
    stale: bool  # last seen more than TOUCH_EVERY ago: write `touch` for it


def _digest(secret: str) -> str:
    return hashlib.sha256(secret.encode()).hexdigest()


def begin(uow: UnitOfWork, username: str) -> str:
    """A new session for a user who just signed in (the sign-in is on record already);
    returns the secret for the cookie."""
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise LookupError(username)
    secret, now = secrets.token_urlsafe(32), utcnow()
    uow.session.add(StaffSession(id=_digest(secret), user_id=user.id, created_at=now,
                                 last_seen_at=now))
    uow.commit()
    return secret


def current(uow: UnitOfWork, secret: str, lifetimes: Lifetimes) -> Found | None:
    """The session's user, while it is neither ended nor past a lifetime, and active."""
    now = utcnow()
    row = uow.session.execute(
        select(StaffSession.created_at, StaffSession.last_seen_at, User)
        .join(User, User.id == StaffSession.user_id)
        .where(StaffSession.id == _digest(secret), StaffSession.ended_at.is_(None))).first()
    if row is None:
        return None
    created, seen, user = row
    if not user.active or now - seen > lifetimes.idle or now - created > lifetimes.absolute:
        return None
    return Found(principal_of(user), now - seen > TOUCH_EVERY)


def touch(uow: UnitOfWork, secret: str) -> None:
    uow.session.execute(update(StaffSession).where(
        StaffSession.id == _digest(secret), StaffSession.ended_at.is_(None))
        .values(last_seen_at=utcnow()))
    uow.commit()


def end(uow: UnitOfWork, secret: str) -> None:
    """Sign out: the session ends here, so a copy of its cookie no longer opens anything."""
    row = uow.session.execute(
        select(StaffSession, User.username).join(User, User.id == StaffSession.user_id)
        .where(StaffSession.id == _digest(secret))).first()
    if row is None or row[0].ended_at is not None:
        return
    row[0].ended_at = utcnow()
    uow.record(AuditEntry(row[1], "logout"))
    uow.commit()
