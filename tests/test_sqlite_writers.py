"""SQLite: writers (units of work that write) queue on a file lock beside the database, so a
waiting writer starts as soon as the one before it ends: after its commit, its rollback, or
an error in the middle of it."""
from __future__ import annotations

import fcntl
import os
import threading
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from maatwerk.persistence.database import Database


@pytest.fixture
def sqlite_db(tmp_path: Path) -> Iterator[Database]:
    database = Database(f"sqlite:///{tmp_path}/writers.db")
    with database.engine.begin() as conn:
        conn.execute(text("CREATE TABLE events (who TEXT, n INTEGER)"))
    yield database
    database.dispose()


def _writer(database: Database, who: str, log: list[str], go_on: threading.Event | None,
            fail: bool = False) -> None:
    session = database.writer()
    try:
        session.execute(text("INSERT INTO events VALUES (:w, 1)"), {"w": who})
        log.append(f"{who} in")
        if go_on is not None:
            go_on.wait(10)
        if fail:
            raise RuntimeError("the step failed")
        log.append(f"{who} commits")  # the next writer may start once the commit is done
        session.commit()
    except RuntimeError:
        log.append(f"{who} failed")  # the rollback (in close) lets the next one in
    finally:
        session.close()


@pytest.mark.parametrize("first_fails", [False, True])
def test_a_waiting_writer_follows_the_one_before_it(sqlite_db: Database,
                                                     first_fails: bool) -> None:
    log: list[str] = []
    release = threading.Event()
    first = threading.Thread(target=_writer, args=(sqlite_db, "a", log, release, first_fails))
    first.start()
    while "a in" not in log:
        first.join(0.01)
    second = threading.Thread(target=_writer, args=(sqlite_db, "b", log, None))
    second.start()
    second.join(0.3)
    assert log == ["a in"], "the second writer got in while the first one still wrote"
    release.set()
    first.join(10)
    second.join(10)
    assert not second.is_alive(), "the second writer never got the lock"
    assert log == ["a in", "a failed" if first_fails else "a commits", "b in", "b commits"]
    with sqlite_db.engine.connect() as conn:
        who = [r[0] for r in conn.execute(text("SELECT who FROM events ORDER BY rowid"))]
    assert who == (["b"] if first_fails else ["a", "b"])
    assert Path(str(sqlite_db.engine.url.database) + ".writers").exists()


def test_readers_do_not_wait_for_a_writer(sqlite_db: Database) -> None:
    log: list[str] = []
    release = threading.Event()
    writer = threading.Thread(target=_writer, args=(sqlite_db, "a", log, release))
    writer.start()
    while "a in" not in log:
        writer.join(0.01)
    reader = sqlite_db.reader()
    try:
        assert reader.execute(text("SELECT count(*) FROM events")).scalar() == 0
    finally:
        reader.close()
        release.set()
        writer.join(10)


def test_writers_of_other_processes_queue_on_the_lock_file(sqlite_db: Database) -> None:
    """Another process (a gunicorn worker, `maatwerk worker`) holding the lock file keeps
    this one's writer out until it lets go."""
    path = str(sqlite_db.engine.url.database) + ".writers"
    other = os.open(path, os.O_RDWR | os.O_CREAT)
    fcntl.flock(other, fcntl.LOCK_EX)
    log: list[str] = []
    writer = threading.Thread(target=_writer, args=(sqlite_db, "b", log, None))
    try:
        writer.start()
        writer.join(0.3)
        assert log == [], "the writer did not wait for the lock file"
    finally:
        fcntl.flock(other, fcntl.LOCK_UN)
        os.close(other)
    writer.join(10)
    assert log == ["b in", "b commits"]
