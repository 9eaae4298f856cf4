"""The security_deprovisioning defects (scim_defects/security_deprovisioning.py), over HTTP.

Each function shows its defect through the mock's sign-in oracle (POST /_mock/sign-in) with
plain assertions; with the fault on they hold, and against the strict mock the same scenario
fails one of them (an AssertionError).
"""

from __future__ import annotations

import json
from collections.abc import Callable

from tests.conftest import USER_SCHEMA, Scim
from tests.defects.behaviour import behaviour_tests

PASSWORD = "Sc1m!first-Secret"


def signs_in(scim: Scim, user_name: str, password: str = PASSWORD) -> bool:
    headers = scim.headers({"Content-Type": "application/scim+json"})
    body = json.dumps({"userName": user_name, "password": password})
    response = scim.client.post("/_mock/sign-in", data=body, headers=headers)
    assert response.status_code in (200, 401), response.get_data(as_text=True)
    return response.status_code == 200


def leaver(scim: Scim) -> str:
    """A User 'leaver' with PASSWORD that signs in; its id."""
    user = scim.create_user("leaver", password=PASSWORD, active=True)
    assert signs_in(scim, "leaver")
    return str(user["id"])


def put_inactive(scim: Scim, user_id: str) -> None:
    body = {"schemas": [USER_SCHEMA], "userName": "leaver", "active": False}
    assert scim.put(f"/Users/{user_id}", body).status_code == 200


def check_signin_ignores_active(scim: Scim) -> None:
    put_inactive(scim, leaver(scim))
    assert signs_in(scim, "leaver")


def check_signin_status_sync_misses_pathless(scim: Scim) -> None:
    user_id = leaver(scim)
    scim.patch_ops(f"/Users/{user_id}", {"op": "replace", "value": {"active": False}})
    assert signs_in(scim, "leaver")
    scim.patch_ops(f"/Users/{user_id}", {"op": "replace", "path": "active", "value": False})
    assert not signs_in(scim, "leaver")  # the path form is synced


def check_signin_cache_survives_put(scim: Scim) -> None:
    user_id = leaver(scim)
    put_inactive(scim, user_id)
    assert signs_in(scim, "leaver")


def check_signin_cache_survives_delete(scim: Scim) -> None:
    user_id = leaver(scim)
    assert scim.delete(f"/Users/{user_id}").status_code == 204
    assert signs_in(scim, "leaver")


def check_signin_password_history_accepted(scim: Scim) -> None:
    user_id = leaver(scim)
    op = {"op": "replace", "path": "password", "value": "Sc1m!second-Secret"}
    assert scim.patch_ops(f"/Users/{user_id}", op).status_code == 200
    assert signs_in(scim, "leaver", "Sc1m!second-Secret")
    assert signs_in(scim, "leaver")


def check_signin_password_truncated(scim: Scim) -> None:
    leaver(scim)
    assert signs_in(scim, "leaver", PASSWORD[:8] + "anything else")


def check_signin_passwordless_accepts_any(scim: Scim) -> None:
    scim.create_user("sso-only")
    assert signs_in(scim, "sso-only", "")


def check_signin_reactivation_keeps_lockout(scim: Scim) -> None:
    user_id = leaver(scim)
    scim.patch_ops(f"/Users/{user_id}", {"op": "replace", "path": "active", "value": False})
    scim.patch_ops(f"/Users/{user_id}", {"op": "replace", "path": "active", "value": True})
    assert scim.get(f"/Users/{user_id}").get_json()["active"] is True
    assert not signs_in(scim, "leaver")


CHECKS: dict[str, Callable[[Scim], None]] = {
    "signin-ignores-active": check_signin_ignores_active,
    "signin-status-sync-misses-pathless": check_signin_status_sync_misses_pathless,
    "signin-cache-survives-put": check_signin_cache_survives_put,
    "signin-cache-survives-delete": check_signin_cache_survives_delete,
    "signin-password-history-accepted": check_signin_password_history_accepted,
    "signin-password-truncated": check_signin_password_truncated,
    "signin-passwordless-accepts-any": check_signin_passwordless_accepts_any,
    "signin-reactivation-keeps-lockout": check_signin_reactivation_keeps_lockout,
}


(
    test_every_security_deprovisioning_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests("security_deprovisioning", CHECKS)
