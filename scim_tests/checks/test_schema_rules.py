"""Attribute characteristics in practice (RFC 7643 §2, §2.4, §3.1, §7): returned, caseExact,
multi-valued shape and primary, and the server's own /Schemas as the yardstick."""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import (
    assert_list_response,
    assert_scim_error,
    assert_status,
    check,
    json_object,
    resources_of,
)
from scim_tests.client import ScimClient
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.resources import (
    CORE_SCHEMAS,
    ENTERPRISE_SCHEMA,
    USER_SCHEMA,
    assert_resource,
    find_key,
    schema_attributes,
    value_of,
)

Payload = Callable[..., dict[str, Any]]
Schemas = dict[str, dict[str, Any]]


@pytest.fixture(params=["User", "Group"])
def kind(request: pytest.FixtureRequest) -> str:
    """The resource type a parametrized check works on."""
    return str(request.param)


def _created(kind: str, client: ScimClient, user_payload: Payload, group_payload: Payload
             ) -> dict[str, Any]:  # fmt: skip
    payload = user_payload() if kind == "User" else group_payload()
    return create(client, f"/{kind}s", payload)


@requirement("C-7-16", "C-3.1-09")
def test_returned_always_attributes_survive_attributes_parameter(
    scim_client: ScimClient, kind: str, user_payload: Payload, group_payload: Payload,
    scim_schemas: Schemas,
) -> None:  # fmt: skip
    """Attributes returned "always" (id, and any /Schemas marks so) appear even when
    ?attributes names another attribute (C-7-16, C-3.1-09)."""
    created = _created(kind, scim_client, user_payload, group_payload)
    declared = schema_attributes(scim_schemas, CORE_SCHEMAS[kind], returned="always")
    always = ["id"] + [a.name for a in declared if value_of(created, a.name) is not None]
    other = "userName" if kind == "User" else "displayName"
    response = scim_client.get(f"/{kind}s/{created['id']}", params={"attributes": other})
    assert_status(response, 200)
    body = assert_resource(response, kind, scim_schemas)
    missing = [name for name in always if value_of(body, name) is None]
    check(not missing, "A returned=always attribute was left out",
          expected=f"{', '.join(always)} present with attributes={other}",
          received=f"missing {', '.join(missing)}", response=response,
          requirement=("C-7-16", "C-3.1-09"))  # fmt: skip


@requirement("C-7-19", "P-3.9-02")
def test_default_attributes_omitted_when_others_requested(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """returned=default attributes (per /Schemas) the user has are left out once ?attributes
    names another one (C-7-19, P-3.9-02)."""
    declared = schema_attributes(scim_schemas, USER_SCHEMA, returned="default")
    defaults = [
        a.name
        for a in declared
        if a.name.lower() != "username" and value_of(new_user, a.name) is not None
    ]
    if not defaults:
        pytest.skip("the created User has no returned=default attribute besides userName")
    response = scim_client.get(f"/Users/{new_user['id']}", params={"attributes": "userName"})
    assert_status(response, 200)
    body = assert_resource(response, "User", scim_schemas)
    shown = [name for name in defaults if find_key(body, name)]
    check(not shown, "Default attributes not asked for were returned",
          expected="none of " + ", ".join(defaults), received=shown, response=response,
          requirement="C-7-19")  # fmt: skip


@requirement("C-7-17", "C-4.1.1-07", "C-7-15")
def test_returned_never_attributes_stay_hidden_when_requested(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """Attributes returned "never" or writeOnly (per /Schemas; password) do not appear even
    when asked for by name in ?attributes (C-7-17, C-4.1.1-07, C-7-15)."""
    never = [a.name for a in schema_attributes(scim_schemas, USER_SCHEMA, returned="never")]
    never += [a.name for a in schema_attributes(scim_schemas, USER_SCHEMA, mutability="writeOnly")]
    names = sorted({*never, "password"}, key=str.lower)
    created = create(scim_client, "/Users", user_payload(password=f"Pw-{uuid.uuid4().hex}!9"))
    for params in ({"attributes": ",".join(names)}, {"attributes": f"userName,{names[0]}"}):
        response = scim_client.get(f"/Users/{created['id']}", params=params)
        assert_status(response, 200)
        body = assert_resource(response, "User", scim_schemas, requirement="C-7-17")
        shown = [n for n in names if find_key(body, n)]
        check(not shown, "A returned=never attribute was returned on request",
              expected="no " + ", ".join(names), received=shown, response=response,
              requirement=("C-7-17", "C-4.1.1-07"))  # fmt: skip


@pytest.mark.scim_feature("filter")
@requirement("C-4.1.1-03", "C-7-10")
def test_user_name_filter_ignores_case(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """userName is caseExact=false, so an equality filter with the name in another case finds
    the user (C-4.1.1-03, C-7-10)."""
    shouted = new_user["userName"].upper()
    response = scim_client.get("/Users", params={"filter": f'userName eq "{shouted}"'})
    body = assert_list_response(response, requirement="C-4.1.1-03")
    found = [r.get("id") for r in resources_of(body)]
    for resource in resources_of(body):
        assert_resource(resource, "User", scim_schemas)
    check(new_user["id"] in found, "A userName filter in another case missed the user",
          expected=new_user["id"], received=found, response=response,
          requirement="C-4.1.1-03")  # fmt: skip


@pytest.mark.scim_feature("filter")
@requirement("C-3.1-12", "C-7-10", "C-3.1-13")
def test_external_id_filter_is_case_exact(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """externalId is caseExact: a filter with its exact value finds the user, the same text in
    another case does not (C-3.1-12, C-7-10, C-3.1-13)."""
    external = f"Ext-{uuid.uuid4().hex[:10]}-CaSe"
    created = create(scim_client, "/Users", user_payload(externalId=external))
    exact = scim_client.get("/Users", params={"filter": f'externalId eq "{external}"'})
    found = [r.get("id") for r in resources_of(assert_list_response(exact))]
    check(created["id"] in found, "A filter on the exact externalId missed the user",
          expected=created["id"], received=found, response=exact,
          requirement="C-3.1-13")  # fmt: skip
    other = scim_client.get("/Users", params={"filter": f'externalId eq "{external.swapcase()}"'})
    body = assert_list_response(other, requirement="C-7-10")
    for resource in resources_of(body):
        assert_resource(resource, "User", scim_schemas)
    wrong = [r.get("id") for r in resources_of(body)]
    check(created["id"] not in wrong, "An externalId filter in another case matched",
          expected="no match", received=wrong, response=other,
          requirement=("C-3.1-12", "C-7-10"))  # fmt: skip


@requirement("P-3.8-05", "C-2.3-02", "C-3.3-01")
def test_representation_matches_declared_types(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas,
    resource_types: list[dict[str, Any]],
) -> None:  # fmt: skip
    """Every attribute of a fetched User has the JSON type /Schemas declares: one email is
    still an array, name an object, active a boolean, meta timestamps dateTimes (P-3.8-05,
    C-2.3-02, C-3.3-01)."""
    extras: dict[str, Any] = {}
    user_type = next((r for r in resource_types if r.get("name") == "User"), {})
    declared = [str(e.get("schema", "")).lower() for e in user_type.get("schemaExtensions", [])]
    if ENTERPRISE_SCHEMA.lower() in declared:
        extras = {"schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
                  ENTERPRISE_SCHEMA: {"employeeNumber": "42", "costCenter": "4130"}}  # fmt: skip
    created = create(scim_client, "/Users", user_payload(**extras))
    response = scim_client.get(f"/Users/{created['id']}")
    assert_status(response, 200)
    body = assert_resource(response, "User", scim_schemas, requirement="P-3.8-05")
    check(isinstance(value_of(body, "emails"), list), "emails is not an array",
          expected="an array with one value", received=value_of(body, "emails"),
          response=response, requirement="P-3.8-05")  # fmt: skip
    check(USER_SCHEMA in body.get("schemas", []), "schemas lacks the core User schema",
          expected=USER_SCHEMA, received=body.get("schemas"), response=response,
          requirement="C-3.3-01")  # fmt: skip


@requirement("C-3-03")
def test_schemas_lists_only_the_schemas_the_resource_has(
    scim_client: ScimClient, kind: str, user_payload: Payload, group_payload: Payload,
    resource_types: list[dict[str, Any]],
) -> None:  # fmt: skip
    """A User and a Group list in schemas, in the 201 body and on GET, only their resource
    type's schema and the extensions /ResourceTypes declares for it (RFC 7643 §3, C-3-03).
    Listing a declared extension that carries no attribute is not judged: §3 bounds the values
    by the resource type's schema and schemaExtensions, and real servers list such URNs."""
    declared = next((r for r in resource_types if r.get("name") == kind), None)
    if declared is None or not isinstance(declared.get("schema"), str):
        pytest.skip(f"/ResourceTypes does not describe {kind} with its schema")
    core = str(declared["schema"])
    extensions = {str(e.get("schema", "")).lower() for e in declared.get("schemaExtensions") or []
                  if isinstance(e, dict)}  # fmt: skip
    created = _created(kind, scim_client, user_payload, group_payload)
    fetched = scim_client.get(f"/{kind}s/{created['id']}")
    assert_status(fetched, 200, requirement="C-3-03")
    allowed = extensions | {core.lower()}
    for shown, answer in ((created, None), (json_object(fetched), fetched)):
        raw = shown.get("schemas")
        listed = [str(u) for u in raw] if isinstance(raw, list) else []  # else C-3-01's concern
        undeclared = [u for u in listed if u.lower() not in allowed]
        check(not undeclared, f"A {kind}'s schemas lists a schema its type does not declare",
              expected=f"{core} or a declared extension {sorted(extensions)}", received=listed,
              response=answer, requirement="C-3-03")  # fmt: skip


@requirement("C-2.4-02")
def test_primary_is_true_at_most_once(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """At most one value of a multi-valued attribute is primary: two primary emails are
    refused (400) or stored with a single primary (C-2.4-02)."""
    base = user_payload()
    emails = [
        {"value": f"a-{base['emails'][0]['value']}", "type": "work", "primary": True},
        {"value": f"b-{base['emails'][0]['value']}", "type": "home", "primary": True},
    ]
    response = scim_client.post("/Users", {**base, "emails": emails})
    if response.status_code == 400:
        assert_scim_error(response, 400, requirement="C-2.4-02")
        return
    assert_status(response, 201, 400, requirement="C-2.4-02")
    created = assert_resource(response, "User", scim_schemas, requirement="C-2.4-02")
    fetched = scim_client.get(f"/Users/{created['id']}")
    for shown, answer in ((created, response), (assert_resource(fetched, "User", scim_schemas),
                                                fetched)):  # fmt: skip
        primaries = [e for e in value_of(shown, "emails") or []
                     if isinstance(e, dict) and value_of(e, "primary") is True]  # fmt: skip
        check(len(primaries) <= 1, "More than one email is primary", expected="at most one",
              received=primaries, response=answer, requirement="C-2.4-02")  # fmt: skip
