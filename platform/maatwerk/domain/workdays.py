"""Working days in the Netherlands: weekdays without the national public holidays."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

AMSTERDAM = ZoneInfo("Europe/Amsterdam")


def easter(year: int) -> date:
    """Gregorian Easter Sunday (anonymous Gregorian algorithm)."""
    a, b, c = year % 19, year // 100, year % 100
    d, e = divmod(b, 4)
    f = (b + 8) // 25
    g = (b - f + 1) // 3
    h = (19 * a + b - d - g + 15) % 30
    i, k = divmod(c, 4)
    ell = (32 + 2 * e + 2 * i - h - k) % 7
    m = (a + 11 * h + 22 * ell) // 451
    month, day = divmod(h + ell - 7 * m + 114, 31)
    return date(year, month, day + 1)


@lru_cache(maxsize=64)
def holidays(year: int) -> frozenset[date]:
    """Nieuwjaarsdag, Pasen, Koningsdag, Bevrijdingsdag (lustrum years), Hemelvaart,
    Pinksteren and Kerstmis, as government offices observe them."""
    sunday = easter(year)
    kings_day = date(year, 4, 27)
    if kings_day.weekday() == 6:  # on a Sunday it moves to Saturday the 26th
        kings_day = date(year, 4, 26)
    days = {date(year, 1, 1), sunday - timedelta(days=2), sunday, sunday + timedelta(days=1),
            kings_day, sunday + timedelta(days=39), sunday + timedelta(days=49),
            sunday + timedelta(days=50), date(year, 12, 25), date(year, 12, 26)}
    if year % 5 == 0:
        days.add(date(year, 5, 5))
    return frozenset(days)


def is_working_day(day: date) -> bool:
    return day.weekday() < 5 and day not in holidays(day.year)


def working_days_between(start: date, end: date) -> int:
    """Working days after `start` up to and including `end`; negative when `end` is past."""
    if end < start:
        return -working_days_between(end, start)
    count, day = 0, start
    while day < end:
        day += timedelta(days=1)
        count += is_working_day(day)
    return count


def amsterdam_date(moment: datetime) -> date:
    return moment.astimezone(AMSTERDAM).date()


def amsterdam_today() -> date:
    return datetime.now(AMSTERDAM).date()


def add_working_days(start: date, days: int) -> date:
    """The working day `days` working days after `start` (for "in the next two weeks")."""
    day = start
    while days > 0:
        day += timedelta(days=1)
        days -= is_working_day(day)
    return day
