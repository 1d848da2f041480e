"""GZAC's document reads, as Camunda 7 models made for GZAC/Valtimo write them: in Maatwerk
the case data is the document, read at a JSON pointer; without a default, a pointer that
finds nothing stops the step with that reason. And Camunda's execution.getVariable."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import case_of, complete, start, upload
from maatwerk.engine import expressions, juel

MODEL = Path(__file__).parent / "data" / "document_reads.bpmn"
KEY = "vergunning_aanvragen"
READ = 'documentVariableDelegate.findValueByJsonPointer("{pointer}", execution)'
DATA = {"aanvraag": {"isAanvraagVolledig": True, "adres": {"plaats": "Delft"},
                     "a/b": 1, "m~n": 2},
        "bijlagen": [{"naam": "tekening.pdf"}]}


@pytest.mark.parametrize(("expression", "expected"), [
    ("${" + READ.format(pointer="/aanvraag/isAanvraagVolledig") + "}", True),
    ("${" + READ.format(pointer="/aanvraag/adres/plaats") + " == 'Delft'}", True),
    ("${" + READ.format(pointer="/bijlagen/0/naam") + "}", "tekening.pdf"),
    ("${" + READ.format(pointer="/aanvraag/a~1b") + "}", 1),  # RFC 6901 escapes
    ("${" + READ.format(pointer="/aanvraag/m~0n") + "}", 2),
    (('${documentVariableDelegate.findValueByJsonPointerOrDefault("/aanvraag/x", execution, '
     "'nee')}"), "nee"),
    (('${documentReaderService.getValueFromDocumentAtPathOrDefault("/bijlagen/3/naam", '
     'execution.businessKey, "")}'), ""),
    # Camunda's execution.getVariable: the variable, null when there is none
    ('${execution.getVariable("bijlagen")[0].naam}', "tekening.pdf"),
    ('${execution.getVariable("deadline") == null}', True),
    # GZAC's own bean name (the process blueprints call it documentVariableDelegate)
    ('${documentDelegateService.findValueByJsonPointer("/aanvraag/adres", execution)}',
     {"plaats": "Delft"}),
])
def test_a_document_read_is_the_case_data_at_the_pointer(expression: str,
                                                         expected: Any) -> None:
    assert expressions.evaluate(expression, dict(DATA)) == expected


def test_a_pointer_that_finds_nothing_says_where() -> None:
    with pytest.raises(Exception, match="the case data has no value at /aanvraag/status"):
        expressions.evaluate("${" + READ.format(pointer="/aanvraag/status") + "}", dict(DATA))


@pytest.mark.parametrize(("expression", "message"), [
    ('${documentVariableDelegate.remove("/a", execution)}', ("is not one of GZAC's document "
                                                            "reads that run here")),
    ('${documentVariableDelegate.findValueByJsonPointer("aanvraag", execution)}',
     "'aanvraag' is not a JSON pointer to a value"),
    ("${documentVariableDelegate.findValueByJsonPointer(pad, execution)}",
     "the JSON pointer must be a text"),
    ('${documentVariableDelegate.findValueByJsonPointer("/a", task)}',
     "the second argument of findValueByJsonPointer must be execution"),
    ('${documentReaderService.getValueFromDocumentAtPathOrDefault("/a", execution, "")}',
     "must be execution.businessKey"),
    ("${execution.getVariable(naam)}", "execution.getVariable needs the variable's name"),
])
def test_what_is_not_a_document_read_is_refused_with_the_reason(expression: str,
                                                                 message: str) -> None:
    with pytest.raises(juel.JuelError, match=message):
        juel.to_python(expression)


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()


def test_a_gzac_style_model_reads_the_case_data_as_its_document(
        client: FlaskClient, tokens: dict[str, str], model: None) -> None:
    person = tokens["consulent"]
    case = start(client, person, KEY, DATA)
    assert [t["element_id"] for t in case["open_tasks"]] == ["Task_Beoordelen"]
    assert case["data"]["isAanvraagVolledig"] is True
    complete(client, person, case, "Task_Beoordelen", {})
    done = case_of(client, person, case["id"])
    assert done["status"] == "completed"
    assert (done["data"]["plaats"], done["data"]["eersteBijlage"]) == ("Delft", "tekening.pdf")
    incomplete = start(client, person, KEY, {"aanvraag": {"isAanvraagVolledig": False}})
    assert [t["element_id"] for t in incomplete["open_tasks"]] == ["Task_Aanvullen"]


def test_a_document_value_that_is_missing_stops_the_case_with_the_pointer(
        client: FlaskClient, tokens: dict[str, str], model: None) -> None:
    case = start(client, tokens["consulent"], KEY, {"aanvraag": {}})
    assert case["status"] == "error"
    assert "the case data has no value at /aanvraag/isAanvraagVolledig" in case["error"]
