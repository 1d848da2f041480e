"""What an approved deviation does to its case, run as the action of one step (steps.py):
an engine deviation (skip, return, jump, override, correct) or a change of the case's own
rows (an added step, a reassigned task, a longer decision term)."""
from __future__ import annotations

import uuid
from typing import Any

from ..domain.audit import AuditEntry
from ..domain.deviation import DeviationType
from ..engine import StepResult, assignments, runtime
from ..engine import deviations as engine_deviations
from ..persistence.models import Deviation, Task, TaskCandidate
from . import added_steps, deadlines
from .deviation_checks import check_the_way, extension_days
from .steps import SYSTEM_ACTOR, Step

Effect = tuple[dict[str, Any], dict[str, Any], StepResult | None]  # before, after, result


def execute(step: Step, deviation: Deviation) -> Effect:
    """Carry out the deviation on the locked case; DeviationNotApplicable when the case has
    moved on so that it no longer fits."""
    kind = DeviationType(deviation.type)
    if kind is DeviationType.ADD_TASK:
        return {}, _add_task(step, deviation), None
    if kind is DeviationType.REASSIGN:
        return _reassign(step, deviation)
    if kind is DeviationType.EXTEND_DEADLINE:
        case, days = step.case, extension_days(deviation.values)
        if case.due_at is None or days is None or case.status != "open":
            raise engine_deviations.DeviationNotApplicable("the case has no running term")
        before, after = deadlines.extend(step.uow, case, days, step.actor,
                                         deviation.resident_message or "")
        # the term's timers move with the date: the step writes the engine's state too
        moved = runtime.snapshot(step.workflow()) if deadlines.term_timers(step.model) \
            else None
        return before, after, moved
    return _in_engine(step, deviation, kind)


ENGINE_KINDS = (DeviationType.SKIP_TASK, DeviationType.RETURN_TO, DeviationType.JUMP_TO,
                DeviationType.OVERRIDE_DECISION, DeviationType.CORRECT_DATA)


def try_on_copy(step: Step, deviation: Deviation) -> list[str] | None:
    """Run a deviation the engine carries out on the case's workflow as loaded for `step`,
    writing nothing: what approval would run, asked when the deviation is requested; the
    steps open afterwards (None: the engine does not carry out this type, or the case
    stays where it is). Raises DeviationNotApplicable (or runtime.StepRefused) when it
    can't work, or when the case would stop with an error after it."""
    kind = DeviationType(deviation.type)
    if kind not in ENGINE_KINDS:
        return None
    result = _in_engine(step, deviation, kind)[2]
    if result is not None and result.failure is not None:  # it would stop the case
        element_id, message = result.failure
        raise engine_deviations.DeviationNotApplicable(
            f"the case would stop at {element_id}: {message.rstrip('.')}")
    return [ready.element_id for ready in result.ready] if result is not None else None


def _in_engine(step: Step, deviation: Deviation, kind: DeviationType) -> Effect:
    workflow = step.workflow()
    target = deviation.target_element_id or ""
    before: dict[str, Any] = {}
    if kind is DeviationType.SKIP_TASK:
        task = _open_task(step, deviation)
        result = engine_deviations.skip_task(workflow, task.engine_task_id or "")
        step.close(task.id, "skipped", step.actor)
    elif kind is DeviationType.RETURN_TO:
        check_the_way(workflow, step.case.process_model, kind, target, None)
        result = engine_deviations.return_to(workflow, target)
    elif kind is DeviationType.JUMP_TO:
        start = _open_task(step, deviation) if deviation.task_id else None
        from_task = start.engine_task_id if start else None
        check_the_way(workflow, step.case.process_model, kind, target, from_task)
        result = engine_deviations.jump_to(workflow, target, from_task)
    elif kind is DeviationType.OVERRIDE_DECISION:
        before = engine_deviations.decision_values(workflow, target)
        result = engine_deviations.override_decision(workflow, target, deviation.values)
    else:  # correct_data
        before = engine_deviations.data_values(workflow, list(deviation.values))
        result = engine_deviations.correct_data(workflow, deviation.values)
    after = dict(deviation.values) if kind in (
        DeviationType.OVERRIDE_DECISION, DeviationType.CORRECT_DATA) else {
        "open_tasks": [r.element_id for r in result.ready]}
    return before, after, result


def _open_task(step: Step, deviation: Deviation) -> Task:
    task = step.uow.session.get(Task, deviation.task_id) if deviation.task_id else None
    if task is None or task.state != "open":
        raise engine_deviations.DeviationNotApplicable(
            f"the task '{task.name if task else deviation.task_id}' is no longer open")
    return task


def _add_task(step: Step, deviation: Deviation) -> dict[str, Any]:
    blocked = _open_task(step, deviation)
    case, values = step.case, deviation.values
    group = str(values.get("candidate_group") or "").strip() or \
        (blocked.candidate_groups.split(",")[0] if blocked.candidate_groups else "")
    task = Task(id=str(uuid.uuid4()), case_id=case.id,
                element_id=f"{added_steps.PREFIX}{deviation.id}",
                name=str(values["title"]).strip(), state="open", kind="adhoc",
                instructions=str(values.get("instructions") or "").strip() or None,
                blocks_task_id=blocked.id, candidate_groups=group, due_at=case.due_at)
    task.candidates = [TaskCandidate(principal=f"group:{group}" if group else
                                     "role:caseworker")]
    step.uow.session.add(task)
    step.uow.record(AuditEntry(SYSTEM_ACTOR, "task_opened", case_id=case.id, task_id=task.id,
                               details={"element_id": task.element_id, "name": task.name,
                                        "candidate_groups": group,
                                        "before_task": blocked.name}))
    return {"added_task_id": task.id, "title": task.name, "candidate_group": group,
            "before_task": blocked.element_id}


def _reassign(step: Step, deviation: Deviation) -> Effect:
    """The task goes to a person or a group; a new assignee runs its assignment listeners
    (engine/assignments.py)."""
    task = _open_task(step, deviation)
    before = {"assignee": task.assignee, "candidate_group": task.candidate_groups}
    assignee = deviation.values.get("assignee")
    group = deviation.values.get("candidate_group")
    if assignee:
        task.assignee = str(assignee)
        if f"user:{assignee}" not in {c.principal for c in task.candidates}:
            task.candidates = [*task.candidates, TaskCandidate(principal=f"user:{assignee}")]
    else:
        task.assignee = None
        task.candidate_groups = str(group)
        task.candidates = [TaskCandidate(principal=f"group:{group}")]
    step.uow.session.flush()
    result = None
    if task.assignee and task.assignee != before["assignee"] and \
            assignments.has_listeners(step.model.elements, task.element_id):
        result = runtime.assigned(step.workflow(), task.element_id)
    return before, {"assignee": task.assignee, "candidate_group": task.candidate_groups}, \
        result
