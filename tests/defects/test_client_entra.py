"""The Microsoft Entra ID client defects (scim_defects/client_entra.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable

import pytest

from scim_defects import registered_by
from tests.conftest import Scim, make_scim


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


def test_every_client_entra_fault_has_a_behaviour_test() -> None:
    """CHECKS covers exactly the faults of scim_defects/client_entra.py."""
    assert set(CHECKS) == registered_by("client_entra")


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_fault_changes_behaviour_as_described(name: str) -> None:
    """With the fault on, the described defect is observable over HTTP."""
    CHECKS[name](make_scim(faults=(name,)))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_without_the_fault_the_mock_is_strict(name: str) -> None:
    """The same scenario fails its defect assertion against the strict mock."""
    with pytest.raises(AssertionError):
        CHECKS[name](make_scim())
