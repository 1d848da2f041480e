"""The clock of a timer start event of a process: when it starts a new case, as Camunda 7
reads the event's timer when a model is published.

- `timeDate`: once, at that moment (at once when it has passed);
- `timeDuration`: once, that long after the model is published;
- `timeCycle` in ISO 8601: `R3/PT1H` (three times, the first an hour after publishing),
  `R/PT1H` (for ever), `R/2027-01-01T09:00:00+01:00/P1D` (from that moment, daily);
- `timeCycle` as a Quartz cron expression, as Camunda 7 reads it: six or seven fields
  (seconds first, an optional year last), `?` for "any", days of the week 1-7 from Sunday
  or MON-SUN, in Dutch local time.

A clock that fell behind (the worker was down) starts one case for what it missed, then
keeps to its schedule; it never starts a burst of cases to catch up. The platform's worker
asks for the next moment after each start (services/start_clocks.py); a case the clock
starts takes the path from that start event (event_subprocesses.CaseStartEvent).
"""
from __future__ import annotations

import re
from dataclasses import dataclass
from datetime import UTC, datetime, timedelta
from zoneinfo import ZoneInfo

from croniter import croniter
from SpiffWorkflow.bpmn.specs.event_definitions.timer import TimerEventDefinition

from .expressions import zero_cycle

KINDS = ("timeDate", "timeDuration", "timeCycle")
_LOCAL = ZoneInfo("Europe/Amsterdam")  # Camunda reads cron in the server's zone
_QUARTZ_ONLY = re.compile(r"[LW#]")
_DAY_NUMBER = re.compile(r"(?<![/#\d])(\d+)")


class ClockError(ValueError):
    """The timer can't start cases here; the text says why, for the upload."""


@dataclass(frozen=True)
class Due:
    """The next moment the clock starts a case, and how many starts remain after that one
    (None: no end)."""

    at: datetime
    remaining: int | None


def first(kind: str, value: str, published: datetime) -> Due | None:
    """The first start after publishing; None when the clock will never start a case."""
    text = value.strip()
    if kind == "timeDate":
        return Due(_moment(text), 0)
    if kind == "timeDuration":
        return Due(published + _duration(text, published), 0)
    if _is_iso_cycle(text):
        cycles, start, step = _iso_cycle(text, published)
        if cycles == 0:
            return None
        if start < published:  # a cycle that began before: its next moment
            start += -((start - published) // step) * step
        return Due(start, None if cycles < 0 else cycles - 1)
    return Due(_cron(text).get_next(datetime, published.astimezone(_LOCAL)).astimezone(UTC),
               None)


def following(kind: str, value: str, due: Due, now: datetime) -> Due | None:
    """The start after the one due at `due.at`, which the worker does at `now`: the first
    moment of the schedule after `now`; None when the clock is done."""
    if kind != "timeCycle" or due.remaining == 0:
        return None
    text = value.strip()
    remaining = None if due.remaining is None else due.remaining - 1
    if _is_iso_cycle(text):
        _, _, step = _iso_cycle(text, due.at)
        missed = max(0, (now - due.at) // step)
        return Due(due.at + (missed + 1) * step, remaining)
    after = max(now, due.at).astimezone(_LOCAL)
    return Due(_cron(text).get_next(datetime, after).astimezone(UTC), remaining)


def problems(kind: str, value: str) -> list[str]:
    """Why this timer can't start cases (empty when it can), for refusing at upload."""
    if kind == "timeCycle" and zero_cycle(value):
        return [(f"the cycle '{value.strip()}' repeats with no time in between (it would "
                "start cases without pause); give an interval such as R/P1D")]
    try:
        if first(kind, value, datetime.now(UTC)) is None:
            return [f"'{value.strip()}' repeats no times, so it never starts a case"]
    except ClockError as exc:
        return [str(exc)]
    return []


def describe(kind: str, value: str) -> str:
    """The clock in a few words, for the upload's notes."""
    text = value.strip()
    if kind == "timeDate":
        return f"once, at {text}"
    if kind == "timeDuration":
        return f"once, {text} after the model is published"
    if _is_iso_cycle(text):
        return f"on the cycle {text}"
    return f"on the cron schedule '{text}' (Dutch local time)"


def _moment(text: str) -> datetime:
    if "${" in text or "#{" in text:
        raise ClockError(_NO_EXPRESSION)
    try:
        moment = datetime.fromisoformat(text.replace("Z", "+00:00"))
    except ValueError:
        raise ClockError(f"'{text}' is not an ISO 8601 date such as 2027-01-01T09:00:00+01:00"
                         ) from None
    if moment.tzinfo is None:
        moment = moment.replace(tzinfo=_LOCAL)
    return moment.astimezone(UTC)


def _duration(text: str, start: datetime) -> timedelta:
    if "${" in text or "#{" in text:
        raise ClockError(_NO_EXPRESSION)
    try:
        parsed = TimerEventDefinition.parse_iso_duration(text.upper())
        step: timedelta = TimerEventDefinition.get_timedelta_from_start(parsed, start)
    except Exception:  # the engine's parser raises several kinds
        raise ClockError(f"'{text}' is not an ISO 8601 duration such as P1D or PT2H") from None
    if step <= timedelta(0):
        raise ClockError(f"'{text}' is no time at all; give a duration such as PT1H")
    return step


def _is_iso_cycle(text: str) -> bool:
    return text.upper().startswith("R")


def _iso_cycle(text: str, published: datetime) -> tuple[int, datetime, timedelta]:
    """(cycles, -1 for no end; the first start; the time between starts)."""
    parts = text.upper().split("/")
    if len(parts) not in (2, 3) or not re.fullmatch(r"R\d*", parts[0]):
        raise ClockError(f"'{text}' is not an ISO 8601 cycle such as R3/PT1H or "
                         "R/2027-01-01T09:00:00+01:00/P1D")
    cycles = int(parts[0][1:]) if parts[0][1:] else -1
    if len(parts) == 2:
        step = _duration(parts[1], published)
        return cycles, published + step, step
    if parts[1].startswith("P"):
        raise ClockError(f"'{text}': a cycle that ends at a moment is not supported; give "
                         "its start and duration (R/2027-01-01T09:00:00+01:00/P1D)")
    start = _moment(text.split("/")[1])
    return cycles, start, _duration(parts[2], start)


def _cron(text: str) -> croniter:
    """Camunda 7's cron (Quartz): seconds first, a year last if there are seven fields."""
    if "${" in text or "#{" in text:
        raise ClockError(_NO_EXPRESSION)
    fields = text.split()
    if len(fields) not in (6, 7):
        raise ClockError(f"'{text}' is not an ISO 8601 cycle (R3/PT1H) nor a cron expression "
                         "of six or seven fields (0 0 9 ? * MON-FRI)")
    if _QUARTZ_ONLY.search(" ".join(fields[3:6]).upper()):
        raise ClockError(f"cron '{text}': L, W and # in the day fields are not supported; "
                         "name the days instead")
    # Quartz counts the days of the week 1-7 from Sunday, croniter 0-6
    fields[5] = _DAY_NUMBER.sub(lambda m: str(int(m.group(1)) - 1), fields[5])
    try:
        return croniter(" ".join(fields), _NOW, second_at_beginning=True)
    except Exception as exc:  # croniter raises several kinds
        raise ClockError(f"cron '{text}' can't be read: {exc}") from None


_NOW = datetime(2000, 1, 1, tzinfo=UTC)
_NO_EXPRESSION = ("a timer that starts cases is read when the model is published, when "
                  "there is no case to read an expression from; write a date, a duration, "
                  "an ISO 8601 cycle or a cron expression")
