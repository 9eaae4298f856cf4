"""The filter population (RFC 7644 §3.4.2.2): resources created for filter checks, and queries.

Five Users and three Groups, all named with the run's prefix, created once per check module.
Their values are chosen so that common mistakes change a filter's answer: case-exact
externalId values that differ only in case, an empty and an absent title, a work email at a
home domain, timestamps compared across time zones. :func:`query_all` pages through every
result and keeps only the population's ids, so expected sets are exact even on a shared
tenant. Shared by the data-driven filter checks and the property-based ones.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from dataclasses import dataclass, field
from typing import Any

import pytest

from scim_tests.asserts import assert_list_response, assert_valid, check, resources_of
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import feature_supported
from scim_tests.filter_eval import Typing
from scim_tests.fixtures import create
from scim_tests.query import pages
from scim_tests.resources import (
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    USER_SCHEMA,
    definitions,
)

USER_ROLES = ("alpha", "bravo", "charlie", "delta", "echo")
GROUP_ROLES = ("admins", "auditors", "empty")
NUMBERS: dict[str, dict[str, float]] = {"integer": {"alpha": 9, "bravo": 10, "charlie": 100},
           "decimal": {"alpha": 2.5, "bravo": 10.25}}  # fmt: skip


@dataclass
class Population:
    """The resources a check module created, by role, with what the server returned for them."""

    tag: str
    created: dict[str, dict[str, Any]] = field(default_factory=dict)
    endpoint: dict[str, str] = field(default_factory=dict)
    numbers: dict[str, str] = field(default_factory=dict)  # "integer" -> attribute path
    extensions: tuple[str, ...] = ()
    user_typing: Typing | None = None
    group_typing: Typing | None = None
    declared: frozenset[str] = frozenset()  # lower-case top-level User attribute names

    def role_of(self, resource_id: str) -> str | None:
        return next((r for r, body in self.created.items() if body.get("id") == resource_id),
                    None)  # fmt: skip

    def ids(self, endpoint: str) -> set[str]:
        return {str(b["id"]) for r, b in self.created.items() if self.endpoint[r] == endpoint}

    def roles(self, ids: set[str]) -> list[str]:
        return sorted((self.role_of(i) or i) for i in ids)


def _user_bodies(tag: str, extended: bool, declared: frozenset[str]) -> dict[str, dict[str, Any]]:
    def email(value: str, kind: str, primary: bool) -> dict[str, Any]:
        return {"value": value, "type": kind, "primary": primary}

    people = {
        "alpha": ("alpha-MiXed", "AbC-1", "Tour Guide", True, ("Ann", "Zoë & O'Brien+1%#"),
                  [email("alpha@work.example", "work", True),
                   email("alpha@home.example", "home", False)]),
        "bravo": ("bravo", "abc-1", "", False, ("Bob", "Young"),
                  [email("bravo@home.example", "home", True)]),
        "charlie": ("charlie", "charlie", None, True, ("Carol", "Xu"),
                    [email("charlie@work.example", "work", True)]),
        "delta": ("delta", "delta", "tour operator", False, ("Dan", "Walker"),
                  [email("delta@home.example", "work", False),
                   email("delta@work.example", "home", True)]),
        "echo": ("echo", "echo", "Chief Guide", True, ("Eve", "Vance"),
                 [email("echo@work.example", "work", True)]),
    }  # fmt: skip
    enterprise = {"alpha": {"employeeNumber": "701", "department": "Sales"},
                  "bravo": {"employeeNumber": "702", "department": "SALES"},
                  "delta": {"department": "Engineering"}}  # fmt: skip
    bodies = {}
    for role, (name, external, title, active, (given, family), emails) in people.items():
        body: dict[str, Any] = {
            "schemas": [USER_SCHEMA], "userName": f"{tag}-{name}",
            "externalId": f"{tag}-{external}", "active": active, "emails": emails,
            "name": {"givenName": given, "familyName": family},
        }  # fmt: skip
        if title is not None:
            body["title"] = title
        if "profileurl" in declared and role in ("alpha", "charlie"):
            body["profileUrl"] = f"https://example.com/Profiles/{role.title()}-{tag}"
        if extended and role in enterprise:
            body["schemas"] = [USER_SCHEMA, ENTERPRISE_SCHEMA]
            body[ENTERPRISE_SCHEMA] = dict(enterprise[role])
        bodies[role] = body
    return bodies


def _number_paths(schemas: dict[str, Any], extensions: tuple[str, ...]) -> dict[str, str]:
    """A writable single-valued integer and decimal attribute of User, if /Schemas has one."""
    found: dict[str, str] = {}
    for urn in (USER_SCHEMA, *extensions):
        for attribute in definitions(schemas, urn):
            if (
                attribute.type in NUMBERS
                and attribute.type not in found
                and not attribute.multi_valued
                and attribute.mutability == "readWrite"
            ):
                found[attribute.type] = (attribute.name if urn == USER_SCHEMA
                                         else f"{urn}:{attribute.name}")  # fmt: skip
    return found


def _set(body: dict[str, Any], path: str, value: Any) -> None:
    urn, _, name = path.rpartition(":")
    target = body.setdefault(urn, {}) if urn else body
    if urn and urn not in body["schemas"]:
        body["schemas"].append(urn)
    target[name] = value


@pytest.fixture(scope="module")
def filter_population(
    scim_discovery_client: ScimClient,
    scim_prefix: str,
    scim_schemas: dict[str, Any],
    resource_types: list[dict[str, Any]],
    service_provider_config: dict[str, Any] | None,
) -> Iterator[Population]:
    """Five Users and three Groups with varied values, deleted when the module ends."""
    if feature_supported(service_provider_config, "filter") is False:
        pytest.skip("ServiceProviderConfig advertises filter.supported=false (RFC 7643 §5)")
    client = scim_discovery_client
    user_type = next((r for r in resource_types if r.get("name") == "User"), {})
    listed = tuple(str(e.get("schema", "")) for e in user_type.get("schemaExtensions", []))
    extensions = tuple(u for u in listed if u.lower() in scim_schemas)
    declared = frozenset(a.name.lower() for a in definitions(scim_schemas, USER_SCHEMA))
    tag = f"{scim_prefix}-flt{uuid.uuid4().hex[:6]}".lower()
    population = Population(tag, extensions=extensions, declared=declared,
                            numbers=_number_paths(scim_schemas, extensions))  # fmt: skip
    extended = ENTERPRISE_SCHEMA.lower() in (e.lower() for e in extensions)
    try:
        bodies = _user_bodies(tag, extended, declared)
        for kind, path in population.numbers.items():
            for role, number in NUMBERS[kind].items():
                _set(bodies[role], path, number)
        for role, body in bodies.items():
            if role == "bravo" and extended:
                body[ENTERPRISE_SCHEMA]["manager"] = {"value": population.created["alpha"]["id"]}
            population.created[role] = create(client, "/Users", body)
            population.endpoint[role] = "/Users"
        ids = {r: population.created[r]["id"] for r in USER_ROLES}
        groups = {"admins": ("Admins", ["alpha", "bravo"]), "auditors": ("auditors", ["charlie"]),
                  "empty": ("empty-crew", [])}  # fmt: skip
        for role, (name, members) in groups.items():
            body = {"schemas": [GROUP_SCHEMA], "displayName": f"{tag}-{name}"}
            if members:
                body["members"] = [{"value": ids[m]} for m in members]
            population.created[role] = create(client, "/Groups", body)
            population.endpoint[role] = "/Groups"
        for role in USER_ROLES:  # as they are now: joining a group may touch a user's meta
            fetched = client.get(f"/Users/{ids[role]}")
            if fetched.status_code == 200 and isinstance(fetched.maybe_json(), dict):
                population.created[role] = fetched.json()
        population.user_typing = Typing(scim_schemas, USER_SCHEMA, extensions)
        population.group_typing = Typing(scim_schemas, GROUP_SCHEMA)
        _check_visible(client, population)
        yield population
    finally:
        for role in reversed(list(population.created)):
            endpoint = population.endpoint[role]
            client.delete(f"{endpoint}/{population.created[role]['id']}")


def _check_visible(client: ScimClient, population: Population) -> None:
    """Precondition of every filter case: each new User is found by ``userName eq`` its name.

    Every case compares what a filter selected from this population with the expected set; if
    the simplest equality filter already misses a user, each case would report its own
    "wrong resources" for one reason. They are blocked by that reason instead (P-3.4.2.2-05).
    """
    __tracebackhide__ = True
    for role in USER_ROLES:
        user = population.created[role]
        name = str(user.get("userName", ""))
        text = f'userName eq "{name}"'
        found, response = query_all(client, "/Users", text, population, "P-3.4.2.2-05")
        if found is None:  # refused: the filter checks judge refusals themselves
            return
        if found != {user["id"]}:
            plain = client.get("/Users", params={"filter": text})
            body = plain.maybe_json() if plain.status_code == 200 else None
            body = body if isinstance(body, dict) else {}
            listed = {str(r.get("id")) for r in resources_of(body)}
            check(user["id"] not in listed, "startIndex=1 skips the first result",
                  expected=f"{text} with startIndex=1 selects {user['id']}, as it does "
                  "without startIndex", received=f"selected {sorted(found)}", response=response,
                  requirement="P-3.4.2.4-01", cause="startIndex=1 skips the first result",
                  blocked=True)  # fmt: skip
        check(found == {user["id"]}, "userName eq does not find a user the run just created",
              expected=f"{text} selects {user['id']}", received=f"selected {sorted(found)}",
              response=response, requirement="P-3.4.2.2-05",
              cause="userName eq misses a user that was just created", blocked=True)  # fmt: skip


def query_all(
    client: ScimClient, endpoint: str, text: str, population: Population, requirement: Any
) -> tuple[set[str] | None, ScimResponse]:
    """Page through ``endpoint?filter=text``; the population ids found (None on an error)."""
    __tracebackhide__ = True
    kind = "User" if endpoint == "/Users" else "Group"
    mine = population.ids(endpoint)

    def fetch(start: int) -> tuple[dict[str, Any], ScimResponse]:
        __tracebackhide__ = True
        response = client.get(endpoint, params={"filter": text, "startIndex": start,
                                                "count": 100})  # fmt: skip
        if response.status_code >= 400:
            raise _Refused(response)
        body = assert_list_response(response, requirement=requirement)
        for resource in resources_of(body):
            if resource.get("id") in mine:
                assert_valid(resource, kind, response=response, requirement=requirement)
        return body, response

    try:
        found, response = pages(fetch)
    except _Refused as refused:
        return None, refused.response
    return {str(r["id"]) for r in found if r.get("id") in mine}, response


class _Refused(Exception):
    """The provider answered a page with an error (the filter check judges that answer)."""

    def __init__(self, response: ScimResponse) -> None:
        super().__init__(response.status_code)
        self.response = response
