"""Bounded waits: how long a change may wait for the database, and the error it gets when
another change holds the database (or a row it needs) for longer than that.

No wait is without a bound. A unit of work that is never let go (a leaked session, a
stuck process) makes the next writer fail within `Timeouts.busy` with `DatabaseBusy`,
and nothing of that writer is written; it never hangs.
"""
from __future__ import annotations

import sys
from dataclasses import dataclass
from typing import Any

from sqlalchemy.engine import ExceptionContext


@dataclass(frozen=True)
class Timeouts:
    """Seconds. `busy`: the longest a change waits for another one to let go (SQLite: the
    writer lock and SQLite's busy timeout; PostgreSQL: `lock_timeout`). `statement` and
    `idle_in_transaction`: PostgreSQL's bounds on one statement and on a transaction that
    waits for its client. `name_holder` (tests): the busy error says where the change
    that holds the database took it, at a small cost per write."""

    busy: float = 15.0
    statement: float = 60.0
    idle_in_transaction: float = 60.0
    name_holder: bool = False

    def __post_init__(self) -> None:
        for name in ("busy", "statement", "idle_in_transaction"):
            if not 0 < getattr(self, name) <= 24 * 3600:
                raise ValueError(f"the {name} timeout must be more than 0 and at most a day")
        if self.busy >= self.statement:
            raise ValueError("the busy timeout must be shorter than the statement timeout")

    def postgresql_options(self) -> str:
        """The session settings, as libpq's `options` connection parameter."""
        return " ".join(f"-c {name}={int(seconds * 1000)}" for name, seconds in (
            ("lock_timeout", self.busy), ("statement_timeout", self.statement),
            ("idle_in_transaction_session_timeout", self.idle_in_transaction)))


class DatabaseBusy(RuntimeError):
    """Another change held the database (or a row this change needs) for longer than the
    bound; nothing of this change was written. Trying again a little later is safe."""

    retry_after = 5  # seconds, for the HTTP Retry-After header

    def __init__(self, waited: float, holder: str | None = None,
                 what: str = "another change has held it") -> None:
        self.waited = waited
        self.holder = holder
        # what a client is told: without the holder's place in our code
        self.summary = (f"The database is busy: {what} for more than {waited:g} s; nothing "
                        "was changed. Try again in a moment.")
        super().__init__(self.summary + (f" It was taken at {holder}." if holder else ""))


_PLUMBING = ("/sqlalchemy/", "/maatwerk/persistence/", "/maatwerk/services/unit_of_work",
             "/contextlib.py")


def _plumbing(filename: str) -> bool:
    return filename.startswith("<") or any(part in filename for part in _PLUMBING)


def caller_of_the_write() -> str:
    """Where a change took the database: the first frame outside SQLAlchemy and the
    persistence layer (e.g. a service function, or a test that holds it)."""
    frame = sys._getframe(1)
    while frame is not None and _plumbing(frame.f_code.co_filename):
        frame = frame.f_back  # type: ignore[assignment]
    if frame is None:
        return "an unknown place"
    code = frame.f_code
    return f"{code.co_filename}:{frame.f_lineno} in {code.co_name}"


def busy_error(context: ExceptionContext, timeouts: Timeouts,
               holder_of: Any = None) -> DatabaseBusy | None:
    """The driver's own 'waited too long' errors as DatabaseBusy (SQLAlchemy's handle_error
    event raises what this returns); None leaves any other error as it is."""
    error = context.original_exception
    sqlstate = getattr(error, "sqlstate", None)
    if sqlstate == "55P03":  # lock_not_available: lock_timeout passed
        return DatabaseBusy(timeouts.busy, holder_of() if holder_of else None,
                            "another change has held what this one needs")
    if sqlstate == "57014" and "statement timeout" in str(error):
        return DatabaseBusy(timeouts.statement, None, "a statement has run")
    if type(error).__module__ == "sqlite3" and "database is locked" in str(error):
        return DatabaseBusy(timeouts.busy, holder_of() if holder_of else None)
    return None
