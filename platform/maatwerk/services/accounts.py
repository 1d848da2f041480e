"""Local accounts, groups, passwords and API tokens."""
from __future__ import annotations

import hashlib
import secrets
from dataclasses import dataclass
from datetime import datetime, timedelta

from sqlalchemy import bindparam, select
from werkzeug.security import check_password_hash, generate_password_hash

from .. import config
from ..domain.audit import AuditEntry
from ..domain.principal import ROLES, Principal
from ..persistence.models import ApiToken, User, UserGroup, utcnow
from ..persistence.uow import UnitOfWork
from .errors import InvalidInput, NotFound, TooManyAttempts

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


LOGIN_WINDOW = timedelta(minutes=5)


def authenticate(uow: UnitOfWork, username: str, password: str, origin: str | None = None,
                 limit: int = 10) -> Principal | None:
    """The principal for a right password; a failure is recorded (and committed) either way.
    After `limit` wrong passwords for one account within LOGIN_WINDOW, from whatever
    addresses, even the right one is refused (TooManyAttempts) until the window has passed."""
    user = uow.session.scalar(select(User).where(User.username == username))
    now = utcnow()
    if user is not None and user.failed_since is not None and \
            now - user.failed_since >= LOGIN_WINDOW:
        user.failed_logins, user.failed_since = 0, None
    if user is not None and user.failed_logins >= limit and user.failed_since is not None:
        uow.record(AuditEntry(username[:80], "login_failed", result="refused", details={
            "origin": origin, "why": "too many wrong passwords for this account"}))
        uow.commit()
        wait = LOGIN_WINDOW - (now - user.failed_since)
        raise TooManyAttempts("Too many wrong passwords for this account; try again later.",
                              int(wait.total_seconds()) + 1)
    if user is None or not user.active:
        check_password_hash(_DUMMY_HASH, password)
        ok = False
    else:
        ok = check_password_hash(user.password_hash, password)
    if user is not None:
        user.failed_logins = 0 if ok else user.failed_logins + 1
        user.failed_since = None if ok else (user.failed_since or now)
    uow.record(AuditEntry(username[:80] or "?", "login" if ok else "login_failed",
                          result="ok" if ok else "refused", details={"origin": origin}))
    uow.commit()
    return principal_of(user) if ok and user is not None else None


def principal_by_username(uow: UnitOfWork, username: str) -> Principal | None:
    user = uow.session.scalar(select(User).where(User.username == username))
    return principal_of(user) if user is not None and user.active else None


def _token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def create_token(uow: UnitOfWork, username: str, actor: str = "systeem",
                 days: int | None = None) -> str:
    """A new API token for the user, valid for `days` (MAATWERK_TOKEN_DAYS when not given);
    only its hash is kept, so it is shown once."""
    days = config.token_days() if days is None else days
    if not 1 <= days <= config.MAX_TOKEN_DAYS:
        raise InvalidInput("A token is valid for 1 to 366 days.", {"days": "1 to 366"})
    user = uow.session.scalar(select(User).where(User.username == username))
    if user is None:
        raise NotFound(f"No user '{username}'.")
    token = "mw_" + secrets.token_urlsafe(32)
    expires = utcnow() + timedelta(days=days)
    row = ApiToken(user_id=user.id, token_hash=_token_digest(token), expires_at=expires)
    uow.session.add(row)
    uow.session.flush()
    uow.record(AuditEntry(actor, "token_created", details={
        "username": username, "token_id": row.id, "expires_at": expires.isoformat()}))
    uow.commit()
    return token


# one statement of plain columns, a row per group, built once (read on every request)
_TOKEN_USER = (
    select(User.username, User.display_name, User.roles, User.active, UserGroup.group_name)
    .join(ApiToken, ApiToken.user_id == User.id)
    .outerjoin(UserGroup, UserGroup.user_id == User.id)
    .where(ApiToken.token_hash == bindparam("digest"), ApiToken.revoked_at.is_(None),
           ApiToken.expires_at > bindparam("now")))


def principal_by_token(uow: UnitOfWork, token: str) -> Principal | None:
    """The token's user, while the token is neither expired nor revoked and the user active
    (read on every request: a revocation holds at once in every app process)."""
    rows = uow.database.read_alone(_TOKEN_USER, {"digest": _token_digest(token),
                                                 "now": utcnow()})
    if not rows or not rows[0].active:
        return None
    first = rows[0]
    return Principal(first.username, first.display_name,
                     frozenset(r for r in first.roles.split(",") if r),
                     frozenset(row.group_name for row in rows if row.group_name))


@dataclass(frozen=True)
class TokenInfo:
    id: int
    username: str
    created_at: datetime
    expires_at: datetime | None
    revoked_at: datetime | None

    def state(self, now: datetime) -> str:
        if self.revoked_at is not None:
            return "revoked"
        return "expired" if self.expires_at is None or self.expires_at <= now else "valid"


def list_tokens(uow: UnitOfWork, username: str | None = None) -> list[TokenInfo]:
    query = select(ApiToken.id, User.username, ApiToken.created_at, ApiToken.expires_at,
                   ApiToken.revoked_at).join(User, User.id == ApiToken.user_id) \
        .order_by(ApiToken.id)
    if username:
        query = query.where(User.username == username)
    return [TokenInfo(*row) for row in uow.session.execute(query)]


def revoke_token(uow: UnitOfWork, token_id: int, actor: str = "systeem") -> TokenInfo:
    row = uow.session.get(ApiToken, token_id)
    if row is None:
        raise NotFound(f"No token {token_id}.")
    if row.revoked_at is None:
        row.revoked_at, row.revoked_by = utcnow(), actor
        user = uow.session.get(User, row.user_id)
        uow.record(AuditEntry(actor, "token_revoked", details={
            "token_id": token_id, "username": user.username if user else None}))
        uow.commit()
    return next(t for t in list_tokens(uow) if t.id == token_id)




def display_names(uow: UnitOfWork) -> dict[str, str]:
    """Every account's display name by user name, for pages that name people (a small
    table, read at most once per page)."""
    return {row.username: row.display_name for row in uow.session.execute(
        select(User.username, User.display_name))}
