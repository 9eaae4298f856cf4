"""Creating resources over HTTP (RFC 7644 §3.3): 201 with Location, meta and ETag; server-assigned
id and meta; required, typed and unique attributes; extensions; password is never returned.
"""

from __future__ import annotations

from datetime import datetime
from typing import Any

import pytest

from tests.conftest import (
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    SCIM_JSON,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
)
from tests.mock.resource_views import LOCATION_PREFIX, ids, search


def no_password_anywhere(value: Any) -> bool:
    if isinstance(value, dict):
        return all(k.lower() != "password" and no_password_anywhere(v) for k, v in value.items())
    if isinstance(value, list):
        return all(no_password_anywhere(v) for v in value)
    return True


def test_create_answers_201_with_location_meta_and_etag(scim: Scim) -> None:
    """POST → 201, Location == meta.location, server meta, ETag == meta.version (P-3.3-03,
    P-3.3-04, P-3.3-05, P-3.3-06, C-3.1-02, C-3.1-17, C-3.1-21)."""
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "bjensen"})
    assert response.status_code == 201
    assert response.mimetype == SCIM_JSON
    body = response.get_json()
    meta = body["meta"]
    assert response.headers["Location"] == meta["location"]
    assert meta["location"] == f"{LOCATION_PREFIX}/Users/{body['id']}"
    assert meta["resourceType"] == "User"
    assert meta["created"] == meta["lastModified"]
    datetime.fromisoformat(meta["created"].replace("Z", "+00:00"))
    assert response.headers["ETag"] == meta["version"]
    assert meta["version"].startswith('W/"')
    assert body["userName"] == "bjensen"
    assert scim.get(f"/Users/{body['id']}").get_json() == body


def test_client_supplied_id_and_meta_are_ignored(scim: Scim) -> None:
    """id and meta are server-assigned; client values are ignored (C-3.1-07, C-3.1-14)."""
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "a",
        "id": "my-id",
        "meta": {"resourceType": "Group", "created": "2000-01-01T00:00:00Z", "version": 'W/"x"'},
    }
    created = scim.post("/Users", body).get_json()
    assert created["id"] != "my-id"
    assert created["meta"]["resourceType"] == "User"
    assert created["meta"]["created"] != "2000-01-01T00:00:00Z"
    assert created["meta"]["version"] != 'W/"x"'
    assert_scim_error(scim.get("/Users/my-id"), 404)


def test_read_only_groups_sent_on_create_are_ignored(scim: Scim) -> None:
    """readOnly User.groups in a POST is ignored (C-4.1.2-05)."""
    group = scim.create_group("G")
    user = scim.create_user("a", groups=[{"value": group["id"]}])
    assert "groups" not in user
    assert "members" not in scim.get(f"/Groups/{group['id']}").get_json()


@pytest.mark.parametrize(
    "path, body",
    [
        ("/Users", {"schemas": [USER_SCHEMA]}),
        ("/Users", {"schemas": [USER_SCHEMA], "userName": ""}),
        ("/Users", {"schemas": [USER_SCHEMA], "userName": None}),
        ("/Groups", {"schemas": [GROUP_SCHEMA]}),
        ("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": ""}),
    ],
)
def test_missing_required_attributes_are_400_invalid_value(
    scim: Scim, path: str, body: dict[str, Any]
) -> None:
    """userName / displayName are required (C-4.1.1-01, C-4.2-01, P-3.12-22)."""
    assert_scim_error(scim.post(path, body), 400, "invalidValue")
    assert scim.get(path).get_json()["totalResults"] == 0


@pytest.mark.parametrize(
    "attributes",
    [
        {"active": "yes"},
        {"userName": 42},
        {"name": "Barbara"},
        {"emails": {"value": "a@example.com"}},
        {"emails": [{"value": 1}]},
        {"displayName": ["x"]},
    ],
)
def test_wrongly_typed_values_are_400_invalid_value(scim: Scim, attributes: dict[str, Any]) -> None:
    """A value of the wrong JSON type → 400 invalidValue (P-3.12-22, P-3.8-05)."""
    body = {"schemas": [USER_SCHEMA], "userName": "a", **attributes}
    assert_scim_error(scim.post("/Users", body), 400, "invalidValue")


@pytest.mark.parametrize("second", ["bjensen", "BJENSEN", "BJensen"])
def test_user_name_is_unique_case_insensitively(scim: Scim, second: str) -> None:
    """A second userName differing only in case → 409 uniqueness (C-4.1.1-02, C-4.1.1-03)."""
    scim.create_user("bjensen")
    body = {"schemas": [USER_SCHEMA], "userName": second}
    assert_scim_error(scim.post("/Users", body), 409, "uniqueness")
    assert scim.get("/Users").get_json()["totalResults"] == 1


def test_uniqueness_also_applies_to_put_and_patch(scim: Scim) -> None:
    """PUT/PATCH taking another user's userName → 409 uniqueness (P-3.12-17)."""
    scim.create_user("alice")
    bob = scim.create_user("bob")
    body = {"schemas": [USER_SCHEMA], "userName": "ALICE"}
    assert_scim_error(scim.put(f"/Users/{bob['id']}", body), 409, "uniqueness")
    op = {"op": "replace", "path": "userName", "value": "Alice"}
    assert_scim_error(scim.patch_ops(f"/Users/{bob['id']}", op), 409, "uniqueness")
    assert scim.get(f"/Users/{bob['id']}").get_json()["userName"] == "bob"


def test_attribute_names_in_bodies_are_case_insensitive(scim: Scim) -> None:
    """USERNAME and NAME.GIVENNAME are read as userName and name.givenName (C-2.1-01)."""
    body = {"SCHEMAS": [USER_SCHEMA], "USERNAME": "upper", "Name": {"GIVENNAME": "Up"}}
    response = scim.post("/Users", body)
    assert response.status_code == 201
    created = response.get_json()
    assert created["userName"] == "upper"
    assert created["name"] == {"givenName": "Up"}


def test_enterprise_extension_is_stored_under_its_urn(scim: Scim) -> None:
    """URN-qualified extension attributes round-trip; schemas lists the extension (RFC 7643
    §3.3, §4.3)."""
    manager = scim.create_user("boss")
    extension = {"employeeNumber": "701984", "manager": {"value": manager["id"]}}
    user = scim.create_user(
        "emp", schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA], **{ENTERPRISE_SCHEMA: extension}
    )
    assert ENTERPRISE_SCHEMA in user["schemas"]
    assert user[ENTERPRISE_SCHEMA]["employeeNumber"] == "701984"
    assert user[ENTERPRISE_SCHEMA]["manager"]["value"] == manager["id"]
    query = {"filter": f'{ENTERPRISE_SCHEMA}:employeeNumber eq "701984"'}
    assert ids(scim.get("/Users", query=query).get_json()) == [user["id"]]


def test_password_is_accepted_but_never_returned(scim: Scim) -> None:
    """password is writeOnly/returned=never: absent from every response (C-4.1.1-07)."""
    pw = {"password": "t0p-Secret"}
    created = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a", **pw})
    user_id = created.get_json()["id"]
    path = f"/Users/{user_id}"
    put_body = {"schemas": [USER_SCHEMA], "userName": "a", "password": "n3w-Secret"}
    patch_op = {"op": "replace", "path": "password", "value": "p4tch-Secret"}
    responses = [
        created,
        scim.get(path),
        scim.get(path, query={"attributes": "password"}),
        scim.get(path, query={"attributes": "password,userName"}),
        scim.get("/Users"),
        scim.get("/Users", query={"attributes": "password"}),
        scim.get("/", query={"attributes": "password"}),
        scim.put(path, put_body),
        scim.put(path, put_body, query={"attributes": "password"}),
        scim.patch_ops(path, patch_op),
        scim.patch_ops(path, patch_op, query={"attributes": "password"}),
        search(scim, attributes=["password", "userName"]),
        search(scim, "/.search", attributes=["password"]),
    ]
    for response in responses:
        assert response.status_code in (200, 201), response.get_data(as_text=True)
        assert no_password_anywhere(response.get_json())
        assert b"Secret" not in response.get_data()


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_user_name_is_refused(scim: Any, blank: str) -> None:
    """userName is required and must be non-empty; whitespace identifies nobody (C-4.1.1-01)."""
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": blank})
    assert response.status_code == 400
    assert response.get_json()["scimType"] == "invalidValue"
