"""The deviation register at scale (issue 16): its page lists a hundred deviations at a
time, newest first, with links to the pages before and after, while its counts and the CSV
export cover all of them."""
from __future__ import annotations

import re
from datetime import UTC, datetime, timedelta

import pytest
from flask.testing import FlaskClient
from sqlalchemy import insert

from conftest import login
from helpers import BIJSTAND_AANVRAAG, start
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import Case, Deviation
from maatwerk.persistence.uow import UnitOfWork


@pytest.mark.tampers  # rows written here, without the events a request would record
def test_the_register_lists_a_page_at_a_time(client: FlaskClient, tokens: dict[str, str],
                                             database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    now = datetime.now(UTC)
    with UnitOfWork(database) as uow:
        model_id = uow.session.get(Case, case["id"]).process_model_id  # type: ignore[union-attr]
        uow.session.execute(insert(Deviation), [{
            "case_id": case["id"], "process_model_id": model_id, "type": "skip_step",
            "status": "rejected", "element_id": "Task_Volledigheid",
            "reason": f"Reden nummer {n:03d}", "legal_basis": "art. 4:84 Awb",
            "requested_by": "consulent", "requested_at": now - timedelta(minutes=n),
            "values": {}, "before": {}, "after": {}} for n in range(150)])
        uow.commit()
    login(client, "teamleider")
    first = client.get("/werk/afwijkingen").get_data(as_text=True)
    shown = re.findall(r"Reden nummer (\d{3})", first)
    assert shown == [f"{n:03d}" for n in range(100)]  # newest first
    assert 'rel="next"' in first and 'rel="prev"' not in first
    assert "(nieuwste eerst, 1–100)" in first
    assert re.search(r"Afgewezen</a></td><td>150<", first), "the counts cover all of them"
    second = client.get("/werk/afwijkingen?pagina=2").get_data(as_text=True)
    assert re.findall(r"Reden nummer (\d{3})", second) == [f"{n:03d}" for n in range(100, 150)]
    assert 'rel="prev"' in second and 'rel="next"' not in second
    assert "(nieuwste eerst, 101–150)" in second
    odd = client.get("/werk/afwijkingen?pagina=x").get_data(as_text=True)
    assert re.findall(r"Reden nummer (\d{3})", odd) == shown
    exported = client.get("/werk/afwijkingen?format=csv").get_data(as_text=True)
    assert len(re.findall(r"Reden nummer", exported)) == 150
