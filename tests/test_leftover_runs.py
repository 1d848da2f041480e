"""Leftovers never hang the next run: `make test` stopped with Ctrl-C stops its PostgreSQL
server, and after a `kill -9` (which no trap sees) the next run goes green: it reuses the
server left going, or starts afresh when that server died too. The throw-away server is the
real one (`scripts/with-test-postgres`, which `make test` and `make bench` run), in a
directory of its own, on a port of its own; a killed SQLite writer's lock goes with it.

The PostgreSQL part runs in the SQLite pass of `make test` (it starts servers of its own
and needs no test database)."""
from __future__ import annotations

import os
import shutil
import signal
import subprocess
import sys
import textwrap
from collections.abc import Iterator
from pathlib import Path

import pytest
from sqlalchemy import text

from maatwerk.bench.http_runs import free_port
from maatwerk.persistence.database import Database, Timeouts
from processes import ROOT, wait_for

SCRIPTS = ROOT / "scripts"
PG_PASS = bool(os.environ.get("MAATWERK_TEST_DATABASE_URL"))
needs_server = pytest.mark.skipif(
    PG_PASS or not (shutil.which("pg_config") or list(Path("/usr/lib/postgresql").glob("*/bin"))),
    reason="runs in the SQLite pass, where the PostgreSQL server binaries are installed")

# What a test run does in these tests: connect, leave a table behind, say where, and wait.
HOLDER = textwrap.dedent("""
    import os, sys, time
    import psycopg
    url = os.environ["URL"].replace("postgresql+psycopg://", "postgresql://")
    with psycopg.connect(url, autocommit=True) as conn:
        conn.execute("CREATE TABLE leftover (n int)")
        conn.execute("INSERT INTO leftover VALUES (1)")
    open(sys.argv[1], "w").write(url)
    time.sleep(300)
""")

# What the next run does first: the suite's own fresh schema (conftest's `recreate`).
NEXT_RUN = textwrap.dedent("""
    import os
    from sqlalchemy import inspect
    from maatwerk.persistence.database import Database
    from maatwerk.persistence.migrate import recreate
    url = os.environ["URL"]
    recreate(url)
    db = Database(url)
    tables = set(inspect(db.engine).get_table_names())
    db.dispose()
    assert "leftover" not in tables and "cases" in tables, tables
""")


@pytest.fixture
def pg_env(tmp_path: Path) -> Iterator[dict[str, str]]:
    env = dict(os.environ, MAATWERK_TEST_PG_DIR=str(tmp_path / "pg"), PGPORT=str(free_port()))
    env.pop("MAATWERK_TEST_DATABASE_URL", None)
    yield env
    subprocess.run([SCRIPTS / "test-postgres", "stop"], env=env, capture_output=True,
                   timeout=120)


def wrapped(env: dict[str, str], *command: str, log: Path) -> subprocess.Popen[bytes]:
    """`scripts/with-test-postgres URL command...` in a process group of its own, as
    `make test` runs in a terminal (Ctrl-C signals the whole group)."""
    with log.open("wb") as out:
        return subprocess.Popen([str(SCRIPTS / "with-test-postgres"), "URL", *command],
                                env=env, cwd=ROOT, stdout=out, stderr=subprocess.STDOUT,
                                start_new_session=True)


def holding_run(env: dict[str, str], tmp_path: Path) -> tuple[subprocess.Popen[bytes], str]:
    said = tmp_path / "url"
    run = wrapped(env, sys.executable, "-c", HOLDER, str(said), log=tmp_path / "first.log")
    wait_for(lambda: (said.exists() and said.read_text()) or run.poll() is not None, 180,
             "the first run to connect")
    assert run.poll() is None, (tmp_path / "first.log").read_text()
    return run, said.read_text()


def server_running(env: dict[str, str]) -> bool:
    status = subprocess.run([SCRIPTS / "test-postgres", "status"], env=env,
                            capture_output=True, timeout=60)
    return status.returncode == 0


def connects(url: str) -> bool:
    import psycopg
    try:
        psycopg.connect(url, connect_timeout=5).close()
        return True
    except psycopg.OperationalError:
        return False


def next_run_is_green(env: dict[str, str], tmp_path: Path) -> None:
    log = tmp_path / "next.log"
    run = wrapped(env, sys.executable, "-c", NEXT_RUN, log=log)
    assert run.wait(timeout=300) == 0, log.read_text()
    assert not server_running(env), "the next run stops its server when it ends"


@needs_server
def test_ctrl_c_stops_the_server_and_removes_its_data(pg_env: dict[str, str],
                                                      tmp_path: Path) -> None:
    run, url = holding_run(pg_env, tmp_path)
    os.killpg(run.pid, signal.SIGINT)
    assert run.wait(timeout=120) == 130
    assert not server_running(pg_env)
    assert not connects(url)
    assert not (tmp_path / "pg" / "state").exists()


@needs_server
def test_after_kill_9_the_next_run_reuses_the_server_left_going(pg_env: dict[str, str],
                                                                tmp_path: Path) -> None:
    run, url = holding_run(pg_env, tmp_path)
    os.killpg(run.pid, signal.SIGKILL)
    assert run.wait(timeout=30) == -signal.SIGKILL
    assert server_running(pg_env) and connects(url), "no trap runs after kill -9"
    next_run_is_green(pg_env, tmp_path)


@needs_server
def test_after_kill_9_of_run_and_server_the_next_run_starts_afresh(pg_env: dict[str, str],
                                                                   tmp_path: Path) -> None:
    run, url = holding_run(pg_env, tmp_path)
    state = dict(line.split("=", 1) for line in
                 (tmp_path / "pg" / "state").read_text().splitlines())
    pid_file = Path(state["CLUSTER"].strip("'")) / "data" / "postmaster.pid"
    postmaster = int(pid_file.read_text().split()[0])
    os.killpg(run.pid, signal.SIGKILL)
    os.kill(postmaster, signal.SIGKILL)
    assert run.wait(timeout=30) == -signal.SIGKILL
    wait_for(lambda: not connects(url), 30, "the killed server to go")
    assert pid_file.exists(), "a dead server leaves its pid file"
    next_run_is_green(pg_env, tmp_path)


KILLED_WRITER = textwrap.dedent("""
    import sys, time
    from sqlalchemy import text
    from maatwerk.persistence.database import Database
    session = Database(sys.argv[1]).writer()
    session.execute(text("SELECT 1"))  # BEGIN IMMEDIATE: the writer lock is taken
    print("holding", flush=True)
    time.sleep(300)
""")


def test_a_killed_sqlite_writer_leaves_no_lock_behind(tmp_path: Path) -> None:
    url = f"sqlite:///{tmp_path / 'left.db'}"
    Database(url).engine.dispose()
    holder = subprocess.Popen([sys.executable, "-c", KILLED_WRITER, url],
                              stdout=subprocess.PIPE, cwd=ROOT)
    assert holder.stdout is not None
    with holder.stdout:
        assert holder.stdout.readline() == b"holding\n"
        holder.kill()
        holder.wait(timeout=10)
    assert (tmp_path / "left.db.writers").exists(), "the lock file stays behind"
    database = Database(url, Timeouts(busy=2))
    try:
        with database.writer() as session:
            session.execute(text("CREATE TABLE after_kill (n INTEGER)"))
            session.commit()
    finally:
        database.dispose()
