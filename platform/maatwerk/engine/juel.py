"""The simple JUEL that Camunda Modeler users write, translated to sandbox Python.

`${besluit == 'toekennen' && bedrag > 500}` becomes
`((besluit == 'toekennen') and (bedrag > 500))`. A small tokenizer and a
recursive-descent parser follow the EL grammar and precedence:

    ternary  := or ('?' ternary ':' ternary)?
    or       := and (('||' | 'or') and)*
    and      := equality (('&&' | 'and') equality)*
    equality := relation (('==' | 'eq' | '!=' | 'ne') relation)*
    relation := additive (('<' | 'lt' | '>' | 'gt' | '<=' | 'le' | '>=' | 'ge') additive)*
    additive := multiply (('+' | '-') multiply)*
    multiply := unary (('*' | '/' | 'div' | '%' | 'mod') unary)*
    unary    := ('-' | '!' | 'not' | 'empty') unary | value
    value    := primary ('.' name | '[' ternary ']')*
    primary  := number | string | true | false | null | name | '(' ternary ')'

Every binary operation is parenthesized, so EL's left-associative comparisons stay
as in JUEL: `a < b < c` is `((a < b) < c)`, not Python's chained comparison.
Property access `aanvraag.bedrag` is a key lookup: `aanvraag['bedrag']`.
Composite text (`P${dagen}D`) becomes string concatenation: `('P' + str(dagen) + 'D')`.
`execution.getVariable("naam")` is the variable (null when there is none), and GZAC's
document reads are the case data at a JSON pointer (case_document.py). Other method and
function calls, EL 3.0 lambdas, assignments and collection literals are refused.
"""
from __future__ import annotations

import ast
import keyword
import math
from dataclasses import dataclass

from . import case_document, decision_result
from .sandbox_limits import MAX_LITERAL_DIGITS

_OPERATORS = ("==", "!=", "<=", ">=", "&&", "||", "<", ">", "!", "+", "-", "*", "/", "%",
              "(", ")", "[", "]", ".", "?", ":", ",")
_HINTS = {
    "=": "assignment '=' is not supported; use '==' to compare",
    "&": "use '&&' for 'and'",
    "|": "use '||' for 'or'",
    "{": "collection literals are not supported",
    ";": "multiple expressions are not supported",
}
_LITERALS = {"true": "True", "false": "False", "null": "None"}
_RESERVED = frozenset({
    "and", "or", "not", "eq", "ne", "lt", "gt", "le", "ge", "true", "false", "null",
    "empty", "div", "mod", "instanceof",
})
_ESCAPES = {"\\": "\\", "'": "'", '"': '"'}

_OR = {"||": "or", "or": "or"}
_AND = {"&&": "and", "and": "and"}
_EQUALITY = {"==": "==", "eq": "==", "!=": "!=", "ne": "!="}
_RELATION = {"<": "<", "lt": "<", ">": ">", "gt": ">", "<=": "<=", "le": "<=",
             ">=": ">=", "ge": ">="}
_ADDITIVE = {"+": "+", "-": "-"}
_MULTIPLY = {"*": "*", "/": "/", "div": "/", "%": "%", "mod": "%"}


class JuelError(ValueError):
    """A JUEL expression that cannot be translated.

    `position` is the 0-based index in the expression text; the message names the
    1-based column.
    """

    def __init__(self, message: str, position: int) -> None:
        super().__init__(f"{message} (JUEL, column {position + 1})")
        self.position = position
        self.column = position + 1


def is_juel(expression: str) -> bool:
    """True when the text contains a JUEL expression (`${...}` or `#{...}`)."""
    text = expression.strip()
    return "${" in text or "#{" in text


def to_python(expression: str) -> str:
    """The Python expression for a JUEL expression; other text is returned unchanged."""
    if not is_juel(expression):
        return expression
    parts = _split_composite(expression)
    expressions = [text for kind, text in parts if kind == "expression"]
    literals = [text for kind, text in parts if kind == "literal"]
    if len(expressions) == 1 and all(not text.strip() for text in literals):
        return expressions[0]
    return _concatenation(parts)


def _concatenation(parts: list[tuple[str, str]]) -> str:
    pieces = [repr(text) if kind == "literal" else f"str({text})"
              for kind, text in parts if text]
    if not pieces:
        return "''"
    return pieces[0] if len(pieces) == 1 else "(" + " + ".join(pieces) + ")"


# --------------------------------------------------------------------------- composite

def _split_composite(text: str) -> list[tuple[str, str]]:
    """Literal text and translated `${...}` parts, in order."""
    parts: list[tuple[str, str]] = []
    literal: list[str] = []
    marker: str | None = None
    index = 0
    while index < len(text):
        if text.startswith(("\\${", "\\#{"), index):
            literal.append(text[index + 1:index + 3])
            index += 3
        elif text.startswith(("${", "#{"), index):
            marker = _check_marker(marker, text[index], index)
            parts.append(("literal", "".join(literal)))
            literal = []
            python, index = _translate_at(text, index + 2, index)
            parts.append(("expression", python))
        else:
            literal.append(text[index])
            index += 1
    parts.append(("literal", "".join(literal)))
    return [part for part in parts if part[1] or part[0] == "expression"]


def _check_marker(previous: str | None, current: str, position: int) -> str:
    if previous is not None and previous != current:
        raise JuelError("Mixing '${' and '#{' in one expression is not allowed", position)
    return current


def tokens_of(expression: str) -> list[Token] | None:
    """The tokens of one whole `${...}` (ending with the "end" token), or None when the text
    is not exactly one expression. Raises JuelError for text that can't be read."""
    text = expression.strip()
    if not text.startswith(("${", "#{")):
        return None
    found, after = Tokenizer(text, 2, 0).tokens()
    return found if after == len(text) else None


def _translate_at(text: str, start: int, opening: int) -> tuple[str, int]:
    tokens, after = Tokenizer(text, start, opening).tokens()
    return _Parser(tokens).parse(), after


# --------------------------------------------------------------------------- tokens

@dataclass(frozen=True)
class Token:
    kind: str          # "number", "string", "name", "op" or "end"
    text: str          # the operator or name; the Python literal for numbers and strings
    position: int


class Tokenizer:
    """Tokens from `start` up to the `}` that closes the expression."""

    def __init__(self, text: str, start: int, opening: int) -> None:
        self.text = text
        self.index = start
        self.opening = opening

    def tokens(self) -> tuple[list[Token], int]:
        found: list[Token] = []
        while True:
            self._skip_space()
            if self.index >= len(self.text):
                raise JuelError("Missing '}' to close the expression", self.opening)
            if self.text[self.index] == "}":
                found.append(Token("end", "}", self.index))
                return found, self.index + 1
            found.append(self._next())

    def _skip_space(self) -> None:
        while self.index < len(self.text) and self.text[self.index].isspace():
            self.index += 1

    def _next(self) -> Token:
        char = self.text[self.index]
        if char.isdigit() or (char == "." and self._peek(1).isdigit()):
            return self._number()
        if char in "'\"":
            return self._string(char)
        if char.isalpha() or char in "_$":
            return self._name()
        return self._operator()

    def _peek(self, offset: int) -> str:
        at = self.index + offset
        return self.text[at] if at < len(self.text) else ""

    def _number(self) -> Token:
        start = self.index
        self._digits()
        is_float = False
        if self._peek(0) == "." and not self._peek(1).isalpha():
            is_float = True
            self.index += 1
            self._digits()
        if self._peek(0) in ("e", "E") and (self._peek(1).isdigit() or (
                self._peek(1) in "+-" and self._peek(1) != "" and self._peek(2).isdigit())):
            is_float = True
            self.index += 2
            self._digits()
        raw = self.text[start:self.index]
        if sum(ch.isdigit() for ch in raw) > MAX_LITERAL_DIGITS:
            raise JuelError(f"A number may have at most {MAX_LITERAL_DIGITS} digits", start)
        number = float(raw) if is_float else int(raw)
        if isinstance(number, float) and not math.isfinite(number):
            raise JuelError("The number is too large (it would be infinite)", start)
        return Token("number", repr(number), start)

    def _digits(self) -> None:
        while self._peek(0).isdigit():
            self.index += 1

    def _string(self, quote: str) -> Token:
        start = self.index
        self.index += 1
        chars: list[str] = []
        while self.index < len(self.text):
            char = self.text[self.index]
            if char == quote:
                self.index += 1
                return Token("string", repr("".join(chars)), start)
            if char == "\\" and self._peek(1) in _ESCAPES:
                chars.append(_ESCAPES[self._peek(1)])
                self.index += 2
            else:
                chars.append(char)
                self.index += 1
        raise JuelError("Text literal is not closed", start)

    def _name(self) -> Token:
        start = self.index
        while self._peek(0) and (self._peek(0).isalnum() or self._peek(0) in "_$"):
            self.index += 1
        return Token("name", self.text[start:self.index], start)

    def _operator(self) -> Token:
        for symbol in _OPERATORS:
            if self.text.startswith(symbol, self.index):
                self.index += len(symbol)
                return Token("op", symbol, self.index - len(symbol))
        char = self.text[self.index]
        hint = _HINTS.get(char, "this character is not supported")
        raise JuelError(f"Unexpected '{char}': {hint}", self.index)


# --------------------------------------------------------------------------- parser

class _Parser:
    """Recursive descent over the tokens of one `${...}`; produces Python text."""

    def __init__(self, tokens: list[Token]) -> None:
        self.tokens = tokens
        self.index = 0

    def parse(self) -> str:
        if self._current.kind == "end":
            raise JuelError("Empty expression", self._current.position)
        python = self._ternary()
        if self._current.kind != "end":
            raise self._unexpected(self._current)
        return python

    @property
    def _current(self) -> Token:
        return self.tokens[self.index]

    def _advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def _is(self, *texts: str) -> bool:
        token = self._current
        return token.kind in ("op", "name") and token.text in texts

    def _expect(self, text: str) -> None:
        if not self._is(text):
            raise JuelError(f"Expected '{text}' but found {_describe(self._current)}",
                            self._current.position)
        self._advance()

    def _unexpected(self, token: Token) -> JuelError:
        if token.kind == "end":
            return JuelError("The expression is incomplete", token.position)
        if token.text == "instanceof":
            return JuelError("'instanceof' is not supported", token.position)
        return JuelError(f"Unexpected {_describe(token)}", token.position)

    def _ternary(self) -> str:
        condition = self._binary(0)
        if not self._is("?"):
            return condition
        self._advance()
        when_true = self._ternary()
        self._expect(":")
        when_false = self._ternary()
        return f"({when_true} if {condition} else {when_false})"

    def _binary(self, level: int) -> str:
        if level == len(_LEVELS):
            return self._unary()
        left = self._binary(level + 1)
        operators = _LEVELS[level]
        while self._current.kind in ("op", "name") and self._current.text in operators:
            python = operators[self._advance().text]
            right = self._binary(level + 1)
            left = f"({left} {python} {right})"
        return left

    def _unary(self) -> str:
        if self._is("-"):
            self._advance()
            return f"(-{self._unary()})"
        if self._is("!", "not"):
            self._advance()
            return f"(not {self._unary()})"
        if self._is("empty"):
            self._advance()
            return f"is_empty({self._unary()})"
        return self._value()

    def _value(self) -> str:
        python = self._primary()
        while self._is(".", "["):
            if self._advance().text == ".":
                python += f"[{self._property()}]"
            else:
                python += f"[{self._ternary()}]"
                self._expect("]")
        return python

    def _property(self) -> str:
        token = self._advance()
        if token.kind != "name":
            raise JuelError(f"Expected a property name after '.' but found {_describe(token)}",
                            token.position)
        if self._is("("):
            raise JuelError(f"Method calls like '{token.text}(...)' are not supported",
                            token.position)
        return repr(token.text)

    def _primary(self) -> str:
        token = self._advance()
        if token.kind in ("number", "string"):
            return token.text
        if token.kind == "name":
            return self._name(token)
        if token.kind == "op" and token.text == "(":
            inner = self._ternary()
            self._expect(")")
            return f"({inner})"
        raise self._unexpected(token)

    def _name(self, token: Token) -> str:
        if token.text in _LITERALS:
            return _LITERALS[token.text]
        if token.text in _RESERVED:
            raise self._unexpected(token)
        if token.text in case_document.BEANS and self._is("."):
            return self._document_read(token)
        if token.text == "execution" and self._peek_is(".", "getVariable", "("):
            return self._get_variable()
        if token.text == decision_result.NAME and self._is(".") and \
                self.tokens[self.index + 1].text in decision_result.METHODS:
            return self._decision_result()
        if self._is("("):
            raise JuelError(f"Function calls like '{token.text}(...)' are not supported",
                            token.position)
        _check_variable(token)
        return token.text


    def _peek_is(self, *texts: str) -> bool:
        ahead = self.tokens[self.index:self.index + len(texts)]
        return [token.text for token in ahead] == list(texts)

    def _get_variable(self) -> str:
        """`execution.getVariable("naam")`: the variable, null when there is none (as in
        Camunda 7)."""
        for _ in range(3):  # '.', 'getVariable', '('
            self._advance()
        name = self._advance()
        if name.kind != "string":
            raise JuelError("execution.getVariable needs the variable's name as a text, "
                            "such as \"deadline\"", name.position)
        self._expect(")")
        text = ast.literal_eval(name.text)
        pointer = "/" + text.replace("~", "~0").replace("/", "~1")
        return f"{case_document.READER}({pointer!r}, None)"

    def _decision_result(self) -> str:
        """A method of Camunda's decisionResult (decision_result.py)."""
        self._advance()  # '.'
        method = self._advance()
        helper = decision_result.METHODS[method.text]
        self._expect("(")
        if method.text == "collectEntries":
            name = self._advance()
            if name.kind != "string":
                raise JuelError("collectEntries needs the output's name as a text",
                                name.position)
            self._expect(")")
            return f"{helper}({decision_result.NAME}, {name.text})"
        self._expect(")")
        return f"{helper}({decision_result.NAME})" if helper else decision_result.NAME

    def _document_read(self, bean: Token) -> str:
        """GZAC's read of the case document (case_document.py): `case_value(pointer)`."""
        self._advance()  # '.'
        method = self._advance()
        read = case_document.READS.get((bean.text, method.text))
        if read is None or not self._is("("):
            raise JuelError(f"'{bean.text}.{method.text}' is not one of GZAC's document "
                            "reads that run here (findValueByJsonPointer, "
                            "findValueByJsonPointerOrDefault, "
                            "getValueFromDocumentAtPathOrDefault)", method.position)
        context, with_default = read
        self._advance()  # '('
        pointer = self._advance()
        if pointer.kind != "string":
            raise JuelError("the JSON pointer must be a text, such as \"/aanvraag/bedrag\"",
                            pointer.position)
        text = ast.literal_eval(pointer.text)
        problem = case_document.pointer_problem(text)
        if problem:
            raise JuelError(problem, pointer.position)
        self._expect(",")
        start = self._current.position
        path = [self._advance().text]
        while self._is("."):
            self._advance()
            path.append(self._advance().text)
        if ".".join(path) != context:
            raise JuelError(f"the second argument of {method.text} must be {context}", start)
        default = ""
        if with_default:
            self._expect(",")
            default = f", {self._ternary()}"
        self._expect(")")
        return f"{case_document.READER}({text!r}{default})"


_LEVELS: tuple[dict[str, str], ...] = (_OR, _AND, _EQUALITY, _RELATION, _ADDITIVE, _MULTIPLY)


def _check_variable(token: Token) -> None:
    name = token.text
    if "$" in name:
        raise JuelError(f"'$' in variable name '{name}' is not supported", token.position)
    if name.startswith("_") or not name.isidentifier() or keyword.iskeyword(name):
        raise JuelError(f"Variable name '{name}' cannot be used in an expression",
                        token.position)


def _describe(token: Token) -> str:
    if token.kind == "end":
        return "the end of the expression"
    if token.kind in ("number", "string"):
        return f"{token.kind} {token.text}"
    return f"'{token.text}'"
