"""Who may do a task: the active caseworkers and team leads among its candidates (the
members of its candidate groups and the users it names), for handing it over."""
from __future__ import annotations

from sqlalchemy import ColumnElement, or_, select, true
from sqlalchemy.orm import Session

from .models import User, UserGroup

STAFF_ROLES = {"caseworker", "teamlead"}


def who_may_do(session: Session, principals: list[str]) -> list[tuple[str, str]]:
    """(username, display name) of the active staff a task with these candidate principals
    (`group:x`, `user:y`) may go to, by display name."""
    groups = [p.removeprefix("group:") for p in principals if p.startswith("group:")]
    users = [p.removeprefix("user:") for p in principals if p.startswith("user:")]
    if not groups and not users:
        return []
    return _staff(session, or_(User.username.in_(users), User.id.in_(
        select(UserGroup.user_id).where(UserGroup.group_name.in_(groups)))))


def all_staff(session: Session) -> list[tuple[str, str]]:
    """(username, display name) of every active caseworker and team lead, by name."""
    return _staff(session, true())


def _staff(session: Session, which: ColumnElement[bool]) -> list[tuple[str, str]]:
    """(username, display name) of the active caseworkers and team leads among `which`."""
    rows = session.execute(select(User.username, User.display_name, User.roles)
                           .where(User.active, which).order_by(User.display_name, User.username))
    return [(row.username, row.display_name) for row in rows
            if STAFF_ROLES & set(row.roles.split(","))]


def staff_groups(session: Session) -> list[str]:
    """The groups that have members, by name."""
    return list(session.scalars(select(UserGroup.group_name).distinct()
                                .order_by(UserGroup.group_name)))
