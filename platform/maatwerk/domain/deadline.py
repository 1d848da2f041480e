"""Legal terms as ISO 8601 durations (P8W, P42D), applied to dates."""
from __future__ import annotations

import re
from datetime import datetime, timedelta

FOLLOWS = "maatwerk:followsDecisionDate"  # on a timer that expresses the legal term
TRUE = ("true", "ja", "yes", "1")
_DURATION = re.compile(r"^P(?:(\d+)W)?(?:(\d+)D)?(?:T(?:(\d+)H)?(?:(\d+)M)?)?$", re.IGNORECASE)


def parse_term(term: str) -> timedelta | None:
    """A term in weeks, days, hours and minutes; None when it is not of that simple form."""
    match = _DURATION.match(term.strip()) if term else None
    if not match or not any(match.groups()):
        return None
    weeks, days, hours, minutes = (int(g) if g else 0 for g in match.groups())
    return timedelta(weeks=weeks, days=days, hours=hours, minutes=minutes)


def due_date(start: datetime, term: str | None) -> datetime | None:
    delta = parse_term(term) if term else None
    return start + delta if delta is not None else None


def follows_decision_date(properties: dict[str, str]) -> bool:
    """Whether an element's properties mark it as a timer of the legal decision term."""
    return str(properties.get(FOLLOWS, "")).strip().lower() in TRUE
