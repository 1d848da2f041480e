"""Uploading models: Camunda Modeler files as saved, versions, and every refusal at once."""
from __future__ import annotations

import gc
import io
import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient
from lxml import etree

from conftest import ROOT, csrf_token, login
from helpers import BIJSTAND_AANVRAAG, bearer, start
from maatwerk.engine import flow_order
from maatwerk.engine.model_checks import FLOW_NODES
from maatwerk.services.demo import bundle_files

DATA = Path(__file__).parent / "data"
# copies of ../shared/conformance/miwg (CC BY 3.0, BPMN MIWG; see data/miwg/SOURCE.md) and
# ../shared/attacks, so the suite runs the same in any clone
MIWG = sorted((DATA / "miwg").glob("*.bpmn"))
ATTACKS = sorted((DATA / "attacks").glob("*.bpmn"))
assert len(MIWG) == 21 and len(ATTACKS) == 3, "test data is missing"


def _upload(client: FlaskClient, token: str, files: list[tuple[str, bytes]]):
    data = {"files": [(io.BytesIO(content), name) for name, content in files]}
    return client.post("/api/v1/process-models", data=data, headers=bearer(token),
                       content_type="multipart/form-data")


def _bijstand_files() -> list[tuple[str, bytes]]:
    return [(f.filename, f.content) for f in bundle_files(
        ROOT / "workflows" / "bijzondere_bijstand.bpmn", ROOT / "workflows", ROOT / "forms")]


def _changed(files: list[tuple[str, bytes]], mark: str) -> list[tuple[str, bytes]]:
    """The same files with the BPMN file changed (a comment at its end)."""
    return [(name, content + f"<!-- {mark} -->".encode() if name.endswith(".bpmn")
             else content) for name, content in files]


def test_upload_bpmn_dmn_and_forms_makes_versions(client: FlaskClient,
                                                  tokens: dict[str, str]) -> None:
    files = _changed(_bijstand_files(), "versie 2")
    assert {Path(n).suffix for n, _ in files} == {".bpmn", ".dmn", ".form"}
    first = _upload(client, tokens["ontwerper"], files)
    assert first.status_code == 201
    assert first.get_json() == {"key": "bijzondere_bijstand", "version": 2,
                                "name": "Bijzondere bijstand",
                                "description": first.get_json()["description"],
                                "notes": first.get_json()["notes"], "unchanged": False,
                                "status": "published"}
    # the demo model's camunda:formRefBinding and historyTimeToLive change nothing here
    assert {n["message"].split(" ")[0] for n in first.get_json()["notes"]} == {
        "camunda:formRefBinding", "camunda:historyTimeToLive"}
    second = _upload(client, tokens["ontwerper"], _changed(_bijstand_files(), "versie 3"))
    assert (second.status_code, second.get_json()["version"]) == (201, 3)
    listed = client.get("/api/v1/process-models?key=bijzondere_bijstand",
                        headers=bearer(tokens["ontwerper"])).get_json()["models"]
    assert [m["version"] for m in listed] == [3, 2, 1]
    assert len({m["content_hash"] for m in listed}) == 3


def test_the_same_files_again_make_no_new_version(client: FlaskClient,
                                                  tokens: dict[str, str]) -> None:
    """The demo loaded version 1 from these very files: uploading them again answers that
    version; the files of an older version again make a new one (going back is a change)."""
    again = _upload(client, tokens["ontwerper"], _bijstand_files())
    assert again.status_code == 200
    assert (again.get_json()["version"], again.get_json()["unchanged"]) == (1, True)
    newer = _upload(client, tokens["ontwerper"], _changed(_bijstand_files(), "nieuw"))
    assert (newer.status_code, newer.get_json()["version"]) == (201, 2)
    back = _upload(client, tokens["ontwerper"], _bijstand_files())
    assert (back.status_code, back.get_json()["version"]) == (201, 3)
    login(client, "ontwerper")
    page = client.get("/ontwerp/uploaden").get_data(as_text=True)
    response = client.post("/ontwerp/uploaden", data={
        "csrf_token": csrf_token(page),
        "files": [(io.BytesIO(content), name) for name, content in _bijstand_files()]},
        content_type="multipart/form-data", follow_redirects=True)
    html = response.get_data(as_text=True)
    assert "Deze bestanden zijn precies versie 3 van ‘Bijzondere bijstand’" in html
    assert "er is geen nieuwe versie gemaakt" in html
    listed = client.get("/api/v1/process-models?key=bijzondere_bijstand",
                        headers=bearer(tokens["ontwerper"])).get_json()["models"]
    assert [m["version"] for m in listed] == [3, 2, 1]


def test_running_cases_stay_on_their_version(client: FlaskClient,
                                             tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    assert case["process_version"] == 1
    _upload(client, tokens["ontwerper"], _changed(_bijstand_files(), "versie 2"))
    newer = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    assert newer["process_version"] == 2
    again = client.get(f"/api/v1/cases/{case['id']}", headers=bearer(tokens["consulent"]))
    assert again.get_json()["process_version"] == 1


def test_every_problem_is_listed_at_once_with_file_and_element(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = _upload(client, tokens["ontwerper"],
                       [("broken.bpmn", (DATA / "broken.bpmn").read_bytes())])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    by_element = {e["element_id"]: e["message"] for e in errors}
    assert {"Task_Form", "Script_JS", "Service_Mail", "Rule_Missing", "Flow_Nee", "Timer_Bad",
            "Flow_Ja"} <= set(by_element)
    assert all(e["file"] == "broken.bpmn" for e in errors)
    assert "bestaat_niet" in by_element["Task_Form"]
    assert "ISO 8601" in by_element["Timer_Bad"]
    assert "is not a call of a bean" in by_element["Service_Mail"]
    models = client.get("/api/v1/process-models", headers=bearer(tokens["ontwerper"]))
    assert "broken" not in [m["key"] for m in models.get_json()["models"]]


@pytest.mark.parametrize(("name", "content", "expected"), [
    ("notes.txt", b"hello", "unknown file type"),
    ("model.bpmn", b"not xml at all", "not XML"),
    ("model.bpmn", b"<bpmn:definitions xmlns:bpmn='x'><unclosed>", "malformed"),
    ("model.bpmn", b"<?xml version='1.0'?><html/>", "neither BPMN"),
    ("form.form", b"{\"components\": [{\"type\": \"textfield\"}]}", ""),
    ("form.form", b"{not json", ""),
])
def test_bad_files_are_refused_with_the_file_named(client: FlaskClient, tokens: dict[str, str],
                                                   name: str, content: bytes,
                                                   expected: str) -> None:
    response = _upload(client, tokens["ontwerper"], [(name, content)])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert any(e["file"] == name and expected in e["message"] for e in errors), errors


@pytest.mark.filterwarnings("ignore::pytest.PytestUnraisableExceptionWarning")
def test_empty_and_oversized_uploads(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert _upload(client, tokens["ontwerper"], []).status_code == 422
    huge = b"<a>" + b"x" * (6 * 1024 * 1024) + b"</a>"
    assert _upload(client, tokens["ontwerper"], [("big.bpmn", huge)]).status_code == 413
    gc.collect()  # werkzeug leaves the refused upload's spooled file to the collector


def test_only_designers_upload(client: FlaskClient, tokens: dict[str, str]) -> None:
    assert _upload(client, tokens["consulent"], _bijstand_files()).status_code == 403


@pytest.mark.parametrize("path", ATTACKS, ids=lambda p: p.name)
def test_hostile_uploads_are_refused_and_never_run(client: FlaskClient, tokens: dict[str, str],
                                                   path: Path) -> None:
    markers = [Path("/tmp/maatwerk-pwned-script"), Path("/tmp/maatwerk-pwned-condition")]
    response = _upload(client, tokens["ontwerper"], [(path.name, path.read_bytes())])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    assert errors and all(e["message"] for e in errors)
    body = response.get_data(as_text=True)
    assert "root:" not in body and "/etc/" not in body  # no file content leaked back
    assert not any(m.exists() for m in markers)


@pytest.mark.parametrize("path", MIWG, ids=lambda p: p.name)
def test_miwg_reference_models_are_accepted_or_clearly_refused(
        client: FlaskClient, tokens: dict[str, str], path: Path) -> None:
    response = _upload(client, tokens["ontwerper"], [(path.name, path.read_bytes())])
    assert response.status_code in (201, 422), response.get_data(as_text=True)[:300]
    if response.status_code == 422:
        for error in response.get_json()["errors"]:
            assert error["file"] == path.name
            assert len(error["message"]) > 10


def test_refused_upload_is_on_record(client: FlaskClient, tokens: dict[str, str],
                                     uow) -> None:  # type: ignore[no-untyped-def]
    from maatwerk.persistence.audit_log import latest
    _upload(client, tokens["ontwerper"], [("broken.bpmn", (DATA / "broken.bpmn").read_bytes())])
    event = latest(uow.session, 1)[0]
    assert event.action == "model_upload_refused" and event.result == "refused"
    assert event.actor == "ontwerper" and event.details["problems"]


def test_steps_are_listed_in_process_order(client: FlaskClient, tokens: dict[str, str]) -> None:
    """As the diagram reads: from the start along the flows, a subprocess's steps after it,
    a boundary event after its task, an event subprocess last; not by id or name."""
    login(client, "ontwerper")
    page = client.get("/ontwerp/bijzondere_bijstand/1").get_data(as_text=True)
    steps = page[page.index('id="steps-title"'):]
    ids = re.findall(r'<code class="muted">([^<]+)</code>', steps[:steps.index("</table>")])
    assert ids[:2] == ["StartEvent_Aanvraag", "SubProcess_Behandeling"]
    assert ids.index("Task_Volledigheid") < ids.index("Task_Draagkracht") \
        < ids.index("Task_Vierogen") < ids.index("Task_Betaling")
    assert ids.index("Task_Volledigheid") < ids.index("Task_Aanvulling")
    login(client, "consulent")
    inbox = client.get("/werk/").get_data(as_text=True)
    names = re.findall(r'<option value="Task_[^"]+"[^>]*>([^<]+) \(Bijzondere bijstand\)<',
                       inbox)
    assert names.index("Volledigheid controleren") < names.index("Vierogencontrole besluit")


def test_process_order_of_events_and_subprocesses() -> None:
    xml = etree.fromstring(b"""<bpmn:process id="p"
        xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL">
      <bpmn:subProcess id="Sub_Event" triggeredByEvent="true">
        <bpmn:startEvent id="Start_Event"/></bpmn:subProcess>
      <bpmn:userTask id="Z_Second"/>
      <bpmn:boundaryEvent id="Timer" attachedToRef="A_First"/>
      <bpmn:userTask id="A_First"/>
      <bpmn:startEvent id="Start"/>
      <bpmn:endEvent id="End"/>
      <bpmn:sequenceFlow id="f1" sourceRef="Start" targetRef="A_First"/>
      <bpmn:sequenceFlow id="f2" sourceRef="A_First" targetRef="Z_Second"/>
      <bpmn:sequenceFlow id="f3" sourceRef="Z_Second" targetRef="End"/>
      <bpmn:sequenceFlow id="f4" sourceRef="Timer" targetRef="End"/>
    </bpmn:process>""")
    ranks = flow_order.ranks(xml, FLOW_NODES)
    assert sorted(ranks, key=ranks.__getitem__) == [
        "Start", "A_First", "Z_Second", "Timer", "End", "Sub_Event", "Start_Event"]
