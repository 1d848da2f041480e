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
