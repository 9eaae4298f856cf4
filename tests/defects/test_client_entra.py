"""The Microsoft Entra ID client defects (scim_defects/client_entra.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable

from tests.conftest import Scim
from tests.defects.behaviour import behaviour_tests


def check_active_string_truthy(scim: Scim) -> None:
    user = scim.create_user("entra.truthy")
    path = f"/Users/{user['id']}"
    response = scim.patch_ops(path, {"op": "Replace", "path": "active", "value": "False"})
    assert response.status_code == 200
    assert scim.get(path).get_json()["active"] is True


def check_member_null_ref_refused(scim: Scim) -> None:
    user = scim.create_user("entra.member")
    group = scim.create_group("entra-group")
    add = {"op": "add", "path": "members", "value": [{"$ref": None, "value": user["id"]}]}
    response = scim.patch_ops(f"/Groups/{group['id']}", add)
    assert response.status_code == 400
    assert response.get_json()["scimType"] == "invalidValue"


CHECKS: dict[str, Callable[[Scim], None]] = {
    "active-string-truthy": check_active_string_truthy,
    "member-null-ref-refused": check_member_null_ref_refused,
}


(
    test_every_client_entra_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests("client_entra", CHECKS)
