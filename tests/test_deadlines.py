"""The legal decision term: set at start, suspended for missing information, extended."""
from __future__ import annotations

from datetime import date, datetime, timedelta
from typing import Any

from flask.testing import FlaskClient
from sqlalchemy import text

from conftest import csrf_token
from helpers import BIJSTAND_AANVRAAG, actions, bearer, complete, open_task, start, upload
from maatwerk.domain.workdays import (
    add_working_days,
    easter,
    holidays,
    is_working_day,
    working_days_between,
)
from maatwerk.persistence.database import Database


def test_dutch_working_days() -> None:
    assert easter(2027) == date(2027, 3, 28)
    assert date(2027, 4, 27) in holidays(2027)  # Koningsdag
    assert date(2025, 4, 26) in holidays(2025)  # 27 April 2025 is a Sunday
    assert date(2025, 5, 5) in holidays(2025) and date(2026, 5, 5) not in holidays(2026)
    assert not is_working_day(date(2026, 12, 25)) and is_working_day(date(2026, 12, 24))
    # Friday 24 Dec 2027 to Monday 3 Jan 2028: 27, 28, 29, 30, 31 Dec and 3 Jan
    assert working_days_between(date(2027, 12, 24), date(2028, 1, 3)) == 6
    assert working_days_between(date(2028, 1, 3), date(2027, 12, 24)) == -6
    assert add_working_days(date(2027, 12, 24), 6) == date(2028, 1, 3)  # over Kerst
    assert add_working_days(date(2027, 12, 24), 0) == date(2027, 12, 24)


def _case_row(database: Database, case_id: int) -> dict[str, object]:
    with database.engine.connect() as conn:
        row = conn.execute(text("SELECT due_at, suspended_since FROM cases WHERE id = :id"),
                           {"id": case_id}).mappings().one()
    return dict(row)


def _when(value: str) -> datetime:
    return datetime.fromisoformat(value)


def _case(client: FlaskClient, token: str, case_id: int) -> dict[str, Any]:
    found: dict[str, Any] = client.get(f"/api/v1/cases/{case_id}", headers=bearer(token)
                                       ).get_json()
    return found


def _as_datetime(value: object) -> datetime:
    return value if isinstance(value, datetime) else datetime.fromisoformat(str(value))


def test_term_is_set_suspended_and_resumed(client: FlaskClient, tokens: dict[str, str],
                                           database: Database) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    status_url = case["status_url"]
    due = datetime.fromisoformat(case["due_at"])
    started = datetime.fromisoformat(case["created_at"])
    assert due - started == timedelta(weeks=8)  # maatwerk:decisionTerm P8W
    # the escalation timer expresses the term (maatwerk:followsDecisionDate): it waits for
    # the decision date itself
    assert _when(case["next_timer_at"]) == due
    case = complete(client, tokens["consulent"], case, "Task_Volledigheid", {
        "volledig": "nee", "ontbrekende_gegevens": "Stuur de offerte mee."})
    assert case["deadline_suspended"] is True
    # while the term stands still the escalation waits; the resident's P14D term is next
    next_timer = _when(_case(client, tokens["consulent"], case["id"])["next_timer_at"])
    assert timedelta(days=13) < next_timer - started < timedelta(days=15)
    # pretend the resident took three days: move the start of the suspension back
    with database.engine.begin() as conn:
        since = _as_datetime(_case_row(database, case["id"])["suspended_since"])
        conn.execute(text("UPDATE cases SET suspended_since = :s WHERE id = :id"),
                     {"s": since - timedelta(days=3), "id": case["id"]})
    status = client.get(status_url).get_data(as_text=True)
    assert "de termijn staat stil" in status
    assert "Doe dit uiterlijk op" in status  # the P14D repair term on the resident's task
    task = open_task(case, "Task_Aanvulling")
    token = status_url.split("/status/")[1]
    page = client.get(f"/status/{token}").get_data(as_text=True)
    field = __import__("re").search(r'name="(t[0-9a-f]{8}-aanvulling)"', page)
    assert field, "the resident's form for the missing information"
    prefix = field.group(1).split("-")[0]
    sent = client.post(f"/status/{token}/taken/{task['id']}", data={
        f"{prefix}-csrf_token": csrf_token(page),
        field.group(1): "Hierbij de offerte van de wasmachine."})
    assert sent.status_code == 302
    after = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    body = after.get_json()
    assert body["deadline_suspended"] is False
    moved = datetime.fromisoformat(body["due_at"]) - due
    assert timedelta(days=3) <= moved < timedelta(days=3, minutes=5)
    assert _when(body["next_timer_at"]) == _when(body["due_at"])  # the timer moved along
    history = actions(client, tokens["consulent"], case["id"])
    assert [a for a in history if a.startswith("deadline_")] == [
        "deadline_set", "deadline_suspended", "deadline_resumed"]


def test_extension_is_a_deviation_with_a_notice(client: FlaskClient,
                                                tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    status_url = case["status_url"]
    due = datetime.fromisoformat(case["due_at"])
    body = {"type": "extend_deadline", "values": {"weeks": 4},
            "reason": "Het advies van de GGD over de medische kosten laat op zich wachten.",
            "legal_basis": "art. 4:84 Awb"}
    missing = client.post(f"/api/v1/cases/{case['id']}/deviations", json=body,
                          headers=bearer(tokens["consulent"]))
    assert missing.status_code == 422 and "resident_message" in missing.get_json()["errors"]
    body["resident_message"] = ("Wij wachten op een medisch advies. Daarom beslissen wij vier "
                                "weken later.")
    requested = client.post(f"/api/v1/cases/{case['id']}/deviations", json=body,
                            headers=bearer(tokens["consulent"])).get_json()
    approved = client.post(f"/api/v1/deviations/{requested['id']}/approve", json={
        "comment": "Akkoord"}, headers=bearer(tokens["teamleider"])).get_json()
    assert datetime.fromisoformat(approved["case"]["due_at"]) - due == timedelta(weeks=4)
    # the escalation that expresses the term moved with it (it said the old date before)
    after = _case(client, tokens["consulent"], case["id"])
    assert _when(after["next_timer_at"]) == due + timedelta(weeks=4)
    assert approved["before"] == {"due_at": due.isoformat()}
    assert "deadline_extended" in actions(client, tokens["consulent"], case["id"])
    status = client.get(status_url).get_data(as_text=True)
    assert "Wij wachten op een medisch advies" in status


TERM_MODEL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="termijn" isExecutable="true">
    <bpmn:extensionElements><camunda:properties>
      <camunda:property name="maatwerk:decisionTerm" value="P8W" />
    </camunda:properties></bpmn:extensionElements>
    <bpmn:startEvent id="StartEvent_1" />
    <bpmn:userTask id="Task_Beslissen" camunda:candidateGroups="consulenten">{task}</bpmn:userTask>
    <bpmn:boundaryEvent id="Timer_Termijn" cancelActivity="false" attachedToRef="Task_Beslissen">
      {timer}
      <bpmn:timerEventDefinition><bpmn:timeDuration>P8W</bpmn:timeDuration></bpmn:timerEventDefinition>
    </bpmn:boundaryEvent>
    <bpmn:userTask id="Task_Escaleren" camunda:candidateGroups="teamleiders" />
    <bpmn:endEvent id="EndEvent_1" />
    <bpmn:endEvent id="EndEvent_2" />
    <bpmn:sequenceFlow id="F1" sourceRef="StartEvent_1" targetRef="Task_Beslissen" />
    <bpmn:sequenceFlow id="F2" sourceRef="Task_Beslissen" targetRef="EndEvent_1" />
    <bpmn:sequenceFlow id="F3" sourceRef="Timer_Termijn" targetRef="Task_Escaleren" />
    <bpmn:sequenceFlow id="F4" sourceRef="Task_Escaleren" targetRef="EndEvent_2" />
  </bpmn:process>
</bpmn:definitions>"""
FOLLOWS = ('<bpmn:extensionElements><camunda:properties><camunda:property '
           'name="maatwerk:followsDecisionDate" value="{value}" /></camunda:properties>'
           '</bpmn:extensionElements>')


def _upload_term(client: FlaskClient, token: str, task: str = "", timer: str = "",
                 term: str = "P8W") -> Any:
    bpmn = TERM_MODEL.format(task=task, timer=timer).replace('value="P8W" />',
                                                             f'value="{term}" />')
    return upload(client, token, [("termijn.bpmn", bpmn.encode())])


def test_a_term_timer_is_checked_at_upload(client: FlaskClient,
                                           tokens: dict[str, str]) -> None:
    """On a timer event, with a yes or no, in a process with a decision term; a timer as
    long as the term that does not follow it is noted."""
    designer = tokens["ontwerper"]
    noted = _upload_term(client, designer)
    assert noted.status_code == 201, noted.get_json()
    assert any(n["element_id"] == "Timer_Termijn" and "maatwerk:followsDecisionDate = true"
               in n["message"] for n in noted.get_json()["notes"])
    followed = _upload_term(client, designer, timer=FOLLOWS.format(value="true"))
    assert followed.status_code == 201, followed.get_json()
    assert not [n for n in followed.get_json()["notes"] if n["element_id"] == "Timer_Termijn"]
    for kwargs, element, opening in [
        ({"task": FOLLOWS.format(value="true")}, "Task_Beslissen",
         "maatwerk:followsDecisionDate belongs on a timer event"),
        ({"timer": FOLLOWS.format(value="misschien")}, "Timer_Termijn",
         "maatwerk:followsDecisionDate is 'misschien'"),
        ({"timer": FOLLOWS.format(value="true"), "term": ""}, "Timer_Termijn",
         "the timer follows the decision date"),
    ]:
        refused = _upload_term(client, designer, **kwargs)
        assert refused.status_code == 422, kwargs
        errors = refused.get_json()["errors"]
        assert any(e["element_id"] == element and e["message"].startswith(opening) and
                   e["file"] == "termijn.bpmn" for e in errors), errors
