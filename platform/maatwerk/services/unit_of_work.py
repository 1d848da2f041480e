"""The database and its units of work, for the callers above the services (the web layer).

The web layer begins one unit of work per request (one for reading, one for writing), hands
it to the services and ends it when the request ends; it never touches the persistence
layer itself. ``Database`` and ``UnitOfWork`` are re-exported so that it can name them.
"""
from __future__ import annotations

from ..config import Settings
from ..persistence.database import Database, Timeouts
from ..persistence.uow import UnitOfWork

__all__ = ["Database", "UnitOfWork", "begin", "end", "open_database"]


def open_database(settings: Settings) -> Database:
    """The database the settings name, with their bounds on every wait; connections are
    made when first needed. Under test, a busy error names where the holder began."""
    return Database(settings.database_url, Timeouts(
        busy=settings.db_busy_timeout, statement=settings.db_statement_timeout,
        idle_in_transaction=settings.db_idle_timeout, name_holder=settings.testing),
        audit_key=settings.audit_key)


def begin(database: Database, *, readonly: bool = False) -> UnitOfWork:
    """An open unit of work (a read-only one cannot commit); close it with `end`."""
    unit = UnitOfWork(database, readonly=readonly)
    unit.__enter__()
    return unit


def end(unit: UnitOfWork) -> None:
    """Close an open unit of work, rolling back whatever it did not commit."""
    unit.__exit__(None, None, None)
