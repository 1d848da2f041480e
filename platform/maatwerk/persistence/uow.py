"""Unit of work: one transaction per request or command; rolled back unless committed."""
from __future__ import annotations

from types import TracebackType

from sqlalchemy.orm import Session

from ..domain.audit import AuditEntry
from . import audit_log
from .database import Database


class UnitOfWork:
    """`with uow: ...; uow.commit()` — everything done inside commits together or not at all."""

    def __init__(self, database: Database, *, readonly: bool = False) -> None:
        self.database = database
        self.readonly = readonly
        self._session: Session | None = None
        self._audit: list[AuditEntry] = []
        self._head: audit_log.Head | None = None  # the audit head, when locked already

    @property
    def session(self) -> Session:
        if self._session is None:
            raise RuntimeError("unit of work used outside its 'with' block")
        return self._session

    @property
    def is_postgresql(self) -> bool:
        return not self.database.is_sqlite

    def __enter__(self) -> UnitOfWork:
        if self._session is not None:
            raise RuntimeError("unit of work is already open")
        self._session = self.database.reader() if self.readonly else self.database.writer()
        return self

    def __exit__(self, exc_type: type[BaseException] | None, exc: BaseException | None,
                 tb: TracebackType | None) -> None:
        session = self.session
        try:
            session.rollback()
        finally:
            session.close()
            self._session = None
            self._audit = []
            self._head = None

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        audit_log.append(self.session, self._audit, self.database.audit_key, self._head)
        self._audit, self._head = [], None
        self.session.commit()

    def new_snapshot(self) -> None:
        """A read-only unit: end its transaction, so the next read sees everything committed
        up to then (SQLite reads from the snapshot its transaction began with)."""
        if not self.readonly:
            raise RuntimeError("only a read-only unit of work takes a new snapshot")
        self.session.rollback()

    def record(self, entry: AuditEntry) -> None:
        """Queue an audit event; it is chained and written in this unit's commit."""
        self._audit.append(entry)

    def head_locked(self, head: audit_log.Head | None) -> None:
        """This transaction has locked the audit head (with a step's row writes): the commit
        chains its events from it without locking it again."""
        self._head = head

    def rollback(self) -> None:
        self._audit, self._head = [], None
        self.session.rollback()

