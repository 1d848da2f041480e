"""What running designer code in sandbox processes costs: the same gateway condition and
script task, against case data of a realistic size, in a sandbox process (the default) and
in this process (`MAATWERK_SANDBOX=inline`, layers 1-3 alone), the two taking turns so that
drift of a shared machine hits both. And what a runaway costs: the time until a script
that hashes a shared tuple DAG ends as an error, and the first call after it (on a
process that replaces the killed one)."""
from __future__ import annotations

import contextlib
import os
import statistics
import time
from collections.abc import Callable
from typing import Any

from ..engine import sandbox

CALLS = 1000
ROUNDS = 3
RUNAWAY = "t = (1,)\nfor i in range(31):\n    t = (t, t)\ns = {t}"


def case_data() -> dict[str, Any]:
    """About 4 KB of case data, as a bijzondere-bijstand case has after a few steps."""
    data: dict[str, Any] = {f"veld_{n}": f"waarde {n} " * 3 for n in range(30)}
    data.update(bedrag=650, inkomen=1450.5, kinderen=[{"naam": f"kind {n}", "leeftijd": n}
                                                     for n in range(3)],
                adres={"straat": "Hoofdstraat", "huisnummer": 12, "plaats": "Utrecht"})
    return data


def _per_call_us(call: Callable[[], Any]) -> float:
    began = time.perf_counter()
    for _ in range(CALLS):
        call()
    return (time.perf_counter() - began) / CALLS * 1e6


def _in_mode(mode: str, call: Callable[[], Any]) -> float:
    previous = os.environ.get("MAATWERK_SANDBOX")
    os.environ["MAATWERK_SANDBOX"] = mode
    try:
        call()  # a warm pool and compiled code: the steady state, not the first call
        return _per_call_us(call)
    finally:
        if previous is None:
            del os.environ["MAATWERK_SANDBOX"]
        else:
            os.environ["MAATWERK_SANDBOX"] = previous


def _runaway() -> dict[str, float]:
    began = time.perf_counter()
    with contextlib.suppress(sandbox.SandboxError):
        sandbox.execute(RUNAWAY, {})
    ended = time.perf_counter()
    sandbox.evaluate("1 + 1", {})
    return {"runaway_ends_after_s": round(ended - began, 2),
            "next_call_ms": round((time.perf_counter() - ended) * 1000, 1)}


def run() -> dict[str, Any]:
    data = case_data()
    calls: dict[str, Callable[[], Any]] = {
        "condition": lambda: sandbox.evaluate("bedrag > 500 and inkomen < 1500", data),
        "script": lambda: sandbox.execute("totaal = bedrag * 2\nnaam = adres['plaats']",
                                          dict(data)),
    }
    result: dict[str, Any] = {}
    for name, call in calls.items():
        runs: dict[str, list[float]] = {"processes": [], "inline": []}
        for _ in range(ROUNDS):
            for mode in runs:
                runs[mode].append(_in_mode(mode, call))
        result[name] = {mode: round(statistics.median(values), 1)
                        for mode, values in runs.items()}
    result.update(_runaway())
    return result


HEADER = f"{'designer code':<16}{'process us':>12}{'inline us':>11}{'extra us':>10}"


def report_lines(result: dict[str, Any]) -> list[str]:
    lines = ["", ("designer code per call (us, median of turns; a sandbox process vs this "
                  "process, ~4 KB of case data)"), HEADER]
    for name in ("condition", "script"):
        row = result[name]
        lines.append(f"{name:<16}{row['processes']:>12.1f}{row['inline']:>11.1f}"
                     f"{row['processes'] - row['inline']:>10.1f}")
    lines.append(f"runaway script (hash of a shared tuple DAG) ends after "
                 f"{result['runaway_ends_after_s']:.2f} s; the next call takes "
                 f"{result['next_call_ms']:.1f} ms (a new process)")
    return lines
