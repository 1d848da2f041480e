"""The event parsers of our CamundaParser: catching error events keep the code and message
(error_events.py), and a catching message event is the engine's plain message event, which
a message correlated from outside (messages.py) matches by name and whose variables become
case data, as Camunda 7 does with `processVariables`."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.parser.event_parsers import EventDefinitionParser
from SpiffWorkflow.camunda.parser.event_parsers import (
    CamundaBoundaryEventParser,
    CamundaIntermediateCatchEventParser,
    CamundaStartEventParser,
)

from . import event_subprocesses
from .error_events import ErrorVariables


class PlainMessages:
    """Reads a message event definition as the BPMN engine does, not as its Camunda
    flavour (which keeps the variables under one result variable)."""

    def parse_message_event(self, message_event: Any) -> Any:
        return EventDefinitionParser.parse_message_event(self, message_event)


class BoundaryEventParser(ErrorVariables, PlainMessages, CamundaBoundaryEventParser):
    def create_task(self) -> Any:
        return CamundaBoundaryEventParser.create_task(self)


class StartEventParser(ErrorVariables, PlainMessages, CamundaStartEventParser):
    def create_task(self) -> Any:
        return event_subprocesses.read_start_event(self)


class IntermediateCatchEventParser(PlainMessages, CamundaIntermediateCatchEventParser):
    def create_task(self) -> Any:
        return CamundaIntermediateCatchEventParser.create_task(self)
