"""Discovery (RFC 7644 §4; RFC 7643 §5-§7): /ServiceProviderConfig, /ResourceTypes, /Schemas.

The documents must be complete and well formed, agree with each other, and describe what the
endpoints actually do. Discovery checks re-fetch the documents rather than trust the session
fixtures, so a failure shows the exchange.
"""

from __future__ import annotations

import re
from typing import Any

import pytest

from scim_tests.asserts import (
    assert_list_response,
    assert_status,
    assert_valid,
    check,
    json_object,
    resources_of,
)
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import feature_supported
from scim_tests.fixtures import GROUP_SCHEMA, USER_SCHEMA
from scim_tests.markers import requirement

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
TYPES = ("string", "boolean", "decimal", "integer", "dateTime", "reference", "binary", "complex")
CHARACTERISTICS = {
    "mutability": ("readOnly", "readWrite", "immutable", "writeOnly"),
    "returned": ("always", "never", "default", "request"),
    "uniqueness": ("none", "server", "global"),
}
# RFC 7643 §2.1 ATTRNAME; "$ref" is the RFC's own exception.
ATTRIBUTE_NAME = re.compile(r"^(?:[A-Za-z][A-Za-z0-9$_-]*|\$ref)$")
FEATURES = {"patch": "C-5-03", "changePassword": "C-5-06", "sort": "C-5-07", "etag": "C-5-08"}


def _document(client: ScimClient, path: str, requirement: str) -> tuple[ScimResponse, Any]:
    response = client.get(path)
    assert_status(response, 200, requirement=requirement)
    return response, json_object(response, requirement=requirement)


def _resource_types(client: ScimClient) -> tuple[ScimResponse, list[dict[str, Any]]]:
    response = client.get("/ResourceTypes")
    return response, resources_of(assert_list_response(response, requirement="P-4-04"))


def _schemas(client: ScimClient) -> tuple[ScimResponse, list[dict[str, Any]]]:
    response = client.get("/Schemas")
    return response, resources_of(assert_list_response(response, requirement="P-4-02"))


def _attributes(schema: dict[str, Any]) -> list[tuple[str, dict[str, Any], bool]]:
    """(dotted name, definition, is a sub-attribute) of every attribute of ``schema``."""
    found = []
    for attribute in schema.get("attributes") or []:
        if not isinstance(attribute, dict):
            continue
        found.append((str(attribute.get("name")), attribute, False))
        for sub in attribute.get("subAttributes") or []:
            if isinstance(sub, dict):
                found.append((f"{attribute.get('name')}.{sub.get('name')}", sub, True))
    return found


def _lower_ids(schemas: list[dict[str, Any]]) -> set[str]:
    return {str(s.get("id")).lower() for s in schemas}


# -- /ServiceProviderConfig ------------------------------------------------------------------


@requirement("P-4-01")
def test_service_provider_config_declares_its_schema(scim_client: ScimClient) -> None:
    """GET /ServiceProviderConfig answers a JSON object whose schemas names the
    ServiceProviderConfig URN (P-4-01)."""
    response, body = _document(scim_client, "/ServiceProviderConfig", "P-4-01")
    check(body.get("schemas") == [SPC_SCHEMA], "ServiceProviderConfig has the wrong schemas",
          expected=f'schemas: ["{SPC_SCHEMA}"]', received=f"schemas: {body.get('schemas')!r}",
          response=response, requirement="P-4-01")  # fmt: skip


@requirement("C-5-03", "C-5-04", "C-5-05", "C-5-06", "C-5-07", "C-5-08")
def test_service_provider_config_has_every_required_attribute(scim_client: ScimClient) -> None:
    """Every REQUIRED feature block is present with a boolean ``supported``; bulk states
    maxOperations and maxPayloadSize, filter states maxResults, as integers (C-5-03..C-5-08)."""
    response, body = _document(scim_client, "/ServiceProviderConfig", "P-4-01")
    numbers = {"bulk": ("C-5-04", ("maxOperations", "maxPayloadSize")),
               "filter": ("C-5-05", ("maxResults",))}  # fmt: skip
    for name, req in {**FEATURES, **{k: v[0] for k, v in numbers.items()}}.items():
        block = body.get(name)
        check(isinstance(block, dict) and isinstance(block.get("supported"), bool),
              f"ServiceProviderConfig lacks {name}.supported", expected=f"{name}.supported: "
              "true or false", received=f"{name}: {block!r}", response=response,
              requirement=req)  # fmt: skip
        for field in numbers.get(name, ("", ()))[1]:
            value = block.get(field)
            check(isinstance(value, int) and not isinstance(value, bool),
                  f"ServiceProviderConfig lacks {name}.{field}", expected="an integer",
                  received=repr(value), response=response, requirement=req)  # fmt: skip
    assert_valid(body, "ServiceProviderConfig", response=response, requirement="C-5-04")


@requirement("C-5-09")
def test_authentication_schemes_are_described(scim_client: ScimClient) -> None:
    """authenticationSchemes is a list whose entries each give type, name and description
    (C-5-09)."""
    response, body = _document(scim_client, "/ServiceProviderConfig", "P-4-01")
    schemes = body.get("authenticationSchemes")
    check(isinstance(schemes, list), "ServiceProviderConfig lacks authenticationSchemes",
          expected="an array", received=repr(schemes), response=response,
          requirement="C-5-09")  # fmt: skip
    for scheme in schemes:
        fields = scheme if isinstance(scheme, dict) else {}
        missing = [k for k in ("type", "name", "description") if not isinstance(fields.get(k), str)]
        check(not missing, "An authentication scheme is incompletely described",
              expected="type, name and description strings", received=f"missing {missing} in "
              f"{scheme!r}", response=response, requirement="C-5-09")  # fmt: skip


@requirement("C-5-12")
def test_advertised_patch_support_matches_behaviour(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """PATCH works when patch.supported is true, and changes nothing when it is false; a
    provider that advertises bulk.supported=false does not run a /Bulk request (C-5-12)."""
    _, spc = _document(scim_client, "/ServiceProviderConfig", "P-4-01")
    path = f"/Users/{new_user['id']}"
    value = f"{new_user.get('displayName', 'x')} patched"
    change = {"op": "replace", "path": "displayName", "value": value}
    operation = {"schemas": [PATCH_OP], "Operations": [change]}
    response = scim_client.patch(path, operation)
    after = json_object(scim_client.get(path))
    assert_valid(after, "User")
    if feature_supported(spc, "patch"):
        assert_status(response, 200, 204, requirement="C-5-12")
        check(after.get("displayName") == value, "PATCH is advertised but did not apply",
              expected=repr(value), received=repr(after.get("displayName")), response=response,
              requirement="C-5-12")  # fmt: skip
    else:
        check(not (200 <= response.status_code < 300 and after.get("displayName") == value),
              "PATCH is advertised as unsupported but was performed",
              expected="501 (or another refusal) and no change",
              received=f"{response.status_code}, displayName now {after.get('displayName')!r}",
              response=response, requirement="C-5-12")  # fmt: skip
    if feature_supported(spc, "bulk") is False:
        bulk = scim_client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": []})
        check(not 200 <= bulk.status_code < 300, "/Bulk is advertised as unsupported but answers",
              expected="501 or 404", received=bulk.status_code, response=bulk,
              requirement="C-5-12")  # fmt: skip


# -- read-only documents, parameters --------------------------------------------------------


def _single_paths(client: ScimClient) -> dict[str, str]:
    _, types = _resource_types(client)
    users = [t for t in types if t.get("schema") == USER_SCHEMA] or types or [{}]
    user_type = users[0]
    return {"ServiceProviderConfig": "/ServiceProviderConfig",
            "ResourceType": f"/ResourceTypes/{user_type.get('id') or user_type.get('name')}",
            "Schema": f"/Schemas/{user_type.get('schema', USER_SCHEMA)}"}  # fmt: skip


READ_ONLY = {"ServiceProviderConfig": "C-5-02", "ResourceType": "C-6-01", "Schema": "C-7-03"}


@pytest.mark.parametrize("kind", sorted(READ_ONLY))
@requirement("C-5-02", "C-6-01", "C-7-03")
def test_discovery_documents_are_read_only(scim_client: ScimClient, kind: str) -> None:
    """A PUT of a discovery document is refused with 4xx or 501 (C-5-02, C-6-01, C-7-03).

    The document is sent back unchanged, so a provider that wrongly accepts it is not altered.
    """
    path = _single_paths(scim_client)[kind]
    _, document = _document(scim_client, path, "P-4-05")
    attempt = scim_client.put(path, document)
    check(400 <= attempt.status_code < 500 or attempt.status_code == 501,
          f"A PUT of the {kind} document was not refused", expected="4xx or 501",
          received=attempt.status_code, response=attempt, requirement=READ_ONLY[kind])  # fmt: skip


@pytest.mark.parametrize("endpoint", ["/ResourceTypes", "/Schemas"])
@requirement("P-4-07")
def test_discovery_paging_parameters_are_ignored(scim_client: ScimClient, endpoint: str) -> None:
    """startIndex, count, sortBy and filter do not shorten a discovery list: it is complete, or
    (for filter) refused (P-4-07)."""
    plain = resources_of(assert_list_response(scim_client.get(endpoint), requirement="P-4-06"))
    expected = sorted(str(r.get("id") or r.get("name")) for r in plain)
    for params in ({"startIndex": "2", "count": "1", "sortBy": "id", "sortOrder": "descending"},
                   {"filter": 'id eq "scimct-none"'}):  # fmt: skip
        response = scim_client.get(endpoint, params=params)
        if "filter" in params and 400 <= response.status_code < 500:
            continue  # refusing the filter is what P-4-08 asks for
        body = assert_list_response(response, requirement="P-4-07")
        got = sorted(str(r.get("id") or r.get("name")) for r in resources_of(body))
        check(got == expected, f"{endpoint} applied {', '.join(params)}",
              expected=f"the complete list {expected}", received=got, response=response,
              requirement="P-4-07")  # fmt: skip


@pytest.mark.parametrize("endpoint", ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"])
@requirement("P-4-08", "P-4-07")
def test_discovery_filter_is_forbidden(
    scim_client: ScimClient, endpoint: str, request: pytest.FixtureRequest
) -> None:
    """A filter on a discovery endpoint is refused or ignored, never applied (P-4-08, P-4-07).

    RFC 7644 §4 asks both that these endpoints ignore query parameters (P-4-07) and that a
    filter get 403 (P-4-08). The two cannot both hold, so 403, another 4xx refusal and the
    complete, unfiltered document all pass; anything but 403 is recorded as a note (JUnit
    property ``scim_note``). Only a filter that was applied, or no usable answer, fails.
    """
    response = scim_client.get(endpoint, params={"filter": 'id eq "scimct-none"'})
    if response.status_code == 403:
        return
    if 400 <= response.status_code < 500:
        note = f"P-4-08: {endpoint}?filter answered {response.status_code}, not 403"
        request.node.user_properties.append(("scim_note", note))
        return
    assert_status(response, 200, 403, requirement="P-4-07",
                  title=f"{endpoint}?filter was neither refused nor ignored")  # fmt: skip
    if endpoint == "/ServiceProviderConfig":
        body = json_object(response, requirement="P-4-07")
        check(SPC_SCHEMA in (body.get("schemas") or []), "A filtered /ServiceProviderConfig "
              "is not the document", expected=f"schemas [{SPC_SCHEMA}]",
              received=body.get("schemas"), response=response, requirement="P-4-07")  # fmt: skip
    else:
        plain = resources_of(assert_list_response(scim_client.get(endpoint)))
        got = resources_of(assert_list_response(response, requirement="P-4-07"))
        check(len(got) == len(plain), f"{endpoint} applied the filter",
              expected=f"the complete list ({len(plain)} resources) or 403",
              received=f"{len(got)} resources", response=response,
              requirement="P-4-07")  # fmt: skip
    note = f"P-4-08: {endpoint} ignored the filter (P-4-07), not 403"
    request.node.user_properties.append(("scim_note", note))


# -- /ResourceTypes --------------------------------------------------------------------------


@requirement("P-4-04", "P-4-06", "C-6-01", "C-6-07")
def test_resource_types_are_listed(scim_client: ScimClient) -> None:
    """GET /ResourceTypes is a ListResponse of ResourceType documents, each naming the
    ResourceType schema, a name, an endpoint and a schema; extensions say whether they are
    required (P-4-04, P-4-06, C-6-01, C-6-07)."""
    response, types = _resource_types(scim_client)
    check(types, "/ResourceTypes lists nothing", expected="at least one resource type",
          received="no Resources", response=response, requirement="P-4-04")  # fmt: skip
    for rt in types:
        check(RESOURCE_TYPE_SCHEMA in (rt.get("schemas") or []),
              "A ResourceType does not name its schema", expected=RESOURCE_TYPE_SCHEMA,
              received=f"schemas: {rt.get('schemas')!r} in {rt.get('name')}", response=response,
              requirement="C-6-01")  # fmt: skip
        for extension in rt.get("schemaExtensions") or []:
            check(isinstance(extension.get("required"), bool), "schemaExtensions lacks required",
                  expected="required: true or false", received=repr(extension),
                  response=response, requirement="C-6-07")  # fmt: skip
        assert_valid(rt, "ResourceType", response=response, requirement="P-4-04")


@requirement("P-4-05")
def test_resource_type_is_served_as_a_single_object(scim_client: ScimClient) -> None:
    """GET /ResourceTypes/<id> answers that ResourceType as a plain object, not a ListResponse
    (P-4-05)."""
    _, types = _resource_types(scim_client)
    for rt in types:
        response, body = _document(scim_client, f"/ResourceTypes/{rt.get('id') or rt['name']}",
                                   "P-4-05")  # fmt: skip
        check(body.get("name") == rt.get("name") and LIST_RESPONSE not in body.get("schemas", []),
              "A single ResourceType is not returned as itself", expected=f"the {rt.get('name')}"
              " ResourceType object", received=body.get("schemas"), response=response,
              requirement="P-4-05")  # fmt: skip
        assert_valid(body, "ResourceType", response=response, requirement="P-4-05")


@requirement("C-6-05", "C-6-06")
def test_resource_type_schemas_are_published(scim_client: ScimClient) -> None:
    """Each ResourceType's schema and every schemaExtensions schema is published in /Schemas
    (C-6-05, C-6-06)."""
    response, types = _resource_types(scim_client)
    _, schemas = _schemas(scim_client)
    published = _lower_ids(schemas)
    for rt in types:
        check(str(rt.get("schema")).lower() in published, "A resource type's schema is missing",
              expected=f"{rt.get('schema')} in /Schemas", received=sorted(published),
              response=response, requirement="C-6-05")  # fmt: skip
        for extension in rt.get("schemaExtensions") or []:
            check(str(extension.get("schema")).lower() in published,
                  "A schema extension is not published", expected=f"{extension.get('schema')} "
                  "in /Schemas", received=sorted(published), response=response,
                  requirement="C-6-06")  # fmt: skip


@requirement("C-6-04")
def test_resource_type_endpoints_serve_list_responses(scim_client: ScimClient) -> None:
    """GET on the endpoint of every ResourceType answers a ListResponse (C-6-04)."""
    _, types = _resource_types(scim_client)
    for rt in types:
        body = assert_list_response(scim_client.get(str(rt.get("endpoint")), params={
            "count": "1"}), requirement="C-6-04")  # fmt: skip
        for resource in resources_of(body):
            if rt.get("schema") in (USER_SCHEMA, GROUP_SCHEMA):
                assert_valid(resource, "User" if rt["schema"] == USER_SCHEMA else "Group")


@requirement("P-3.2-02")
def test_users_and_groups_live_at_well_known_endpoints(scim_client: ScimClient) -> None:
    """The User and Group resource types are served at /Users and /Groups (P-3.2-02)."""
    response, types = _resource_types(scim_client)
    for rt in types:
        wanted = {USER_SCHEMA: "/Users", GROUP_SCHEMA: "/Groups"}.get(str(rt.get("schema")))
        check(wanted is None or str(rt.get("endpoint")).rstrip("/") == wanted,
              f"The {rt.get('name')} resource type is not at {wanted}", expected=wanted,
              received=rt.get("endpoint"), response=response, requirement="P-3.2-02")  # fmt: skip


@requirement("C-6-02")
def test_resources_name_their_resource_type(
    scim_client: ScimClient, new_user: dict[str, Any], new_group: dict[str, Any]
) -> None:
    """meta.resourceType of a User and a Group is the name of their ResourceType (C-6-02)."""
    response, types = _resource_types(scim_client)
    assert_valid(new_user, "User")
    assert_valid(new_group, "Group")
    for resource, schema in ((new_user, USER_SCHEMA), (new_group, GROUP_SCHEMA)):
        names = [t.get("name") for t in types if t.get("schema") == schema]
        got = (resource.get("meta") or {}).get("resourceType")
        check(got in names, "meta.resourceType is not the ResourceType's name",
              expected=" or ".join(map(str, names)) or f"a ResourceType for {schema}",
              received=got, response=response, requirement="C-6-02")  # fmt: skip


# -- /Schemas --------------------------------------------------------------------------------


@requirement("P-4-02", "P-4-06", "C-7-02", "C-7-04")
def test_schemas_are_listed(scim_client: ScimClient) -> None:
    """GET /Schemas is a ListResponse of valid Schema documents whose id is their URN, and
    includes the User and Group schemas when those types are offered (P-4-02, P-4-06, C-7-02,
    C-7-04)."""
    _, types = _resource_types(scim_client)
    response, schemas = _schemas(scim_client)
    for schema in schemas:
        check(SCHEMA_SCHEMA in (schema.get("schemas") or []), "A Schema does not name its schema",
              expected=SCHEMA_SCHEMA, received=f"schemas: {schema.get('schemas')!r}",
              response=response, requirement="C-7-02")  # fmt: skip
        check(str(schema.get("id")).startswith("urn:"), "A Schema id is not its URN",
              expected="urn:…", received=schema.get("id"), response=response,
              requirement="C-7-04")  # fmt: skip
        assert_valid(schema, "Schema", response=response, requirement="P-4-02")
    offered = {str(t.get("schema")).lower() for t in types} & {USER_SCHEMA.lower(),
                                                              GROUP_SCHEMA.lower()}  # fmt: skip
    missing = offered - _lower_ids(schemas)
    check(not missing, "/Schemas leaves out a core schema", expected=sorted(offered),
          received=f"missing {sorted(missing)}", response=response,
          requirement="P-4-02")  # fmt: skip


@requirement("P-4-03", "P-4-05")
def test_schema_is_served_by_its_urn(scim_client: ScimClient) -> None:
    """GET /Schemas/<urn> answers that one Schema as a plain object (P-4-03, P-4-05)."""
    _, schemas = _schemas(scim_client)
    for schema in schemas:
        if str(schema.get("id")) not in (USER_SCHEMA, GROUP_SCHEMA):
            continue
        response, body = _document(scim_client, f"/Schemas/{schema['id']}", "P-4-03")
        check(body.get("id") == schema["id"], "GET /Schemas/<urn> is not that schema",
              expected=f"a Schema with id {schema['id']}", received=f"schemas "
              f"{body.get('schemas')!r}, id {body.get('id')!r}", response=response,
              requirement="P-4-05")  # fmt: skip
        assert_valid(body, "Schema", response=response, requirement="P-4-03")


@requirement("P-3.1-02")
def test_schemas_publish_no_api_message_urns(scim_client: ScimClient) -> None:
    """Protocol message schemas (urn:ietf:params:scim:api:…) are not published in /Schemas
    (P-3.1-02)."""
    response, schemas = _schemas(scim_client)
    api = [s.get("id") for s in schemas if str(s.get("id")).startswith("urn:ietf:params:scim:api:")]
    check(not api, "/Schemas publishes API message schemas", expected="only resource schemas",
          received=api, response=response, requirement="P-3.1-02")  # fmt: skip


@requirement("C-7-01")
def test_every_schema_used_by_resources_is_published(
    scim_client: ScimClient, new_user: dict[str, Any], new_group: dict[str, Any]
) -> None:
    """Every URN in a resource's schemas has a Schema in /Schemas (C-7-01)."""
    response, schemas = _schemas(scim_client)
    assert_valid(new_user, "User")
    assert_valid(new_group, "Group")
    used = {str(u) for r in (new_user, new_group) for u in r.get("schemas") or []}
    missing = sorted(u for u in used if u.lower() not in _lower_ids(schemas))
    check(not missing, "Resources use schemas that /Schemas does not publish",
          expected=sorted(used), received=f"missing {missing}", response=response,
          requirement="C-7-01")  # fmt: skip


@requirement("C-7-06", "C-7-07", "C-2.3-01")
def test_attribute_definitions_use_defined_characteristics(scim_client: ScimClient) -> None:
    """Each attribute states name, type and multiValued; type, mutability, returned and
    uniqueness take only the values RFC 7643 §7 defines (C-7-06, C-7-07, C-2.3-01)."""
    response, schemas = _schemas(scim_client)
    for schema in schemas:
        for name, attribute, _ in _attributes(schema):
            where = f"{schema.get('id')}:{name}"
            check(isinstance(attribute.get("multiValued"), bool) and "type" in attribute,
                  "An attribute definition lacks type or multiValued", expected="name, type "
                  "and multiValued", received=f"{where}: {sorted(attribute)}",
                  response=response, requirement="C-7-06")  # fmt: skip
            check(attribute["type"] in TYPES, "An attribute has an undefined type",
                  expected=" | ".join(TYPES), received=f"{where}: {attribute['type']!r}",
                  response=response, requirement="C-7-07")  # fmt: skip
            for key, allowed in CHARACTERISTICS.items():
                value = attribute.get(key, allowed[0])
                check(value in allowed, f"An attribute has an undefined {key}",
                      expected=" | ".join(allowed), received=f"{where}: {value!r}",
                      response=response, requirement="C-7-06")  # fmt: skip


@requirement("C-2.1-02")
def test_attribute_names_follow_the_naming_rule(scim_client: ScimClient) -> None:
    """Attribute names start with a letter and continue with letters, digits, '$', '-' or '_'
    ('$ref' excepted) (C-2.1-02)."""
    response, schemas = _schemas(scim_client)
    bad = [f"{s.get('id')}:{name}" for s in schemas for name, a, _ in _attributes(s)
           if not ATTRIBUTE_NAME.match(str(a.get("name")))]  # fmt: skip
    check(not bad, "Attribute names break the RFC 7643 §2.1 rule",
          expected="ALPHA *(nameChar)", received=bad, response=response,
          requirement="C-2.1-02")  # fmt: skip


@requirement("C-1.2-01", "C-2.3.8-02")
def test_only_complex_attributes_have_sub_attributes(scim_client: ScimClient) -> None:
    """Simple attributes have no sub-attributes, and sub-attributes are never complex (the
    Schema schema itself excepted) (C-1.2-01, C-2.3.8-02)."""
    response, schemas = _schemas(scim_client)
    for schema in schemas:
        for name, attribute, is_sub in _attributes(schema):
            where = f"{schema.get('id')}:{name}"
            check(attribute.get("type") == "complex" or not attribute.get("subAttributes"),
                  "A simple attribute has sub-attributes", expected="no subAttributes",
                  received=where, response=response, requirement="C-1.2-01")  # fmt: skip
            check(not is_sub or attribute.get("type") != "complex" or schema.get("id") ==
                  SCHEMA_SCHEMA, "A sub-attribute is complex", expected="simple sub-attributes",
                  received=where, response=response, requirement="C-2.3.8-02")  # fmt: skip


@requirement("C-7-08", "C-7-24")
def test_complex_and_reference_attributes_are_fully_declared(scim_client: ScimClient) -> None:
    """Complex attributes list their subAttributes and reference attributes their
    referenceTypes (C-7-08, C-7-24)."""
    response, schemas = _schemas(scim_client)
    for schema in schemas:
        for name, attribute, _ in _attributes(schema):
            where = f"{schema.get('id')}:{name}"
            if attribute.get("type") == "complex":
                check(attribute.get("subAttributes"), "A complex attribute has no subAttributes",
                      expected="a non-empty subAttributes list", received=where,
                      response=response, requirement="C-7-08")  # fmt: skip
            if attribute.get("type") == "reference":
                check(attribute.get("referenceTypes"), "A reference attribute has no "
                      "referenceTypes", expected="referenceTypes", received=where,
                      response=response, requirement="C-7-24")  # fmt: skip


@requirement("C-4.1.1-03", "C-4.1.1-02")
def test_user_schema_requires_a_unique_user_name(scim_client: ScimClient) -> None:
    """The published User schema marks userName required and unique (C-4.1.1-03, C-4.1.1-02)."""
    response, schemas = _schemas(scim_client)
    user = next((s for s in schemas if str(s.get("id")).lower() == USER_SCHEMA.lower()), None)
    if user is None:
        pytest.skip("/Schemas publishes no core User schema")
    definition = next((a for n, a, sub in _attributes(user)
                       if not sub and n.lower() == "username"), {})  # fmt: skip
    check(definition.get("required") is True, "userName is not marked required",
          expected="required: true", received=repr(definition or "no userName attribute"),
          response=response, requirement="C-4.1.1-03")  # fmt: skip
    check(definition.get("uniqueness") in ("server", "global"), "userName is not marked unique",
          expected='uniqueness: "server"', received=repr(definition.get("uniqueness")),
          response=response, requirement="C-4.1.1-02")  # fmt: skip
