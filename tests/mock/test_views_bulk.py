"""/Bulk over HTTP (RFC 7644 §3.7): operations, bulkId references, failOnErrors and limits."""

from __future__ import annotations

import json
from typing import Any

import pytest

from tests.conftest import (
    BASE,
    BULK_REQUEST,
    BULK_RESPONSE,
    ENTERPRISE_SCHEMA,
    ERROR_SCHEMA,
    GROUP_SCHEMA,
    PATCH_OP,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)

LOCATION_PREFIX = f"http://localhost{BASE}"


def bulk(scim: Scim, *operations: dict[str, Any], **fields: Any) -> list[dict[str, Any]]:
    """POST /Bulk and return the result Operations (asserting 200 BulkResponse)."""
    response = scim.post(
        "/Bulk", {"schemas": [BULK_REQUEST], "Operations": list(operations), **fields}
    )
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    assert body["schemas"] == [BULK_RESPONSE]
    results: list[dict[str, Any]] = body["Operations"]
    return results


def post_user(bulk_id: str, user_name: str, **attributes: Any) -> dict[str, Any]:
    return {
        "method": "POST",
        "path": "/Users",
        "bulkId": bulk_id,
        "data": {"schemas": [USER_SCHEMA], "userName": user_name, **attributes},
    }


def post_group(bulk_id: str, name: str, *members: str) -> dict[str, Any]:
    data: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": name}
    if members:
        data["members"] = [{"value": m} for m in members]
    return {"method": "POST", "path": "/Groups", "bulkId": bulk_id, "data": data}


def patch_op(path: str, *operations: dict[str, Any], **extra: Any) -> dict[str, Any]:
    return {
        "method": "PATCH",
        "path": path,
        "data": {"schemas": [PATCH_OP], "Operations": list(operations)},
        **extra,
    }


def user_id(result: dict[str, Any]) -> str:
    location: str = result["location"]
    return location.rsplit("/", 1)[-1]


def test_every_method_behaves_like_the_single_request(scim: Scim) -> None:
    """POST 201, PUT 200, PATCH 200, DELETE 204, each with a location and effects visible
    (P-3.7-02, P-3.7-03, P-3.7-04, P-3.7-10, P-3.7.3-02)."""
    existing = scim.create_user("old")
    doomed = scim.create_user("doomed")
    results = bulk(
        scim,
        post_user("new", "new"),
        {
            "method": "PUT",
            "path": f"/Users/{existing['id']}",
            "data": {"schemas": [USER_SCHEMA], "userName": "old", "nickName": "put"},
        },
        patch_op(
            f"/Users/{existing['id']}", {"op": "add", "path": "displayName", "value": "patched"}
        ),
        {"method": "DELETE", "path": f"/Users/{doomed['id']}"},
    )
    assert [r["status"] for r in results] == ["201", "200", "200", "204"]
    assert [r["method"] for r in results] == ["POST", "PUT", "PATCH", "DELETE"]
    assert results[0]["bulkId"] == "new"
    for result in results:
        assert isinstance(result["status"], str)
        assert result["location"].startswith(f"{LOCATION_PREFIX}/Users/")
        assert "response" not in result
    new = scim.get(f"/Users/{user_id(results[0])}").get_json()
    assert new["userName"] == "new"
    assert results[0]["version"] == new["meta"]["version"]
    updated = scim.get(f"/Users/{existing['id']}").get_json()
    assert (updated["nickName"], updated["displayName"]) == ("put", "patched")
    assert results[2]["version"] == updated["meta"]["version"]
    assert_scim_error(scim.get(f"/Users/{doomed['id']}"), 404)


def test_bulk_id_references_are_resolved_including_forward_ones(scim: Scim) -> None:
    """A group POSTed before the user it references via bulkId still gets the user's id
    (P-3.7-11, P-3.7.2-01)."""
    results = bulk(
        scim,
        post_group("g", "Team", "bulkId:u"),
        post_user("u", "alice"),
        patch_op("/Users/bulkId:u", {"op": "add", "path": "nickName", "value": "al"}),
    )
    assert [r["status"] for r in results] == ["201", "201", "200"]
    assert [r.get("bulkId") for r in results] == ["g", "u", None]
    group = scim.get(f"/Groups/{user_id(results[0])}").get_json()
    assert [m["value"] for m in group["members"]] == [user_id(results[1])]
    user = scim.get(f"/Users/{user_id(results[1])}").get_json()
    assert user["nickName"] == "al"
    assert [g["value"] for g in user["groups"]] == [group["id"]]


def test_bulk_id_references_inside_extensions_are_resolved(scim: Scim) -> None:
    """bulkId in enterprise manager.value is replaced as well (P-3.7.2-02)."""
    results = bulk(
        scim,
        post_user(
            "emp",
            "emp",
            schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA],
            **{ENTERPRISE_SCHEMA: {"manager": {"value": "bulkId:boss"}}},
        ),
        post_user("boss", "boss"),
    )
    assert [r["status"] for r in results] == ["201", "201"]
    employee = scim.get(f"/Users/{user_id(results[0])}").get_json()
    assert employee[ENTERPRISE_SCHEMA]["manager"]["value"] == user_id(results[1])


def test_circular_bulk_id_references_fail_with_409(scim: Scim) -> None:
    """Groups referencing each other by bulkId → 409 for each, others still run (P-3.7.1-01)."""
    results = bulk(
        scim,
        post_group("a", "A", "bulkId:b"),
        post_group("b", "B", "bulkId:a"),
        post_user("u", "u"),
    )
    assert [r["status"] for r in results] == ["409", "409", "201"]
    for failed in results[:2]:
        assert failed["response"]["schemas"] == [ERROR_SCHEMA]
        assert failed["response"]["status"] == "409"
        assert failed["response"]["detail"]
        assert "location" not in failed
    assert scim.get("/Groups").get_json()["totalResults"] == 0


def test_a_self_reference_is_a_cycle(scim: Scim) -> None:
    """A POST whose data references its own bulkId cannot be resolved → 409 (P-3.7.1-01)."""
    (result,) = bulk(scim, post_group("g", "G", "bulkId:g"))
    assert result["status"] == "409"


def test_unknown_bulk_id_references_fail_that_operation(scim: Scim) -> None:
    """A reference to a bulkId no operation defines → that op fails; others run (P-3.7-08)."""
    results = bulk(
        scim,
        post_group("g", "G", "bulkId:ghost"),
        patch_op("/Users/bulkId:ghost", {"op": "add", "path": "nickName", "value": "x"}),
        post_user("u", "u"),
    )
    assert [r["status"] for r in results] == ["409", "409", "201"]
    assert "ghost" in results[0]["response"]["detail"]


def test_a_failed_reference_target_fails_the_dependent_operation(scim: Scim) -> None:
    """If the referenced POST fails, the operation using its bulkId fails too (P-3.7-11)."""
    results = bulk(
        scim,
        post_user("u", ""),  # missing userName: 400
        post_group("g", "G", "bulkId:u"),
    )
    assert results[0]["status"] == "400"
    assert results[0]["response"]["scimType"] == "invalidValue"
    assert results[1]["status"] == "409"
    assert scim.get("/Groups").get_json()["totalResults"] == 0


def test_errors_do_not_stop_processing_without_fail_on_errors(scim: Scim) -> None:
    """[bad op, good op] without failOnErrors → both reported, the good one applied (P-3.7-08,
    P-3.7-05, P-3.7-06, P-3.7.3-03, P-3.12-25)."""
    results = bulk(
        scim,
        {"method": "DELETE", "path": "/Users/nope"},
        patch_op("/Users/nope", {"op": "add", "path": "nickName", "value": "x"}),
        post_user("dup1", "dup"),
        post_user("dup2", "DUP"),
        post_user("ok", "ok"),
    )
    assert [r["status"] for r in results] == ["404", "404", "201", "409", "201"]
    assert results[3]["response"]["scimType"] == "uniqueness"
    for failed in (results[0], results[1], results[3]):
        assert failed["response"]["schemas"] == [ERROR_SCHEMA]
        assert failed["response"]["status"] == failed["status"]
    assert scim.get("/Users").get_json()["totalResults"] == 2


@pytest.mark.parametrize("fail_on_errors, reported", [(1, 2), (2, 4)])
def test_fail_on_errors_stops_after_that_many_errors(
    scim: Scim, fail_on_errors: int, reported: int
) -> None:
    """failOnErrors=N stops after N errors; later operations are neither run nor reported
    (P-3.7-09, P-3.7.3-01)."""
    results = bulk(
        scim,
        post_user("a", "a"),
        {"method": "DELETE", "path": "/Users/nope1"},
        post_user("b", "b"),
        {"method": "DELETE", "path": "/Users/nope2"},
        post_user("c", "c"),
        failOnErrors=fail_on_errors,
    )
    assert len(results) == reported
    names = {u["userName"] for u in scim.get("/Users").get_json()["Resources"]}
    assert names == ({"a"} if fail_on_errors == 1 else {"a", "b"})


def test_bulk_patch_errors_carry_their_scim_type(scim: Scim) -> None:
    """A bad PATCH path inside Bulk → per-op 400 with the matching scimType (P-3.12-25)."""
    user = scim.create_user("a")
    (result,) = bulk(
        scim, patch_op(f"/Users/{user['id']}", {"op": "replace", "path": "id", "value": "x"})
    )
    assert result["status"] == "400"
    assert result["response"]["scimType"] == "mutability"


def test_bulk_version_is_an_if_match(scim: Scim) -> None:
    """An operation's version must be current, else 412 and nothing changes (P-3.7-12)."""
    user = scim.create_user("a")
    path = f"/Users/{user['id']}"
    op = {"op": "add", "path": "nickName", "value": "n"}
    stale, current = bulk(
        scim,
        patch_op(path, op, version='W/"0"'),
        patch_op(path, op, version=user["meta"]["version"]),
    )
    assert stale["status"] == "412"
    assert current["status"] == "200"
    (deleted,) = bulk(scim, {"method": "DELETE", "path": path, "version": 'W/"0"'})
    assert deleted["status"] == "412"
    assert scim.get(path).status_code == 200


def test_bulk_patch_is_501_when_patch_is_not_supported() -> None:
    """patch.supported=false applies inside Bulk too (P-3.7-03, P-3.12-14)."""
    scim = make_scim(patch_supported=False)
    user = scim.create_user("a")
    (result,) = bulk(
        scim, patch_op(f"/Users/{user['id']}", {"op": "add", "path": "nickName", "value": "n"})
    )
    assert result["status"] == "501"
    assert "nickName" not in scim.get(f"/Users/{user['id']}").get_json()


def test_bulk_results_carry_no_version_when_etags_are_off() -> None:
    """etag.supported=false → no version in results and version ignored (P-3.14-01)."""
    scim = make_scim(etag_supported=False)
    user = scim.create_user("a")
    results = bulk(
        scim,
        post_user("b", "b"),
        patch_op(
            f"/Users/{user['id']}", {"op": "add", "path": "nickName", "value": "n"}, version='W/"0"'
        ),
    )
    assert [r["status"] for r in results] == ["201", "200"]
    assert all("version" not in r for r in results)


@pytest.mark.parametrize(
    "operation, status",
    [
        (
            {
                "method": "POST",
                "path": "/Users/some-id",
                "bulkId": "x",
                "data": {"schemas": [USER_SCHEMA], "userName": "x"},
            },
            "405",
        ),
        (
            {
                "method": "PUT",
                "path": "/Users",
                "data": {"schemas": [USER_SCHEMA], "userName": "x"},
            },
            "405",
        ),
        ({"method": "DELETE", "path": "/Users"}, "405"),
        ({"method": "DELETE", "path": "/Nope/1"}, "404"),
        ({"method": "DELETE", "path": "/Users/1/2"}, "404"),
        ({"method": "POST", "path": "/Bulk", "bulkId": "x", "data": {}}, "404"),
        (patch_op("/Users/nope"), "404"),
        ({"method": "PATCH", "path": "/Users/nope", "data": {"Operations": []}}, "400"),
    ],
)
def test_operations_on_wrong_targets_fail_individually(
    scim: Scim, operation: dict[str, Any], status: str
) -> None:
    """Wrong method/path combinations fail that operation only (P-3.7.3-02)."""
    (result,) = bulk(scim, operation)
    assert result["status"] == status
    assert result["response"]["status"] == status


def test_a_bad_patch_envelope_in_bulk_is_400(scim: Scim) -> None:
    """A PATCH op whose data is not a PatchOp → per-op 400 invalidSyntax (P-3.12-19)."""
    user = scim.create_user("a")
    (result,) = bulk(scim, {"method": "PATCH", "path": f"/Users/{user['id']}", "data": {}})
    assert (result["status"], result["response"]["scimType"]) == ("400", "invalidSyntax")


BAD_DOCUMENTS: list[Any] = [
    pytest.param({"Operations": []}, id="no-schemas"),
    pytest.param({"schemas": [USER_SCHEMA], "Operations": []}, id="wrong-schema"),
    pytest.param({"schemas": [BULK_REQUEST]}, id="no-operations"),
    pytest.param({"schemas": [BULK_REQUEST], "Operations": {}}, id="operations-object"),
    pytest.param({"schemas": [BULK_REQUEST], "Operations": ["x"]}, id="operation-string"),
    pytest.param(
        {"schemas": [BULK_REQUEST], "Operations": [{"method": "GET", "path": "/Users"}]},
        id="method-get",
    ),
    pytest.param({"schemas": [BULK_REQUEST], "Operations": [{"method": "DELETE"}]}, id="no-path"),
    pytest.param(
        {"schemas": [BULK_REQUEST], "Operations": [{"method": "DELETE", "path": "Users/1"}]},
        id="relative-path",
    ),
    pytest.param(
        {
            "schemas": [BULK_REQUEST],
            "Operations": [{"method": "POST", "path": "/Users", "data": {}}],
        },
        id="post-without-bulkid",
    ),
    pytest.param(
        {
            "schemas": [BULK_REQUEST],
            "Operations": [{"method": "POST", "path": "/Users", "bulkId": "", "data": {}}],
        },
        id="empty-bulkid",
    ),
    pytest.param(
        {"schemas": [BULK_REQUEST], "Operations": [post_user("a", "a"), post_user("a", "b")]},
        id="duplicate-bulkid",
    ),
    pytest.param(
        {"schemas": [BULK_REQUEST], "Operations": [{"method": "PUT", "path": "/Users/1"}]},
        id="put-without-data",
    ),
    pytest.param(
        {
            "schemas": [BULK_REQUEST],
            "Operations": [{"method": "DELETE", "path": "/Users/1", "version": 1}],
        },
        id="version-number",
    ),
    pytest.param(
        {
            "schemas": [BULK_REQUEST],
            "Operations": [{"method": "DELETE", "path": "/Users/1", "extra": 1}],
        },
        id="unknown-field",
    ),
]


@pytest.mark.parametrize("document", BAD_DOCUMENTS)
def test_bad_bulk_documents_are_400_invalid_syntax(scim: Scim, document: Any) -> None:
    """A BulkRequest that violates the message schema → 400 invalidSyntax, nothing run
    (P-3.7-07, P-3.12-19)."""
    assert_scim_error(scim.post("/Bulk", document), 400, "invalidSyntax")
    assert scim.get("/Users").get_json()["totalResults"] == 0


@pytest.mark.parametrize("value", [0, -1, "1", True, 1.5])
def test_fail_on_errors_must_be_a_positive_integer(scim: Scim, value: Any) -> None:
    """failOnErrors other than a positive integer → 400 invalidValue (RFC 7644 §3.7)."""
    document = {"schemas": [BULK_REQUEST], "Operations": [], "failOnErrors": value}
    assert_scim_error(scim.post("/Bulk", document), 400, "invalidValue")


def test_method_and_field_names_are_case_insensitive(scim: Scim) -> None:
    """ "post" and "BULKID"/"DATA" are accepted (C-2.1-01)."""
    document = {
        "schemas": [BULK_REQUEST],
        "OPERATIONS": [
            {
                "METHOD": "post",
                "Path": "/Users",
                "BULKID": "a",
                "DATA": {"schemas": [USER_SCHEMA], "userName": "a"},
            }
        ],
    }
    response = scim.post("/Bulk", document)
    assert response.status_code == 200
    assert response.get_json()["Operations"][0]["status"] == "201"


def test_an_empty_bulk_request_is_an_empty_response(scim: Scim) -> None:
    """Operations [] → 200 with Operations [] (P-3.7-07)."""
    assert bulk(scim) == []


def test_too_many_operations_is_413_naming_max_operations() -> None:
    """maxOperations+1 operations → 413 whose detail names the limit; nothing run
    (P-3.7.4-02, P-3.7.4-03)."""
    scim = make_scim(bulk_max_operations=2)
    operations = [post_user(f"u{i}", f"u{i}") for i in range(3)]
    response = scim.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": operations})
    body = assert_scim_error(response, 413)
    assert "maxOperations" in body["detail"] and "2" in body["detail"]
    assert scim.get("/Users").get_json()["totalResults"] == 0
    assert len(bulk(scim, *operations[:2])) == 2


def test_a_payload_above_max_payload_size_is_413_naming_the_limit() -> None:
    """A body above maxPayloadSize → 413 naming maxPayloadSize; nothing run (P-3.7.4-02,
    P-3.7.4-03)."""
    scim = make_scim(bulk_max_payload_size=500)
    operations = [post_user(f"u{i}", f"u{i}", displayName="x" * 100) for i in range(4)]
    document = {"schemas": [BULK_REQUEST], "Operations": operations}
    assert len(json.dumps(document)) > 500
    body = assert_scim_error(scim.post("/Bulk", document), 413)
    assert "maxPayloadSize" in body["detail"] and "500" in body["detail"]
    assert scim.get("/Users").get_json()["totalResults"] == 0


def test_bulk_requires_auth_and_a_json_body(scim: Scim) -> None:
    """/Bulk is authenticated and takes JSON only (P-2-01)."""
    document = json.dumps({"schemas": [BULK_REQUEST], "Operations": []})
    anonymous = scim.client.post(
        f"{BASE}/Bulk", data=document, content_type="application/scim+json"
    )
    assert_scim_error(anonymous, 401)
    assert_scim_error(scim.post("/Bulk", document, headers={"Content-Type": "text/plain"}), 415)
