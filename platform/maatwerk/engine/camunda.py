"""Our CamundaParser: Camunda 7 models as saved, with the sandboxed script engine's needs."""
from __future__ import annotations

from copy import deepcopy
from typing import Any

from SpiffWorkflow.bpmn.parser.BpmnParser import full_tag
from SpiffWorkflow.bpmn.parser.ProcessParser import ProcessParser
from SpiffWorkflow.bpmn.parser.task_parsers import (
    ConditionalGatewayParser,
    GatewayParser,
)
from SpiffWorkflow.bpmn.specs.defaults import (
    BoundaryEvent,
    IntermediateCatchEvent,
    ManualTask,
    NoneTask,
)
from SpiffWorkflow.bpmn.specs.mixins.multiinstance_task import LoopTask
from SpiffWorkflow.camunda.parser.CamundaParser import CamundaParser
from SpiffWorkflow.camunda.parser.task_spec import (
    CAMUNDA_MODEL_NS,
    BusinessRuleTaskParser,
    CallActivityParser,
    CamundaTaskParser,
)
from SpiffWorkflow.camunda.specs.business_rule_task import BusinessRuleTask

from . import (
    call_mappings,
    decision_graph,
    decision_result,
    decisions,
    event_subprocesses,
    io_mappings,
    multi_instance,
    reserved_ids,
)
from .call_mappings import MappedCallActivity
from .event_parsers import BoundaryEventParser, IntermediateCatchEventParser, StartEventParser
from .event_subprocesses import CaseStartEvent, EventSubprocessParser
from .joins import LoopSafeInclusiveGateway, LoopSafeParallelGateway

NS = {
    "bpmn": "http://www.omg.org/spec/BPMN/20100524/MODEL",
    "camunda": CAMUNDA_MODEL_NS,
    "xsi": "http://www.w3.org/2001/XMLSchema-instance",
}
CAMUNDA = "{" + CAMUNDA_MODEL_NS + "}"


class PassThroughTask(NoneTask):
    """A plain bpmn:task: it does nothing and the case goes on, as in Camunda 7 (the engine
    would wait for a person)."""

    def __init__(self, wf_spec: Any, name: str, **kwargs: Any) -> None:
        super().__init__(wf_spec, name, **kwargs)
        self.manual = False


class DecisionTask(BusinessRuleTask):
    """A business rule task that decides as Camunda 7 does (decisions.py): its table's hit
    policy, aggregation and output values, and camunda:resultVariable with
    mapDecisionResult."""

    def __init__(self, wf_spec: Any, name: str, dmnEngine: Any, result_variable: str | None = None,
                 map_decision_result: str | None = None,
                 options: decisions.TableOptions | None = None,
                 required: list[tuple[Any, decisions.TableOptions]] | None = None,
                 **kwargs: Any) -> None:
        super().__init__(wf_spec, name, dmnEngine, **kwargs)
        self.result_variable = result_variable
        self.map_decision_result = map_decision_result or "resultList"
        self.options = options or decisions.TableOptions()
        self.required = required or []  # (engine, options), dependencies first

    def _run(self, my_task: Any) -> Any:
        """Runs the decision and the output mapping, which may read `decisionResult`
        (decision_result.py); afterwards a case variable of that name is as it was."""
        had = decision_result.NAME in my_task.data
        before = my_task.data.get(decision_result.NAME)
        try:
            return super()._run(my_task)
        finally:
            my_task.data.pop(decision_result.NAME, None)
            if had:
                my_task.data[decision_result.NAME] = before

    def _run_hook(self, my_task: Any) -> bool:
        outputs = decisions.with_required(self.required, self.dmnEngine, my_task,
                                          self.options)
        my_task.data[decision_result.NAME] = deepcopy(outputs)
        if self.result_variable:
            my_task.data[self.result_variable] = decisions.shaped(
                outputs, self.map_decision_result, my_task)
        elif len(outputs) == 1:  # no result variable: the outputs become case data
            my_task.data.update(outputs[0])
        elif outputs:
            for name in outputs[0]:
                my_task.data[name] = [output.get(name) for output in outputs]
        self.run_event.emit(my_task.workflow, my_task)
        return True


class DecisionTaskParser(BusinessRuleTaskParser):
    def create_task(self) -> DecisionTask:
        decision_ref = self.get_decision_ref(self.node)
        return DecisionTask(
            self.spec, self.bpmn_id,
            dmnEngine=self.process_parser.parser.get_engine(decision_ref, self.node),
            result_variable=self.node.get(CAMUNDA + "resultVariable"),
            map_decision_result=self.node.get(CAMUNDA + "mapDecisionResult"),
            options=self.process_parser.parser.table_options(decision_ref),
            required=self.process_parser.parser.required_engines(decision_ref, self.node),
            **self.bpmn_attributes)


class MaatwerkProcessParser(ProcessParser):
    """Parses a process as the engine does, and runs each element's camunda:inputOutput
    around its task spec (io_mappings.py)."""

    def _parse(self) -> None:
        super()._parse()
        event_subprocesses.prewire_triggers(self.spec)

    def parse_node(self, node: Any) -> Any:
        element_id = node.get("id")
        known = element_id in self.spec.task_specs
        task_spec = super().parse_node(node)
        if not known:
            created = self.spec.task_specs[element_id]
            mapping = io_mappings.read(node)
            target = _each_round(self.spec, created)
            if isinstance(target, MappedCallActivity):  # around the call (call_mappings.py)
                target.mapping = call_mappings.read(node)
                target.io = mapping
            elif mapping is not None:
                io_mappings.attach(target, mapping)
            multi_instance.checked(created)
            reserved_ids.restore(created)
        return task_spec


def _each_round(spec: Any, created: Any) -> Any:
    """Where a task's mapping runs: around each round of a task that repeats, as Camunda 7
    maps each instance of a multi-instance activity (the round's item is known then)."""
    if isinstance(created, LoopTask):
        return spec.task_specs[created.task_spec]
    return created


class MaatwerkParser(CamundaParser):
    PROCESS_PARSER_CLASS = MaatwerkProcessParser

    def __init__(self, *args: Any, **kwargs: Any) -> None:
        super().__init__(*args, **kwargs)
        self.options: dict[str, decisions.TableOptions] = {}  # decision id -> its table's
        self.requirements: dict[str, list[str]] = {}  # decision id -> the decisions it needs

    def add_dmn_xml(self, node: Any, filename: str | None = None) -> None:
        """Also keeps what the engine's DMN parser does not read of each table (aggregation,
        output values) and what each decision requires; gives the engine each decision on
        its own."""
        for decision in node.iter():
            if isinstance(decision.tag, str) and decision.tag.endswith("}decision"):
                for table in decision:
                    if isinstance(table.tag, str) and table.tag.endswith("}decisionTable"):
                        self.options[decision.get("id")] = decisions.table_options(table)
        self.requirements.update(decision_graph.requirements(node))
        for part in decision_graph.split(node):
            super().add_dmn_xml(part, filename=filename)

    def table_options(self, decision_ref: str) -> decisions.TableOptions:
        return self.options.get(decision_ref) or decisions.TableOptions()

    def required_engines(self, decision_ref: str,
                         node: Any) -> list[tuple[Any, decisions.TableOptions]]:
        """The engines of the decisions `decision_ref` requires, dependencies first."""
        return [(self.get_engine(ref, node), self.table_options(ref))
                for ref in decision_graph.order(decision_ref, self.requirements)]
    OVERRIDE_PARSER_CLASSES = dict(CamundaParser.OVERRIDE_PARSER_CLASSES)  # noqa: RUF012
    OVERRIDE_PARSER_CLASSES[full_tag("businessRuleTask")] = (DecisionTaskParser, DecisionTask)
    # joins that count only this round's tokens inside a loop (joins.py)
    OVERRIDE_PARSER_CLASSES[full_tag("parallelGateway")] = (GatewayParser, LoopSafeParallelGateway)
    OVERRIDE_PARSER_CLASSES[full_tag("inclusiveGateway")] = (ConditionalGatewayParser,
                                                             LoopSafeInclusiveGateway)
    # a service or send task waits, like a user task, until its worker completes it (its
    # implementation is read as a topic: service_calls.py)
    # (Camunda's task parser: it reads camunda:collection of a multi-instance task)
    OVERRIDE_PARSER_CLASSES[full_tag("serviceTask")] = (CamundaTaskParser, ManualTask)
    OVERRIDE_PARSER_CLASSES[full_tag("sendTask")] = (CamundaTaskParser, ManualTask)
    OVERRIDE_PARSER_CLASSES[full_tag("task")] = (CamundaTaskParser, PassThroughTask)
    # error events that keep the caught code and message (camunda:errorCodeVariable, ...),
    # message events that take a correlated message's variables (event_parsers.py)
    OVERRIDE_PARSER_CLASSES[full_tag("boundaryEvent")] = (BoundaryEventParser, BoundaryEvent)
    OVERRIDE_PARSER_CLASSES[full_tag("startEvent")] = (StartEventParser, CaseStartEvent)
    # event subprocesses that start on an error, escalation or message too, with the
    # case's data of that moment, interrupting or not (event_subprocesses.py)
    # (an embedded subprocess runs as a call activity of its own content: its
    # camunda:inputOutput around it, as around a call)
    OVERRIDE_PARSER_CLASSES[full_tag("subProcess")] = (EventSubprocessParser,
                                                       MappedCallActivity)
    OVERRIDE_PARSER_CLASSES[full_tag("intermediateCatchEvent")] = (
        IntermediateCatchEventParser, IntermediateCatchEvent)
    # call activities that pass what camunda:in and camunda:out say (call_mappings.py)
    OVERRIDE_PARSER_CLASSES[full_tag("callActivity")] = (CallActivityParser,
                                                         MappedCallActivity)
