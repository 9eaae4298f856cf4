"""The security_access defects (scim_defects/security_access.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError). Unauthenticated
requests go through ``bare``, which sends no token unless its headers carry one.
"""

from __future__ import annotations

import json
from collections.abc import Callable, Mapping
from typing import Any

from werkzeug.test import TestResponse

from tests.conftest import (
    BASE,
    BULK_REQUEST,
    GROUP_SCHEMA,
    SCIM_JSON,
    SEARCH_REQUEST,
    TOKEN,
    USER_SCHEMA,
    Scim,
)
from tests.defects.behaviour import behaviour_tests


def bare(
    scim: Scim,
    method: str,
    path: str,
    body: Any = None,
    headers: Mapping[str, str] | None = None,
    query: Mapping[str, str] | None = None,
) -> TestResponse:
    """A request with only ``headers`` (no token unless given) and an optional JSON body."""
    all_headers = {"Accept": SCIM_JSON, **(headers or {})}
    data = None
    if body is not None:
        data = json.dumps(body)
        all_headers["Content-Type"] = SCIM_JSON
    return scim.client.open(BASE + path, method=method, data=data, headers=all_headers,
                            query_string=dict(query or {}))  # fmt: skip


def total(scim: Scim, path: str = "/Users") -> int:
    """totalResults of an authenticated list of ``path``."""
    response = scim.get(path)
    assert response.status_code == 200, response.get_data(as_text=True)
    return int(response.get_json()["totalResults"])


def user_body(user_name: str) -> dict[str, Any]:
    return {"schemas": [USER_SCHEMA], "userName": user_name}


# -- authentication ------------------------------------------------------------------------------


def check_auth_missing_on_bulk(scim: Scim) -> None:
    ops = [{"method": "POST", "path": "/Users", "bulkId": "a", "data": user_body("anon")}]
    response = bare(scim, "POST", "/Bulk", {"schemas": [BULK_REQUEST], "Operations": ops})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert total(scim) == 1
    assert bare(scim, "GET", "/Users").status_code == 401  # only /Bulk lost its middleware


def check_auth_missing_on_search(scim: Scim) -> None:
    scim.create_user("a")
    search = {"schemas": [SEARCH_REQUEST], "filter": 'userName eq "a"'}
    for path in ("/.search", "/Users/.search"):
        response = bare(scim, "POST", path, search)
        assert response.status_code == 200, response.get_data(as_text=True)
        assert response.get_json()["totalResults"] == 1
    assert bare(scim, "GET", "/Users").status_code == 401


def check_auth_missing_on_groups(scim: Scim) -> None:
    group = scim.create_group("G")
    assert bare(scim, "GET", "/Groups").status_code == 200
    op = {"op": "replace", "path": "displayName", "value": "taken"}
    patch = {"schemas": ["urn:ietf:params:scim:api:messages:2.0:PatchOp"], "Operations": [op]}
    assert bare(scim, "PATCH", f"/Groups/{group['id']}", patch).status_code == 200
    assert scim.get(f"/Groups/{group['id']}").get_json()["displayName"] == "taken"
    assert bare(scim, "DELETE", f"/Groups/{group['id']}").status_code == 204
    assert total(scim, "/Groups") == 0
    body = {"schemas": [GROUP_SCHEMA], "displayName": "anon"}
    assert bare(scim, "POST", "/Groups", body).status_code == 201
    assert bare(scim, "GET", "/Users").status_code == 401


def check_auth_query_token(scim: Scim) -> None:
    response = bare(scim, "GET", "/Users", query={"access_token": TOKEN})
    assert response.status_code == 200, response.get_data(as_text=True)
    assert bare(scim, "GET", "/Users", query={"access_token": "wrong"}).status_code == 401


def check_auth_token_case_insensitive(scim: Scim) -> None:
    changed = {"Authorization": f"Bearer {TOKEN.upper()}"}
    assert TOKEN.upper() != TOKEN
    assert bare(scim, "GET", "/Users", headers=changed).status_code == 200
    assert bare(scim, "GET", "/Users", headers={"Authorization": "Bearer wrong"}).status_code == 401


def check_auth_after_handler(scim: Scim) -> None:
    response = bare(scim, "POST", "/Users", user_body("anon"))
    assert response.status_code == 401
    assert response.get_json()["status"] == "401"  # the refusal itself is a SCIM Error
    assert total(scim) == 1
    victim = scim.create_user("victim")
    assert bare(scim, "DELETE", f"/Users/{victim['id']}").status_code == 401
    assert scim.get(f"/Users/{victim['id']}").status_code == 404


def check_auth_401_html(scim: Scim) -> None:
    response = bare(scim, "GET", "/Users")
    assert response.status_code == 401
    assert response.mimetype == "text/html"
    assert "WWW-Authenticate" in response.headers
    assert scim.get("/Users").status_code == 200


# -- exhaustion limits ---------------------------------------------------------------------------


def check_filter_parser_unbounded(scim: Scim) -> None:
    scim.create_user("a")
    shallow = '((not (not (userName eq "a"))))'
    assert scim.get("/Users", query={"filter": shallow}).status_code == 200
    deep = "(" * 3000 + 'userName eq "a"' + ")" * 3000  # under the 8192-character filter cap
    response = scim.get("/Users", query={"filter": deep})
    assert response.status_code == 500, response.get_data(as_text=True)


def check_count_preallocated(scim: Scim) -> None:
    scim.create_user("a")
    assert scim.get("/Users", query={"count": "5"}).status_code == 200
    response = scim.get("/Users", query={"count": "20000000"})
    assert response.status_code == 500, response.get_data(as_text=True)


def check_json_depth_unbounded(scim: Scim) -> None:
    assert scim.post("/Users", user_body("a")).status_code == 201
    deep = "[" * 100_000 + "]" * 100_000  # 200 kB, well under the request size limit
    response = scim.post("/Users", deep)
    assert response.status_code == 500, response.get_data(as_text=True)
    assert total(scim) == 1


def check_filter_bind_limit(scim: Scim) -> None:
    scim.create_user("u")
    assert scim.get("/Users", query={"filter": 'userName eq "u"'}).status_code == 200
    long_filter = " or ".join(['userName eq "u"'] * 1000)
    response = scim.get("/Users", query={"filter": long_filter})
    assert response.status_code == 500, response.get_data(as_text=True)


def check_audit_log_oversized_500(scim: Scim) -> None:
    assert scim.post("/Users", user_body("small")).status_code == 201
    body = {**user_body("big"), "displayName": "x" * 1_500_000}
    response = scim.post("/Users", body)
    assert response.status_code == 500, response.get_data(as_text=True)
    assert total(scim) == 1


# -- error leaks ---------------------------------------------------------------------------------


def check_error_debug_traceback(scim: Scim) -> None:
    response = scim.get("/Users/nope")
    assert response.status_code == 404
    assert "Traceback (most recent call last)" in response.get_json()["detail"]
    assert "Traceback" not in scim.get("/Users").get_data(as_text=True)


def check_error_sql_echoed(scim: Scim) -> None:
    response = scim.get("/Users", query={"filter": "userName eq"})
    assert response.status_code == 400
    body = response.get_json()
    assert body["scimType"] == "invalidFilter"
    assert "SELECT" in body["detail"] and "psycopg" in body["detail"]
    assert "SELECT" not in scim.get("/Users/nope").get_json()["detail"]


# Defect name = function name without "check_", with dashes ("check_auth_401_html" -> ...).
CHECKS: dict[str, Callable[[Scim], None]] = {
    name.removeprefix("check_").replace("_", "-"): function
    for name, function in dict(globals()).items()
    if name.startswith("check_") and callable(function)
}


(
    test_every_security_access_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests("security_access", CHECKS)
