"""Boundary and start error events that keep the caught error in variables, as Camunda 7's
`camunda:errorCodeVariable` and `camunda:errorMessageVariable` do."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.specs.event_definitions.item_aware_event import ErrorEventDefinition
from SpiffWorkflow.camunda.parser.task_spec import CAMUNDA_MODEL_NS

CAMUNDA = "{" + CAMUNDA_MODEL_NS + "}"


class ThrownError(ErrorEventDefinition):
    """An error a worker reports (bpmnError): its code, and its message for the catcher."""

    def __init__(self, code: str, message: str | None = None) -> None:
        super().__init__(code, code=code)
        self.error_message = message

    def __eq__(self, other: object) -> bool:  # caught by any error event of its code
        return isinstance(other, ErrorEventDefinition) and other.code in (None, self.code)

    __hash__ = None  # type: ignore[assignment]


class CaughtError(ErrorEventDefinition):
    """An error event definition that puts the caught code and message into the variables
    its catching event names (None: not kept)."""

    def __init__(self, name: str, code: str | None = None,
                 code_variable: str | None = None, message_variable: str | None = None,
                 **kwargs: Any) -> None:
        super().__init__(name, code, **kwargs)
        self.code_variable = code_variable
        self.message_variable = message_variable

    def catch(self, my_task: Any, event: Any = None) -> None:
        payload = dict(event.payload or {})
        thrown = event.event_definition
        if self.code_variable:
            payload[self.code_variable] = thrown.code
        if self.message_variable:
            payload[self.message_variable] = getattr(thrown, "error_message", None)
        event.payload = payload
        super().catch(my_task, event)

    def __eq__(self, other: object) -> bool:  # caught like the engine's own error events
        return isinstance(other, ErrorEventDefinition) and self.code in (None, other.code)

    __hash__ = None  # type: ignore[assignment]


class ErrorVariables:
    """Reads errorCodeVariable / errorMessageVariable of an error event definition."""

    def parse_error_event(self, error_event: Any) -> Any:
        definition = super().parse_error_event(error_event)  # type: ignore[misc]
        code_variable = error_event.get(CAMUNDA + "errorCodeVariable") or None
        message_variable = error_event.get(CAMUNDA + "errorMessageVariable") or None
        if not code_variable and not message_variable:
            return definition
        return CaughtError(definition.name, definition.code, code_variable, message_variable,
                           description=definition.description)
