"""Operaton's own examples (tests/data/corpus/operaton/SOURCE.md), as saved with the
`operaton:` namespace: each is uploaded, started and driven to its end through the APIs by
a person, a worker for every topic its delegates became, and a system that sends its
messages. An example that can't run here is refused with its reasons."""
from __future__ import annotations

import re
from pathlib import Path

import pytest
from flask.testing import FlaskClient

from corpus_driver import Run, drive, start_by_message
from helpers import bearer, case_of, start, upload, worker_account
from maatwerk.persistence.database import Database

OPERATON = Path(__file__).parent / "data" / "corpus" / "operaton"
RUNS = {
    "getting-started": Run(
        ("order-approval.bpmn",), "order-approval",
        trail=("ServiceTask_CalculateTotal", "UserTask_ApproveOrder"),
        answers={"ServiceTask_CalculateTotal": {"orderTotal": 1500},
                 "UserTask_ApproveOrder": {"approved": True}}),
    "external-task-worker": Run(
        ("order-fulfillment.bpmn",), "order-fulfillment",
        trail=("ServiceTask_CheckInventory", "ServiceTask_ArrangeShipping")),
    "service-tasks": Run(
        ("payment-processing.bpmn",), "payment-processing",
        trail=("ServiceTask_EnrichPayment", "ServiceTask_ChargePayment")),
    "inclusive-gateway": Run(
        ("insurance-claim.bpmn",), "insurance-claim",
        trail=("Task_ReviewMedical", "Task_ReviewProperty", "ServiceTask_SettleClaim"),
        start={"claimType": "both"}),
    "multi-instance": Run(
        ("document-review.bpmn",), "document-review",
        trail=("Task_ReviewDocument", "Task_ReviewDocument"),
        start={"reviewers": ["beheer", "beheer"]}, expect={"approved": True},
        answers={"Task_ReviewDocument": {"approved": True}}),
    "call-activity": Run(
        ("order-orchestration.bpmn", "validate-order.bpmn", "notify-customer.bpmn"),
        "order-orchestration", trail=("Task_ValidateOrder", "Task_Notify"),
        answers={"Task_ValidateOrder": {"orderValid": True}}),
    "timer-events": Run(("sla-escalation.bpmn",), "sla-escalation",
                        trail=("UserTask_HandleRequest",)),
    "user-task-forms": Run(
        ("leave-request.bpmn",), "leave-request",
        trail=("UserTask_SubmitRequest", "UserTask_ReviewRequest"),
        answers={"UserTask_SubmitRequest": {"employeeName": "Anna", "startDate": "2027-01-04",
                                            "endDate": "2027-01-08", "leaveType": "annual"},
                 "UserTask_ReviewRequest": {"approved": True, "comments": "Goed"}}),
    "incident-management": Run(
        ("incident-management.bpmn",), "incident-management",
        trail=("Task_FirstLineTriage", "Task_CloseTicket"), start={"timerDuration": "PT4H"},
        answers={"Task_FirstLineTriage": {"resolved": True}}),
    "loan-application": Run(
        ("loan-application.bpmn", "risk-assessment.dmn"), "loan-application",
        trail=("Task_CreditScore", "Task_AutoApprove"), start={"loanAmount": 20000},
        expect={"riskLevel": "low"},
        answers={"Task_CreditScore": {"creditScore": 720}}),
    "order-fulfillment": Run(
        ("order-fulfillment.bpmn",), "order-fulfillment",
        trail=("Task_ValidateInventory", "Task_ChargePayment", "Task_PackShip",
               "Task_NotifyCustomer"),
        answers={"Task_ValidateInventory": {"available": True}}),
    "complaint-resolution": Run(
        ("complaint-resolution.bpmn",), "complaint-resolution",
        trail=("Task_AssessComplaint", "Task_ResolveComplaint", "Task_CloseComplaint"),
        answers={"Task_AssessComplaint": {"severity": "low", "refundWithinAuthority": True}}),
    "leave-request": Run(
        ("leave-request.bpmn",), "leave-request",
        trail=("Task_ValidateRequest", "Task_ManagerReview", "Task_HRRecord",
               "Task_FinalizeApproval"),
        answers={"Task_ValidateRequest": {"validationPassed": True},
                 "Task_ManagerReview": {"approved": True}}),
    # call activities per item of a list (multi-instance), with camunda:in and out
    "employee-onboarding": Run(
        ("employee-onboarding.bpmn", "grant-system-access.bpmn", "provision-equipment.bpmn"),
        "employee-onboarding",
        trail=("Task_PrepareOnboarding", "Task_OrderItem", "Task_OrderItem", "Task_GrantAccess",
               "Task_ActivateAccount"),
        start={"employeeId": "E-7", "role": "developer", "equipmentList": ["laptop", "phone"]},
        answers={"Task_GrantAccess": {"accessGranted": True}}, expect={"accessGranted": True}),
    # task listeners around a user task, a decision, end-event listeners
    "approval-sla-metrics": Run(
        ("purchase-requisition-approval.bpmn", "purchase-requisition-routing.dmn"),
        "purchase-requisition-approval",
        trail=("approve-requisition__create_listener_1", "approve-requisition",
               "approve-requisition__complete_listener_2",
               "purchase-requisition-approval_end-approved__start_listener_1"),
        start={"amount": 5000.0, "slaDuration": "PT8H"},
        answers={"approve-requisition": {"approved": True}}),
    # started by a message, execution.setVariable on a service task, a message waited for
    "message-events": Run(
        ("order-shipment.bpmn",), "order-shipment", start_message="OrderPlaced",
        start={"orderId": "O-1"}, trail=("ShipmentReady",),
        expect={"status": "processing", "orderId": "O-1", "carrier": "PostNL"},
        answers={"ShipmentReady": {"carrier": "PostNL"}}),
    # a decision that requires another one (a decision requirements diagram in one file)
    "dmn-decision": Run(
        ("loan-application.bpmn", "credit-decision.dmn"), "loan-application",
        trail=(), start={"creditScore": 720, "requestedAmount": 20000},
        expect={"loanDecision": "approved"}),
    # a start event with the id `Start` (which the engine keeps for itself), an event-based
    # gateway waiting for two messages and a timer
    "supply-chain-tracking": Run(
        ("supply-chain-tracking.bpmn",), "supply-chain-tracking",
        messages=("CustomsDelay", "PackageDelivered"),
        trail=("DispatchOrder", "CustomsDelay", "RecordCustomsDelay", "PackageDelivered",
               "ConfirmDelivery")),
    # an http-connector and a custom connector, each a worker of its connector id
    "integration-connectors": Run(
        ("currency-conversion.bpmn",), "currency-conversion",
        trail=("FetchExchangeRate", "ConvertAmount"),
        start={"exchangeRateServiceUrl": "https://koersen.example/eur-usd", "amount": 100},
        answers={"FetchExchangeRate": {"response": 1.08},
                 "ConvertAmount": {"convertedAmount": 108.0}},
        expect={"exchangeRate": 1.08, "convertedAmount": 108.0}),
    # a message the case waits for, a parallel split and join, a decision
    "insurance-claim": Run(
        ("insurance-claim.bpmn", "claim-settlement.dmn"), "insurance-claim",
        trail=("Task_RequestDocuments", "documentsReceived", "Task_FraudCheck",
               "Task_AppraiseDamage"),
        start={"documentDeadline": "PT48H", "claimType": "auto", "claimAmount": 2000.0},
        answers={"Task_FraudCheck": {"fraudSuspected": False},
                 "Task_AppraiseDamage": {"appraisedAmount": 1800.0}}),
    # an interrupting event subprocess on an error, a non-interrupting one on a signal
    # (the error path: test_an_error_ends_the_document_flow_in_its_event_subprocess)
    "event-subprocess": Run(
        ("document-processing.bpmn",), "document-processing",
        trail=("Task_ParseDocument", "Task_EnrichDocument", "Task_StoreDocument")),
}
REFUSED = {  # (file, element, how the reason starts)
    "error-compensation": [("book-travel.bpmn", "Boundary_CompensateHotel",
                            "compensation is not supported yet")],
}


def _topics() -> list[str]:
    """Every topic the examples' delegates, classes, external tasks and connectors become."""
    found: set[str] = set()
    for path in OPERATON.glob("*/*.bpmn"):
        text = path.read_text()
        found |= set(re.findall(r'delegateExpression="\$\{(\w+)\}"', text))
        found |= set(re.findall(r'(?:class|topic)="([\w.-]+)"', text))
        found |= set(re.findall(r'connectorId>([\w.-]+)<', text))
    return sorted(found)


@pytest.fixture
def worker(database: Database, demo_loaded: list[str]) -> dict[str, str]:
    return bearer(worker_account(database, "operaton", [*_topics(), *MESSAGES]))


MESSAGES = ["OrderPlaced", "ShipmentReady", "documentsReceived", "PackageDelivered",
            "CustomsDelay"]


@pytest.mark.parametrize("name", sorted(RUNS))
def test_an_operaton_example_runs_to_its_end(client: FlaskClient, tokens: dict[str, str],
                                            worker: dict[str, str], name: str) -> None:
    run = RUNS[name]
    response = upload(client, tokens["ontwerper"], [
        (file, (OPERATON / name / file).read_bytes()) for file in run.files])
    assert response.status_code == 201, response.get_json()
    assert all(note["element_id"] and note["message"] for note in response.get_json()["notes"])
    if run.start_message:
        case_id = start_by_message(client, worker, run.start_message, run.start)
    else:
        case_id = start(client, tokens["beheer"], run.key, run.start)["id"]
    done = drive(client, tokens["beheer"], worker, case_id, run.answers,
                 messages=run.messages)
    assert tuple(done.trail) == run.trail, done.trail
    after = case_of(client, tokens["beheer"], case_id)
    assert after["status"] == "completed"
    for name, value in run.expect.items():
        assert after["data"][name] == value, (name, after["data"])


@pytest.mark.parametrize("name", sorted(REFUSED))
def test_an_operaton_example_that_cannot_run_is_refused_with_its_reasons(
        client: FlaskClient, tokens: dict[str, str], name: str) -> None:
    files = sorted((OPERATON / name).iterdir())
    response = upload(client, tokens["ontwerper"], [(f.name, f.read_bytes()) for f in files])
    assert response.status_code == 422
    errors = response.get_json()["errors"]
    for file, element_id, opening in REFUSED[name]:
        assert any(e["file"] == file and e["element_id"] == element_id
                   and e["message"].startswith(opening) for e in errors), errors


def test_an_error_ends_the_document_flow_in_its_event_subprocess(
        client: FlaskClient, tokens: dict[str, str], worker: dict[str, str]) -> None:
    """The parse worker reports DOCUMENT_ERROR: the error handler takes over, the rest of
    the flow is cancelled, and the case ends when the handler is done."""
    name = "event-subprocess/document-processing.bpmn"
    response = upload(client, tokens["ontwerper"], [
        ("document-processing.bpmn", (OPERATON / name).read_bytes())])
    assert response.status_code == 201, response.get_json()
    case_id = start(client, tokens["beheer"], "document-processing", {"documentId": "D-9"})["id"]
    fetched = client.post("/engine-rest/external-task/fetchAndLock", headers=worker, json={
        "workerId": "parser", "maxTasks": 1, "topics": [{
            "topicName": "parseDocumentDelegate", "lockDuration": 60_000}]}).get_json()
    assert [task["processInstanceId"] for task in fetched] == [str(case_id)]
    thrown = client.post(f"/engine-rest/external-task/{fetched[0]['id']}/bpmnError",
                         headers=worker, json={"workerId": "parser",
                                               "errorCode": "DOCUMENT_ERROR"})
    assert thrown.status_code == 204, thrown.get_data(as_text=True)
    done = drive(client, tokens["beheer"], worker, case_id, {})
    assert done.trail == ["Task_HandleError"]
    after = case_of(client, tokens["beheer"], case_id)
    assert after["status"] == "completed" and after["data"]["documentId"] == "D-9"
