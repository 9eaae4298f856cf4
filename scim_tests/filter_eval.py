"""Our own reference evaluator for SCIM filters (RFC 7644 §3.4.2.2), independent of the mock.

:func:`parse` turns filter text into a small AST (:class:`Compare`, :class:`Present`,
:class:`And`, :class:`Or`, :class:`Not`, :class:`ValuePath`), :func:`render` turns an AST back
into text, and :class:`Typing` evaluates an AST over the JSON resources a server returned, typed
by the attribute definitions the server publishes at /Schemas (RFC 7643 §2.2 defaults; the
common attributes id, externalId and meta per RFC 7643 §3.1). The checks use it to predict
which members of their own population a filter selects.

Semantics: attribute names and operators are case-insensitive; ``not`` binds tighter than
``and``, which binds tighter than ``or``; a comparison on a multi-valued path holds when any
value satisfies it; ``[...]`` conditions must hold for one and the same value; strings compare
case-insensitively unless the attribute is caseExact; dateTime values compare chronologically;
``pr`` needs a non-empty value. Comparing a complex attribute without a sub-attribute uses its
``value`` sub-attribute.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable, Mapping
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, TypeAlias

COMPARE_OPS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
ORDERING = ("gt", "ge", "lt", "le")
SUBSTRING = ("co", "sw", "ew")


class FilterSyntaxError(ValueError):
    """The text is not a filter of the RFC 7644 grammar."""


class FilterTypeError(ValueError):
    """The filter is well-formed but does not fit the attribute types (e.g. ``active gt true``)."""


@dataclass(frozen=True)
class Path:
    """``[urn:]attribute[.sub]``; ``urn`` is None for the core schema's (or common) attributes."""

    attribute: str
    sub: str | None = None
    urn: str | None = None

    def __str__(self) -> str:
        text = self.attribute + (f".{self.sub}" if self.sub else "")
        return f"{self.urn}:{text}" if self.urn else text


@dataclass(frozen=True)
class Compare:
    path: Path
    op: str
    value: Any


@dataclass(frozen=True)
class Present:
    path: Path


@dataclass(frozen=True)
class And:
    left: Node
    right: Node


@dataclass(frozen=True)
class Or:
    left: Node
    right: Node


@dataclass(frozen=True)
class Not:
    operand: Node


@dataclass(frozen=True)
class ValuePath:
    path: Path
    filter: Node


Node: TypeAlias = Compare | Present | And | Or | Not | ValuePath

# -- parsing -------------------------------------------------------------------------------

_TOKEN = re.compile(
    r'\s*(?:(?P<string>"(?:[^"\\]|\\.)*")|(?P<punct>[()\[\]])|(?P<word>[^\s()\[\]"]+))', re.S
)
_LITERALS = {"true": True, "false": False, "null": None}
_NUMBER = re.compile(r"-?(?:0|[1-9]\d*)(?:\.\d+)?(?:[eE][+-]?\d+)?")
_NAME = re.compile(r"[A-Za-z][\w$-]*")


def _tokens(text: str) -> list[tuple[str, str, bool]]:
    """(kind, text, glued-to-previous) tokens; kind is string, punct or word."""
    found: list[tuple[str, str, bool]] = []
    position = 0
    while position < len(text):
        if text[position:].strip() == "":
            break
        match = _TOKEN.match(text, position)
        if match is None or match.end() == position:
            raise FilterSyntaxError(f"cannot read the filter at column {position + 1}")
        kind = match.lastgroup or ""
        glued = match.start(kind) == position
        found.append((kind, match.group(kind), glued))
        position = match.end()
    return found


def parse(text: str) -> Node:
    """Parse filter text; :class:`FilterSyntaxError` for anything outside the grammar."""
    parser = _Parser(_tokens(text))
    node = parser.expression(inner=False)
    if parser.position != len(parser.tokens):
        raise FilterSyntaxError(f"unexpected {parser.tokens[parser.position][1]!r}")
    return node


class _Parser:
    def __init__(self, tokens: list[tuple[str, str, bool]]) -> None:
        self.tokens = tokens
        self.position = 0

    def peek(self) -> tuple[str, str, bool] | None:
        return self.tokens[self.position] if self.position < len(self.tokens) else None

    def take(self) -> tuple[str, str, bool]:
        token = self.peek()
        if token is None:
            raise FilterSyntaxError("the filter ends too early")
        self.position += 1
        return token

    def word(self, expected: str) -> bool:
        token = self.peek()
        if token is not None and token[0] == "word" and token[1].lower() == expected:
            self.position += 1
            return True
        return False

    def expression(self, inner: bool) -> Node:
        node = self.conjunction(inner)
        while self.word("or"):
            node = Or(node, self.conjunction(inner))
        return node

    def conjunction(self, inner: bool) -> Node:
        node = self.unary(inner)
        while self.word("and"):
            node = And(node, self.unary(inner))
        return node

    def group(self, closing: str, inner: bool) -> Node:
        node = self.expression(inner)
        if self.take()[1] != closing:
            raise FilterSyntaxError(f"expected {closing!r}")
        return node

    def unary(self, inner: bool) -> Node:
        token = self.take()
        if token[0] == "punct" and token[1] == "(":
            return self.group(")", inner)
        if token[0] != "word":
            raise FilterSyntaxError(f"unexpected {token[1]!r}")
        following = self.peek()
        if token[1].lower() == "not" and following is not None and following[1] == "(":
            self.take()
            return Not(self.group(")", inner))
        path = parse_path(token[1])
        if following is not None and following[1] == "[" and following[2]:
            if inner or path.sub is not None:
                raise FilterSyntaxError("a value filter cannot be nested or follow a sub-attribute")
            self.take()
            return ValuePath(path, self.group("]", True))
        if inner and (path.urn is not None or path.sub is not None):
            raise FilterSyntaxError("inside [...] only plain sub-attribute names are allowed")
        operator = self.take()
        op = operator[1].lower()
        if operator[0] != "word" or op not in (*COMPARE_OPS, "pr"):
            raise FilterSyntaxError(f"unknown operator {operator[1]!r}")
        if op == "pr":
            return Present(path)
        return Compare(path, op, _literal(self.take()))


def _literal(token: tuple[str, str, bool]) -> Any:
    kind, text, _ = token
    if kind == "string":
        try:
            return json.loads(text)
        except ValueError:
            raise FilterSyntaxError(f"bad string {text!r}") from None
    if kind == "word" and text in _LITERALS:
        return _LITERALS[text]
    if kind == "word" and _NUMBER.fullmatch(text):
        return json.loads(text)
    raise FilterSyntaxError(f"expected a value, found {text!r}")


def parse_path(text: str) -> Path:
    """``urn:…:attr.sub`` → :class:`Path` (the URN is everything up to the last colon)."""
    urn = None
    if text.lower().startswith("urn:"):
        urn, _, text = text.rpartition(":")
    name, _, sub = text.partition(".")
    if not _NAME.fullmatch(name) or (sub and not _NAME.fullmatch(sub)):
        raise FilterSyntaxError(f"bad attribute path {text!r}")
    return Path(name, sub or None, urn)


# -- rendering -----------------------------------------------------------------------------


def render(node: Node, shout: bool = False) -> str:
    """Filter text for ``node``, with the parentheses precedence needs.

    With ``shout`` operators and logical words are written in upper case (they are
    case-insensitive, P-3.4.2.2-03).
    """

    def word(text: str) -> str:
        return text.upper() if shout else text

    if isinstance(node, Compare):
        return f"{node.path} {word(node.op)} {json.dumps(node.value, ensure_ascii=False)}"
    if isinstance(node, Present):
        return f"{node.path} {word('pr')}"
    if isinstance(node, Not):
        return f"{word('not')} ({render(node.operand, shout)})"
    if isinstance(node, ValuePath):
        return f"{node.path}[{render(node.filter, shout)}]"
    name, level = ("and", 2) if isinstance(node, And) else ("or", 1)
    left, right = render(node.left, shout), render(node.right, shout)
    if _level(node.left) < level:
        left = f"({left})"
    if _level(node.right) <= level:
        right = f"({right})"
    return f"{left} {word(name)} {right}"


def _level(node: Node) -> int:
    return 1 if isinstance(node, Or) else 2 if isinstance(node, And) else 3


# -- typing and evaluation -----------------------------------------------------------------

#: Common attributes (RFC 7643 §3.1) for servers whose /Schemas leave them out.
COMMON: dict[str, dict[str, Any]] = {
    "id": {"name": "id", "type": "string", "caseExact": True},
    "externalid": {"name": "externalId", "type": "string", "caseExact": True},
    "schemas": {"name": "schemas", "type": "reference", "multiValued": True, "caseExact": True},
    "meta": {"name": "meta", "type": "complex", "subAttributes": [
        {"name": "resourceType", "type": "string", "caseExact": True},
        {"name": "created", "type": "dateTime"},
        {"name": "lastModified", "type": "dateTime"},
        {"name": "location", "type": "reference", "caseExact": True},
        {"name": "version", "type": "string", "caseExact": True},
    ]},
}  # fmt: skip


def _get(data: Mapping[str, Any], name: str) -> Any:
    for key, value in data.items():
        if isinstance(key, str) and key.lower() == name.lower():
            return value
    return None


def _attributes(definition: Mapping[str, Any] | None, key: str) -> dict[str, dict[str, Any]]:
    items = _get(definition, key) if isinstance(definition, Mapping) else None
    return {str(_get(a, "name")).lower(): dict(a) for a in items or [] if isinstance(a, Mapping)}


_FRACTION = re.compile(r"\.(\d+)")


def parse_datetime(text: Any) -> datetime | None:
    """An xsd:dateTime as an aware datetime (naive means UTC), or None."""
    if not isinstance(text, str):
        return None
    text = text.replace("Z", "+00:00").replace("z", "+00:00")
    # xsd:dateTime allows any number of fractional digits; fromisoformat before Python 3.11
    # takes exactly three or six (.NET writes seven), and microseconds are all a comparison
    # needs.
    text = _FRACTION.sub(lambda m: "." + (m[1] + "000000")[:6], text, count=1)
    try:
        value = datetime.fromisoformat(text)
    except ValueError:
        return None
    return value if value.tzinfo else value.replace(tzinfo=timezone.utc)


def _present(value: Any) -> bool:
    if isinstance(value, Mapping):
        return any(_present(v) for v in value.values())
    if isinstance(value, list):
        return any(_present(v) for v in value)
    return value is not None and value != ""


class Typing:
    """Evaluates filters over resources of one type, typed by the server's /Schemas."""

    def __init__(self, schemas: Mapping[str, Any], core: str, extensions: Iterable[str] = ()):
        self.core = core.lower()
        self.extensions = [e.lower() for e in extensions]
        self.definitions = {u: _attributes(schemas.get(u), "attributes")
                            for u in (self.core, *self.extensions)}  # fmt: skip

    def definition(self, path: Path) -> tuple[str | None, dict[str, Any]]:
        """(extension URN or None, attribute definition) for ``path``; KeyError if unknown."""
        urn = path.urn.lower() if path.urn else self.core
        name = path.attribute.lower()
        found = self.definitions.get(urn, {}).get(name)
        if found is None and urn == self.core:
            found = COMMON.get(name)
        if found is None:
            raise KeyError(f"unknown attribute {path}")
        return (None if urn == self.core else urn), found

    def target(self, path: Path) -> dict[str, Any]:
        """The definition of the innermost attribute ``path`` names (sub-attribute included)."""
        _, definition = self.definition(path)
        if path.sub is None:
            return definition
        sub = _attributes(definition, "subAttributes").get(path.sub.lower())
        if sub is None:
            raise KeyError(f"unknown attribute {path}")
        return sub

    def values(self, resource: Mapping[str, Any], path: Path) -> list[Any]:
        """Every value the path yields (multi-valued and complex parents flattened)."""
        urn, _ = self.definition(path)
        holder = _get(resource, urn) if urn else resource
        if not isinstance(holder, Mapping):
            return []
        return _walk(holder, [path.attribute] + ([path.sub] if path.sub else []))

    def matches(self, node: Node, resource: Mapping[str, Any]) -> bool:
        """Whether ``resource`` satisfies ``node``."""
        if isinstance(node, And):
            return self.matches(node.left, resource) and self.matches(node.right, resource)
        if isinstance(node, Or):
            return self.matches(node.left, resource) or self.matches(node.right, resource)
        if isinstance(node, Not):
            return not self.matches(node.operand, resource)
        if isinstance(node, ValuePath):
            definition = self.target(node.path)
            return any(isinstance(item, Mapping) and _element(definition, node.filter, item)
                       for item in self.values(resource, node.path))  # fmt: skip
        definition = self.target(node.path)
        values = self.values(resource, node.path)
        if isinstance(node, Present):
            return any(_present(v) for v in values)
        return _compare(definition, node, values)

    def select(self, node: Node, resources: Iterable[Mapping[str, Any]]) -> set[str]:
        """The ids of ``resources`` that satisfy ``node``."""
        return {str(r.get("id")) for r in resources if self.matches(node, r)}


def _walk(holder: Any, names: list[str]) -> list[Any]:
    if not names:
        items = holder if isinstance(holder, list) else [holder]
        return [v for v in items if v is not None]
    if isinstance(holder, list):
        return [v for item in holder for v in _walk(item, names)]
    if not isinstance(holder, Mapping):
        return []
    return _walk(_get(holder, names[0]), names[1:])


def _element(parent: Mapping[str, Any], node: Node, item: Mapping[str, Any]) -> bool:
    """``node`` (inside ``[...]``) over one value of the complex ``parent``."""
    if isinstance(node, And):
        return _element(parent, node.left, item) and _element(parent, node.right, item)
    if isinstance(node, Or):
        return _element(parent, node.left, item) or _element(parent, node.right, item)
    if isinstance(node, Not):
        return not _element(parent, node.operand, item)
    if isinstance(node, ValuePath):
        raise FilterSyntaxError("value filters cannot be nested")
    sub = _attributes(parent, "subAttributes").get(node.path.attribute.lower())
    if sub is None:
        raise KeyError(f"unknown sub-attribute {node.path}")
    value = _get(item, node.path.attribute)
    values = [] if value is None else value if isinstance(value, list) else [value]
    if isinstance(node, Present):
        return any(_present(v) for v in values)
    return _compare(sub, node, values)


def _kind(definition: Mapping[str, Any]) -> str:
    return str(_get(definition, "type") or "string")


def _compare(definition: Mapping[str, Any], node: Compare, values: list[Any]) -> bool:
    if _kind(definition) == "complex":
        definition = _attributes(definition, "subAttributes").get("value") or {}
        values = [_get(v, "value") if isinstance(v, Mapping) else v for v in values]
    kind, op, literal = _kind(definition), node.op, node.value
    if op in ORDERING and kind in ("boolean", "binary"):
        raise FilterTypeError(f"{op} is not defined for {kind} attribute {node.path}")
    if literal is None:
        present = any(_present(v) for v in values)
        return present if op == "ne" else not present if op == "eq" else False
    exact = _get(definition, "caseExact") is True
    wanted = _key(kind, exact, literal)
    if op == "ne":
        return not any(_key(kind, exact, v) == wanted for v in values)
    for value in values:
        have = _key(kind, exact, value)
        if have is None or wanted is None or type(have) is not type(wanted):
            continue
        if _holds(op, have, wanted):
            return True
    return False


def _holds(op: str, have: Any, wanted: Any) -> bool:
    if op == "eq":
        return bool(have == wanted)
    if op in SUBSTRING:
        if not isinstance(have, str):
            return False
        return bool(wanted in have if op == "co" else
                    have.startswith(wanted) if op == "sw" else have.endswith(wanted))  # fmt: skip
    return bool({"gt": have > wanted, "ge": have >= wanted, "lt": have < wanted,
                 "le": have <= wanted}[op])  # fmt: skip


def _key(kind: str, exact: bool, value: Any) -> Any:
    """A comparable form of ``value`` for an attribute of ``kind``."""
    if kind == "dateTime":
        return parse_datetime(value)
    if kind in ("integer", "decimal"):
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        return float(value) if numeric else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    if not isinstance(value, str):
        return None
    return value if exact else value.lower()
