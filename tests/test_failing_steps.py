"""An automatic step that fails leaves the case stuck with a clear error, never half-changed."""
from __future__ import annotations

import io
from pathlib import Path

from flask.testing import FlaskClient

from conftest import login
from helpers import actions, bearer, complete, open_task, start

DATA = Path(__file__).parent / "data"


def test_failing_script_marks_the_case_and_keeps_the_input(client: FlaskClient,
                                                           tokens: dict[str, str]) -> None:
    upload = client.post("/api/v1/process-models", data={"files": [
        (io.BytesIO((DATA / "failing_script.bpmn").read_bytes()), "failing_script.bpmn")]},
        headers=bearer(tokens["ontwerper"]), content_type="multipart/form-data")
    assert upload.status_code == 201
    case = start(client, tokens["consulent"], "failing_script", {})
    case = complete(client, tokens["consulent"], case, "Task_Invoer", {"deler": 0})
    assert case["status"] == "error"
    assert case["error"].startswith("Script_Delen:") and "zero" in case["error"]
    assert case["data"]["deler"] == 0  # what the caseworker entered is kept
    assert case["open_tasks"] == []
    assert "automatic_step_failed" in actions(client, tokens["consulent"], case["id"])
    retried = client.post(f"/api/v1/cases/{case['id']}/retry",
                          headers=bearer(tokens["consulent"]))
    assert retried.status_code == 200 and retried.get_json()["status"] == "error"
    login(client, "consulent")
    page = client.get(f"/werk/zaken/{case['id']}").get_data(as_text=True)
    assert "De zaak is vastgelopen" in page and "Opnieuw proberen" in page


def test_retry_of_a_running_case_is_refused(client: FlaskClient,
                                            tokens: dict[str, str]) -> None:
    from helpers import BIJSTAND_AANVRAAG
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    open_task(case, "Task_Volledigheid")
    response = client.post(f"/api/v1/cases/{case['id']}/retry",
                           headers=bearer(tokens["consulent"]))
    assert response.status_code == 409


LOOPING = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL" xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_loop" targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="endless" name="Oneindig" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Start" name="Start" camunda:candidateGroups="consulenten">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:scriptTask id="Script_Loop" name="{name}" scriptFormat="python">
      <bpmn:incoming>Flow_2</bpmn:incoming><bpmn:outgoing>Flow_3</bpmn:outgoing>
      <bpmn:script>{script}</bpmn:script>
    </bpmn:scriptTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_3</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Start" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Start" targetRef="Script_Loop" />
    <bpmn:sequenceFlow id="Flow_3" sourceRef="Script_Loop" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>"""


def test_endless_or_huge_scripts_end_as_a_case_error(client: FlaskClient,
                                                     tokens: dict[str, str]) -> None:
    import time
    for script in ("x = 0\nwhile True:\n    x = x + 1", "s = 'a'\nwhile True:\n    s = s + s"):
        model = LOOPING.replace("{name}", "Rekenen").replace("{script}", script)
        upload = client.post("/api/v1/process-models", data={"files": [
            (io.BytesIO(model.encode()), "endless.bpmn")]}, headers=bearer(tokens["ontwerper"]),
            content_type="multipart/form-data")
        assert upload.status_code == 201, upload.get_json()
        case = start(client, tokens["consulent"], "endless", {})
        began = time.monotonic()
        case = complete(client, tokens["consulent"], case, "Task_Start", {})
        assert time.monotonic() - began < 10
        assert case["status"] == "error" and case["error"].startswith("Script_Loop:")
        # the server keeps answering everyone else
        assert client.get("/api/v1/tasks", headers=bearer(tokens["consulent2"])).status_code \
            == 200
