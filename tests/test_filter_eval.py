"""Unit tests of the reference filter evaluator (scim_tests/filter_eval.py).

Hand-computed cases, and agreement with every fixture case of fixtures/filters over a
synthetic population shaped like the one test_filter.py creates (typed by the mock's /Schemas).
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_tests import data
from scim_tests.checks.test_filter import _expected_roles, render_filter
from scim_tests.filter_eval import (
    And,
    Compare,
    FilterSyntaxError,
    FilterTypeError,
    Not,
    Or,
    Path,
    Present,
    Typing,
    ValuePath,
    parse,
    render,
)
from scim_tests.filtering import GROUP_ROLES, USER_ROLES, Population, _user_bodies
from scim_tests.resources import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA
from tests.conftest import make_scim

TAG = "scimct-test-flt000000"


@pytest.fixture(scope="module")
def schemas() -> dict[str, Any]:
    body = make_scim().get("/Schemas").get_json()
    return {r["id"].lower(): r for r in body["Resources"]}


@pytest.fixture(scope="module")
def population(schemas: dict[str, Any]) -> Population:
    declared = frozenset(a["name"].lower() for a in schemas[USER_SCHEMA.lower()]["attributes"])
    bodies = _user_bodies(TAG, True, declared)
    stamps = iter(f"2025-01-01T00:00:0{n}Z" for n in range(9))
    population = Population(TAG, extensions=(ENTERPRISE_SCHEMA,), declared=declared)
    for role in USER_ROLES:
        stamp = next(stamps)
        body = {**bodies[role], "id": f"ID-{role}",
                "meta": {"created": stamp, "lastModified": stamp}}  # fmt: skip
        if role == "bravo":
            body[ENTERPRISE_SCHEMA]["manager"] = {"value": "ID-alpha"}
        population.created[role], population.endpoint[role] = body, "/Users"
    groups = {"admins": ("Admins", ["alpha", "bravo"]), "auditors": ("auditors", ["charlie"]),
              "empty": ("empty-crew", [])}  # fmt: skip
    for role, (name, members) in groups.items():
        population.created[role] = {
            "schemas": [GROUP_SCHEMA],
            "id": f"ID-{role}",
            "displayName": f"{TAG}-{name}",
            "members": [{"value": f"ID-{m}"} for m in members],
        }
        population.endpoint[role] = "/Groups"
    population.user_typing = Typing(schemas, USER_SCHEMA, (ENTERPRISE_SCHEMA,))
    population.group_typing = Typing(schemas, GROUP_SCHEMA)
    return population


def test_precedence_and_grouping() -> None:
    a, b, c = (Present(Path(n)) for n in "abc")
    assert parse("a pr or b pr and c pr") == Or(a, And(b, c))
    assert parse("(a pr or b pr) and c pr") == And(Or(a, b), c)
    assert parse("NOT (a PR) AnD b Pr") == And(Not(a), b)


def test_paths_literals_and_value_filters() -> None:
    node = parse('urn:ietf:params:scim:schemas:core:2.0:User:name.givenName eq "x"')
    assert node == Compare(Path("name", "givenName", USER_SCHEMA), "eq", "x")
    assert parse("x gt 1.5") == Compare(Path("x"), "gt", 1.5)
    assert parse("x eq true") == Compare(Path("x"), "eq", True)
    assert parse('emails[type eq "work"]') == ValuePath(
        Path("emails"), Compare(Path("type"), "eq", "work")
    )


@pytest.mark.parametrize("text", ['userName eq', "(", 'userName zz "a"', 'not userName eq "x"',
                                  'userName eq "x', 'emails[type eq "w"', 'a eq "x" and',
                                  'emails[type[value eq "x"]]'])  # fmt: skip
def test_malformed_filters_are_refused(text: str) -> None:
    with pytest.raises(FilterSyntaxError):
        parse(text)


def test_render_round_trips() -> None:
    for text in ['a pr or b pr and c pr', '(a pr or b pr) and c pr', 'not (a eq "x")',
                 'emails[type eq "w" or not (value co "q")] and x gt 2']:  # fmt: skip
        assert parse(render(parse(text))) == parse(text)
        assert parse(render(parse(text), shout=True)) == parse(text)


def test_hand_computed_cases(schemas: dict[str, Any]) -> None:
    typing = Typing(schemas, USER_SCHEMA)
    user = {"id": "u1", "userName": "Bjensen", "externalId": "AbC", "title": "",
            "emails": [{"value": "b@work.example", "type": "home"},
                       {"value": "b@home.example", "type": "work"}],
            "meta": {"created": "2025-01-01T10:00:00Z"}}  # fmt: skip

    def holds(text: str) -> bool:
        return typing.matches(parse(text), user)

    assert holds('username EQ "BJENSEN"') and not holds('externalId eq "abc"')
    assert not holds("title pr") and holds("not (title pr)") and holds("emails pr")
    assert not holds('emails[type eq "work" and value co "@work."]')
    assert holds('emails.type eq "work" and emails.value co "@work."')
    assert holds('meta.created gt "2025-01-01T19:00:00+10:00"')  # 09:00Z
    assert not holds('meta.created gt "2025-01-01T10:00:00Z"')
    assert holds('meta.created ge "2025-01-01T12:00:00+02:00"')
    assert holds('userName gt "BA"') and not holds('userName lt "b"')
    with pytest.raises(FilterTypeError):
        holds("active gt true")


@pytest.mark.parametrize("case", [c for c in data.cases("filters")
                                  if "members" in c.test["expect"]
                                  and not c.group.get("requires", {}).get("type")],
                         ids=lambda c: c.id)  # fmt: skip
def test_evaluator_agrees_with_fixture_expectations(population: Population, case: Any) -> None:
    """Every hand-written expectation matches what the evaluator computes."""
    endpoint = case.group.get("endpoint", "/Users")
    typing = population.user_typing if endpoint == "/Users" else population.group_typing
    assert typing is not None
    roles = USER_ROLES if endpoint == "/Users" else GROUP_ROLES
    text = render_filter(case.test["filter"], population)
    found = typing.select(parse(text), [population.created[r] for r in roles])
    assert population.roles(found) == _expected_roles(case, population), text
