"""Mock control endpoints under /_mock: reset, the request log and client diagnostics.

Not SCIM, but client authors rely on them; they are authenticated like SCIM requests.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import BASE, USER_SCHEMA, Scim, assert_scim_error, make_scim


def control(scim: Scim, method: str, path: str) -> tuple[int, dict[str, Any] | None]:
    response = scim.client.open(f"/_mock{path}", method=method, headers=scim.headers())
    return response.status_code, response.get_json(silent=True)


def test_reset_forgets_every_resource_and_the_log(scim: Scim) -> None:
    """POST /_mock/reset → 204; the store and the request log are empty afterwards."""
    user = scim.create_user("a")
    scim.create_group("G", [user["id"]])
    assert control(scim, "POST", "/reset") == (204, None)
    assert scim.get("/").get_json()["totalResults"] == 0
    status, body = control(scim, "GET", "/requests")
    assert status == 200 and body is not None
    assert [entry["path"] for entry in body["requests"]] == [f"{BASE}/"]
    assert scim.create_user("a")["id"] != user["id"]  # the userName is free again


def test_reset_never_reuses_an_etag(scim: Scim) -> None:
    """After a reset versions keep counting, so a stale ETag cannot match again (P-3.14-06)."""
    first = scim.create_user("a")
    control(scim, "POST", "/reset")
    second = scim.create_user("a")
    assert second["meta"]["version"] != first["meta"]["version"]


def test_request_log_records_scim_exchanges_only(scim: Scim) -> None:
    """GET /_mock/requests lists method, path, body, status and scimType of SCIM requests."""
    scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "A"})
    scim.get("/Users", query={"filter": 'userName eq "a"'})
    control(scim, "GET", "/diagnostics")
    status, body = control(scim, "GET", "/requests")
    assert status == 200 and body is not None
    entries = body["requests"]
    assert isinstance(entries, list)
    assert [(e["method"], e["status"]) for e in entries] == [
        ("POST", 201),
        ("POST", 409),
        ("GET", 200),
    ]
    assert entries[0]["requestContentType"] == "application/scim+json"
    assert '"userName": "a"' in entries[0]["requestBody"]
    assert entries[1]["scimType"] == "uniqueness"
    assert entries[1]["detail"]
    assert entries[2]["path"].startswith(f"{BASE}/Users?filter=")


def test_request_log_can_be_cleared(scim: Scim) -> None:
    """DELETE /_mock/requests → 204 and an empty log; resources are kept."""
    scim.create_user("a")
    assert control(scim, "DELETE", "/requests") == (204, None)
    assert control(scim, "GET", "/requests") == (200, {"requests": []})
    assert scim.get("/Users").get_json()["totalResults"] == 1


def test_long_bodies_are_truncated_in_the_log(scim: Scim) -> None:
    """Bodies above 64 KiB are cut and marked with an ellipsis."""
    scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a", "displayName": "x" * 70000})
    _, body = control(scim, "GET", "/requests")
    assert body is not None
    logged = body["requests"][0]["requestBody"]
    assert len(logged) == 65537 and logged.endswith("…")


def test_diagnostics_explain_refused_requests(scim: Scim) -> None:
    """GET /_mock/diagnostics lists each refused request with a hint; successes are left out."""
    scim.create_user("a")
    scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    scim.client.get(f"{BASE}/Users")  # no token
    scim.get("/Users/nope")
    scim.post("/Users", "{bad")
    status, body = control(scim, "GET", "/diagnostics")
    assert status == 200 and body is not None
    problems = body["problems"]
    assert isinstance(problems, list)
    assert [(p["status"], p["scimType"]) for p in problems] == [
        (409, "uniqueness"),
        (401, None),
        (404, None),
        (400, "invalidSyntax"),
    ]
    assert "unique" in problems[0]["hint"]
    assert "Bearer" in problems[1]["hint"]
    assert problems[2]["request"] == f"GET {BASE}/Users/nope"
    assert all(p["hint"] for p in problems)


@pytest.mark.parametrize(
    "method, path", [("POST", "/reset"), ("GET", "/requests"), ("GET", "/diagnostics")]
)
def test_control_endpoints_require_the_token(scim: Scim, method: str, path: str) -> None:
    """The /_mock endpoints are authenticated like SCIM requests."""
    response = scim.client.open(f"/_mock{path}", method=method)
    assert_scim_error(response, 401)


@pytest.mark.parametrize(
    "method, path", [("GET", "/reset"), ("POST", "/requests"), ("DELETE", "/diagnostics")]
)
def test_control_endpoints_answer_wrong_methods_with_405(
    scim: Scim, method: str, path: str
) -> None:
    """Wrong methods on /_mock endpoints → 405 SCIM Error."""
    response = scim.client.open(f"/_mock{path}", method=method, headers=scim.headers())
    assert_scim_error(response, 405)


def test_control_endpoints_can_be_turned_off() -> None:
    """control_endpoints=False → /_mock/* is 404."""
    scim = make_scim(control_endpoints=False)
    assert_scim_error(scim.client.post("/_mock/reset", headers=scim.headers()), 404)


def test_recording_can_be_turned_off() -> None:
    """record_requests=False → the log stays empty."""
    scim = make_scim(record_requests=False)
    scim.create_user("a")
    assert control(scim, "GET", "/requests") == (200, {"requests": []})


@pytest.mark.parametrize(
    "extra",
    [
        {},
        {"CONTENT_TYPE": "application/scim+json", "CONTENT_LENGTH": "12"},
        {"CONTENT_TYPE": "", "CONTENT_LENGTH": ""},  # empty ones are not headers
        {"HTTP_CONTENT_TYPE": "text/plain", "HTTP_X_API_KEY": "k", "HTTP_IF_NONE_MATCH": "*"},
    ],
)
def test_the_journal_lists_request_headers_as_werkzeug_does(extra: dict[str, str]) -> None:
    from werkzeug.datastructures import EnvironHeaders

    from scim_mock.views.control import _header_pairs

    environ = {
        "REQUEST_METHOD": "GET",
        "HTTP_HOST": "127.0.0.1",
        "HTTP_AUTHORIZATION": "Bearer t",
        "HTTP_USER_AGENT": "client/1.0",
        "wsgi.url_scheme": "http",
        **extra,
    }
    assert _header_pairs(environ) == list(EnvironHeaders(environ).items())
