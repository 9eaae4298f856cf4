"""Creating resources (RFC 7644 §3.3; RFC 7643 §3.1, §4.1): 201, Location, id and meta,
readOnly values ignored, required and typed attributes, uniqueness, password never returned."""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import assert_scim_error, assert_status, check, json_object
from scim_tests.client import ScimClient
from scim_tests.discovery import feature_supported
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.resources import (
    ENTERPRISE_SCHEMA,
    USER_SCHEMA,
    assert_resource,
    find_key,
    schema_attributes,
    value_of,
)

Payload = Callable[..., dict[str, Any]]
Schemas = dict[str, dict[str, Any]]
UNIQUENESS_STATUS = (409, 400)  # 409 per RFC 7644, 400 tolerated by RFC 7643 (C-7-21)


@pytest.fixture(params=["User", "Group"])
def kind(request: pytest.FixtureRequest) -> str:
    """The resource type a parametrized check works on."""
    return str(request.param)


def _payload(kind: str, user_payload: Payload, group_payload: Payload) -> dict[str, Any]:
    return user_payload() if kind == "User" else group_payload()


@requirement("P-3.3-03", "P-3.3-04", "C-3.1-02", "P-3.3.1-01", "C-3.1-04")
def test_create_returns_201_with_id_and_meta(
    scim_client: ScimClient, kind: str, user_payload: Payload, group_payload: Payload,
    scim_schemas: Schemas,
) -> None:  # fmt: skip
    """A create answers 201 with the new resource: a non-empty id and server-assigned meta
    (resourceType naming the type, created, lastModified, location) (P-3.3-03, P-3.3-04,
    C-3.1-02, P-3.3.1-01, C-3.1-04)."""
    response = scim_client.post(f"/{kind}s", _payload(kind, user_payload, group_payload))
    assert_status(response, 201, requirement="P-3.3-03")
    body = assert_resource(response, kind, scim_schemas, requirement="P-3.3-04")
    check(isinstance(body.get("id"), str) and body["id"], "The created resource has no id",
          expected="a non-empty string id", received=body.get("id"), response=response,
          requirement="C-3.1-02", cause="the 201 body of a create has no string id")  # fmt: skip
    meta = value_of(body, "meta")
    missing = [k for k in ("resourceType", "created", "lastModified", "location")
               if not isinstance(meta, dict) or value_of(meta, k) in (None, "")]  # fmt: skip
    check(not missing, "meta lacks server-assigned sub-attributes",
          expected="meta.resourceType, created, lastModified and location",
          received=f"missing: {', '.join(missing)}", response=response,
          requirement="C-3.1-02")  # fmt: skip
    check(value_of(body, "meta.resourceType") == kind, "meta.resourceType does not name the type",
          expected=kind, received=value_of(body, "meta.resourceType"), response=response,
          requirement="P-3.3.1-01")  # fmt: skip


@requirement("P-3.3-05", "P-3.3-06")
def test_create_location_header_is_meta_location(
    scim_client: ScimClient, kind: str, user_payload: Payload, group_payload: Payload,
    scim_schemas: Schemas,
) -> None:  # fmt: skip
    """The 201 carries a Location header naming the new resource; it equals meta.location and
    a GET on it returns the resource (P-3.3-05, P-3.3-06)."""
    response = scim_client.post(f"/{kind}s", _payload(kind, user_payload, group_payload))
    assert_status(response, 201)
    body = assert_resource(response, kind, scim_schemas)
    location = response.headers.get("Location")
    check(location, "The 201 response has no Location header", expected="Location: <URI>",
          received="(no Location header)", response=response, requirement="P-3.3-05")  # fmt: skip
    check(value_of(body, "meta.location") == location, "Location differs from meta.location",
          expected=location, received=value_of(body, "meta.location"), response=response,
          requirement="P-3.3-06")  # fmt: skip
    fetched = scim_client.get(str(location))
    assert_status(fetched, 200, requirement="P-3.3-05")
    got = assert_resource(fetched, kind, scim_schemas)
    check(got.get("id") == body["id"], "The Location URI serves another resource",
          expected=body["id"], received=got.get("id"), response=fetched,
          requirement="P-3.3-05")  # fmt: skip


@requirement("C-3.1-16", "C-3.1-17", "C-2.3.5-01")
def test_created_resource_last_modified_equals_created(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """meta.created is a dateTime, and right after the create lastModified equals created
    (C-3.1-16, C-3.1-17, C-2.3.5-01)."""
    response = scim_client.post("/Users", user_payload())
    assert_status(response, 201)
    body = assert_resource(response, "User", scim_schemas, requirement="C-3.1-16")
    created, modified = value_of(body, "meta.created"), value_of(body, "meta.lastModified")
    check(isinstance(created, str), "meta.created is missing", expected="an xsd:dateTime",
          received=created, response=response, requirement="C-3.1-16")  # fmt: skip
    check(created == modified, "lastModified differs from created on a new resource",
          expected=f"lastModified == created ({created})", received=modified, response=response,
          requirement="C-3.1-17")  # fmt: skip


@requirement("C-3.1-07", "P-3.3-01")
def test_create_ignores_client_supplied_id(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """The server chooses ids: an id sent with the create is ignored (C-3.1-07, P-3.3-01)."""
    client_id = f"client-id-{uuid.uuid4()}"
    response = scim_client.post("/Users", user_payload(id=client_id))
    assert_status(response, 201, requirement="P-3.3-01")
    body = assert_resource(response, "User", scim_schemas)
    check(body.get("id") != client_id, "The server used the client's id",
          expected="a server-assigned id", received=body.get("id"), response=response,
          requirement="C-3.1-07")  # fmt: skip


@requirement("C-3.1-14", "P-3.3-01")
def test_create_ignores_client_supplied_meta(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """meta is server-assigned: a client's meta.created and meta.resourceType are ignored
    (C-3.1-14, P-3.3-01)."""
    meta = {"resourceType": "Group", "created": "2000-01-01T00:00:00Z",
            "lastModified": "2000-01-01T00:00:00Z"}  # fmt: skip
    response = scim_client.post("/Users", user_payload(meta=meta))
    assert_status(response, 201, requirement="P-3.3-01")
    body = assert_resource(response, "User", scim_schemas)
    shown = {k: value_of(body, f"meta.{k}") for k in meta}
    check(all(shown[k] != v for k, v in meta.items()), "The client's meta values were kept",
          expected="server-assigned meta (resourceType User, current timestamps)",
          received=shown, response=response, requirement="C-3.1-14")  # fmt: skip


def _carries_client_value(shown: Any, group_id: str) -> bool:
    """Whether a returned value still holds what the check sent (marker text or group id)."""
    items = shown if isinstance(shown, list) else [shown]
    return any(
        "client-sent" in str(item)
        or (isinstance(item, dict) and value_of(item, "value") == group_id)
        for item in items
        if item is not None
    )


@requirement("P-3.3-01", "C-7-13")
def test_create_ignores_read_only_attributes(
    scim_client: ScimClient, user_payload: Payload, new_group: dict[str, Any],
    scim_schemas: Schemas,
) -> None:  # fmt: skip
    """Values for attributes the server declares readOnly (from /Schemas, e.g. groups) are
    ignored on create: neither the 201 body nor a GET shows them (P-3.3-01, C-7-13)."""
    read_only = [a for a in schema_attributes(scim_schemas, USER_SCHEMA, mutability="readOnly")
                 if a.name.lower() not in ("id", "meta")]  # fmt: skip
    if not read_only:
        pytest.skip("/Schemas declares no readOnly User attribute besides id and meta")
    sent: dict[str, Any] = {}
    for attribute in read_only:
        if attribute.type == "complex":
            value: Any = {"value": new_group["id"], "display": "client-sent"}
        else:
            value = f"client-sent-{attribute.name}" if attribute.type == "string" else None
        if value is not None:
            sent[attribute.name] = [value] if attribute.multi_valued else value
    response = scim_client.post("/Users", user_payload(**sent))
    assert_status(response, 201, requirement="P-3.3-01")
    body = assert_resource(response, "User", scim_schemas)
    fetched = scim_client.get(f"/Users/{body['id']}")
    assert_status(fetched, 200)
    for shown, answer in ((body, response), (assert_resource(fetched, "User", scim_schemas),
                                             fetched)):  # fmt: skip
        kept = {name: value_of(shown, name) for name in sent
                if _carries_client_value(value_of(shown, name), new_group["id"])}  # fmt: skip
        check(not kept, "Client values of readOnly attributes were stored",
              expected=f"no client values for {', '.join(sent)}", received=kept,
              response=answer, requirement=("P-3.3-01", "C-7-13"))  # fmt: skip


@requirement("C-3.1-10", "C-3.1-12", "C-7-11")
def test_create_stores_external_id_verbatim(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """externalId belongs to the client: it comes back exactly as sent, case included, and
    the server never invents one (C-3.1-10, C-3.1-12, C-7-11)."""
    external = f"Ext-{uuid.uuid4().hex[:8]}-MiXeD"
    response = scim_client.post("/Users", user_payload(externalId=external))
    assert_status(response, 201)
    body = assert_resource(response, "User", scim_schemas)
    fetched = scim_client.get(f"/Users/{body['id']}")
    got = assert_resource(fetched, "User", scim_schemas)
    for shown, answer in ((body, response), (got, fetched)):
        check(value_of(shown, "externalId") == external, "externalId was not kept verbatim",
              expected=external, received=value_of(shown, "externalId"), response=answer,
              requirement=("C-3.1-12", "C-7-11"))  # fmt: skip
    without = user_payload()
    del without["externalId"]
    plain = scim_client.post("/Users", without)
    assert_status(plain, 201)
    invented = value_of(assert_resource(plain, "User", scim_schemas), "externalId")
    check(invented is None, "The server invented an externalId", expected="no externalId",
          received=invented, response=plain, requirement="C-3.1-10")  # fmt: skip


@requirement("C-4.1.1-01", "P-3.12-07")
def test_create_without_user_name_is_refused(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """userName is required: a create without it is refused with 400 invalidValue
    (C-4.1.1-01, P-3.12-07)."""
    missing = user_payload()
    del missing["userName"]
    response = scim_client.post("/Users", missing)
    assert_scim_error(response, 400, "invalidValue", requirement="C-4.1.1-01")


@requirement("C-4.1.1-01", "P-3.12-07")
def test_create_with_empty_user_name_is_refused(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """userName must be non-empty: a create with userName "" is refused with 400 invalidValue
    (C-4.1.1-01, P-3.12-07). A distinct check from the missing attribute: servers that test
    only for the key's presence get this one wrong alone."""
    response = scim_client.post("/Users", user_payload(userName=""))
    assert_scim_error(response, 400, "invalidValue", requirement="C-4.1.1-01")


@requirement("P-3.12-22", "P-3.12-07")
def test_create_with_wrongly_typed_value_is_refused(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """A value of the wrong JSON type (active: "yes" for a boolean) is refused with 400
    rather than coerced (P-3.12-22, P-3.12-07; both SHOULD: silently reading "yes" as true
    hides client bugs)."""
    response = scim_client.post("/Users", user_payload(active="yes"))
    assert_scim_error(response, 400, ("invalidValue", "invalidSyntax"), requirement="P-3.12-22")


@requirement("P-3.3-07", "C-4.1.1-02", "C-7-21", "C-7-22", "P-3.12-11")
def test_duplicate_user_name_is_refused(scim_client: ScimClient, user_payload: Payload) -> None:
    """A second create with a taken userName is refused: 409 (400 tolerated) with scimType
    uniqueness (P-3.3-07, C-4.1.1-02, C-7-21, C-7-22, P-3.12-11)."""
    body = user_payload()
    create(scim_client, "/Users", body)
    again = user_payload(userName=body["userName"])
    response = scim_client.post("/Users", again)
    assert_scim_error(response, UNIQUENESS_STATUS, "uniqueness", requirement="P-3.3-07")


@requirement("C-4.1.1-03", "P-5-01", "C-7-21")
def test_user_name_uniqueness_ignores_case(scim_client: ScimClient, user_payload: Payload) -> None:
    """userName is case-insensitive, so a name differing only in case collides: 409 (400
    tolerated) with scimType uniqueness (C-4.1.1-03, P-5-01, C-7-21)."""
    body = user_payload()
    create(scim_client, "/Users", body)
    response = scim_client.post("/Users", user_payload(userName=body["userName"].upper()))
    assert_scim_error(response, UNIQUENESS_STATUS, "uniqueness", requirement="C-4.1.1-03")


@requirement("C-2.1-01")
def test_attribute_names_in_request_are_case_insensitive(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """Attribute names in a request body are case-insensitive: "USERNAME" and "DisplayName"
    are read as userName and displayName (C-2.1-01)."""
    body = user_payload()
    shouted = {("USERNAME" if k == "userName" else "DisplayName" if k == "displayName" else k): v
               for k, v in body.items()}  # fmt: skip
    response = scim_client.post("/Users", shouted)
    assert_status(response, 201, requirement="C-2.1-01")
    created = assert_resource(response, "User", scim_schemas)
    for name in ("userName", "displayName"):
        check(str(value_of(created, name)).lower() == body[name].lower(),
              f"{name} sent with another case was not stored", expected=body[name],
              received=value_of(created, name), response=response,
              requirement="C-2.1-01")  # fmt: skip


@requirement("C-3.1-08", "C-3.1-05")
def test_ids_are_unique_and_never_contain_bulk_id(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """Server-assigned ids never contain "bulkId", and a User and a Group never share an id
    (C-3.1-08, C-3.1-05)."""
    user = create(scim_client, "/Users", user_payload())
    group = create(scim_client, "/Groups", group_payload())
    for resource in (user, group):
        check("bulkid" not in resource["id"].lower(), "An id contains the reserved bulkId",
              expected="an id without 'bulkId'", received=resource["id"],
              requirement="C-3.1-08")  # fmt: skip
    check(user["id"] != group["id"], "A User and a Group share an id",
          expected="distinct ids", received=user["id"], requirement="C-3.1-05")  # fmt: skip


@requirement("C-4.1.1-07", "C-7-17", "C-7-15")
def test_password_is_accepted_and_never_returned(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """A create with a password succeeds, and the password shows up in no response: not the
    201, not a GET, not a list (C-4.1.1-07, C-7-17, C-7-15)."""
    body = user_payload(password=f"Pw-{uuid.uuid4().hex[:12]}!9")
    response = scim_client.post("/Users", body)
    assert_status(response, 201, requirement="C-4.1.1-07")
    answers = [response, scim_client.get(f"/Users/{json_object(response)['id']}")]
    if feature_supported(service_provider_config, "filter") is not False:
        answers.append(scim_client.get(
            "/Users", params={"filter": f'userName eq "{body["userName"]}"'}))  # fmt: skip
    for answer in answers:
        assert_status(answer, 200, 201)
        # "password": null is no password (RFC 7643 §2.5); any other value is one.
        check(not re.search(r'"password"\s*:(?!\s*null\b)', answer.text, re.IGNORECASE),
              "The password was returned", expected="no password attribute",
              received=answer.text[:200], response=answer,
              requirement=("C-4.1.1-07", "C-7-17"))  # fmt: skip
    assert_resource(answers[1], "User", scim_schemas)


@requirement("C-3.3-02", "C-3.3-04", "C-3-03")
def test_create_with_enterprise_extension(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas,
    resource_types: list[dict[str, Any]],
) -> None:  # fmt: skip
    """When Users declare the enterprise extension, its values sent under the extension URN
    are stored there and the URN is listed in schemas (C-3.3-02, C-3.3-04, C-3-03)."""
    user_type = next((r for r in resource_types if r.get("name") == "User"), {})
    declared = [str(e.get("schema", "")).lower() for e in user_type.get("schemaExtensions", [])]
    if ENTERPRISE_SCHEMA.lower() not in declared:
        pytest.skip("/ResourceTypes does not list the enterprise extension for User")
    values = {"employeeNumber": "701984", "department": "Tour Operations"}
    body = user_payload(schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA], **{ENTERPRISE_SCHEMA: values})
    response = scim_client.post("/Users", body)
    assert_status(response, 201, requirement="C-3.3-02")
    created = assert_resource(response, "User", scim_schemas)
    fetched = scim_client.get(f"/Users/{created['id']}")
    for shown, answer in ((created, response), (assert_resource(fetched, "User", scim_schemas),
                                                fetched)):  # fmt: skip
        key = find_key(shown, ENTERPRISE_SCHEMA)
        stored = shown.get(key) if key else None
        check(isinstance(stored, dict) and all(value_of(stored, k) == v for k, v in values.items()),
              "Extension values are not under the extension URN", expected=values,
              received=stored, response=answer, requirement="C-3.3-02")  # fmt: skip
        listed = [str(s).lower() for s in shown.get("schemas", [])]
        check(ENTERPRISE_SCHEMA.lower() in listed, "schemas does not list the extension",
              expected=ENTERPRISE_SCHEMA, received=shown.get("schemas"), response=answer,
              requirement="C-3.3-04")  # fmt: skip


@requirement("P-3.9-01", "P-3.9-02", "C-3.1-09")
def test_create_honours_attributes_parameters(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """attributes and excludedAttributes shape the 201 body too: ?attributes=userName leaves
    id and userName, ?excludedAttributes=emails drops emails only (P-3.9-01, P-3.9-02,
    C-3.1-09)."""
    response = scim_client.post("/Users", user_payload(), params={"attributes": "userName"})
    assert_status(response, 201, requirement="P-3.9-01")
    body = assert_resource(response, "User", scim_schemas)
    extra = [k for k in ("emails", "name", "displayName", "title", "phoneNumbers")
             if find_key(body, k)]  # fmt: skip
    check(body.get("id") and value_of(body, "userName") and not extra,
          "The 201 body ignores attributes=userName", expected="id and userName only",
          received=sorted(body), response=response, requirement="P-3.9-01")  # fmt: skip
    excluded = scim_client.post("/Users", user_payload(), params={"excludedAttributes": "emails"})
    assert_status(excluded, 201, requirement="P-3.9-01")
    shown = assert_resource(excluded, "User", scim_schemas)
    check(not find_key(shown, "emails") and value_of(shown, "userName"),
          "The 201 body ignores excludedAttributes=emails", expected="userName, no emails",
          received=sorted(shown), response=excluded, requirement="P-3.9-01")  # fmt: skip
