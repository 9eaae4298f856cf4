"""Authentication (RFC 7644 §2, §3.12, §7; RFC 6750 §3).

Requests with no, a wrong or an empty credential are refused with 401 and a WWW-Authenticate
challenge, and a refused write changes nothing. These checks need the run's own credentials to
tell refusal from success, so they are skipped when the target is tested without any.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import assert_list_response, assert_status, assert_valid, check, json_object
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.markers import requirement
from scim_tests.target import ScimSettings

#: "other-scheme" is the run's own credential under an auth-scheme no server defines: a
#: provider that reads the token and ignores the scheme name would accept it (RFC 7235 §2.1).
CREDENTIALS = ["none", "wrong", "empty", "other-scheme"]


@pytest.fixture
def auth_headers(scim_config: ScimSettings) -> dict[str, str]:
    """The run's credentials; skip when the target is tested without authentication."""
    if not scim_config.auth_headers:
        pytest.skip("the run has no credentials (--scim-token / --scim-auth-header)")
    return scim_config.auth_headers


def _bad_credentials(kind: str, auth_headers: dict[str, str]) -> dict[str, str]:
    """Headers with no, a wrong, or an empty credential of the run's scheme, or the right
    credential under an unknown scheme."""
    if kind == "none":
        return {}
    name, value = next(iter(auth_headers.items()))
    scheme = value.split(" ", 1)[0] + " " if " " in value.strip() else ""
    if kind == "other-scheme":
        if not scheme:
            pytest.skip("the run's credential names no auth-scheme to replace")
        return {name: f"Scimct-Unknown {value.strip().split(' ', 1)[1]}"}
    if kind == "wrong":
        return {name: f"{scheme}scimct-invalid-{uuid.uuid4().hex}"}
    return {name: scheme}


def _unauthenticated_get(client: ScimClient, kind: str, auth: dict[str, str]) -> ScimResponse:
    return client.get("/Users", params={"count": "1"}, auth=False,
                      headers=_bad_credentials(kind, auth))  # fmt: skip


@pytest.mark.parametrize("kind", CREDENTIALS)
@requirement("P-2-02")
def test_invalid_credentials_are_refused(
    scim_client: ScimClient, auth_headers: dict[str, str], kind: str
) -> None:
    """A request with no, a wrong or an empty credential, or the right one under an unknown
    auth-scheme, is refused (401 or 403), never served (P-2-02)."""
    response = _unauthenticated_get(scim_client, kind, auth_headers)
    assert_status(response, 401, 403, requirement="P-2-02",
                  title=f"A request with {kind} credentials was not refused")  # fmt: skip


@pytest.mark.parametrize("kind", CREDENTIALS)
@requirement("P-3.12-08")
def test_invalid_credentials_answer_401(
    scim_client: ScimClient, auth_headers: dict[str, str], kind: str
) -> None:
    """An absent or invalid credential is answered 401 Unauthorized (P-3.12-08)."""
    response = _unauthenticated_get(scim_client, kind, auth_headers)
    assert_status(response, 401, requirement="P-3.12-08")


@pytest.mark.parametrize("kind", CREDENTIALS)
@requirement("P-2-01")
def test_unauthorized_answers_carry_a_challenge(
    scim_client: ScimClient, auth_headers: dict[str, str], kind: str
) -> None:
    """A 401 names the authentication scheme to use in WWW-Authenticate, e.g. Bearer for a
    bearer token (P-2-01; RFC 6750 §3)."""
    response = _unauthenticated_get(scim_client, kind, auth_headers)
    if response.status_code != 401:
        pytest.skip(f"answered {response.status_code}, not 401 (see the other auth checks)")
    challenge = response.headers.get("WWW-Authenticate", "")
    value = next(iter(auth_headers.values()))
    scheme = value.split(" ", 1)[0].lower() if " " in value.strip() else ""
    check(challenge.strip(), "A 401 answer has no WWW-Authenticate challenge",
          expected="WWW-Authenticate: <scheme> …", received="(no header)", response=response,
          requirement="P-2-01")  # fmt: skip
    check(scheme != "bearer" or "bearer" in challenge.lower(),
          "The challenge does not offer the Bearer scheme", expected='WWW-Authenticate: Bearer …',
          received=challenge, response=response, requirement="P-2-01")  # fmt: skip


@requirement("P-2-02", "P-2.2-01")
@pytest.mark.scim_feature("filter")
def test_refused_create_creates_nothing(
    scim_client: ScimClient,
    auth_headers: dict[str, str],
    user_payload: Callable[..., dict[str, Any]],
) -> None:
    """A POST /Users without credentials is refused and creates nothing; a provider that
    deliberately allows anonymous creation is skipped (P-2-02, P-2.2-01)."""
    body = user_payload()
    response = scim_client.post("/Users", body, auth=False)
    if 200 <= response.status_code < 300:
        pytest.skip("the provider accepts unauthenticated creation (allowed by P-2.2-01)")
    assert_status(response, 401, 403, requirement="P-2-02")
    query = scim_client.get("/Users", params={"filter": f'userName eq "{body["userName"]}"'})
    found = [r for r in assert_list_response(query).get("Resources") or [] if isinstance(r, dict)]
    for user in found:
        assert_valid(user, "User", response=query)
        scim_client.ownership.add("/Users", str(user.get("id")))  # so the run deletes it
        scim_client.created.append(("/Users", str(user.get("id"))))
    check(not found, "A refused unauthenticated POST created the user",
          expected="no user with that userName", received=[u.get("id") for u in found],
          response=query, requirement="P-2-02")  # fmt: skip


@requirement("P-2-02")
def test_refused_delete_deletes_nothing(
    scim_client: ScimClient, auth_headers: dict[str, str], new_user: dict[str, Any]
) -> None:
    """A DELETE without credentials is refused and the user still exists (P-2-02)."""
    path = f"/Users/{new_user['id']}"
    response = scim_client.delete(path, auth=False)
    assert_status(response, 401, 403, requirement="P-2-02")
    after = scim_client.get(path)
    assert_status(after, 200, requirement="P-2-02",
                  title="The user is gone after a refused unauthenticated DELETE")  # fmt: skip
    assert_valid(json_object(after), "User", response=after)
