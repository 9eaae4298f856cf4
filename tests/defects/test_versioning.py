"""The versioning, bulk, round-trip and schema-rule defects (scim_defects/versioning.py and its
sub-area scim_defects/bulk.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError). The last test pins a
strict-mock fix: failed bulk operations other than POST name their location (P-3.7-04).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.conftest import (
    BULK_REQUEST,
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    PATCH_OP,
    USER_SCHEMA,
    Scim,
    make_scim,
)
from tests.defects.behaviour import behaviour_tests


def bulk(scim: Scim, *operations: dict[str, Any], **extra: Any) -> Any:
    return scim.post("/Bulk", {"schemas": [BULK_REQUEST], **extra, "Operations": list(operations)})


def results(scim: Scim, *operations: dict[str, Any], **extra: Any) -> list[dict[str, Any]]:
    response = bulk(scim, *operations, **extra)
    assert response.status_code == 200, response.get_data(as_text=True)
    found: list[dict[str, Any]] = response.get_json()["Operations"]
    return found


def post_user(bulk_id: str, name: str) -> dict[str, Any]:
    data = {"schemas": [USER_SCHEMA], "userName": name}
    return {"method": "POST", "path": "/Users", "bulkId": bulk_id, "data": data}


def post_group(bulk_id: str, member: str) -> dict[str, Any]:
    data = {"schemas": [GROUP_SCHEMA], "displayName": "G", "members": [{"value": member}]}
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": data}


def missing(n: int = 0) -> dict[str, Any]:
    return {"method": "DELETE", "path": f"/Users/missing-{n}"}


# -- ETags --------------------------------------------------------------------------------------


def check_etag_header_differs_from_meta(scim: Scim) -> None:
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert response.headers["ETag"] != response.get_json()["meta"]["version"]


def check_etag_no_meta_version(scim: Scim) -> None:
    assert "version" not in scim.create_user("a")["meta"]


def check_etag_malformed(scim: Scim) -> None:
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert not response.headers["ETag"].endswith('"')


def check_etag_unchanged_on_update(scim: Scim) -> None:
    user = scim.create_user("a")
    response = scim.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "b"})
    assert response.get_json()["userName"] == "b"
    assert response.headers["ETag"] == user["meta"]["version"]


def check_etag_if_match_ignored(scim: Scim) -> None:
    user = scim.create_user("a")
    response = scim.delete(f"/Users/{user['id']}", headers={"If-Match": 'W/"999999"'})
    assert response.status_code == 204


def check_etag_if_none_match_ignored(scim: Scim) -> None:
    user = scim.create_user("a")
    headers = {"If-None-Match": user["meta"]["version"]}
    assert scim.get(f"/Users/{user['id']}", headers=headers).status_code == 200


def check_etag_weak_compared_strongly(scim: Scim) -> None:
    user = scim.create_user("a")
    path, tag = f"/Users/{user['id']}", user["meta"]["version"]
    assert scim.get(path, headers={"If-None-Match": tag}).status_code == 304
    assert scim.get(path, headers={"If-None-Match": tag.removeprefix("W/")}).status_code == 200


# -- bulk ---------------------------------------------------------------------------------------


def check_bulk_forward_reference_unsupported(scim: Scim) -> None:
    found = results(scim, post_group("g", "bulkId:u"), post_user("u", "a"))
    assert [r["status"] for r in found] == ["409", "201"]
    assert scim.get("/Groups").get_json()["totalResults"] == 0


def check_bulk_bulkid_not_resolved(scim: Scim) -> None:
    found = results(scim, post_user("u", "a"), post_group("g", "bulkId:u"))
    group = scim.get("/" + found[1]["location"].split("/", 5)[-1]).get_json()
    assert group["members"][0]["value"] == "bulkId:u"


def check_bulk_fail_on_errors_ignored(scim: Scim) -> None:
    found = results(scim, missing(), post_user("u", "a"), failOnErrors=1)
    assert [r["status"] for r in found] == ["404", "201"]


def check_bulk_max_operations_ignored(scim: Scim) -> None:
    response = bulk(scim, *[missing(n) for n in range(101)])
    assert response.status_code == 200
    assert len(response.get_json()["Operations"]) == 101


def check_bulk_max_payload_ignored(scim: Scim) -> None:
    padded = {**missing(), "data": {"padding": "x" * 1_100_000}}
    response = bulk(scim, padded)
    assert response.status_code == 200
    assert response.get_json()["Operations"][0]["status"] == "404"


def check_bulk_status_as_int(scim: Scim) -> None:
    assert results(scim, missing())[0]["status"] == 404


def check_bulk_missing_location(scim: Scim) -> None:
    assert "location" not in results(scim, post_user("u", "a"))[0]


def check_bulk_drops_bulk_id(scim: Scim) -> None:
    assert "bulkId" not in results(scim, post_user("u", "a"))[0]


def check_bulk_error_without_response(scim: Scim) -> None:
    assert "response" not in results(scim, missing())[0]


def check_bulk_error_without_detail(scim: Scim) -> None:
    assert "detail" not in results(scim, missing())[0]["response"]


def check_bulk_413_unexplained(scim: Scim) -> None:
    response = bulk(scim, *[missing(n) for n in range(101)])
    assert response.status_code == 413
    assert "100" not in response.get_json()["detail"]


def check_bulk_response_wrong_urn(scim: Scim) -> None:
    response = bulk(scim, missing())
    assert response.get_json()["schemas"] != ["urn:ietf:params:scim:api:messages:2.0:BulkResponse"]


def check_bulk_answers_201(scim: Scim) -> None:
    assert bulk(scim, missing()).status_code == 201


def check_bulk_limits_unpublished(scim: Scim) -> None:
    assert "maxOperations" not in scim.get("/ServiceProviderConfig").get_json()["bulk"]


# -- round trips and schema-level rules ---------------------------------------------------------


def check_roundtrip_drops_phone_numbers(scim: Scim) -> None:
    user = scim.create_user("a")
    body = {"schemas": [USER_SCHEMA], "userName": "a", "phoneNumbers": [{"value": "+1-555-0100"}]}
    assert "phoneNumbers" not in scim.put(f"/Users/{user['id']}", body).get_json()


def check_roundtrip_put_lowercases_external_id(scim: Scim) -> None:
    user = scim.create_user("a")
    body = {"schemas": [USER_SCHEMA], "userName": "a", "externalId": "MiXeD"}
    assert scim.put(f"/Users/{user['id']}", body).get_json()["externalId"] == "mixed"


def check_schemas_omit_read_only_mutability(scim: Scim) -> None:
    group = scim.get(f"/Schemas/{GROUP_SCHEMA}").get_json()
    members = next(a for a in group["attributes"] if a["name"] == "members")
    display = next(s for s in members["subAttributes"] if s["name"] == "display")
    assert "mutability" not in display


def check_integers_as_decimals(scim: Scim) -> None:
    scim.create_user("a")
    text = scim.get("/Users", query={"count": "1"}).get_data(as_text=True)
    assert isinstance(json.loads(text)["itemsPerPage"], float)


def _put_answer(scim: Scim) -> dict[str, Any]:
    user = scim.create_user("a")
    answer: dict[str, Any] = scim.put(
        f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "userName": "b"}
    ).get_json()
    return answer


def check_schemas_duplicated_on_put(scim: Scim) -> None:
    assert _put_answer(scim)["schemas"] == [USER_SCHEMA, USER_SCHEMA]


def check_schemas_missing_on_put(scim: Scim) -> None:
    assert "schemas" not in _put_answer(scim)


def check_group_external_id_dropped(scim: Scim) -> None:
    assert "externalId" not in scim.create_group("G", externalId="ext-1")


def check_create_needs_schemas_first(scim: Scim) -> None:
    response = scim.post("/Users", {"userName": "a", "schemas": [USER_SCHEMA]})
    assert response.status_code == 400


def check_create_needs_core_schema_first(scim: Scim) -> None:
    body = {"schemas": [ENTERPRISE_SCHEMA, USER_SCHEMA], "userName": "a"}
    assert scim.post("/Users", body).status_code == 400


def check_urn_qualified_names_refused(scim: Scim) -> None:
    user = scim.create_user("a")
    query = {"attributes": f"{USER_SCHEMA}:userName"}
    assert scim.get(f"/Users/{user['id']}", query=query).status_code == 400


def check_schemas_list_undeclared_extension(scim: Scim) -> None:
    user = scim.create_user("a")
    declared = scim.get("/ResourceTypes/User").get_json()["schemaExtensions"]
    vendors = [u for u in user["schemas"] if u not in (USER_SCHEMA, ENTERPRISE_SCHEMA)]
    assert vendors and user[vendors[0]] and vendors[0] not in [e["schema"] for e in declared]
    assert scim.create_group("G")["schemas"] == [GROUP_SCHEMA]


def check_reference_template_unexpanded(scim: Scim) -> None:
    user = scim.create_user("a")
    group = scim.create_group("G", [user["id"]])
    member = scim.get(f"/Groups/{group['id']}").get_json()["members"][0]
    assert member["$ref"] == f"{{scimBaseUrl}}/Users/{user['id']}"
    shown = scim.get(f"/Users/{user['id']}").get_json()
    assert shown["groups"][0]["$ref"] == f"{{scimBaseUrl}}/Groups/{group['id']}"
    assert shown["meta"]["location"].startswith("http")


def check_meta_dates_without_time(scim: Scim) -> None:
    meta = scim.create_user("a")["meta"]
    assert len(meta["created"]) == 10 and "T" not in meta["lastModified"]


def check_meta_resource_type_lower_case(scim: Scim) -> None:
    user = scim.create_user("a")
    assert user["meta"]["resourceType"] == "user"
    assert scim.get("/Users").get_json()["Resources"][0]["meta"]["resourceType"] == "user"


def check_extension_replaces_core_urn(scim: Scim) -> None:
    body = {"schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA], ENTERPRISE_SCHEMA: {"department": "d"}}
    enterprise = scim.create_user("a", **body)
    assert enterprise["schemas"] == [ENTERPRISE_SCHEMA]
    assert scim.create_user("b")["schemas"] == [USER_SCHEMA]


def check_create_meta_without_location(scim: Scim) -> None:
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert response.status_code == 201 and "location" not in response.get_json()["meta"]
    created = response.get_json()
    assert response.headers["Location"].endswith(created["id"])
    assert scim.get(f"/Users/{created['id']}").get_json()["meta"]["location"]


def check_etag_header_missing(scim: Scim) -> None:
    user = scim.create_user("a")
    response = scim.get(f"/Users/{user['id']}")
    assert "ETag" not in response.headers and response.get_json()["meta"]["version"]


def check_put_answers_204(scim: Scim) -> None:
    user = scim.create_user("a")
    body = {"schemas": [USER_SCHEMA], "userName": "a", "title": "t"}
    response = scim.put(f"/Users/{user['id']}", body)
    assert response.status_code == 204 and not response.get_data()
    assert scim.get(f"/Users/{user['id']}").get_json()["title"] == "t"


def check_list_response_untagged(scim: Scim) -> None:
    scim.create_user("a")
    body = scim.get("/Users").get_json()
    assert "schemas" not in body and body["totalResults"] == 1


def check_list_total_missing(scim: Scim) -> None:
    scim.create_user("a")
    body = scim.get("/Users").get_json()
    assert "totalResults" not in body and len(body["Resources"]) == 1


def check_bulk_delete_status_200(scim: Scim) -> None:
    user = scim.create_user("a")
    (result,) = results(scim, {"method": "DELETE", "path": f"/Users/{user['id']}"})
    assert result["status"] == "200"
    assert scim.get(f"/Users/{user['id']}").status_code == 404


CHECKS: dict[str, Callable[[Scim], None]] = {
    name.removeprefix("check_").replace("_", "-"): function
    for name, function in dict(globals()).items()
    if name.startswith("check_") and callable(function)
}


(
    test_every_versioning_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests(("versioning", "bulk"), CHECKS)


def test_failed_bulk_operations_name_their_location() -> None:
    """A failed DELETE/PUT/PATCH result carries location; a failed POST does not (P-3.7-04)."""
    scim = make_scim()
    patch = {"schemas": [PATCH_OP], "Operations": [{"op": "remove", "path": "title"}]}
    found = results(scim, missing(7), {"method": "PATCH", "path": "/Users/x", "data": patch},
                    post_user("u", ""))  # fmt: skip
    assert [r["status"] for r in found] == ["404", "404", "400"]
    assert found[0]["location"].endswith("/scim/v2/Users/missing-7")
    assert found[1]["location"].endswith("/scim/v2/Users/x")
    assert "location" not in found[2]
