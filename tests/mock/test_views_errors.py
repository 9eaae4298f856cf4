"""Error paths of the HTTP layer: auth, media types, methods, unknown routes, malformed bodies.

Every error is a SCIM Error body in ``application/scim+json`` whose ``status`` is the HTTP status
as a string (RFC 7644 §3.12: P-3.12-01..04), never HTML and never a traceback.
"""

from __future__ import annotations

import io
import json
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient

from tests.conftest import (
    BASE,
    SCIM_JSON,
    TOKEN,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)

USER = {"schemas": [USER_SCHEMA], "userName": "bjensen"}

# -- authentication ------------------------------------------------------------------------

AUTH_CASES = [
    pytest.param({}, "Bearer", id="no-header"),
    pytest.param({"Authorization": "Bearer wrong"}, "invalid_token", id="wrong-token"),
    pytest.param({"Authorization": "Bearer "}, "Bearer", id="empty-token"),
    pytest.param({"Authorization": "Bearer"}, "Bearer", id="scheme-only"),
    pytest.param({"Authorization": f"Basic {TOKEN}"}, "Bearer", id="wrong-scheme"),
    pytest.param({"Authorization": f"Bearer {TOKEN}x"}, "invalid_token", id="token-prefix"),
    pytest.param({"Authorization": f"Bearer {TOKEN[:-1]}"}, "invalid_token", id="token-shorter"),
]

PROTECTED = [
    ("GET", "/Users"),
    ("POST", "/Users"),
    ("GET", "/Users/some-id"),
    ("PUT", "/Users/some-id"),
    ("PATCH", "/Users/some-id"),
    ("DELETE", "/Users/some-id"),
    ("GET", "/Groups"),
    ("POST", "/Users/.search"),
    ("POST", "/.search"),
    ("GET", "/"),
    ("POST", "/Bulk"),
    ("GET", "/Me"),
    ("GET", "/ServiceProviderConfig"),
    ("GET", "/ResourceTypes"),
    ("GET", "/Schemas"),
]


@pytest.mark.parametrize("headers, challenge", AUTH_CASES)
def test_bad_credentials_are_answered_401_with_a_bearer_challenge(
    client: FlaskClient, headers: dict[str, str], challenge: str
) -> None:
    """No, empty, wrong or non-Bearer credentials → 401, WWW-Authenticate, SCIM body (P-2-01,
    P-3.12-08)."""
    response = client.get(f"{BASE}/Users", headers=headers)
    assert_scim_error(response, 401)
    assert response.headers["WWW-Authenticate"].startswith("Bearer")
    assert challenge in response.headers["WWW-Authenticate"]


@pytest.mark.parametrize("method, path", PROTECTED)
def test_every_endpoint_requires_the_token(client: FlaskClient, method: str, path: str) -> None:
    """Every SCIM endpoint, discovery included by default, refuses anonymous requests (P-2-01)."""
    response = client.open(
        BASE + path, method=method, data=json.dumps(USER), content_type=SCIM_JSON
    )
    assert_scim_error(response, 401)
    assert "WWW-Authenticate" in response.headers


def test_anonymous_write_changes_nothing(scim: Scim, client: FlaskClient) -> None:
    """A refused POST creates nothing (P-2-02)."""
    client.post(f"{BASE}/Users", data=json.dumps(USER), content_type=SCIM_JSON)
    assert scim.get("/Users").get_json()["totalResults"] == 0


@pytest.mark.parametrize("scheme", ["Bearer", "bearer", "BEARER"])
def test_the_bearer_scheme_name_is_case_insensitive(client: FlaskClient, scheme: str) -> None:
    """RFC 7235 auth schemes are case-insensitive; the right token is accepted (P-2-01)."""
    response = client.get(f"{BASE}/Users", headers={"Authorization": f"{scheme} {TOKEN}"})
    assert response.status_code == 200


def test_token_comparison_is_exact_whatever_the_length(client: FlaskClient) -> None:
    """The constant-time comparison still rejects tokens of other lengths (P-3.12-08)."""
    for candidate in ("", "t", TOKEN * 2, TOKEN.upper(), TOKEN + "\u00e9"):
        response = client.get(f"{BASE}/Users", headers={"Authorization": f"Bearer {candidate}x"})
        assert_scim_error(response, 401)


def test_without_a_configured_token_auth_is_off() -> None:
    """MockConfig(token=None) serves every request without credentials (P-2.2-01)."""
    scim = make_scim(token=None)
    assert scim.client.get(f"{BASE}/Users").status_code == 200
    response = scim.client.get(f"{BASE}/Users", headers={"Authorization": "Bearer x"})
    assert response.status_code == 200


# -- media types ---------------------------------------------------------------------------


@pytest.mark.parametrize(
    "content_type",
    [
        "application/scim+json",
        "application/json",
        "application/scim+json; charset=utf-8",
        "application/json; charset=UTF-8",
        "APPLICATION/SCIM+JSON",
    ],
)
def test_json_request_media_types_are_accepted(scim: Scim, content_type: str) -> None:
    """Bodies in application/scim+json or application/json are processed (P-3.8-03, P-3.8-04)."""
    response = scim.post("/Users", USER, headers={"Content-Type": content_type})
    assert response.status_code == 201
    assert response.mimetype == SCIM_JSON


@pytest.mark.parametrize(
    "content_type",
    [
        "text/plain",
        "application/xml",
        "application/x-www-form-urlencoded",
        "application/scim+json; charset=latin-1",
    ],
)
def test_other_request_media_types_are_answered_415(scim: Scim, content_type: str) -> None:
    """Non-JSON bodies (or a non-UTF-8 charset) → 415, nothing created (P-3.8-02)."""
    response = scim.post("/Users", USER, headers={"Content-Type": content_type})
    assert_scim_error(response, 415)
    assert scim.get("/Users").get_json()["totalResults"] == 0


@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_a_body_without_content_type_is_answered_415(scim: Scim, method: str) -> None:
    """A write without Content-Type is refused with 415 (P-3.8-04)."""
    user = scim.create_user()
    path = "/Users" if method == "POST" else f"/Users/{user['id']}"
    response = scim.client.open(
        BASE + path, method=method, data=json.dumps(USER).encode(), headers=scim.headers()
    )
    assert_scim_error(response, 415)


@pytest.mark.parametrize(
    "accept", ["application/scim+json", "application/json", "*/*", "application/*", ""]
)
def test_json_accept_headers_are_served(scim: Scim, accept: str) -> None:
    """Accept naming (or allowing) a JSON type → 200 application/scim+json (P-3.8-03, P-3.8-04)."""
    response = scim.get("/Users", headers={"Accept": accept})
    assert response.status_code == 200
    assert response.mimetype == SCIM_JSON


@pytest.mark.parametrize("path", ["/Users", "/ServiceProviderConfig", "/"])
@pytest.mark.parametrize("accept", ["text/html", "application/xml", "text/*"])
def test_non_json_accept_headers_are_answered_406(scim: Scim, path: str, accept: str) -> None:
    """Accept that excludes JSON → 406 SCIM Error (P-3.8-03)."""
    assert_scim_error(scim.get(path, headers={"Accept": accept}), 406)


def test_406_on_a_write_creates_nothing(scim: Scim) -> None:
    """The Accept check happens before the write (P-3.8-03)."""
    assert_scim_error(scim.post("/Users", USER, headers={"Accept": "text/html"}), 406)
    assert scim.get("/Users").get_json()["totalResults"] == 0


def test_non_ascii_names_round_trip_in_utf8(scim: Scim) -> None:
    """Accented Latin and CJK survive POST then GET; the body decodes as UTF-8 (P-3.8-01)."""
    name = "Zoë Ångström 山田太郎 🎉"
    created = scim.create_user("zoë", displayName=name)
    response = scim.get(f"/Users/{created['id']}")
    assert json.loads(response.get_data().decode("utf-8"))["displayName"] == name
    assert name.encode("utf-8") in response.get_data()  # sent as UTF-8, not \\u escapes
    found = scim.get("/Users", query={"filter": f'displayName eq "{name}"'}).get_json()
    assert [r["id"] for r in found["Resources"]] == [created["id"]]


# -- malformed bodies ----------------------------------------------------------------------

MALFORMED: list[Any] = [
    pytest.param("{bad json", id="syntax"),
    pytest.param("", id="empty"),
    pytest.param("   ", id="blank"),
    pytest.param("[]", id="array"),
    pytest.param('"text"', id="string"),
    pytest.param("42", id="number"),
    pytest.param("null", id="null"),
    pytest.param('{"a": 1} {"b": 2}', id="two-documents"),
    pytest.param('{"userName": NaN}', id="nan"),
    pytest.param('{"userName": Infinity}', id="infinity"),
    pytest.param(b'{"userName": "\xff"}', id="not-utf8"),
    pytest.param("[" * 100 + "]" * 100, id="too-deep"),
    pytest.param('{"userName": "\\ud800"}', id="lone-surrogate-value"),
    pytest.param('{"\\udfff": 1}', id="lone-surrogate-key"),
]


@pytest.mark.parametrize("body", MALFORMED)
@pytest.mark.parametrize("method", ["POST", "PUT", "PATCH"])
def test_malformed_bodies_are_answered_400_invalid_syntax(
    scim: Scim, body: str | bytes, method: str
) -> None:
    """A body that is not one JSON object → 400 invalidSyntax, nothing changed (P-3.12-07,
    P-3.12-19)."""
    user = scim.create_user()
    path = "/Users" if method == "POST" else f"/Users/{user['id']}"
    response = scim.request(method, path, body, headers={"Content-Type": SCIM_JSON})
    assert_scim_error(response, 400, "invalidSyntax")
    assert scim.get(f"/Users/{user['id']}").get_json() == user
    assert scim.get("/Users").get_json()["totalResults"] == 1


@pytest.mark.parametrize(
    "path", ["/Users/.search", "/.search", "/Bulk"], ids=["search", "root-search", "bulk"]
)
def test_malformed_message_bodies_are_answered_400_invalid_syntax(scim: Scim, path: str) -> None:
    """Search and Bulk bodies get the same treatment (P-3.12-19)."""
    assert_scim_error(scim.post(path, "{oops"), 400, "invalidSyntax")
    assert_scim_error(scim.post(path, "[]"), 400, "invalidSyntax")


def test_a_body_above_max_request_size_is_answered_413() -> None:
    """Bodies above max_request_size → 413; nothing is created (RFC 7644 §3.12)."""
    scim = make_scim(max_request_size=1000)
    big = dict(USER, displayName="x" * 2000)
    assert_scim_error(scim.post("/Users", big), 413)
    assert scim.get("/Users").get_json()["totalResults"] == 0


def test_a_body_above_the_werkzeug_limit_is_still_a_scim_413(scim: Scim) -> None:
    """Far above every limit (werkzeug's MAX_CONTENT_LENGTH) the answer is still a SCIM 413."""
    big = dict(USER, displayName="x" * 3_000_000)
    assert_scim_error(scim.post("/Users", big), 413)
    # The request log survives the refused body too.
    log = scim.client.get("/_mock/requests", headers=scim.headers()).get_json()["requests"]
    assert log[-1]["status"] == 413


def test_chunked_bodies_above_the_limit_are_answered_413() -> None:
    """A body without Content-Length is measured after reading (RFC 7644 §3.12)."""
    scim = make_scim(max_request_size=100)
    payload = json.dumps(dict(USER, displayName="y" * 500)).encode()
    response = scim.client.post(
        f"{BASE}/Users",
        input_stream=io.BytesIO(payload),
        headers=scim.headers({"Content-Type": SCIM_JSON, "Transfer-Encoding": "chunked"}),
        environ_overrides={"wsgi.input_terminated": True},
    )
    assert_scim_error(response, 413)
    assert scim.get("/Users").get_json()["totalResults"] == 0


# -- routes and methods --------------------------------------------------------------------


@pytest.mark.parametrize(
    "path",
    [
        "/nope",
        f"{BASE}/Nope",
        f"{BASE}/Nope/123",
        f"{BASE}/Users/123",
        f"{BASE}/Users/123/extra",
        f"{BASE}/Groups/123",
        "/scim/v1/Users",
        f"{BASE}/ResourceTypes/Nope",
        f"{BASE}/Schemas/urn:nope",
        f"{BASE}//Users",
        f"/{BASE}/Users",
    ],
)
def test_unknown_routes_and_resources_are_scim_404s(client: FlaskClient, path: str) -> None:
    """Unknown endpoints and ids → 404 as a SCIM Error, never HTML (P-3.12-10)."""
    response = client.get(path, headers={"Authorization": f"Bearer {TOKEN}"})
    assert_scim_error(response, 404)


@pytest.mark.parametrize(
    "method, path, allow",
    [
        ("DELETE", "/Users", "POST"),
        ("PUT", "/Users", "GET"),
        ("PATCH", "/Groups", "POST"),
        ("POST", "/Users/some-id", "PUT"),
        ("GET", "/Users/.search", "POST"),
        ("DELETE", "/Groups/.search", "POST"),
        ("GET", "/.search", "POST"),
        ("POST", "/", "GET"),
        ("GET", "/Bulk", "POST"),
        ("DELETE", "/Bulk", "POST"),
        ("POST", "/ServiceProviderConfig", "GET"),
        ("PUT", "/Schemas", "GET"),
        ("DELETE", "/ResourceTypes/User", "GET"),
    ],
)
def test_unsupported_methods_are_answered_405_with_allow(
    scim: Scim, method: str, path: str, allow: str
) -> None:
    """A method an endpoint does not define → 405 with an Allow header (RFC 7644 §3.2)."""
    response = scim.request(method, path, USER)
    assert_scim_error(response, 405)
    assert allow in response.headers["Allow"]


@pytest.mark.parametrize("method", ["GET", "POST", "PUT", "PATCH", "DELETE"])
def test_me_is_not_implemented(scim: Scim, method: str) -> None:
    """/Me answers 501: tokens are not bound to a User (RFC 7644 §3.11, P-3.12-14)."""
    assert_scim_error(scim.request(method, "/Me", USER), 501)


def test_paired_surrogate_escapes_are_characters(scim: Scim) -> None:
    """A paired escape (\\ud83c\\udf89) is one character, U+1F389, kept in UTF-8 (P-3.8-01)."""
    body = '{"schemas": ["' + USER_SCHEMA + '"], "userName": "party\\ud83c\\udf89"}'
    created = scim.post("/Users", body)
    assert created.status_code == 201
    assert created.get_json()["userName"] == "party\U0001f389"


def test_unexpected_exceptions_become_scim_500s_without_traceback(app: Flask) -> None:
    """A bug inside a view → 500 SCIM Error without a traceback (P-3.12-13)."""
    provider = app.extensions["scim_mock"].provider

    def broken(*args: Any, **kwargs: Any) -> Any:
        raise RuntimeError("secret internals")

    provider.query = broken
    app.testing = False  # let the handler answer instead of propagating
    response = Scim(app.test_client()).get("/Users")
    body = assert_scim_error(response, 500)
    assert "secret internals" not in body["detail"]
    assert "RuntimeError" in body["detail"]
