"""Long-running cases in the engine: loops of 2,000 rounds keep working (history.py), joins
inside loops wait for this round's branches (joins.py), and a retry inside a subprocess
leaves the decision term alone (tasktree.reset_in_place).

The models are real BPMN files in tests/data and workflows/, run by the platform's engine
with its own parser, serializer and sandbox. SpiffWorkflow alone stalls after about 500
rounds of such a loop (its task iterator stops at depth 1000) and crashes after about 190
rounds of a loop with a boundary timer (a RecursionError in Task.is_descendant_of).
"""
from __future__ import annotations

from datetime import UTC, datetime, timedelta
from typing import Any

import pytest
from driver import BIJSTAND, DATA, WORKFLOWS, EngineCase, bundle
from SpiffWorkflow.util.task import TaskState

from maatwerk.engine import deviations, history, runtime, serialization, tasktree
from maatwerk.engine.deviations import DeviationNotApplicable
from maatwerk.engine.runtime import SpecBundle

ROUNDS = 2000
# per (sub)workflow, whatever the number of rounds: the threshold plus about one round
MAX_LIVE_TASKS = history.CHECK_ABOVE_TASKS + 40
MAX_DEPTH = history.CHECK_ABOVE_TASKS + history.CUT_ABOVE_LEVELS  # the engine stops at 1000


@pytest.fixture(scope="module")
def steps() -> SpecBundle:
    return bundle(DATA / "loop_steps.bpmn", "lus_stappen")


@pytest.fixture(scope="module")
def nested() -> SpecBundle:
    return bundle(DATA / "loop_subprocess.bpmn", "lus_in_deelproces")


@pytest.fixture(scope="module")
def parallel() -> SpecBundle:
    return bundle(DATA / "loop_parallel.bpmn", "lus_parallel")


@pytest.fixture(scope="module")
def gateways() -> SpecBundle:
    return bundle(DATA / "loop_gateways.bpmn", "lus_poorten")


@pytest.fixture(scope="module")
def bijstand() -> SpecBundle:
    return bundle(WORKFLOWS, "bijzondere_bijstand")


class Case(EngineCase):
    """A long-running case: its live state must stay bounded."""

    def check_bounded(self) -> None:
        """The live state stays small, the engine still finds the open tasks and the case
        is not taken for finished (what stalled without compaction)."""
        for owner in tasktree.owners(self.wf):
            assert len(owner.tasks) <= MAX_LIVE_TASKS, len(owner.tasks)
            assert max(_depth(t) for t in owner.tasks.values()) <= MAX_DEPTH
        assert {t.id for t in self.result.ready} <= _ready_everywhere(self.wf)
        assert not self.wf.is_completed()
        alive = {t.id for t in tasktree.all_tasks(self.wf)}
        assert set(self.wf.event_manager.tasks) <= alive  # nothing cut waits for an event


def _depth(task: Any) -> int:
    depth = 0
    while task.parent is not None:
        task, depth = task.parent, depth + 1
    return depth


def _ready_everywhere(wf: Any) -> set[str]:
    """What the engine's own iterator finds READY, subprocesses included."""
    found = {str(t.id) for t in wf.get_tasks(state=TaskState.READY)}
    for sub in wf.subprocesses.values():
        found |= {str(t.id) for t in sub.get_tasks(state=TaskState.READY)}
    return found


# -- 2,000 rounds --------------------------------------------------------------------------

def test_a_loop_of_2000_rounds_keeps_working_and_then_ends(steps: SpecBundle) -> None:
    case = Case(steps, {"rondes": 0})
    case.do("Task_Intake", onderwerp="Bezwaar tegen de aanslag")
    for n in range(1, ROUNDS + 1):
        case.do("Task_Beoordelen", opnieuw=True, opmerking=f"ronde {n}")
        assert case.open == ["Task_Beoordelen"]
        if n % 250 == 0:
            case.reload().check_bounded()
    assert history.cut_count(case.wf) > ROUNDS * 3  # most of the tree went ...
    assert case.result.data["rondes"] == ROUNDS      # ... and the data did not
    assert case.result.data["onderwerp"] == "Bezwaar tegen de aanslag"
    assert case.result.data["opmerking"] == f"ronde {ROUNDS}"
    case.reload()
    case.do("Task_Beoordelen", opnieuw=False, opmerking="Klaar.")
    assert case.open == ["Task_Afronden"] and case.result.data["rondes"] == ROUNDS + 1
    case.do("Task_Afronden")
    assert case.result.completed and case.wf.is_completed()
    assert case.result.data["rondes"] == ROUNDS + 1 and case.result.data["opmerking"] == "Klaar."
    assert case.wf.get_tasks(state=TaskState.READY) == []


def test_a_loop_inside_a_subprocess_keeps_its_decision_term(nested: SpecBundle) -> None:
    case = Case(nested, {})
    term = case.timers()["Event_Beslistermijn"]
    top_size = len(case.wf.tasks)
    for n in range(1, ROUNDS + 1):
        case.do("Task_Controleren", volledig=False)
        assert case.open == ["Task_Aanvullen"]
        assert set(case.timers()) == {"Event_Beslistermijn", "Event_Hersteltermijn"}
        if n % 500 == 0:
            case.expire("Event_Hersteltermijn")  # no answer in time: checked again
        else:
            case.do("Task_Aanvullen", aanvulling=f"stuk {n}")
        assert case.open == ["Task_Controleren"]
        assert case.timers() == {"Event_Beslistermijn": term}
        if n % 400 == 0:
            case.reload().check_bounded()
    assert len(case.wf.tasks) == top_size  # the loop is inside: the top is untouched
    assert case.result.next_timer_at == term
    assert case.result.data["aanvulling"] == f"stuk {ROUNDS - 1}"  # round 2000 timed out
    case.expire("Event_Beslistermijn")  # the 8-week term still fires, the loop runs on
    assert case.open == ["Task_Controleren", "Task_Termijnactie"]
    case.do("Task_Termijnactie").do("Task_Controleren", volledig=True)
    assert case.open == ["Task_Besluit"] and case.timers() == {}
    case.reload().do("Task_Besluit", bezwaar=False)
    assert case.result.completed and case.wf.is_completed()


def test_objections_restart_the_subprocess_and_old_rounds_are_let_go(
        nested: SpecBundle) -> None:
    case = Case(nested, {})
    for n in range(1, 151):
        case.do("Task_Controleren", volledig=True)
        case.do("Task_Besluit", bezwaar=True)
        assert case.open == ["Task_Controleren"] and set(case.timers()) == {"Event_Beslistermijn"}
        if n % 50 == 0:
            case.reload().check_bounded()
            # every round ran a subprocess; only the recent ones are kept
            assert len(case.wf.subprocesses) <= history.CUT_ABOVE_LEVELS // 4
            for task_id in case.wf.subprocesses:
                assert task_id in case.wf.tasks  # no subprocess without its task
    case.do("Task_Controleren", volledig=True).do("Task_Besluit", bezwaar=False)
    assert case.result.completed


def test_parallel_rounds_wait_for_both_branches_in_any_order(parallel: SpecBundle) -> None:
    case = Case(parallel, {"rondes": 0})
    for n in range(1, ROUNDS + 1):
        first, second = ("Task_AdviesA", "Task_AdviesB") if n % 2 else \
            ("Task_AdviesB", "Task_AdviesA")
        case.do(first, **({"opnieuw": True} if first == "Task_AdviesB" else {}))
        assert case.open == [second]  # the join waits for this round's other branch
        case.do(second, **({"opnieuw": True} if second == "Task_AdviesB" else {}))
        assert case.open == ["Task_AdviesA", "Task_AdviesB"]
        assert case.result.data["rondes"] == n
        if n % 500 == 0:
            case.reload().check_bounded()
    case.do("Task_AdviesA", advies_a="positief").do("Task_AdviesB", opnieuw=False)
    assert case.open == ["Task_Afronden"] and case.result.data["rondes"] == ROUNDS + 1
    assert case.result.data["advies_a"] == "positief"
    case.do("Task_Afronden")
    assert case.result.completed


def test_a_parallel_join_in_a_loop_waits_when_the_order_changes(parallel: SpecBundle) -> None:
    """SpiffWorkflow counted the join instance cancelled in round 1 as an arrived token:
    in round 2 the join fired on the first branch and the other task was opened twice."""
    case = Case(parallel, {"rondes": 0})
    case.do("Task_AdviesA").do("Task_AdviesB", opnieuw=True)
    case.do("Task_AdviesB", opnieuw=True)
    assert case.open == ["Task_AdviesA"] and case.result.data["rondes"] == 1
    case.do("Task_AdviesA")
    assert case.open == ["Task_AdviesA", "Task_AdviesB"] and case.result.data["rondes"] == 2


def test_a_jump_across_a_join_in_a_loop_needs_this_rounds_branch(parallel: SpecBundle) -> None:
    """Deviations see the join as the engine now does: round 1's advice A does not count."""
    case = Case(parallel, {"rondes": 0})
    case.do("Task_AdviesA").do("Task_AdviesB", opnieuw=True)
    assert "Task_Afronden" not in deviations.reachable_elements(case.wf)
    before = serialization.dump(case.wf)
    with pytest.raises(DeviationNotApplicable, match="left waiting for Task_AdviesA"):
        deviations.jump_to(case.wf, "Task_Afronden")
    assert serialization.dump(case.wf) == before
    case.do("Task_AdviesA")
    assert "Task_Afronden" in deviations.reachable_elements(case.wf)
    case.deviate(deviations.jump_to, "Task_Afronden")
    assert case.open == ["Task_Afronden"]


def test_an_inclusive_join_in_a_loop_waits_for_this_rounds_branches(
        gateways: SpecBundle) -> None:
    """SpiffWorkflow looked for the join's instances from the root and stopped at the first
    round's: from round 2 on the join fired as soon as any branch arrived."""
    case = Case(gateways, {"controles": ["identiteit"]})
    for with_a, with_b in ((True, True), (True, True), (False, True), (True, True)):
        case.do("Task_Plannen", met_a=with_a, met_b=with_b, opnieuw=True)
        if with_a and with_b:
            case.do("Task_AdviesA")
            assert case.open == ["Task_AdviesB"]  # still waiting for B
        case.do("Task_AdviesB")
        assert case.open == ["Task_Controle"]
        case.do("Task_Controle").expire("Timer_Wachten")
        assert case.open == ["Task_Plannen"]


def test_inclusive_choices_multi_instance_and_timers_in_a_loop(gateways: SpecBundle) -> None:
    """Each round chooses A, B or both (inclusive split and join), runs a check per subject
    (multi-instance) and waits an hour (timer); 200 rounds are 1,400 steps and far past
    the engine's depth limit."""
    case = Case(gateways, {"controles": ["identiteit", "inkomen"]})
    for n in range(1, 201):
        with_a, with_b = [(True, False), (False, True), (True, True)][n % 3]
        case.do("Task_Plannen", met_a=with_a, met_b=with_b, opnieuw=True)
        chosen = sorted(e for e, on in (("Task_AdviesA", with_a), ("Task_AdviesB", with_b))
                        if on)
        assert case.open == chosen
        for element in chosen if n % 2 else reversed(chosen):
            case.do(element)
            if element != (chosen[-1] if n % 2 else chosen[0]):
                assert case.open == [e for e in chosen if e != element]  # the join waits
        assert case.open == ["Task_Controle", "Task_Controle"]
        case.do("Task_Controle")
        assert case.open == ["Task_Controle"]
        case.do("Task_Controle")
        assert case.open == [] and set(case.timers()) == {"Timer_Wachten"}
        case.expire("Timer_Wachten")
        assert case.open == ["Task_Plannen"]
        if n % 50 == 0:
            case.reload().check_bounded()
    assert history.cut_count(case.wf) > 1000
    case.do("Task_Plannen", met_a=True, met_b=False, opnieuw=False).do("Task_AdviesA")
    case.do("Task_Controle").do("Task_Controle").expire("Timer_Wachten")
    assert case.open == ["Task_Afronden"]
    case.do("Task_Afronden")
    assert case.result.completed


# -- what is left alone --------------------------------------------------------------------

def test_an_ordinary_case_is_not_touched(bijstand: SpecBundle) -> None:
    """Ten requests for information: the tree is left as the engine made it."""
    case = Case(bijstand, BIJSTAND)
    for _ in range(10):
        case.do("Task_Volledigheid", volledig="nee").do("Task_Aanvulling", aanvulling="x")
    before = serialization.dump(case.wf)
    assert history.compact(case.wf) == 0
    assert serialization.dump(case.wf) == before
    assert history.cut_count(case.wf) == 0
    assert not any(history.is_anchor(t) for t in tasktree.all_tasks(case.wf))


# -- deviations after a cut ----------------------------------------------------------------

def _long_steps_case(steps: SpecBundle, rounds: int) -> Case:
    case = Case(steps, {"rondes": 0})
    case.do("Task_Intake", onderwerp="Bezwaar")
    for n in range(1, rounds + 1):
        case.do("Task_Beoordelen", opnieuw=True, opmerking=f"ronde {n}")
    return case.reload()


def test_return_to_a_step_in_the_window_works(steps: SpecBundle) -> None:
    case = _long_steps_case(steps, 300)
    assert history.cut_from_history(case.wf, "Task_Intake")
    assert set(deviations.completed_elements(case.wf)) == {"Task_Beoordelen", "Script_Tellen"}
    case.deviate(deviations.return_to, "Task_Beoordelen")
    assert case.open == ["Task_Beoordelen"]
    assert case.result.data["opmerking"] == "ronde 300" and case.result.data["rondes"] == 300
    case.do("Task_Beoordelen", opnieuw=False, opmerking="herzien")
    assert case.result.data["rondes"] == 301  # reopened with the data of now: counted on
    case.do("Task_Afronden")
    assert case.result.completed and case.result.data["opmerking"] == "herzien"


def test_return_to_a_step_cut_from_the_history_is_refused(steps: SpecBundle) -> None:
    case = _long_steps_case(steps, 300)
    before = serialization.dump(case.wf)
    with pytest.raises(DeviationNotApplicable, match=r"Task_Intake was last done too long "
                       r"ago.*case history"):
        deviations.return_to(case.wf, "Task_Intake")
    assert serialization.dump(case.wf) == before
    assert "Task_Intake" not in deviations.completed_elements(case.wf)


def test_the_oldest_step_kept_cannot_be_reopened(steps: SpecBundle,
                                                 monkeypatch: pytest.MonkeyPatch) -> None:
    """The task a cut chain hangs from no longer follows the step that ran before it."""
    monkeypatch.setattr(history, "CHECK_ABOVE_TASKS", 0)
    monkeypatch.setattr(history, "CUT_ABOVE_LEVELS", 6)
    monkeypatch.setattr(history, "KEEP_LEVELS", 6)
    case = Case(steps, {"rondes": 0})
    case.do("Task_Intake", onderwerp="Bezwaar").do("Task_Beoordelen", opnieuw=True)
    intake = [t for t in tasktree.all_tasks(case.wf) if t.task_spec.bpmn_id == "Task_Intake"]
    assert len(intake) == 1 and history.is_anchor(intake[0])
    assert intake[0].parent is case.wf.task_tree
    assert "Task_Intake" not in deviations.completed_elements(case.wf)
    with pytest.raises(DeviationNotApplicable, match="Task_Intake was last done too long ago"):
        deviations.return_to(case.wf, "Task_Intake")
    case.reload().deviate(deviations.return_to, "Task_Beoordelen")
    assert case.open == ["Task_Beoordelen"] and case.result.data["onderwerp"] == "Bezwaar"


def test_return_inside_the_subprocess_after_many_rounds_keeps_the_term(
        nested: SpecBundle) -> None:
    case = Case(nested, {})
    term = case.timers()["Event_Beslistermijn"]
    for n in range(1, 301):
        case.do("Task_Controleren", volledig=False).do("Task_Aanvullen", aanvulling=f"{n}")
    case.reload().deviate(deviations.return_to, "Task_Aanvullen")
    assert case.open == ["Task_Aanvullen"]
    assert case.timers()["Event_Beslistermijn"] == term
    assert "Event_Hersteltermijn" in case.timers()  # a new request: a new repair term
    assert case.result.data["aanvulling"] == "300"
    case.expire("Event_Hersteltermijn")  # the new term passes: checked again, data of now
    assert case.open == ["Task_Controleren"] and case.result.data["aanvulling"] == "300"
    case.do("Task_Controleren", volledig=False).do("Task_Aanvullen", aanvulling="laatste")
    case.do("Task_Controleren", volledig=True).do("Task_Besluit", bezwaar=False)
    assert case.result.completed and case.result.data["aanvulling"] == "laatste"


# -- retry -----------------------------------------------------------------------------------

def test_a_retry_inside_the_subprocess_keeps_the_decision_term(bijstand: SpecBundle) -> None:
    """The engine's reset_from_task_id reset the enclosing subprocess with its boundary
    events: the 8-week term started again from the moment of the retry."""
    case = Case(bijstand, BIJSTAND)
    due = (datetime.now(UTC) + timedelta(days=3)).replace(microsecond=0)
    assert runtime.set_timer_due(case.wf, due, "Event_Beslistermijn") == 1
    found = [t.id for t in case.result.ready if t.element_id == "Task_Volledigheid"]
    case.result = runtime.complete(case.wf, found[0], {"volledig": "weet niet"})
    assert case.result.failure and case.result.failure[0] == "Gateway_Volledig"
    assert case.timers() == {"Event_Beslistermijn": due}
    case.deviate(deviations.correct_data, {"volledig": "ja"})
    case.result = runtime.retry(case.wf)
    assert case.result.failure is None and case.open == ["Task_Vierogen"]
    assert case.timers() == {"Event_Beslistermijn": due}
    assert case.result.next_timer_at == due
    case.reload().do("Task_Vierogen", akkoord=True)
    assert case.result.completed and case.result.data["betaalstatus"] == "klaargezet"
