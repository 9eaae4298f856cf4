"""Shared fixtures for our own tests: a fresh mock app per test and helpers to seed it.

``app`` builds ``create_app(MockConfig(token="test-token"))`` for every test (fresh store);
tests that need another configuration override the ``mock_config`` fixture or call
:func:`make_client`. ``scim`` wraps the Flask test client with the base path and token.
"""

from __future__ import annotations

import json
from collections.abc import Iterator, Mapping, Sequence
from typing import Any

import pytest
from flask import Flask
from flask.testing import FlaskClient
from werkzeug.test import TestResponse

from scim_mock.app import create_app
from scim_mock.config import MockConfig

pytest_plugins = ["pytester", "tests.postgres_server"]

TOKEN = "test-token"
BASE = "/scim/v2"
SCIM_JSON = "application/scim+json"
USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
ERROR_SCHEMA = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
BULK_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:BulkResponse"


class Scim:
    """A thin SCIM client over Flask's test client: base path, bearer token, JSON bodies."""

    def __init__(self, client: FlaskClient, token: str | None = TOKEN, base: str = BASE) -> None:
        self.client = client
        self.token = token
        self.base = base

    def headers(self, extra: Mapping[str, str] | None = None) -> dict[str, str]:
        headers = {"Accept": SCIM_JSON}
        if self.token is not None:
            headers["Authorization"] = f"Bearer {self.token}"
        headers.update(extra or {})
        return headers

    def request(
        self,
        method: str,
        path: str,
        body: Any = None,
        *,
        headers: Mapping[str, str] | None = None,
        query: Mapping[str, Any] | None = None,
    ) -> TestResponse:
        all_headers = self.headers(headers)
        data = None
        if body is not None:
            data = body if isinstance(body, (str, bytes)) else json.dumps(body)
            all_headers.setdefault("Content-Type", SCIM_JSON)
        return self.client.open(
            self.base + path,
            method=method,
            data=data,
            headers=all_headers,
            query_string=dict(query or {}),
        )

    def get(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("GET", path, **kwargs)

    def post(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("POST", path, body, **kwargs)

    def put(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PUT", path, body, **kwargs)

    def patch(self, path: str, body: Any = None, **kwargs: Any) -> TestResponse:
        return self.request("PATCH", path, body, **kwargs)

    def delete(self, path: str, **kwargs: Any) -> TestResponse:
        return self.request("DELETE", path, **kwargs)

    # -- seeding -------------------------------------------------------------------------

    def create_user(self, user_name: str = "bjensen", **attributes: Any) -> dict[str, Any]:
        """POST a User and return its representation (asserting 201)."""
        body = {"schemas": [USER_SCHEMA], "userName": user_name, **attributes}
        response = self.post("/Users", body)
        assert response.status_code == 201, response.get_data(as_text=True)
        result: dict[str, Any] = response.get_json()
        return result

    def create_group(
        self, display_name: str = "Admins", members: list[str] | None = None, **attributes: Any
    ) -> dict[str, Any]:
        """POST a Group with ``members`` (ids) and return its representation (asserting 201)."""
        body: dict[str, Any] = {"schemas": [GROUP_SCHEMA], "displayName": display_name}
        if members is not None:
            body["members"] = [{"value": member} for member in members]
        body.update(attributes)
        response = self.post("/Groups", body)
        assert response.status_code == 201, response.get_data(as_text=True)
        result: dict[str, Any] = response.get_json()
        return result

    def patch_ops(self, path: str, *operations: dict[str, Any], **kwargs: Any) -> TestResponse:
        """PATCH ``path`` with a PatchOp message of ``operations``."""
        return self.patch(path, {"schemas": [PATCH_OP], "Operations": list(operations)}, **kwargs)


def make_scim(
    config: MockConfig | None = None, *, faults: Sequence[str] = (), **changes: Any
) -> Scim:
    """A :class:`Scim` client for a new app built from ``config`` (default: the test token).

    ``faults`` names deliberate defects of :mod:`scim_defects` to plug in.
    """
    from scim_defects import defects

    config = (config or MockConfig(token=TOKEN)).replace(**changes)
    app = create_app(config, extensions=defects(faults))
    app.testing = True
    base = config.normalized_base_path
    return Scim(app.test_client(), token=config.token, base=base)


def assert_scim_error(
    response: TestResponse, status: int, scim_type: str | None = None
) -> dict[str, Any]:
    """The response is a SCIM Error (RFC 7644 §3.12) with ``status`` and ``scim_type``."""
    __tracebackhide__ = True
    text = response.get_data(as_text=True)
    assert response.status_code == status, text
    assert response.mimetype == SCIM_JSON, response.headers
    body = json.loads(text)
    assert body["schemas"] == [ERROR_SCHEMA], body
    assert body["status"] == str(status), body
    assert isinstance(body.get("detail", ""), str)
    if scim_type is None:
        assert "scimType" not in body, body
    else:
        assert body.get("scimType") == scim_type, body
    assert "Traceback" not in text
    result: dict[str, Any] = body
    return result


@pytest.fixture
def mock_config() -> MockConfig:
    """The configuration of the ``app`` fixture (override in a module for another one)."""
    return MockConfig(token=TOKEN)


@pytest.fixture
def app(mock_config: MockConfig) -> Iterator[Flask]:
    """A fresh mock app (empty store) per test."""
    application = create_app(mock_config)
    application.testing = True
    yield application


@pytest.fixture
def client(app: Flask) -> FlaskClient:
    """Flask's test client for ``app``."""
    return app.test_client()


@pytest.fixture
def auth() -> dict[str, str]:
    """Headers that authenticate with the test token and accept SCIM JSON."""
    return {"Authorization": f"Bearer {TOKEN}", "Accept": SCIM_JSON}


@pytest.fixture
def scim(client: FlaskClient, mock_config: MockConfig) -> Scim:
    """A :class:`Scim` client for ``app``."""
    return Scim(client, token=mock_config.token, base=mock_config.normalized_base_path)
