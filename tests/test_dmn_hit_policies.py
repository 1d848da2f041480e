"""DMN hit policies and result mappings as Camunda 7 has them: UNIQUE and ANY refuse
ambiguity, FIRST takes the first match, RULE ORDER and COLLECT every match (COLLECT with
SUM, MIN, MAX or COUNT one value), and camunda:mapDecisionResult shapes the result."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import start, upload

DATA = Path(__file__).parent / "data"
DMN = (DATA / "kortingen.dmn").read_text()
BPMN = (DATA / "feel_leges.bpmn").read_text().replace(
    'camunda:decisionRef="leges_tarief" camunda:resultVariable="tarief" '
    'camunda:mapDecisionResult="singleEntry"',
    'camunda:decisionRef="kortingen" camunda:resultVariable="uitkomst" '
    'camunda:mapDecisionResult="{mapping}"')


def _case(client: FlaskClient, tokens: dict[str, str], table: str, mapping: str,
          leeftijd: int = 10) -> dict[str, Any]:
    dmn = DMN.replace('hitPolicy="UNIQUE"', table)
    response = upload(client, tokens["ontwerper"], [
        ("korting.bpmn", BPMN.replace("{mapping}", mapping)), ("kortingen.dmn", dmn)])
    assert response.status_code == 201, response.get_json()
    return start(client, tokens["consulent"], "leges_berekenen", {"leeftijd": leeftijd})


@pytest.mark.parametrize(("table", "mapping", "expected"), [
    ('hitPolicy="FIRST"', "singleEntry", 10),
    ('hitPolicy="FIRST"', "singleResult", {"korting": 10}),
    ('hitPolicy="RULE ORDER"', "collectEntries", [10, 5, 1]),
    ('hitPolicy="COLLECT"', "resultList", [{"korting": 10}, {"korting": 5}, {"korting": 1}]),
    ('hitPolicy="COLLECT" aggregation="SUM"', "singleEntry", 16),
    ('hitPolicy="COLLECT" aggregation="MIN"', "singleEntry", 1),
    ('hitPolicy="COLLECT" aggregation="MAX"', "singleEntry", 10),
    ('hitPolicy="COLLECT" aggregation="COUNT"', "singleEntry", 3),
])
def test_hit_policies_and_result_mappings_decide_as_in_camunda(
        client: FlaskClient, tokens: dict[str, str], table: str, mapping: str,
        expected: Any) -> None:
    case = _case(client, tokens, table, mapping)
    assert case["status"] == "open", case["error"]
    assert case["data"]["uitkomst"] == expected


@pytest.mark.parametrize(("table", "mapping", "message"), [
    ('hitPolicy="UNIQUE"', "singleEntry", "hit policy UNIQUE, but rules 1, 2, 4 all match"),
    ('hitPolicy="ANY"', "singleEntry", ("hit policy ANY, but rules 1, 2, 4 match with "
                                       "different outputs")),
    ('hitPolicy="RULE ORDER"', "singleEntry", ("mapDecisionResult singleEntry needs one "
                                              "result, but 3 rules match")),
])
def test_ambiguous_results_stop_the_step_with_a_clear_error(
        client: FlaskClient, tokens: dict[str, str], table: str, mapping: str,
        message: str) -> None:
    case = _case(client, tokens, table, mapping)
    assert case["status"] == "error" and message in case["error"]
    assert "Task_Tarief" in case["error"]


@pytest.mark.parametrize(("table", "message"), [
    ('hitPolicy="PRIORITY"', "hit policy 'PRIORITY' is not supported yet"),
    ('hitPolicy="FIRST" aggregation="SUM"', "aggregation 'SUM' is not supported"),
    ('hitPolicy="COLLECT" aggregation="AVG"', "aggregation 'AVG' is not supported"),
])
def test_what_cannot_be_decided_is_refused_at_upload(
        client: FlaskClient, tokens: dict[str, str], table: str, message: str) -> None:
    response = upload(client, tokens["ontwerper"], [
        ("korting.bpmn", BPMN.replace("{mapping}", "singleEntry")),
        ("kortingen.dmn", DMN.replace('hitPolicy="UNIQUE"', table))])
    assert response.status_code == 422
    assert any(message in p["message"] for p in response.get_json()["errors"]), \
        response.get_json()
