"""The mock's sign-in oracle, POST /_mock/sign-in: may this account sign in to the "product"?

Not SCIM: the deprovisioning checks (scim_tests/checks/test_security_deprovisioning.py) ask it
whether deactivation, deletion and password changes closed access. It answers 200
``{"signedIn": true, "id": ...}`` or 401 ``{"signedIn": false, "reason": ...}`` and never
returns a password.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_mock.extensions import MockExtension
from scim_mock.operations import Provider, ProviderDecorator, SignIn
from scim_mock.provider import (
    REFUSED_INACTIVE,
    REFUSED_NO_PASSWORD,
    REFUSED_UNKNOWN,
    REFUSED_WRONG_PASSWORD,
)
from tests.conftest import USER_SCHEMA, Scim, assert_scim_error, make_scim

PASSWORD = "t0p-Secret!"


def sign_in(scim: Scim, body: Any, *, token: str | None = "") -> tuple[int, Any]:
    """POST /_mock/sign-in (with the scim client's token unless ``token`` is given)."""
    headers = scim.headers({"Content-Type": "application/scim+json"})
    if token is None:
        headers.pop("Authorization", None)
    response = scim.client.post("/_mock/sign-in", data=json.dumps(body), headers=headers)
    return response.status_code, response.get_json(silent=True)


def attempt(scim: Scim, user_name: str, password: str = PASSWORD) -> tuple[int, Any]:
    return sign_in(scim, {"userName": user_name, "password": password})


def test_an_active_user_signs_in_with_its_password(scim: Scim) -> None:
    """200 with signedIn true and the id; the userName matches case-insensitively."""
    user = scim.create_user("bjensen", password=PASSWORD)
    assert attempt(scim, "bjensen") == (200, {"signedIn": True, "id": user["id"]})
    assert attempt(scim, "BJensen") == (200, {"signedIn": True, "id": user["id"]})


@pytest.mark.parametrize(
    ("user_name", "password", "reason"),
    [
        ("nobody", PASSWORD, REFUSED_UNKNOWN),
        ("bjensen", "t0p-Secret?", REFUSED_WRONG_PASSWORD),
        ("bjensen", PASSWORD.upper(), REFUSED_WRONG_PASSWORD),  # passwords are case-exact
        ("bjensen", "", REFUSED_WRONG_PASSWORD),
    ],
)
def test_unknown_users_and_wrong_passwords_are_refused(
    scim: Scim, user_name: str, password: str, reason: str
) -> None:
    """401 with signedIn false and the reason."""
    scim.create_user("bjensen", password=PASSWORD)
    assert attempt(scim, user_name, password) == (401, {"signedIn": False, "reason": reason})


def test_a_user_without_a_password_never_signs_in(scim: Scim) -> None:
    """An account provisioned without a password (SSO only) refuses every password."""
    user = scim.create_user("sso")
    for password in ("", PASSWORD):
        status, body = attempt(scim, "sso", password)
        assert (status, body) == (401, {"signedIn": False, "reason": REFUSED_NO_PASSWORD})
    assert "password" not in scim.get(f"/Users/{user['id']}").get_json()


@pytest.mark.parametrize(
    "operations",
    [
        [{"op": "replace", "path": "active", "value": False}],
        [{"op": "replace", "value": {"active": False}}],
    ],
    ids=["path", "pathless"],
)
def test_deactivation_by_patch_closes_and_reactivation_reopens(
    scim: Scim, operations: list[dict[str, Any]]
) -> None:
    """active=false refuses the right password (after checking it); active=true restores it."""
    user = scim.create_user("bjensen", password=PASSWORD)
    assert scim.patch_ops(f"/Users/{user['id']}", *operations).status_code == 200
    assert attempt(scim, "bjensen") == (401, {"signedIn": False, "reason": REFUSED_INACTIVE})
    # A wrong password does not learn that the account is suspended.
    assert attempt(scim, "bjensen", "guess")[1]["reason"] == REFUSED_WRONG_PASSWORD
    scim.patch_ops(f"/Users/{user['id']}", {"op": "replace", "path": "active", "value": True})
    assert attempt(scim, "bjensen")[0] == 200


def test_deactivation_by_put_keeps_the_password_for_reactivation(scim: Scim) -> None:
    """A PUT without password keeps it (writeOnly design decision) but active=false refuses."""
    user = scim.create_user("bjensen", password=PASSWORD)
    body = {"schemas": [USER_SCHEMA], "userName": "bjensen", "active": False}
    assert scim.put(f"/Users/{user['id']}", body).status_code == 200
    assert attempt(scim, "bjensen")[1]["reason"] == REFUSED_INACTIVE
    assert scim.put(f"/Users/{user['id']}", {**body, "active": True}).status_code == 200
    assert attempt(scim, "bjensen")[0] == 200


def test_deleted_user_is_unknown(scim: Scim) -> None:
    user = scim.create_user("bjensen", password=PASSWORD)
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    assert attempt(scim, "bjensen") == (401, {"signedIn": False, "reason": REFUSED_UNKNOWN})


def test_a_password_change_retires_the_old_password(scim: Scim) -> None:
    user = scim.create_user("bjensen", password=PASSWORD)
    op = {"op": "replace", "path": "password", "value": "n3w-Secret!"}
    assert scim.patch_ops(f"/Users/{user['id']}", op).status_code == 200
    assert attempt(scim, "bjensen")[1]["reason"] == REFUSED_WRONG_PASSWORD
    assert attempt(scim, "bjensen", "n3w-Secret!")[0] == 200


@pytest.mark.parametrize(
    "body",
    [{"userName": "a"}, {"password": "x"}, {"userName": 5, "password": "x"}, ["a", "b"]],
)
def test_a_malformed_request_is_a_scim_400(scim: Scim, body: Any) -> None:
    headers = scim.headers({"Content-Type": "application/scim+json"})
    response = scim.client.post("/_mock/sign-in", data=json.dumps(body), headers=headers)
    assert_scim_error(response, 400, "invalidValue")


def test_the_oracle_is_authenticated_like_scim(scim: Scim) -> None:
    """Without the bearer token: the SCIM 401 (an Error message, no signedIn member)."""
    scim.create_user("bjensen", password=PASSWORD)
    status, body = sign_in(scim, {"userName": "bjensen", "password": PASSWORD}, token=None)
    assert status == 401 and "signedIn" not in body and body["status"] == "401"


def test_the_oracle_is_absent_without_control_endpoints() -> None:
    scim = make_scim(MockConfig(token="t", control_endpoints=False))
    assert attempt(scim, "bjensen")[0] == 404


class _Everyone(ProviderDecorator):
    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        return SignIn(True, "x")


class _EveryoneSignsIn(MockExtension):
    name = "everyone-signs-in"

    def provider(self, provider: Provider) -> Provider:
        return _Everyone(provider)


def test_extensions_decorate_the_sign_in_operation() -> None:
    """verify_credentials is a provider operation: a ProviderDecorator can change it."""
    app = create_app(MockConfig(token="t"), extensions=[_EveryoneSignsIn()])
    scim = Scim(app.test_client(), token="t")
    assert attempt(scim, "nobody") == (200, {"signedIn": True, "id": "x"})
