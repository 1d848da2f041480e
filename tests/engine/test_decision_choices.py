"""The outcomes a caseworker chooses from when overriding a decision, read from the model's
files: a gateway's routes by name, a decision table's results shaped as its task keeps them,
and none (the value is typed) where the results are no plain literals."""
from __future__ import annotations

from pathlib import Path

from maatwerk.engine.decision_choices import Outcome, outcomes

WORKFLOWS = Path(__file__).resolve().parents[2] / "workflows"


def _demo() -> dict[str, list[Outcome]]:
    return outcomes([(WORKFLOWS / "bijzondere_bijstand.bpmn").read_bytes()],
                    [(WORKFLOWS / "draagkracht.dmn").read_bytes()])


def test_the_demo_decisions_offer_their_table_results_and_routes_by_name() -> None:
    found = _demo()
    assert found["Task_Draagkracht"] == [  # singleEntry into `uitkomst`, in rule order
        Outcome("afwijzen", {"uitkomst": "afwijzen"}),
        Outcome("toekennen", {"uitkomst": "toekennen"})]
    assert found["Gateway_Uitkomst"] == [
        Outcome("Afwijzen", {"flow": "Task_ContactAfwijzing"}),
        Outcome("Toekennen, meer dan € 500", {"flow": "Gateway_VierogenSamen"}),
        Outcome("Toekennen, tot en met € 500", {"flow": "Gateway_BehandelingEinde"})]
    assert [o.values for o in found["Gateway_VolledigheidSamen"]] == [  # a join: one route
        {"flow": "Task_Volledigheid"}]


def _table(outputs: str, rules: str, values: str = "") -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<definitions xmlns="https://www.omg.org/spec/DMN/20191111/MODEL/" id="d" name="d"
    namespace="http://camunda.org/schema/1.0/dmn">
  <decision id="hoogte" name="Hoogte">
    <decisionTable id="t" hitPolicy="FIRST">
      <input id="i"><inputExpression typeRef="integer"><text>inkomen</text>
      </inputExpression></input>
      {outputs.replace("VALUES", values)}
      {rules}
    </decisionTable>
  </decision>
</definitions>""".encode()


def _task(attributes: str) -> bytes:
    return f"""<?xml version="1.0" encoding="UTF-8"?>
<bpmn:definitions xmlns:bpmn="http://www.omg.org/spec/BPMN/20100524/MODEL"
    xmlns:camunda="http://camunda.org/schema/1.0/bpmn" id="b" targetNamespace="x">
  <bpmn:process id="p" isExecutable="true">
    <bpmn:businessRuleTask id="Beslis" name="Beslis" camunda:decisionRef="hoogte" {attributes} />
  </bpmn:process>
</bpmn:definitions>""".encode()


TWO_COLUMNS = ('<output id="o1" name="besluit" typeRef="string" />'
               '<output id="o2" name="bedrag" typeRef="integer" />')
TWO_RULES = """<rule id="r1"><inputEntry><text>&gt; 2000</text></inputEntry>
  <outputEntry><text>"afwijzen"</text></outputEntry><outputEntry><text>0</text></outputEntry></rule>
<rule id="r2"><inputEntry><text>-</text></inputEntry>
  <outputEntry><text>"toekennen"</text></outputEntry><outputEntry><text>500</text></outputEntry></rule>
<rule id="r3"><inputEntry><text>&lt; 100</text></inputEntry>
  <outputEntry><text>"toekennen"</text></outputEntry><outputEntry><text>500</text></outputEntry></rule>"""


def test_a_table_with_two_columns_offers_each_distinct_rule_result() -> None:
    table = _table(TWO_COLUMNS, TWO_RULES)
    as_columns = outcomes([_task("")], [table])["Beslis"]
    assert as_columns == [
        Outcome("besluit: afwijzen, bedrag: 0", {"besluit": "afwijzen", "bedrag": 0}),
        Outcome("besluit: toekennen, bedrag: 500", {"besluit": "toekennen", "bedrag": 500})]
    single = outcomes([_task('camunda:resultVariable="r" camunda:mapDecisionResult='
                             '"singleResult"')], [table])["Beslis"]
    assert [o.values for o in single] == [{"r": {"besluit": "afwijzen", "bedrag": 0}},
                                          {"r": {"besluit": "toekennen", "bedrag": 500}}]
    listed = outcomes([_task('camunda:resultVariable="r"')], [table])["Beslis"]
    assert listed == []  # a result list is typed, not chosen


def test_listed_output_values_are_offered_and_an_expression_leaves_the_value_typed() -> None:
    column = ('<output id="o" name="niveau" typeRef="string"><outputValues><text>VALUES'
              '</text></outputValues></output>')
    rule = ('<rule id="r"><inputEntry><text>-</text></inputEntry>'
            '<outputEntry><text>{}</text></outputEntry></rule>')
    found = outcomes([_task("")], [_table(column, rule.format('"laag"'),
                                          '"hoog","midden","laag"')])["Beslis"]
    assert [o.label for o in found] == ["laag", "hoog", "midden"]
    assert outcomes([_task("")], [_table(column, rule.format("inkomen * 2"),
                                         "")])["Beslis"] == []
    assert outcomes([_task("")], [])["Beslis"] == []  # no table uploaded for it
