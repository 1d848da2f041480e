"""The team lead's dashboard page (issue 16): charts drawn on the server as SVG, each with
a table of the same figures beside it, so that it works without JavaScript."""
from __future__ import annotations

from dataclasses import dataclass
from datetime import date

from flask import render_template, request

from ..domain.dutch_dates import MONTHS
from ..services import team_dashboard
from .context import login_required, me, uow
from .designer import hours_text
from .people import person
from .work import bp


@dataclass(frozen=True)
class Bar:
    """One bar of a chart: what it is, its figure and how the figure is said."""

    label: str
    value: float
    text: str


@bp.get("/team")
@login_required("teamlead")
def team() -> str:
    board, teams = team_dashboard.for_lead(uow(readonly=True), me(), request.args.get("groep"))
    if board is None:
        return render_template("work/team.html", board=None, teams=teams,
                               title="Teamoverzicht")
    return render_template("work/team.html", board=board, teams=teams, charts=_charts(board),
                           days=lambda d: hours_text(d * 24), week=_week,
                           title=f"Teamoverzicht {board.group}")


def _week(monday: date) -> str:
    return f"week van {monday.day} {MONTHS[monday.month - 1][:3]}"


def _charts(board: team_dashboard.Dashboard) -> dict[str, list[Bar]]:
    return {
        "people": [Bar(person(p.username) if p.username else "Niet opgepakt", p.open,
                       f"{p.open}" + (f" ({p.overdue} te laat)" if p.overdue else ""))
                   for p in board.people],
        "weeks": [Bar(_week(w.starts), w.decided, str(w.decided)) for w in board.weeks],
        "steps": [Bar(s.step, s.median_days, hours_text(s.median_days * 24))
                  for s in board.steps],
        "ages": [Bar(label, count, str(count)) for label, count in board.approval_ages],
    }
