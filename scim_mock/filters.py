"""SCIM filters (RFC 7644 §3.4.2.2): parser, canonical renderer and evaluator.

``parse_filter`` turns filter text into a small frozen-dataclass AST, ``render`` turns an AST
back into canonical text, and ``compile_filter`` checks an AST against the schema registry up
front and returns a predicate over stored resources. Every problem is reported as
:class:`~scim_mock.errors.InvalidFilter` (HTTP 400, scimType ``invalidFilter``).
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import TYPE_CHECKING, Any, TypeAlias

from scim_mock.errors import InvalidFilter
from scim_mock.filter_lexer import MAX_FILTER_LENGTH, Token, Value, shorten, tokenize
from scim_mock.paths import AttrPath, PathSyntaxError, parse_attr_path
from scim_mock.schema import Attribute, ResolvedAttribute
from scim_mock.values import fold, is_present, parse_datetime, type_matches, values_at

if TYPE_CHECKING:
    from scim_mock.schema import ResourceType, SchemaRegistry

__all__ = [
    "MAX_DEPTH", "MAX_FILTER_LENGTH", "MAX_TERMS", "And", "Comparison", "Filter", "Not", "Or",
    "Present", "Value", "ValuePath", "compile_filter", "compile_value_filter", "evaluate",
    "filter_attribute_paths", "parse_filter", "render",
]

#: Deepest nesting of "(", "not (" and "[" accepted (guards the recursive-descent parser).
MAX_DEPTH = 50
#: Most attribute expressions (comparisons, ``pr``, value paths) in one filter. Logical chains
#: build left-deep trees, so this bounds the height of every AST we hand out and keeps the
#: dataclasses' recursive ``==``/``hash``/``repr`` far from the recursion limit.
MAX_TERMS = 100

COMPARISON_OPERATORS = ("eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le")
_ORDERING = ("gt", "ge", "lt", "le")
_SUBSTRING = ("co", "sw", "ew")


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
Predicate: TypeAlias = Callable[[dict[str, Any]], bool]


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


# -- evaluation ----------------------------------------------------------------------------

#: ``schemas`` is no attribute of any schema, yet clients may filter on it (P-3.4.2.2-23).
SCHEMAS_ATTRIBUTE = Attribute(name="schemas", type="reference", multi_valued=True,
                              mutability="readOnly", returned="always")

Resolver: TypeAlias = Callable[[AttrPath], ResolvedAttribute | None]


def compile_filter(
    node: Filter,
    registry: SchemaRegistry,
    resource_type: ResourceType,
    *,
    unknown_is_unassigned: bool = False,
) -> Predicate:
    """Check ``node`` against ``resource_type``'s schemas and return a predicate over resources.

    Raises InvalidFilter up front for unknown attributes, value filters on non-complex
    attributes, ordering on boolean/binary attributes (P-3.4.2.2-12) and literals that do not
    fit the attribute's type. With ``unknown_is_unassigned`` an unknown attribute is treated as
    unassigned instead, as queries spanning several resource types require (P-3.4.2.1-04).
    """

    def resolve(path: AttrPath) -> ResolvedAttribute | None:
        if path.attribute is None:
            raise InvalidFilter(f"{path} names a schema, not an attribute")
        if (path.urn, path.sub_attribute) == (None, None) and path.attribute.lower() == "schemas":
            return ResolvedAttribute(None, SCHEMAS_ATTRIBUTE)
        resolved = registry.resolve(resource_type, path.attribute, path.sub_attribute, path.urn)
        if resolved is None and not unknown_is_unassigned:
            raise InvalidFilter(f"{resource_type.name} has no attribute {shorten(str(path))!r}")
        return resolved

    return _compile(node, resolve)


def compile_value_filter(node: Filter, attribute: Attribute) -> Predicate:
    """Predicate over one value (a dict) of the complex ``attribute``: the ``[...]`` of a
    value path, also usable for PATCH paths (P-3.4.2.2-15)."""
    if not attribute.is_complex:
        raise InvalidFilter(f"{attribute.name!r} is not complex and takes no value filter")

    def resolve(path: AttrPath) -> ResolvedAttribute:
        sub = None
        if path.urn is None and path.sub_attribute is None and path.attribute is not None:
            sub = attribute.sub_attribute(path.attribute)
        if sub is None:
            raise InvalidFilter(f"{attribute.name!r} has no sub-attribute {shorten(str(path))!r}")
        return ResolvedAttribute(None, sub)  # schema None: values are read from the element

    return _compile(node, resolve, nested=True)


def evaluate(
    node: Filter, resource: dict[str, Any], registry: SchemaRegistry, resource_type: ResourceType
) -> bool:
    """Whether ``resource`` matches ``node`` (compiles first, so it raises the same errors)."""
    return compile_filter(node, registry, resource_type)(resource)


def _compile(node: Filter, resolve: Resolver, nested: bool = False) -> Predicate:
    if isinstance(node, (And, Or)):
        # Flatten the left-deep chain so evaluation does not recurse once per operand.
        parts = [_compile(o, resolve, nested) for o in _operands(node)]
        if isinstance(node, And):
            return lambda resource: all(part(resource) for part in parts)
        return lambda resource: any(part(resource) for part in parts)
    if isinstance(node, Not):
        inner = _compile(node.operand, resolve, nested)
        return lambda resource: not inner(resource)
    if isinstance(node, Present):
        resolved = resolve(node.path)
        if resolved is None:
            return lambda resource: False
        return lambda resource: pr(values_at(resource, resolved))
    if isinstance(node, ValuePath):
        return _compile_value_path(node, resolve, nested)
    return _compile_comparison(node, resolve)


def _operands(node: And | Or) -> list[Filter]:
    """The operands of a left-deep chain of the same logical operator, left to right."""
    operands: list[Filter] = []
    current: Filter = node
    while isinstance(current, type(node)):
        assert isinstance(current, (And, Or))
        operands.append(current.right)
        current = current.left
    operands.append(current)
    return operands[::-1]


def _compile_value_path(node: ValuePath, resolve: Resolver, nested: bool) -> Predicate:
    if nested:
        raise InvalidFilter("value filters cannot be nested")
    if node.path.sub_attribute is not None:
        raise InvalidFilter(f"a value filter applies to a top-level attribute, not {node.path}")
    resolved = resolve(node.path)
    if resolved is None:
        return lambda resource: False
    inner = compile_value_filter(node.filter, resolved.attribute)
    # P-3.4.2.2-15: all conditions in the brackets must hold for the same value.
    return lambda resource: any(
        isinstance(item, dict) and inner(item) for item in values_at(resource, resolved)
    )


def _compile_comparison(node: Comparison, resolve: Resolver) -> Predicate:
    op, literal = node.op, node.value
    if op not in COMPARISON_OPERATORS:
        raise InvalidFilter(f"unknown operator {op!r}")
    resolved = resolve(node.path)
    if resolved is None:  # unassigned: equal to null only, so "ne x" and "eq null" hold
        return lambda resource: (op == "ne") is (literal is not None)
    if literal is None:
        # "eq null" asks for absence and "ne null" for presence of the path as written.
        if op not in ("eq", "ne"):
            raise InvalidFilter(f"null can only be compared with eq or ne, not {op}")
        wanted, named = op == "ne", resolved
        return lambda resource: pr(values_at(resource, named)) is wanted
    if resolved.target.is_complex:
        # RFC 7644 §3.4.2.2 example 'emails co "example.com"': a complex attribute named
        # without a sub-attribute is compared through its "value" sub-attribute.
        value_sub = resolved.attribute.sub_attribute("value")
        if value_sub is None:
            raise InvalidFilter(f"{node.path} is complex and has no 'value' sub-attribute; "
                                f"compare one of its sub-attributes or use pr")
        resolved = replace(resolved, sub_attribute=value_sub)  # keeps schema/extension
    attribute = resolved.target
    _check_literal(node, attribute)
    expected = _text(attribute, literal) if op in _SUBSTRING else _key(attribute, literal)
    operator = OPERATORS[op]
    return lambda resource: operator(attribute, values_at(resource, resolved), expected)


def _check_literal(node: Comparison, attribute: Attribute) -> None:
    kind, op, literal = attribute.type, node.op, node.value
    if op in _ORDERING and kind in ("boolean", "binary"):
        raise InvalidFilter(f"{op} cannot be applied to the {kind} attribute {node.path} "
                            f"(RFC 7644 §3.4.2.2)")
    if op in _SUBSTRING:
        if kind not in ("string", "reference", "binary", "dateTime"):
            raise InvalidFilter(f"{op} needs a string-valued attribute; {node.path} is {kind}")
        if not isinstance(literal, str):
            raise InvalidFilter(f"{op} needs a string value, not {shorten(json.dumps(literal))}")
        return
    if not type_matches(attribute, literal):
        wanted = {"dateTime": "an xsd:dateTime string", "binary": "a base64 string"}
        raise InvalidFilter(f"{node.path} is compared with {shorten(json.dumps(literal))}, "
                            f"which is not {wanted.get(kind, f'a {kind} value')}")


def _text(attribute: Attribute, value: Any) -> str | None:
    """Prepared text: case-folded unless caseExact (P-3.4.2.2-22), NFD-normalized (P-7.8-01)."""
    if not isinstance(value, str):
        return None
    return unicodedata.normalize("NFD", str(fold(attribute, unicodedata.normalize("NFD", value))))


def _key(attribute: Attribute, value: Any) -> Any:
    """A comparable form of ``value`` for ``attribute``'s type, or None when it does not fit."""
    kind = attribute.type
    if kind == "dateTime":  # chronological, not textual (P-3.4.2.2-11)
        return parse_datetime(value) if isinstance(value, str) else None
    if kind in ("integer", "decimal"):
        return value if isinstance(value, (int, float)) and not isinstance(value, bool) else None
    if kind == "boolean":
        return value if isinstance(value, bool) else None
    return _text(attribute, value)


# Operator functions, named after the spec's operators. Each receives every value the path
# yields and is true when ANY of them matches (P-3.4.2.2-18); ``expected`` is precomputed.


def eq(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-05: some value equals the comparison value."""
    return any(_key(attribute, v) == expected for v in values)


def ne(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-06: no value equals it; so an unassigned attribute is ``ne`` anything."""
    return not eq(attribute, values, expected)


def co(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-07: the comparison value is a substring of some value."""
    return any((t := _text(attribute, v)) is not None and expected in t for v in values)


def sw(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-08: some value starts with the comparison value."""
    return any((t := _text(attribute, v)) is not None and t.startswith(expected) for v in values)


def ew(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-09: some value ends with the comparison value."""
    return any((t := _text(attribute, v)) is not None and t.endswith(expected) for v in values)


def gt(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-11: some value orders after the comparison value."""
    return any((k := _key(attribute, v)) is not None and k > expected for v in values)


def ge(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-11: some value orders after or equal to the comparison value."""
    return any((k := _key(attribute, v)) is not None and k >= expected for v in values)


def lt(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-11: some value orders before the comparison value."""
    return any((k := _key(attribute, v)) is not None and k < expected for v in values)


def le(attribute: Attribute, values: list[Any], expected: Any) -> bool:
    """P-3.4.2.2-11: some value orders before or equal to the comparison value."""
    return any((k := _key(attribute, v)) is not None and k <= expected for v in values)


def pr(values: list[Any]) -> bool:
    """P-3.4.2.2-10: some value is non-empty; a complex value needs a non-empty sub-value."""
    return any(
        any(is_present(s) for s in v.values()) if isinstance(v, dict) else is_present(v)
        for v in values
    )


OPERATORS: dict[str, Callable[[Attribute, list[Any], Any], bool]] = {
    "eq": eq, "ne": ne, "co": co, "sw": sw, "ew": ew, "gt": gt, "ge": ge, "lt": lt, "le": le,
}
