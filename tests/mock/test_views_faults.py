"""Deliberate defects (scim_mock.faults.FAULTS) and transport faults, seen over HTTP.

Each named fault must change behaviour exactly as its description says, so that the conformance
check it targets can be proven to fail. Transport faults (latency, 429, 5xx) must not perform
the write they refuse.
"""

from __future__ import annotations

import time
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_mock.config import FaultSettings, MockConfig
from scim_mock.faults import FAULTS, area_of, registered_by
from tests.conftest import (
    BASE,
    SCIM_JSON,
    TOKEN,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)


def faulty(name: str) -> Scim:
    return make_scim(faults=(name,))


def check_error_status_integer(scim: Scim) -> None:
    """Error bodies carry status as a number (breaks P-3.12-03)."""
    response = scim.get("/Users/nope")
    assert response.status_code == 404
    assert response.get_json()["status"] == 404


def check_create_no_location(scim: Scim) -> None:
    """201 without Location (breaks P-3.3-05); meta.location is still there."""
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert response.status_code == 201
    assert "Location" not in response.headers
    assert response.get_json()["meta"]["location"]


def check_plain_json_content_type(scim: Scim) -> None:
    """Responses labelled application/json (breaks P-8.1-01), errors included."""
    assert scim.get("/Users").mimetype == "application/json"
    assert scim.get("/Users/nope").mimetype == "application/json"


def check_create_returns_200(scim: Scim) -> None:
    """POST answers 200 (breaks P-3.3-03); the resource is created."""
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert response.status_code == 200
    assert scim.get("/Users").get_json()["totalResults"] == 1


def check_password_returned(scim: Scim) -> None:
    """A User representation includes password (breaks C-4.1.1-07)."""
    user = scim.create_user("a", password="x")
    assert "password" in user
    assert "password" in scim.get(f"/Users/{user['id']}").get_json()


def check_delete_keeps_memberships(scim: Scim) -> None:
    """A deleted user stays in its groups' members (breaks P-3.6-03)."""
    user = scim.create_user("a")
    group = scim.create_group("G", [user["id"]])
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    members = scim.get(f"/Groups/{group['id']}").get_json().get("members", [])
    assert [m["value"] for m in members] == [user["id"]]


def check_patch_add_replaces(scim: Scim) -> None:
    """PATCH add on a multi-valued attribute replaces (breaks P-3.5.2.1-05)."""
    user = scim.create_user("a", emails=[{"value": "a@example.com"}])
    op = {"op": "add", "path": "emails", "value": [{"value": "b@example.com"}]}
    patched = scim.patch_ops(f"/Users/{user['id']}", op).get_json()
    assert [e["value"] for e in patched["emails"]] == ["b@example.com"]


CHECKS: dict[str, Callable[[Scim], None]] = {
    "error-status-integer": check_error_status_integer,
    "create-no-location": check_create_no_location,
    "plain-json-content-type": check_plain_json_content_type,
    "create-returns-200": check_create_returns_200,
    "password-returned": check_password_returned,
    "delete-keeps-memberships": check_delete_keeps_memberships,
    "patch-add-replaces": check_patch_add_replaces,
}


def _module_of(name: str) -> str:
    return area_of(FAULTS[name])


def test_every_fault_has_a_behaviour_test() -> None:
    """Each fault of faults/core.py is exercised here; each names catalog requirements.

    Faults of the other modules (faults/<area>.py) are exercised in test_faults_<area>.py, and
    every fault module must have such a file.
    """
    assert set(CHECKS) == registered_by("core")
    here = Path(__file__).parent
    for module in {_module_of(n) for n in FAULTS} - {"core"}:
        assert (here / f"test_faults_{module}.py").exists(), f"no tests for faults/{module}.py"
    for fault in FAULTS.values():
        assert fault.requirements and fault.description
        assert (fault.response is None) != (fault.provider is None)


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_fault_changes_behaviour_as_described(name: str) -> None:
    """With the fault on, the described defect is observable over HTTP."""
    CHECKS[name](faulty(name))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_without_the_fault_the_mock_is_strict(name: str) -> None:
    """The same scenario fails its defect assertion against the strict mock."""
    with pytest.raises(AssertionError):
        CHECKS[name](make_scim())


def test_faults_combine() -> None:
    """Several faults can be enabled at once."""
    scim = make_scim(faults=("create-returns-200", "create-no-location"))
    response = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert response.status_code == 200
    assert "Location" not in response.headers


def test_unknown_fault_names_are_refused() -> None:
    """create_app refuses a fault it does not know, naming the known ones."""
    with pytest.raises(ValueError, match="unknown fault.*no-such-fault"):
        make_scim(faults=("no-such-fault",))


# -- transport faults ----------------------------------------------------------------------


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
