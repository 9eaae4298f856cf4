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
from scim_tests.markers import requirement
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


# -- unassigned values and malformed filters ---------------------------------------------------

#: A value comparison needs a value: charlie has no title and bravo an empty one, so neither is
#: ever selected by these (P-3.4.2.2-07/-08/-09/-11; RFC 7643 §2.5 for the unassigned state).
_COMPARISONS = {"sw": ("T", "P-3.4.2.2-08"), "co": ("u", "P-3.4.2.2-07"),
                "ew": ("e", "P-3.4.2.2-09"), "gt": ("A", "P-3.4.2.2-11")}  # fmt: skip


@pytest.mark.parametrize("op", sorted(_COMPARISONS))
@requirement("P-3.4.2.2-07", "P-3.4.2.2-08", "P-3.4.2.2-09", "P-3.4.2.2-11")
def test_value_comparisons_never_select_unassigned_attributes(
    scim_client: ScimClient, filter_population: Population, op: str
) -> None:
    """``title sw|co|ew|gt "<value>"`` never selects a user whose title is absent or empty:
    there is no value to compare (P-3.4.2.2-07, -08, -09, -11)."""
    value, requirement = _COMPARISONS[op]
    text = f'title {op} "{value}" and userName sw "{filter_population.tag}"'
    found, response = query_all(scim_client, "/Users", text, filter_population, requirement)
    if found is None:
        raise ConformanceFailure(f"A valid filter was refused: {text}", expected="200",
                                 received=f"{response.status_code} {response.text[:300]}",
                                 exchange=response.exchange, requirements=requirement)  # fmt: skip
    selected = filter_population.roles(found)
    check("charlie" not in selected and "bravo" not in selected,
          f"The filter selected users without a title: {text}",
          expected="neither charlie (no title) nor bravo (empty title)",
          received=f"population members {selected}", response=response,
          requirement=requirement)  # fmt: skip


@requirement("P-3.4.2.2-16", "C-2.5-01")
def test_eq_null_selects_unassigned_attributes(
    scim_client: ScimClient, filter_population: Population
) -> None:
    """``title eq null`` selects the user without a title and none of those with one: null
    is a literal of the grammar (P-3.4.2.2-16) and the null and unassigned states are the
    same (C-2.5-01). A provider that refuses null comparisons is skipped here."""
    text = f'title eq null and userName sw "{filter_population.tag}"'
    found, response = query_all(scim_client, "/Users", text, filter_population, "C-2.5-01")
    if found is None:
        pytest.skip(f"the provider refuses {text!r} ({response.status_code})")
    selected = filter_population.roles(found)
    titled = {"alpha", "delta", "echo"} & set(selected)
    check("charlie" in selected and not titled, f"'eq null' selected the wrong users: {text}",
          expected="charlie (no title), not alpha, delta or echo (titled)",
          received=f"population members {selected}", response=response,
          requirement="C-2.5-01")  # fmt: skip


@pytest.mark.parametrize("tail", ['"extra"', "extra", "true"], ids=["string", "word", "literal"])
@requirement("P-3.4.2.2-04")
def test_trailing_text_after_a_filter_is_invalid(
    scim_client: ScimClient, filter_population: Population, tail: str
) -> None:
    """A complete expression followed by a stray value or word is not a filter: 400
    invalidFilter, never a silently truncated query (P-3.4.2.2-04)."""
    text = f'userName sw "{filter_population.tag}" {tail}'
    found, response = query_all(scim_client, "/Users", text, filter_population, "P-3.4.2.2-04")
    check(found is None, "A filter with trailing text was accepted",
          expected=f"400 invalidFilter for filter {text}", received=f"{response.status_code}",
          response=response, requirement="P-3.4.2.2-04")  # fmt: skip
    assert_scim_error(response, 400, "invalidFilter", requirement="P-3.4.2.2-04")
