"""Deleting resources over HTTP (RFC 7644 §3.6): 204, then the resource is gone everywhere, and
so are the group memberships that referenced it (RFC 7643 §4.2).
"""

from __future__ import annotations

from tests.conftest import USER_SCHEMA, Scim, assert_scim_error


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
