"""Schema-level rules for every representation (RFC 7643 §2.3.4, §2.3.8, §3, §3.1; RFC 7644
§3.1, §3.10): integers are integral, ``schemas`` is a non-empty list without duplicates whose
order does not matter, JSON key order does not matter, id/externalId/meta belong to every
resource type, protocol messages use ``urn:ietf:params:scim:api:messages:2.0:`` URNs, and
attribute names work with and without their schema URN.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import (
    assert_list_response,
    assert_status,
    check,
    json_object,
    resources_of,
)
from scim_tests.client import Ownership, ScimClient, ScimResponse
from scim_tests.discovery import feature_supported
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP
from scim_tests.resources import (
    ENTERPRISE_SCHEMA,
    USER_SCHEMA,
    assert_resource,
    find_key,
    value_of,
)

Payload = Callable[..., dict[str, Any]]
Schemas = dict[str, dict[str, Any]]
API_PREFIX = "urn:ietf:params:scim:api:messages:2.0:"
BULK_REQUEST = API_PREFIX + "BulkRequest"


def _integer(value: Any) -> bool:
    return isinstance(value, int) and not isinstance(value, bool)


@requirement("C-2.3.4-01")
def test_integers_have_no_fraction_or_exponent(scim_client: ScimClient) -> None:
    """Integer values are sent as integral JSON numbers (no ".0", no exponent): the limits of
    /ServiceProviderConfig and totalResults, startIndex and itemsPerPage of a list
    (C-2.3.4-01)."""
    spc = scim_client.get("/ServiceProviderConfig")
    assert_status(spc, 200)
    config = json_object(spc)
    found = [
        (name, value_of(config, name), spc)
        for name in ("bulk.maxOperations", "bulk.maxPayloadSize", "filter.maxResults")
    ]
    listing = scim_client.get("/Users", params={"count": "1"})
    body = assert_list_response(listing)
    found += [(k, body.get(k), listing) for k in ("totalResults", "startIndex", "itemsPerPage")]
    for name, value, response in found:
        check(value is None or _integer(value), f"{name} is not an integral JSON number",
              expected="an integer such as 100", received=repr(value), response=response,
              requirement="C-2.3.4-01")  # fmt: skip


def _check_schemas(response: ScimResponse, body: dict[str, Any], what: str) -> None:
    __tracebackhide__ = True
    schemas = body.get("schemas")
    check(isinstance(schemas, list) and schemas and all(isinstance(s, str) for s in schemas),
          f"The {what} has no schemas list", expected="a non-empty array of URIs",
          received=schemas, response=response, requirement="C-3-01")  # fmt: skip
    lowered = [str(s).lower() for s in schemas] if isinstance(schemas, list) else []
    check(len(set(lowered)) == len(lowered), f"The {what} lists a schema URI twice",
          expected="each URI once", received=schemas, response=response,
          requirement="C-3-02")  # fmt: skip


@requirement("C-3-01", "C-3-02")
def test_every_representation_lists_its_schemas_once(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """Every User and Group the server returns (after POST, GET, PUT and PATCH) carries a
    non-empty schemas array without duplicates, and so does a listed one that has schemas
    (C-3-01, C-3-02): the resources of a ListResponse may leave it out, as the RFC 7644 §3.4.2
    example does, the response's own schemas naming the message."""
    for kind, payload in (("User", user_payload), ("Group", group_payload)):
        created = scim_client.post(f"/{kind}s", payload())
        assert_status(created, 201)
        body = json_object(created)
        path = f"/{kind}s/{body['id']}"
        answers = [(created, body), (fetched := scim_client.get(path), json_object(fetched))]
        put = scim_client.put(path, {k: v for k, v in body.items()
                                     if k.lower() not in ("id", "meta", "groups")})  # fmt: skip
        answers.append((put, json_object(put)))
        if feature_supported(service_provider_config, "patch") is not False:
            op = {"op": "add", "path": "externalId", "value": f"ext-{uuid.uuid4().hex[:8]}"}
            patched = scim_client.patch(path, {"schemas": [PATCH_OP], "Operations": [op]})
            if patched.status_code == 200:
                answers.append((patched, json_object(patched)))
        listing = scim_client.get(f"/{kind}s", params={"filter": f'id eq "{body["id"]}"'})
        if listing.status_code == 200:
            answers += [(listing, r) for r in resources_of(json_object(listing)) if "schemas" in r]
        for response, shown in answers:
            assert_status(response, 200, 201)
            _check_schemas(response, shown, kind)


@requirement("C-3.1-01")
def test_every_resource_type_has_id_external_id_and_meta(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload,
    scim_schemas: Schemas,
) -> None:  # fmt: skip
    """id, externalId and meta are common to Users and Groups alike: both are created with an
    externalId and come back with id, meta and that externalId (C-3.1-01)."""
    for kind, payload in (("User", user_payload), ("Group", group_payload)):
        external = f"ext-{kind}-{uuid.uuid4().hex[:10]}"
        created = scim_client.post(f"/{kind}s", payload(externalId=external))
        assert_status(created, 201, requirement="C-3.1-01")
        body = assert_resource(created, kind, scim_schemas)
        fetched = scim_client.get(f"/{kind}s/{body['id']}")
        got = assert_resource(fetched, kind, scim_schemas)
        for response, shown in ((created, body), (fetched, got)):
            common = {n: value_of(shown, n) for n in ("id", "externalId", "meta")}
            check(common["id"] and isinstance(common["meta"], dict)
                  and common["externalId"] == external,
                  f"The {kind} lacks a common attribute", expected=f"id, meta, externalId "
                  f"{external}", received=common, response=response,
                  requirement="C-3.1-01")  # fmt: skip


@requirement("C-2.3.8-01")
def test_json_key_order_does_not_matter(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """A User whose keys come in reverse order (schemas last, name's sub-attributes reversed)
    is created like any other and keeps its values (C-2.3.8-01)."""
    body = user_payload()
    body["name"] = dict(reversed(list(body["name"].items())))
    reordered = dict(reversed(list(body.items())))
    response = scim_client.post("/Users", reordered)
    assert_status(response, 201, requirement="C-2.3.8-01")
    shown = assert_resource(response, "User", scim_schemas)
    for name in ("userName", "name.familyName", "displayName"):
        check(str(value_of(shown, name)).lower() == str(value_of(body, name)).lower(),
              f"{name} was not stored from the reordered body", expected=value_of(body, name),
              received=value_of(shown, name), response=response,
              requirement="C-2.3.8-01")  # fmt: skip


def _enterprise_declared(resource_types: list[dict[str, Any]]) -> bool:
    user_type = next((r for r in resource_types if r.get("name") == "User"), {})
    declared = [str(e.get("schema", "")).lower() for e in user_type.get("schemaExtensions", [])]
    return ENTERPRISE_SCHEMA.lower() in declared


@requirement("C-3-04")
def test_order_of_schemas_does_not_matter(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas,
    resource_types: list[dict[str, Any]],
) -> None:  # fmt: skip
    """A User whose schemas list the enterprise extension before the core schema is created
    and stored just the same (C-3-04)."""
    if not _enterprise_declared(resource_types):
        pytest.skip("/ResourceTypes does not list the enterprise extension for User")
    number = str(uuid.uuid4().int % 10**8)
    body = user_payload(schemas=[ENTERPRISE_SCHEMA, USER_SCHEMA],
                        **{ENTERPRISE_SCHEMA: {"employeeNumber": number}})  # fmt: skip
    response = scim_client.post("/Users", body)
    assert_status(response, 201, requirement="C-3-04")
    shown = assert_resource(response, "User", scim_schemas)
    extension = shown.get(find_key(shown, ENTERPRISE_SCHEMA) or "", {})
    check(value_of(shown, "userName") == body["userName"] and isinstance(extension, dict)
          and value_of(extension, "employeeNumber") == number,
          "The User was not stored as with the usual schemas order",
          expected={"userName": body["userName"], "employeeNumber": number},
          received={"userName": value_of(shown, "userName"), ENTERPRISE_SCHEMA: extension},
          response=response, requirement="C-3-04")  # fmt: skip


@requirement("P-3.1-01")
def test_protocol_messages_use_api_urns(
    scim_client: ScimClient, scim_ownership: Ownership,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """ListResponse, Error and (when bulk is supported) BulkResponse bodies name their schema
    with a urn:ietf:params:scim:api:messages:2.0: URN (P-3.1-01)."""
    answers = [("ListResponse", scim_client.get("/Users", params={"count": "1"})),
               ("Error", scim_client.get(f"/Users/{scim_ownership.probe_id()}"))]  # fmt: skip
    if feature_supported(service_provider_config, "bulk") is True:
        operation = {"method": "DELETE", "path": f"/Users/{scim_ownership.probe_id()}"}
        answers.append(("BulkResponse", scim_client.post(
            "/Bulk", {"schemas": [BULK_REQUEST], "Operations": [operation]})))  # fmt: skip
    for message, response in answers:
        assert_status(response, 200, 404)
        schemas = json_object(response).get("schemas")
        check(isinstance(schemas, list) and API_PREFIX + message in schemas,
              f"The {message} does not use its API message URN",
              expected=[API_PREFIX + message], received=schemas, response=response,
              requirement="P-3.1-01")  # fmt: skip


def _projected(client: ScimClient, path: str, attributes: str, schemas: Schemas) -> Any:
    response = client.get(path, params={"attributes": attributes})
    assert_status(response, 200, requirement="P-3.10-02")
    return assert_resource(response, "User", schemas), response


@requirement("P-3.10-02")
def test_core_attributes_work_with_and_without_urn(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """A core attribute may be named plainly or with its schema URN: attributes=userName and
    attributes=urn:…:User:userName both select userName, and filters in both spellings find
    the user (P-3.10-02)."""
    path, name = f"/Users/{new_user['id']}", new_user["userName"]
    for spelling in ("userName", f"{USER_SCHEMA}:userName"):
        shown, response = _projected(scim_client, path, spelling, scim_schemas)
        check(value_of(shown, "userName") == name and not find_key(shown, "emails"),
              f"attributes={spelling} did not select userName only", expected={"userName": name},
              received=sorted(shown), response=response, requirement="P-3.10-02")  # fmt: skip
        if feature_supported(service_provider_config, "filter") is not False:
            text = f'{spelling} eq "{name}"'
            found = scim_client.get("/Users", params={"filter": text})
            ids = [r.get("id") for r in resources_of(assert_list_response(found))]
            check(ids == [new_user["id"]], f"filter={text} did not find the user",
                  expected=[new_user["id"]], received=ids, response=found,
                  requirement="P-3.10-02")  # fmt: skip


@requirement("P-3.10-03")
def test_extension_attributes_are_named_by_urn(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas,
    resource_types: list[dict[str, Any]], service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """An extension attribute is named <extension URN>:<attribute>: attributes=…:employeeNumber
    returns that value alone within the extension, and a filter on it finds the user
    (P-3.10-03)."""
    if not _enterprise_declared(resource_types):
        pytest.skip("/ResourceTypes does not list the enterprise extension for User")
    number = str(uuid.uuid4().int % 10**9)
    body = user_payload(
        schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA],
        **{ENTERPRISE_SCHEMA: {"employeeNumber": number, "department": "Ops"}},
    )
    created = scim_client.post("/Users", body)
    assert_status(created, 201)
    user_id = json_object(created)["id"]
    qualified = f"{ENTERPRISE_SCHEMA}:employeeNumber"
    shown, response = _projected(scim_client, f"/Users/{user_id}", qualified, scim_schemas)
    extension = shown.get(find_key(shown, ENTERPRISE_SCHEMA) or "")
    check(isinstance(extension, dict) and value_of(extension, "employeeNumber") == number
          and not find_key(extension, "department") and not find_key(shown, "emails"),
          f"attributes={qualified} did not select employeeNumber only",
          expected={ENTERPRISE_SCHEMA: {"employeeNumber": number}}, received=shown,
          response=response, requirement="P-3.10-03")  # fmt: skip
    if feature_supported(service_provider_config, "filter") is not False:
        text = f'{qualified} eq "{number}" and userName eq "{body["userName"]}"'
        found = scim_client.get("/Users", params={"filter": text})
        ids = [r.get("id") for r in resources_of(assert_list_response(found))]
        check(ids == [user_id], "A filter on the URN-qualified extension attribute failed",
              expected=[user_id], received=ids, response=found,
              requirement="P-3.10-03")  # fmt: skip
