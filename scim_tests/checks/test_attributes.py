"""Attribute projection on lists, searches and writes (RFC 7644 §3.4.2.5, §3.9; RFC 7643 §2.5,
§7).

``attributes`` and ``excludedAttributes`` take comma-separated names (URN-qualified or not,
``parent.sub`` for a sub-attribute) and shape every resource of a list response and the
resource a PUT or PATCH returns; returned=always attributes survive any exclusion and
returned=never ones never appear. Two users tagged ``<prefix>-at`` are created once per module.
Single-resource GETs are covered in test_retrieve.py, POST in test_create.py.
"""

from __future__ import annotations

import uuid
from collections.abc import Iterator
from typing import Any

import pytest

from scim_tests.asserts import assert_status, assert_valid, check, json_object, resources_of
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc, feature_supported
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import Payload
from scim_tests.query import (
    SEARCH_REQUEST,
    Population,
    depopulate,
    list_page,
    new_population,
    pages,
    populate,
    tagged,
)
from scim_tests.resources import USER_SCHEMA, assigned, find_key, schema_attributes, value_of

Schemas = dict[str, dict[str, Any]]
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#: Default attributes every population user has; none may come back when not asked for.
DEFAULTS = ("name", "emails", "title", "phoneNumbers", "displayName", "externalId")


@pytest.fixture(scope="module")
def _projected_users(scim_discovery_client: ScimClient) -> Iterator[list[dict[str, Any]]]:
    users: list[dict[str, Any]] = []
    yield users
    depopulate(scim_discovery_client, users)


def _never_returned(scim_schemas: Schemas) -> list[str]:
    return [a.path for a in schema_attributes(scim_schemas, USER_SCHEMA, returned="never")]


@pytest.fixture
def projected(
    _projected_users: list[dict[str, Any]],
    scim_discovery_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    service_provider_config: Spc,
    scim_schemas: Schemas,
) -> Population:
    """Two users (with a password when /Schemas declares one), created once per module."""
    tag = f"{scim_prefix}-at"
    secret = {"password": f"Pw-{uuid.uuid4().hex[:12]}!A1"}
    extra = secret if "password" in [n.lower() for n in _never_returned(scim_schemas)] else {}
    users = populate(scim_discovery_client, _projected_users,
                     lambda: [tagged(user_payload, tag, **extra) for _ in range(2)])  # fmt: skip
    return new_population(tag, users, service_provider_config)


def _mine(population: Population, body: dict[str, Any], response: ScimResponse,
          requirement: str) -> list[dict[str, Any]]:  # fmt: skip
    """The population's resources in a ListResponse (all of them must be there)."""
    __tracebackhide__ = True
    found = [r for r in resources_of(body) if r.get("id") in population.ids]
    check(len(found) == len(population.ids), "The query does not return the population",
          expected=population.ids, received=[r.get("id") for r in found], response=response,
          requirement=requirement)  # fmt: skip
    return found


def _listed(
    client: ScimClient, population: Population, requirement: str, **params: str
) -> tuple[list[dict[str, Any]], ScimResponse]:
    __tracebackhide__ = True
    found, response = pages(
        lambda start: list_page(client, population.params(count=1000, startIndex=start,
                                **params), requirement=requirement),  # fmt: skip
        set(population.ids),
    )
    return _mine(population, {"Resources": found}, response, requirement), response


def _extra(resource: dict[str, Any], allowed: tuple[str, ...]) -> list[str]:
    return [k for k in DEFAULTS if k not in allowed and find_key(resource, k)]


@requirement("P-3.9-06", "P-3.9-02", "P-3.4.2.5-01", "C-7-19")
def test_list_projection_applies_to_every_resource(
    scim_client: ScimClient, projected: Population
) -> None:
    """GET /Users?attributes=userName returns each listed user with id and userName only
    (plus schemas and returned=always attributes) (P-3.9-06, P-3.9-02, P-3.4.2.5-01, C-7-19)."""
    users, response = _listed(scim_client, projected, "P-3.9-06", attributes="userName")
    for user in users:
        check(value_of(user, "userName") and not _extra(user, ()),
              "A listed resource ignores attributes=userName", expected="id, userName, schemas",
              received=sorted(user), response=response,
              requirement=("P-3.9-06", "P-3.9-02"))  # fmt: skip


@requirement("P-3.9-05", "P-3.9-03", "P-3.9-06")
def test_comma_separated_attribute_lists(scim_client: ScimClient, projected: Population) -> None:
    """attributes=userName,emails returns both and nothing else by default;
    excludedAttributes=emails,name drops both and keeps userName (P-3.9-05, P-3.9-03,
    P-3.9-06)."""
    users, response = _listed(scim_client, projected, "P-3.9-05", attributes="userName,emails")
    for user in users:
        check(value_of(user, "userName") and find_key(user, "emails")
              and not _extra(user, ("emails",)),
              "attributes=userName,emails is not read as a list", expected="userName and emails",
              received=sorted(user), response=response, requirement="P-3.9-05")  # fmt: skip
    users, response = _listed(scim_client, projected, "P-3.9-05",
                              excludedAttributes="emails,name")  # fmt: skip
    for user in users:
        check(value_of(user, "userName") and not (find_key(user, "emails") or
                                                  find_key(user, "name")),
              "excludedAttributes=emails,name is not read as a list",
              expected="userName, no emails, no name", received=sorted(user),
              response=response, requirement=("P-3.9-05", "P-3.9-03"))  # fmt: skip


@requirement("P-3.4.2.5-02", "C-3.1-09", "C-7-16", "P-3.9-06")
def test_list_exclusion_keeps_returned_always_attributes(
    scim_client: ScimClient, projected: Population, scim_schemas: Schemas
) -> None:
    """excludedAttributes naming id and every returned=always attribute leaves them in place
    on each listed user, schemas included, while emails goes (P-3.4.2.5-02, C-3.1-09, C-7-16,
    P-3.9-06)."""
    always = [a.path for a in schema_attributes(scim_schemas, USER_SCHEMA, returned="always")]
    names = ",".join(dict.fromkeys(["id", *always, "emails"]))
    users, response = _listed(scim_client, projected, "P-3.4.2.5-02", excludedAttributes=names)
    by_id = {u["id"]: u for u in projected.users}
    for user in users:
        kept = [n for n in ["id", *always] if value_of(by_id[user["id"]], n) is not None]
        lost = [n for n in kept if value_of(user, n) is None]
        check(not lost and not find_key(user, "emails"),
              "excludedAttributes removed a returned=always attribute (or kept emails)",
              expected=f"{', '.join(kept)} present, emails absent", received=sorted(user),
              response=response, requirement=("P-3.4.2.5-02", "C-3.1-09", "C-7-16"))  # fmt: skip


@requirement("P-3.4.2.5-03", "P-3.9-04", "P-3.9-06")
def test_list_urn_and_sub_attribute_names(scim_client: ScimClient, projected: Population) -> None:
    """attributes=<User URN>:name.familyName,userName returns, for each user, userName and a
    name holding familyName only (P-3.4.2.5-03, P-3.9-04, P-3.9-06)."""
    users, response = _listed(scim_client, projected, "P-3.9-04",
                              attributes=f"{USER_SCHEMA}:name.familyName,userName")  # fmt: skip
    for user in users:
        name = value_of(user, "name")
        check(isinstance(name, dict) and [k.lower() for k in assigned(name)] == ["familyname"]
              and value_of(user, "userName") and not _extra(user, ("name",)),
              "A listed user is not limited to name.familyName and userName",
              expected={"userName": "…", "name": {"familyName": "…"}},
              received={k: v for k, v in user.items() if k not in ("schemas", "meta")},
              response=response, requirement=("P-3.9-04", "P-3.4.2.5-03"))  # fmt: skip


@requirement("C-7-17", "C-4.1.1-07", "P-3.9-06")
def test_returned_never_stays_hidden_in_lists_and_searches(
    scim_client: ScimClient, projected: Population, scim_schemas: Schemas
) -> None:
    """Naming a returned=never attribute (password) in attributes does not bring it back in a
    list or a /.search answer (C-7-17, C-4.1.1-07, P-3.9-06)."""
    never = _never_returned(scim_schemas)
    if not never:
        pytest.skip("/Schemas declares no returned=never User attribute")
    names = [*never, "userName"]
    _, response = _listed(scim_client, projected, "C-7-17", attributes=",".join(names))
    responses = [response]
    request: dict[str, Any] = {"schemas": [SEARCH_REQUEST], "attributes": names, "count": 1000}
    if projected.filtered:
        request["filter"] = projected.filter
    search = scim_client.post("/Users/.search", request)
    if search.status_code not in (404, 501):
        responses.append(search)
    for answer in responses:
        users = resources_of(json_object(answer, requirement="C-7-17"))
        shown = [n for u in users for n in never if find_key(u, n)]
        check(not shown, "A returned=never attribute was returned on request",
              expected=f"no {', '.join(never)}", received=f"{', '.join(shown)} present",
              response=answer, requirement=("C-7-17", "C-4.1.1-07"))  # fmt: skip


@requirement("P-3.9-01", "P-3.9-02", "P-3.9-03")
def test_put_and_patch_responses_honour_projection(
    scim_client: ScimClient, new_user: dict[str, Any], service_provider_config: Spc
) -> None:
    """PUT ?attributes=userName answers with id and userName only; PATCH
    ?excludedAttributes=emails answers without emails (or 204, which PATCH may send)
    (P-3.9-01, P-3.9-02, P-3.9-03)."""
    path = f"/Users/{new_user['id']}"
    body = {k: v for k, v in new_user.items() if k not in ("id", "meta", "groups")}
    response = scim_client.put(path, body, params={"attributes": "userName"})
    assert_status(response, 200, requirement="P-3.9-01")
    put = json_object(response)
    assert_valid(put, "User", response=response, requirement="P-3.9-01")
    check(value_of(put, "userName") and not _extra(put, ()),
          "The PUT response ignores attributes=userName", expected="id, userName, schemas",
          received=sorted(put), response=response,
          requirement=("P-3.9-01", "P-3.9-02"))  # fmt: skip
    if feature_supported(service_provider_config, "patch") is False:
        return
    ops = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "title",
                                                  "value": "Projected"}]}  # fmt: skip
    response = scim_client.patch(path, ops, params={"excludedAttributes": "emails"})
    assert_status(response, 200, 204, requirement="P-3.9-01")
    if response.status_code == 200:
        patched = json_object(response)
        assert_valid(patched, "User", response=response, requirement="P-3.9-01")
        check(not find_key(patched, "emails") and value_of(patched, "userName"),
              "The PATCH response ignores excludedAttributes=emails",
              expected="userName, no emails", received=sorted(patched), response=response,
              requirement=("P-3.9-01", "P-3.9-03"))  # fmt: skip


@requirement("C-2.5-01")
def test_null_and_empty_values_are_unassigned(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc
) -> None:
    """A user created with nickName null and emails [] has neither: a GET omits them (or shows
    null / []) and, with filtering, "nickName pr" and "emails pr" do not find it (C-2.5-01)."""
    user = create(scim_client, "/Users", user_payload(nickName=None, emails=[]))
    response = scim_client.get(f"/Users/{user['id']}")
    assert_status(response, 200, requirement="C-2.5-01")
    body = json_object(response)
    assert_valid(body, "User", response=response, requirement="C-2.5-01")
    shown = {k: value_of(body, k) for k in ("nickName", "emails")
             if value_of(body, k) not in (None, [])}  # fmt: skip
    check(not shown, "A null or empty value is shown as assigned",
          expected="nickName and emails absent, null or []", received=shown,
          response=response, requirement="C-2.5-01")  # fmt: skip
    if feature_supported(service_provider_config, "filter") is False:
        return
    for name in ("nickName", "emails"):
        text = f'userName eq "{user["userName"]}" and {name} pr'
        body, response = list_page(scim_client, {"filter": text}, requirement="C-2.5-01")
        check(body.get("totalResults") == 0, f"{name} pr finds a user whose {name} is unassigned",
              expected="totalResults 0", received=body.get("totalResults"), response=response,
              requirement="C-2.5-01")  # fmt: skip
