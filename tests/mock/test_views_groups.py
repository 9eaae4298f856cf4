"""Group membership over HTTP (RFC 7643 §4.1.2, §4.2): members reference existing resources of the
right type, get type/display/$ref, users' groups are computed, and cycles are refused.
"""

from __future__ import annotations

from tests.conftest import GROUP_SCHEMA, Scim, assert_scim_error
from tests.mock.resource_views import LOCATION_PREFIX, ids


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
