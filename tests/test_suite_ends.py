"""The suite ends: a test that hangs (here: a writer that waits for a lock nobody lets go)
fails after the per-test limit with the stacks of all threads, and the run goes on to the
next test and exits non-zero; it never keeps `make test` waiting."""
from __future__ import annotations

import subprocess
import sys
from pathlib import Path

from maatwerk.config import REPO_ROOT

HANGING = '''
import threading

held = threading.Lock()


def holder_that_never_lets_go():
    held.acquire()
    threading.Event().wait()


def test_waits_for_a_lock_nobody_lets_go():
    threading.Thread(target=holder_that_never_lets_go, daemon=True).start()
    while not held.locked():
        pass
    held.acquire()


def test_after_the_hanging_one():
    assert True
'''


def test_a_hanging_test_fails_with_every_stack_and_the_run_goes_on(tmp_path: Path) -> None:
    (tmp_path / "test_hangs.py").write_text(HANGING)
    # the project's own pytest settings (pyproject.toml), with a 2 s limit instead of 300
    run = subprocess.run(
        [sys.executable, "-m", "pytest", "-c", str(REPO_ROOT / "pyproject.toml"),
         "--rootdir", str(tmp_path), "-o", "timeout=2", "-p", "no:cacheprovider",
         str(tmp_path / "test_hangs.py")],
        capture_output=True, text=True, timeout=120, cwd=tmp_path)
    out = run.stdout + run.stderr
    assert run.returncode == 1, out
    assert "Timeout (>2.0s) from pytest-timeout" in out, out
    assert "holder_that_never_lets_go" in out  # the other thread's stack is shown too
    assert "FAILED test_hangs.py::test_waits_for_a_lock_nobody_lets_go" in out
    assert "1 failed, 1 passed" in out
