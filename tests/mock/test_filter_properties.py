"""Filter properties (Hypothesis): any text parses or raises invalidFilter, rendering
round-trips every AST, and compiled filters raise only invalidFilter and return bools.
"""

from __future__ import annotations

from typing import Any

from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scim_mock.errors import InvalidFilter
from scim_mock.filters import (
    And,
    Comparison,
    Filter,
    Not,
    Or,
    Present,
    ValuePath,
    compile_filter,
    parse_filter,
    render,
)
from scim_mock.paths import AttrPath
from scim_mock.schema import ENTERPRISE_USER, USER
from tests.mock.filter_samples import USERS, registry, user_type

TOKENS = [
    "(", ")", "[", "]", " ", "not", "NOT", "and", "or", "Or", "eq", "ne", "co", "sw", "ew", "gt",
    "pr", "userName", "emails", "name.givenName", '"x"', '"', "\\", '"\\u00e9"', "1", "-1.5e3",
    "true", "null", "tru", f"{USER}:userName", f"{ENTERPRISE_USER}:manager", ".value", "type",
    "emails[", "]", "$ref", "urn:", "::", "0x", "é", "\x00",
]
filter_soup = st.lists(st.sampled_from(TOKENS), max_size=25).flatmap(
    lambda parts: st.sampled_from([" ", ""]).map(lambda sep: sep.join(parts))
)


@settings(max_examples=300, deadline=None)
@given(st.one_of(st.text(max_size=60), filter_soup))
def test_parse_filter_raises_only_invalid_filter(text: str) -> None:
    """Any text either parses (and then round-trips) or raises InvalidFilter."""
    try:
        node = parse_filter(text)
    except InvalidFilter:
        return
    assert parse_filter(render(node)) == node


def _user_paths() -> tuple[list[AttrPath], list[tuple[AttrPath, list[str]]]]:
    plain: list[AttrPath] = []
    complex_: list[tuple[AttrPath, list[str]]] = []
    for resolved in registry().attributes_of(user_type()):
        attribute = resolved.attribute
        urn = resolved.schema if resolved.is_extension else None
        plain.append(AttrPath(urn, attribute.name))
        if resolved.schema is not None:
            plain.append(AttrPath(resolved.schema, attribute.name))
        for sub in attribute.sub_attributes:
            plain.append(AttrPath(urn, attribute.name, sub.name))
        if attribute.is_complex:
            subs = [s.name for s in attribute.sub_attributes]
            complex_.append((AttrPath(urn, attribute.name), subs))
    return plain, complex_


PLAIN_PATHS, COMPLEX_PATHS = _user_paths()
values = st.one_of(
    st.none(), st.booleans(), st.integers(-(10**18), 10**18),
    st.floats(allow_nan=False, allow_infinity=False), st.text(max_size=12),
)
operators = st.sampled_from(["eq", "ne", "co", "sw", "ew", "gt", "ge", "lt", "le"])


def _logic(leaves: st.SearchStrategy[Filter]) -> st.SearchStrategy[Filter]:
    return st.recursive(
        leaves,
        lambda kids: st.one_of(st.builds(And, kids, kids), st.builds(Or, kids, kids),
                               st.builds(Not, kids)),
        max_leaves=6,
    )


def _attr_exprs(paths: st.SearchStrategy[AttrPath]) -> st.SearchStrategy[Filter]:
    return st.one_of(st.builds(Present, paths), st.builds(Comparison, paths, operators, values))


@st.composite
def value_paths(draw: st.DrawFn) -> Filter:
    path, subs = draw(st.sampled_from(COMPLEX_PATHS))
    inner = _logic(_attr_exprs(st.sampled_from([AttrPath(None, s) for s in subs])))
    return ValuePath(path, draw(inner))


asts = _logic(st.one_of(_attr_exprs(st.sampled_from(PLAIN_PATHS)), value_paths()))


@settings(max_examples=300, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(asts)
def test_render_then_parse_round_trips(node: Filter) -> None:
    """parse(render(ast)) == ast, and render is a fixed point after one round trip."""
    text = render(node)
    parsed = parse_filter(text)
    assert parsed == node
    assert repr(parsed) == repr(node)
    assert render(parsed) == text
    assert parse_filter(text, registry().known_urns(user_type())) == node


@settings(max_examples=100, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(asts, st.sampled_from(USERS))
def test_compiled_filters_raise_only_invalid_filter_and_return_bools(
    node: Filter, user: dict[str, Any]
) -> None:
    try:
        predicate = compile_filter(node, registry(), user_type())
    except InvalidFilter:
        return
    assert predicate(user) in (True, False)
    if not isinstance(node, Not):
        assert compile_filter(Not(node), registry(), user_type())(user) is not predicate(user)
