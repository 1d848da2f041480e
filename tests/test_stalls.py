"""No case stays 'open' in silence: one that waits for nothing (an endless loop of
automatic steps, which the engine stops after some hundreds of rounds, or a dead end) is
an error case, visible and retryable; a timer cycle with no time in between is refused at
upload."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from helpers import bearer, upload

LOOP = (Path(__file__).parent / "data" / "endless_loop.bpmn").read_text()


def test_an_endless_loop_of_automatic_steps_is_an_error_case(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    assert upload(client, tokens["ontwerper"], [("endless_loop.bpmn", LOOP)]).status_code == 201
    started = client.post("/api/v1/cases", json={"process_key": "eindeloos", "data": {}},
                          headers=bearer(tokens["consulent"]))
    assert started.status_code == 201
    case = started.get_json()
    assert case["status"] == "error" and case["open_tasks"] == []
    assert case["error"].startswith("Tel: the case went round and round")
    retried = client.post(f"/api/v1/cases/{case['id']}/retry",
                          headers=bearer(tokens["consulent"]))
    assert retried.status_code == 200, retried.get_json()  # retryable, not "not stuck"
    assert retried.get_json()["status"] == "error"  # and, the loop being endless, still one


CYCLE = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="snel" isExecutable="true">
    <bpmn:startEvent id="Start">{start}<bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Taak"><bpmn:incoming>f1</bpmn:incoming><bpmn:outgoing>f2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:boundaryEvent id="Herhaal" attachedToRef="Taak" cancelActivity="false">
      <bpmn:outgoing>f3</bpmn:outgoing>{boundary}</bpmn:boundaryEvent>
    <bpmn:endEvent id="End"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="End2"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Taak" />
    <bpmn:sequenceFlow id="f2" sourceRef="Taak" targetRef="End" />
    <bpmn:sequenceFlow id="f3" sourceRef="Herhaal" targetRef="End2" />
  </bpmn:process>
</bpmn:definitions>"""


def _timer(kind: str, value: str) -> str:
    return (f'<bpmn:timerEventDefinition><bpmn:{kind} xsi:type="bpmn:tFormalExpression">'
            f'{value}</bpmn:{kind}></bpmn:timerEventDefinition>')


@pytest.mark.parametrize(("element", "value"), [
    ("Herhaal", "R/PT0S"), ("Herhaal", "R5/P0D"), ("Herhaal", "R/2027-01-01T00:00:00Z/PT0M"),
    ("Start", "R/PT0S")])
def test_a_timer_cycle_with_no_time_in_between_is_refused(
        client: FlaskClient, tokens: dict[str, str], element: str, value: str) -> None:
    timer = _timer("timeCycle", value)
    model = CYCLE.format(start=timer if element == "Start" else "",
                         boundary=_timer("timeCycle", "R/PT1H") if element == "Start"
                         else timer)
    response = upload(client, tokens["ontwerper"], [("snel.bpmn", model)])
    assert response.status_code == 422
    messages = [(e["element_id"], e["message"]) for e in response.get_json()["errors"]]
    assert any(where == element and "repeats with no time in between" in message
               for where, message in messages), messages


def test_a_cycle_with_time_in_between_is_taken(client: FlaskClient,
                                               tokens: dict[str, str]) -> None:
    model = CYCLE.format(start="", boundary=_timer("timeCycle", "R/PT10S"))
    response = upload(client, tokens["ontwerper"], [("snel.bpmn", model)])
    assert response.status_code == 201, response.get_json()
