"""Property-based tests (hypothesis) of everything a stranger can send: the residents' start
forms through real HTTP, and the JSON API's start case, complete task and deviation request.

Whatever arrives: never a 500 and never half a change. Either the case (task, deviation) is
stored with its values typed as the form says (numbers as numbers, yes/no as booleans,
dates as ISO strings), or the answer is a 400/422 naming the fields, and no row and no
audit event was added."""
from __future__ import annotations

import base64
import datetime as dt
import io
import json
import re
from dataclasses import dataclass
from decimal import Decimal
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from hypothesis import HealthCheck, given
from hypothesis import settings as hsettings
from hypothesis import strategies as st
from sqlalchemy import select

from conftest import ROOT, csrf_token, row_counts, settings_without_rate_limits
from helpers import BIJSTAND_AANVRAAG, bearer, start
from maatwerk.config import Settings
from maatwerk.forms.model import FormDefinition, FormField
from maatwerk.persistence.database import Database
from maatwerk.persistence.models import Case
from maatwerk.persistence.uow import UnitOfWork
from maatwerk.services import process_models

PROPERTY = hsettings(max_examples=45, deadline=None, derandomize=True, database=None,
                     suppress_health_check=[HealthCheck.function_scoped_fixture,
                                            HealthCheck.too_slow, HealthCheck.data_too_large])
PDF = b"%PDF-1.4\n1 0 obj <</Type /Catalog>> endobj\ntrailer <</Root 1 0 R>>\n%%EOF\n"
REASON = "De beleidsregel pakt voor deze inwoner onevenredig uit door hoge zorgkosten."
VALID, INVALID, UNKNOWN = "valid", "invalid", "unknown"
MISSING = object()  # a field left out of the post

# a form from forms/ that no demo model starts with: radio, checklist, optional textarea
FORM_START = """<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="Definitions_prop"
    targetNamespace="http://bpmn.io/schema/bpmn">
  <bpmn:process id="toets_aanvraag" name="Toets als aanvraag" isExecutable="true">
    <bpmn:startEvent id="StartEvent_1" camunda:formRef="toets_omgevingsplan"
        camunda:formRefBinding="latest"><bpmn:outgoing>Flow_1</bpmn:outgoing></bpmn:startEvent>
    <bpmn:userTask id="Task_Bekijken" name="Bekijken" camunda:candidateGroups="consulenten">
      <bpmn:incoming>Flow_1</bpmn:incoming><bpmn:outgoing>Flow_2</bpmn:outgoing>
    </bpmn:userTask>
    <bpmn:endEvent id="EndEvent_1"><bpmn:incoming>Flow_2</bpmn:incoming></bpmn:endEvent>
    <bpmn:sequenceFlow id="Flow_1" sourceRef="StartEvent_1" targetRef="Task_Bekijken" />
    <bpmn:sequenceFlow id="Flow_2" sourceRef="Task_Bekijken" targetRef="EndEvent_1" />
  </bpmn:process>
</bpmn:definitions>
"""


@pytest.fixture
def settings(database_url: str) -> Settings:
    return settings_without_rate_limits(database_url)


def newest_case_data(database: Database) -> dict[str, Any]:
    with UnitOfWork(database, readonly=True) as unit:
        case = unit.session.scalars(select(Case).order_by(Case.id.desc()).limit(1)).one()
        return dict(case.data)


# -- values for one field: (what is posted, whether the form must take it) -----------------

Value = tuple[Any, str]
TEXT = st.text(alphabet=st.characters(blacklist_categories=("Cs",)), max_size=40)
HOSTILE_TEXT = st.one_of(
    TEXT, st.sampled_from(["", " ", "\x00", "a\x00b", "\u202e\u200b", "💥" * 50, "null",
                           "<script>alert(1)</script>", "' OR 1=1 --", "true", "NaN", "1e999",
                           "-0", "٣", "²", "\r\n\r\n", "x" * 70_000]),
    st.text(alphabet=st.characters(max_codepoint=0x1f), max_size=10))


def _normal(text: str) -> str:
    return text.replace("\r\n", "\n").replace("\r", "\n").strip()


Values = tuple[st.SearchStrategy[Value], st.SearchStrategy[Value]]  # (right ones, others)


def _text_values(fd: FormField) -> Values:
    low, high = fd.min_length or 1, min(fd.max_length or 300, 300)

    def verdict(text: str) -> str:
        if "\x00" in text:
            return INVALID
        size = len(_normal(text))
        if not size:
            return INVALID if fd.required else VALID
        if size < (fd.min_length or 0) or size > (fd.max_length or 10**9):
            return INVALID
        return UNKNOWN if fd.pattern or fd.validation_type else VALID
    if fd.validation_type == "email":
        good = st.sampled_from(["jan@example.nl", "a.b-c@gemeente.example.org"])
        return good.map(lambda t: (t, VALID)), \
            HOSTILE_TEXT.map(lambda t: (t, INVALID if "@" not in t else UNKNOWN))
    if fd.pattern:  # the demo's phone number
        good = st.sampled_from(["06 12345678", "+31 6 1234 5678"])
        return good.map(lambda t: (t, VALID)), HOSTILE_TEXT.map(lambda t: (t, verdict(t)))
    fitting = st.text(alphabet=st.characters(blacklist_categories=("Cs", "Cc", "Zl", "Zp")),
                      min_size=low, max_size=high).filter(lambda t: len(_normal(t)) >= low)
    return fitting.map(lambda t: (t, verdict(t))), HOSTILE_TEXT.map(lambda t: (t, verdict(t)))


def _number_values(fd: FormField) -> Values:
    places = fd.decimal_digits if fd.decimal_digits is not None else 2
    low = Decimal(str(fd.min)) if fd.min is not None else Decimal(-10**6)
    high = Decimal(str(fd.max)) if fd.max is not None else Decimal(10**6)
    fitting = st.decimals(min_value=low, max_value=high, places=places,
                          allow_nan=False, allow_infinity=False)

    def written(number: Decimal, comma: bool) -> str:
        text = format(number, "f")
        return text.replace(".", ",") if comma else text
    outside = st.sampled_from([low - 1, high + 1, high * 1000]).map(lambda n: (str(n), INVALID))
    too_precise = st.just(("1,001" if places < 3 else "1,00001", INVALID))
    return st.tuples(fitting, st.booleans()).map(lambda t: (written(*t), VALID)), st.one_of(
        outside, too_precise,
        st.text(alphabet="abcxyz€ ", min_size=1, max_size=8).filter(str.strip)
        .map(lambda t: (t, INVALID)),
        HOSTILE_TEXT.map(lambda t: (t, UNKNOWN)))


def _date_values(fd: FormField) -> Values:
    dates = st.dates(min_value=dt.date(1900, 1, 1), max_value=dt.date(2100, 12, 31))
    return st.one_of(dates.map(lambda d: (d.isoformat(), VALID)),
                     dates.map(lambda d: (d.strftime("%d-%m-%Y"), VALID))), st.one_of(
        st.sampled_from(["31-02-2021", "2021-13-01", "morgen", "00-00-0000"])
        .map(lambda t: (t, INVALID)),
        HOSTILE_TEXT.map(lambda t: (t, UNKNOWN)))


def _choice_values(fd: FormField) -> Values:
    options = fd.option_values()
    return st.sampled_from(options).map(lambda o: (o, VALID)), HOSTILE_TEXT.map(
        lambda t: (t, UNKNOWN if t.strip() in options or not t.strip() or "\x00" in t
                   else INVALID))


def _checklist_values(fd: FormField) -> Values:
    options = list(fd.option_values())
    return st.lists(st.sampled_from(options), unique=True, min_size=1 if fd.required else 0) \
        .map(lambda chosen: (chosen, VALID)), st.lists(HOSTILE_TEXT, min_size=1, max_size=3).map(
            lambda chosen: (chosen, UNKNOWN if set(chosen) <= set(options) else INVALID))


def _checkbox_values(fd: FormField) -> Values:
    return st.just(("y", VALID)), HOSTILE_TEXT.map(lambda t: (t, UNKNOWN))


def _file_values(fd: FormField) -> Values:
    pdf = st.just(([("rekening.pdf", PDF)], VALID if not fd.accept or
                   "application/pdf" in fd.accept else INVALID))
    return pdf, st.binary(max_size=64).map(lambda b: ([("bijlage.exe", b"MZ" + b)], INVALID))


STRATEGIES = {"textfield": _text_values, "textarea": _text_values, "number": _number_values,
              "date": _date_values, "select": _choice_values, "radio": _choice_values,
              "checklist": _checklist_values, "checkbox": _checkbox_values,
              "filepicker": _file_values}


def field_values(fd: FormField) -> st.SearchStrategy[Value]:
    """Any value for the field: right, wrong, left out, or sent twice."""
    left_out: Value = (MISSING, INVALID if fd.required else VALID)
    right, others = STRATEGIES[fd.type](fd)
    return st.one_of(st.just(left_out), right, others,
                     st.lists(TEXT, min_size=2, max_size=3).map(lambda v: (v, UNKNOWN)))


def right_values(fd: FormField) -> st.SearchStrategy[Value]:
    """A value the field takes (which, for an optional field, may be none)."""
    right, _ = STRATEGIES[fd.type](fd)
    return right if fd.required else st.one_of(right, st.just((MISSING, VALID)))


@st.composite
def spoiled(draw: st.DrawFn, right: dict[str, st.SearchStrategy[Any]],
            wrong: dict[str, st.SearchStrategy[Any]], at_most: int = 3) -> dict[str, Any]:
    """Right values, except for a few fields (none, sometimes) that get anything at all."""
    keys = sorted(right)
    spoil = draw(st.sets(st.sampled_from(keys), max_size=at_most))
    return {key: draw(wrong[key] if key in spoil else right[key]) for key in keys}


@st.composite
def submissions(draw: st.DrawFn, definition: FormDefinition
                ) -> tuple[dict[str, Value], dict[str, str]]:
    """One value (or none) per input field, and some fields no form has."""
    editable = [fd for fd in definition.input_fields() if fd.editable]
    fields = draw(spoiled({fd.key: right_values(fd) for fd in editable},
                          {fd.key: field_values(fd) for fd in editable}))
    keys = {fd.key for fd in definition.input_fields()} | {"csrf_token"}
    extra = draw(st.dictionaries(
        st.text(alphabet="abcdefghijklmnopqrstuvwxyz_", min_size=1, max_size=12)
        .filter(lambda k: k not in keys), TEXT, max_size=3))
    return fields, extra


# -- (a) the public forms through HTTP ----------------------------------------------------

@dataclass
class PublicForm:
    key: str
    definition: FormDefinition


@pytest.fixture(params=["bijzondere_bijstand", "kapvergunning", "toets_aanvraag"])
def public_form(request: pytest.FixtureRequest, app: Flask, database: Database,
                tokens: dict[str, str]) -> PublicForm:
    key = str(request.param)
    if key == "toets_aanvraag":
        response = app.test_client().post("/api/v1/process-models", data={"files": [
            (io.BytesIO(FORM_START.encode()), "toets_aanvraag.bpmn"),
            (io.BytesIO((ROOT / "forms" / "toets_omgevingsplan.form").read_bytes()),
             "toets_omgevingsplan.form")]}, headers=bearer(tokens["ontwerper"]),
            content_type="multipart/form-data")
        assert response.status_code == 201, response.get_json()
    with UnitOfWork(database, readonly=True) as unit:
        _, definition = process_models.with_start_form(unit, key)
    return PublicForm(key, definition)


def _posted(fields: dict[str, Value], extra: dict[str, str]) -> dict[str, Any]:
    data: dict[str, Any] = dict(extra)
    for key, (value, _) in fields.items():
        if value is MISSING:
            continue
        if isinstance(value, list) and value and isinstance(value[0], tuple):
            data[key] = [(io.BytesIO(content), name) for name, content in value]
        else:
            data[key] = value
    return data


def _has_nul(value: Any) -> bool:
    if isinstance(value, str):
        return "\x00" in value
    if isinstance(value, (list, tuple)):
        return any(_has_nul(v) for v in value)
    return False


def _check_stored(definition: FormDefinition, fields: dict[str, Value],
                  extra: dict[str, str], data: dict[str, Any]) -> None:
    """The stored values have the types of their fields; what the test knows to be right
    is stored as it was meant."""
    assert not set(extra) & set(data), "fields no form has were stored"
    for fd in definition.input_fields():
        if not fd.editable:
            continue
        stored = data[fd.key]
        sent, verdict = fields[fd.key]
        if fd.type == "number":
            assert stored is None or (isinstance(stored, (int, float)) and
                                      not isinstance(stored, bool)), (fd.key, stored)
            if verdict == VALID and sent is not MISSING:
                assert Decimal(str(stored)) == Decimal(sent.replace(",", ".")), (sent, stored)
        elif fd.type == "checkbox":
            assert isinstance(stored, bool), (fd.key, stored)
            assert stored == (sent is not MISSING and sent not in ("", "false"))
        elif fd.type == "date":
            assert stored is None or re.fullmatch(r"\d{4}-\d{2}-\d{2}", stored), stored
            if verdict == VALID and sent is not MISSING:
                as_dutch = dt.datetime.strptime  # only the date part is used
                assert stored == (sent if sent[4] == "-" else
                                  as_dutch(sent, "%d-%m-%Y").date().isoformat())
        elif fd.type == "checklist":
            assert isinstance(stored, list) and set(stored) <= set(fd.option_values())
        elif fd.type in ("select", "radio"):
            assert stored is None or stored in fd.option_values(), stored
        elif fd.type in ("textfield", "textarea"):
            assert isinstance(stored, str), (fd.key, stored)
            if verdict == VALID and sent is not MISSING:
                assert stored == _normal(sent)
        elif fd.type == "filepicker":
            refs = stored if isinstance(stored, list) else [stored] if stored else []
            assert all(isinstance(r, dict) and set(r) >= {"document_id", "filename"}
                       for r in refs), stored


def test_public_forms_take_typed_values_or_name_the_fields(
        app: Flask, database: Database, public_form: PublicForm) -> None:
    definition, url = public_form.definition, f"/aanvragen/{public_form.key}"
    client = app.test_client()
    token = csrf_token(client.get(url).get_data(as_text=True))
    seen: set[int] = set()

    @PROPERTY
    @given(submissions(definition))
    def post(submission: tuple[dict[str, Value], dict[str, str]]) -> None:
        fields, extra = submission
        verdicts = {verdict for _, verdict in fields.values()}
        before = row_counts(database)
        response = client.post(url, data=dict(_posted(fields, extra), csrf_token=token),
                               content_type="multipart/form-data")
        status = response.status_code
        seen.add(status)
        html = response.get_data(as_text=True)
        nul = any(_has_nul(v) for v, _ in fields.values()) or _has_nul(list(extra.items()))
        if nul:
            assert status == 400 and row_counts(database) == before, status
            return
        if INVALID in verdicts:
            assert status == 422, (status, html[:300])
        elif verdicts == {VALID}:
            assert status == 302, re.findall(r'id="([\w-]+)-error">([^<]*)', html)
        assert status in (302, 422), (status, html[:300])
        after = row_counts(database)
        if status == 422:
            assert after == before, "a refused form stored something"
            wrong = {key for key, (_, verdict) in fields.items() if verdict == INVALID}
            marked = set(re.findall(r'id="([\w]+)-error"', html))
            assert marked and wrong <= marked, (wrong, marked)
            assert marked <= set(fields), marked
            return
        assert response.headers["Location"].startswith("/status/")
        assert after["cases"] == before["cases"] + 1 and after["tasks"] > before["tasks"]
        assert after["audit_events"] > before["audit_events"]
        _check_stored(definition, fields, extra, newest_case_data(database))

    post()
    assert seen >= {302, 422}, seen  # both kinds of answer were tried


# -- (b) the JSON API ---------------------------------------------------------------------

JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats() | HOSTILE_TEXT,
    lambda inner: st.lists(inner, max_size=4) | st.dictionaries(TEXT, inner, max_size=4),
    max_leaves=12)


def deep(depth: int) -> bytes:
    """JSON nested `depth` objects (and lists) deep."""
    return ('{"a": [' * depth + '"bodem"' + "]}" * depth).encode()


RAW_BODIES = st.sampled_from([
    b"", b"{", b"[" * 100_000, b"null", b"\xff\xfe\x00", b'{"data": NaN}',
    b'{"data": {"bedrag": 1e999}}', b'{"process_key": "bijzondere_bijstand", "data": Infinity}',
    deep(20), deep(1500), b"x" * 300_000])


@st.composite
def api_bodies(draw: st.DrawFn, structured: st.SearchStrategy[Any]
               ) -> tuple[bytes, str]:
    """A body and its content type: structured JSON with junk in it, any JSON, or no JSON."""
    kind = draw(st.sampled_from(["structured", "structured", "structured", "json", "raw"]))
    if kind == "raw":
        return draw(RAW_BODIES), draw(st.sampled_from(["application/json", "text/plain"]))
    body = draw(structured) if kind == "structured" else draw(JSON)
    text = json.dumps(body, allow_nan=True)  # NaN and Infinity are sent as JS writes them
    content_type = draw(st.sampled_from(["application/json", "application/json",
                                         "text/plain", "application/x-www-form-urlencoded"]))
    return text.encode(), content_type


def _junk_or(*good: Any) -> st.SearchStrategy[Any]:
    return st.one_of(st.sampled_from(good), JSON)


def right_or_junk(right: dict[str, Any], at_most: int = 2) -> st.SearchStrategy[Any]:
    """An object with the right fields, a few of which (none, sometimes) are left out or
    hold any JSON at all."""
    left_out = object()

    def without_left_out(body: dict[str, Any]) -> dict[str, Any]:
        return {k: v for k, v in body.items() if v is not left_out}
    return spoiled({k: v if isinstance(v, st.SearchStrategy) else st.just(v)
                    for k, v in right.items()},
                   {k: st.one_of(st.just(left_out), JSON) for k in right},
                   at_most).map(without_left_out)


BIJSTAND_FILE = {"filename": "a.pdf", "content_base64": base64.b64encode(PDF).decode()}
START_BODIES = st.one_of(
    right_or_junk({"process_key": "bijzondere_bijstand", "channel": st.sampled_from(
        ["online", "balie", "post"]), "data": right_or_junk(dict(
            BIJSTAND_AANVRAAG, bewijsstukken=st.sampled_from(
                [[], [BIJSTAND_FILE], [dict(BIJSTAND_FILE, content_base64="!!")]])))}),
    st.fixed_dictionaries({}, optional={
        "process_key": _junk_or("bijzondere_bijstand", "kapvergunning", "bestaat_niet"),
        "data": JSON, "channel": _junk_or("online", "balie")}))


def _api_call(client: FlaskClient, url: str, token: str, body: tuple[bytes, str]) -> Any:
    data, content_type = body
    return client.post(url, data=data, content_type=content_type, headers=bearer(token))


def _assert_answer(response: Any, ok: int, allowed: set[int]) -> None:
    assert response.status_code in allowed | {ok}, (response.status_code,
                                                   response.get_data(as_text=True)[:300])
    assert response.is_json, response.get_data(as_text=True)[:200]
    if response.status_code != ok:
        answer = response.get_json()
        assert isinstance(answer.get("error"), str) and answer["error"]


def test_api_start_case_takes_any_body_without_harm(
        app: Flask, database: Database, tokens: dict[str, str]) -> None:
    client = app.test_client()
    seen: set[int] = set()

    @PROPERTY
    @given(api_bodies(START_BODIES))
    def post(body: tuple[bytes, str]) -> None:
        before = row_counts(database)
        response = _api_call(client, "/api/v1/cases", tokens["balie"], body)
        seen.add(response.status_code)
        _assert_answer(response, 201, {400, 404, 413, 422})
        after = row_counts(database)
        if response.status_code != 201:
            assert after == before
            return
        case = response.get_json()
        assert after["cases"] == before["cases"] + 1
        with UnitOfWork(database, readonly=True) as unit:
            key = case["process_key"]
            model = process_models.latest(unit, key)
            definition = process_models.form_of(model, model.start_form_key)
        assert definition is not None
        for fd in definition.input_fields():
            value = case["data"][fd.key]
            expected = {"number": (int, float), "checkbox": bool, "date": str,
                        "textfield": str, "textarea": str}.get(fd.type)
            if expected and value is not None:
                assert isinstance(value, expected) and not (
                    fd.type == "number" and isinstance(value, bool)), (fd.key, value)
            if fd.type == "date" and value is not None:
                assert re.fullmatch(r"\d{4}-\d{2}-\d{2}", value)

    post()
    assert {201, 422} <= seen, seen


COMPLETE_BODIES = right_or_junk({"data": right_or_junk({
    "volledig": st.sampled_from(["ja", "nee", "buiten_behandeling"]),
    "ontbrekende_gegevens": st.sampled_from(["Stuur uw loonstroken.", ""])})})


def test_api_complete_task_takes_any_body_without_harm(
        app: Flask, database: Database, tokens: dict[str, str]) -> None:
    client = app.test_client()
    task: list[str] = []
    seen: set[int] = set()

    def open_task() -> str:
        if not task:
            case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
            task.append(case["open_tasks"][0]["id"])
        return task[0]

    @PROPERTY
    @given(api_bodies(COMPLETE_BODIES))
    def post(body: tuple[bytes, str]) -> None:
        task_id = open_task()
        before = row_counts(database)
        response = _api_call(client, f"/api/v1/tasks/{task_id}/complete",
                             tokens["consulent"], body)
        seen.add(response.status_code)
        _assert_answer(response, 200, {400, 413, 422})
        if response.status_code != 200:
            assert row_counts(database) == before
            return
        task.clear()  # done: the next example needs a new one
        case = response.get_json()
        assert case["data"]["volledig"] in ("ja", "nee", "buiten_behandeling")
        assert isinstance(case["data"]["ontbrekende_gegevens"], str)
        assert task_id not in {t["id"] for t in case["open_tasks"]}

    post()
    assert {200, 422} <= seen, seen


def deviation_bodies(task_id: str) -> st.SearchStrategy[Any]:
    kinds = {  # a right request of each kind
        "skip_task": {"task_id": task_id},
        "reassign": {"task_id": task_id, "values": st.sampled_from(
            [{"assignee": "consulent2"}, {"candidate_group": "teamleiders"}])},
        "add_task": {"task_id": task_id, "values": {"title": "Bellen met de aanvrager",
                                                    "instructions": "Vraag naar de nota."}},
        "correct_data": {"task_id": task_id, "values": {"bedrag": 400}},
        "extend_deadline": {"values": st.sampled_from([{"weeks": 2}, {"days": 3}]),
                            "resident_message": "Wij hebben meer tijd nodig voor uw zaak."},
        "jump_to": {"task_id": task_id, "target_element_id": "Task_Draagkracht"},
    }
    return st.one_of(*(right_or_junk(dict(
        fields, type=kind, reason=REASON, legal_basis=st.sampled_from(
            ["art. 4:84 Awb", "art. 3:4 lid 2 Awb"]), citation=st.sampled_from(
            [None, "Beleidsregel 3.2"]))) for kind, fields in kinds.items()))


def test_api_deviation_request_takes_any_body_without_harm(
        app: Flask, database: Database, tokens: dict[str, str]) -> None:
    client = app.test_client()
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    task_id = case["open_tasks"][0]["id"]
    seen: set[int] = set()

    @PROPERTY
    @given(api_bodies(deviation_bodies(task_id)))
    def post(body: tuple[bytes, str]) -> None:
        before = row_counts(database)
        response = _api_call(client, f"/api/v1/cases/{case['id']}/deviations",
                             tokens["consulent"], body)
        seen.add(response.status_code)
        _assert_answer(response, 201, {400, 413, 422})
        after = row_counts(database)
        if response.status_code != 201:
            assert after == before
            return
        assert after["deviations"] == before["deviations"] + 1
        deviation = response.get_json()
        assert deviation["status"] == "requested" and isinstance(deviation["values"], dict)
        for text in ("reason", "legal_basis"):
            assert isinstance(deviation[text], str) and deviation[text]
        for text in ("citation", "resident_message"):
            assert deviation[text] is None or isinstance(deviation[text], str)

    post()
    assert {201, 422} <= seen, seen


@pytest.mark.parametrize("action", ["approve", "reject"])
def test_api_decisions_take_any_body_without_harm(
        app: Flask, database: Database, tokens: dict[str, str], action: str) -> None:
    client = app.test_client()
    case = start(client, tokens["consulent"], "bijzondere_bijstand", BIJSTAND_AANVRAAG)
    requested = client.post(f"/api/v1/cases/{case['id']}/deviations", json={
        "type": "extend_deadline", "values": {"weeks": 2}, "reason": REASON,
        "legal_basis": "art. 4:84 Awb", "resident_message": "Wij hebben meer tijd nodig."},
        headers=bearer(tokens["consulent"]))
    assert requested.status_code == 201, requested.get_json()
    url = f"/api/v1/deviations/{requested.get_json()['id']}/{action}"
    who = tokens["teamleider"]
    before = row_counts(database)
    for body in (b"[1]", b'"x"', b"1", b'{"comment": {"a": 1}}', b'{"comment": ["x"]}',
                 b'{"comment": "a\\u0000b"}', b"{", b"[" * 50_000, b'{"comment": NaN}'):
        response = client.post(url, data=body, content_type="application/json",
                               headers=bearer(who))
        assert response.status_code in (400, 422), (body[:20], response.status_code)
        assert response.is_json and row_counts(database) == before
