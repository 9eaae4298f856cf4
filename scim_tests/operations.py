"""Resource operations shared by checks: retrieve, replace and modify (RFC 7644 §3.4.1, §3.5).

Each helper sends one request, asserts the status the RFC allows and validates the resource
against our JSON Schema, then (for writes) reads the resource back, so that a check judges
what the server stored rather than what it answered.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from scim_tests.asserts import assert_status, assert_valid, json_object
from scim_tests.client import ScimClient, ScimResponse

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
#: A ``user_payload``/``group_payload`` fixture: builds a run-unique resource body.
Payload = Callable[..., dict[str, Any]]


def read(
    client: ScimClient, path: str, kind: str, requirement: str | None = None
) -> tuple[dict[str, Any], ScimResponse]:
    """GET ``path`` (200), validate the resource; the body and the response."""
    __tracebackhide__ = True
    response = client.get(path)
    assert_status(response, 200, requirement=requirement)
    body = json_object(response, requirement=requirement)
    assert_valid(body, kind, response=response, requirement=requirement)
    return body, response


def fetch(
    client: ScimClient, path: str, kind: str, requirement: str | None = None
) -> dict[str, Any]:
    """GET ``path`` (200) and validate the resource."""
    __tracebackhide__ = True
    return read(client, path, kind, requirement)[0]


def patch_ops(
    client: ScimClient, path: str, kind: str, *operations: dict[str, Any], requirement: str
) -> dict[str, Any]:
    """PATCH (200 with the resource or 204, P-3.5.2-16), then the resource as a GET shows it."""
    __tracebackhide__ = True
    response = client.patch(path, {"schemas": [PATCH_OP], "Operations": list(operations)})
    assert_status(response, 200, 204, requirement=requirement)
    if response.status_code == 200:
        assert_valid(json_object(response), kind, response=response, requirement=requirement)
    return fetch(client, path, kind)  # a failed read-back is P-3.4.1-01, not the check's row


def put_resource(
    client: ScimClient, path: str, kind: str, body: dict[str, Any], requirement: str
) -> dict[str, Any]:
    """PUT ``body`` (200 with the resource), then the resource as a GET shows it."""
    __tracebackhide__ = True
    response = client.put(path, body)
    assert_status(response, 200, requirement=requirement)
    assert_valid(json_object(response), kind, response=response, requirement=requirement)
    return fetch(client, path, kind)  # a failed read-back is P-3.4.1-01, not the check's row


def replacement(resource: dict[str, Any], **changes: Any) -> dict[str, Any]:
    """A PUT body from a representation: readOnly meta/groups dropped, ``changes`` applied."""
    body = {k: v for k, v in resource.items() if k.lower() not in ("meta", "groups")}
    for name, value in changes.items():
        body = {k: v for k, v in body.items() if k.lower() != name.lower()}
        body[name] = value
    return body
