"""The raw engine baseline for the benchmark: SpiffWorkflow alone, as the library ships,
completing a sequential model in memory, and with a serialize + deserialize per task."""
from __future__ import annotations

import time
from pathlib import Path

from SpiffWorkflow.bpmn.serializer import BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.util.task import TaskState


def _spec(path: Path, process_id: str) -> tuple[object, dict[str, object]]:
    parser = CamundaParser()
    parser.add_bpmn_file(str(path))
    return parser.get_spec(process_id), parser.get_subprocess_specs(process_id)


def run(path: Path, process_id: str, instances: int, serialize: bool) -> dict[str, float]:
    """Complete `instances` cases of a sequential user-task model; seconds per task."""
    spec, subprocess_specs = _spec(path, process_id)
    serializer = BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(CAMUNDA_CONFIG))
    tasks = 0
    started = time.perf_counter()
    for _ in range(instances):
        workflow = BpmnWorkflow(spec, subprocess_specs)
        workflow.do_engine_steps()
        while not workflow.is_completed():
            ready = workflow.get_tasks(state=TaskState.READY, manual=True)
            if not ready:
                break
            ready[0].run()
            workflow.do_engine_steps()
            tasks += 1
            if serialize:
                workflow = serializer.deserialize_json(serializer.serialize_json(workflow))
    elapsed = time.perf_counter() - started
    return {"tasks": tasks, "seconds": elapsed, "ms_per_task": 1000 * elapsed / max(tasks, 1),
            "instances_per_second": instances / elapsed}
