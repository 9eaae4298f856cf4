"""The security_data defects, seen over HTTP (registered by scim_defects/security_data.py).

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import USER_SCHEMA, Scim
from tests.defects.behaviour import behaviour_tests

BULK = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"


def found(scim: Scim, text: str) -> set[str]:
    response = scim.get("/Users", query={"filter": text})
    assert response.status_code == 200
    return {r["id"] for r in response.get_json().get("Resources", [])}


def check_patch_meta_writable(scim: Scim) -> None:
    user = scim.create_user("a")
    op = {"op": "replace", "path": "meta.created", "value": "2000-01-01T00:00:00Z"}
    assert scim.patch_ops(f"/Users/{user['id']}", op).status_code == 200
    assert scim.get(f"/Users/{user['id']}").get_json()["meta"]["created"].startswith("2000")


def check_put_targets_body_id(scim: Scim) -> None:
    a, b = scim.create_user("a"), scim.create_user("b")
    body = {"schemas": [USER_SCHEMA], "userName": "renamed", "id": a["id"]}
    assert scim.put(f"/Users/{b['id']}", body).status_code == 200
    assert scim.get(f"/Users/{a['id']}").get_json()["userName"] == "renamed"


def check_write_echoes_password(scim: Scim) -> None:
    user = scim.create_user("a")
    op = {"op": "replace", "path": "password", "value": "S3cret!pw"}
    assert "S3cret!pw" in scim.patch_ops(f"/Users/{user['id']}", op).get_data(as_text=True)


def check_bulk_results_echo_data(scim: Scim) -> None:
    data = {"schemas": [USER_SCHEMA], "userName": "a", "password": "S3cret!pw"}
    ops = [{"method": "POST", "path": "/Users", "bulkId": "a", "data": data}]
    response = scim.post("/Bulk", {"schemas": [BULK], "Operations": ops})
    assert "S3cret!pw" in response.get_data(as_text=True)


def check_password_filter_cleartext(scim: Scim) -> None:
    user = scim.create_user("a", password="S3cret!pw")
    assert found(scim, 'password sw "S3c"') == {user["id"]}


def _markers(scim: Scim) -> dict[str, str]:
    names = ["50%off", "50xoff", "a_b", "axb", ".*", "dot", "*", "star"]
    return {n: scim.create_user(f"u{i}", displayName=n)["id"] for i, n in enumerate(names)}


def check_filter_like_unescaped(scim: Scim) -> None:
    ids = _markers(scim)
    assert found(scim, 'displayName co "50%off"') == {ids["50%off"], ids["50xoff"]}


def check_filter_regex_unescaped(scim: Scim) -> None:
    ids = _markers(scim)
    assert found(scim, 'displayName sw ".*"') == set(ids.values())


def check_filter_ldap_unescaped(scim: Scim) -> None:
    ids = _markers(scim)
    assert found(scim, 'displayName eq "*"') == set(ids.values())


def check_lookup_prefers_externalid(scim: Scim) -> None:
    a = scim.create_user("a")
    b = scim.create_user("b", externalId=a["id"])
    assert scim.get(f"/Users/{a['id']}").get_json()["id"] == b["id"]


def check_id_filter_matches_externalid(scim: Scim) -> None:
    a = scim.create_user("a")
    b = scim.create_user("b", externalId=a["id"])
    assert found(scim, f"id eq {json.dumps(a['id'])}") == {a["id"], b["id"]}


def check_ids_one_table(scim: Scim) -> None:
    group = scim.post("/Groups", {"schemas": [GROUP_SCHEMA], "displayName": "g"}).get_json()
    op = {"op": "replace", "path": "displayName", "value": "crossed"}
    assert scim.patch_ops(f"/Users/{group['id']}", op).status_code == 200
    assert scim.get(f"/Groups/{group['id']}").get_json()["displayName"] == "crossed"


def check_group_create_merges_by_name(scim: Scim) -> None:
    a, b = scim.create_user("a"), scim.create_user("b")
    body = {"schemas": [GROUP_SCHEMA], "displayName": "g", "members": [{"value": a["id"]}]}
    first = scim.post("/Groups", body).get_json()
    body["members"] = [{"value": b["id"]}]
    second = scim.post("/Groups", body).get_json()
    assert second["id"] == first["id"]
    assert {m["value"] for m in second["members"]} == {a["id"], b["id"]}


def check_user_create_upserts(scim: Scim) -> None:
    holder = scim.create_user("a", title="Holder")
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a", "title": "New"})
    assert response.status_code == 201
    assert scim.get(f"/Users/{holder['id']}").get_json()["title"] == "New"


def check_patch_prototype_pollution(scim: Scim) -> None:
    user = scim.create_user("a")
    op = {"op": "add", "path": "__proto__.polluted", "value": "yes"}
    assert scim.patch_ops(f"/Users/{user['id']}", op).status_code == 200
    fresh = scim.create_user("b")
    assert scim.get(f"/Users/{fresh['id']}").get_json()["polluted"] == "yes"


def check_error_detail_templated(scim: Scim) -> None:
    response = scim.get("/Users", query={"filter": "displayName eq ${1337*1337}"})
    assert response.status_code == 400
    assert "1787569" in response.get_json()["detail"]


CHECKS: dict[str, Callable[[Scim], None]] = {
    "patch-meta-writable": check_patch_meta_writable,
    "put-targets-body-id": check_put_targets_body_id,
    "write-echoes-password": check_write_echoes_password,
    "bulk-results-echo-data": check_bulk_results_echo_data,
    "password-filter-cleartext": check_password_filter_cleartext,
    "filter-like-unescaped": check_filter_like_unescaped,
    "filter-regex-unescaped": check_filter_regex_unescaped,
    "filter-ldap-unescaped": check_filter_ldap_unescaped,
    "lookup-prefers-externalid": check_lookup_prefers_externalid,
    "id-filter-matches-externalid": check_id_filter_matches_externalid,
    "ids-one-table": check_ids_one_table,
    "group-create-merges-by-name": check_group_create_merges_by_name,
    "user-create-upserts": check_user_create_upserts,
    "patch-prototype-pollution": check_patch_prototype_pollution,
    "error-detail-templated": check_error_detail_templated,
}


(
    test_every_security_data_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests("security_data", CHECKS, strict_errors=(AssertionError, KeyError))
