"""Filters (RFC 7644 §3.4.2.2, §1.2), data-driven from ``fixtures/filters/*.json``.

Each case is a filter template and the members of a population this module creates (five
Users, three Groups, all named with the run's prefix) that the filter must select, or the
invalidFilter error it must cause. The population is created once per module; every query
pages through all results and keeps only the population's ids, so the expected sets are exact
even on a shared tenant. The population's values are chosen so that common mistakes change
the answer: case-exact externalId values that differ only in case, an empty and an absent
title, a work email at a home domain, timestamps compared across time zones. The population
and its paged queries live in :mod:`scim_tests.filtering`, shared with the property-based
filter checks.
"""

from __future__ import annotations

import re
from datetime import timedelta, timezone
from typing import Any

import pytest

from scim_tests import data
from scim_tests.asserts import assert_scim_error, check
from scim_tests.client import ScimClient
from scim_tests.failures import ConformanceFailure
from scim_tests.filter_eval import parse_datetime, parse_path
from scim_tests.filtering import NUMBERS, Population, query_all
from scim_tests.filtering import filter_population as filter_population  # noqa: F401
from scim_tests.resources import value_of

# -- templates ---------------------------------------------------------------------------

_PLACEHOLDER = re.compile(r"\{([^{}]+)\}")


def _transform(value: Any, operation: str) -> Any:
    name, _, argument = operation.partition(":")
    if name in ("upper", "lower", "swapcase"):
        return getattr(str(value), name)()
    stamp = parse_datetime(value)
    if stamp is None:
        raise ValueError(f"{operation} needs a dateTime, got {value!r}")
    if name == "shift":
        return (stamp + timedelta(seconds=int(argument))).isoformat()
    if name == "tz":
        sign = -1 if argument.startswith("-") else 1
        hours, minutes = (int(p) for p in argument.lstrip("+-").split(":"))
        zone = timezone(sign * timedelta(hours=hours, minutes=minutes))
        return stamp.astimezone(zone).isoformat()
    raise ValueError(f"unknown template operation {operation!r}")


def render_filter(template: str, population: Population) -> str:
    """The filter text with every ``{...}`` placeholder replaced (see the meta-schema)."""

    def replace(match: re.Match[str]) -> str:
        expression, *operations = match.group(1).split("|")
        if expression == "tag":
            return population.tag
        if expression in NUMBERS:
            return population.numbers[expression]
        role, _, path = expression.partition(".")
        value = value_of(population.created[role], path)
        if value is None:
            pytest.skip(f"the server returned no {path} for the population's {role}")
        for operation in operations:
            changed = _transform(value, operation)
            if operation == "swapcase" and changed == value:
                pytest.skip(f"{role}.{path} has no letters whose case could change")
            value = changed
        return str(value)

    return _PLACEHOLDER.sub(replace, template)


# -- the data-driven check -------------------------------------------------------------------


def _skip_unmet(case: data.Case, population: Population) -> None:
    requires = case.group.get("requires") or {}
    if "schema" in requires and requires["schema"].lower() not in (
        e.lower() for e in population.extensions
    ):
        pytest.skip(f"/ResourceTypes does not list {requires['schema']} for User")
    if "type" in requires and requires["type"] not in population.numbers:
        pytest.skip(f"/Schemas declares no writable single-valued {requires['type']} attribute "
                    f"for User, so {requires['type']} filters cannot be tried")  # fmt: skip
    if "attribute" in requires and requires["attribute"].lower() not in population.declared:
        pytest.skip(f"/Schemas declares no User attribute {requires['attribute']}")


def _expected_roles(case: data.Case, population: Population) -> list[str]:
    expect = case.test["expect"]
    conditional = expect.get("if_case_exact")
    if conditional and population.user_typing is not None:
        target = population.user_typing.target(parse_path(conditional["attribute"]))
        if target.get("caseExact") is True:
            return sorted(conditional["members"])
    return sorted(expect["members"])


@pytest.mark.parametrize("case", data.params("filters"))
def test_filter_case(
    scim_client: ScimClient, filter_population: Population, case: data.Case
) -> None:
    """The case's filter selects exactly the expected members of the population (paging
    through every result, ignoring other resources of the tenant), or is refused with 400
    invalidFilter; the catalog ids are those of the case's group."""
    _skip_unmet(case, filter_population)
    endpoint = case.group.get("endpoint", "/Users")
    text = render_filter(case.test["filter"], filter_population)
    requirement = case.requirements
    found, response = query_all(scim_client, endpoint, text, filter_population, requirement)
    expect = case.test["expect"]
    if "error" in expect:
        check(found is None, "A malformed filter was accepted",
              expected=f"400 invalidFilter for filter {text}",
              received=f"{response.status_code}", response=response,
              requirement=requirement)  # fmt: skip
        assert_scim_error(response, 400, "invalidFilter", requirement=requirement)
        return
    if found is None:
        if "or_error" in expect:
            assert_scim_error(response, 400, "invalidFilter", requirement=requirement)
            return
        raise ConformanceFailure(
            f"A valid filter was refused: {text}",
            expected=f"200 ListResponse with {_expected_roles(case, filter_population)}",
            received=f"{response.status_code} {response.text[:300]}",
            exchange=response.exchange, requirements=requirement,
        )  # fmt: skip
    wanted = _expected_roles(case, filter_population)
    received = filter_population.roles(found)
    check(received == wanted, f"The filter selected the wrong resources: {text}",
          expected=f"population members {wanted}", received=f"population members {received}",
          response=response, requirement=requirement)  # fmt: skip
