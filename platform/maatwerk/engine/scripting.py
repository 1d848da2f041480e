"""The engine's script engine, routed through our sandbox (never the engine's bare eval)."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment
from SpiffWorkflow.bpmn.specs.event_definitions.conditional import ConditionalEventDefinition
from SpiffWorkflow.task import Task as SpiffTask

from . import sandbox
from .expressions import evaluate_python, to_python


class SandboxEnvironment(BasePythonScriptEngineEnvironment):
    def evaluate(self, expression: str, context: dict[str, Any],
                 external_context: dict[str, Any] | None = None) -> Any:
        variables = dict(context)
        variables.update(external_context or {})
        return evaluate_python(to_python(expression), variables)

    def execute(self, script: str, context: dict[str, Any],
                external_context: dict[str, Any] | None = None) -> bool:
        sandbox.execute(script, context)
        return True

    def call_service(self, context: dict[str, Any], **kwargs: Any) -> Any:
        raise sandbox.SandboxError("service calls are not supported")


class SandboxScriptEngine(PythonScriptEngine):
    def __init__(self) -> None:
        super().__init__(environment=SandboxEnvironment())

    def validate(self, expression: str) -> None:
        problems = sandbox.check_expression(to_python(expression))
        if problems:
            raise SyntaxError(problems[0])

    def evaluate(self, task: SpiffTask, expression: str,
                 external_context: dict[str, Any] | None = None) -> Any:
        """As Camunda 7 does, the condition of a conditional event that reads a variable
        the case does not have (yet) is not met, rather than an error: `${invoiceId !=
        null}` waits until a step sets invoiceId. Every other failure stays one."""
        try:
            return super().evaluate(task, expression, external_context)
        except Exception as exc:
            definition = getattr(task.task_spec, "event_definition", None)
            if isinstance(definition, ConditionalEventDefinition) and \
                    definition.expression == expression and _unknown_variable(exc):
                return False
            raise


def _unknown_variable(exc: BaseException | None) -> bool:
    seen = 0
    while exc is not None and seen < 10:
        if isinstance(exc, NameError) and not isinstance(exc, UnboundLocalError):
            return True
        exc = getattr(exc, "exception", None) or exc.__cause__ or exc.__context__
        seen += 1
    return False


SCRIPT_ENGINE = SandboxScriptEngine()
