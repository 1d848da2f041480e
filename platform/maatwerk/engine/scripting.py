"""The engine's script engine, routed through our sandbox (never the engine's bare eval)."""
from __future__ import annotations

from typing import Any

from SpiffWorkflow.bpmn.script_engine import PythonScriptEngine
from SpiffWorkflow.bpmn.script_engine.python_environment import BasePythonScriptEngineEnvironment

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


SCRIPT_ENGINE = SandboxScriptEngine()
