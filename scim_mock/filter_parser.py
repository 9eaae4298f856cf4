"""The SCIM filter grammar (RFC 7644 §3.4.2.2) and the PATCH ``path`` built on it (§3.5.2).

``parse_filter`` turns filter text into a small frozen-dataclass AST, ``render`` turns an AST
back into canonical text. ``parse_patch_path`` reads a PATCH path, whose ``valuePath`` is the
filter grammar's ``attrPath "[" valFilter "]"`` plus an optional ``subAttr``. This module knows
syntax only; ``filters.py`` checks an AST against the schemas and evaluates it. Syntax errors in
a filter raise :class:`~scim_mock.errors.InvalidFilter`; a malformed PATCH path outside its
brackets raises :class:`~scim_mock.paths.PathSyntaxError`.
"""

from __future__ import annotations

import json
import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TypeAlias

from scim_mock.errors import InvalidFilter
from scim_mock.filter_lexer import Token, Value, shorten, tokenize
from scim_mock.paths import ATTRNAME, AttrPath, PathSyntaxError, parse_attr_path

__all__ = [
    "COMPARISON_OPERATORS", "MAX_DEPTH", "MAX_TERMS", "And", "Comparison", "Filter", "Not", "Or",
    "PatchPath", "Present", "ValuePath", "filter_attribute_paths", "parse_filter",
    "parse_patch_path", "render",
]

#: Deepest nesting of "(", "not (" and "[" accepted (guards the recursive-descent parser).
MAX_DEPTH = 50
#: Most attribute expressions (comparisons, ``pr``, value paths) in one filter. Logical chains
#: build left-deep trees, so this bounds the height of every AST we hand out and keeps the
#: dataclasses' recursive ``==``/``hash``/``repr`` far from the recursion limit.
MAX_TERMS = 100

COMPARISON_OPERATORS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")


@dataclass(frozen=True)
class Comparison:
    """``attrPath compareOp compValue``; ``op`` is lower-case."""

    path: AttrPath
    op: str
    value: Value


@dataclass(frozen=True)
class Present:
    """``attrPath pr``."""

    path: AttrPath


@dataclass(frozen=True)
class And:
    """``left and right``."""

    left: Filter
    right: Filter


@dataclass(frozen=True)
class Or:
    """``left or right``."""

    left: Filter
    right: Filter


@dataclass(frozen=True)
class Not:
    """``not (operand)``."""

    operand: Filter


@dataclass(frozen=True)
class ValuePath:
    """``attrPath[valFilter]``; paths inside ``filter`` name sub-attributes of ``path``."""

    path: AttrPath
    filter: Filter


Filter: TypeAlias = Comparison | Present | And | Or | Not | ValuePath


# -- parsing -------------------------------------------------------------------------------


def parse_filter(text: str, known_urns: Iterable[str] = ()) -> Filter:
    """Parse filter text (RFC 7644 §3.4.2.2 ABNF; P-3.4.2.2-04, -16, -17, -21).

    Operators and ``and``/``or``/``not`` are case-insensitive (P-3.4.2.2-03); ``not`` binds
    tighter than ``and``, which binds tighter than ``or``; both are left-associative.
    """
    return _Parser(text, tuple(known_urns)).parse()


class _Parser:
    """Recursive descent over the token list; recursion depth is bounded by MAX_DEPTH."""

    def __init__(self, text: str, known_urns: tuple[str, ...]) -> None:
        self.tokens = tokenize(text)
        self.index = 0
        self.depth = 0
        self.terms = 0
        self.known_urns = known_urns

    def parse(self) -> Filter:
        node = self.or_expr(inner=False)
        token = self.peek()
        if token.kind != "end":
            raise InvalidFilter(f"expected 'and', 'or' or the end of the filter, "
                                f"found {token.describe()}")
        return node

    def peek(self) -> Token:
        return self.tokens[self.index]

    def advance(self) -> Token:
        token = self.tokens[self.index]
        if token.kind != "end":
            self.index += 1
        return token

    def keyword(self, word: str) -> bool:
        token = self.peek()
        if token.kind == "word" and token.text.lower() == word:
            self.index += 1
            return True
        return False

    def or_expr(self, inner: bool) -> Filter:
        node = self.and_expr(inner)
        while self.keyword("or"):
            node = Or(node, self.and_expr(inner))
        return node

    def and_expr(self, inner: bool) -> Filter:
        node = self.unary(inner)
        while self.keyword("and"):
            node = And(node, self.unary(inner))
        return node

    def unary(self, inner: bool) -> Filter:
        token = self.peek()
        if token.kind == "word" and token.text.lower() == "not":
            self.advance()
            if self.peek().kind != "(":
                found = self.peek().describe()
                raise InvalidFilter(f"'not' must be followed by '(', found {found}")
            return Not(self.group(inner, "(", ")"))
        if token.kind == "(":
            return self.group(inner, "(", ")")
        if token.kind == "word":
            return self.attr_expr(inner)
        raise InvalidFilter(f"expected an attribute path, 'not' or '(', found {token.describe()}")

    def group(self, inner: bool, opening: str, closing: str) -> Filter:
        start = self.advance()
        self.depth += 1
        if self.depth > MAX_DEPTH:
            raise InvalidFilter(f"the filter nests deeper than {MAX_DEPTH} levels "
                                f"(at column {start.start + 1})")
        node = self.or_expr(inner)
        end = self.advance()
        if end.kind != closing:
            raise InvalidFilter(f"expected {closing!r} to close {opening!r} at column "
                                f"{start.start + 1}, found {end.describe()}")
        self.depth -= 1
        return node

    def attr_expr(self, inner: bool) -> Filter:
        token = self.advance()
        path = self.path(token, inner)
        self.terms += 1
        if self.terms > MAX_TERMS:
            raise InvalidFilter(f"the filter has more than {MAX_TERMS} attribute expressions")
        follower = self.peek()
        if follower.kind == "[":
            return self.value_path(token, path, inner)
        operator = self.advance()
        op = operator.text.lower() if operator.kind == "word" else ""
        if op == "pr":
            return Present(path)
        if op not in COMPARISON_OPERATORS:
            # P-3.4.2.2-21: an unknown operator is refused with invalidFilter.
            raise InvalidFilter(f"expected an operator (eq, ne, co, sw, ew, gt, ge, lt, le, pr) "
                                f"after {shorten(token.text)!r}, found {operator.describe()}")
        return Comparison(path, op, self.comp_value(token, op))

    def path(self, token: Token, inner: bool) -> AttrPath:
        try:
            path = parse_attr_path(token.text, self.known_urns)
        except PathSyntaxError:
            raise InvalidFilter(f"invalid attribute path {token.describe()}") from None
        if path.attribute is None:
            raise InvalidFilter(f"{token.describe()} names a schema, not an attribute")
        if inner and (path.urn is not None or path.sub_attribute is not None):
            raise InvalidFilter(f"inside a value filter name a sub-attribute without a URN "
                                f"or dots; found {token.describe()}")
        return path

    def value_path(self, token: Token, path: AttrPath, inner: bool) -> Filter:
        bracket = self.peek()
        if inner:
            raise InvalidFilter(f"value filters cannot be nested (column {bracket.start + 1})")
        if bracket.start != token.end:
            raise InvalidFilter(f"'[' must follow the attribute name directly (column "
                                f"{bracket.start + 1})")
        if path.sub_attribute is not None:
            raise InvalidFilter(f"a value filter applies to a top-level attribute, not "
                                f"{shorten(token.text)!r}")
        node = ValuePath(path, self.group(True, "[", "]"))
        after, closing = self.peek(), self.tokens[self.index - 1]
        if after.kind == "word" and after.text.startswith(".") and after.start == closing.end:
            raise InvalidFilter(f"a sub-attribute after ']' ({after.describe()}) is only "
                                f"allowed in PATCH paths, not in filters")
        return node

    def comp_value(self, token: Token, op: str) -> Value:
        value = self.advance()
        if value.kind != "value":
            raise InvalidFilter(f"expected a value (JSON string, number, true, false or null) "
                                f"after {shorten(token.text)!r} {op}, found {value.describe()}")
        return value.value


# -- rendering -----------------------------------------------------------------------------


def render(node: Filter) -> str:
    """Canonical text for ``node``: lower-case operators, JSON literals, minimal parentheses.

    ``parse_filter(render(node)) == node`` for every AST whose numbers are finite.
    """
    if isinstance(node, Comparison):
        literal = json.dumps(node.value, ensure_ascii=False, allow_nan=False)
        return f"{node.path} {node.op} {literal}"
    if isinstance(node, Present):
        return f"{node.path} pr"
    if isinstance(node, Not):
        return f"not ({render(node.operand)})"
    if isinstance(node, ValuePath):
        return f"{node.path}[{render(node.filter)}]"
    # Left-assoc chains: the left operand needs parentheses only when it binds more loosely,
    # the right one also when it binds equally (otherwise it would re-associate to the left).
    level = _precedence(node)
    word = "and" if isinstance(node, And) else "or"
    left, right = render(node.left), render(node.right)
    if _precedence(node.left) < level:
        left = f"({left})"
    if _precedence(node.right) <= level:
        right = f"({right})"
    return f"{left} {word} {right}"


def _precedence(node: Filter) -> int:
    return 1 if isinstance(node, Or) else 2 if isinstance(node, And) else 3


def filter_attribute_paths(node: Filter) -> list[AttrPath]:
    """Every top-level attribute path in ``node``, in order of first appearance.

    A value path contributes its outer path only; the names inside the brackets are relative.
    """
    found: list[AttrPath] = []
    stack: list[Filter] = [node]
    while stack:
        current = stack.pop()
        if isinstance(current, (And, Or)):
            stack.extend((current.right, current.left))
        elif isinstance(current, Not):
            stack.append(current.operand)
        elif current.path not in found:
            found.append(current.path)
    return found


# -- PATCH paths ---------------------------------------------------------------------------


@dataclass(frozen=True)
class PatchPath:
    """A PATCH path: an attribute path, an optional value filter, an optional sub-attribute.

    With a value filter, ``attr`` has no sub-attribute and ``sub_attribute`` is the one after the
    closing bracket (``emails[type eq "work"].value``).
    """

    attr: AttrPath
    value_filter: Filter | None = None
    sub_attribute: str | None = None

    def __str__(self) -> str:
        if self.value_filter is None:
            return str(self.attr)
        text = f"{self.attr}[{render(self.value_filter)}]"
        return f"{text}.{self.sub_attribute}" if self.sub_attribute else text


def parse_patch_path(text: str, known_urns: Iterable[str] = ()) -> PatchPath:
    """Parse a PATCH ``path`` (RFC 7644 §3.5.2): attrPath, or valuePath with optional subAttr."""
    if not isinstance(text, str):
        raise PathSyntaxError("path must be a string")
    known_urns = tuple(known_urns)
    if "[" not in text:
        return PatchPath(parse_attr_path(text, known_urns))
    head, _, tail = text.partition("[")
    close = _closing_bracket(tail)
    if close < 0:
        raise PathSyntaxError(f"unbalanced brackets in path {text!r}")
    inner, after = tail[:close], tail[close + 1 :]
    attr = parse_attr_path(head, known_urns)
    if attr.attribute is None or attr.sub_attribute is not None:
        raise PathSyntaxError(f"a value filter must follow a top-level attribute in {text!r}")
    sub: str | None = None
    if after:
        match = re.fullmatch(rf"\.({ATTRNAME})", after)
        if match is None:
            raise PathSyntaxError(f"unexpected text after value filter in {text!r}")
        sub = match.group(1)
    # A malformed filter inside the brackets raises InvalidFilter (RFC 7644 §3.12 lists
    # invalidFilter for PATCH path filters).
    return PatchPath(attr, parse_filter(inner), sub)


def _closing_bracket(text: str) -> int:
    """Index of the "]" that closes a value filter, skipping brackets inside string literals."""
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "[":
            return -1  # RFC 7644 §3.4.2.2: value filters do not nest
        elif char == "]":
            return index
    return -1
