"""The lifecycle defects (scim_defects/lifecycle.py and deletion.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import (
    BULK_REQUEST,
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    USER_SCHEMA,
    Scim,
    make_scim,
)
from tests.defects.behaviour import behaviour_tests

GROUP, USER = GROUP_SCHEMA, USER_SCHEMA
EXTENDED = {"schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA], ENTERPRISE_SCHEMA: {"department": "d"}}


def members(scim: Scim, group_id: str) -> list[str]:
    return [m["value"] for m in scim.get(f"/Groups/{group_id}").get_json().get("members", [])]


def user(scim: Scim, user_id: str) -> dict[str, Any]:
    result: dict[str, Any] = scim.get(f"/Users/{user_id}").get_json()
    return result


def pair(scim: Scim) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    a, b = scim.create_user("a"), scim.create_user("b")
    return a, b, scim.create_group("G", [a["id"], b["id"]])


def found(scim: Scim, text: str) -> int:
    total: int = scim.get("/Users", query={"filter": text}).get_json()["totalResults"]
    return total


def check_group_member_value_is_display(scim: Scim) -> None:
    a = scim.create_user("alice")
    response = scim.post("/Groups", {"schemas": [GROUP], "displayName": "G",
                                     "members": [{"value": a["id"]}]})  # fmt: skip
    assert response.get_json()["members"][0]["value"] == "alice"


def check_group_display_name_optional(scim: Scim) -> None:
    assert scim.post("/Groups", {"schemas": [GROUP]}).status_code == 201


def check_remove_member_filter_removes_all(scim: Scim) -> None:
    a, _, group = pair(scim)
    op = {"op": "remove", "path": f'members[value eq "{a["id"]}"]'}
    assert scim.patch_ops(f"/Groups/{group['id']}", op).status_code == 200
    assert members(scim, group["id"]) == []


def check_patch_remove_all_ignored(scim: Scim) -> None:
    _, _, group = pair(scim)
    scim.patch_ops(f"/Groups/{group['id']}", {"op": "remove", "path": "members"})
    assert len(members(scim, group["id"])) == 2


def check_replace_members_appends(scim: Scim) -> None:
    a, b, group = pair(scim)
    c = scim.create_user("c")
    op = {"op": "replace", "path": "members", "value": [{"value": c["id"]}]}
    scim.patch_ops(f"/Groups/{group['id']}", op)
    assert members(scim, group["id"]) == [a["id"], b["id"], c["id"]]


def check_user_groups_writable(scim: Scim) -> None:
    a, group = scim.create_user("a"), scim.create_group("G")
    op = {"op": "add", "path": "groups", "value": [{"value": group["id"]}]}
    assert scim.patch_ops(f"/Users/{a['id']}", op).status_code == 200
    assert members(scim, group["id"]) == [a["id"]]


def check_put_group_members_ignored(scim: Scim) -> None:
    a, b, group = pair(scim)
    body = {"schemas": [GROUP], "displayName": "G", "members": [{"value": b["id"]}]}
    assert scim.put(f"/Groups/{group['id']}", body).status_code == 200
    assert members(scim, group["id"]) == [a["id"], b["id"]]


def check_group_delete_deletes_members(scim: Scim) -> None:
    a, _, group = pair(scim)
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert scim.get(f"/Users/{a['id']}").status_code == 404


def check_user_delete_empties_groups(scim: Scim) -> None:
    a, b, group = pair(scim)
    assert scim.delete(f"/Users/{a['id']}").status_code == 204
    assert scim.get(f"/Groups/{group['id']}").get_json().get("members", []) == []
    assert scim.get(f"/Users/{b['id']}").status_code == 200


def check_empty_group_deleted(scim: Scim) -> None:
    _, _, group = pair(scim)
    scim.patch_ops(f"/Groups/{group['id']}", {"op": "remove", "path": "members"})
    assert scim.get(f"/Groups/{group['id']}").status_code == 404


def check_groups_attribute_stale(scim: Scim) -> None:
    a, _, group = pair(scim)
    assert [g["value"] for g in user(scim, a["id"])["groups"]] == [group["id"]]
    scim.patch_ops(f"/Groups/{group['id']}", {"op": "remove", "path": "members"})
    assert [g["value"] for g in user(scim, a["id"]).get("groups", [])] == [group["id"]]


def check_search_index_lags(scim: Scim) -> None:
    scim.create_user("a")
    assert found(scim, 'userName eq "a"') == 0


def _patched(scim: Scim, *ops: dict[str, Any]) -> dict[str, Any]:
    a = scim.create_user("a", title="t", active=True, **EXTENDED)
    response = scim.patch_ops(f"/Users/{a['id']}", *ops)
    assert response.status_code == 200, response.get_data(as_text=True)
    return user(scim, a["id"])


def check_patch_extension_path_ignored(scim: Scim) -> None:
    op = {"op": "replace", "path": f"{ENTERPRISE_SCHEMA}:department", "value": "new"}
    assert _patched(scim, op)[ENTERPRISE_SCHEMA]["department"] == "d"


def check_patch_pathless_extension_ignored(scim: Scim) -> None:
    op = {"op": "replace", "value": {"title": "x", ENTERPRISE_SCHEMA: {"department": "new"}}}
    result = _patched(scim, op)
    assert result["title"] == "x" and result[ENTERPRISE_SCHEMA]["department"] == "d"


def check_patch_active_path_ignored(scim: Scim) -> None:
    assert _patched(scim, {"op": "replace", "path": "active", "value": False})["active"] is True


def check_patch_pathless_active_ignored(scim: Scim) -> None:
    assert _patched(scim, {"op": "replace", "value": {"active": False}})["active"] is True


def _put(scim: Scim, **changes: Any) -> dict[str, Any]:
    a = scim.create_user("a", active=True, **EXTENDED)
    body = {k: v for k, v in a.items() if k != "meta"} | changes
    assert scim.put(f"/Users/{a['id']}", body).status_code == 200
    return user(scim, a["id"])


def check_put_extension_ignored(scim: Scim) -> None:
    assert _put(scim, **{ENTERPRISE_SCHEMA: {"department": "new"}})[ENTERPRISE_SCHEMA] == {
        "department": "d"
    }


def check_put_active_ignored(scim: Scim) -> None:
    assert _put(scim, active=False)["active"] is True


def check_deactivated_user_hidden(scim: Scim) -> None:
    a = scim.create_user("a", active=False)
    assert scim.get(f"/Users/{a['id']}").status_code == 404
    assert scim.get("/Users").get_json()["totalResults"] == 0


def check_reactivation_fails(scim: Scim) -> None:
    a = scim.create_user("a", active=False)
    scim.patch_ops(f"/Users/{a['id']}", {"op": "replace", "path": "active", "value": True})
    assert user(scim, a["id"])["active"] is False


def check_filter_misses_inactive(scim: Scim) -> None:
    scim.create_user("a", active=False)
    assert found(scim, 'userName eq "a"') == 0
    assert scim.get("/Users").get_json()["totalResults"] == 1


def check_delete_soft_keeps_listing(scim: Scim) -> None:
    a = scim.create_user("a")
    assert scim.delete(f"/Users/{a['id']}").status_code == 204
    assert scim.get(f"/Users/{a['id']}").status_code == 404
    assert found(scim, 'userName eq "a"') == 1


def check_delete_stale_unfiltered_listing(scim: Scim) -> None:
    a, b = scim.create_user("a"), scim.create_user("b")
    assert scim.delete(f"/Users/{a['id']}").status_code == 204
    assert scim.get(f"/Users/{a['id']}").status_code == 404
    assert found(scim, 'userName eq "a"') == 0
    listing = scim.get("/Users").get_json()
    assert sorted(r["id"] for r in listing["Resources"]) == sorted([a["id"], b["id"]])
    assert listing["totalResults"] == 2


def check_deleted_username_reserved(scim: Scim) -> None:
    a = scim.create_user("a")
    scim.delete(f"/Users/{a['id']}")
    assert scim.post("/Users", {"schemas": [USER], "userName": "a"}).status_code == 409


def check_delete_repeat_succeeds(scim: Scim) -> None:
    a = scim.create_user("a")
    assert scim.delete(f"/Users/{a['id']}").status_code == 204
    assert scim.delete(f"/Users/{a['id']}").status_code == 204


def check_bulk_stops_after_error(scim: Scim) -> None:
    a = scim.create_user("a")
    body = {"schemas": [BULK_REQUEST], "Operations": [
        {"method": "DELETE", "path": "/Users/missing"},
        {"method": "DELETE", "path": f"/Users/{a['id']}"}]}  # fmt: skip
    results = scim.post("/Bulk", body).get_json()["Operations"]
    assert [r["status"] for r in results] == ["404", "503"]
    assert scim.get(f"/Users/{a['id']}").status_code == 200


CHECKS: dict[str, Callable[[Scim], None]] = {
    "group-member-value-is-display": check_group_member_value_is_display,
    "group-display-name-optional": check_group_display_name_optional,
    "remove-member-filter-removes-all": check_remove_member_filter_removes_all,
    "patch-remove-all-ignored": check_patch_remove_all_ignored,
    "replace-members-appends": check_replace_members_appends,
    "user-groups-writable": check_user_groups_writable,
    "put-group-members-ignored": check_put_group_members_ignored,
    "group-delete-deletes-members": check_group_delete_deletes_members,
    "user-delete-empties-groups": check_user_delete_empties_groups,
    "empty-group-deleted": check_empty_group_deleted,
    "groups-attribute-stale": check_groups_attribute_stale,
    "search-index-lags": check_search_index_lags,
    "patch-extension-path-ignored": check_patch_extension_path_ignored,
    "patch-pathless-extension-ignored": check_patch_pathless_extension_ignored,
    "put-extension-ignored": check_put_extension_ignored,
    "patch-active-path-ignored": check_patch_active_path_ignored,
    "patch-pathless-active-ignored": check_patch_pathless_active_ignored,
    "put-active-ignored": check_put_active_ignored,
    "deactivated-user-hidden": check_deactivated_user_hidden,
    "reactivation-fails": check_reactivation_fails,
    "filter-misses-inactive": check_filter_misses_inactive,
    "delete-soft-keeps-listing": check_delete_soft_keeps_listing,
    "delete-stale-unfiltered-listing": check_delete_stale_unfiltered_listing,
    "deleted-username-reserved": check_deleted_username_reserved,
    "delete-repeat-succeeds": check_delete_repeat_succeeds,
    "bulk-stops-after-error": check_bulk_stops_after_error,
}


(
    test_every_lifecycle_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests(("lifecycle", "deletion"), CHECKS)


def test_lifecycle_faults_combine() -> None:
    """Defects that wrap the same provider method chain instead of replacing each other."""
    scim = make_scim(faults=("patch-active-path-ignored", "remove-member-filter-removes-all"))
    check_remove_member_filter_removes_all(scim)
    b = scim.get("/Users", query={"filter": 'userName eq "b"'}).get_json()["Resources"][0]
    scim.patch_ops(f"/Users/{b['id']}", {"op": "replace", "path": "active", "value": False})
    assert user(scim, b["id"]).get("active") is not False
