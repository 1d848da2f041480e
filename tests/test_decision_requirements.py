"""A .dmn file with several decisions, one requiring another (a decision requirements
diagram, as Camunda 7 evaluates it): the required decision is evaluated first and its
outputs are the inputs of the one that needs it, for that evaluation only. Operaton's own
example, as saved."""
from __future__ import annotations

from pathlib import Path

import pytest
from flask.testing import FlaskClient

from helpers import case_of, start, upload

EXAMPLE = Path(__file__).parent / "data" / "corpus" / "operaton" / "dmn-decision"
FILES = [(p.name, p.read_bytes()) for p in sorted(EXAMPLE.iterdir())]


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], FILES)
    assert response.status_code == 201, response.get_json()


@pytest.mark.parametrize(("score", "amount", "decision"), [
    (720, 90000, "approved"),  # risk LOW
    (650, 20000, "approved"),  # risk MEDIUM, a small amount
    (650, 80000, "review"),  # risk MEDIUM, a large amount
    (500, 1000, "declined"),  # risk HIGH
])
def test_a_decision_uses_the_outcome_of_the_decision_it_requires(
        client: FlaskClient, tokens: dict[str, str], model: None, score: int, amount: int,
        decision: str) -> None:
    case = start(client, tokens["consulent"], "loan-application", {
        "creditScore": score, "requestedAmount": amount})
    after = case_of(client, tokens["consulent"], case["id"])
    assert after["status"] == "completed", after
    assert after["data"]["loanDecision"] == decision
    assert "riskLevel" not in after["data"]  # the required decision's output is not kept


@pytest.mark.parametrize(("old", "new", "message"), [
    ('<dmn:requiredDecision href="#risk-level" />',
     '<dmn:requiredDecision href="#risico" />',
     "decision 'credit-decision' requires 'risico', which is not in the same file"),
    ('<dmn:decisionTable id="dt_risk_level">',
     ('<dmn:informationRequirement id="ir_back"><dmn:requiredDecision href="#credit-decision" />'
     '</dmn:informationRequirement><dmn:decisionTable id="dt_risk_level">'),
     "requires it in turn"),
])
def test_a_requirement_that_cannot_be_evaluated_is_refused(
        client: FlaskClient, tokens: dict[str, str], old: str, new: str, message: str) -> None:
    files = dict(FILES)
    text = files["credit-decision.dmn"].decode()
    assert old in text
    files["credit-decision.dmn"] = text.replace(old, new).encode()
    response = upload(client, tokens["ontwerper"], list(files.items()))
    assert response.status_code == 422
    assert any(message in e["message"] and e["file"] == "credit-decision.dmn"
               for e in response.get_json()["errors"]), response.get_json()
