"""Sorting query results (RFC 7644 §3.4.2.3).

Four users tagged ``<prefix>-st`` are created once per module, in an order that matches no
sort order asked for here: alice, Bob, carol, dave (mixed case, since userName is caseExact=false
and orders case-insensitively), with family names, titles and emails chosen so that each order
below is distinct: by a sub-attribute, by an attribute carol lacks, and by a multi-valued
attribute whose primary value is not the first.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scim_tests.asserts import check, resources_of
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc, max_results
from scim_tests.markers import requirement
from scim_tests.operations import Payload
from scim_tests.query import (
    Population,
    depopulate,
    ids_of,
    list_page,
    new_population,
    pages,
    populate,
)
from scim_tests.resources import USER_SCHEMA, schema_attributes

pytestmark = pytest.mark.scim_feature("sort")

#: name -> (familyName, title or None, emails as (local part, primary) or None); created in
#: this order (carol, alice, dave, Bob), which is none of the orders the checks expect.
PEOPLE: dict[str, tuple[str, str | None, list[tuple[str, bool]] | None]] = {
    "carol": ("xavier", None, None),
    "alice": ("Zimmer", "Tb", [("m", False), ("a", True)]),
    "dave": ("Abbott", "Tc", [("b", False), ("z", False)]),
    "Bob": ("Young", "Ta", [("c", True)]),
}


@pytest.fixture(scope="module")
def _sort_users(scim_discovery_client: ScimClient) -> Iterator[list[dict[str, Any]]]:
    users: list[dict[str, Any]] = []
    yield users
    depopulate(scim_discovery_client, users)


@pytest.fixture
def people(
    _sort_users: list[dict[str, Any]],
    scim_discovery_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    service_provider_config: Spc,
) -> Population:
    """The four users (created once per module); userName ``<prefix>-st-<name>``."""
    tag = f"{scim_prefix}-st"

    def bodies() -> list[dict[str, Any]]:
        result = []
        for name, (family, title, emails) in PEOPLE.items():
            body = user_payload(userName=f"{tag}-{name}")
            body["name"] = {"givenName": name, "familyName": family}
            body.pop("title", None)
            body.pop("emails", None)
            if title is not None:
                body["title"] = title
            if emails is not None:
                body["emails"] = [
                    {"value": f"{local}.{tag}@example.com", "type": "work", "primary": primary}
                    for local, primary in emails
                ]
            result.append(body)
        return result

    users = populate(scim_discovery_client, _sort_users, bodies)
    return new_population(tag, users, service_provider_config)


def names(population: Population, ids: list[str]) -> list[str]:
    """The short names (alice, Bob …) of ``ids``."""
    by_id = {str(u["id"]): str(u["userName"]).rsplit("-", 1)[-1] for u in population.users}
    return [by_id[i] for i in ids]


def order(
    client: ScimClient, population: Population, spc: Spc, requirement: str, **params: str
) -> tuple[list[str], ScimResponse]:
    """The population's names in the order the server sorts them with ``params``.

    A provider may return fewer resources per page than ``count`` asks (RFC 7644 §3.4.2.4), so
    the pages are followed with the same sort parameters and concatenated.
    """
    __tracebackhide__ = True
    count = len(population.users) if population.filtered else max_results(spc) or 1000
    if not population.filtered:
        body, response = list_page(client, population.params(count=count, **params),
                                   requirement=requirement)  # fmt: skip
        if body.get("totalResults", 0) > len(ids_of(body)):
            pytest.skip("without filter support the whole tenant does not fit one page to sort")
        found = resources_of(body)
    else:
        found, response = pages(
            lambda start: list_page(client, population.params(count=count, startIndex=start,
                                    **params), requirement=requirement),  # fmt: skip
            set(population.ids),
        )
    mine = set(population.ids)
    return names(population, [str(r.get("id")) for r in found if r.get("id") in mine]), response


def expect(
    client: ScimClient, population: Population, spc: Spc, wanted: list[str], why: str,
    requirement: str | tuple[str, ...], **params: str,
) -> list[str]:  # fmt: skip
    """The server's order for ``params`` is ``wanted``; returns it."""
    __tracebackhide__ = True
    first = requirement if isinstance(requirement, str) else requirement[0]
    got, response = order(client, population, spc, first, **params)
    shown = "&".join(f"{k}={v}" for k, v in params.items())
    check(got == wanted, f"{why} ({shown})", expected=wanted, received=got,
          response=response, requirement=requirement)  # fmt: skip
    return got


def _user_name_case_exact(scim_schemas: dict[str, dict[str, Any]]) -> bool:
    declared = schema_attributes(scim_schemas, USER_SCHEMA, case_exact=True)
    return any(a.path.lower() == "username" for a in declared)


@requirement("P-3.4.2.3-02", "P-3.4.2.3-05", "P-3.4.2.3-06")
def test_sort_by_user_name_follows_case_exactness(
    scim_client: ScimClient, people: Population, service_provider_config: Spc,
    scim_schemas: dict[str, dict[str, Any]],
) -> None:  # fmt: skip
    """sortBy=userName orders by userName, case-insensitively as caseExact=false asks
    (alice, Bob, carol, dave), and without sortOrder the order is ascending: the same as
    sortOrder=ascending (P-3.4.2.3-02, P-3.4.2.3-05, P-3.4.2.3-06)."""
    exact = _user_name_case_exact(scim_schemas)
    wanted = sorted(PEOPLE, key=(lambda n: n) if exact else str.lower)
    expect(scim_client, people, service_provider_config, wanted,
           "Users are not ordered by userName", ("P-3.4.2.3-02", "P-3.4.2.3-06"),
           sortBy="userName")  # fmt: skip
    expect(scim_client, people, service_provider_config, wanted,
           "sortOrder=ascending differs from the default order", "P-3.4.2.3-05",
           sortBy="userName", sortOrder="ascending")  # fmt: skip


@requirement("P-3.4.2.3-07")
def test_descending_is_the_reverse_of_ascending(
    scim_client: ScimClient, people: Population, service_provider_config: Spc
) -> None:
    """sortOrder=descending returns the ascending order reversed (P-3.4.2.3-07)."""
    ascending, _ = order(scim_client, people, service_provider_config, "P-3.4.2.3-07",
                      sortBy="userName", sortOrder="ascending")  # fmt: skip
    expect(scim_client, people, service_provider_config, ascending[::-1],
           "Descending is not the reverse of ascending", "P-3.4.2.3-07",
           sortBy="userName", sortOrder="descending")  # fmt: skip


@requirement("P-3.4.2.3-02", "P-3.4.2.3-06")
def test_sort_by_sub_attribute(
    scim_client: ScimClient, people: Population, service_provider_config: Spc
) -> None:
    """sortBy=name.familyName orders by the sub-attribute, ignoring case (Abbott, xavier,
    Young, Zimmer) (P-3.4.2.3-02, P-3.4.2.3-06)."""
    expect(scim_client, people, service_provider_config, ["dave", "carol", "Bob", "alice"],
           "Users are not ordered by name.familyName", ("P-3.4.2.3-02", "P-3.4.2.3-06"),
           sortBy="name.familyName")  # fmt: skip


@requirement("P-3.4.2.3-04", "P-3.4.2.3-07")
def test_resources_without_the_value_sort_last_then_first(
    scim_client: ScimClient, people: Population, service_provider_config: Spc
) -> None:
    """A user without a title comes after every titled one in ascending order and before
    them in descending order (P-3.4.2.3-04, P-3.4.2.3-07)."""
    expect(scim_client, people, service_provider_config, ["Bob", "alice", "dave", "carol"],
           "A user without the sort value is not last in ascending order", "P-3.4.2.3-04",
           sortBy="title")  # fmt: skip
    expect(scim_client, people, service_provider_config, ["carol", "dave", "alice", "Bob"],
           "A user without the sort value is not first in descending order",
           ("P-3.4.2.3-04", "P-3.4.2.3-07"), sortBy="title", sortOrder="descending")  # fmt: skip


@requirement("P-3.4.2.3-03", "P-3.4.2.3-04")
def test_multi_valued_sort_uses_primary_then_first_value(
    scim_client: ScimClient, people: Population, service_provider_config: Spc
) -> None:
    """sortBy=emails.value orders by each user's primary email, else its first one: alice (a,
    primary but second), dave (b, first of b and z), Bob (c), then carol without email
    (P-3.4.2.3-03, P-3.4.2.3-04)."""
    expect(scim_client, people, service_provider_config, ["alice", "dave", "Bob", "carol"],
           "Users are not ordered by their primary (else first) email", "P-3.4.2.3-03",
           sortBy="emails.value")  # fmt: skip
