"""The Okta and interop client defects (scim_defects/client_okta.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Scim
from tests.defects.behaviour import behaviour_tests


def check_group_patch_members_only(scim: Scim) -> None:
    group = scim.create_group("okta-group")
    path = f"/Groups/{group['id']}"
    response = scim.patch_ops(path, {"op": "replace", "path": "displayName", "value": "renamed"})
    assert response.status_code == 200
    assert scim.get(path).get_json()["displayName"] == group["displayName"]


def check_unknown_attributes_dropped(scim: Scim) -> None:
    body = {
        "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
        "userName": "okta.misspelt",
        "dispalyName": "Misspelt Mapping",
    }
    response = scim.post("/Users", body)
    assert response.status_code == 201
    assert "dispalyName" not in response.get_json()


CHECKS: dict[str, Callable[[Scim], None]] = {
    "group-patch-members-only": check_group_patch_members_only,
    "unknown-attributes-dropped": check_unknown_attributes_dropped,
}


(
    test_every_client_okta_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests("client_okta", CHECKS)
