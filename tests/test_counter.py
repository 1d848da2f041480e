"""The counter: a resident without an e-mail address applies there (a form field can be
required on some channels only), and a clerk finds a resident's case by reference, name,
date of birth or e-mail address."""
from __future__ import annotations

import json
import re
from datetime import date
from typing import Any

import pytest
from alembic import command
from flask.testing import FlaskClient
from sqlalchemy import inspect, select

from conftest import csrf_token, login
from helpers import BIJSTAND_AANVRAAG, KAP_AANVRAAG, bearer, start
from maatwerk.forms.camunda_form_data import from_camunda_form_data
from maatwerk.forms.formjs import parse_formjs
from maatwerk.forms.model import FormDefinitionError
from maatwerk.persistence.database import Database
from maatwerk.persistence.migrate import alembic_config
from maatwerk.persistence.models import Case, OutboxMessage
from maatwerk.persistence.uow import UnitOfWork

KAP_FORM = {k: str(v) for k, v in KAP_AANVRAAG.items() if k != "herplant"}


def _form(validate: dict[str, Any], properties: dict[str, Any]) -> str:
    return json.dumps({"id": "Form_mail", "type": "default", "components": [
        {"id": "Field_mail", "key": "email", "type": "textfield", "label": "E-mailadres",
         "validate": validate, "properties": properties}]})


# -- which fields a channel requires -------------------------------------------------------


def test_a_field_can_be_required_on_some_channels_only() -> None:
    definition = parse_formjs(_form({"required": True, "validationType": "email"},
                                    {"maatwerk:requiredChannels": "online, post"}))
    assert definition.field("email").required_channels == ("online", "post")
    assert definition.for_channel("online").field("email").required
    assert definition.for_channel("post").field("email").required
    assert not definition.for_channel("balie").field("email").required
    assert not definition.for_channel("telefoon").field("email").required
    plain = parse_formjs(_form({"required": True}, {"other": "kept for the designer"}))
    assert plain.for_channel("balie") is plain and plain.field("email").required


@pytest.mark.parametrize(("validate", "value", "says"), [
    ({"required": True}, "online,fax", "must list channels out of online, balie"),
    ({"required": True}, " , ", "must list channels out of"),
    ({}, "online", "the field is not required; mark it required too"),
])
def test_required_channels_that_cannot_work_are_refused(validate: dict[str, Any], value: str,
                                                         says: str) -> None:
    with pytest.raises(FormDefinitionError) as info:
        parse_formjs(_form(validate, {"maatwerk:requiredChannels": value}))
    [(where, sentence)] = info.value.problems
    assert where == "Field_mail" and says in sentence and "'email'" in sentence


def test_inline_form_data_says_the_same_with_a_camunda_property() -> None:
    definition = from_camunda_form_data("Start", [{
        "id": "email", "label": "E-mailadres", "type": "string",
        "validation": [("required", None)],
        "properties": {"maatwerk:requiredChannels": "online"}}])
    assert definition.field("email").required_channels == ("online",)
    assert not definition.for_channel("balie").field("email").required
    with pytest.raises(FormDefinitionError, match="balie, telefoon, post"):
        from_camunda_form_data("Start", [{
            "id": "email", "label": "E-mailadres", "type": "string",
            "properties": {"maatwerk:requiredChannels": "brief"}}])


def test_a_resident_without_e_mail_applies_at_the_counter_not_online(
        client: FlaskClient, database: Database, demo_loaded: list[str]) -> None:
    without_mail = {k: v for k, v in KAP_FORM.items() if k != "email"}
    online = client.get("/aanvragen/kapvergunning").get_data(as_text=True)
    assert re.search(r'<input[^>]*name="email"[^>]*required', online)
    refused = client.post("/aanvragen/kapvergunning",
                          data=dict(without_mail, csrf_token=csrf_token(online)))
    assert refused.status_code == 422
    assert re.search(r'id="email-error">[^<]*verplicht', refused.get_data(as_text=True))

    login(client, "balie")
    page = client.get("/werk/balie/kapvergunning").get_data(as_text=True)
    assert not re.search(r'<input[^>]*name="email"[^>]*required', page)
    response = client.post("/werk/balie/kapvergunning", data=dict(
        without_mail, csrf_token=csrf_token(page), kanaal="balie"))
    assert response.status_code == 200, response.get_data(as_text=True)
    assert "Aanvraag ingevoerd" in response.get_data(as_text=True)
    with UnitOfWork(database, readonly=True) as unit:
        case = unit.session.scalars(select(Case)).one()
        receipt = unit.session.scalars(select(OutboxMessage)
                                       .where(OutboxMessage.case_id == case.id)).one()
        # no address: the receipt is kept with the case for the counter to print
        assert (case.channel, case.data.get("email"), receipt.recipient) == \
            ("balie", "", None)


def test_the_api_asks_the_e_mail_address_per_channel(client: FlaskClient,
                                                     tokens: dict[str, str]) -> None:
    headers = bearer(tokens["consulent"])
    data = {k: v for k, v in BIJSTAND_AANVRAAG.items() if k != "email"}
    online = client.post("/api/v1/cases", json={"process_key": "bijzondere_bijstand",
                                                "data": data, "channel": "online"},
                         headers=headers)
    assert online.status_code == 422 and set(online.get_json()["errors"]) == {"email"}
    by_phone = client.post("/api/v1/cases", json={"process_key": "bijzondere_bijstand",
                                                  "data": data, "channel": "telefoon"},
                           headers=headers)
    assert by_phone.status_code == 201, by_phone.get_json()
    wrong = client.post("/api/v1/cases", json={"process_key": "bijzondere_bijstand", "data": dict(
        data, email="geen-mail"), "channel": "telefoon"}, headers=headers)
    assert wrong.status_code == 422 and set(wrong.get_json()["errors"]) == {"email"}


# -- finding a case at the counter ---------------------------------------------------------


def _found(client: FlaskClient, expect: int = 200, **query: str) -> list[str]:
    response = client.get("/werk/zaken", query_string=query)
    assert response.status_code == expect, response.get_data(as_text=True)
    return re.findall(r'href="/werk/zaken/\d+">([^<]+)</a>', response.get_data(as_text=True))


def test_a_clerk_finds_a_case_by_reference_name_birth_date_or_e_mail(
        client: FlaskClient, tokens: dict[str, str]) -> None:
    token = tokens["consulent"]
    jan = start(client, token, "bijzondere_bijstand", dict(BIJSTAND_AANVRAAG,
                                                           email="Jan.Jansen@Example.nl"))
    piet = start(client, token, "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, naam="Piet Jansen", email="piet@example.nl",
        geboortedatum="1990-05-06"))
    petra = start(client, token, "kapvergunning", KAP_AANVRAAG)  # no date of birth asked

    login(client, "balie")
    counter = client.get("/werk/balie").get_data(as_text=True)
    assert 'href="/werk/zaken">Zaken</a>' in counter and "Zoek de zaak" in counter
    assert _found(client, q="jansen") == [piet["reference"], jan["reference"]]
    assert _found(client, q=petra["reference"].lower()) == [petra["reference"]]
    assert _found(client, geboortedatum="02-01-1980") == [jan["reference"]]
    assert _found(client, geboortedatum="1990-05-06") == [piet["reference"]]
    assert _found(client, email=" jan.jansen@example.NL ") == [jan["reference"]]
    assert _found(client, q="Piet", geboortedatum="2-1-1980") == []
    assert "Geen zaken gevonden met deze gegevens" in client.get(
        "/werk/zaken", query_string={"email": "jan@example.nl"}).get_data(as_text=True)
    assert _found(client, q="%") == []  # a wildcard is just a character
    wrong = client.get("/werk/zaken", query_string={"geboortedatum": "31-02-1980"})
    assert wrong.status_code == 422
    assert re.search(r'id="geboortedatum-error">Vul een datum in zoals 31-12-1980',
                     wrong.get_data(as_text=True))


def test_a_corrected_address_is_found_by_its_new_value(client: FlaskClient,
                                                       tokens: dict[str, str]) -> None:
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    fix = client.post(f"/api/v1/cases/{case['id']}/deviations", headers=bearer(
        tokens["consulent"]), json={"type": "correct_data", "values": {
            "email": "jan@nieuw.example.nl"}, "legal_basis": "art. 4:84 Awb",
            "reason": "De inwoner belde: het oude adres bestaat niet meer."})
    assert fix.status_code == 201, fix.get_json()
    approved = client.post(f"/api/v1/deviations/{fix.get_json()['id']}/approve",
                           json={"comment": "Akkoord."}, headers=bearer(tokens["teamleider"]))
    assert approved.status_code == 200, approved.get_json()
    login(client, "balie")
    assert _found(client, email="jan@nieuw.example.nl") == [case["reference"]]
    assert _found(client, email="jan@example.nl") == []


def test_the_upgrade_fills_in_the_cases_that_were_there(
        client: FlaskClient, database_url: str, database: Database,
        tokens: dict[str, str]) -> None:
    jan = start(client, tokens["consulent"], "bijzondere_bijstand", dict(
        BIJSTAND_AANVRAAG, email="Jan@Example.nl"))
    petra = start(client, tokens["consulent"], "kapvergunning", KAP_AANVRAAG)
    config = alembic_config(database_url)
    command.downgrade(config, "0024")
    try:
        with database.engine.begin() as conn:
            assert "resident_email" not in {c["name"] for c in inspect(conn).get_columns("cases")}
    finally:
        command.upgrade(config, "head")
    with UnitOfWork(database, readonly=True) as unit:
        rows = {row.id: (row.resident_email, row.resident_birth_date)
                for row in unit.session.execute(select(
                    Case.id, Case.resident_email, Case.resident_birth_date))}
    assert rows == {jan["id"]: ("jan@example.nl", date(1980, 1, 2)),
                    petra["id"]: ("petra@example.nl", None)}
