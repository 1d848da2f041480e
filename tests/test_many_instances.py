"""A multi-instance task whose number comes from a resident's answer makes at most
MAATWERK_MAX_INSTANCES (200) instances: more is a clear error on that case, with no task
written, never 20,000 open tasks from one anonymous post."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient
from sqlalchemy import func, select

from helpers import bearer, upload
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import Task
from maatwerk.persistence.uow import UnitOfWork

MODEL = (Path(__file__).parent / "data" / "many_instances.bpmn").read_text()


def _start(client: FlaskClient, token: str, data: dict[str, object]) -> dict[str, object]:
    response = client.post("/api/v1/cases", json={"process_key": "veel_kinderen",
                                                   "data": data}, headers=bearer(token))
    assert response.status_code == 201, response.get_json()
    body: dict[str, object] = response.get_json()
    return body


@pytest.mark.parametrize("as_list", [False, True])
def test_too_many_instances_is_a_clear_case_error_with_no_task_written(
        client: FlaskClient, tokens: dict[str, str], database: Database,
        as_list: bool) -> None:
    assert upload(client, tokens["ontwerper"],
                  [("many_instances.bpmn", MODEL)]).status_code == 201
    few = _start(client, tokens["consulent"], {"aantal_kinderen": 3, "per_lijst": as_list})
    assert len(few["open_tasks"]) == 3  # type: ignore[arg-type]
    many = _start(client, tokens["consulent"], {"aantal_kinderen": 20000,
                                                "per_lijst": as_list})
    assert many["status"] == "error" and many["open_tasks"] == []
    assert "at most 200 are made (MAATWERK_MAX_INSTANCES)" in str(many["error"])
    assert ("collection 'kinderen'" if as_list else "loopCardinality") in str(many["error"])
    with UnitOfWork(database, readonly=True) as uow:
        assert uow.session.scalar(select(func.count()).select_from(Task).where(
            Task.case_id == many["id"])) == 0


def test_a_cardinality_that_is_no_whole_number_is_a_clear_case_error(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    assert upload(client, tokens["ontwerper"],
                  [("many_instances.bpmn", MODEL)]).status_code == 201
    negative = _start(client, tokens["consulent"], {"aantal_kinderen": -4,
                                                    "per_lijst": False})
    assert negative["status"] == "error"
    assert "must be a whole number, 0 or more" in str(negative["error"])
