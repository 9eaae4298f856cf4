"""Retrieving resources (RFC 7644 §3.4.1, §3.9, §3.4.2.5; RFC 7643 §3.1): GET by id, 404s,
meta.location, and the attributes/excludedAttributes projection of a single resource."""

from __future__ import annotations

from collections.abc import Callable
from typing import Any
from urllib.parse import urljoin

import pytest
from jsonschema import FormatChecker

from scim_tests.asserts import assert_scim_error, assert_status, check, json_object
from scim_tests.client import Ownership, ScimClient
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.resources import USER_SCHEMA, assert_resource, assigned, find_key, value_of

Payload = Callable[..., dict[str, Any]]
Schemas = dict[str, dict[str, Any]]


@pytest.fixture(params=["User", "Group"])
def kind(request: pytest.FixtureRequest) -> str:
    """The resource type a parametrized check works on."""
    return str(request.param)


@requirement("P-3.4.1-01", "C-3.1-04", "C-3.1-15", "P-3.4-01")
def test_get_by_id_returns_the_resource(
    scim_client: ScimClient, kind: str, user_payload: Payload, group_payload: Payload,
    scim_schemas: Schemas, resource_types: list[dict[str, Any]],
) -> None:  # fmt: skip
    """GET on a resource's URI answers 200 with that resource: its id, and meta whose
    resourceType names a type listed at /ResourceTypes (P-3.4.1-01, C-3.1-04, C-3.1-15,
    P-3.4-01)."""
    payload = user_payload() if kind == "User" else group_payload()
    created = create(scim_client, f"/{kind}s", payload)
    response = scim_client.get(f"/{kind}s/{created['id']}")
    assert_status(response, 200, requirement="P-3.4.1-01")
    body = assert_resource(response, kind, scim_schemas, requirement="P-3.4.1-01")
    check(body.get("id") == created["id"], "GET returned another resource",
          expected=created["id"], received=body.get("id"), response=response,
          requirement=("P-3.4.1-01", "C-3.1-04"))  # fmt: skip
    resource_type = value_of(body, "meta.resourceType")
    check(resource_type == kind, "meta.resourceType is missing or wrong on GET",
          expected=kind, received=resource_type, response=response,
          requirement=("C-3.1-15", "P-3.4-01"))  # fmt: skip
    if resource_types:
        names = [r.get("name") for r in resource_types]
        check(resource_type in names, "meta.resourceType is not a listed resource type",
              expected=names, received=resource_type, response=response,
              requirement="C-3.1-15")  # fmt: skip
    name = "userName" if kind == "User" else "displayName"
    check(value_of(body, name) is not None, f"GET leaves out {name}", expected=payload[name],
          received=None, response=response, requirement="P-3.4-01")  # fmt: skip


@requirement("P-3.12-10", "P-3.12-01")
def test_get_unknown_id_is_a_scim_404(
    scim_client: ScimClient, kind: str, scim_ownership: Ownership
) -> None:
    """GET of an id nobody holds answers 404 with a SCIM Error body (P-3.12-10, P-3.12-01)."""
    response = scim_client.get(f"/{kind}s/{scim_ownership.probe_id()}")
    assert_scim_error(response, 404, requirement=("P-3.12-10", "P-3.12-01"))


@requirement("P-3.12-10", "P-3.4.1-01")
def test_user_id_under_groups_is_404(scim_client: ScimClient, new_user: dict[str, Any]) -> None:
    """A resource is only found under its own type's endpoint: GET /Groups/<user id> is 404
    (P-3.12-10, P-3.4.1-01)."""
    response = scim_client.get(f"/Groups/{new_user['id']}")
    assert_scim_error(response, 404, requirement="P-3.12-10")


@requirement("C-3.1-20", "C-2.3.7-03")
def test_meta_location_resolves(
    scim_client: ScimClient, kind: str, user_payload: Payload, group_payload: Payload,
    scim_schemas: Schemas,
) -> None:  # fmt: skip
    """meta.location of a fetched resource is its URI: a GET on it returns the same resource
    (C-3.1-20, C-2.3.7-03)."""
    payload = user_payload() if kind == "User" else group_payload()
    created = create(scim_client, f"/{kind}s", payload)
    response = scim_client.get(f"/{kind}s/{created['id']}")
    assert_status(response, 200)
    location = value_of(assert_resource(response, kind, scim_schemas), "meta.location")
    check(isinstance(location, str) and location, "GET shows no meta.location",
          expected="meta.location", received=location, response=response,
          requirement="C-3.1-20")  # fmt: skip
    fetched = scim_client.get(urljoin(scim_client.base_url + "/", str(location)))
    assert_status(fetched, 200, requirement="C-3.1-20")
    got = assert_resource(fetched, kind, scim_schemas)
    check(got.get("id") == created["id"], "meta.location serves another resource",
          expected=created["id"], received=got.get("id"), response=fetched,
          requirement="C-3.1-20")  # fmt: skip


@requirement("C-2.3.7-01")
def test_reference_values_are_uris(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """The reference values of a User in a Group, fetched by GET, are URI references, absolute
    or relative (RFC 3986 §4.1: no spaces, braces or other characters a URI cannot hold, a
    well-formed scheme): meta.location of both, the group's members[].$ref and the user's
    groups[].$ref, whichever the server returns (C-2.3.7-01)."""
    user = create(scim_client, "/Users", user_payload())
    group = create(scim_client, "/Groups", group_payload(members=[{"value": user["id"]}]))
    uri = FormatChecker()
    for path, kind in ((f"/Users/{user['id']}", "User"), (f"/Groups/{group['id']}", "Group")):
        response = scim_client.get(path)
        assert_status(response, 200, requirement="C-2.3.7-01")
        body = json_object(response, requirement="C-2.3.7-01")
        refs = {"meta.location": value_of(body, "meta.location")}
        for name in ("members", "groups"):
            entries = body.get(find_key(body, name) or "")
            for i, entry in enumerate(entries if isinstance(entries, list) else []):
                if isinstance(entry, dict):
                    refs[f"{name}[{i}].$ref"] = entry.get(find_key(entry, "$ref") or "")
        bad = {k: v for k, v in refs.items()
               if isinstance(v, str) and not (v and uri.conforms(v, "uri-reference"))}  # fmt: skip
        check(not bad, f"Reference values of a {kind} are not URIs",
              expected="absolute or relative URI references (RFC 3986)", received=bad,
              response=response, requirement="C-2.3.7-01")  # fmt: skip


@requirement("P-3.9-02", "C-3.1-09", "P-3.4.2.5-01", "C-7-19")
def test_get_with_attributes_returns_only_those(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """?attributes=userName returns id and userName (plus schemas and any returned=always
    attribute), none of the other default attributes (P-3.9-02, C-3.1-09, P-3.4.2.5-01,
    C-7-19)."""
    response = scim_client.get(f"/Users/{new_user['id']}", params={"attributes": "userName"})
    assert_status(response, 200, requirement="P-3.4.2.5-01")
    body = assert_resource(response, "User", scim_schemas)
    check(body.get("id") == new_user["id"], "id is missing under attributes=userName",
          expected=new_user["id"], received=body.get("id"), response=response,
          requirement="C-3.1-09")  # fmt: skip
    check(value_of(body, "userName") == new_user["userName"], "userName was not returned",
          expected=new_user["userName"], received=value_of(body, "userName"),
          response=response, requirement="P-3.9-02")  # fmt: skip
    extra = [k for k in ("emails", "name", "displayName", "title", "phoneNumbers", "active")
             if find_key(body, k)]  # fmt: skip
    check(not extra, "Attributes not asked for were returned", expected="id, userName, schemas",
          received=f"also {', '.join(extra)}", response=response,
          requirement=("P-3.9-02", "C-7-19"))  # fmt: skip


@requirement("P-3.4.2.5-02", "P-3.9-03")
def test_excluded_attributes_keep_id(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """?excludedAttributes=id,emails drops emails but never id (returned=always), and keeps
    the other default attributes (P-3.4.2.5-02, P-3.9-03)."""
    response = scim_client.get(
        f"/Users/{new_user['id']}", params={"excludedAttributes": "id,emails"}
    )
    assert_status(response, 200, requirement="P-3.9-03")
    body = assert_resource(response, "User", scim_schemas)
    check(body.get("id") == new_user["id"], "excludedAttributes removed id",
          expected=new_user["id"], received=body.get("id"), response=response,
          requirement="P-3.4.2.5-02")  # fmt: skip
    check(not find_key(body, "emails") and value_of(body, "userName"),
          "excludedAttributes=emails was not honoured", expected="userName, no emails",
          received=sorted(body), response=response, requirement="P-3.9-03")  # fmt: skip


@requirement("P-3.9-04", "P-3.4.2.5-03")
def test_sub_attribute_projection(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """?attributes=name.familyName returns name holding familyName only (P-3.9-04,
    P-3.4.2.5-03)."""
    response = scim_client.get(f"/Users/{new_user['id']}", params={"attributes": "name.familyName"})
    assert_status(response, 200, requirement="P-3.9-04")
    name = value_of(assert_resource(response, "User", scim_schemas), "name")
    check(isinstance(name, dict) and [k.lower() for k in assigned(name)] == ["familyname"],
          "name is not limited to familyName", expected={"familyName": "…"}, received=name,
          response=response, requirement="P-3.9-04")  # fmt: skip


@requirement("P-3.4.2.5-03", "P-3.10-01", "P-3.10-04")
def test_urn_qualified_attribute_projection(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """Attribute names in ?attributes may carry the schema URN and any case:
    urn:…:User:name.familyName and NAME.FAMILYNAME both return name.familyName
    (P-3.4.2.5-03, P-3.10-01, P-3.10-04)."""
    family = new_user["name"]["familyName"]
    for spelling in (f"{USER_SCHEMA}:name.familyName", "NAME.FAMILYNAME"):
        response = scim_client.get(f"/Users/{new_user['id']}", params={"attributes": spelling})
        assert_status(response, 200, requirement="P-3.4.2.5-03")
        body = assert_resource(response, "User", scim_schemas)
        check(value_of(body, "name.familyName") == family and not find_key(body, "emails"),
              f"attributes={spelling} was not honoured", expected={"name": {"familyName": family}},
              received={k: v for k, v in body.items() if k not in ("schemas", "meta")},
              response=response, requirement=("P-3.4.2.5-03", "P-3.10-01"))  # fmt: skip
