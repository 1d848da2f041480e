"""Values that must not give a server error: a lone surrogate in JSON, NaN and Infinity
made by a script, a huge number in an expression. Each is a 4xx or a clear case error at
the place it happens, and nothing is stored half."""
from __future__ import annotations

import json

from flask.testing import FlaskClient

from helpers import BIJSTAND_AANVRAAG, bearer, upload

SCRIPT = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" id="d"
  targetNamespace="t">
  <bpmn:process id="rekenen" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:scriptTask id="Reken" scriptFormat="python"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:script>{script}</bpmn:script></bpmn:scriptTask>
    <bpmn:userTask id="Kijk"><bpmn:incoming>f2</bpmn:incoming><bpmn:outgoing>f3</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="End"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Reken" />
    <bpmn:sequenceFlow id="f2" sourceRef="Reken" targetRef="Kijk" />
    <bpmn:sequenceFlow id="f3" sourceRef="Kijk" targetRef="End" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_lone_surrogate_in_json_is_refused(client: FlaskClient,
                                             tokens: dict[str, str]) -> None:
    body = json.dumps({"process_key": "bijzondere_bijstand",
                       "data": {**BIJSTAND_AANVRAAG, "naam": "\udc00"}})
    response = client.post("/api/v1/cases", data=body, content_type="application/json",
                           headers=bearer(tokens["consulent"]))
    assert 400 <= response.status_code < 500, response.get_data(as_text=True)[:300]
    assert response.get_json() is not None


def test_nan_and_infinity_from_a_script_are_a_clear_case_error(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    for script in ("x = float('nan')", "x = float('inf')", "x = 1e308 * 10",
                   "x = {'a': [float('-inf')]}"):
        assert upload(client, tokens["ontwerper"], [
            ("rekenen.bpmn", SCRIPT.format(script=script))]).status_code == 201
        response = client.post("/api/v1/cases", json={"process_key": "rekenen", "data": {}},
                               headers=bearer(tokens["consulent"]))
        assert response.status_code == 201, response.get_data(as_text=True)[:300]
        case = json.loads(response.get_data(as_text=True),  # valid JSON: no NaN, Infinity
                          parse_constant=_no_constant)
        assert case["status"] == "error" and case["error"].startswith("Reken: "), case
        assert "not a number" in case["error"] or "infinite" in case["error"]


def _no_constant(name: str) -> None:
    raise AssertionError(f"{name} in the answer is not JSON")


def test_huge_numbers_in_expressions_are_refused_at_upload(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    for expression in ("x = " + "9" * 5000, "x = 1e999"):
        response = upload(client, tokens["ontwerper"], [
            ("rekenen.bpmn", SCRIPT.format(script=expression))])
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        assert response.get_json()["errors"][0]["element_id"] == "Reken"


GATEWAY = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:xsi="http://www.w3.org/2001/XMLSchema-instance" id="d" targetNamespace="t">
  <bpmn:process id="kiezen" isExecutable="true">
    <bpmn:startEvent id="Start"><bpmn:outgoing>f1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:exclusiveGateway id="Keuze" default="f3"><bpmn:incoming>f1</bpmn:incoming>
      <bpmn:outgoing>f2</bpmn:outgoing><bpmn:outgoing>f3</bpmn:outgoing></bpmn:exclusiveGateway>
    <bpmn:endEvent id="Hoog"><bpmn:incoming>f2</bpmn:incoming></bpmn:endEvent>
    <bpmn:endEvent id="Laag"><bpmn:incoming>f3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="Keuze" />
    <bpmn:sequenceFlow id="f2" sourceRef="Keuze" targetRef="Hoog">
      <bpmn:conditionExpression xsi:type="bpmn:tFormalExpression">{condition}
      </bpmn:conditionExpression>
    </bpmn:sequenceFlow>
    <bpmn:sequenceFlow id="f3" sourceRef="Keuze" targetRef="Laag" />
  </bpmn:process>
</bpmn:definitions>"""


def test_huge_numbers_in_juel_are_refused_at_upload_not_a_server_error(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    for condition, problem in ((f"${{bedrag &gt; {'9' * 5000}}}", "at most 30 digits"),
                               ("${bedrag &gt; 1e999}", "too large")):
        response = upload(client, tokens["ontwerper"], [
            ("kiezen.bpmn", GATEWAY.format(condition=condition))])
        assert response.status_code == 422, response.get_data(as_text=True)[:300]
        [error] = response.get_json()["errors"]
        assert error["element_id"] == "f2" and problem in error["message"], error
