"""Local accounts, groups, passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets

from sqlalchemy import select
from werkzeug.security import check_password_hash, generate_password_hash

from ..domain.audit import AuditEntry
from ..domain.principal import ROLES, Principal
from ..persistence.models import ApiToken, User, UserGroup
from ..persistence.uow import UnitOfWork
from .errors import InvalidInput, NotFound

# werkzeug's default (scrypt); the test suite lowers the cost to stay fast
PASSWORD_METHOD = "scrypt"  # noqa: S105 - a hash method, not a password
# A hash to compare against when the user does not exist, so timing does not tell.
_DUMMY_HASH = generate_password_hash("not-a-real-password")


def principal_of(user: User) -> Principal:
    return Principal(user.username, user.display_name,
                     frozenset(r for r in user.roles.split(",") if r),
                     frozenset(g.group_name for g in user.groups))


def create_user(uow: UnitOfWork, username: str, roles: list[str], groups: list[str],
                password: str, display_name: str | None = None, actor: str = "systeem") -> User:
    errors = {}
    if not username or len(username) > 80 or not username.replace(".", "").replace(
            "-", "").replace("_", "").isalnum():
        errors["username"] = "Use letters, digits, '.', '-' or '_' (at most 80)."
    unknown = [r for r in roles if r not in ROLES]
    if not roles or unknown:
        errors["role"] = f"Choose one or more of: {', '.join(ROLES)}."
    if len(password) < 8:
        errors["password"] = "The password must be at least 8 characters."  # noqa: S105
    if errors:
        raise InvalidInput("The account can't be created.", errors)
    if uow.session.scalar(select(User).where(User.username == username)):
        raise InvalidInput("The account can't be created.",
                           {"username": f"'{username}' already exists."})
    user = User(username=username, display_name=display_name or username,
                password_hash=generate_password_hash(password, PASSWORD_METHOD),
                roles=",".join(roles))
    user.groups = [UserGroup(group_name=g) for g in dict.fromkeys(groups)]
    uow.session.add(user)
    uow.session.flush()
    uow.record(AuditEntry(actor, "user_created", details={
        "username": username, "roles": roles, "groups": groups}))
    uow.commit()
    return user


def authenticate(uow: UnitOfWork, username: str, password: str,
                 origin: str | None = None) -> Principal | None:
    """The principal for a right password; a failure is recorded (and committed) either way."""
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password)
    uow.record(AuditEntry(username[:80] or "?", "login" if ok else "login_failed",
                          result="ok" if ok else "refused", details={"origin": origin}))
    uow.commit()
    return principal_of(user) if ok and user is not None else None


def principal_by_username(uow: UnitOfWork, username: str) -> Principal | None:
    user = uow.session.scalar(select(User).where(User.username == username))
    return principal_of(user) if user is not None and user.active else None


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(uow: UnitOfWork, username: str, actor: str = "systeem") -> str:
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user '{username}'.")
    token = "mw_" + secrets.token_urlsafe(32)
    uow.session.add(ApiToken(user_id=user.id, token_hash=_token_digest(token)))
    uow.record(AuditEntry(actor, "token_created", details={"username": username}))
    uow.commit()
    return token


def principal_by_token(uow: UnitOfWork, token: str) -> Principal | None:
    row = uow.session.execute(
        select(User).join(ApiToken, ApiToken.user_id == User.id)
        .where(ApiToken.token_hash == _token_digest(token))).unique().scalar_one_or_none()
    return principal_of(row) if row is not None and row.active else None


