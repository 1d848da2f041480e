"""Unit of work: one transaction per request or command; rolled back unless committed."""
from __future__ import annotations

from types import TracebackType

from sqlalchemy import event
from sqlalchemy.orm import Session

from ..domain.audit import AuditEntry
from . import audit_log
from .database import Database
from .models import Task


class UnitOfWork:
    """`with uow: ...; uow.commit()` — everything done inside commits together or not at all."""

    def __init__(self, database: Database, *, readonly: bool = False) -> None:
        self.database = database
        self.readonly = readonly
        self._session: Session | None = None
        self._audit: list[AuditEntry] = []
        # Case id -> every open task row of that case, as loaded under the case lock and
        # kept up to date by the step (and by `_note_new_tasks` for rows added later): the
        # case's open tasks can then be listed again without a query.
        self.open_rows_known: dict[int, list[Task]] = {}

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
        self._session.info["open_rows_known"] = self.open_rows_known
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
            self.open_rows_known.clear()

    def commit(self) -> None:
        if self.readonly:
            raise RuntimeError("a read-only unit of work cannot commit")
        audit_log.append(self.session, self._audit)
        self._audit = []
        self.session.commit()

    def record(self, entry: AuditEntry) -> None:
        """Queue an audit event; it is chained and written in this unit's commit."""
        self._audit.append(entry)

    def rollback(self) -> None:
        self._audit = []
        self.open_rows_known.clear()
        self.session.rollback()


@event.listens_for(Session, "before_flush")
def _note_new_tasks(session: Session, _context: object, _instances: object) -> None:
    """A task row added to a case whose open rows are known joins them."""
    known: dict[int, list[Task]] | None = session.info.get("open_rows_known")
    if not known:
        return
    for obj in session.new:
        if isinstance(obj, Task) and obj.case_id in known and obj not in known[obj.case_id]:
            known[obj.case_id].append(obj)
