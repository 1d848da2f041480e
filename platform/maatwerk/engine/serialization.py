"""Engine state as JSON without the process spec (specs are cached per model version).

The engine's own serializer embeds the whole spec in every document (about half of a small
case); we keep only the task tree and take the spec from the parsed model.
"""
from __future__ import annotations

import json
import threading
from typing import Any
from uuid import UUID

from SpiffWorkflow.bpmn.serializer import DEFAULT_CONFIG, BpmnWorkflowSerializer
from SpiffWorkflow.bpmn.serializer.default.workflow import BpmnWorkflowConverter
from SpiffWorkflow.bpmn.specs.event_definitions.message import MessageEventDefinition
from SpiffWorkflow.bpmn.workflow import BpmnWorkflow
from SpiffWorkflow.camunda.serializer.config import CAMUNDA_CONFIG
from SpiffWorkflow.camunda.specs.event_definitions import (
    MessageEventDefinition as CamundaMessageEventDefinition,
)

STATE_VERSION = "maatwerk-1"  # our format; engine serializer 1.5 underneath


class UnknownStateVersion(ValueError):
    """Stored engine state written by another serializer version: never deserialized."""


class SpeclessWorkflowConverter(BpmnWorkflowConverter):
    def to_dict(self, workflow: BpmnWorkflow) -> dict[str, Any]:
        dct: dict[str, Any] = super(BpmnWorkflowConverter, self).to_dict(workflow)
        dct["subprocesses"] = self.mapping_to_dict(workflow.subprocesses)
        dct["bpmn_events"] = self.registry.convert(workflow.bpmn_events)
        return dct

    def from_dict(self, dct: dict[str, Any], spec: Any = None,
                  subprocess_specs: Any = None) -> BpmnWorkflow:
        workflow = self.target_class(spec, subprocess_specs, deserializing=True)
        workflow.tasks = self.mapping_from_dict(dct["tasks"], UUID, workflow=workflow)
        workflow.task_tree = workflow.tasks.get(UUID(dct["root"]))
        self.set_default_attributes(workflow, dct)
        self.subprocesses_from_dict(dct["subprocesses"], workflow)
        workflow.bpmn_events = self.registry.restore(dct.pop("bpmn_events", []))
        return workflow


def _make_serializer() -> BpmnWorkflowSerializer:
    config = dict(CAMUNDA_CONFIG)
    config[BpmnWorkflow] = SpeclessWorkflowConverter
    # catching message events are the engine's plain ones (event_parsers.py); an event-based
    # gateway keeps the message it saw in its state. Both classes are named alike, so only
    # one of them can be known to the serializer.
    config.pop(CamundaMessageEventDefinition)
    config[MessageEventDefinition] = DEFAULT_CONFIG[MessageEventDefinition]
    return BpmnWorkflowSerializer(BpmnWorkflowSerializer.configure(config))


_local = threading.local()


def _serializer() -> BpmnWorkflowSerializer:
    # one per thread: the engine's serializer toggles shared encoder state
    if not hasattr(_local, "serializer"):
        _local.serializer = _make_serializer()
    serializer: BpmnWorkflowSerializer = _local.serializer
    return serializer


def dump(workflow: BpmnWorkflow) -> str:
    serializer = _serializer()
    serializer.registry._encoder_mode = True
    try:
        dct = serializer.to_dict(workflow)
        return json.dumps({"v": STATE_VERSION, "workflow": dct}, cls=serializer._encoder_cls,
                          separators=(",", ":"))
    finally:
        serializer.registry._encoder_mode = False


def load(state: str, spec: Any, subprocess_specs: Any, script_engine: Any) -> BpmnWorkflow:
    document = json.loads(state)
    if not isinstance(document, dict) or document.get("v") != STATE_VERSION:
        raise UnknownStateVersion(
            f"engine state version {document.get('v') if isinstance(document, dict) else '?'!r}"
            f" is not {STATE_VERSION!r}; refusing to load it")
    serializer = _serializer()
    workflow: BpmnWorkflow = serializer.registry.restore(
        document["workflow"], spec=spec, subprocess_specs=subprocess_specs)
    workflow.script_engine = script_engine
    return workflow
