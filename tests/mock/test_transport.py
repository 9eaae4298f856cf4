"""Transport faults for client authors (scim_mock/transport.py): latency, 429, 5xx.

A request answered with a transport fault is not performed, and the control endpoints are never
faulted, so a client's retry loses nothing and a test can always reset.
"""

from __future__ import annotations

import time

import pytest

from scim_mock.config import FaultSettings, MockConfig
from tests.conftest import (
    BASE,
    SCIM_JSON,
    TOKEN,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)


def transport(**settings: int) -> Scim:
    return make_scim(transport_faults=FaultSettings(**settings))


def test_rate_limit_answers_every_nth_request_429_with_retry_after() -> None:
    """rate_limit_every=2 → requests 2, 4, … are 429 with Retry-After; the write is not done."""
    scim = transport(rate_limit_every=2, retry_after=7)
    first = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert first.status_code == 201
    second = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "b"})
    assert_scim_error(second, 429)
    assert second.headers["Retry-After"] == "7"
    listed = scim.get("/Users").get_json()
    assert [r["userName"] for r in listed["Resources"]] == ["a"]
    assert_scim_error(scim.get("/Users"), 429)


@pytest.mark.parametrize("status", [500, 502, 503])
def test_error_every_answers_5xx_and_performs_no_write(status: int) -> None:
    """error_every=1 → every SCIM request gets error_status; nothing is created or deleted."""
    scim = make_scim(
        MockConfig(token=TOKEN),
        transport_faults=FaultSettings(error_every=2, error_status=status),
    )
    user = scim.create_user("a")  # request 1
    assert_scim_error(scim.delete(f"/Users/{user['id']}"), status)  # request 2
    assert scim.get(f"/Users/{user['id']}").status_code == 200  # request 3
    assert_scim_error(scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "b"}), status)
    assert scim.get("/Users").get_json()["totalResults"] == 1


def test_faulted_patch_and_bulk_are_not_performed() -> None:
    """A PATCH or /Bulk answered by an injected fault changes nothing."""
    scim = transport(error_every=2)
    user = scim.create_user("a")  # 1
    op = {"op": "add", "path": "nickName", "value": "n"}
    assert_scim_error(scim.patch_ops(f"/Users/{user['id']}", op), 503)  # 2
    assert "nickName" not in scim.get(f"/Users/{user['id']}").get_json()  # 3
    bulk = {
        "schemas": ["urn:ietf:params:scim:api:messages:2.0:BulkRequest"],
        "Operations": [{"method": "DELETE", "path": f"/Users/{user['id']}"}],
    }
    assert_scim_error(scim.post("/Bulk", bulk), 503)  # 4
    assert scim.get(f"/Users/{user['id']}").status_code == 200


def test_latency_delays_scim_responses() -> None:
    """latency_ms delays every SCIM response."""
    scim = transport(latency_ms=60)
    start = time.monotonic()
    assert scim.get("/Users").status_code == 200
    assert time.monotonic() - start >= 0.06


def test_transport_faults_spare_the_control_endpoints() -> None:
    """/_mock/* is never rate limited or failed, so tests can always reset."""
    scim = transport(error_every=1)
    for _ in range(3):
        response = scim.client.post("/_mock/reset", headers=scim.headers())
        assert response.status_code == 204
    assert_scim_error(scim.get("/Users"), 503)


def test_transport_faults_apply_before_auth() -> None:
    """A faulted request is refused before authentication, like a load balancer would."""
    scim = transport(rate_limit_every=1)
    response = scim.client.get(f"{BASE}/Users", headers={"Accept": SCIM_JSON})
    assert_scim_error(response, 429)
