"""The wire-message schemas (``schemas/json``) accept the RFC's example payloads and reject
known-bad variants of them.
"""

from __future__ import annotations

import pytest
from jsonschema import Draft202012Validator

from tests.rfc_payloads import (
    BULK_REQUEST,
    BULK_RESPONSE,
    ERROR,
    FULL_USER,
    GROUP,
    LIST_RESPONSE,
    MINIMAL_USER,
    PATCH_OP,
    RESOURCE_TYPES,
    SEARCH_REQUEST,
    SERVICE_PROVIDER_CONFIG,
    served,
    with_changes,
)
from tests.schema_files import (
    ENTERPRISE_URN,
    ERROR_URN,
    GROUP_URN,
    LIST_URN,
    USER_URN,
    Json,
    errors,
)


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
