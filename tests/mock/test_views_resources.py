"""Resource endpoints over HTTP: /Users and /Groups CRUD, listing, /.search, root queries.

RFC 7644 §3.3 (create), §3.4 (retrieve, query, search), §3.5 (replace, modify), §3.6 (delete),
with the cross-resource rules of RFC 7643 §4 (groups, members).
"""

from __future__ import annotations

import json
import shutil
from datetime import datetime
from pathlib import Path
from typing import Any

import pytest

from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_mock.schema import SchemaRegistry
from scim_tests import datadir
from tests.conftest import (
    BASE,
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    LIST_RESPONSE,
    PATCH_OP,
    SCIM_JSON,
    SEARCH_REQUEST,
    TOKEN,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)

LOCATION_PREFIX = f"http://localhost{BASE}"


def ids(body: dict[str, Any]) -> list[str]:
    return [r["id"] for r in body["Resources"]]


def search(scim: Scim, path: str = "/Users/.search", /, **fields: Any) -> Any:
    return scim.post(path, {"schemas": [SEARCH_REQUEST], **fields})


def no_password_anywhere(value: Any) -> bool:
    if isinstance(value, dict):
        return all(k.lower() != "password" and no_password_anywhere(v) for k, v in value.items())
    if isinstance(value, list):
        return all(no_password_anywhere(v) for v in value)
    return True


# -- create --------------------------------------------------------------------------------


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


# -- retrieve ------------------------------------------------------------------------------


def test_get_unknown_id_is_a_scim_404(scim: Scim) -> None:
    """GET of an unknown id → 404 SCIM Error (P-3.12-10)."""
    assert_scim_error(scim.get("/Users/00000000-0000-0000-0000-000000000000"), 404)


def test_ids_are_not_shared_across_resource_types(scim: Scim) -> None:
    """A User id under /Groups (and vice versa) → 404 (C-3.1-05)."""
    user = scim.create_user()
    group = scim.create_group()
    assert user["id"] != group["id"]
    for method in ("GET", "DELETE"):
        assert_scim_error(scim.request(method, f"/Groups/{user['id']}"), 404)
        assert_scim_error(scim.request(method, f"/Users/{group['id']}"), 404)
    assert scim.get(f"/Users/{user['id']}").status_code == 200


@pytest.mark.parametrize(
    "query, present, absent",
    [
        ({"attributes": "userName"}, {"id", "userName", "schemas"}, {"displayName", "meta"}),
        ({"attributes": "name.givenName"}, {"id", "name"}, {"userName"}),
        ({"excludedAttributes": "displayName"}, {"id", "userName", "meta"}, {"displayName"}),
        ({"excludedAttributes": "id"}, {"id", "userName"}, set()),
        ({"attributes": f"{USER_SCHEMA}:userName"}, {"id", "userName"}, {"displayName"}),
    ],
)
def test_attributes_and_excluded_attributes_shape_every_response(
    scim: Scim, query: dict[str, str], present: set[str], absent: set[str]
) -> None:
    """attributes/excludedAttributes apply to GET, list, POST, PUT, PATCH and /.search
    (P-3.4.2.5-01, P-3.9-01, C-3.1-09)."""
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "a",
        "displayName": "A",
        "name": {"givenName": "G", "familyName": "F"},
    }
    created = scim.post("/Users", body, query=query)
    assert created.status_code == 201
    path = f"/Users/{created.get_json()['id']}"
    shown = [
        created.get_json(),
        scim.get(path, query=query).get_json(),
        scim.get("/Users", query=query).get_json()["Resources"][0],
        scim.put(path, body, query=query).get_json(),
        scim.patch_ops(
            path, {"op": "replace", "path": "displayName", "value": "B"}, query=query
        ).get_json(),
        search(scim, **{k: [v] for k, v in query.items()}).get_json()["Resources"][0],
        scim.get("/", query=query).get_json()["Resources"][0],
    ]
    for representation in shown:
        assert present <= set(representation), representation
        assert not absent & set(representation), representation
    if query == {"attributes": "name.givenName"}:
        assert shown[1]["name"] == {"givenName": "G"}


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_bad_projection_parameter_refuses_the_write_before_performing_it(
    scim: Scim, method: str
) -> None:
    """attributes+excludedAttributes together → 400 and the write does not happen (RFC 7644
    §3.9)."""
    user = scim.create_user("a")
    query = {"attributes": "userName", "excludedAttributes": "displayName"}
    body: Any = {"schemas": [USER_SCHEMA], "userName": "changed"}
    path = f"/Users/{user['id']}"
    if method == "POST":
        path = "/Users"
    if method == "PATCH":
        body = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "userName", "value": "changed"}],
        }
    assert_scim_error(scim.request(method, path, body, query=query), 400, "invalidValue")
    listed = scim.get("/Users").get_json()
    assert [r["userName"] for r in listed["Resources"]] == ["a"]


# -- replace (PUT) -------------------------------------------------------------------------


def test_put_replaces_the_resource(scim: Scim) -> None:
    """Attributes not sent in a PUT are removed; id, meta.created stay (P-3.5.1-02,
    P-3.5.1-08, C-3.1-06, C-3.1-18)."""
    user = scim.create_user("a", displayName="A", title="Boss", emails=[{"value": "a@x.org"}])
    path = f"/Users/{user['id']}"
    response = scim.put(path, {"schemas": [USER_SCHEMA], "userName": "a", "nickName": "Al"})
    assert response.status_code == 200
    replaced = response.get_json()
    assert replaced["id"] == user["id"]
    assert replaced["nickName"] == "Al"
    for gone in ("displayName", "title", "emails"):
        assert gone not in replaced
    assert replaced["meta"]["created"] == user["meta"]["created"]
    assert replaced["meta"]["lastModified"] > user["meta"]["lastModified"]
    assert replaced["meta"]["version"] != user["meta"]["version"]
    assert response.headers["ETag"] == replaced["meta"]["version"]
    assert scim.get(path).get_json() == replaced


def test_put_ignores_read_only_values(scim: Scim) -> None:
    """id, meta and groups in a PUT body are ignored (P-3.5.1-06, C-4.1.2-05)."""
    group = scim.create_group("G")
    user = scim.create_user("a")
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "a",
        "id": "other",
        "meta": {"created": "2000-01-01T00:00:00Z"},
        "groups": [{"value": group["id"]}],
    }
    replaced = scim.put(f"/Users/{user['id']}", body).get_json()
    assert replaced["id"] == user["id"]
    assert replaced["meta"]["created"] == user["meta"]["created"]
    assert "groups" not in replaced


def test_put_enforces_required_attributes(scim: Scim) -> None:
    """A PUT without userName → 400 invalidValue, nothing changed (P-3.5.1-07, C-4.1.1-01)."""
    user = scim.create_user("a", displayName="A")
    response = scim.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "displayName": "B"})
    assert_scim_error(response, 400, "invalidValue")
    assert scim.get(f"/Users/{user['id']}").get_json() == user


def test_put_unknown_id_is_404(scim: Scim) -> None:
    """PUT of an unknown id → 404; PUT never creates (P-3.5.1-01, P-3.12-10)."""
    response = scim.put("/Users/nope", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert_scim_error(response, 404)
    assert scim.get("/Users").get_json()["totalResults"] == 0


def test_immutable_member_values_cannot_be_edited_in_place(scim: Scim) -> None:
    """members[].value is immutable: PATCH replacing it → 400 mutability (C-4.2-02)."""
    a, b = scim.create_user("a"), scim.create_user("b")
    group = scim.create_group("G", [a["id"]])
    op = {"op": "replace", "path": f'members[value eq "{a["id"]}"].value', "value": b["id"]}
    assert_scim_error(scim.patch_ops(f"/Groups/{group['id']}", op), 400, "mutability")
    members = scim.get(f"/Groups/{group['id']}").get_json()["members"]
    assert [m["value"] for m in members] == [a["id"]]


# -- modify (PATCH) ------------------------------------------------------------------------


def test_patch_answers_200_with_the_resource(scim: Scim) -> None:
    """PATCH → 200 with the modified resource and its new ETag (P-3.5.2-16, P-3.14-06)."""
    user = scim.create_user("a")
    op = {"op": "add", "path": "displayName", "value": "A"}
    response = scim.patch_ops(f"/Users/{user['id']}", op)
    assert response.status_code == 200
    body = response.get_json()
    assert body["displayName"] == "A"
    assert response.headers["ETag"] == body["meta"]["version"] != user["meta"]["version"]
    assert scim.get(f"/Users/{user['id']}").get_json() == body


def test_patch_no_content_mode_answers_204() -> None:
    """patch_response="no-content" → 204 without a body, but ETag set; attributes= forces 200
    (P-3.5.2-16, P-3.5.2-17)."""
    scim = make_scim(patch_response="no-content")
    user = scim.create_user("a")
    path = f"/Users/{user['id']}"
    response = scim.patch_ops(path, {"op": "add", "path": "displayName", "value": "A"})
    assert response.status_code == 204
    assert response.get_data() == b""
    assert response.headers["ETag"] == scim.get(path).get_json()["meta"]["version"]
    response = scim.patch_ops(
        path, {"op": "add", "path": "nickName", "value": "N"}, query={"attributes": "nickName"}
    )
    assert response.status_code == 200
    assert response.get_json()["nickName"] == "N"


@pytest.mark.parametrize(
    "body, scim_type",
    [
        ({"Operations": []}, "invalidSyntax"),
        ({"schemas": [PATCH_OP]}, "invalidSyntax"),
        ({"schemas": [USER_SCHEMA], "Operations": []}, "invalidSyntax"),
        ({"schemas": [PATCH_OP], "Operations": [], "extra": 1}, "invalidSyntax"),
        ({"schemas": [PATCH_OP], "Operations": [{"op": "jump", "path": "x"}]}, None),
        (
            {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "id", "value": "x"}]},
            "mutability",
        ),
        (
            {
                "schemas": [PATCH_OP],
                "Operations": [
                    {"op": "replace", "path": 'emails[type eq "zzz"].value', "value": "x"}
                ],
            },
            "noTarget",
        ),
        ({"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "userName"}]}, None),
    ],
)
def test_bad_patch_requests_are_refused_and_change_nothing(
    scim: Scim, body: dict[str, Any], scim_type: str | None
) -> None:
    """Malformed PatchOp envelopes and impossible operations → 400, resource unchanged
    (P-3.12-18, P-3.12-19, P-3.12-21)."""
    user = scim.create_user("a")
    response = scim.patch(f"/Users/{user['id']}", body)
    assert response.status_code == 400
    error = response.get_json()
    if scim_type is not None:
        assert error["scimType"] == scim_type
    assert_scim_error(response, 400, error.get("scimType"))
    assert scim.get(f"/Users/{user['id']}").get_json() == user


def test_patch_unknown_id_is_404(scim: Scim) -> None:
    """PATCH of an unknown id → 404 (P-3.12-10)."""
    op = {"op": "add", "path": "displayName", "value": "A"}
    assert_scim_error(scim.patch_ops("/Users/nope", op), 404)


# -- delete --------------------------------------------------------------------------------


def test_delete_returns_204_and_the_resource_is_gone(scim: Scim) -> None:
    """DELETE → 204; then GET/PUT/PATCH/DELETE → 404, gone from list and filter, userName free
    again (P-3.6-05, P-3.6-02, P-3.6-03, P-3.6-04)."""
    user = scim.create_user("bjensen")
    path = f"/Users/{user['id']}"
    response = scim.delete(path)
    assert response.status_code == 204
    assert response.get_data() == b""
    assert_scim_error(scim.get(path), 404)
    assert_scim_error(scim.put(path, {"schemas": [USER_SCHEMA], "userName": "x"}), 404)
    assert_scim_error(scim.patch_ops(path, {"op": "add", "path": "nickName", "value": "n"}), 404)
    assert_scim_error(scim.delete(path), 404)
    assert scim.get("/Users").get_json()["totalResults"] == 0
    found = scim.get("/Users", query={"filter": 'userName eq "bjensen"'}).get_json()
    assert found["totalResults"] == 0
    again = scim.create_user("BJENSEN")
    assert again["id"] != user["id"]


# -- groups --------------------------------------------------------------------------------


def test_group_members_must_reference_existing_resources(scim: Scim) -> None:
    """members[].value naming no User or Group → 400 invalidValue (C-4.2-03)."""
    body = {"schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": "ghost"}]}
    assert_scim_error(scim.post("/Groups", body), 400, "invalidValue")
    group = scim.create_group("H")
    op = {"op": "add", "path": "members", "value": [{"value": "ghost"}]}
    assert_scim_error(scim.patch_ops(f"/Groups/{group['id']}", op), 400, "invalidValue")
    put = {"schemas": [GROUP_SCHEMA], "displayName": "H", "members": [{"value": "ghost"}]}
    assert_scim_error(scim.put(f"/Groups/{group['id']}", put), 400, "invalidValue")


def test_member_type_must_match_the_referenced_resource(scim: Scim) -> None:
    """A member declared as Group that is a User → 400 invalidValue (C-4.2-03)."""
    user = scim.create_user()
    body = {
        "schemas": [GROUP_SCHEMA],
        "displayName": "G",
        "members": [{"value": user["id"], "type": "Group"}],
    }
    assert_scim_error(scim.post("/Groups", body), 400, "invalidValue")


def test_members_get_type_display_and_ref(scim: Scim) -> None:
    """members[] carry type, display and a $ref that resolves (C-4.2-03)."""
    user = scim.create_user("alice", displayName="Alice")
    group = scim.create_group("G", [user["id"]])
    (member,) = group["members"]
    assert member["value"] == user["id"]
    assert member["type"] == "User"
    assert member["display"] == "Alice"
    assert member["$ref"] == f"{LOCATION_PREFIX}/Users/{user['id']}"


def test_user_groups_are_computed_direct_and_indirect(scim: Scim) -> None:
    """User.groups lists direct and nested (indirect) memberships with $ref (C-4.1.2-04,
    C-4.1.2-06)."""
    user = scim.create_user("a")
    inner = scim.create_group("inner", [user["id"]])
    outer = scim.create_group("outer", [inner["id"]])
    groups = scim.get(f"/Users/{user['id']}").get_json()["groups"]
    by_id = {g["value"]: g for g in groups}
    assert by_id[inner["id"]]["type"] == "direct"
    assert by_id[outer["id"]]["type"] == "indirect"
    assert by_id[outer["id"]]["display"] == "outer"
    assert by_id[inner["id"]]["$ref"] == f"{LOCATION_PREFIX}/Groups/{inner['id']}"
    listed = scim.get("/Users", query={"filter": f'groups.value eq "{outer["id"]}"'})
    assert ids(listed.get_json()) == [user["id"]]


def test_patching_a_user_groups_is_refused(scim: Scim) -> None:
    """User.groups is readOnly: PATCH add → 400 mutability (C-4.1.2-05)."""
    user = scim.create_user("a")
    group = scim.create_group("G")
    op = {"op": "add", "path": "groups", "value": [{"value": group["id"]}]}
    assert_scim_error(scim.patch_ops(f"/Users/{user['id']}", op), 400, "mutability")


def test_membership_cycles_are_refused(scim: Scim) -> None:
    """A group cannot become its own (indirect) member (RFC 7643 §4.2)."""
    inner = scim.create_group("inner")
    outer = scim.create_group("outer", [inner["id"]])
    op = {"op": "add", "path": "members", "value": [{"value": outer["id"]}]}
    assert_scim_error(scim.patch_ops(f"/Groups/{inner['id']}", op), 400, "invalidValue")
    self_op = {"op": "add", "path": "members", "value": [{"value": inner["id"]}]}
    assert_scim_error(scim.patch_ops(f"/Groups/{inner['id']}", self_op), 400, "invalidValue")


def test_put_on_a_group_replaces_its_members(scim: Scim) -> None:
    """A Group PUT whose members omit a user removes that membership (P-3.5.1-09)."""
    a, b = scim.create_user("a"), scim.create_user("b")
    group = scim.create_group("G", [a["id"], b["id"]])
    body = {"schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": b["id"]}]}
    replaced = scim.put(f"/Groups/{group['id']}", body).get_json()
    assert [m["value"] for m in replaced["members"]] == [b["id"]]
    assert "groups" not in scim.get(f"/Users/{a['id']}").get_json()


def test_deleting_a_user_removes_it_from_every_group(scim: Scim) -> None:
    """DELETE user → gone from each group's members; groups get a new version (P-3.6-03)."""
    a, b = scim.create_user("a"), scim.create_user("b")
    g1 = scim.create_group("g1", [a["id"], b["id"]])
    g2 = scim.create_group("g2", [a["id"]])
    assert scim.delete(f"/Users/{a['id']}").status_code == 204
    after1 = scim.get(f"/Groups/{g1['id']}").get_json()
    assert [m["value"] for m in after1["members"]] == [b["id"]]
    assert after1["meta"]["version"] != g1["meta"]["version"]
    assert "members" not in scim.get(f"/Groups/{g2['id']}").get_json()


def test_deleting_a_group_removes_it_from_parent_groups(scim: Scim) -> None:
    """DELETE nested group → gone from its parents; users lose the indirect membership
    (P-3.6-03, C-4.1.2-04)."""
    user = scim.create_user("a")
    inner = scim.create_group("inner", [user["id"]])
    outer = scim.create_group("outer", [inner["id"], user["id"]])
    assert scim.delete(f"/Groups/{inner['id']}").status_code == 204
    members = scim.get(f"/Groups/{outer['id']}").get_json()["members"]
    assert [m["value"] for m in members] == [user["id"]]
    groups = scim.get(f"/Users/{user['id']}").get_json()["groups"]
    assert [(g["value"], g["type"]) for g in groups] == [(outer["id"], "direct")]


# -- listing -------------------------------------------------------------------------------


@pytest.fixture
def five(scim: Scim) -> list[dict[str, Any]]:
    """Five users created in the order c, a, e, b, d."""
    return [scim.create_user(name, displayName=name.upper()) for name in "caebd"]


def test_list_is_a_list_response(scim: Scim, five: list[dict[str, Any]]) -> None:
    """GET /Users → ListResponse with totalResults/startIndex/itemsPerPage (P-3.4.2-03,
    P-3.4.2-04, P-3.4.2.4-07)."""
    body = scim.get("/Users").get_json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (5, 1, 5)
    assert ids(body) == [u["id"] for u in five]
    assert body["Resources"][0] == five[0]


def test_empty_list_has_an_empty_resources_array(scim: Scim) -> None:
    """No match → 200, totalResults 0 and Resources [] (P-3.4.2-08)."""
    body = scim.get("/Groups").get_json()
    assert (body["totalResults"], body["itemsPerPage"], body["Resources"]) == (0, 0, [])


def test_filter_selects_resources(scim: Scim, five: list[dict[str, Any]]) -> None:
    """filter= narrows the list (P-3.4.2.2-02)."""
    body = scim.get("/Users", query={"filter": 'userName sw "a" or displayName eq "E"'})
    assert sorted(r["userName"] for r in body.get_json()["Resources"]) == ["a", "e"]


@pytest.mark.parametrize("bad", ["userName eq", 'userName zz "a"', "(", "nosuch..x pr"])
def test_bad_filters_are_400_invalid_filter(scim: Scim, bad: str) -> None:
    """Unparsable filters → 400 invalidFilter (P-3.12-15)."""
    assert_scim_error(scim.get("/Users", query={"filter": bad}), 400, "invalidFilter")
    response = search(scim, filter=bad)
    assert_scim_error(response, 400, "invalidFilter")


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"sortBy": "userName"}, "abcde"),
        ({"sortBy": "userName", "sortOrder": "ascending"}, "abcde"),
        ({"sortBy": "userName", "sortOrder": "descending"}, "edcba"),
        ({"sortBy": "displayName", "sortOrder": "descending"}, "edcba"),
        ({}, "caebd"),
    ],
)
def test_sort_by_and_sort_order(
    scim: Scim, five: list[dict[str, Any]], query: dict[str, str], expected: str
) -> None:
    """sortBy/sortOrder order the list; ascending by default (P-3.4.2.3-02, P-3.4.2.3-05,
    P-3.4.2.3-07)."""
    body = scim.get("/Users", query=query).get_json()
    assert "".join(r["userName"] for r in body["Resources"]) == expected
    body = search(scim, **query).get_json()
    assert "".join(r["userName"] for r in body["Resources"]) == expected


@pytest.mark.parametrize(
    "start, count, expected_start, names",
    [
        ("1", "2", 1, "ca"),
        ("2", "2", 2, "ae"),
        ("5", "10", 5, "d"),
        ("6", "10", 6, ""),
        ("0", "2", 1, "ca"),
        ("-3", "2", 1, "ca"),
        ("1", "0", 1, ""),
        ("1", "-1", 1, ""),
        (None, "3", 1, "cae"),
        ("4", None, 4, "bd"),
    ],
)
def test_start_index_and_count_page_the_list(
    scim: Scim,
    five: list[dict[str, Any]],
    start: str | None,
    count: str | None,
    expected_start: int,
    names: str,
) -> None:
    """startIndex is 1-based (<1 means 1), negative count means 0, past the end is an empty
    page (P-3.4.2.4-01..05, P-3.4.2.4-08)."""
    query = {k: v for k, v in (("startIndex", start), ("count", count)) if v is not None}
    body = scim.get("/Users", query=query).get_json()
    assert body["totalResults"] == 5
    assert body["startIndex"] == expected_start
    assert body["itemsPerPage"] == len(names)
    assert "".join(r["userName"] for r in body["Resources"]) == names


@pytest.mark.parametrize("name", ["startIndex", "count"])
@pytest.mark.parametrize("value", ["abc", "1.5", ""])
def test_non_integer_paging_parameters_are_400(scim: Scim, name: str, value: str) -> None:
    """Non-integer startIndex/count → 400 invalidValue (P-3.4.2.4-01)."""
    assert_scim_error(scim.get("/Users", query={name: value}), 400, "invalidValue")


def test_count_above_max_results_is_capped() -> None:
    """count beyond filter.maxResults returns at most maxResults (P-3.4.2.4-06)."""
    scim = make_scim(filter_max_results=3, default_page_size=2)
    for name in "abcde":
        scim.create_user(name)
    assert scim.get("/Users").get_json()["itemsPerPage"] == 2
    body = scim.get("/Users", query={"count": "1000"}).get_json()
    assert (body["totalResults"], body["itemsPerPage"]) == (5, 3)


# -- /.search and root queries -------------------------------------------------------------


def test_search_with_post_returns_a_list_and_never_creates(
    scim: Scim, five: list[dict[str, Any]]
) -> None:
    """POST /Users/.search → 200 ListResponse, no resource created (P-3.4.3-01)."""
    response = search(
        scim,
        filter='userName ne "c"',
        sortBy="userName",
        startIndex=2,
        count=2,
        attributes=["userName"],
    )
    assert response.status_code == 200
    assert "Location" not in response.headers
    body = response.get_json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (4, 2, 2)
    assert [r["userName"] for r in body["Resources"]] == ["b", "d"]
    assert set(body["Resources"][0]) == {"schemas", "id", "userName"}
    assert scim.get("/Users").get_json()["totalResults"] == 5


def test_search_parameter_names_are_case_insensitive(
    scim: Scim, five: list[dict[str, Any]]
) -> None:
    """SearchRequest attribute names are case-insensitive (C-2.1-01)."""
    body = scim.post(
        "/Users/.search",
        {"schemas": [SEARCH_REQUEST], "FILTER": 'userName eq "a"', "Count": 5},
    ).get_json()
    assert [r["userName"] for r in body["Resources"]] == ["a"]


@pytest.mark.parametrize(
    "body, scim_type",
    [
        ({}, "invalidSyntax"),
        ({"schemas": [USER_SCHEMA]}, "invalidSyntax"),
        ({"filter": "userName pr"}, "invalidSyntax"),
        ({"schemas": [SEARCH_REQUEST], "unknown": 1}, "invalidSyntax"),
        ({"schemas": [SEARCH_REQUEST], "filter": 1}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "count": "1"}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "startIndex": True}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "sortBy": ["userName"]}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "attributes": "userName"}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "excludedAttributes": [1]}, "invalidValue"),
    ],
)
@pytest.mark.parametrize("path", ["/Users/.search", "/.search"])
def test_bad_search_requests_are_400(
    scim: Scim, body: dict[str, Any], scim_type: str, path: str
) -> None:
    """A SearchRequest needs its schema URN and well-typed fields (P-3.4.3-03, P-3.4.3-04)."""
    assert_scim_error(scim.post(path, body), 400, scim_type)
    assert scim.get("/").get_json()["totalResults"] == 0


def test_search_on_an_unknown_endpoint_is_404(scim: Scim) -> None:
    """POST /Nope/.search → 404 (P-3.12-10)."""
    assert_scim_error(search(scim, "/Nope/.search"), 404)


def test_root_query_spans_resource_types(scim: Scim) -> None:
    """GET / and POST /.search query every type; a filter naming one type's attribute skips
    the others (P-3.4.2.1-01, P-3.4.2.1-04)."""
    user = scim.create_user("alice", displayName="Team")
    group = scim.create_group("Team")
    everything = scim.get("/").get_json()
    assert sorted(ids(everything)) == sorted([user["id"], group["id"]])
    types = {r["meta"]["resourceType"] for r in everything["Resources"]}
    assert types == {"User", "Group"}
    both = scim.get("/", query={"filter": 'displayName eq "team"'}).get_json()
    assert sorted(ids(both)) == sorted([user["id"], group["id"]])
    users_only = scim.get("/", query={"filter": "userName pr"}).get_json()
    assert ids(users_only) == [user["id"]]
    searched = search(scim, "/.search", filter="userName pr").get_json()
    assert ids(searched) == [user["id"]]
    assert scim.get("/", query={"sortBy": "displayName"}).status_code == 200
    for resource in everything["Resources"]:
        endpoint = "Users" if resource["meta"]["resourceType"] == "User" else "Groups"
        assert resource["meta"]["location"] == f"{LOCATION_PREFIX}/{endpoint}/{resource['id']}"


def test_root_query_with_an_invalid_filter_is_400(scim: Scim) -> None:
    """A filter no type can evaluate → 400 invalidFilter (P-3.12-15)."""
    assert_scim_error(scim.get("/", query={"filter": "userName eq"}), 400, "invalidFilter")


# -- immutable attributes (custom schema) --------------------------------------------------


@pytest.fixture
def immutable_scim(tmp_path: Path) -> Scim:
    """A mock whose User.nickName is immutable (the RFC's User schema has no such attribute)."""
    source = datadir.schemas_dir() / "scim"
    for path in source.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    user_schema = json.loads((tmp_path / "User.json").read_text(encoding="utf-8"))
    document = user_schema[0] if isinstance(user_schema, list) else user_schema
    for attribute in document["attributes"]:
        if attribute["name"] == "nickName":
            attribute["mutability"] = "immutable"
    (tmp_path / "User.json").write_text(json.dumps(user_schema), encoding="utf-8")
    app = create_app(MockConfig(token=TOKEN), registry=SchemaRegistry.load(tmp_path))
    return Scim(app.test_client())


def test_put_enforces_immutable_attributes(immutable_scim: Scim) -> None:
    """PUT may set an immutable value once, keep it, or omit it, but not change it
    (P-3.5.1-04, P-3.5.1-05, C-7-14)."""
    scim = immutable_scim
    user = scim.create_user("a")
    path = f"/Users/{user['id']}"
    body = {"schemas": [USER_SCHEMA], "userName": "a"}
    assert scim.put(path, {**body, "nickName": "first"}).status_code == 200
    assert scim.put(path, {**body, "nickName": "first", "title": "t"}).status_code == 200
    kept = scim.put(path, body).get_json()
    assert kept["nickName"] == "first"
    assert_scim_error(scim.put(path, {**body, "nickName": "second"}), 400, "mutability")
    op = {"op": "replace", "path": "nickName", "value": "second"}
    assert_scim_error(scim.patch_ops(path, op), 400, "mutability")
    assert scim.get(path).get_json()["nickName"] == "first"


def test_projection_applies_to_server_added_locations(scim: Any) -> None:
    """attributes=meta.created returns meta with created only, not the location (P-3.9-04)."""
    created = scim.create_user("located")
    query = {"attributes": "meta.created"}
    body = scim.get(f"/Users/{created['id']}", query=query).get_json()
    assert set(body["meta"]) == {"created"}
    listed = scim.get("/Users", query=query).get_json()["Resources"][0]
    assert set(listed["meta"]) == {"created"}


@pytest.mark.parametrize("blank", ["", "   ", "\t"])
def test_blank_user_name_is_refused(scim: Any, blank: str) -> None:
    """userName is required and must be non-empty; whitespace identifies nobody (C-4.1.1-01)."""
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": blank})
    assert response.status_code == 400
    assert response.get_json()["scimType"] == "invalidValue"
