"""A parser for the FHIRPath subset that SQL-on-FHIR v2 views use, producing a small AST."""

from __future__ import annotations

import re
from dataclasses import dataclass

__all__ = [
    "Binary",
    "Call",
    "ConstantRef",
    "FhirPathSyntaxError",
    "Index",
    "Literal",
    "Member",
    "Node",
    "This",
    "TypeOp",
    "Unary",
    "parse",
]


class FhirPathSyntaxError(ValueError):
    """The expression is not valid FHIRPath (as far as this parser knows)."""


@dataclass(frozen=True)
class Literal:
    """A literal: string, integer, decimal, boolean, date/time text, or the empty collection."""

    value: str | int | float | bool | None
    kind: str  # "string" | "integer" | "decimal" | "boolean" | "date" | "empty"


@dataclass(frozen=True)
class This:
    """`$this`: the current focus."""


@dataclass(frozen=True)
class ConstantRef:
    """`%name`: an environment variable (a view constant)."""

    name: str


@dataclass(frozen=True)
class Member:
    """Navigation to a child element; `base` None means the current focus."""

    base: Node | None
    name: str


@dataclass(frozen=True)
class Call:
    """A function call; `base` None means it is applied to the current focus."""

    base: Node | None
    name: str
    args: tuple[Node, ...]


@dataclass(frozen=True)
class Index:
    """An indexer `base[index]`."""

    base: Node
    index: Node


@dataclass(frozen=True)
class Binary:
    """A binary operator (`and`, `=`, `|`, ...)."""

    op: str
    left: Node
    right: Node


@dataclass(frozen=True)
class Unary:
    """A unary sign operator."""

    op: str
    operand: Node


@dataclass(frozen=True)
class TypeOp:
    """`is` / `as` with a type specifier."""

    op: str
    operand: Node
    type_name: str


Node = Literal | This | ConstantRef | Member | Call | Index | Binary | Unary | TypeOp

_TOKEN = re.compile(
    r"""
    (?P<ws>\s+|//[^\n]*|/\*.*?\*/)
  | (?P<string>'(?:[^'\\]|\\.)*')
  | (?P<backtick>`(?:[^`\\]|\\.)*`)
  | (?P<date>@\d{4}(?:-\d{2}(?:-\d{2})?)?(?:T[0-9:.]*(?:Z|[+-]\d{2}:\d{2})?)?
            |@T\d{2}(?::\d{2}(?::\d{2}(?:\.\d+)?)?)?)
  | (?P<number>\d+(?:\.\d+)?)
  | (?P<special>\$this|\$index|\$total)
  | (?P<constant>%(?:[A-Za-z_][A-Za-z0-9_]*|`(?:[^`\\]|\\.)*`|'(?:[^'\\]|\\.)*'))
  | (?P<ident>[A-Za-z_][A-Za-z0-9_]*)
  | (?P<op><=|>=|!=|!~|\{\}|[=~<>|&+\-*/()\[\],.])
    """,
    re.VERBOSE | re.DOTALL,
)

# Binding powers: higher binds tighter (FHIRPath operator precedence, section 6.8).
_INFIX = {
    "implies": 1,
    "or": 2,
    "xor": 2,
    "and": 3,
    "in": 4,
    "contains": 4,
    "=": 5,
    "~": 5,
    "!=": 5,
    "!~": 5,
    "<": 6,
    ">": 6,
    "<=": 6,
    ">=": 6,
    "|": 7,
    "is": 8,
    "as": 8,
    "+": 9,
    "-": 9,
    "&": 9,
    "*": 10,
    "/": 10,
    "div": 10,
    "mod": 10,
}
_UNARY_POWER = 11
_ESCAPES = {"n": "\n", "t": "\t", "r": "\r", "f": "\f"}


def _unescape(body: str) -> str:
    """Resolve FHIRPath string escapes (\\', \\n, \\uXXXX, ...)."""

    def repl(match: re.Match[str]) -> str:
        ch = match.group(1)
        if ch.startswith("u"):
            return chr(int(ch[1:], 16))
        return _ESCAPES.get(ch, ch)

    return re.sub(r"\\(u[0-9a-fA-F]{4}|.)", repl, body)


def _tokenize(text: str) -> list[tuple[str, str]]:
    """Split an expression into (kind, text) tokens, rejecting anything unknown."""
    tokens: list[tuple[str, str]] = []
    pos = 0
    while pos < len(text):
        match = _TOKEN.match(text, pos)
        if match is None:
            raise FhirPathSyntaxError(f"unexpected character {text[pos]!r} at offset {pos}")
        kind = match.lastgroup or ""
        if kind != "ws":
            tokens.append((kind, match.group()))
        pos = match.end()
    return tokens


class _Parser:
    """A Pratt parser over the token list."""

    def __init__(self, text: str) -> None:
        self.tokens = _tokenize(text)
        self.pos = 0

    def peek(self) -> tuple[str, str] | None:
        return self.tokens[self.pos] if self.pos < len(self.tokens) else None

    def take(self) -> tuple[str, str]:
        token = self.peek()
        if token is None:
            raise FhirPathSyntaxError("unexpected end of expression")
        self.pos += 1
        return token

    def expect(self, text: str) -> None:
        kind, value = self.take()
        if value != text or kind not in ("op", "ident"):
            raise FhirPathSyntaxError(f"expected {text!r}, found {value!r}")

    def expression(self, min_power: int = 0) -> Node:
        left = self.prefix()
        while True:
            token = self.peek()
            if token is None or token[0] not in ("op", "ident") or token[1] not in _INFIX:
                return left
            power = _INFIX[token[1]]
            if power <= min_power:
                return left
            self.take()
            if token[1] in ("is", "as"):
                left = TypeOp(token[1], left, self.type_name())
            else:
                left = Binary(token[1], left, self.expression(power))

    def type_name(self) -> str:
        kind, value = self.take()
        if kind not in ("ident", "backtick"):
            raise FhirPathSyntaxError(f"expected a type name, found {value!r}")
        name = value.strip("`")
        if self.peek() == ("op", ".") and name in ("FHIR", "System"):
            self.take()
            return self.type_name()
        return name

    def prefix(self) -> Node:
        kind, value = self.take()
        if kind == "op" and value in ("-", "+"):
            return Unary(value, self.expression(_UNARY_POWER))
        return self.postfix(self.primary(kind, value))

    def primary(self, kind: str, value: str) -> Node:
        if kind == "string":
            return Literal(_unescape(value[1:-1]), "string")
        if kind == "number":
            return (
                Literal(float(value), "decimal") if "." in value else Literal(int(value), "integer")
            )
        if kind == "date":
            return Literal(value[1:], "date")
        if kind == "special":
            if value != "$this":
                raise FhirPathSyntaxError(f"{value} is not supported")
            return This()
        if kind == "constant":
            return ConstantRef(_unescape(value[1:].strip("`'")))
        if kind == "op" and value == "{}":
            return Literal(None, "empty")
        if kind == "op" and value == "(":
            inner = self.expression()
            self.expect(")")
            return inner
        if kind in ("ident", "backtick"):
            name = value.strip("`")
            if kind == "ident" and name in ("true", "false"):
                return Literal(name == "true", "boolean")
            if kind == "ident" and self.peek() == ("op", "("):
                return Call(None, name, self.arguments())
            return Member(None, name)
        raise FhirPathSyntaxError(f"unexpected token {value!r}")

    def arguments(self) -> tuple[Node, ...]:
        self.expect("(")
        args: list[Node] = []
        if self.peek() == ("op", ")"):
            self.take()
            return ()
        while True:
            args.append(self.expression())
            _kind, value = self.take()
            if value == ")":
                return tuple(args)
            if value != ",":
                raise FhirPathSyntaxError(f"expected ',' or ')', found {value!r}")

    def postfix(self, node: Node) -> Node:
        while True:
            token = self.peek()
            if token == ("op", "."):
                self.take()
                kind, value = self.take()
                if kind not in ("ident", "backtick"):
                    raise FhirPathSyntaxError(f"expected a name after '.', found {value!r}")
                name = value.strip("`")
                if kind == "ident" and self.peek() == ("op", "("):
                    node = Call(node, name, self.arguments())
                else:
                    node = Member(node, name)
            elif token == ("op", "["):
                self.take()
                index = self.expression()
                self.expect("]")
                node = Index(node, index)
            else:
                return node


def parse(text: str) -> Node:
    """Parse a FHIRPath expression into an AST, raising FhirPathSyntaxError when invalid."""
    if not isinstance(text, str) or not text.strip():
        raise FhirPathSyntaxError("expression must be a non-empty string")
    parser = _Parser(text)
    node = parser.expression()
    if parser.peek() is not None:
        raise FhirPathSyntaxError(f"unexpected {parser.peek()[1]!r} after expression")  # type: ignore[index]
    return node
