"""The core defects (scim_defects/core.py) and the defect registry, seen over HTTP.

Each named defect must change behaviour exactly as its description says, so that the conformance
check it targets can be proven to fail; against the strict mock the same scenario fails.
"""

from __future__ import annotations

import re
from collections.abc import Callable
from pathlib import Path

import pytest

from scim_defects import DEFECTS, area_of, registered_by
from tests.conftest import USER_SCHEMA, Scim, make_scim


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


#: Defect areas of specifications the catalog has no rows for.
UNCATALOGUED_AREAS = {"cursors"}


def test_every_defect_has_a_behaviour_test() -> None:
    """Each defect of scim_defects/core.py is exercised here; each names catalog requirements.

    Defects of the other modules (scim_defects/<area>.py) are exercised in the test_<area>.py
    files beside this one, through ``tests.defects.behaviour.behaviour_tests("<area>", CHECKS)``.
    """
    assert set(CHECKS) == registered_by("core")
    here = Path(__file__).parent
    texts = "\n".join(p.read_text(encoding="utf-8") for p in here.glob("test_*.py"))
    for module in {area_of(d) for d in DEFECTS.values()} - {"core"}:
        guarded = re.search(rf'behaviour_tests\([^)]*"{module}"', texts)
        assert guarded or f'registered_by("{module}")' in texts, f"no tests for {module}.py"
    for defect in DEFECTS.values():
        # RFC 9865 (cursor pagination) has no rows in the catalog: its defects name the RFC's
        # sections in their descriptions instead.
        uncatalogued = area_of(defect) in UNCATALOGUED_AREAS and "RFC 9865" in defect.description
        assert (defect.requirements or uncatalogued) and defect.description
        assert defect.hooks


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


def test_unknown_defect_names_are_refused() -> None:
    """Looking up a defect that does not exist fails, naming it."""
    with pytest.raises(ValueError, match="unknown defect.*no-such-fault"):
        make_scim(faults=("no-such-fault",))
