"""DMN hit policies and result mappings as Camunda 7 has them: UNIQUE and ANY refuse
ambiguity, FIRST takes the first match, RULE ORDER and COLLECT every match (COLLECT with
SUM, MIN, MAX or COUNT one value), and camunda:mapDecisionResult shapes the result; and
DMN 1.3's PRIORITY and OUTPUT ORDER, which order matches by the output values."""
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
OUTPUT = 'name="korting" typeRef="integer" />'
# the discounts by priority: 5 before 1 before 10 before 20 (rule order is 10, 5, 20, 1)
LISTED = ('name="korting" typeRef="integer"><outputValues id="UnaryTests_Korting">'
          '<text>5, 1,10 ,20</text></outputValues></output>')


def _case(client: FlaskClient, tokens: dict[str, str], table: str, mapping: str,
          leeftijd: int = 10, dmn: str = DMN) -> dict[str, Any]:
    dmn = dmn.replace('hitPolicy="UNIQUE"', table).replace(OUTPUT, LISTED)
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
    ('hitPolicy="PRIORITY"', "singleEntry", 5),
    ('hitPolicy="OUTPUT ORDER"', "collectEntries", [5, 1, 10]),
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
    ('hitPolicy="PRIORITY"', "no output column lists its output values"),
    ('hitPolicy="DECIDE"', "hit policy 'DECIDE' is not supported yet"),
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


@pytest.mark.parametrize(("listed", "entry", "message"), [
    ("<text>5,1,10</text>", "<text>20</text>",
     "output entry '20' is not one of the output values of output column 'korting'"),
    ("<text>5;1</text>", "<text>20</text>", "output values '5;1' of output column 'korting'"),
])
def test_output_values_are_checked_at_upload(
        client: FlaskClient, tokens: dict[str, str], listed: str, entry: str,
        message: str) -> None:
    dmn = DMN.replace('hitPolicy="UNIQUE"', 'hitPolicy="PRIORITY"').replace(
        OUTPUT, LISTED.replace("<text>5, 1,10 ,20</text>", listed))
    response = upload(client, tokens["ontwerper"], [
        ("korting.bpmn", BPMN.replace("{mapping}", "singleEntry")), ("kortingen.dmn", dmn)])
    assert response.status_code == 422
    problems = response.get_json()["errors"]
    assert any(message in p["message"] and p["file"] == "kortingen.dmn" for p in problems), \
        problems


def test_a_priority_rule_that_gives_an_unlisted_value_stops_the_step(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """An output entry that is an expression is checked when its rule matches."""
    case = _case(client, tokens, 'hitPolicy="PRIORITY"', "singleEntry",
                 dmn=DMN.replace("<text>10</text>", "<text>leeftijd * 3</text>"))
    assert case["status"] == "error"
    assert ("rule 1 gives 30 for 'korting', which is not one of its output values"
            in case["error"]), case["error"]


DECISION_RESULT = """<bpmn:extensionElements><camunda:inputOutput>
        <camunda:outputParameter name="hoogste"
          >${{decisionResult.getFirstResult().korting}}</camunda:outputParameter>
        <camunda:outputParameter name="alle"
          >${{decisionResult.collectEntries("korting")}}</camunda:outputParameter>
        <camunda:outputParameter name="aantal"
          >${{decisionResult.getResultList()}}</camunda:outputParameter>
        <camunda:outputParameter name="enige">{single}</camunda:outputParameter>
      </camunda:inputOutput></bpmn:extensionElements>
      <bpmn:incoming>Flow_1</bpmn:incoming>"""


@pytest.mark.parametrize(("single", "expected"), [
    ("${decisionResult.getSingleResult()}", ("error: getSingleResult() needs one result, but "
                                            "3 rules matched")),
    ("${decisionResult.getSingleEntry() == null}", "error: getSingleEntry()"),
    ("${empty decisionResult}", False),
])
def test_an_output_mapping_reads_camundas_decision_result(
        client: FlaskClient, tokens: dict[str, str], single: str, expected: Any) -> None:
    """As Camunda 7 gives a business rule task's output mapping: `decisionResult`, the
    matched rules' outputs, with getSingleResult, getFirstResult, getSingleEntry,
    collectEntries and getResultList; it is not case data afterwards (a case variable of
    that name is as it was)."""
    bpmn = BPMN.replace(
        'camunda:decisionRef="kortingen" camunda:resultVariable="uitkomst" '
        'camunda:mapDecisionResult="{mapping}">\n      <bpmn:incoming>Flow_1</bpmn:incoming>',
        'camunda:decisionRef="kortingen">\n      ' + DECISION_RESULT.format(single=single))
    assert "decisionResult" in bpmn
    dmn = DMN.replace('hitPolicy="UNIQUE"', 'hitPolicy="RULE ORDER"')
    response = upload(client, tokens["ontwerper"], [("korting.bpmn", bpmn),
                                                     ("kortingen.dmn", dmn)])
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "leges_berekenen",
                 {"leeftijd": 10, "decisionResult": "van de zaak"})
    if isinstance(expected, str) and expected.startswith("error: "):
        assert case["status"] == "error" and expected[7:] in case["error"], case["error"]
        return
    assert case["status"] == "open", case["error"]
    data = case["data"]
    assert (data["hoogste"], data["alle"], data["enige"]) == (10, [10, 5, 1], expected)
    assert data["aantal"] == [{"korting": 10}, {"korting": 5}, {"korting": 1}]
    assert data["decisionResult"] == "van de zaak"  # a case variable of that name is kept
