"""Differential filter testing (RFC 7644 §3.4.2.2) with Hypothesis.

Random valid filters over the population of :mod:`scim_tests.filtering` (comparisons
of every operator that suits each attribute's type, ``pr``, ``and``/``or``/``not`` with
grouping, value paths on emails, URN-qualified and case-scrambled names), with literals drawn
from the population's own values so results are not trivially empty. Each filter is sent to
the server (every page read, results intersected with the population) and compared with our
reference evaluator (:mod:`scim_tests.filter_eval`) run over the population as the server
returns it. Hypothesis shrinks a mismatch to a minimal filter, which the failure names.
Examples are seeded and bounded by the scim-* Hypothesis profiles (scim-ci by default).

Only comparisons whose meaning the RFC settles are generated: ``ne`` and ordering only on
attributes every member has (single-valued), no empty literals, no ordering of caseExact or
multi-valued strings.
"""

from __future__ import annotations

import warnings
from datetime import timedelta, timezone
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from scim_tests.client import ScimClient
from scim_tests.failures import ConformanceFailure
from scim_tests.filter_eval import (
    And,
    Compare,
    Node,
    Not,
    Or,
    Path,
    Present,
    ValuePath,
    parse_datetime,
    render,
)
from scim_tests.filtering import USER_ROLES, Population, query_all
from scim_tests.filtering import filter_population as filter_population  # noqa: F401
from scim_tests.markers import requirement
from scim_tests.resources import ENTERPRISE_SCHEMA, USER_SCHEMA

REQUIREMENTS = ("P-3.4.2.2-13", "P-3.4.2.2-17", "P-3.4.2.2-18", "P-3.4.2.2-22")
#: Answers by filter text, for this module's population (the run-unique tag is in most texts).
_ANSWERS: dict[str, tuple[set[str] | None, Any]] = {}
ORDER, TEXT = ("gt", "ge", "lt", "le"), ("co", "sw", "ew")
#: attribute -> (operators, how literals vary: "fold" (caseExact false), "exact", "bool",
#: "time"); ``ne``/ordering only where every member has exactly one value.
USER_LEAVES: dict[str, tuple[tuple[str, ...], str]] = {
    "userName": (("eq", "ne", *TEXT, *ORDER, "pr"), "fold"),
    "name.givenName": (("eq", "ne", *TEXT, *ORDER, "pr"), "fold"),
    "name.familyName": (("eq", "ne", *TEXT, "pr"), "fold"),
    "externalId": (("eq", "ne", *TEXT, "pr"), "exact"),
    "title": (("eq", *TEXT, "pr"), "fold"),
    "active": (("eq", "ne"), "bool"),
    "emails.value": (("eq", *TEXT, "pr"), "fold"),
    "emails.type": (("eq", "pr"), "fold"),
    "emails.primary": (("eq",), "bool"),
    "emails": (("pr", "co"), "fold"),
    "name": (("pr",), "fold"),
    "meta.created": (ORDER, "time"),
    "meta.lastModified": (ORDER, "time"),
}
ENTERPRISE_LEAVES: dict[str, tuple[tuple[str, ...], str]] = {
    "department": (("eq", *TEXT, "pr"), "fold"),
    "employeeNumber": (("eq", "pr"), "fold"),
    "manager.value": (("eq", "pr"), "exact"),
}
EMAIL_LEAVES: dict[str, tuple[tuple[str, ...], str]] = {
    "type": (("eq", "ne"), "fold"),
    "value": (("eq", "ne", *TEXT, "pr"), "fold"),
    "primary": (("eq", "ne"), "bool"),
}


def _spelled(draw: st.DrawFn, name: str) -> str:
    return draw(st.sampled_from((name, name.upper(), name.lower())))


def _literal(draw: st.DrawFn, op: str, style: str, values: list[Any]) -> Any:
    if style == "bool":
        return draw(st.booleans())
    value = draw(st.sampled_from(values))
    if style == "time":
        stamp = parse_datetime(value)
        assert stamp is not None
        shift = draw(st.sampled_from((0, 0, -3600, 3600)))
        offset = draw(st.sampled_from((0, 14, -12, 5)))
        moved = (stamp + timedelta(seconds=shift)).astimezone(timezone(timedelta(hours=offset)))
        return moved.isoformat()
    text = str(value)
    if op in TEXT:
        start = draw(st.integers(0, len(text) - 1)) if op != "sw" else 0
        end = draw(st.integers(start + 1, len(text))) if op != "ew" else len(text)
        text = text[start:end]
    if style == "fold":
        text = draw(st.sampled_from((text, text.upper(), text.lower())))
    elif op in ("eq", "ne"):
        text = draw(st.sampled_from((text, text, text.swapcase())))
    return text


@st.composite
def _leaf(draw: st.DrawFn, population: Population, resources: list[dict[str, Any]]) -> Node:
    typing = population.user_typing
    assert typing is not None
    leaves = [(USER_SCHEMA, name, spec) for name, spec in USER_LEAVES.items()]
    if any(e.lower() == ENTERPRISE_SCHEMA.lower() for e in population.extensions):
        leaves += [(ENTERPRISE_SCHEMA, name, spec) for name, spec in ENTERPRISE_LEAVES.items()]
    if "profileurl" in population.declared:
        leaves.append((USER_SCHEMA, "profileUrl", (("eq", "sw", "pr"), "exact")))
    urn, name, (operators, style) = draw(st.sampled_from(leaves))
    attribute, _, sub = name.partition(".")
    common = name.startswith("meta") or name == "externalId"  # not in the core schema
    qualified = urn if urn != USER_SCHEMA or (not common and draw(st.booleans())) else None
    path = Path(_spelled(draw, attribute), _spelled(draw, sub) if sub else None, qualified)
    op = draw(st.sampled_from(operators))
    if op == "pr":
        return Present(path)
    values = [v for r in resources for v in typing.values(r, path)]
    if name in ("emails", "name"):
        values = [v.get("value") for v in values if isinstance(v, dict) and v.get("value")]
    values = [v for v in values if v not in ("", None)]
    if not values:
        return Present(path)
    return Compare(path, op, _literal(draw, op, style, values))


@st.composite
def _email_filter(draw: st.DrawFn, resources: list[dict[str, Any]]) -> Node:
    def inner_leaf() -> st.SearchStrategy[Node]:
        @st.composite
        def build(draw: st.DrawFn) -> Node:
            name, (operators, style) = draw(st.sampled_from(list(EMAIL_LEAVES.items())))
            op = draw(st.sampled_from(operators))
            path = Path(_spelled(draw, name))
            if op == "pr":
                return Present(path)
            values = [e.get(name) for r in resources for e in r.get("emails") or []
                      if isinstance(e, dict) and e.get(name) not in (None, "")]  # fmt: skip
            return Compare(path, op, _literal(draw, op, style, values))

        return build()

    inner = draw(st.recursive(inner_leaf(), _combine, max_leaves=3))
    return ValuePath(Path(_spelled(draw, "emails")), inner)


def _combine(children: st.SearchStrategy[Node]) -> st.SearchStrategy[Node]:
    return st.one_of(
        st.builds(And, children, children),
        st.builds(Or, children, children),
        st.builds(Not, children),
    )


def filters(population: Population, resources: list[dict[str, Any]]) -> st.SearchStrategy[Node]:
    """Random valid filter ASTs over the population's User attributes and values."""
    leaf = st.one_of(_leaf(population, resources), _email_filter(resources))
    return st.recursive(leaf, _combine, max_leaves=5)


def _disagreement(title: str, expected: str, received: str, response: Any) -> ConformanceFailure:
    """The failure to raise; also loads Hypothesis' patch writer quietly first.

    Hypothesis imports ``hypothesis.extra._patching`` (and libcst) when reporting a failing
    example; libcst warns a DeprecationWarning at import, which a ``-W error`` run turns into
    an internal error. Importing it here, with warnings silenced, costs time only on failure.
    """
    with warnings.catch_warnings():
        warnings.simplefilter("ignore")
        try:
            import hypothesis.extra._patching  # noqa: F401
        except ImportError:
            pass
    return ConformanceFailure(title, expected=expected, received=received,
                              exchange=response.exchange, requirements=REQUIREMENTS)  # fmt: skip


@pytest.mark.scim_feature("filter")
@requirement(*REQUIREMENTS)
@settings(phases=(Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink))  # no "explain"
@given(data=st.data())
def test_filter_results_agree_with_reference_evaluator(
    scim_discovery_client: ScimClient, filter_population: Population, data: st.DataObject
) -> None:
    """For random valid filters, the population members the server returns are exactly those
    our reference evaluator selects over the same resources (P-3.4.2.2-13, -17, -18, -22)."""
    population = filter_population
    users = [population.created[r] for r in USER_ROLES]
    node = data.draw(filters(population, users), label="filter AST")
    text = render(node, shout=data.draw(st.booleans(), label="upper-case operators"))
    assert population.user_typing is not None
    wanted = population.roles(population.user_typing.select(node, users))
    if text not in _ANSWERS:  # shrinking retries the same filters; ask the server once
        _ANSWERS[text] = query_all(scim_discovery_client, "/Users", text, population,
                                   REQUIREMENTS)  # fmt: skip
    found, response = _ANSWERS[text]
    if found is None:
        raise _disagreement(
            f"A valid filter was refused: {text}",
            f"200 ListResponse with population members {wanted}",
            f"{response.status_code} {response.text[:300]}",
            response,
        )
    received = population.roles(found)
    if received != wanted:
        raise _disagreement(
            f"The server and the reference evaluator disagree on filter: {text}",
            f"population members {wanted}",
            f"population members {received}",
            response,
        )
