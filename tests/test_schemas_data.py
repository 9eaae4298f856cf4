"""Tests of the data in ``schemas/``: JSON Schemas for wire messages and RFC 7643 §8.7 schemas.

The wire-message schemas (``schemas/json``) must be valid Draft 2020-12 schemas that accept the
RFC's example payloads and reject known-bad ones. The schema representations (``schemas/scim``)
must be well formed and carry the verified errata listed in ``schemas/scim/README.md``.
"""

from __future__ import annotations

import copy
import json
import re
from collections.abc import Iterator
from functools import cache
from pathlib import Path
from typing import Any

import pytest
from jsonschema import Draft202012Validator
from referencing import Registry, Resource

SCHEMAS_DIR = Path(__file__).resolve().parents[1] / "schemas"
JSON_DIR = SCHEMAS_DIR / "json"
SCIM_DIR = SCHEMAS_DIR / "scim"
BASE_ID = "https://scim-conformance.invalid/schemas/json/"

SCIM_FILES = ["User", "Group", "EnterpriseUser", "ServiceProviderConfig", "ResourceType", "Schema"]
SCHEMA_URN = "urn:ietf:params:scim:schemas:core:2.0:Schema"
USER_URN = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_URN = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_URN = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR_URN = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_URN = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_URN = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST_URN = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE_URN = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"
SEARCH_URN = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
ATTRIBUTE_NAME = re.compile(r"^[A-Za-z][A-Za-z0-9$_-]*$")

Json = dict[str, Any]


# --- loading ------------------------------------------------------------------------------


def _load(path: Path) -> Json:
    data = json.loads(path.read_text(encoding="utf-8"))
    assert isinstance(data, dict), f"{path.name}: expected one JSON object"
    return data


def _json_schema_paths() -> list[Path]:
    return sorted(JSON_DIR.glob("*.schema.json"))


@cache
def _registry() -> Registry[Any]:
    """All wire-message schemas, addressable by their ``$id`` (for cross-file ``$ref``)."""
    resources = [(_load(p)["$id"], Resource.from_contents(_load(p))) for p in _json_schema_paths()]
    return Registry().with_resources(resources)


def validator(name: str) -> Draft202012Validator:
    """A format-checking validator for ``schemas/json/<name>.schema.json``."""
    return Draft202012Validator(
        _load(JSON_DIR / f"{name}.schema.json"),
        registry=_registry(),
        format_checker=Draft202012Validator.FORMAT_CHECKER,
    )


def errors(name: str, instance: Any) -> list[str]:
    return [e.message for e in validator(name).iter_errors(instance)]


@cache
def scim_schema(name: str) -> Json:
    return _load(SCIM_DIR / f"{name}.json")


def attribute(attrs: list[Json], name: str) -> Json:
    found = [a for a in attrs if a["name"] == name]
    assert len(found) == 1, f"expected exactly one attribute {name!r}, found {len(found)}"
    return found[0]


def sub(schema: str, *path: str) -> Json:
    """The attribute at ``path`` (top-level name, then sub-attribute names) of a SCIM schema."""
    node = attribute(scim_schema(schema)["attributes"], path[0])
    for name in path[1:]:
        node = attribute(node["subAttributes"], name)
    return node


def walk(attrs: list[Json], prefix: str = "") -> Iterator[tuple[str, Json]]:
    for attr in attrs:
        dotted = f"{prefix}{attr['name']}"
        yield dotted, attr
        yield from walk(attr.get("subAttributes", []), f"{dotted}.")


# --- RFC example payloads -------------------------------------------------------------------

# RFC 7643 §8.1 minimal user representation.
MINIMAL_USER: Json = {
    "schemas": [USER_URN],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "userName": "bjensen@example.com",
    "meta": {
        "resourceType": "User",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff590"',
        "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
    },
}

# RFC 7643 §8.2/§8.3 full enterprise user, as a server returns it: the figure's "password" is
# dropped because password is returned "never".
FULL_USER: Json = {
    "schemas": [USER_URN, ENTERPRISE_URN],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "externalId": "701984",
    "userName": "bjensen@example.com",
    "name": {
        "formatted": "Ms. Barbara J Jensen, III",
        "familyName": "Jensen",
        "givenName": "Barbara",
        "middleName": "Jane",
        "honorificPrefix": "Ms.",
        "honorificSuffix": "III",
    },
    "displayName": "Babs Jensen",
    "nickName": "Babs",
    "profileUrl": "https://login.example.com/bjensen",
    "emails": [
        {"value": "bjensen@example.com", "type": "work", "primary": True},
        {"value": "babs@jensen.org", "type": "home"},
    ],
    "addresses": [
        {
            "type": "work",
            "streetAddress": "100 Universal City Plaza",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "formatted": "100 Universal City Plaza\nHollywood, CA 91608 USA",
            "primary": True,
        },
        {
            "type": "home",
            "streetAddress": "456 Hollywood Blvd",
            "locality": "Hollywood",
            "region": "CA",
            "postalCode": "91608",
            "country": "USA",
            "formatted": "456 Hollywood Blvd\nHollywood, CA 91608 USA",
        },
    ],
    "phoneNumbers": [
        {"value": "555-555-5555", "type": "work"},
        {"value": "555-555-4444", "type": "mobile"},
    ],
    "ims": [{"value": "someaimhandle", "type": "aim"}],
    "photos": [
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/F", "type": "photo"},
        {"value": "https://photos.example.com/profilephoto/72930000000Ccne/T", "type": "thumbnail"},
    ],
    "userType": "Employee",
    "title": "Tour Guide",
    "preferredLanguage": "en-US",
    "locale": "en-US",
    "timezone": "America/Los_Angeles",
    "active": True,
    "groups": [
        {
            "value": "e9e30dba-f08f-4109-8486-d5c6a331660a",
            "$ref": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
            "display": "Tour Guides",
        },
    ],
    "x509Certificates": [{"value": "MIIDQzCCAqygAwIBAgICEAAwDQYJKoZIhvcNAQEFBQAw"}],
    ENTERPRISE_URN: {
        "employeeNumber": "701984",
        "costCenter": "4130",
        "organization": "Universal Studios",
        "division": "Theme Park",
        "department": "Tour Operations",
        "manager": {
            "value": "26118915-6090-4610-87e4-49d8ca9f808d",
            "$ref": "../Users/26118915-6090-4610-87e4-49d8ca9f808d",
            "displayName": "John Smith",
        },
    },
    "meta": {
        "resourceType": "User",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff591"',
        "location": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
    },
}

# RFC 7643 §8.4 group.
GROUP: Json = {
    "schemas": [GROUP_URN],
    "id": "e9e30dba-f08f-4109-8486-d5c6a331660a",
    "displayName": "Tour Guides",
    "members": [
        {
            "value": "2819c223-7f76-453a-919d-413861904646",
            "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
            "display": "Babs Jensen",
        },
    ],
    "meta": {
        "resourceType": "Group",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff592"',
        "location": "https://example.com/v2/Groups/e9e30dba-f08f-4109-8486-d5c6a331660a",
    },
}

# RFC 7644 §3.12 error (uniqueness conflict).
ERROR: Json = {
    "schemas": [ERROR_URN],
    "scimType": "uniqueness",
    "detail": "One or more of the attribute values are already in use or are reserved.",
    "status": "409",
}

# RFC 7644 §3.4.2 list response.
LIST_RESPONSE: Json = {
    "schemas": [LIST_URN],
    "totalResults": 2,
    "itemsPerPage": 10,
    "startIndex": 1,
    "Resources": [{"id": "2819c223-7f76-453a-919d-413861904646", "userName": "bjensen"}],
}

# RFC 7644 §3.5.2.1 / §3.5.2.2 PATCH requests.
PATCH_OP: Json = {
    "schemas": [PATCH_URN],
    "Operations": [
        {
            "op": "add",
            "path": "members",
            "value": [
                {
                    "display": "Babs Jensen",
                    "$ref": "https://example.com/v2/Users/2819c223-7f76-453a-919d-413861904646",
                    "value": "2819c223-7f76-453a-919d-413861904646",
                },
            ],
        },
        {"op": "Remove", "path": 'members[value eq "2819c223-7f76-453a-919d-413861904646"]'},
        {"op": "REPLACE", "value": {"displayName": "Tour Guides"}},
    ],
}

# RFC 7644 §3.4.3 search request.
SEARCH_REQUEST: Json = {
    "schemas": [SEARCH_URN],
    "attributes": ["displayName", "userName"],
    "filter": 'displayName sw "smith"',
    "startIndex": 1,
    "count": 10,
}

# RFC 7644 §3.7.1 / §3.7.3 bulk request and response (abridged).
BULK_REQUEST: Json = {
    "schemas": [BULK_REQUEST_URN],
    "failOnErrors": 1,
    "Operations": [
        {
            "method": "POST",
            "path": "/Users",
            "bulkId": "qwerty",
            "data": {"schemas": [USER_URN], "userName": "Alice"},
        },
        {
            "method": "DELETE",
            "path": "/Users/e9025315-6bea-44e1-899c-1e07454e468b",
            "version": 'W/"0ee8add0a938e1a"',
        },
    ],
}

BULK_RESPONSE: Json = {
    "schemas": [BULK_RESPONSE_URN],
    "Operations": [
        {
            "location": "https://example.com/v2/Users/92b725cd-9465-4e7d-8c16-01f8e146b87a",
            "method": "POST",
            "bulkId": "qwerty",
            "version": 'W/"4weymrEsh5O6cAEK"',
            "status": "201",
        },
        {
            "method": "POST",
            "bulkId": "qwerty",
            "status": "400",
            "response": {
                "schemas": [ERROR_URN],
                "scimType": "invalidSyntax",
                "detail": "Request is unparsable, syntactically incorrect, or violates schema.",
                "status": "400",
            },
        },
        {
            "location": "https://example.com/v2/Users/b7c14771",
            "method": "DELETE",
            "status": {"code": "204"},
        },
    ],
}

# RFC 7643 §8.5 service provider configuration.
SERVICE_PROVIDER_CONFIG: Json = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "documentationUri": "http://example.com/help/scim.html",
    "patch": {"supported": True},
    "bulk": {"supported": True, "maxOperations": 1000, "maxPayloadSize": 1048576},
    "filter": {"supported": True, "maxResults": 200},
    "changePassword": {"supported": True},
    "sort": {"supported": True},
    "etag": {"supported": True},
    "authenticationSchemes": [
        {
            "name": "OAuth Bearer Token",
            "description": "Authentication scheme using the OAuth Bearer Token Standard",
            "specUri": "http://www.rfc-editor.org/info/rfc6750",
            "documentationUri": "http://example.com/help/oauth.html",
            "type": "oauthbearertoken",
            "primary": True,
        },
        {
            "name": "HTTP Basic",
            "description": "Authentication scheme using the HTTP Basic Standard",
            "specUri": "http://www.rfc-editor.org/info/rfc2617",
            "documentationUri": "http://example.com/help/httpBasic.html",
            "type": "httpbasic",
        },
    ],
    "meta": {
        "location": "https://example.com/v2/ServiceProviderConfig",
        "resourceType": "ServiceProviderConfig",
        "created": "2010-01-23T04:56:22Z",
        "lastModified": "2011-05-13T04:42:34Z",
        "version": 'W/"3694e05e9dff594"',
    },
}

# RFC 7643 §8.6 resource types (Group has no schemaExtensions).
RESOURCE_TYPES: list[Json] = [
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "User",
        "name": "User",
        "endpoint": "/Users",
        "description": "User Account",
        "schema": USER_URN,
        "schemaExtensions": [{"schema": ENTERPRISE_URN, "required": True}],
        "meta": {
            "location": "https://example.com/v2/ResourceTypes/User",
            "resourceType": "ResourceType",
        },
    },
    {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ResourceType"],
        "id": "Group",
        "name": "Group",
        "endpoint": "/Groups",
        "description": "Group",
        "schema": GROUP_URN,
        "meta": {
            "location": "https://example.com/v2/ResourceTypes/Group",
            "resourceType": "ResourceType",
        },
    },
]


def with_changes(base: Json, **changes: Any) -> Json:
    """A deep copy of ``base`` with top-level keys replaced (``None`` deletes the key)."""
    result = copy.deepcopy(base)
    for key, value in changes.items():
        if value is None:
            result.pop(key, None)
        else:
            result[key] = value
    return result


def served(name: str) -> Json:
    """``schemas/scim/<name>.json`` as our server serves it: meta.location made absolute."""
    doc = copy.deepcopy(scim_schema(name))
    doc["meta"]["location"] = "https://example.com/v2" + doc["meta"]["location"]
    return doc


# --- schemas/json ----------------------------------------------------------------------------


def test_json_schema_files_exist() -> None:
    names = {p.name.removesuffix(".schema.json") for p in _json_schema_paths()}
    expected = {
        "Common",
        "Error",
        "ListResponse",
        "PatchOp",
        "SearchRequest",
        "BulkRequest",
        "BulkResponse",
        "User",
        "Group",
        "EnterpriseUser",
        "ServiceProviderConfig",
        "ResourceType",
        "Schema",
    }
    assert expected <= names


@pytest.mark.parametrize("path", _json_schema_paths(), ids=lambda p: p.name)
def test_json_schema_is_valid_draft_2020_12(path: Path) -> None:
    schema = _load(path)
    Draft202012Validator.check_schema(schema)
    assert schema["$schema"] == "https://json-schema.org/draft/2020-12/schema"
    assert schema["$id"] == BASE_ID + path.name


@pytest.mark.parametrize("path", _json_schema_paths(), ids=lambda p: p.name)
def test_json_schema_refs_resolve(path: Path) -> None:
    """Every ``$ref`` in every file resolves through the registry."""
    schema = _load(path)
    resolver = _registry().resolver(base_uri=schema["$id"])

    def refs(node: Any) -> Iterator[str]:
        if isinstance(node, dict):
            if isinstance(node.get("$ref"), str):
                yield node["$ref"]
            for value in node.values():
                yield from refs(value)
        elif isinstance(node, list):
            for value in node:
                yield from refs(value)

    for ref in refs(schema):
        resolver.lookup(ref)


@pytest.mark.parametrize(
    ("name", "instance"),
    [
        ("User", MINIMAL_USER),
        ("User", FULL_USER),
        ("User", {"schemas": [USER_URN], "id": "1", "UserName": 7}),  # other casing: not checked
        ("User", with_changes(FULL_USER, ims=[{"value": "x", "type": "other"}])),
        ("EnterpriseUser", FULL_USER[ENTERPRISE_URN]),
        ("Group", GROUP),
        ("Group", {"schemas": [GROUP_URN], "id": "g", "x-vendor": {"anything": True}}),
        ("Error", ERROR),
        (
            "Error",
            {"schemas": [ERROR_URN], "status": "404", "detail": "Resource 2819c223 not found"},
        ),
        ("Error", with_changes(ERROR, scimType="vendorSpecific")),
        ("ListResponse", LIST_RESPONSE),
        ("ListResponse", {"schemas": [LIST_URN], "totalResults": 0}),
        ("PatchOp", PATCH_OP),
        ("SearchRequest", SEARCH_REQUEST),
        ("BulkRequest", BULK_REQUEST),
        ("BulkResponse", BULK_RESPONSE),
        ("ServiceProviderConfig", SERVICE_PROVIDER_CONFIG),
        ("ResourceType", RESOURCE_TYPES[0]),
        ("ResourceType", RESOURCE_TYPES[1]),
    ],
    ids=lambda v: v if isinstance(v, str) else "",
)
def test_valid_payload(name: str, instance: Json) -> None:
    assert errors(name, instance) == []


@pytest.mark.parametrize(
    ("name", "instance"),
    [
        pytest.param(
            "User", with_changes(FULL_USER, password="t1meMa$heen"), id="user-password-present"
        ),
        pytest.param("User", with_changes(MINIMAL_USER, id=None), id="user-id-missing"),
        pytest.param("User", with_changes(MINIMAL_USER, schemas=None), id="user-schemas-missing"),
        pytest.param(
            "User", with_changes(MINIMAL_USER, schemas=[GROUP_URN]), id="user-wrong-schema"
        ),
        pytest.param("User", with_changes(MINIMAL_USER, active="true"), id="user-active-string"),
        pytest.param("User", with_changes(MINIMAL_USER, userName=42), id="user-userName-int"),
        pytest.param(
            "User", with_changes(MINIMAL_USER, emails={"value": "a@b"}), id="user-emails-object"
        ),
        pytest.param(
            "User", with_changes(MINIMAL_USER, emails=[{"value": 1}]), id="user-email-value-int"
        ),
        pytest.param(
            "User",
            with_changes(
                MINIMAL_USER,
                emails=[{"value": "a@b", "primary": True}, {"value": "c@d", "primary": True}],
            ),
            id="user-two-primaries",
        ),
        pytest.param(
            "User",
            with_changes(MINIMAL_USER, meta={"created": "yesterday"}),
            id="user-meta-created-not-date-time",
            marks=pytest.mark.skipif(
                "date-time" not in Draft202012Validator.FORMAT_CHECKER.checkers,
                reason="date-time format checking needs rfc3339-validator",
            ),
        ),
        pytest.param(
            "User",
            with_changes(MINIMAL_USER, **{ENTERPRISE_URN: {"manager": "boss"}}),
            id="user-ext-manager",
        ),
        pytest.param(
            "Group", with_changes(GROUP, members=[{"value": 5}]), id="group-member-value-int"
        ),
        pytest.param("Error", with_changes(ERROR, status=409), id="error-status-int"),
        pytest.param("Error", with_changes(ERROR, status="40"), id="error-status-two-digits"),
        pytest.param("Error", with_changes(ERROR, schemas=[LIST_URN]), id="error-wrong-schema"),
        pytest.param("Error", with_changes(ERROR, scimType=3), id="error-scimType-int"),
        pytest.param(
            "ListResponse",
            with_changes(LIST_RESPONSE, totalResults=None),
            id="list-totalResults-missing",
        ),
        pytest.param(
            "ListResponse", with_changes(LIST_RESPONSE, Resources=None), id="list-Resources-missing"
        ),
        pytest.param(
            "ListResponse",
            with_changes(LIST_RESPONSE, totalResults=-1),
            id="list-totalResults-negative",
        ),
        pytest.param(
            "ListResponse", with_changes(LIST_RESPONSE, startIndex=0), id="list-startIndex-zero"
        ),
        pytest.param("PatchOp", with_changes(PATCH_OP, Operations=[]), id="patch-no-operations"),
        pytest.param(
            "PatchOp",
            with_changes(PATCH_OP, Operations=[{"op": "remove"}]),
            id="patch-remove-no-path",
        ),
        pytest.param(
            "PatchOp",
            with_changes(PATCH_OP, Operations=[{"op": "move", "path": "x"}]),
            id="patch-bad-op",
        ),
        pytest.param(
            "PatchOp",
            with_changes(PATCH_OP, Operations=[{"op": "add", "path": "x"}]),
            id="patch-add-no-value",
        ),
        pytest.param(
            "SearchRequest", with_changes(SEARCH_REQUEST, sortOrder="up"), id="search-bad-sortOrder"
        ),
        pytest.param(
            "BulkRequest",
            with_changes(
                BULK_REQUEST, Operations=[{"method": "POST", "path": "/Users", "data": {}}]
            ),
            id="bulk-post-no-bulkId",
        ),
        pytest.param(
            "BulkResponse",
            with_changes(BULK_RESPONSE, Operations=[{"method": "POST", "status": 201}]),
            id="bulk-status-int",
        ),
        pytest.param(
            "BulkResponse",
            with_changes(BULK_RESPONSE, Operations=[{"method": "POST", "status": "409"}]),
            id="bulk-failed-without-response",
        ),
        pytest.param(
            "ServiceProviderConfig",
            with_changes(SERVICE_PROVIDER_CONFIG, etag=None),
            id="spc-etag-missing",
        ),
        pytest.param(
            "ServiceProviderConfig",
            with_changes(
                SERVICE_PROVIDER_CONFIG, authenticationSchemes=[{"name": "n", "description": "d"}]
            ),
            id="spc-auth-type-missing",
        ),
        pytest.param(
            "ResourceType",
            with_changes(RESOURCE_TYPES[1], endpoint=None),
            id="resource-type-no-endpoint",
        ),
        pytest.param(
            "Schema",
            with_changes(
                served("Group"),
                attributes=[
                    {
                        "name": "x",
                        "type": "string",
                        "multiValued": False,
                        "subAttributes": [{"name": "y", "type": "string", "multiValued": False}],
                    }
                ],
            ),
            id="schema-string-with-subattributes",
        ),
        pytest.param(
            "Schema",
            with_changes(
                served("Group"),
                attributes=[
                    {
                        "name": "x",
                        "type": "complex",
                        "multiValued": False,
                        "subAttributes": [{"name": "y", "type": "complex", "multiValued": False}],
                    }
                ],
            ),
            id="schema-nested-complex",
        ),
        pytest.param(
            "Schema", with_changes(served("Group"), schemas=None), id="schema-schemas-missing"
        ),
    ],
)
def test_invalid_payload(name: str, instance: Json) -> None:
    assert errors(name, instance) != []


def test_error_known_scim_types() -> None:
    known = _load(JSON_DIR / "Error.schema.json")["$defs"]["knownScimType"]["enum"]
    assert known == [
        "invalidFilter",
        "tooMany",
        "uniqueness",
        "mutability",
        "invalidSyntax",
        "invalidPath",
        "noTarget",
        "invalidValue",
        "invalidVers",
        "sensitive",
    ]


@pytest.mark.parametrize("name", SCIM_FILES)
def test_served_scim_schema_matches_schema_json_schema(name: str) -> None:
    """What our mock serves at /Schemas/<id> is a valid Schema resource."""
    assert errors("Schema", served(name)) == []


@pytest.mark.parametrize(("resource", "json_name"), [("User", "User"), ("Group", "Group")])
def test_json_schema_covers_every_scim_attribute(resource: str, json_name: str) -> None:
    properties = _load(JSON_DIR / f"{json_name}.schema.json")["properties"]
    for attr in scim_schema(resource)["attributes"]:
        if attr["returned"] == "never":
            continue
        assert attr["name"] in properties, attr["name"]


def test_enterprise_json_schema_covers_every_scim_attribute() -> None:
    properties = _load(JSON_DIR / "EnterpriseUser.schema.json")["properties"]
    assert {a["name"] for a in scim_schema("EnterpriseUser")["attributes"]} <= set(properties)


# --- schemas/scim ---------------------------------------------------------------------------


@pytest.mark.parametrize("name", SCIM_FILES)
def test_scim_schema_shape(name: str) -> None:
    doc = scim_schema(name)
    assert isinstance(doc["id"], str) and doc["id"].startswith("urn:ietf:params:scim:schemas:")
    assert isinstance(doc["name"], str) and doc["name"]
    assert isinstance(doc["attributes"], list) and doc["attributes"]
    assert "x-errata" not in doc
    for dotted, attr in walk(doc["attributes"]):
        assert attr["name"] == "$ref" or ATTRIBUTE_NAME.match(attr["name"]), dotted
        if attr["type"] != "complex":
            assert "subAttributes" not in attr, dotted
        else:
            assert attr["subAttributes"], dotted
            for sub_attr in attr["subAttributes"]:
                nested = f"{dotted}.{sub_attr['name']}"
                if (name, nested) == ("Schema", "attributes.subAttributes"):
                    continue  # Figure 10 itself nests subAttributes: the one permitted exception
                # RFC 7643 §2.3.8: a complex attribute's sub-attributes are not complex.
                assert sub_attr["type"] != "complex", nested
    names = [a["name"] for a in doc["attributes"]]
    assert len(names) == len(set(names)), f"duplicate attribute in {name}"


@pytest.mark.parametrize("name", SCIM_FILES)
def test_scim_schema_erratum_8417_schemas_and_meta(name: str) -> None:
    doc = scim_schema(name)
    assert doc["schemas"] == [SCHEMA_URN]
    assert doc["meta"] == {"resourceType": "Schema", "location": f"/Schemas/{doc['id']}"}


def test_erratum_5368_group_display_name_required() -> None:
    assert sub("Group", "displayName")["required"] is True


def test_erratum_7522_schema_extensions_multi_valued() -> None:
    assert sub("ResourceType", "schemaExtensions")["multiValued"] is True


def test_resource_type_schema_extensions_optional() -> None:
    """RFC 7643 §6 says OPTIONAL and the §8.6 Group example has none; the figure says required."""
    assert sub("ResourceType", "schemaExtensions")["required"] is False


def test_erratum_5607_nested_reference_types_multi_valued() -> None:
    assert sub("Schema", "attributes", "referenceTypes")["multiValued"] is True
    nested = attribute(
        sub("Schema", "attributes", "subAttributes")["subAttributes"], "referenceTypes"
    )
    assert nested["multiValued"] is True


def test_errata_5606_8415_binary_type() -> None:
    top = sub("Schema", "attributes", "type")["canonicalValues"]
    assert "binary" in top and "complex" in top
    nested = attribute(sub("Schema", "attributes", "subAttributes")["subAttributes"], "type")[
        "canonicalValues"
    ]
    assert "binary" in nested and "complex" not in nested


def test_erratum_8471_groups_ref_is_group() -> None:
    assert sub("User", "groups", "$ref")["referenceTypes"] == ["Group"]


def test_erratum_8472_manager_value_case_exact() -> None:
    assert sub("EnterpriseUser", "manager", "value")["caseExact"] is True


def test_service_provider_config_etag() -> None:
    etag = sub("ServiceProviderConfig", "etag")
    assert (etag["type"], etag["multiValued"], etag["required"]) == ("complex", False, True)
    supported = sub("ServiceProviderConfig", "etag", "supported")
    assert (supported["type"], supported["required"]) == ("boolean", True)


def test_service_provider_config_authentication_scheme_type_and_primary() -> None:
    scheme_type = sub("ServiceProviderConfig", "authenticationSchemes", "type")
    assert (scheme_type["type"], scheme_type["required"]) == ("string", True)
    assert scheme_type["canonicalValues"] == [
        "oauth",
        "oauth2",
        "oauthbearertoken",
        "httpbasic",
        "httpdigest",
    ]
    assert sub("ServiceProviderConfig", "authenticationSchemes", "primary")["type"] == "boolean"


def test_group_members_display() -> None:
    display = sub("Group", "members", "display")
    assert (display["type"], display["mutability"]) == ("string", "readOnly")


def test_user_addresses_primary_and_ims_other() -> None:
    assert sub("User", "addresses", "primary")["type"] == "boolean"
    assert "other" in sub("User", "ims", "type")["canonicalValues"]


def test_user_password_write_only_never_returned() -> None:
    password = sub("User", "password")
    assert (password["mutability"], password["returned"]) == ("writeOnly", "never")
