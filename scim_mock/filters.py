"""SCIM filter evaluation (RFC 7644 §3.4.2.2): schema checks, compilation and the operators.

``compile_filter`` checks a filter AST against the schema registry up front and returns a
predicate over stored resources; ``compile_value_filter`` does the same for the ``[...]`` of a
value path, over one value of a complex attribute. Every problem is reported as
:class:`~scim_mock.errors.InvalidFilter` (HTTP 400, scimType ``invalidFilter``).

The grammar (AST, ``parse_filter``, ``render``) lives in ``filter_parser.py`` and is re-exported
here, so ``scim_mock.filters`` stays the one name callers need for filtering.
"""

from __future__ import annotations

import json
import unicodedata
from collections.abc import Callable
from dataclasses import replace
from typing import TYPE_CHECKING, Any, TypeAlias

from scim_mock.errors import InvalidFilter
from scim_mock.filter_lexer import MAX_FILTER_LENGTH, Value, shorten
from scim_mock.filter_parser import (
    COMPARISON_OPERATORS,
    MAX_DEPTH,
    MAX_TERMS,
    And,
    Comparison,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    filter_attribute_paths,
    parse_filter,
    render,
)
from scim_mock.paths import AttrPath
from scim_mock.schema import Attribute, ResolvedAttribute
from scim_mock.values import fold, is_present, parse_datetime, type_matches, values_at

if TYPE_CHECKING:
    from scim_mock.schema import ResourceType, SchemaRegistry

__all__ = [
    "COMPARISON_OPERATORS", "MAX_DEPTH", "MAX_FILTER_LENGTH", "MAX_TERMS", "And", "Comparison",
    "Filter", "Not", "Or", "Predicate", "Present", "Value", "ValuePath", "compile_filter",
    "compile_value_filter", "evaluate", "filter_attribute_paths", "parse_filter", "render",
]

Predicate: TypeAlias = Callable[[dict[str, Any]], bool]

_ORDERING = ("gt", "ge", "lt", "le")
_SUBSTRING = ("co", "sw", "ew")


# -- compilation ---------------------------------------------------------------------------

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
    if attribute.returned == "never" and op not in ("eq", "ne"):
        # A returned=never value (password) may be matched for equality only, as a hash
        # comparison would (RFC 7643 §4.1.1); substring or ordering matches would let a client
        # read it back a character at a time (§7: never returned, §9.2: never cleartext).
        raise InvalidFilter(f"{op} cannot be applied to {node.path}, which is never returned; "
                            f"only eq and ne compare it")
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
