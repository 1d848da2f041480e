"""What a Camunda 7 service or send task asks to be done, read as the topic of an external task.

Real models bind their service tasks to Java code: `camunda:class`, `camunda:delegateExpression`
and, most often, `camunda:expression="${bean.method(execution, ...)}"`. This platform runs no
Java; each of them becomes an external task that a worker does (services/external_tasks.py),
so that a model ported from Camunda 7 or GZAC runs as saved and its beans are implemented as
workers in any language:

- `camunda:type="external" camunda:topic="t"`   -> topic `t`
- `camunda:class="nl.gemeente.ZetStatus"`        -> topic `nl.gemeente.ZetStatus`
- `camunda:delegateExpression="${zetStatus}"`    -> topic `zetStatus`
- `camunda:expression="${zaak.zetStatus(execution, 'Afgerond')}"` -> topic `zaak.zetStatus`,
  the arguments evaluated when a worker fetches the task and given to it as the local
  variables `arg0`, `arg1`, ... (`execution` stands for the case: its id);
  `camunda:resultVariable` names the variable the worker's result goes into;
- a chain of calls, as GZAC calls its connectors:
  `${connectorService.loadByName("TaakConnector").createTask(task, "form")}` -> topic
  `connectorService.loadByName.createTask` with arg0 `TaakConnector`, arg1 the task, arg2
  `form`: the arguments of all its calls, in order.
"""
from __future__ import annotations

import re
from collections.abc import Mapping
from dataclasses import dataclass
from typing import Any

from . import juel
from .expressions import evaluate, problems_in_expression

MAX_TOPIC = 255
CASE_NAME = "execution"  # what a Java bean gets as the DelegateExecution: here the case
_JAVA_CLASS = re.compile(r"^[A-Za-z_$][\w$]*(\.[A-Za-z_$][\w$]*)*$")
_IMPLEMENTATIONS = ("class", "delegateExpression", "expression", "type")


class ServiceCallProblem(ValueError):
    """Why a service task's implementation can't run here (for the upload's error list)."""


class ArgumentProblem(ValueError):
    """An argument of an expression call that could not be evaluated for a case."""


@dataclass(frozen=True)
class ServiceCall:
    """The topic a worker fetches, the JUEL text of each argument (an expression call), and
    the variable that takes the worker's result (camunda:resultVariable)."""

    topic: str
    arguments: tuple[str, ...] = ()
    result_variable: str | None = None


def read(attributes: Mapping[str, str | None]) -> ServiceCall:
    """The call of a service or send task from its camunda:* attributes (local names)."""
    given = [name for name in _IMPLEMENTATIONS if (attributes.get(name) or "").strip()]
    if not given:
        raise ServiceCallProblem(
            "the task has no implementation; in Camunda Modeler choose Implementation "
            "'External' with a topic, or a Java class, expression or delegate expression "
            "(each becomes a topic that a worker does)")
    if len(given) > 1:
        raise ServiceCallProblem(f"the task has more than one implementation "
                                 f"({', '.join('camunda:' + g for g in given)}); keep one")
    kind, value = given[0], (attributes.get(given[0]) or "").strip()
    result_variable = (attributes.get("resultVariable") or "").strip() or None
    if result_variable and kind != "expression":
        raise ServiceCallProblem("camunda:resultVariable goes with camunda:expression only")
    if result_variable and not result_variable.isidentifier():
        raise ServiceCallProblem(f"camunda:resultVariable '{result_variable}' is not a "
                                 "variable name")
    if kind == "type":
        call = ServiceCall(_external_topic(value, attributes.get("topic")))
    elif kind == "class":
        call = ServiceCall(_class_topic(value))
    elif kind == "delegateExpression":
        call = ServiceCall(_delegate_topic(value))
    else:
        topic, arguments = _expression_call(value)
        call = ServiceCall(topic, arguments, result_variable)
    if len(call.topic) > MAX_TOPIC:
        raise ServiceCallProblem(f"the topic '{call.topic[:40]}...' is longer than "
                                 f"{MAX_TOPIC} characters")
    return call


def _external_topic(kind: str, topic: str | None) -> str:
    if kind != "external":
        raise ServiceCallProblem(f"camunda:type '{kind}' is not supported; choose "
                                 "Implementation 'External' with a topic")
    topic = (topic or "").strip()
    if not topic:
        raise ServiceCallProblem("the external task has no topic (camunda:topic)")
    if "${" in topic or "#{" in topic:
        raise ServiceCallProblem("the topic must be a plain name, not an expression")
    return topic


def _class_topic(name: str) -> str:
    if not _JAVA_CLASS.match(name):
        raise ServiceCallProblem(f"camunda:class '{name}' is not a Java class name")
    return name


def _delegate_topic(text: str) -> str:
    path, arguments = bean_path(text, "camunda:delegateExpression")
    if path is None or arguments is not None:
        raise ServiceCallProblem(f"camunda:delegateExpression '{text}' must name a bean, "
                                 "such as ${statusDelegate}")
    return path


def _expression_call(text: str) -> tuple[str, tuple[str, ...]]:
    path, arguments = bean_path(text, "camunda:expression")
    if path is None:
        raise ServiceCallProblem(
            f"camunda:expression '{text}' is not a call of a bean, such as "
            "${zaakService.zetStatus(execution, 'Afgerond')}")
    if path == CASE_NAME or path.startswith(CASE_NAME + "."):
        raise ServiceCallProblem(f"camunda:expression '{text}': calls on 'execution' are "
                                 "not supported; call a bean, which a worker implements")
    for index, argument in enumerate(arguments or ()):
        for message in problems_in_expression("${" + argument + "}"):
            raise ServiceCallProblem(f"camunda:expression, argument {index + 1} "
                                     f"'{argument}': {message}")
    return path, tuple(arguments or ())


def bean_path(text: str, attribute: str) -> tuple[str | None, list[str] | None]:
    """`bean.method` and the text of each argument (None: no call) when the expression is
    exactly `${name(.name)*}` or `${name(.name)*(arguments)}`; (None, None) otherwise.

    A chain of calls, as GZAC's connectors are called
    (`${connectorService.loadByName("TaakConnector").createTask(task, "form")}`), is one
    call: its names joined by dots (`connectorService.loadByName.createTask`), with the
    arguments of all its calls in order."""
    try:
        tokens = juel.tokens_of(text)
    except juel.JuelError as exc:
        raise ServiceCallProblem(f"{attribute} '{text}': {exc}") from None
    if not tokens or tokens[0].kind != "name" or tokens[0].text in _NOT_BEANS:
        return None, None
    names, index = [tokens[0].text], 1
    arguments: list[str] | None = None
    while True:
        while _is(tokens, index, ".") and tokens[index + 1].kind == "name":
            names.append(tokens[index + 1].text)
            index += 2
        if tokens[index].kind == "end":
            return ".".join(names), arguments
        if not _is(tokens, index, "("):
            return None, None
        called, index = _arguments(text.strip(), tokens, index + 1)
        if called is None:
            return None, None
        arguments = [*(arguments or []), *called]
        if tokens[index].kind != "end" and not _is(tokens, index, "."):
            return None, None


_NOT_BEANS = frozenset({"true", "false", "null", "empty", "not"})


def _is(tokens: list[juel.Token], index: int, text: str) -> bool:
    return tokens[index].kind == "op" and tokens[index].text == text


def _arguments(text: str, tokens: list[juel.Token], index: int
               ) -> tuple[list[str] | None, int]:
    """The argument texts from just after '(' to its ')', and the index after it."""
    arguments: list[str] = []
    depth, start = 0, tokens[index].position
    while tokens[index].kind != "end":
        token = tokens[index]
        if token.kind == "op" and token.text in "([":
            depth += 1
        elif token.kind == "op" and token.text in ")]" and depth:
            depth -= 1
        elif token.kind == "op" and token.text in (",", ")") and depth == 0:
            argument = text[start:token.position].strip()
            if argument:
                arguments.append(argument)
            elif token.text == "," or arguments:
                return None, index  # an empty argument: `f(a,,b)` or `f(a,)`
            if token.text == ")":
                return arguments, index + 1
            start = tokens[index + 1].position
        index += 1
    return None, index


def arguments_for(arguments: tuple[str, ...] | list[str], data: Mapping[str, Any],
                  case_id: int, reference: str | None = None) -> dict[str, Any]:
    """The local variables arg0, arg1, ... of an expression call, evaluated against the
    case's data. `execution` passed as it is stands for the case (its id, as workers know
    it: processInstanceId); inside an argument it has the properties GZAC models read:
    `execution.businessKey` (the case's reference), `execution.variables` (its data),
    `execution.id` and `execution.processInstanceId`."""
    execution = {"id": str(case_id), "processInstanceId": str(case_id),
                 "businessKey": reference, "processBusinessKey": reference,
                 "variables": dict(data)}
    variables = {**data, CASE_NAME: execution}
    values: dict[str, Any] = {}
    for index, argument in enumerate(arguments):
        if argument.strip() == CASE_NAME:
            values[f"arg{index}"] = str(case_id)
            continue
        try:
            values[f"arg{index}"] = evaluate("${" + argument + "}", variables)
        except Exception as exc:  # the sandbox's errors, an unknown variable, ...
            raise ArgumentProblem(f"argument {index + 1} '{argument}' could not be "
                                  f"evaluated: {exc}") from exc
    return values
