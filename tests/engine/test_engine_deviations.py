"""Deviation primitives on the real demo models (workflows/), run by the platform's engine.

Each primitive: the happy path, the case running on to its end afterwards, a dump/load
round trip, the open tasks, the timers, and refusals that leave the state byte-identical.
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta

import pytest
from driver import BIJSTAND, WORKFLOWS, EngineCase, bundle
from SpiffWorkflow.util.task import TaskState

from maatwerk.engine import deviations, runtime
from maatwerk.engine.deviations import DeviationNotApplicable
from maatwerk.engine.runtime import SpecBundle

KAP = {"naam": "Petra de Boer", "email": "petra@example.nl", "adres": "Dorpsstraat 1",
       "boomsoort": "eik", "stamdiameter": 45, "reden": "De boom is ziek.", "herplant": True}
P8W, P14D = timedelta(weeks=8), timedelta(days=14)


@pytest.fixture(scope="module")
def bijstand() -> SpecBundle:
    return bundle(WORKFLOWS, "bijzondere_bijstand")


@pytest.fixture(scope="module")
def kap() -> SpecBundle:
    return bundle(WORKFLOWS, "kapvergunning")


# -- driving a case ----------------------------------------------------------------------

class Case(EngineCase):
    """A demo case, with the end of the grant path."""

    def finish_grant(self) -> None:
        """Four eyes agree: payment is prepared and the case ends with 'Bijstand toegekend'."""
        self.do("Task_Vierogen", akkoord=True, vierogen_toelichting="Akkoord.")
        assert self.result.completed and self.completed("Event_Toegekend") == 1
        assert self.result.data["betaalstatus"] == "klaargezet"
        assert self.result.next_timer_at is None and self.wf.waiting_events() == []


def near(moment: datetime, term: timedelta) -> bool:
    return abs(moment - (datetime.now(UTC) + term)) < timedelta(minutes=1)


def no_stale_events(case: Case) -> None:
    alive = {t.id for t in runtime._all_tasks(case.wf)}
    assert set(case.wf.event_manager.tasks) <= alive


def refused_bijstand(bijstand: SpecBundle) -> Case:
    """Income above the norm: the means test says 'afwijzen'."""
    case = Case(bijstand, dict(BIJSTAND, netto_inkomen=2500))
    case.do("Task_Volledigheid", volledig="ja")
    assert case.open == ["Task_ContactAfwijzing"] and case.result.data["uitkomst"] == "afwijzen"
    return case


def kap_advice(kap: SpecBundle) -> Case:
    case = Case(kap, KAP)
    case.do("Task_Beoordelen", ontvankelijk=True, boomstatus="gewoon")
    assert case.open == ["Task_AdviesBomen", "Task_ToetsOmgevingsplan"]
    return case


# -- override_decision: the product's reason to exist ------------------------------------

def test_refusal_by_the_table_overridden_to_a_grant(bijstand: SpecBundle) -> None:
    case = refused_bijstand(bijstand)
    term = case.timers()["Event_Beslistermijn"]
    assert deviations.decision_values(case.wf, "Task_Draagkracht") == {"uitkomst": "afwijzen"}
    assert deviations.decision_values(case.wf, "Gateway_Uitkomst") == {
        "flow": "Task_ContactAfwijzing"}
    case.deviate(deviations.override_decision, "Task_Draagkracht", {"uitkomst": "toekennen"})
    assert case.open == ["Task_Vierogen"]  # bedrag 650 > 500: four eyes
    assert case.result.data["uitkomst"] == "toekennen"
    assert deviations.decision_values(case.wf, "Task_Draagkracht") == {"uitkomst": "toekennen"}
    assert deviations.decision_values(case.wf, "Gateway_Uitkomst") == {
        "flow": "Gateway_VierogenSamen"}
    assert case.completed("Task_Draagkracht") == 1  # the table did not run again
    assert case.timers() == {"Event_Beslistermijn": term}  # the 8 weeks run on
    assert case.result.next_timer_at == term
    case.finish_grant()
    assert case.result.data["betaalkenmerk"] == "BB-65000"
    assert case.completed("Task_Betaling") == 1 and case.completed("Task_ContactAfwijzing") == 0


def test_override_after_later_work_undoes_it_and_keeps_its_data(bijstand: SpecBundle) -> None:
    case = refused_bijstand(bijstand)
    case.do("Task_ContactAfwijzing", gesprek_vorm="telefoon", gesprek_verslag="Zorgkosten.")
    assert case.open == ["Task_Vierogen"]
    old_vierogen = case.task_id("Task_Vierogen")
    case.deviate(deviations.override_decision, "Task_Draagkracht", {"uitkomst": "toekennen"})
    assert case.open == ["Task_Vierogen"] and case.task_id("Task_Vierogen") != old_vierogen
    assert case.result.data["gesprek_verslag"] == "Zorgkosten."  # the case's data now
    case.finish_grant()


def test_a_failed_decision_is_completed_with_the_given_outcome(bijstand: SpecBundle) -> None:
    case = Case(bijstand, {k: v for k, v in BIJSTAND.items() if k != "netto_inkomen"})
    case.result = runtime.complete(case.wf, case.task_id("Task_Volledigheid"),
                                   {"volledig": "ja"})
    assert case.result.failure and case.result.failure[0] == "Task_Draagkracht"
    assert deviations.decision_values(case.wf, "Task_Draagkracht") == {"uitkomst": None}
    case.deviate(deviations.override_decision, "Task_Draagkracht", {"uitkomst": "toekennen"})
    assert case.open == ["Task_Vierogen"]
    case.finish_grant()


def test_a_gateway_is_sent_down_another_path(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    case.do("Task_Volledigheid", volledig="ja")
    case.do("Task_Vierogen", akkoord=False, vierogen_toelichting="Bedrag te hoog.")
    assert case.open == ["Task_Herbeoordeling"]
    assert deviations.decision_values(case.wf, "Gateway_Akkoord") == {
        "flow": "Task_Herbeoordeling"}
    case.deviate(deviations.override_decision, "Gateway_Akkoord",
                 {"flow": "Gateway_BehandelingEinde"})
    assert case.result.completed and case.completed("Event_Toegekend") == 1
    assert case.completed("Task_Herbeoordeling") == 0 and case.wf.waiting_events() == []


def test_a_failed_gateway_is_given_its_path(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    case.result = runtime.complete(case.wf, case.task_id("Task_Volledigheid"),
                                   {"volledig": "weet niet"})
    assert case.result.failure and case.result.failure[0] == "Gateway_Volledig"
    assert deviations.decision_values(case.wf, "Gateway_Volledig") == {"flow": None}
    case.deviate(deviations.override_decision, "Gateway_Volledig", {"flow": "Task_Aanvulling"})
    assert case.open == ["Task_Aanvulling"]
    assert near(case.timers()["Event_Hersteltermijn"], P14D)  # its boundary timer is armed
    case.do("Task_Aanvulling", aanvulling="Bankafschriften.")
    case.do("Task_Volledigheid", volledig="ja")
    case.finish_grant()


def test_override_refusals_change_nothing(bijstand: SpecBundle) -> None:
    fresh = Case(bijstand, BIJSTAND)
    fresh.refuse(deviations.override_decision, "Task_Draagkracht", {"uitkomst": "toekennen"},
                 match="Task_Draagkracht has not been reached")
    case = refused_bijstand(bijstand)
    override = deviations.override_decision
    case.refuse(override, "Task_Volledigheid", {"volledig": "ja"},
                match="Task_Volledigheid is a UserTask, neither")
    case.refuse(override, "Task_Draagkracht", {"uitkomst": "afwijzen"}, match="already")
    case.refuse(override, "Task_Draagkracht", {"bedrag": 1}, match="value of uitkomst")
    case.refuse(override, "Task_Draagkracht", {}, match="no values")
    case.refuse(override, "Task_Draagkracht", {"uitkomst": "misschien"},
                match="would stop at Gateway_Uitkomst")
    message = case.refuse(override, "Gateway_Uitkomst", {"flow": "Flow_1ywalui"},
                          match="Gateway_Uitkomst has no path to Flow_1ywalui")
    assert "Task_ContactAfwijzing" in message and "Gateway_VierogenSamen" in message
    case.refuse(override, "Gateway_Uitkomst", {"flow": "Task_ContactAfwijzing"},
                match="already took the path")
    case.refuse(override, "Gateway_Uitkomst", {"path": "x"}, match="'flow'")
    case.refuse(override, "Gateway_VierogenSamen", {"flow": "Task_Vierogen"},
                match="one way out")
    case.refuse(override, "Nope", {"x": 1}, match="Nope is not an element")
    with pytest.raises(DeviationNotApplicable, match="neither"):
        deviations.decision_values(case.wf, "Task_Volledigheid")


# -- skip_task ---------------------------------------------------------------------------

def test_skipping_the_residents_task_cancels_its_repair_timer(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    term = case.timers()["Event_Beslistermijn"]
    case.do("Task_Volledigheid", volledig="nee", ontbrekende_gegevens="Bankafschriften.")
    assert case.open == ["Task_Aanvulling"]
    assert near(case.timers()["Event_Hersteltermijn"], P14D)
    assert case.result.next_timer_at == case.timers()["Event_Hersteltermijn"]
    case.deviate(deviations.skip_task, case.task_id("Task_Aanvulling"))
    assert case.open == ["Task_Volledigheid"]  # back to the check, the loop as modelled
    assert case.timers() == {"Event_Beslistermijn": term}  # repair timer gone, term stays
    assert case.event_names() == ["Beslistermijn verstreken"]
    assert case.result.next_timer_at == term
    assert case.completed("Task_Aanvulling") == 1 and "aanvulling" not in case.result.data
    no_stale_events(case)
    case.do("Task_Volledigheid", volledig="ja")
    case.finish_grant()


def test_skipping_one_parallel_branch_the_join_waits_for_the_other(kap: SpecBundle) -> None:
    case = kap_advice(kap)
    case.deviate(deviations.skip_task, case.task_id("Task_AdviesBomen"))
    assert case.open == ["Task_ToetsOmgevingsplan"]
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=True, toets_toelichting="Past.")
    assert case.open == ["Task_Besluit"]
    case.do("Task_Besluit", besluit="verlenen", motivering="Ziek.", herplantplicht=True)
    assert case.result.completed and case.completed("Event_Verleend") == 1


def test_skip_refusals_change_nothing(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    done = case.task_id("Task_Volledigheid")
    case.refuse(deviations.skip_task, done, match="would stop at Gateway_Volledig")
    case.refuse(deviations.skip_task, "not-a-uuid", match="is not part of this case")
    case.refuse(deviations.skip_task, "00000000-0000-0000-0000-000000000000",
                match="is not part of this case")
    timer = next(t for t in runtime._all_tasks(case.wf)
                 if t.task_spec.bpmn_id == "Event_Beslistermijn")
    case.refuse(deviations.skip_task, str(timer.id), match="Event_Beslistermijn runs by itself")
    case.do("Task_Volledigheid", volledig="ja")
    case.refuse(deviations.skip_task, done, match="Task_Volledigheid is not open any more")
    case.refuse(deviations.skip_task, case.task_id("Task_Vierogen"),
                match="would stop at Gateway_Akkoord")
    case.finish_grant()
    case.refuse(deviations.skip_task, done, match="the case has ended")


# -- return_to ---------------------------------------------------------------------------

def test_return_across_the_waiting_repair_timer_leaves_no_stale_timer(
        bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    term = case.timers()["Event_Beslistermijn"]
    case.do("Task_Volledigheid", volledig="nee", ontbrekende_gegevens="Bankafschriften.")
    assert set(case.timers()) == {"Event_Beslistermijn", "Event_Hersteltermijn"}
    assert deviations.completed_elements(case.wf) == ["Task_Volledigheid"]
    case.result = deviations.return_to(case.wf, "Task_Volledigheid")
    no_stale_events(case)  # in memory: the engine kept the removed timer in its manager
    assert runtime.fire_timers(case.wf).failure is None  # crashed in refresh_timers before
    case.wf = runtime.load(bijstand, case.result.state)
    assert case.open == ["Task_Volledigheid"]
    assert case.timers() == {"Event_Beslistermijn": term}
    assert case.event_names() == ["Beslistermijn verstreken"]
    assert case.result.next_timer_at == term
    assert case.result.data["ontbrekende_gegevens"] == "Bankafschriften."  # data of now
    case.do("Task_Volledigheid", volledig="ja")
    case.finish_grant()


def test_returning_to_the_residents_task_gives_a_new_repair_term(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    term = case.timers()["Event_Beslistermijn"]
    case.do("Task_Volledigheid", volledig="nee")
    case.do("Task_Aanvulling", aanvulling="Te weinig.")
    assert case.open == ["Task_Volledigheid"] and "Event_Hersteltermijn" not in case.timers()
    case.deviate(deviations.return_to, "Task_Aanvulling")
    assert case.open == ["Task_Aanvulling"]
    assert near(case.timers()["Event_Hersteltermijn"], P14D)  # re-armed from now
    assert case.timers()["Event_Beslistermijn"] == term
    assert case.result.data["aanvulling"] == "Te weinig."
    case.expire("Event_Hersteltermijn")  # the re-armed timer really fires
    assert case.open == ["Task_Volledigheid"] and set(case.timers()) == {"Event_Beslistermijn"}
    case.do("Task_Volledigheid", volledig="ja")
    case.finish_grant()


def test_return_after_the_completeness_loop_ran_twice(bijstand: SpecBundle) -> None:
    case = Case(bijstand, dict(BIJSTAND, netto_inkomen=2500))
    for round_ in ("Loonstrook.", "Bankafschrift."):
        case.do("Task_Volledigheid", volledig="nee")
        case.do("Task_Aanvulling", aanvulling=round_)
    case.do("Task_Volledigheid", volledig="ja")
    assert case.open == ["Task_ContactAfwijzing"] and case.completed("Task_Volledigheid") == 3
    assert deviations.completed_elements(case.wf) == [
        "Task_Volledigheid", "Task_Aanvulling", "Task_Draagkracht"]
    case.deviate(deviations.return_to, "Task_Volledigheid")
    assert case.open == ["Task_Volledigheid"]
    assert case.completed("Task_Volledigheid") == 2  # the latest round is reopened
    assert case.completed("Task_Aanvulling") == 2 and case.completed("Task_Draagkracht") == 0
    assert case.result.data["aanvulling"] == "Bankafschrift."
    case.do("Task_Volledigheid", volledig="ja")
    case.do("Task_ContactAfwijzing", gesprek_verslag="Besproken.")
    case.do("Task_Vierogen", akkoord=True)
    case.do("Task_BesluitAfwijzing", verzendwijze="post")
    assert case.result.completed and case.completed("Event_Afgewezen") == 1


def test_return_into_the_finished_subprocess_keeps_the_decision_term(
        bijstand: SpecBundle) -> None:
    case = refused_bijstand(bijstand)
    term = case.timers()["Event_Beslistermijn"]
    case.do("Task_ContactAfwijzing", gesprek_verslag="Eerste gesprek.")
    case.do("Task_Vierogen", akkoord=True)
    assert case.open == ["Task_BesluitAfwijzing"] and case.timers() == {}
    case.deviate(deviations.return_to, "Task_ContactAfwijzing")
    assert case.open == ["Task_ContactAfwijzing"]
    assert case.timers() == {"Event_Beslistermijn": term}  # armed again, same due moment
    assert case.result.next_timer_at == term
    assert case.result.data["gesprek_verslag"] == "Eerste gesprek."
    case.do("Task_ContactAfwijzing", gesprek_verslag="Tweede gesprek.")
    case.do("Task_Vierogen", akkoord=True)
    assert case.open == ["Task_BesluitAfwijzing"] and case.timers() == {}
    case.do("Task_BesluitAfwijzing", verzendwijze="post")
    assert case.result.completed and case.result.data["gesprek_verslag"] == "Tweede gesprek."
    assert case.completed("Event_Afgewezen") == 1


def test_return_into_the_subprocess_after_its_deadline_fired(bijstand: SpecBundle) -> None:
    case = refused_bijstand(bijstand)
    case.expire("Event_Beslistermijn")
    assert case.open == ["Task_Beslistermijn", "Task_ContactAfwijzing"]
    deadline_task = case.task_id("Task_Beslistermijn")
    case.deviate(deviations.return_to, "Task_Volledigheid")  # inside, the deadline task stays
    assert case.open == ["Task_Beslistermijn", "Task_Volledigheid"]
    assert case.task_id("Task_Beslistermijn") == deadline_task and case.timers() == {}
    case.do("Task_Beslistermijn", beslistermijn_actie="voorrang")
    case.do("Task_Volledigheid", volledig="ja")
    case.do("Task_ContactAfwijzing", gesprek_verslag="Besproken.")
    case.do("Task_Vierogen", akkoord=True)
    case.deviate(deviations.return_to, "Task_ContactAfwijzing")  # subprocess had finished
    assert case.open == ["Task_ContactAfwijzing"] and case.timers() == {}  # fired: not again
    assert case.completed("Task_Beslistermijn") == 1
    case.do("Task_ContactAfwijzing", gesprek_verslag="Opnieuw.")
    case.do("Task_Vierogen", akkoord=True)
    case.do("Task_BesluitAfwijzing", verzendwijze="post")
    assert case.result.completed and case.completed("Event_BeslistermijnAfgehandeld") == 1


def test_return_to_the_decision_runs_it_again_on_corrected_data(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    case.do("Task_Volledigheid", volledig="ja")
    assert case.open == ["Task_Vierogen"] and case.result.data["uitkomst"] == "toekennen"
    case.deviate(deviations.correct_data, {"netto_inkomen": 2500})
    case.deviate(deviations.return_to, "Task_Draagkracht")
    assert case.open == ["Task_ContactAfwijzing"] and case.result.data["uitkomst"] == "afwijzen"


def test_redo_a_permit_check_after_the_join(kap: SpecBundle) -> None:
    case = kap_advice(kap)
    case.deviate(deviations.skip_task, case.task_id("Task_AdviesBomen"))
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=True, toets_toelichting="Past.")
    assert case.open == ["Task_Besluit"]
    case.deviate(deviations.return_to, "Task_ToetsOmgevingsplan")
    assert case.open == ["Task_ToetsOmgevingsplan"]
    assert case.result.data["past_in_omgevingsplan"] is True
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=False, toets_toelichting="Niet.")
    assert case.open == ["Task_Besluit"]
    case.do("Task_Besluit", besluit="weigeren", motivering="Past niet.", herplantplicht=False)
    assert case.result.completed and case.completed("Event_Geweigerd") == 1
    assert case.result.data["past_in_omgevingsplan"] is False


def test_redo_a_branch_when_the_join_fired_on_the_other_branch(kap: SpecBundle) -> None:
    case = kap_advice(kap)
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=True)
    case.do("Task_AdviesBomen", advies_bomen="kappen", boom_conditie="slecht")
    assert case.open == ["Task_Besluit"]
    case.deviate(deviations.return_to, "Task_ToetsOmgevingsplan")
    assert case.open == ["Task_ToetsOmgevingsplan"]  # the decision after the join is undone
    assert case.result.data["advies_bomen"] == "kappen"
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=False)
    assert case.open == ["Task_Besluit"]
    assert case.result.data["advies_bomen"] == "kappen"  # the other branch's data merged
    assert case.result.data["past_in_omgevingsplan"] is False
    case.do("Task_Besluit", besluit="verlenen", motivering="Ziek.", herplantplicht=True)
    assert case.result.completed and case.completed("Task_Besluit") == 1


def test_return_inside_a_branch_while_the_other_is_open(kap: SpecBundle) -> None:
    case = kap_advice(kap)
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=True)
    case.deviate(deviations.return_to, "Task_ToetsOmgevingsplan")
    assert case.open == ["Task_AdviesBomen", "Task_ToetsOmgevingsplan"]
    case.do("Task_AdviesBomen", advies_bomen="kappen")
    assert case.open == ["Task_ToetsOmgevingsplan"]  # the join waits for the redone branch
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=True)
    case.do("Task_Besluit", besluit="verlenen", motivering="Ziek.", herplantplicht=True)
    assert case.result.completed


def test_return_refusals_change_nothing(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    case.refuse(deviations.return_to, "Task_Vierogen", match="Task_Vierogen has not been done")
    case.do("Task_Volledigheid", volledig="ja")
    case.refuse(deviations.return_to, "Gateway_Volledig", match="is a ExclusiveGateway, not a")
    case.refuse(deviations.return_to, "SubProcess_Behandeling", match="is a SubProcess")
    case.refuse(deviations.return_to, "Event_Toegekend", match="EndEvent, not a task")
    case.refuse(deviations.return_to, "Nope", match="Nope is not an element of this process")
    case.finish_grant()
    case.refuse(deviations.return_to, "Task_Volledigheid", match="the case has ended")
    assert deviations.completed_elements(case.wf) == []


# -- jump_to -----------------------------------------------------------------------------

def test_jump_forward_past_steps_that_do_not_apply(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    term = case.timers()["Event_Beslistermijn"]
    case.do("Task_Volledigheid", volledig="nee")
    assert case.open == ["Task_Aanvulling"]
    assert "Task_Vierogen" in deviations.reachable_elements(case.wf)
    case.deviate(deviations.jump_to, "Task_Vierogen")
    assert case.open == ["Task_Vierogen"]
    assert case.timers() == {"Event_Beslistermijn": term}  # the repair timer went with it
    assert case.event_names() == ["Beslistermijn verstreken"]
    # the steps passed were completed, not performed: the table did not run
    assert case.completed("Task_Aanvulling") == 1 and case.completed("Task_Draagkracht") == 1
    assert "uitkomst" not in case.result.data and case.result.data["volledig"] == "nee"
    case.deviate(deviations.correct_data, {"volledig": "ja", "uitkomst": "toekennen"})
    case.finish_grant()


def test_jump_from_a_named_task_while_the_deadline_task_is_open(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    case.expire("Event_Beslistermijn")
    assert case.open == ["Task_Beslistermijn", "Task_Volledigheid"]
    case.refuse(deviations.jump_to, "Task_Vierogen", case.task_id("Task_Beslistermijn"),
                match="no path forward from Task_Beslistermijn to Task_Vierogen")
    case.deviate(deviations.jump_to, "Task_Vierogen", case.task_id("Task_Volledigheid"))
    assert case.open == ["Task_Beslistermijn", "Task_Vierogen"]


def test_jump_through_a_parallel_join_once_the_other_branch_arrived(kap: SpecBundle) -> None:
    case = kap_advice(kap)
    assert deviations.reachable_elements(case.wf) == []
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=True)
    assert deviations.reachable_elements(case.wf) == ["Task_Besluit"]
    case.deviate(deviations.jump_to, "Task_Besluit")
    assert case.open == ["Task_Besluit"] and case.completed("Task_AdviesBomen") == 1
    case.do("Task_Besluit", besluit="verlenen", motivering="Ziek.", herplantplicht=True)
    assert case.result.completed


def test_jump_refusals_change_nothing(bijstand: SpecBundle, kap: SpecBundle) -> None:
    permit = Case(kap, KAP)
    message = permit.refuse(deviations.jump_to, "Task_Besluit", match="no path forward")
    assert "parallel split Gateway_AdviezenStart" in message
    permit = kap_advice(kap)
    message = permit.refuse(deviations.jump_to, "Task_Besluit",
                            permit.task_id("Task_AdviesBomen"), match="no path forward")
    assert "parallel join Gateway_AdviezenKlaar" in message
    assert "left waiting for Task_ToetsOmgevingsplan" in message
    case = Case(bijstand, BIJSTAND)
    case.refuse(deviations.jump_to, "Task_BesluitAfwijzing",
                match="Task_BesluitAfwijzing is not ahead of Task_Volledigheid there")
    case.refuse(deviations.jump_to, "Gateway_Uitkomst", match="jump to a task")
    case.refuse(deviations.jump_to, "Task_Volledigheid", match="already open")
    case.refuse(deviations.jump_to, "Task_Vierogen", "not-a-uuid", match="not part of this")
    case.do("Task_Volledigheid", volledig="ja")
    case.refuse(deviations.jump_to, "Task_Volledigheid",
                match="no path forward from Task_Vierogen to Task_Volledigheid")
    assert "Task_Volledigheid" not in deviations.reachable_elements(case.wf)


def test_reachable_elements_stay_in_the_same_process(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    ahead = deviations.reachable_elements(case.wf)
    assert ahead[:2] == ["Task_Draagkracht", "Task_Aanvulling"]  # nearest first
    assert set(ahead) == {"Task_Draagkracht", "Task_Aanvulling", "Task_ContactAfwijzing",
                          "Task_Vierogen", "Task_Herbeoordeling"}


# -- correct_data ------------------------------------------------------------------------

def test_correct_data_on_every_step_under_way(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    term = case.timers()["Event_Beslistermijn"]
    assert deviations.data_values(case.wf, ["bedrag", "onbekend"]) == {
        "bedrag": 650, "onbekend": None}
    case.deviate(deviations.correct_data, {"bedrag": 400, "extra": {"a": [1]}})
    assert deviations.data_values(case.wf, ["bedrag"]) == {"bedrag": 400}
    under_way = [t for t in runtime._all_tasks(case.wf)
                 if t.state in (TaskState.WAITING, TaskState.READY, TaskState.STARTED)]
    assert under_way and all(t.data["bedrag"] == 400 for t in under_way)
    first, second = under_way[0].data["extra"], under_way[1].data["extra"]
    assert first == second and first is not second  # nested values are not shared
    assert case.open == ["Task_Volledigheid"] and case.timers() == {"Event_Beslistermijn": term}
    case.do("Task_Volledigheid", volledig="ja")
    assert case.result.completed  # 400 <= 500: no four eyes
    assert case.result.data["betaalkenmerk"] == "BB-40000"


def test_corrected_data_survives_a_waiting_join_and_timer(kap: SpecBundle,
                                                         bijstand: SpecBundle) -> None:
    case = kap_advice(kap)
    case.do("Task_ToetsOmgevingsplan", past_in_omgevingsplan=True)  # its join waits
    case.deviate(deviations.correct_data, {"stamdiameter": 60})
    case.do("Task_AdviesBomen", advies_bomen="kappen")
    assert case.open == ["Task_Besluit"] and case.result.data["stamdiameter"] == 60
    case = Case(bijstand, BIJSTAND)
    case.deviate(deviations.correct_data, {"bedrag": 400})
    case.expire("Event_Beslistermijn")
    assert case.open == ["Task_Beslistermijn", "Task_Volledigheid"]
    assert all(t.data["bedrag"] == 400 for t in case.result.ready)


def test_correct_data_then_retry_mends_a_failed_step(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    case.result = runtime.complete(case.wf, case.task_id("Task_Volledigheid"),
                                   {"volledig": "weet niet"})
    assert case.result.failure and case.result.failure[0] == "Gateway_Volledig"
    case.deviate(deviations.correct_data, {"volledig": "ja"})
    case.result = runtime.retry(case.wf)
    assert case.result.failure is None and case.open == ["Task_Vierogen"]
    case.finish_grant()


def test_correct_data_refusals_change_nothing(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    case.refuse(deviations.correct_data, {}, match="no values")
    case.refuse(deviations.correct_data, {"niet geldig": 1}, match="not a variable name")
    case.refuse(deviations.correct_data, {"_intern": 1}, match="not a variable name")
    case.do("Task_Volledigheid", volledig="ja")
    case.finish_grant()
    case.refuse(deviations.correct_data, {"bedrag": 1}, match="the case has ended")


# -- reading -----------------------------------------------------------------------------

def test_element_kinds(bijstand: SpecBundle) -> None:
    case = Case(bijstand, BIJSTAND)
    kinds = {element: deviations.element_kind(case.wf, element) for element in (
        "Task_Volledigheid", "Task_Draagkracht", "Gateway_Uitkomst", "Task_Betaling",
        "SubProcess_Behandeling", "Event_Beslistermijn", "Event_Toegekend", "Flow_12gtwz2")}
    assert kinds == {
        "Task_Volledigheid": "UserTask", "Task_Draagkracht": "DecisionTask",
        "Gateway_Uitkomst": "ExclusiveGateway", "Task_Betaling": "ScriptTask",
        "SubProcess_Behandeling": "SubProcess", "Event_Beslistermijn": "BoundaryEvent",
        "Event_Toegekend": "EndEvent", "Flow_12gtwz2": None}
