"""The account-access hook: can a provisioned account still sign in to the product?

SCIM says what a provider stores, not what its product does with it: whether ``active: false``
or a DELETE actually closes access is a question for the product behind the endpoint. The
deprovisioning checks (``checks/test_security_deprovisioning.py``) ask it through the
``scim_account_access`` fixture, whose ``can_sign_in(user, password)`` answers

- ``True``: the account can still sign in (or use its API key) with that password;
- ``False``: the product refused it;
- ``None``: the hook cannot tell; the check skips rather than guess.

Against the bundled mock (``--scim-mock``) the default asks the mock's sign-in oracle,
``POST /_mock/sign-in``. For any other target, override the fixture in your ``conftest.py``
(docs/security.md has an example); until then these checks skip.
"""

from __future__ import annotations

from typing import Any, Protocol, runtime_checkable
from urllib.parse import urlsplit

import pytest

from scim_tests.client import ScimClient, ScimResponse
from scim_tests.target import ScimTarget

#: The mock's sign-in oracle, at the root of its origin (beside the other /_mock endpoints).
MOCK_SIGN_IN = "/_mock/sign-in"
PLUG_IN = (
    "plug in your product's sign-in check: override scim_account_access in conftest.py "
    "(docs/security.md)"
)


@runtime_checkable
class AccountAccess(Protocol):
    """What the deprovisioning checks ask of the product behind the SCIM endpoint."""

    def can_sign_in(self, user: dict[str, Any], password: str) -> bool | None:
        """Whether ``user`` (the SCIM representation the server returned) signs in with
        ``password``: True, False, or None when this hook cannot tell."""
        ...


class MockSignIn:
    """The bundled mock's sign-in oracle: 200 ``{"signedIn": true}`` or 401 ``{"signedIn":
    false, "reason": ...}``.

    It posts through the check's client, so the exchange is in the check's log (a failure shows
    it); ``last_response`` keeps the latest answer. Any other answer (the oracle is switched off,
    the token was refused) is "cannot tell".
    """

    def __init__(self, client: ScimClient) -> None:
        self.client = client
        parts = urlsplit(client.base_url)
        self.url = f"{parts.scheme}://{parts.netloc}{MOCK_SIGN_IN}"
        self.last_response: ScimResponse | None = None

    def can_sign_in(self, user: dict[str, Any], password: str) -> bool | None:
        """Ask the oracle about ``user['userName']``."""
        user_name = user.get("userName")
        if not isinstance(user_name, str):
            return None
        response = self.client.post(self.url, {"userName": user_name, "password": password})
        self.last_response = response
        body = response.maybe_json()
        signed_in = body.get("signedIn") if isinstance(body, dict) else None
        if response.status_code == 200 and signed_in is True:
            return True
        if response.status_code == 401 and signed_in is False:
            return False
        return None


@pytest.fixture
def scim_account_access(scim_target: ScimTarget, scim_client: ScimClient) -> AccountAccess:
    """How the deprovisioning checks learn whether an account can still sign in.

    Against the bundled mock: its sign-in oracle. Otherwise the check skips until you override
    this fixture in your ``conftest.py`` with an object whose ``can_sign_in(user, password)``
    tries your product's login (docs/security.md).
    """
    if not scim_target.is_mock:
        pytest.skip(PLUG_IN)
    return MockSignIn(scim_client)
