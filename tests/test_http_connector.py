"""The built-in HTTP connector: `maatwerk worker` does a model's http-connector calls itself,
against a real HTTP server, and only to the base URLs the operator allows."""
from __future__ import annotations

import json
import threading
from collections.abc import Iterator
from http.server import BaseHTTPRequestHandler, ThreadingHTTPServer
from pathlib import Path
from typing import Any

import pytest
from flask.testing import FlaskClient

from helpers import actions, case_of, start, upload
from maatwerk.cli import run_worker_pass
from maatwerk.persistence.database import Database
from maatwerk.services.http_connector import Allowed

MODEL = Path(__file__).parent / "data" / "http_connector.bpmn"


class Bag(BaseHTTPRequestHandler):
    """A small address register: GET /api/adressen/<postcode>, POST /api/meldingen."""

    received: list[dict[str, Any]] = []  # noqa: RUF012

    def do_GET(self) -> None:
        if self.path == "/api/adressen/1234AB":
            self._send(200, {"straat": "Dorpsstraat", "huisnummers": [1, 3]})
        elif self.path == "/api/weg/1234AB":
            self.send_response(302)
            self.send_header("Location", "http://169.254.169.254/")
            self.end_headers()
        else:
            self._send(404, {"fout": "onbekend"})

    def do_POST(self) -> None:
        length = int(self.headers.get("Content-Length") or 0)
        Bag.received.append({"path": self.path, "type": self.headers.get("Content-Type"),
                             "body": json.loads(self.rfile.read(length))})
        self._send(201, {"id": 7})

    def _send(self, status: int, body: Any) -> None:
        data = json.dumps(body).encode()
        self.send_response(status)
        self.send_header("Content-Type", "application/json")
        self.send_header("Content-Length", str(len(data)))
        self.end_headers()
        self.wfile.write(data)

    def log_message(self, *args: Any) -> None:
        pass


@pytest.fixture
def bag() -> Iterator[str]:
    server = ThreadingHTTPServer(("127.0.0.1", 0), Bag)
    thread = threading.Thread(target=server.serve_forever, daemon=True)
    thread.start()
    Bag.received = []
    yield f"http://127.0.0.1:{server.server_address[1]}"
    server.shutdown()
    server.server_close()


@pytest.fixture
def model(client: FlaskClient, tokens: dict[str, str]) -> None:
    response = upload(client, tokens["ontwerper"], [(MODEL.name, MODEL.read_bytes())])
    assert response.status_code == 201, response.get_json()


def test_the_worker_makes_the_calls_a_model_describes(
        client: FlaskClient, tokens: dict[str, str], database: Database, model: None,
        bag: str) -> None:
    person = tokens["consulent"]
    case = start(client, person, "adres_controleren", {"basisUrl": f"{bag}/api",
                                                      "postcode": "1234AB"})
    allowed = Allowed((f"{bag}/api/",), timeout=5)
    run_worker_pass(database, connector=allowed)  # the GET
    run_worker_pass(database, connector=allowed)  # the POST, with the GET's answer in it
    after = case_of(client, person, case["id"])
    assert after["status"] == "completed", after
    assert (after["data"]["straat"], after["data"]["bagStatus"],
            after["data"]["meldingStatus"]) == ("Dorpsstraat", 200, 201)
    assert "response" not in after["data"]  # the connector's answer stays the connector's
    assert Bag.received == [{"path": "/api/meldingen", "type": "application/json",
                             "body": {"postcode": "1234AB", "straat": "Dorpsstraat"}}]
    assert actions(client, person, case["id"]).count("external_task_completed") == 2


@pytest.mark.parametrize(("base_url", "message"), [
    ("http://127.0.0.2:9/api", "is not one Maatwerk may call"),  # another host
    ("{bag}/elders", "is not one Maatwerk may call"),  # outside the allowed path
    ("http://evil@127.0.0.1:1/api", "is not one Maatwerk may call"),  # user info
])
def test_a_url_the_operator_does_not_allow_is_an_incident_at_once(
        client: FlaskClient, tokens: dict[str, str], database: Database, model: None,
        bag: str, base_url: str, message: str) -> None:
    person = tokens["consulent"]
    case = start(client, person, "adres_controleren", {
        "basisUrl": base_url.format(bag=bag), "postcode": "1234AB"})
    run_worker_pass(database, connector=Allowed((f"{bag}/api",), timeout=5))
    [incident] = case_of(client, person, case["id"])["incidents"]
    assert incident["element_id"] == "Task_AdresOpvragen"
    assert message in incident["error_message"]
    assert Bag.received == []


def test_a_redirect_is_an_answer_not_followed(
        client: FlaskClient, tokens: dict[str, str], database: Database, model: None,
        bag: str) -> None:
    person = tokens["consulent"]
    case = start(client, person, "adres_controleren", {"basisUrl": f"{bag}/api/weg",
                                                      "postcode": "1234AB"})
    run_worker_pass(database, connector=Allowed((f"{bag}/api",), timeout=5))
    # the answer is the 302 itself (the metadata address it points at is never asked); the
    # model's output can't read a street from it, which the incident says
    [incident] = case_of(client, person, case["id"])["incidents"]
    assert "output parameter 'straat' could not be evaluated" in incident["error_message"]


def test_a_server_that_does_not_answer_is_tried_again_later(
        client: FlaskClient, tokens: dict[str, str], database: Database, model: None) -> None:
    person = tokens["consulent"]
    case = start(client, person, "adres_controleren", {"basisUrl": "http://127.0.0.1:9/api",
                                                      "postcode": "1234AB"})
    run_worker_pass(database, connector=Allowed(("http://127.0.0.1:9/api",), timeout=2))
    after = case_of(client, person, case["id"])
    assert after["incidents"] == []  # a failure with retries left, not yet an incident
    assert "external_task_failed" in actions(client, person, case["id"])
    assert after["open_tasks"][0]["element_id"] == "Task_AdresOpvragen"
