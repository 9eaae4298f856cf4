"""Defects of filtering (RFC 7644 §3.4.2.2).

Each defect breaks the catalog requirements it names, so that ``tests/harness`` can prove the
checks of ``scim_tests/checks/test_filter.py`` and ``test_filter_properties.py`` fail. They wrap
methods of one provider instance: ``_parse`` (to rewrite the filter's syntax tree the way a
faulty parser would), ``_compile`` (to type attributes wrongly) or ``query``; the filter
module's own code is never branched on a fault.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import replace

from scim_mock import filters
from scim_mock.errors import InvalidFilter
from scim_mock.faults import Fault, register
from scim_mock.filter_lexer import tokenize
from scim_mock.paths import AttrPath
from scim_mock.provider import Query, QueryResult, ServiceProvider
from scim_mock.schema import Attribute, ResolvedAttribute, ResourceType

Node = filters.Filter
Rewrite = Callable[[Node], Node]
Adjust = Callable[[AttrPath, ResolvedAttribute], ResolvedAttribute]
KEYWORDS = {*filters.COMPARISON_OPERATORS, "pr", "and", "or", "not"}


# -- helpers --------------------------------------------------------------------------------


def _walk(node: Node, rewrite: Rewrite) -> Node:
    """``node`` rebuilt bottom-up, with ``rewrite`` applied to every sub-tree."""
    if isinstance(node, (filters.And, filters.Or)):
        node = type(node)(_walk(node.left, rewrite), _walk(node.right, rewrite))
    elif isinstance(node, filters.Not):
        node = filters.Not(_walk(node.operand, rewrite))
    elif isinstance(node, filters.ValuePath):
        node = filters.ValuePath(node.path, _walk(node.filter, rewrite))
    return rewrite(node)


def _rewrite_tree(provider: ServiceProvider, rewrite: Rewrite) -> None:
    """Parse as before, then rewrite the tree (chains with earlier wrappers)."""
    previous = provider._parse

    def parse(rts: list[ResourceType], text: str | None) -> Node | None:
        node = previous(rts, text)
        return None if node is None else _walk(node, rewrite)

    provider._parse = parse  # type: ignore[method-assign]


def _retype(provider: ServiceProvider, adjust: Adjust) -> None:
    """Compile filters with attribute definitions changed by ``adjust``."""
    registry = provider.registry

    def compile_(rts: list[ResourceType], node: Node | None) -> dict[str, filters.Predicate]:
        compiled: dict[str, filters.Predicate] = {}
        for rt in rts if node is not None else ():

            def resolve(path: AttrPath, rt: ResourceType = rt) -> ResolvedAttribute | None:
                if path.attribute is None:
                    raise InvalidFilter(f"{path} names a schema, not an attribute")
                if (path.urn, path.sub_attribute, path.attribute.lower()) == (
                    None,
                    None,
                    "schemas",
                ):
                    return adjust(path, ResolvedAttribute(None, filters.SCHEMAS_ATTRIBUTE))
                found = registry.resolve(rt, path.attribute, path.sub_attribute, path.urn)
                if found is None:
                    if len(rts) > 1:
                        return None
                    raise InvalidFilter(f"{rt.name} has no attribute {path}")
                return adjust(path, found)

            assert node is not None
            compiled[rt.name] = filters._compile(node, resolve)
        return compiled

    provider._compile = compile_  # type: ignore[method-assign]


def _all(attribute: Attribute, **changes: object) -> Attribute:
    """``attribute`` and its sub-attributes with ``changes`` applied to string-like ones."""
    subs = tuple(_all(s, **changes) for s in attribute.sub_attributes)
    if attribute.type in ("string", "reference"):
        return replace(attribute, sub_attributes=subs, **changes)  # type: ignore[arg-type]
    return replace(attribute, sub_attributes=subs)


# -- tree rewrites --------------------------------------------------------------------------


def _or_as_and(node: Node) -> Node:
    return filters.And(node.left, node.right) if isinstance(node, filters.Or) else node


def _not_ignored(node: Node) -> Node:
    return node.operand if isinstance(node, filters.Not) else node


def _gt_inclusive(node: Node) -> Node:
    if isinstance(node, filters.Comparison) and node.op in ("gt", "lt"):
        return replace(node, op={"gt": "ge", "lt": "le"}[node.op])
    return node


def _co_as_sw(node: Node) -> Node:
    if isinstance(node, filters.Comparison) and node.op == "co":
        return replace(node, op="sw")
    return node


def _value_path_any_element(node: Node) -> Node:
    """emails[a and b] read as emails[a] and emails[b]: parts may hold for different values."""
    if isinstance(node, filters.ValuePath) and isinstance(node.filter, filters.And):
        inner = node.filter
        return filters.And(filters.ValuePath(node.path, inner.left),
                           filters.ValuePath(node.path, inner.right))  # fmt: skip
    return node


def _pr_counts_empty(provider: ServiceProvider) -> None:
    """``attr pr`` also holds for an empty string (``pr`` read as "the key exists")."""

    def rewrite(node: Node) -> Node:
        if isinstance(node, filters.Present) and node.path.attribute is not None:
            for rt in provider.registry.resource_types():
                found = provider.registry.resolve(
                    rt, node.path.attribute, node.path.sub_attribute, node.path.urn
                )
                if found is not None and found.target.type == "string":
                    empty = filters.Comparison(node.path, "eq", "")
                    return filters.Or(node, empty)
        return node

    _rewrite_tree(provider, rewrite)


class _FlatParser(filters._Parser):
    """``and`` and ``or`` at one precedence level, read left to right."""

    def or_expr(self, inner: bool) -> Node:
        node = self.unary(inner)
        while True:
            if self.keyword("and"):
                node = filters.And(node, self.unary(inner))
            elif self.keyword("or"):
                node = filters.Or(node, self.unary(inner))
            else:
                return node


def _precedence_wrong(provider: ServiceProvider) -> None:
    def parse(rts: list[ResourceType], text: str | None) -> Node | None:
        if text is None:
            return None
        return _FlatParser(text, tuple(u for rt in rts for u in rt.schema_ids)).parse()

    provider._parse = parse  # type: ignore[method-assign]


def _refuse(provider: ServiceProvider, why: Callable[[str], str | None]) -> None:
    """Refuse filters for which ``why(text)`` gives a reason (before the real parse)."""
    previous = provider._parse

    def parse(rts: list[ResourceType], text: str | None) -> Node | None:
        reason = why(text) if text is not None else None
        if reason:
            raise InvalidFilter(reason)
        return previous(rts, text)

    provider._parse = parse  # type: ignore[method-assign]


def _upper_keyword(text: str) -> str | None:
    for token in tokenize(text):
        if (
            token.kind == "word"
            and token.text.lower() in KEYWORDS
            and token.text.islower() is False
        ):
            return f"unknown operator {token.text!r}"
    return None


def _urn_path(text: str) -> str | None:
    for token in tokenize(text):
        if token.kind == "word" and token.text.lower().startswith("urn:"):
            return "URN-qualified attribute paths are not supported"
    return None


def _attribute_case(path: AttrPath, found: ResolvedAttribute) -> ResolvedAttribute:
    named = [(path.attribute, found.attribute)]
    if found.sub_attribute is not None:
        named.append((path.sub_attribute, found.sub_attribute))
    for written, attribute in named:
        if written is not None and written != attribute.name:
            raise InvalidFilter(f"unknown attribute {written!r}")
    return found


def _invalid_returns_empty(provider: ServiceProvider) -> None:
    previous = provider.query

    def query(rts: object, parameters: Query) -> QueryResult:
        try:
            return previous(rts, parameters)  # type: ignore[arg-type]
        except InvalidFilter:
            return QueryResult([], 0, 1, 0)

    provider.query = query  # type: ignore[method-assign,assignment]


# -- registry -------------------------------------------------------------------------------

_SAME = "P-3.4.2.2-22"
register(Fault(
    "filter-case-sensitive-strings", (_SAME,),
    "String comparisons ignore caseExact=false: every string compares exactly.",
    provider=lambda p: _retype(p, lambda path, found: replace(
        found, attribute=_all(found.attribute, case_exact=True),
        sub_attribute=found.sub_attribute and _all(found.sub_attribute, case_exact=True))),
))  # fmt: skip
register(Fault("filter-or-as-and", ("P-3.4.2.2-13",), "'or' is evaluated as 'and'.",
               provider=lambda p: _rewrite_tree(p, _or_as_and)))  # fmt: skip
register(Fault("filter-not-ignored", ("P-3.4.2.2-13",), "'not (x)' is evaluated as 'x'.",
               provider=lambda p: _rewrite_tree(p, _not_ignored)))  # fmt: skip
register(Fault("filter-precedence-wrong", ("P-3.4.2.2-17",),
               "'and' and 'or' share one precedence: a or b and c is (a or b) and c.",
               provider=_precedence_wrong))  # fmt: skip
register(
    Fault(
        "filter-pr-counts-empty",
        ("P-3.4.2.2-10",),
        "'pr' holds for an empty string value.",
        provider=_pr_counts_empty,
    )
)
register(Fault("filter-valuepath-any-element", ("P-3.4.2.2-15", "P-3.4.2.2-18"),
               "The conditions of attr[a and b] may be met by different values.",
               provider=lambda p: _rewrite_tree(p, _value_path_any_element)))  # fmt: skip
register(Fault(
    "filter-datetime-as-string", ("P-3.4.2.2-11",),
    "dateTime values are compared as text, not chronologically.",
    provider=lambda p: _retype(p, lambda path, found: replace(
        found, sub_attribute=replace(found.sub_attribute, type="string", case_exact=True))
        if found.sub_attribute is not None and found.sub_attribute.type == "dateTime"
        else found),
))  # fmt: skip
register(Fault("filter-gt-inclusive", ("P-3.4.2.2-11",), "gt and lt include equal values.",
               provider=lambda p: _rewrite_tree(p, _gt_inclusive)))  # fmt: skip
register(Fault("filter-co-as-sw", ("P-3.4.2.2-07",), "'co' only matches at the start.",
               provider=lambda p: _rewrite_tree(p, _co_as_sw)))  # fmt: skip
register(Fault("filter-invalid-returns-empty", ("P-3.4.2.2-04",),
               "Invalid filters answer 200 with no results instead of 400 invalidFilter.",
               provider=_invalid_returns_empty))  # fmt: skip
register(Fault("filter-urn-unsupported", ("P-3.4.2.2-16",),
               "URN-qualified attribute paths are refused with invalidFilter.",
               provider=lambda p: _refuse(p, _urn_path)))  # fmt: skip
register(Fault("filter-operator-case-sensitive", ("P-3.4.2.2-03",),
               "Operators and logical words are only recognised in lower case.",
               provider=lambda p: _refuse(p, _upper_keyword)))  # fmt: skip
register(Fault("filter-attribute-case-sensitive", ("P-3.4.2.2-03",),
               "Attribute names in filters must match the schema's spelling exactly.",
               provider=lambda p: _retype(p, _attribute_case)))  # fmt: skip
