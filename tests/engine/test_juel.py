"""Translating Camunda Modeler's JUEL to sandbox Python."""
from __future__ import annotations

from typing import Any

import pytest

from maatwerk.engine import sandbox
from maatwerk.engine.juel import JuelError, is_juel, to_python


@pytest.mark.parametrize(("text", "expected"), [
    ("${x}", True),
    ("  #{x} ", True),
    ("P${dagen}D", True),
    ("x == 1", False),
    ("P42D", False),
    ("$ {x}", False),
])
def test_is_juel(text: str, expected: bool) -> None:
    assert is_juel(text) is expected


@pytest.mark.parametrize(("juel", "python"), [
    ("${volledig == true}", "(volledig == True)"),
    ("${besluit == 'toekennen' && bedrag > 500}",
     "((besluit == 'toekennen') and (bedrag > 500))"),
    ("${!goedgekeurd}", "(not goedgekeurd)"),
    ("${a || b}", "(a or b)"),
    ("${not a and b or c}", "(((not a) and b) or c)"),
    ("${a eq 1}", "(a == 1)"),
    ("${a ne 1}", "(a != 1)"),
    ("${a lt 1 && a gt 0}", "((a < 1) and (a > 0))"),
    ("${a le 1 || a ge 9}", "((a <= 1) or (a >= 9))"),
    ("${a != null}", "(a != None)"),
    ("${empty x}", "is_empty(x)"),
    ("${not empty x}", "(not is_empty(x))"),
    ("${!empty x.y}", "(not is_empty(x['y']))"),
    ("${flag == false}", "(flag == False)"),
    ("${aanvraag.bedrag > 500}", "(aanvraag['bedrag'] > 500)"),
    ("${a.b.c}", "a['b']['c']"),
    ("${a['b'].c}", "a['b']['c']"),
    ("${lijst[0]}", "lijst[0]"),
    ("${1 + 2 * 3}", "(1 + (2 * 3))"),
    ("${(1 + 2) * 3}", "(((1 + 2)) * 3)"),
    ("${a / b - c % d}", "((a / b) - (c % d))"),
    ("${a div b mod c}", "((a / b) % c)"),
    ("${-x}", "(-x)"),
    ("${1.5e3 + .5 + 2.}", "((1500.0 + 0.5) + 2.0)"),
    ("${a < b < c}", "((a < b) < c)"),
    ("${a == b == c}", "((a == b) == c)"),
    ("${ok ? 'ja' : 'nee'}", "('ja' if ok else 'nee')"),
    ("${x}", "x"),
    ("  ${x}  ", "x"),
    ("#{x}", "x"),
    ("${'a && b' == \"c || d\"}", "('a && b' == 'c || d')"),
    ("${s == 'it\\'s'}", "(s == \"it's\")"),
    ("${s == '}'}", "(s == '}')"),
    ("P${dagen}D", "('P' + str(dagen) + 'D')"),
    ("\\${x}", "'${x}'"),
])
def test_translation(juel: str, python: str) -> None:
    assert to_python(juel) == python
    assert sandbox.check_expression(python) == []


def test_python_is_returned_unchanged() -> None:
    assert to_python("bedrag > 500 and x['a']") == "bedrag > 500 and x['a']"


DATA: dict[str, Any] = {
    "volledig": True,
    "goedgekeurd": False,
    "besluit": "toekennen",
    "bedrag": 750,
    "aanvraag": {"bedrag": 300, "bijlagen": [], "naam": "a && b"},
    "opmerking": "",
    "partner": None,
    "dagen": 42,
}


@pytest.mark.parametrize(("juel", "expected"), [
    ("${volledig == true}", True),
    ("${volledig}", True),
    ("${!goedgekeurd}", True),
    ("${not goedgekeurd && volledig}", True),
    ("${besluit == 'toekennen' && bedrag > 500}", True),
    ("${besluit eq 'afwijzen' || bedrag lt 500}", False),
    ("${aanvraag.bedrag > 500}", False),
    ("${aanvraag.bedrag ge 300 and aanvraag.bedrag le 300}", True),
    ("${empty aanvraag.bijlagen}", True),
    ("${not empty opmerking}", False),
    ("${partner == null}", True),
    ("${aanvraag.naam == 'a && b'}", True),
    ("${bedrag div 2 == 375}", True),
    ("${bedrag mod 100 == 50}", True),
    ("${(bedrag + 250) * 2 == 2000}", True),
    ("${-bedrag < 0}", True),
    ("${volledig ? bedrag : 0}", 750),
    ("P${dagen}D", "P42D"),
])
def test_translated_expressions_evaluate_in_the_sandbox(juel: str, expected: Any) -> None:
    assert sandbox.evaluate(to_python(juel), DATA) == expected


@pytest.mark.parametrize(("juel", "position", "fragment"), [
    ("${x.foo()}", 4, "Method calls"),
    ("${f(1)}", 2, "Function calls"),
    ("${a = 1}", 4, "use '=='"),
    ("${a & b}", 4, "use '&&'"),
    ("${}", 2, "Empty expression"),
    ("${a", 0, "Missing '}'"),
    ("${a ==}", 6, "incomplete"),
    ("${'abc}", 2, "not closed"),
    ("${_x}", 2, "cannot be used"),
    ("${class}", 2, "cannot be used"),
    ("${a$b}", 2, "'$'"),
    ("${a instanceof b}", 4, "'instanceof' is not supported"),
    ("${x}#{y}", 4, "Mixing"),
    ("${{1, 2}}", 2, "collection literals"),
    ("${a.}", 4, "property name"),
    ("${(a}", 4, "Expected ')'"),
    ("${a b}", 4, "Unexpected 'b'"),
    ("${a ? b}", 7, "Expected ':'"),
])
def test_errors_name_the_problem_and_position(juel: str, position: int, fragment: str) -> None:
    with pytest.raises(JuelError) as info:
        to_python(juel)
    assert info.value.position == position
    assert fragment in str(info.value)
    assert f"column {position + 1}" in str(info.value)
