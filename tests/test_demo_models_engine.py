"""The demo models in workflows/ and forms/ run on plain SpiffWorkflow 3.2.

Uses SpiffWorkflow directly (no platform code): CamundaParser, BpmnWorkflow and a tiny script
engine that reads JUEL conditions and unquoted ISO 8601 timers the way Camunda Modeler writes
them. Drives every main path to its end event, and checks that the files are complete Camunda
Modeler documents (diagram, forms, properties). To be superseded by the platform's engine tests.
"""
from __future__ import annotations

import itertools
import json
import re
from datetime import UTC, datetime, timedelta
from pathlib import Path
from typing import Any

import pytest
from lxml import etree
from SpiffWorkflow.bpmn.parser.BpmnParser import BpmnValidator
from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.util.task import TaskState

ROOT = Path(__file__).resolve().parents[1]
WORKFLOWS = ROOT / "workflows"
FORMS = ROOT / "forms"
BPMN_FILES = sorted(WORKFLOWS.glob("*.bpmn"))
DMN_FILES = sorted(WORKFLOWS.glob("*.dmn"))
FORM_FILES = sorted(FORMS.glob("*.form"))

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "bpmndi": "http://www.omg.org/spec/BPMN/20100524/DI",
    "dc": "http://www.omg.org/spec/DD/20100524/DC",
    "di": "http://www.omg.org/spec/DD/20100524/DI",
    "camunda": "http://camunda.org/schema/1.0/bpmn",
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
    "dmn": "https://www.omg.org/spec/DMN/20191111/MODEL/",
    "dmndi": "https://www.omg.org/spec/DMN/20191111/DMNDI/",
}
CAMUNDA = "{" + NS["camunda"] + "}"
FLOW_NODES = {
    "startEvent", "endEvent", "boundaryEvent", "intermediateCatchEvent",
    "intermediateThrowEvent", "task", "userTask", "scriptTask", "businessRuleTask",
    "serviceTask", "manualTask", "sendTask", "receiveTask", "exclusiveGateway",
    "parallelGateway", "inclusiveGateway", "eventBasedGateway", "subProcess", "callActivity",
}
GROUPS = {"consulenten", "teamleiders", "vergunningverleners", "inwoner"}
ISO_8601 = re.compile(
    r"^(R\d*/)?P(?!$)(\d+Y)?(\d+M)?(\d+W)?(\d+D)?(T(?=\d)(\d+H)?(\d+M)?(\d+S)?)?$")


# -- the engine, as thin as possible -----------------------------------------------------

class JuelScriptEngine(PythonScriptEngine):
    """Python engine that also reads `${...}` JUEL conditions and unquoted ISO 8601 timers."""

    @staticmethod
    def to_python(expression: str) -> str:
        text = expression.strip()
        if ISO_8601.match(text):
            return repr(text)
        if text.startswith("${") and text.endswith("}"):
            text = text[2:-1].replace("&&", " and ").replace("||", " or ")
            text = re.sub(r"!(?!=)", " not ", text)
            text = re.sub(r"\btrue\b", "True", text)
            text = re.sub(r"\bfalse\b", "False", text)
            text = re.sub(r"\bnull\b", "None", text)
        return text

    def evaluate(self, task: Any, expression: str, external_context: Any = None) -> Any:
        return super().evaluate(task, self.to_python(expression), external_context)


def parse_models() -> CamundaParser:
    parser = CamundaParser(validator=BpmnValidator())  # also checks BPMN 2.0 / DMN 1.3 XSDs
    for path in DMN_FILES:
        parser.add_dmn_file(str(path))
    for path in BPMN_FILES:
        parser.add_bpmn_file(str(path))
    return parser


def start(process_id: str, **start_form: Any) -> BpmnWorkflow:
    parser = parse_models()
    spec = parser.get_spec(process_id)
    workflow = BpmnWorkflow(spec, parser.get_subprocess_specs(process_id),
                            script_engine=JuelScriptEngine())
    workflow.get_next_task(state=TaskState.READY).set_data(**start_form)
    workflow.do_engine_steps()
    return workflow


def ready(workflow: BpmnWorkflow) -> list[str]:
    return sorted(t.task_spec.bpmn_id for t in
                  workflow.get_tasks(state=TaskState.READY, manual=True))


def complete(workflow: BpmnWorkflow, bpmn_id: str, **form: Any) -> None:
    tasks = [t for t in workflow.get_tasks(state=TaskState.READY, manual=True)
             if t.task_spec.bpmn_id == bpmn_id]
    assert len(tasks) == 1, f"{bpmn_id} is not ready; ready: {ready(workflow)}"
    tasks[0].set_data(**form)
    tasks[0].run()
    workflow.do_engine_steps()


def completed(workflow: BpmnWorkflow) -> list[str]:
    return [t.task_spec.bpmn_id for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id]


def data_of(workflow: BpmnWorkflow, bpmn_id: str) -> dict[str, Any]:
    """Data of the last completed run of an element."""
    runs = [t for t in workflow.get_tasks(state=TaskState.COMPLETED)
            if t.task_spec.bpmn_id == bpmn_id]
    assert runs, f"{bpmn_id} never completed"
    return runs[-1].data


def waiting_timer(workflow: BpmnWorkflow, bpmn_id: str) -> Any:
    timers = [t for t in workflow.get_tasks(state=TaskState.WAITING)
              if t.task_spec.bpmn_id == bpmn_id]
    assert len(timers) == 1, f"timer {bpmn_id} is not waiting"
    return timers[0]


def expire(workflow: BpmnWorkflow, bpmn_id: str, expected_term: timedelta) -> None:
    timer = waiting_timer(workflow, bpmn_id)
    due = datetime.fromisoformat(timer.internal_data["event_value"])
    assert abs(due - (datetime.now(UTC) + expected_term)) < timedelta(minutes=1)
    timer.internal_data["event_value"] = (datetime.now(UTC)
                                          - timedelta(seconds=1)).isoformat()
    workflow.refresh_timers()
    workflow.do_engine_steps()


def assert_finished(workflow: BpmnWorkflow, *end_events: str) -> None:
    assert workflow.is_completed(), f"still open: {ready(workflow)}"
    ends = [e for e in completed(workflow) if e.startswith("Event_") and
            e not in ("Event_BehandelingGestart",)]
    for end in end_events:
        assert end in ends, f"{end} not reached; reached {ends}"


# -- bijzondere bijstand -----------------------------------------------------------------

def aanvraag(**overrides: Any) -> dict[str, Any]:
    form = {"naam": "Fatima el Amrani", "email": "fatima@example.nl", "telefoon": "06 12345678",
                "geboortedatum": "1985-04-12", "woonsituatie": "eenoudergezin",
                "kosten_omschrijving": "Nieuwe wasmachine, de oude is kapot gegaan.",
                "bedrag": 450.0, "netto_inkomen": 1350.0, "vermogen": 800.0, "toestemming": True}
    form.update(overrides)
    return form


def test_bijstand_incomplete_then_complete_low_amount_is_granted_without_four_eyes() -> None:
    wf = start("bijzondere_bijstand", **aanvraag(bedrag=450.0))
    assert ready(wf) == ["Task_Volledigheid"]
    complete(wf, "Task_Volledigheid", volledig="nee",
             ontbrekende_gegevens="Uw bankafschriften van de laatste 3 maanden.")
    assert ready(wf) == ["Task_Aanvulling"]
    complete(wf, "Task_Aanvulling", aanvulling="Bankafschriften van juli tot en met september.")
    assert ready(wf) == ["Task_Volledigheid"]
    complete(wf, "Task_Volledigheid", volledig="ja", ontbrekende_gegevens="")

    assert_finished(wf, "Event_BesluitGenomen", "Event_Toegekend")
    assert data_of(wf, "Task_Draagkracht")["uitkomst"] == "toekennen"
    assert "Task_Vierogen" not in completed(wf)
    assert completed(wf).count("Task_Volledigheid") == 2
    assert data_of(wf, "Task_Betaling")["betaalkenmerk"] == "BB-45000"
    assert data_of(wf, "Task_Betaling")["betaalstatus"] == "klaargezet"


def test_bijstand_high_amount_is_granted_after_four_eyes() -> None:
    wf = start("bijzondere_bijstand", **aanvraag(bedrag=1250.50))
    complete(wf, "Task_Volledigheid", volledig="ja")
    assert data_of(wf, "Task_Draagkracht")["uitkomst"] == "toekennen"
    assert ready(wf) == ["Task_Vierogen"]
    complete(wf, "Task_Vierogen", akkoord=True, vierogen_toelichting="Klopt, akkoord.")

    assert_finished(wf, "Event_Toegekend")
    assert "Task_ContactAfwijzing" not in completed(wf)
    assert data_of(wf, "Task_Betaling")["betaalkenmerk"] == "BB-125050"


def test_bijstand_four_eyes_disagrees_then_reassessment_loops_back() -> None:
    wf = start("bijzondere_bijstand", **aanvraag(bedrag=1200.0))
    complete(wf, "Task_Volledigheid", volledig="ja")
    complete(wf, "Task_Vierogen", akkoord=False,
             vierogen_toelichting="Offerte is te hoog; ga uit van de goedkoopste offerte.")
    assert ready(wf) == ["Task_Herbeoordeling"]
    complete(wf, "Task_Herbeoordeling", uitkomst="toekennen", bedrag=950.0,
             herbeoordeling_toelichting="Goedkoopste offerte aangehouden.")
    assert ready(wf) == ["Task_Vierogen"]
    complete(wf, "Task_Vierogen", akkoord=True, vierogen_toelichting="Akkoord.")

    assert_finished(wf, "Event_Toegekend")
    assert completed(wf).count("Task_Vierogen") == 2
    assert data_of(wf, "Task_Betaling")["betaalbedrag"] == 950.0


def test_bijstand_rejection_needs_contact_and_four_eyes() -> None:
    wf = start("bijzondere_bijstand", **aanvraag(netto_inkomen=2100.0, bedrag=300.0))
    complete(wf, "Task_Volledigheid", volledig="ja")
    assert data_of(wf, "Task_Draagkracht")["uitkomst"] == "afwijzen"
    assert ready(wf) == ["Task_ContactAfwijzing"]
    complete(wf, "Task_ContactAfwijzing", gesprek_datum="2025-03-04", gesprek_vorm="telefoon",
             gesprek_verslag="Uitkomst besproken; geen nieuwe omstandigheden genoemd.")
    assert ready(wf) == ["Task_Vierogen"]
    complete(wf, "Task_Vierogen", akkoord=True, vierogen_toelichting="Afwijzing terecht.")
    assert ready(wf) == ["Task_BesluitAfwijzing"]
    complete(wf, "Task_BesluitAfwijzing", verzenddatum="2025-03-06", verzendwijze="post")

    assert_finished(wf, "Event_Afgewezen")
    assert "Task_Betaling" not in completed(wf)


def test_bijstand_repair_term_expires_and_caseworker_stops_treatment() -> None:
    wf = start("bijzondere_bijstand", **aanvraag())
    complete(wf, "Task_Volledigheid", volledig="nee", ontbrekende_gegevens="Uw huurcontract.")
    assert ready(wf) == ["Task_Aanvulling"]
    expire(wf, "Event_Hersteltermijn", timedelta(days=14))
    assert ready(wf) == ["Task_Volledigheid"]  # interrupting: the resident's task is gone
    assert not [t for t in wf.get_tasks(state=TaskState.READY)
                if t.task_spec.bpmn_id == "Task_Aanvulling"]
    complete(wf, "Task_Volledigheid", volledig="buiten_behandeling")
    assert ready(wf) == ["Task_BesluitBuitenBehandeling"]
    complete(wf, "Task_BesluitBuitenBehandeling", verzenddatum="2025-03-20",
             verzendwijze="berichtenbox")

    assert_finished(wf, "Event_BuitenBehandeling", "Event_BuitenBehandelingGesteld")
    assert "Task_Draagkracht" not in completed(wf)


def test_bijstand_decision_term_expiry_runs_alongside_treatment() -> None:
    wf = start("bijzondere_bijstand", **aanvraag())
    expire(wf, "Event_Beslistermijn", timedelta(weeks=8))
    assert ready(wf) == ["Task_Beslistermijn", "Task_Volledigheid"]  # non-interrupting
    complete(wf, "Task_Beslistermijn", beslistermijn_actie="voorrang",
             verwachte_besluitdatum="2025-05-01", beslistermijn_toelichting="Voorrang gegeven.")
    complete(wf, "Task_Volledigheid", volledig="ja")

    assert_finished(wf, "Event_BeslistermijnAfgehandeld", "Event_Toegekend")


@pytest.mark.parametrize(("netto_inkomen", "vermogen", "bedrag", "uitkomst"), [
    (1350.0, 800.0, 450.0, "toekennen"),
    (1800.0, 7605.0, 25.0, "toekennen"),     # limits are inclusive
    (1800.01, 0.0, 450.0, "afwijzen"),       # income above the limit
    (900.0, 7605.01, 450.0, "afwijzen"),     # capital above the limit
    (900.0, 0.0, 24.99, "afwijzen"),         # below the threshold amount
    (0.0, 0.0, 50000.0, "toekennen"),
])
def test_draagkracht_decision_table(netto_inkomen: float, vermogen: float, bedrag: float,
                                    uitkomst: str) -> None:
    wf = start("bijzondere_bijstand", **aanvraag(netto_inkomen=netto_inkomen,
                                                 vermogen=vermogen, bedrag=bedrag))
    complete(wf, "Task_Volledigheid", volledig="ja")
    assert data_of(wf, "Task_Draagkracht")["uitkomst"] == uitkomst


# -- kapvergunning -----------------------------------------------------------------------

KAP = {"naam": "Jan de Vries", "email": "jan@example.nl", "adres": "Dorpsstraat 12, Lutjebroek",
       "boomsoort": "populier", "stamdiameter": 65,
       "reden": "De wortels drukken de fundering op.", "herplant": True}


def kap_until_decision() -> BpmnWorkflow:
    wf = start("kapvergunning", **KAP)
    assert ready(wf) == ["Task_Beoordelen"]
    complete(wf, "Task_Beoordelen", ontvankelijk=True, boomstatus="gewoon")
    assert ready(wf) == ["Task_AdviesBomen", "Task_ToetsOmgevingsplan"]  # parallel
    complete(wf, "Task_ToetsOmgevingsplan", past_in_omgevingsplan="ja", aandachtspunten=[])
    assert ready(wf) == ["Task_AdviesBomen"]  # the join waits for both
    complete(wf, "Task_AdviesBomen", boom_conditie="matig", advies_bomen="positief",
             advies_toelichting="Boom is in matige conditie; kappen verantwoord.")
    assert ready(wf) == ["Task_Besluit"]
    return wf


def test_kap_granted() -> None:
    wf = kap_until_decision()
    complete(wf, "Task_Besluit", besluit="verlenen", herplantplicht=True,
             motivering="De boom is in matige staat en beschadigt de woning.")
    assert_finished(wf, "Event_Verleend")
    assert "Event_Geweigerd" not in completed(wf)


def test_kap_refused() -> None:
    wf = kap_until_decision()
    complete(wf, "Task_Besluit", besluit="weigeren", herplantplicht=False,
             motivering="De boom is gezond en beeldbepalend voor de straat.")
    assert_finished(wf, "Event_Geweigerd")
    assert "Event_Verleend" not in completed(wf)


def test_kap_not_admissible() -> None:
    wf = start("kapvergunning", **KAP)
    complete(wf, "Task_Beoordelen", ontvankelijk=False, boomstatus="gewoon")
    assert_finished(wf, "Event_NietOntvankelijk")
    assert "Task_Besluit" not in completed(wf)


def test_kap_inline_form_fields_are_read_by_the_camunda_parser() -> None:
    spec = parse_models().get_spec("kapvergunning")
    form = spec.task_specs["Task_Beoordelen"].form
    fields = {f.id: f for f in form.fields}
    assert fields["ontvankelijk"].type == "boolean"
    assert [v.name for v in fields["ontvankelijk"].validation] == ["required"]
    assert fields["boomstatus"].type == "enum"
    assert [o.id for o in fields["boomstatus"].options] == ["gewoon", "waardevol", "monumentaal"]
    assert fields["beoordeling_opmerking"].type == "string"


# -- the files as Camunda Modeler documents ----------------------------------------------

def _bounds(shape: etree._Element) -> tuple[float, float, float, float]:
    b = shape.find("dc:Bounds", NS)
    assert b is not None
    return (float(b.get("x")), float(b.get("y")), float(b.get("width")),
            float(b.get("height")))


def _overlap(a: tuple[float, ...], b: tuple[float, ...]) -> bool:
    return a[0] < b[0] + b[2] and b[0] < a[0] + a[2] and a[1] < b[1] + b[3] and b[1] < a[1] + a[3]


def _on_border(point: tuple[float, float], box: tuple[float, float, float, float]) -> bool:
    x, y = point
    bx, by, bw, bh = box
    inside = bx - 1 <= x <= bx + bw + 1 and by - 1 <= y <= by + bh + 1
    edge = min(abs(x - bx), abs(x - bx - bw), abs(y - by), abs(y - by - bh)) <= 1
    return inside and edge


def _segment_hits(p: tuple[float, float], q: tuple[float, float],
                  box: tuple[float, float, float, float]) -> bool:
    """An orthogonal segment passes through the inside of a box (not just its border)."""
    bx, by, bw, bh = box
    if p[1] == q[1]:
        lo, hi = sorted((p[0], q[0]))
        return by < p[1] < by + bh and lo < bx + bw and hi > bx
    lo, hi = sorted((p[1], q[1]))
    return bx < p[0] < bx + bw and lo < by + bh and hi > by


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_diagram_is_complete_and_laid_out(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    assert root.get("exporter") == "Camunda Modeler"
    assert root.get("{http://camunda.org/schema/modeler/1.0}executionPlatform") == \
        "Camunda Platform"
    elements = {el.get("id"): el for el in root.iter()
                if isinstance(el.tag, str) and etree.QName(el).namespace == NS["bpmn"]
                and el.get("id")}
    nodes = {i: el for i, el in elements.items() if etree.QName(el).localname in FLOW_NODES}
    flows = {i: el for i, el in elements.items() if etree.QName(el).localname == "sequenceFlow"}
    shapes = {s.get("bpmnElement"): s for s in root.iterfind(".//bpmndi:BPMNShape", NS)}
    edges = {e.get("bpmnElement"): e for e in root.iterfind(".//bpmndi:BPMNEdge", NS)}

    assert set(nodes) <= set(shapes), f"no shape for {set(nodes) - set(shapes)}"
    assert set(flows) <= set(edges), f"no edge for {set(flows) - set(edges)}"
    box = {i: _bounds(shapes[i]) for i in nodes}

    kind = {i: etree.QName(el).localname for i, el in nodes.items()}
    plain = [i for i in nodes if kind[i] not in ("subProcess", "boundaryEvent")]
    for a in plain:  # flow nodes don't overlap
        for b in plain:
            assert a == b or not _overlap(box[a], box[b]), f"{a} overlaps {b}"
    for i in nodes:  # boundary events sit on their host's border
        if kind[i] == "boundaryEvent":
            host = box[nodes[i].get("attachedToRef")]
            x, y, w, h = box[i]
            assert _on_border((x + w / 2, y + h / 2), host), f"{i} is not on its host"
        elif kind[i] != "subProcess":  # children lie inside their subprocess
            parent = nodes[i].getparent()
            if etree.QName(parent).localname == "subProcess":
                px, py, pw, ph = box[parent.get("id")]
                x, y, w, h = box[i]
                assert px < x and py < y and x + w < px + pw and y + h < py + ph, i

    for fid, flow in flows.items():
        points = [(float(w.get("x")), float(w.get("y")))
                  for w in edges[fid].iterfind("di:waypoint", NS)]
        assert len(points) >= 2
        assert _on_border(points[0], box[flow.get("sourceRef")]), f"{fid} start"
        assert _on_border(points[-1], box[flow.get("targetRef")]), f"{fid} end"
        for p, q in itertools.pairwise(points):
            assert p[0] == q[0] or p[1] == q[1], f"{fid} is not orthogonal"
            for other in plain:
                if other not in (flow.get("sourceRef"), flow.get("targetRef")):
                    assert not _segment_hits(p, q, box[other]), f"{fid} crosses {other}"

    labels = [(i, _bounds(lbl)) for i, s in shapes.items()
              for lbl in s.iterfind("bpmndi:BPMNLabel", NS)]
    labels += [(i, _bounds(lbl)) for i, e in edges.items()
               for lbl in e.iterfind("bpmndi:BPMNLabel", NS)]
    for owner, lbl in labels:
        for other in plain:
            assert not _overlap(lbl, box[other]), f"label of {owner} covers {other}"
    for a, la in labels:
        for b, lb in labels:
            assert a == b or not _overlap(la, lb), f"labels of {a} and {b} overlap"


@pytest.mark.parametrize("path", BPMN_FILES, ids=lambda p: p.name)
def test_process_conventions(path: Path) -> None:
    root = etree.parse(str(path)).getroot()
    process = root.find("bpmn:process", NS)
    assert process.get("isExecutable") == "true"
    props = {p.get("name"): p.get("value") for p in process.iterfind(
        "bpmn:extensionElements/camunda:properties/camunda:property", NS)}
    assert props["maatwerk:decisionTerm"] == "P8W"
    assert props["maatwerk:description"]

    for task in process.iter("{{{}}}userTask".format(NS["bpmn"])):
        groups = task.get(CAMUNDA + "candidateGroups", "").split(",")
        assert groups and set(groups) <= GROUPS, task.get("id")
        assert (task.findtext("bpmn:documentation", namespaces=NS) or "").strip(), task.get("id")
        task_props = {p.get("name"): p.get("value") for p in task.iterfind(
            "bpmn:extensionElements/camunda:properties/camunda:property", NS)}
        assert task_props.get("maatwerk:residentText"), task.get("id")
        has_form = task.get(CAMUNDA + "formRef") or task.find(
            "bpmn:extensionElements/camunda:formData", NS) is not None
        assert has_form, task.get("id")
        if "inwoner" in groups:
            assert task_props.get("maatwerk:suspendsDeadline") == "true"

    by_id = {el.get("id"): el for el in process.iter() if el.get("id")}
    for gateway in process.iter("{{{}}}exclusiveGateway".format(NS["bpmn"])):
        outgoing = [by_id[o.text] for o in gateway.iterfind("bpmn:outgoing", NS)]
        if len(outgoing) > 1:
            for flow in outgoing:
                condition = flow.find("bpmn:conditionExpression", NS)
                assert flow.get("id") == gateway.get("default") or (
                    condition is not None and condition.text.startswith("${")), flow.get("id")

    for expression in process.iter("{{{}}}timeDuration".format(NS["bpmn"])):
        assert ISO_8601.match(expression.text), expression.text


def test_bijstand_specific_shape() -> None:
    root = etree.parse(str(WORKFLOWS / "bijzondere_bijstand.bpmn")).getroot()
    rule = root.find(".//bpmn:businessRuleTask", NS)
    assert rule.get(CAMUNDA + "decisionRef") == "draagkracht"
    assert rule.get(CAMUNDA + "resultVariable") == "uitkomst"
    assert rule.get(CAMUNDA + "mapDecisionResult") == "singleEntry"
    deadline = root.find(".//bpmn:boundaryEvent[@id='Event_Beslistermijn']", NS)
    assert deadline.get("cancelActivity") == "false"
    assert deadline.get("attachedToRef") == "SubProcess_Behandeling"
    repair = root.find(".//bpmn:boundaryEvent[@id='Event_Hersteltermijn']", NS)
    assert repair.get("cancelActivity") in (None, "true")
    script = root.find(".//bpmn:scriptTask", NS)
    assert script.get("scriptFormat") == "python"
    assert "_" not in script.findtext("bpmn:script", namespaces=NS)


def test_decision_table_is_dmn13_with_diagram() -> None:
    for path in DMN_FILES:
        root = etree.parse(str(path)).getroot()
        assert etree.QName(root).namespace == NS["dmn"]
        decisions = root.findall("dmn:decision", NS)
        shapes = {s.get("dmnElementRef") for s in root.iterfind(".//dmndi:DMNShape", NS)}
        assert {d.get("id") for d in decisions} <= shapes
        for table in root.iterfind(".//dmn:decisionTable", NS):
            assert table.get("hitPolicy", "UNIQUE") in ("UNIQUE", "FIRST")
            assert len(table.findall("dmn:output", NS)) == 1


# -- forms -------------------------------------------------------------------------------

def _no_duplicate_keys(pairs: list[tuple[str, Any]]) -> dict[str, Any]:
    keys = [k for k, _ in pairs]
    assert len(keys) == len(set(keys)), f"duplicate JSON keys {keys}"
    return dict(pairs)


def _load_form(path: Path) -> dict[str, Any]:
    return json.loads(path.read_text(encoding="utf-8"), object_pairs_hook=_no_duplicate_keys)


RENDERED = {"textfield", "textarea", "number", "checkbox", "checklist", "radio", "select",
            "datetime", "filepicker", "text"}


@pytest.mark.parametrize("path", FORM_FILES, ids=lambda p: p.name)
def test_form_is_a_camunda_form(path: Path) -> None:
    form = _load_form(path)
    assert form["id"] == path.stem
    assert form["type"] == "default"
    assert form["executionPlatform"] == "Camunda Platform"
    assert form["exporter"]["name"] == "Camunda Modeler"
    assert form["schemaVersion"] == 16
    ids = [c["id"] for c in form["components"]]
    keys = [c["key"] for c in form["components"] if "key" in c]
    assert len(ids) == len(set(ids)) and len(keys) == len(set(keys))
    assert keys, "a form without input fields"
    for component in form["components"]:
        assert re.fullmatch(r"Field_[0-9a-z]{7}", component["id"])
        assert component["type"] in RENDERED
        if component["type"] == "datetime":
            assert component["subtype"] == "date"
        if component["type"] in ("radio", "select", "checklist"):
            values = [v["value"] for v in component["values"]]
            assert values and len(values) == len(set(values))


def test_every_form_ref_has_a_form_and_every_form_is_used() -> None:
    form_ids = {_load_form(p)["id"] for p in FORM_FILES}
    refs = set()
    for path in BPMN_FILES:
        root = etree.parse(str(path)).getroot()
        for element in root.iter():
            if isinstance(element.tag, str) and element.get(CAMUNDA + "formRef"):
                assert element.get(CAMUNDA + "formRefBinding") == "latest"
                refs.add(element.get(CAMUNDA + "formRef"))
    assert refs - form_ids == set(), "formRef without a form file"
    assert form_ids - refs == set(), "form file nobody uses"


def test_gateway_variables_are_set_by_forms() -> None:
    """Each variable a condition reads is a form key, a formData field or the DMN output."""
    produced = {c["key"] for p in FORM_FILES for c in _load_form(p)["components"] if "key" in c}
    for path in BPMN_FILES:
        root = etree.parse(str(path)).getroot()
        produced |= {f.get("id") for f in root.iterfind(".//camunda:formField", NS)}
        produced |= {t.get(CAMUNDA + "resultVariable")
                     for t in root.iterfind(".//bpmn:businessRuleTask", NS)}
    for path in BPMN_FILES:
        root = etree.parse(str(path)).getroot()
        for condition in root.iterfind(".//bpmn:conditionExpression", NS):
            names = set(re.findall(r"\b([a-z][a-z_]*)\b", re.sub(r"'[^']*'", "", condition.text)))
            names -= {"true", "false", "null", "and", "or", "not", "empty"}
            assert names <= produced, f"{condition.text}: {names - produced}"
