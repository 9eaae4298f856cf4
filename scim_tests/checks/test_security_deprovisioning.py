"""Security: deprovisioning closes access (RFC 7643 §4.1.1 ``active`` and ``password``;
RFC 7644 §3.5.1, §3.5.2.3, §3.6).

An identity provider deprovisions a leaver by sending ``active: false`` (a PATCH with path
``active``, a pathless PATCH ``{"active": false}``, or a PUT: all three are in use) or by a
DELETE; it rotates a credential by PATCHing ``password``. The SCIM answers can all be right while
the product behind the endpoint still lets the account in: "active:false leaving credentials
usable", a sign-in path that reads its own copy of the account, a credential cache that one
write path forgets to invalidate. These checks create a User with a password, confirm that it
signs in (the precondition), deprovision it, and ask the product again.

"Can this account sign in?" is not SCIM: it comes from the ``scim_account_access`` fixture
(:mod:`scim_tests.access`). Against the bundled mock it asks the mock's sign-in oracle; for a
real product override it in ``conftest.py`` (docs/security.md), else these checks skip. The
hook may also answer "cannot tell" (None): the check skips, it never guesses.

RFC 7643 §4.1.1 leaves the definitive meaning of ``active`` to the provider, "typically" false
meaning the account is suspended: a deactivation that leaves sign-in open fails the SHOULD row of
``active`` (C-4.1.1-04), not a MUST. A deleted account that still signs in is an operation on a
deleted resource that succeeded (P-3.6-02).
"""

from __future__ import annotations

import secrets
from dataclasses import dataclass
from typing import Any

import pytest

from scim_tests.access import AccountAccess
from scim_tests.asserts import (
    assert_status,
    check,
    fail,
    json_object,
    status_cause,
    status_requirement,
)
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, fetch, patch_ops, put_resource, replacement
from scim_tests.resources import attribute

#: A hook that cannot tell is no evidence either way.
CANNOT_TELL = "the scim_account_access hook cannot tell whether the account can sign in"


def strong_password() -> str:
    """A random password that meets the usual policies (length, upper, lower, digit, symbol)."""
    return "Sc1m!" + secrets.token_urlsafe(18)


@dataclass
class Account:
    """A User this check created, with the password it was created with."""

    user: dict[str, Any]
    password: str

    @property
    def path(self) -> str:
        return f"/Users/{self.user['id']}"


def _last_response(access: AccountAccess) -> ScimResponse | None:
    """The sign-in exchange, when the hook keeps one (the mock's oracle does)."""
    response = getattr(access, "last_response", None)
    return response if isinstance(response, ScimResponse) else None


def can_sign_in(access: AccountAccess, account: Account, password: str | None = None) -> bool:
    """The hook's verdict; a check skips when the hook cannot tell."""
    verdict = access.can_sign_in(account.user, account.password if password is None else password)
    if verdict is None:
        pytest.skip(CANNOT_TELL)
    return verdict


def refused(access: AccountAccess, account: Account, after: str, row: str,
            password: str | None = None) -> None:  # fmt: skip
    """The account must not sign in any more (with its password, or ``password``)."""
    __tracebackhide__ = True
    check(not can_sign_in(access, account, password), f"The account still signs in {after}",
          expected=f"sign-in refused {after}", received="the sign-in hook said it signed in",
          response=_last_response(access), requirement=row,
          cause=f"sign-in still works {after}")  # fmt: skip


def accepted(access: AccountAccess, account: Account, after: str, row: str,
             password: str | None = None, *, blocked: bool = False) -> None:  # fmt: skip
    """The account must sign in (with its password, or ``password``)."""
    __tracebackhide__ = True
    title = f"The account cannot sign in {after}"
    check(can_sign_in(access, account, password),
          ("Set-up failed: " + title) if blocked else title,
          expected=f"sign-in accepted {after}", received="the sign-in hook said it was refused",
          response=_last_response(access), requirement=row, blocked=blocked,
          hint="If your product needs a step before a new account signs in (a verified email, "
          "MFA enrolment), take it in your scim_account_access hook." if blocked else None,
          cause=f"sign-in refused {after}")  # fmt: skip


def create_with_password(client: ScimClient, body: dict[str, Any]) -> dict[str, Any]:
    """POST a User with a password; skip when the server refuses passwords (400)."""
    __tracebackhide__ = True
    response = client.post("/Users", body)
    if response.status_code == 400:
        answer = response.maybe_json()
        detail = answer.get("detail") if isinstance(answer, dict) else response.text[:200]
        pytest.skip(f"the server refused a User with a password (400: {detail}); a password "
                    "policy may refuse it (C-4.1.1-08), and these checks need one")  # fmt: skip
    if response.status_code != 201:
        raise fail("Set-up failed: could not create a User with a password",
                   expected="201 Created", received=f"{response.status_code} {response.text[:300]}",
                   response=response, requirement=status_requirement(response, (201,), None),
                   cause=status_cause(response, (201,)), blocked=True)  # fmt: skip
    created = json_object(response)
    check(isinstance(created.get("id"), str), "Set-up failed: the created User has no id",
          expected="a string id", received=response.text[:300], response=response,
          requirement="C-3.1-02", blocked=True)  # fmt: skip
    return created


@pytest.fixture
def account(
    scim_client: ScimClient, user_payload: Payload, scim_account_access: AccountAccess
) -> Account:
    """An active User with a password that signs in (else the check is blocked or skips)."""
    password = strong_password()
    user = create_with_password(scim_client, user_payload(active=True, password=password))
    created = Account(user, password)
    accepted(scim_account_access, created, "right after its creation", "C-4.1.1-04",
             blocked=True)  # fmt: skip
    return created


def deactivated(client: ScimClient, account: Account, *operation: dict[str, Any],
                row: str) -> None:  # fmt: skip
    """PATCH ``operation`` (or PUT active=false without operations); the GET shows active=false.

    A server that did not store active=false fails the leaver checks; here that is a failed
    precondition, so that the sign-in verdict is only about access.
    """
    __tracebackhide__ = True
    if operation:
        user = patch_ops(client, account.path, "User", *operation, requirement=row)
    else:
        body = replacement(fetch(client, account.path, "User"), active=False)
        user = put_resource(client, account.path, "User", body, row)
    check(attribute(user, "active") is False, "Set-up failed: the user is not active=false",
          expected="active: false after the deactivation",
          received=f"active: {attribute(user, 'active')}", requirement=row,
          blocked=True)  # fmt: skip


# -- deactivation ---------------------------------------------------------------------------


@pytest.mark.scim_feature("patch")
@requirement("C-4.1.1-04", "P-3.5.2.3-10")
def test_security_deactivated_by_patch_path_cannot_sign_in(
    scim_client: ScimClient, account: Account, scim_account_access: AccountAccess
) -> None:
    """After PATCH replace path ``active`` value false, the account no longer signs in with its
    password: active:false leaving credentials usable (C-4.1.1-04, P-3.5.2.3-10)."""
    deactivated(scim_client, account, {"op": "replace", "path": "active", "value": False},
                row="P-3.5.2.3-10")  # fmt: skip
    refused(scim_account_access, account, "after PATCH active=false (with path)", "C-4.1.1-04")


@pytest.mark.scim_feature("patch")
@requirement("C-4.1.1-04", "P-3.5.2.3-10")
def test_security_deactivated_by_pathless_patch_cannot_sign_in(
    scim_client: ScimClient, account: Account, scim_account_access: AccountAccess
) -> None:
    """After a pathless PATCH replace ``{"active": false}`` (how Entra ID sends it), the account
    no longer signs in: active:false leaving credentials usable when only the path form is
    synced to the sign-in service (C-4.1.1-04, P-3.5.2.3-10)."""
    deactivated(scim_client, account, {"op": "replace", "value": {"active": False}},
                row="P-3.5.2.3-10")  # fmt: skip
    refused(scim_account_access, account, "after a pathless PATCH active=false", "C-4.1.1-04")


@requirement("C-4.1.1-04", "P-3.5.1-02")
def test_security_deactivated_by_put_cannot_sign_in(
    scim_client: ScimClient, account: Account, scim_account_access: AccountAccess
) -> None:
    """After a PUT of the user with ``active: false`` (and no password: a PUT may keep or clear
    it, P-3.5.1-03), the account no longer signs in: active:false leaving credentials usable
    when the PUT path forgets to invalidate cached credentials (C-4.1.1-04, P-3.5.1-02)."""
    deactivated(scim_client, account, row="P-3.5.1-02")
    refused(scim_account_access, account, "after PUT active=false", "C-4.1.1-04")


@pytest.mark.scim_feature("patch")
@requirement("C-4.1.1-06", "C-4.1.1-04")
def test_security_reactivated_user_signs_in_again(
    scim_client: ScimClient, account: Account, scim_account_access: AccountAccess
) -> None:
    """A user deactivated by PATCH and reactivated by PATCH replace ``active`` true signs in with
    its old password again, which no request changed (C-4.1.1-06, SHOULD). Reactivation by
    PATCH, not PUT: a PUT without the password may clear it (P-3.5.1-03)."""
    deactivated(scim_client, account, {"op": "replace", "path": "active", "value": False},
                row="P-3.5.2.3-10")  # fmt: skip
    if can_sign_in(scim_account_access, account):
        raise fail("Set-up failed: the deactivated account still signs in",
                   expected="sign-in refused after active=false", received="it signed in",
                   response=_last_response(scim_account_access), requirement="C-4.1.1-04",
                   blocked=True)  # fmt: skip
    user = patch_ops(scim_client, account.path, "User",
                     {"op": "replace", "path": "active", "value": True},
                     requirement="C-4.1.1-06")  # fmt: skip
    check(attribute(user, "active") is True, "Set-up failed: the user is not active=true again",
          expected="active: true", received=f"active: {attribute(user, 'active')}",
          requirement="C-4.1.1-06", blocked=True)  # fmt: skip
    accepted(scim_account_access, account, "after its reactivation (active=true)", "C-4.1.1-06")


# -- deletion -------------------------------------------------------------------------------


@requirement("P-3.6-02", "P-3.6-05")
def test_security_deleted_user_cannot_sign_in(
    scim_client: ScimClient, account: Account, scim_account_access: AccountAccess
) -> None:
    """After a 204 DELETE the account no longer signs in: a deleted resource answers 404 to
    every operation associated with it, a sign-in included (P-3.6-02); a soft delete is
    allowed (P-3.6-01) but must not leave the credential usable."""
    assert_status(scim_client.delete(account.path), 204, requirement="P-3.6-05")
    refused(scim_account_access, account, "after its DELETE", "P-3.6-02")


# -- credentials ----------------------------------------------------------------------------


@pytest.mark.scim_feature("patch")
@pytest.mark.scim_feature("changePassword")
@requirement("P-3.5.2.3-02", "C-5-12")
def test_security_password_change_retires_the_old_password(
    scim_client: ScimClient, account: Account, scim_account_access: AccountAccess
) -> None:
    """PATCH replace ``password`` (changePassword.supported=true) makes the new password sign in
    and the old one fail: replace overwrites the single value (P-3.5.2.3-02), as advertised
    (C-5-12). A password history that keeps accepting the old value leaves a leaked credential
    usable. A 400 (a password policy, C-4.1.1-08) skips the check."""
    new = strong_password()
    body = {"schemas": [PATCH_OP], "Operations": [
        {"op": "replace", "path": "password", "value": new}]}  # fmt: skip
    response = scim_client.patch(account.path, body)
    if response.status_code == 400:
        pytest.skip(f"the server refused the new password (400: {response.text[:200]}), "
                    "e.g. a password policy (C-4.1.1-08)")  # fmt: skip
    assert_status(response, 200, 204, requirement="P-3.5.2.3-02")
    refused(scim_account_access, account, "with its old password after a password change",
            "P-3.5.2.3-02")  # fmt: skip
    accepted(scim_account_access, account, "with its new password after a password change",
             "P-3.5.2.3-02", new)  # fmt: skip


@requirement("P-7.7-01", "C-4.1.1-08")
def test_security_wrong_password_is_refused(
    account: Account, scim_account_access: AccountAccess
) -> None:
    """A password that differs from the account's only in its last character, or only in case,
    does not sign in: a login that compares a prefix (a truncating hash, the classic 8-character
    crypt or a 72-byte bcrypt cut) or folds case accepts near guesses (P-7.7-01, SHOULD)."""
    last = "x" if account.password[-1] != "x" else "y"
    for wrong in (account.password[:-1] + last, account.password.swapcase()):
        refused(scim_account_access, account, "with a near-miss password", "P-7.7-01", wrong)


@requirement("P-7.7-01")
def test_security_user_without_password_cannot_sign_in(
    scim_client: ScimClient,
    user_payload: Payload,
    account: Account,
    scim_account_access: AccountAccess,
) -> None:
    """A User provisioned without a password (SSO only, the usual SCIM case) signs in with
    neither an empty password nor a guess: an empty-credential bypass, the class of "an empty
    bearer token accepted when no secret was configured" (P-7.7-01, SHOULD). The precondition
    is ``account``: a User of this run with a password signs in, so the hook works."""
    bare = Account(create(scim_client, "/Users", user_payload(active=True)), "")
    for guess in ("", strong_password()):
        refused(scim_account_access, bare, "without any password set", "P-7.7-01", guess)
