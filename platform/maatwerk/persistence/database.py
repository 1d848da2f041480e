"""Engine and session set-up for SQLite (embedded default) and PostgreSQL."""
from __future__ import annotations

import fcntl
import os
import threading
import time
from collections.abc import Mapping, Sequence
from typing import Any

from sqlalchemy import Engine, Executable, Row, create_engine, event
from sqlalchemy.engine import ExceptionContext
from sqlalchemy.orm import Session, sessionmaker

from .. import config
from .waits import DatabaseBusy, Timeouts, busy_error, caller_of_the_write

__all__ = ["Database", "DatabaseBusy", "Timeouts", "make_engine"]


def make_engine(url: str, timeouts: Timeouts | None = None, **kwargs: Any) -> Engine:
    timeouts = timeouts or Timeouts()
    if url.startswith("sqlite"):
        engine = create_engine(url, connect_args={"timeout": timeouts.busy,
                                                  "check_same_thread": False}, **kwargs)
        _configure_sqlite(engine, timeouts)
        return engine
    # No ping before each checkout (a round trip per request): a connection the server
    # dropped fails its request once, and SQLAlchemy then replaces every pooled connection
    # (it invalidates the pool on a disconnect error); pool_recycle retires connections
    # before servers or firewalls drop idle ones.
    options: dict[str, Any] = {"pool_recycle": 1800}
    if "poolclass" not in kwargs:
        options.update(pool_size=10, max_overflow=10)
    engine = create_engine(url, connect_args={"options": timeouts.postgresql_options()},
                           **options, **kwargs)
    _configure_postgresql(engine, timeouts)
    return engine


def _configure_postgresql(engine: Engine, timeouts: Timeouts) -> None:
    """A lock or statement timeout becomes DatabaseBusy. With `name_holder` (tests), each
    transaction notes where in the code it began, by its server process id (known to the
    driver: no statement more), so the error can name the holder."""
    began_at: dict[int, str] = {}

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> DatabaseBusy | None:
        holder_of = (lambda: _postgresql_holders(engine, began_at)) \
            if timeouts.name_holder else None
        return busy_error(context, timeouts, holder_of)

    if timeouts.name_holder:
        @event.listens_for(engine, "begin")
        def _on_begin(connection: Any) -> None:
            pid = connection.connection.dbapi_connection.info.backend_pid
            began_at[pid] = caller_of_the_write()


def _postgresql_holders(engine: Engine, began_at: dict[int, str]) -> str:
    """The other sessions of this database with a transaction open and idle, by where they
    began (when this process began them) or their server process id."""
    raw = engine.raw_connection()
    try:
        cursor = raw.cursor()
        cursor.execute("SELECT pid FROM pg_stat_activity WHERE datname = current_database() "
                       "AND pid <> pg_backend_pid() AND state LIKE 'idle in transaction%'")
        found = [began_at.get(pid, f"server process {pid}") for (pid,) in cursor.fetchall()]
        raw.rollback()
    finally:
        raw.close()
    return "; ".join(found) or "an unknown place"


def _configure_sqlite(engine: Engine, timeouts: Timeouts) -> None:
    """Real transactions on SQLite: we issue BEGIN ourselves (pysqlite's own is lazy),
    IMMEDIATE for units of work that write, so two writers queue instead of deadlocking."""

    @event.listens_for(engine, "connect")
    def _on_connect(dbapi_connection: Any, _record: Any) -> None:
        dbapi_connection.isolation_level = None
        cursor = dbapi_connection.cursor()
        cursor.execute("PRAGMA journal_mode=WAL")
        cursor.execute("PRAGMA foreign_keys=ON")
        cursor.execute(f"PRAGMA busy_timeout={int(timeouts.busy * 1000)}")
        cursor.execute("PRAGMA synchronous=NORMAL")
        cursor.close()

    lock_path = _writer_lock_path(engine)

    @event.listens_for(engine, "handle_error")
    def _on_error(context: ExceptionContext) -> DatabaseBusy | None:
        return busy_error(context, timeouts)

    @event.listens_for(engine, "begin")
    def _on_begin(connection: Any) -> None:
        mode = connection.get_execution_options().get("sqlite_begin", "DEFERRED")
        if mode == "IMMEDIATE" and lock_path is not None:
            _take_writer_lock(connection.info, lock_path, timeouts)
        try:
            connection.exec_driver_sql(f"BEGIN {mode}")
        except BaseException:
            _release_writer_lock(connection.info)
            raise

    # Let go once the connection is back in the pool: after its COMMIT or ROLLBACK has run
    # (a session hands its connection back as its transaction ends), never before.
    @event.listens_for(engine.pool, "checkin")
    def _on_checkin(_dbapi_connection: Any, record: Any) -> None:
        if record is not None:
            _release_writer_lock(record.info)

    @event.listens_for(engine.pool, "close")
    def _on_close(_dbapi_connection: Any, record: Any) -> None:
        _release_writer_lock(record.info)
        if (handle := record.info.pop("writer_lock_file", None)) is not None:
            handle.close()


# Writers on SQLite queue on a file lock before BEGIN IMMEDIATE. SQLite's own wait for a
# busy database polls with growing sleeps (up to 100 ms each), so with several gunicorn
# workers one writer could sleep long after the other finished; this lock is polled every
# 2 ms at most, and given up after `Timeouts.busy` (DatabaseBusy). One open file per
# connection: flock() locks belong to the open file, so two threads' connections exclude
# each other too. The kernel drops the lock of a process that dies. With `name_holder`,
# the holder writes where it took the lock into the file, and the busy error names it.
def _writer_lock_path(engine: Engine) -> str | None:
    database = engine.url.database
    if not database or database == ":memory:" or database.startswith("file:"):
        return None
    return os.path.abspath(database) + ".writers"


class _ThreadHolds:
    holding = False


class _LockFile:
    """The lock file, open for one connection; closed with it (or when it is dropped)."""

    def __init__(self, path: str) -> None:
        self.fd: int | None = os.open(path, os.O_RDWR | os.O_CREAT, 0o600)

    def close(self) -> None:
        if self.fd is not None:
            os.close(self.fd)
            self.fd = None

    __del__ = close


_this_thread = threading.local()


def _take_writer_lock(info: dict[str, Any], path: str, timeouts: Timeouts) -> None:
    holds: _ThreadHolds = _this_thread.__dict__.setdefault("holds", _ThreadHolds())
    if holds.holding:
        # a second writer in a thread that already writes would wait for itself forever;
        # it is left to SQLite's busy timeout, as without the file lock
        return
    handle = info.get("writer_lock_file")
    if handle is None:
        handle = info["writer_lock_file"] = _LockFile(path)
    if handle.fd is None:  # closed with its connection: never the case while it is in use
        raise RuntimeError("the writer lock file of a live connection was closed")
    if not _flock_within(handle.fd, timeouts.busy):
        raise DatabaseBusy(timeouts.busy, _read_holder(handle.fd) if timeouts.name_holder
                           else None)
    if timeouts.name_holder:
        _write_holder(handle.fd)
    holds.holding = True
    info["writer_lock_holds"] = holds


_LONGEST_PAUSE = 0.002  # seconds between two tries: the most a writer starts late


def _flock_within(fd: int, seconds: float) -> bool:
    """The lock, or False once `seconds` have passed (flock() itself has no time limit)."""
    deadline = time.monotonic() + seconds
    pause = 0.0001
    while True:
        try:
            fcntl.flock(fd, fcntl.LOCK_EX | fcntl.LOCK_NB)
            return True
        except BlockingIOError:
            if time.monotonic() >= deadline:
                return False
        time.sleep(pause)
        pause = min(pause * 2, _LONGEST_PAUSE)


def _write_holder(fd: int) -> None:
    place = f"{caller_of_the_write()} (process {os.getpid()})".encode()
    os.ftruncate(fd, 0)
    os.pwrite(fd, place, 0)


def _read_holder(fd: int) -> str:
    return os.pread(fd, 2000, 0).decode(errors="replace") or "an unknown place"


def _release_writer_lock(info: dict[str, Any]) -> None:
    holds: _ThreadHolds | None = info.pop("writer_lock_holds", None)
    if holds is not None:
        fcntl.flock(info["writer_lock_file"].fd, fcntl.LOCK_UN)
        holds.holding = False


class Database:
    """Owns the engine and hands out sessions for reading and for writing."""

    def __init__(self, url: str, timeouts: Timeouts | None = None,
                 audit_key: bytes | None = None) -> None:
        self.url = url
        self._audit_key = audit_key
        self.timeouts = timeouts or Timeouts()
        self.engine = make_engine(url, self.timeouts)
        self.is_sqlite = url.startswith("sqlite")
        writer = self.engine.execution_options(sqlite_begin="IMMEDIATE") if self.is_sqlite \
            else self.engine
        self._read = sessionmaker(self.engine, expire_on_commit=False)
        self._write = sessionmaker(writer, expire_on_commit=False)

    @property
    def audit_key(self) -> bytes:
        """The audit chain's key (config.audit_key when none was given)."""
        if self._audit_key is None:
            self._audit_key = config.audit_key()
        return self._audit_key

    def reader(self) -> Session:
        return self._read()

    def writer(self) -> Session:
        return self._write()

    def read_alone(self, statement: Executable, params: Mapping[str, Any]
                   ) -> Sequence[Row[Any]]:
        """The rows of one read that needs no transaction around it (one row that commits
        on its own, such as an API token): on PostgreSQL in autocommit, one round trip
        instead of BEGIN, the read and a ROLLBACK at the end of the request. (On SQLite,
        whose statements are calls into the library, in a transaction as every read.)"""
        with self.engine.connect() as connection:
            if not self.is_sqlite:
                connection = connection.execution_options(isolation_level="AUTOCOMMIT")
            return connection.execute(statement, params).all()

    def dispose(self) -> None:
        self.engine.dispose()
