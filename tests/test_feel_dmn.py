"""DMN input entries as Camunda Modeler writes them: FEEL unary tests (ranges, lists of
values, not(...), comparisons, '-') decide as in Camunda 7; what Maatwerk can't run yet is
refused at upload with the rule and the reason."""
from __future__ import annotations

from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import start, upload

DATA = Path(__file__).parent / "data"
BPMN = (DATA / "feel_leges.bpmn").read_bytes()
DMN = (DATA / "feel_leges.dmn").read_text()


def _upload(client: FlaskClient, token: str, dmn: str) -> Any:
    return upload(client, token, [("leges.bpmn", BPMN), ("leges.dmn", dmn.encode())])


@pytest.mark.parametrize(("oppervlakte", "soort", "tarief"), [
    (30, "schuur", 100),      # [0..50] and "schuur","tuinhuis"
    (50, "tuinhuis", 100),    # a closed range holds its end
    (30, "woning", None),     # no rule matches
    (120, "woning", 250),     # ]50..200] and not("monument")
    (50.5, "schuur", 250),    # an open range start
    (120, "monument", 0),     # not("monument") fails: the monument rule
    (300, "monument", 500),   # > 200 and '-' (any), first hit
])
def test_feel_input_entries_decide_as_in_camunda(
        client: FlaskClient, tokens: dict[str, str], oppervlakte: float, soort: str,
        tarief: float | None) -> None:
    response = _upload(client, tokens["ontwerper"], DMN)
    assert response.status_code == 201, response.get_json()
    case = start(client, tokens["consulent"], "leges_berekenen",
                 {"oppervlakte": oppervlakte, "soort": soort})
    assert case["data"]["tarief"] == tarief


@pytest.mark.parametrize(("entry", "message"), [
    ('date("2026-01-01")', "dates and durations in input entries are not supported yet"),
    ("= 5", "is no FEEL unary test"),
    ("not(-)", "not(...) needs at least one test inside"),
    ("[1..", "is not a value an input entry can test against"),
])
def test_input_entries_that_cannot_run_are_refused_with_their_rule(
        client: FlaskClient, tokens: dict[str, str], entry: str, message: str) -> None:
    dmn = DMN.replace("<text>&gt; 200</text>", f"<text>{entry}</text>")
    response = _upload(client, tokens["ontwerper"], dmn)
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert problem["file"] == "leges.dmn" and problem["element_id"] == "Rule_Groot"
    assert message in problem["message"]


def test_an_empty_input_expression_is_refused_with_its_column(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    dmn = DMN.replace("<text>soort</text>", "<text></text>")
    response = _upload(client, tokens["ontwerper"], dmn)
    assert response.status_code == 422
    [problem] = response.get_json()["errors"]
    assert "input column 'Soort bouwwerk' has no input expression" in problem["message"]
