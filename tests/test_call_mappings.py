"""Call activities with Camunda 7's camunda:in and camunda:out, as GZAC building blocks use
them: the called process gets only what camunda:in passes, and the caller gets back only
what camunda:out names."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import complete, start, upload

MODEL = Path(__file__).parent / "data" / "call_mappings.bpmn"
KEY = "vergunning_met_bouwsteen"


def _upload(client: FlaskClient, token: str, bpmn: str) -> Any:
    return upload(client, token, [("bouwsteen.bpmn", bpmn.encode())])


def test_the_called_process_gets_and_gives_back_only_what_is_mapped(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    assert _upload(client, tokens["ontwerper"], MODEL.read_text()).status_code == 201
    case = start(client, tokens["consulent"], KEY, {"aanvrager": "Fatima", "bedrag": 50,
                                                   "geheim": "BSN 123"})
    assert [t["element_id"] for t in case["open_tasks"]] == ["Sub_Registreren"]
    done = complete(client, tokens["consulent"], case, "Sub_Registreren",
                    {"zaaknummer": "ZAAK-1", "intern": "alleen voor de bouwsteen"})
    assert [t["element_id"] for t in done["open_tasks"]] == ["Main_Beoordelen"]
    data = done["data"]
    assert data["zaakId"] == "ZAAK-1" and data["samenvatting"] == "Fatima / 100"
    assert data["geheim"] == "BSN 123" and data["aanvrager"] == "Fatima"  # its own, kept
    for not_back in ("intern", "zaaknummer", "initiator", "dubbel", "ontvangen"):
        assert not_back not in data, not_back


def test_a_variable_that_is_not_passed_is_not_there_in_the_called_process(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    bpmn = MODEL.read_text().replace('str(leeg)</bpmn:script>', 'geheim</bpmn:script>')
    assert _upload(client, tokens["ontwerper"], bpmn).status_code == 201
    case = start(client, tokens["consulent"], KEY, {"aanvrager": "Ali", "bedrag": 1,
                                                   "geheim": "BSN 456"})
    assert case["status"] == "error"  # 'geheim' was not passed in
    assert "Sub_Controleren" in case["error"] and "geheim" in case["error"]


def test_without_mappings_everything_is_passed_in_and_back(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    start_tag = "<bpmn:extensionElements>"
    bpmn = MODEL.read_text()
    without = bpmn[:bpmn.index(start_tag)] + bpmn[bpmn.index("</bpmn:extensionElements>")
                                                  + len("</bpmn:extensionElements>"):]
    without = without.replace('initiator + " " + str(dubbel) + " " + str(leeg)',
                              'aanvrager + " " + str(bedrag)')
    assert _upload(client, tokens["ontwerper"], without).status_code == 201
    case = start(client, tokens["consulent"], KEY, {"aanvrager": "Ali", "bedrag": 1})
    done = complete(client, tokens["consulent"], case, "Sub_Registreren", {"zaaknummer": "Z"})
    assert done["data"]["ontvangen"] == "Ali 1" and done["data"]["zaaknummer"] == "Z"


@pytest.mark.parametrize(("old", "new", "message"), [
    ('<camunda:in source="aanvrager" target="initiator" />',
     '<camunda:in source="aanvrager" />', "camunda:in needs a target variable name"),
    ('<camunda:in source="aanvrager" target="initiator" />',
     '<camunda:in source="aanvrager" sourceExpression="${a}" target="initiator" />',
     "needs a source or a sourceExpression (one of them)"),
    ('<camunda:out source="zaaknummer" target="zaakId" />',
     '<camunda:out source="zaaknummer" target="zaakId" local="true" />',
     'camunda:out with local="true" is not supported'),
    ('<camunda:in source="aanvrager" target="initiator" />',
     '<camunda:in variables="some" />', 'variables="some" is not supported'),
    ('<camunda:in sourceExpression="${bedrag * 2}" target="dubbel" />',
     '<camunda:in sourceExpression="${bedrag *}" target="dubbel" />',
     "camunda:in to 'dubbel'"),
])
def test_mappings_that_cannot_run_are_refused_at_upload(
        client: FlaskClient, tokens: dict[str, str], old: str, new: str, message: str) -> None:
    bpmn = MODEL.read_text()
    assert old in bpmn
    response = _upload(client, tokens["ontwerper"], bpmn.replace(old, new))
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["element_id"] == "Call_ZaakAanmaken" and message in problem["message"]


def test_mappings_outside_a_call_activity_are_refused(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    bpmn = MODEL.read_text().replace(
        '<bpmn:userTask id="Main_Beoordelen" name="Vergunning beoordelen" '
        'camunda:candidateGroups="consulenten">',
        '<bpmn:userTask id="Main_Beoordelen" name="Vergunning beoordelen" '
        'camunda:candidateGroups="consulenten"><bpmn:extensionElements>'
        '<camunda:in variables="all" /></bpmn:extensionElements>')
    response = _upload(client, tokens["ontwerper"], bpmn)
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["element_id"] == "Main_Beoordelen"
    assert "it belongs on a call activity" in problem["message"]


MAIN = (Path(__file__).parent / "data" / "call_main.bpmn").read_text()
BUILDING_BLOCK = (Path(__file__).parent / "data" / "call_building_block.bpmn").read_text()


def _upload_both(client: FlaskClient, token: str, building_block: str) -> Any:
    return upload(client, token, [("hoofdproces.bpmn", MAIN), ("bouwsteen.bpmn", building_block)])


def test_a_called_process_in_its_own_file_may_reuse_the_modelers_event_ids(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    response = _upload_both(client, tokens["ontwerper"], BUILDING_BLOCK)
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "hoofdproces", {"a": 1})
    done = complete(client, tokens["consulent"], case, "Activity_Taak", {"b": 2})
    assert done["status"] == "completed" and done["data"] == {"a": 1, "b": 2}


def test_a_task_id_used_in_two_files_is_refused_with_both_processes_named(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    clash = BUILDING_BLOCK.replace("Activity_Taak", "Activity_Bouwsteen")
    response = _upload_both(client, tokens["ontwerper"], clash)
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["file"] == "bouwsteen.bpmn" and problem["element_id"] == "Activity_Bouwsteen"
    assert "also used in process 'hoofdproces'" in problem["message"]


IO = """<camunda:inputOutput>
          <camunda:inputParameter name="status">IN_BEHANDELING</camunda:inputParameter>
          <camunda:inputParameter name="aanvrager">${aanvrager} (aanvrager)</camunda:inputParameter>
          <camunda:outputParameter name="afgerond">${zaakId == 'ZAAK-1'
            and status == 'IN_BEHANDELING'}</camunda:outputParameter>
        </camunda:inputOutput>
        <camunda:in source="status" target="status" />
        """


def test_a_call_activitys_input_parameters_are_its_own_and_may_be_passed_on(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """The GZAC building-block call: `<camunda:inputParameter name="status">` with
    `<camunda:in source="status">`; the inputs are the call activity's own (gone, and a
    hidden case variable back, when it ends); an output parameter sees what it knew."""
    bpmn = MODEL.read_text().replace('<camunda:in businessKey="#{execution.processBusinessKey}" />',
                                     '<camunda:in businessKey="#{execution.processBusinessKey}" />'
                                     + IO)
    bpmn = bpmn.replace('initiator + " " + str(dubbel) + " " + str(leeg)',
                        'initiator + " " + status')
    assert _upload(client, tokens["ontwerper"], bpmn).status_code == 201, bpmn
    case = start(client, tokens["consulent"], KEY, {"aanvrager": "Fatima", "bedrag": 50})
    assert [t["element_id"] for t in case["open_tasks"]] == ["Sub_Registreren"]
    done = complete(client, tokens["consulent"], case, "Sub_Registreren", {"zaaknummer": "ZAAK-1"})
    data = done["data"]
    assert data["afgerond"] is True  # the output saw the input and what came back
    assert data["aanvrager"] == "Fatima"  # the input's hidden case variable is back
    assert "status" not in data  # the input was the call activity's own
    assert data["samenvatting"] == "Fatima (aanvrager) / 100"  # the `in` passed the input


def test_a_call_activity_input_that_cannot_be_evaluated_stops_the_step(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    bpmn = MODEL.read_text().replace(
        '<camunda:in businessKey="#{execution.processBusinessKey}" />',
        '<camunda:in businessKey="#{execution.processBusinessKey}" />'
        '<camunda:inputOutput><camunda:inputParameter name="x">${onbekend}'
        '</camunda:inputParameter></camunda:inputOutput>')
    assert _upload(client, tokens["ontwerper"], bpmn).status_code == 201
    case = start(client, tokens["consulent"], KEY, {"aanvrager": "Ali", "bedrag": 1})
    assert case["status"] == "error"
    assert "Call_ZaakAanmaken" in case["error"] and "input parameter 'x'" in case["error"]


REPEATED_CALL = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
  xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="D" targetNamespace="t">
  <bpmn:process id="alle_kinderen" isExecutable="true">
    <bpmn:startEvent id="Start_Main" />
    <bpmn:callActivity id="Call_Kind" calledElement="per_kind">
      <bpmn:extensionElements>
        <camunda:in source="kind" target="naam" />
        <camunda:out source="besluit" target="laatste_besluit" />
      </bpmn:extensionElements>
      <bpmn:multiInstanceLoopCharacteristics isSequential="true"
        camunda:collection="kinderen" camunda:elementVariable="kind" />
    </bpmn:callActivity>
    <bpmn:endEvent id="End_Main" />
    <bpmn:sequenceFlow id="M1" sourceRef="Start_Main" targetRef="Call_Kind" />
    <bpmn:sequenceFlow id="M2" sourceRef="Call_Kind" targetRef="End_Main" />
  </bpmn:process>
  <bpmn:process id="per_kind" isExecutable="true">
    <bpmn:startEvent id="Start_Kind" />
    <bpmn:userTask id="Task_Kind" camunda:candidateGroups="consulenten" />
    <bpmn:endEvent id="End_Kind" />
    <bpmn:sequenceFlow id="K1" sourceRef="Start_Kind" targetRef="Task_Kind" />
    <bpmn:sequenceFlow id="K2" sourceRef="Task_Kind" targetRef="End_Kind" />
  </bpmn:process>
</bpmn:definitions>"""


def test_a_repeating_call_activity_maps_each_round(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    """camunda:in and camunda:out apply to each instance, as in Camunda 7: each called
    process gets its own child under the name the `in` gives, and only what `out` names
    comes back."""
    response = upload(client, tokens["ontwerper"], [("kinderen.bpmn", REPEATED_CALL.encode())])
    assert response.status_code == 201, response.get_json()
    person = tokens["consulent"]
    case = start(client, person, "alle_kinderen", {"kinderen": ["Noor", "Daan"], "x": 1})
    for name in ("Noor", "Daan"):
        assert case["data"]["naam"] == name  # the round's child, as the in names it
        case = complete(client, person, case, "Task_Kind",
                        {"besluit": f"toegekend aan {name}", "intern": "weg"})
    assert case["status"] == "completed"
    assert case["data"]["laatste_besluit"] == "toegekend aan Daan"
    assert "intern" not in case["data"] and "naam" not in case["data"]
