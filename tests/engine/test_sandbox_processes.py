"""Designer code runs in sandbox processes that the operating system bounds: the scripts
that blow up inside one C call (which no check between Python steps can interrupt) end as
an error within the time limit and a margin, the process that ran them is replaced, and
other code running at the same moment is not held up."""
from __future__ import annotations

import os
import pickle
import resource
import sys
import threading
import time
from pathlib import Path

import pytest

from maatwerk.engine import sandbox, sandbox_pool
from maatwerk.engine.sandbox import SandboxError

# each of these ran for many seconds (or without end) inside one C call in the web process
C_CALLS = {
    "hash of a shared tuple DAG": "t = (1,)\nfor i in range(31):\n    t = (t, t)\ns = {t}",
    "nested format key": "x = '%((a)b)300000000s' % {'(a)b': 1}",
    "repeated format": "x = ('%(a)10000s' * 30000) % {'a': 1}",
    "f-string of huge parts": "a = 'x' * 1000000\nx = f'" + "{a}" * 300 + "'",
    "starred list": "a = [1] * 1000000\nb = [" + ", ".join(["*a"] * 300) + "]",
    "zip of shared lists": "a = list(range(100))\nb = list(zip(*[a] * 40))",
}


def _pids() -> set[int]:
    return {process.popen.pid for process in sandbox_pool.pool()._idle}


@pytest.mark.parametrize("script", C_CALLS.values(), ids=C_CALLS.keys())
def test_a_script_that_blows_up_in_one_c_call_ends_as_an_error(script: str) -> None:
    began = time.monotonic()
    with pytest.raises(SandboxError):
        sandbox.execute(script, {})
    assert time.monotonic() - began < sandbox.TIME_LIMIT + 4
    assert sandbox.evaluate("a * 2", {"a": 21}) == 42  # and the sandbox goes on


def test_an_overrunning_process_is_killed_and_replaced() -> None:
    sandbox.evaluate("1", {})
    pid = sandbox_pool.pool()._idle[-1].popen.pid  # the one the next call takes
    began = time.monotonic()
    with pytest.raises(SandboxError, match="took too long"):
        sandbox.execute(C_CALLS["hash of a shared tuple DAG"], {})
    assert time.monotonic() - began < sandbox.TIME_LIMIT + 2
    assert not Path(f"/proc/{pid}").exists()  # killed and reaped
    assert sandbox.evaluate("a + 1", {"a": 1}) == 2
    assert pid not in _pids()


def test_an_ordinary_error_keeps_the_process() -> None:
    sandbox.evaluate("1", {})
    before = _pids()
    with pytest.raises(SandboxError, match="Division by zero"):
        sandbox.evaluate("1 / 0", {})
    assert _pids() == before


def test_running_out_of_memory_ends_the_script_not_the_server() -> None:
    script = "a = [1] * 1000000\nb = [" + ", ".join(["*a"] * 200) + "]\nc = len(b)"
    with pytest.raises(SandboxError, match=r"[Mm]emory"):
        sandbox.execute(script, {})
    assert sandbox.evaluate("len(x)", {"x": [1, 2, 3]}) == 3


def test_the_kernel_bounds_each_sandbox_process() -> None:
    sandbox.evaluate("1", {})
    pid = next(iter(_pids()))
    limits = {line[:26].strip(): line[26:].split()
              for line in Path(f"/proc/{pid}/limits").read_text().splitlines()[1:]}
    memory = sandbox_pool.pool().memory_mb * 1024 * 1024
    assert limits["Max address space"][:2] == [str(memory), str(memory)]
    assert limits["Max processes"][:2] == ["0", "0"]
    assert limits["Max file size"][:2] == ["0", "0"]
    assert limits["Max cpu time"][0] != "unlimited"
    assert os.getpid() != pid and resource.getrlimit(resource.RLIMIT_NPROC)[0] != 0


def test_other_code_is_not_held_up_by_a_runaway_script() -> None:
    errors: list[str] = []

    def run_hostile() -> None:
        try:
            sandbox.execute(C_CALLS["hash of a shared tuple DAG"], {})
        except SandboxError as exc:
            errors.append(str(exc))

    hostile = threading.Thread(target=run_hostile)
    hostile.start()
    time.sleep(0.2)
    began = time.monotonic()
    for number in range(20):
        assert sandbox.evaluate("n * n", {"n": number}) == number * number
    assert time.monotonic() - began < 1
    hostile.join(timeout=10)
    assert errors and "took too long" in errors[0]


def test_values_cross_the_process_boundary_intact() -> None:
    variables = {"a": 1, "tekst": "é", "lijst": [1.5, None, True], "_verborgen": 3}
    sandbox.execute("b = a + 1\nlijst.append('x')\ndel a", variables)
    assert variables == {"tekst": "é", "lijst": [1.5, None, True, "x"], "_verborgen": 3,
                         "b": 2}
    assert sandbox.evaluate("{1, 2}", {}) == {1, 2}
    assert sandbox.evaluate("(1, 'a')", {}) == (1, "a")
    assert sandbox.evaluate("range(3)", {}) == range(3)
    with pytest.raises(SandboxError, match="dict_keys"):
        sandbox.evaluate("{'a': 1}.keys()", {})


def test_an_unknown_variable_is_still_told_apart() -> None:
    """Conditional events wait on a variable the case does not have yet (scripting.py)."""
    with pytest.raises(SandboxError) as info:
        sandbox.evaluate("nog_niet > 1", {})
    assert isinstance(info.value.__cause__, NameError)
    assert info.value.__cause__.name == "nog_niet"


def test_answers_can_hold_only_plain_data() -> None:
    """A sandbox process that the code took over still cannot make the server run
    anything: the answer's unpickler builds no classes or functions."""
    assert sandbox_pool.plain_loads(pickle.dumps(["ok", {"a": (1, 2.5)}, None])) == \
        ["ok", {"a": (1, 2.5)}, None]
    for hostile in (os.system, SandboxError("x"), Path("/")):
        with pytest.raises(pickle.UnpicklingError):
            sandbox_pool.plain_loads(pickle.dumps(hostile))


def test_a_forked_server_process_gets_a_pool_of_its_own() -> None:
    sandbox.evaluate("1", {})
    parent = sandbox_pool.pool()
    reader, writer = os.pipe()
    child = os.fork()
    if child == 0:  # pragma: no cover - runs in the forked process
        try:
            ok = sandbox.evaluate("2 + 2", {}) == 4 and sandbox_pool.pool() is not parent
            os.write(writer, b"1" if ok else b"0")
        finally:
            os._exit(0)
    os.close(writer)
    assert os.read(reader, 1) == b"1"
    os.waitpid(child, 0)
    os.close(reader)
    assert sandbox.evaluate("3", {}) == 3


def test_a_sandbox_process_that_cannot_start_is_a_clear_error(
        monkeypatch: pytest.MonkeyPatch) -> None:
    """A broken installation (here: no Python where the server's was) makes the code fail
    with a sentence saying so, not a hang or a misleading reason."""
    monkeypatch.setattr(sys, "executable", "/bin/false")
    pool = sandbox_pool.SandboxPool(memory_mb=512)
    with pytest.raises(SandboxError, match="could not start a sandbox process"):
        pool.ask("eval", "1 + 1", {}, 1.0)
    pool.close()


@pytest.mark.parametrize("reply", [
    b"not a pickle at all", pickle.dumps(("ok", 1)), pickle.dumps(["ok", 1, None]),
    pickle.dumps(("run", "x", None)), pickle.dumps(os.system)])
def test_an_answer_that_is_not_plain_or_has_the_wrong_shape_is_an_error(
        reply: bytes) -> None:
    """What a taken-over sandbox process sends back is never trusted: anything but a plain
    (kind, value, detail) answer ends the process and the call, with no 500."""
    reader, writer = os.pipe()
    os.write(writer, sandbox_pool._HEADER.pack(len(reply)) + reply)
    process = sandbox_pool._Process.__new__(sandbox_pool._Process)
    process.ready, process.from_child = True, reader
    process.to_child = os.open(os.devnull, os.O_WRONLY)
    try:
        with pytest.raises(sandbox_pool._Gone):
            process.ask(pickle.dumps(("eval", "1", {}, 1.0)), 1.0)
    finally:
        for fd in (reader, writer, process.to_child):
            os.close(fd)
