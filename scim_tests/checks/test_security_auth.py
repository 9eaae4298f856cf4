"""Security: authentication on every endpoint (RFC 7644 §2, §3.12, §7; RFC 6750 §2-§3, §5.3).

Requests with no, a wrong or an empty credential, the right one under another auth-scheme or
with its case changed, are refused (401 or 403, never served) on every endpoint the provider
does not declare public (``--scim-public-endpoint``): the collections, a resource this run
created, /Bulk, /.search and /Me. The refusal is a SCIM Error with a WWW-Authenticate challenge
on a 401, and a refused write changes nothing. The motivating advisories are better-auth
CVE-2026-67330 (a token reaching users it never provisioned) and servers that accepted an empty
bearer token when no secret was configured. Discovery endpoints may be public (C-5-11 even
prefers it), so they are only asked to refuse cleanly when they refuse.

These checks need the run's own credentials to tell refusal from success, so they are skipped
when the target is tested without any. Endpoints the provider does not offer (404, 405 or 501
with the run's credentials too, e.g. no /Me or no /Bulk) are skipped, naming that answer.
"""

from __future__ import annotations

import uuid
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from scim_tests.asserts import (
    assert_list_response,
    assert_scim_error,
    assert_status,
    assert_valid,
    check,
    fail,
    json_object,
)
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP
from scim_tests.query import SEARCH_REQUEST
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


# -- every endpoint ------------------------------------------------------------------------------

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
#: Answers that say an endpoint is not offered at all (when the run's credentials get them too).
NOT_OFFERED = (404, 405, 501)
#: The kinds of bad credential sent to every endpoint: those above, and the right token with its
#: case changed (tokens are opaque, case-sensitive secrets; RFC 6750 §2.1 b64token).
ENDPOINT_CREDENTIALS = [*CREDENTIALS, "case-changed"]


@dataclass(frozen=True)
class Endpoint:
    """One method on one endpoint; ``{id}`` in the path stands for a resource the run created."""

    method: str
    path: str

    @property
    def name(self) -> str:
        """The parameter id: ``GET-Users-id``, ``POST-.search``."""
        return self.method + self.path.replace("/", "-").replace("{id}", "id")

    @property
    def collection(self) -> str | None:
        """``/Users`` or ``/Groups`` for the resource endpoints (their .search excluded)."""
        head = "/" + self.path.split("/")[1]
        return head if head in ("/Users", "/Groups") and ".search" not in self.path else None

    @property
    def writes(self) -> bool:
        """Whether a served request changes data (a search never does, RFC 7644 §3.4.3)."""
        return self.method != "GET" and ".search" not in self.path


ENDPOINTS = [
    *(Endpoint(m, f"/{t}") for t in ("Users", "Groups") for m in ("GET", "POST")),
    *(Endpoint(m, f"/{t}/{{id}}") for t in ("Users", "Groups")
      for m in ("GET", "PUT", "PATCH", "DELETE")),
    Endpoint("POST", "/Bulk"),
    Endpoint("POST", "/.search"),
    Endpoint("POST", "/Users/.search"),
    Endpoint("GET", "/Me"),
]  # fmt: skip
WRITES = [e for e in ENDPOINTS if e.writes]
DISCOVERY = ["/ServiceProviderConfig", "/ResourceTypes", "/Schemas"]


@dataclass
class Prepared:
    """A request for one endpoint: what a served request would have done is known up front."""

    endpoint: Endpoint
    path: str
    body: Any = None
    params: dict[str, str] | None = None
    #: The resource the request targets (``{id}``), as created.
    resource: dict[str, Any] | None = None
    #: For a create (POST /Users, /Groups, /Bulk): the name the new resource would carry.
    created_name: tuple[str, str, str] | None = None  # (endpoint, attribute, value)
    new_display_name: str | None = None


def _ready(
    client: ScimClient,
    config: ScimSettings,
    endpoint: Endpoint,
    user_payload: Callable[..., dict[str, Any]],
    group_payload: Callable[..., dict[str, Any]],
) -> Prepared:
    """The request for an endpoint that is not declared public and is offered (/Me is probed
    with the run's credentials first), its target created."""
    _skip_if_public(config, endpoint)
    prepared = _prepare(client, endpoint, user_payload, group_payload)
    if endpoint.path == "/Me":
        _skip_if_not_offered(client, prepared)
    return prepared


def _prepare(
    client: ScimClient,
    endpoint: Endpoint,
    user_payload: Callable[..., dict[str, Any]],
    group_payload: Callable[..., dict[str, Any]],
) -> Prepared:
    """The request for ``endpoint``, creating the resource it targets first (set-up)."""
    payload = user_payload if endpoint.collection == "/Users" else group_payload
    body: dict[str, Any] | None
    if endpoint.path == "/Bulk":
        user = user_payload()
        body = {
            "schemas": [BULK_REQUEST],
            "Operations": [
                {"method": "POST", "path": "/Users", "bulkId": "scimct-auth", "data": user}
            ],
        }
        return Prepared(endpoint, "/Bulk", body, created_name=("/Users", "userName",
                                                                user["userName"]))  # fmt: skip
    if ".search" in endpoint.path:
        return Prepared(endpoint, endpoint.path, {"schemas": [SEARCH_REQUEST], "count": 1})
    if endpoint.collection is None:
        return Prepared(endpoint, endpoint.path)
    if "{id}" not in endpoint.path:
        if endpoint.method == "GET":
            return Prepared(endpoint, endpoint.path, params={"count": "1"})
        body = payload()
        key = "userName" if endpoint.collection == "/Users" else "displayName"
        return Prepared(endpoint, endpoint.path, body,
                        created_name=(endpoint.collection, key, str(body[key])))  # fmt: skip
    resource = create(client, endpoint.collection, payload())
    path = f"{endpoint.collection}/{resource['id']}"
    renamed = f"{resource.get('displayName', 'scimct')}-changed"
    if endpoint.method == "PUT":
        body = {k: v for k, v in resource.items() if k not in ("id", "meta", "groups")}
        body["displayName"] = renamed
    elif endpoint.method == "PATCH":
        body = {
            "schemas": [PATCH_OP],
            "Operations": [{"op": "replace", "path": "displayName", "value": renamed}],
        }
    else:
        body = None
    return Prepared(endpoint, path, body, resource=resource,
                    new_display_name=renamed if body is not None else None)  # fmt: skip


def _send(
    client: ScimClient,
    prepared: Prepared,
    headers: dict[str, str],
    *,
    auth: bool = False,
    params: dict[str, str] | None = None,
) -> ScimResponse:
    """Send the prepared request (without the run's credentials unless ``auth``)."""
    extra: dict[str, Any] = {} if prepared.body is None else {"json_body": prepared.body}
    query = {**(prepared.params or {}), **(params or {})} or None
    return client.request(prepared.endpoint.method, prepared.path, auth=auth, headers=headers,
                          params=query, **extra)  # fmt: skip


def _skip_if_public(settings: ScimSettings, endpoint: Endpoint) -> None:
    """Skip an endpoint the run declared public (``--scim-public-endpoint /Me``)."""
    if endpoint.path in {p.rstrip("/") or "/" for p in settings.public_endpoints}:
        pytest.skip(f"{endpoint.path} is declared public (--scim-public-endpoint)")


def _skip_if_not_offered(
    client: ScimClient, prepared: Prepared, refused: ScimResponse | None = None
) -> None:
    """Skip when the endpoint answers 404/405/501 to the run's own credentials too.

    Without ``refused`` the probe comes first: for /Me, which is optional (RFC 7644 §3.11) and
    refused like any endpoint before a server finds it has no such thing.
    """
    if refused is not None and refused.status_code not in NOT_OFFERED:
        return
    served = _send(client, prepared, {}, auth=True)
    if served.status_code in NOT_OFFERED:
        pytest.skip(f"{prepared.endpoint.method} {prepared.endpoint.path} is not offered: it "
                    f"answers {served.status_code} with the run's credentials too")  # fmt: skip


def _bad_or_changed(kind: str, auth_headers: dict[str, str]) -> dict[str, str]:
    """``_bad_credentials`` plus the right credential with the case of its letters swapped."""
    if kind != "case-changed":
        return _bad_credentials(kind, auth_headers)
    name, value = next(iter(auth_headers.items()))
    scheme, _, token = value.strip().rpartition(" ")
    if token.swapcase() == token:
        pytest.skip("the run's token has no letters whose case could change")
    return {name: f"{scheme} {token.swapcase()}".strip()}


@pytest.mark.parametrize("kind", ENDPOINT_CREDENTIALS)
@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@requirement("P-2-02")
def test_endpoint_refuses_invalid_credentials(
    scim_client: ScimClient,
    scim_config: ScimSettings,
    auth_headers: dict[str, str],
    user_payload: Callable[..., dict[str, Any]],
    group_payload: Callable[..., dict[str, Any]],
    endpoint: Endpoint,
    kind: str,
) -> None:
    """Every endpoint that is not declared public refuses a request with no, a wrong or an
    empty credential, the right one under another scheme or with its case changed: the answer
    is no success (P-2-02; better-auth CVE-2026-67330, empty-secret bearer bypasses)."""
    prepared = _ready(scim_client, scim_config, endpoint, user_payload, group_payload)
    response = _send(scim_client, prepared, _bad_or_changed(kind, auth_headers))
    _skip_if_not_offered(scim_client, prepared, response)
    check(not 200 <= response.status_code < 300,
          f"{endpoint.method} {endpoint.path} served a request with {kind} credentials",
          expected="401 (or 403)", received=response.status_code, response=response,
          requirement="P-2-02",
          cause=f"{endpoint.method} with {kind} credentials served")  # fmt: skip


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@requirement("P-7.5.2-01")
def test_endpoint_refuses_token_in_query_string(
    scim_client: ScimClient,
    scim_config: ScimSettings,
    auth_headers: dict[str, str],
    user_payload: Callable[..., dict[str, Any]],
    group_payload: Callable[..., dict[str, Any]],
    endpoint: Endpoint,
) -> None:
    """The run's token sent only as ``?access_token=`` (no header) is not accepted.

    RFC 6750 §2.3 lets a resource server take it there, but §5.3 says tokens should not travel
    in URLs, where logs and Referer headers keep them, and RFC 7644 §7.5.2 says confidential data
    should not be put in URIs: a SHOULD-level finding (P-7.5.2-01), not a MUST.
    """
    token = next(iter(auth_headers.values())).strip().rpartition(" ")[2]
    prepared = _ready(scim_client, scim_config, endpoint, user_payload, group_payload)
    response = _send(scim_client, prepared, {}, params={"access_token": token})
    _skip_if_not_offered(scim_client, prepared, response)
    check(not 200 <= response.status_code < 300,
          "The token was accepted in the query string (?access_token=)",
          expected="a refusal (401 or 403): the token only in the Authorization header",
          received=response.status_code, response=response,
          requirement="P-7.5.2-01")  # fmt: skip


def _assert_clean_refusal(response: ScimResponse, what: str) -> None:
    """A 401/403 SCIM Error, with a WWW-Authenticate challenge on a 401."""
    __tracebackhide__ = True
    assert_status(response, 401, 403, requirement="P-3.12-08",
                  title=f"{what} was refused without 401 or 403")  # fmt: skip
    check(response.content_type.endswith("json"), f"{what}: the refusal is not a SCIM Error",
          expected="a JSON SCIM Error body (application/scim+json)",
          received=f"{response.content_type or '(no Content-Type)'}: {response.text[:120]!r}",
          response=response, requirement=("P-3.12-01", "P-3.2-04"))  # fmt: skip
    assert_scim_error(response, requirement="P-3.12-01")
    if response.status_code == 401:
        check(response.headers.get("WWW-Authenticate", "").strip(),
              f"{what}: the 401 has no WWW-Authenticate challenge",
              expected="WWW-Authenticate: <scheme> …", received="(no header)",
              response=response, requirement="P-2-01")  # fmt: skip


@pytest.mark.parametrize("endpoint", ENDPOINTS, ids=lambda e: e.name)
@requirement("P-3.12-08", "P-3.12-01", "P-2-01")
def test_endpoint_refusal_is_a_scim_error(
    scim_client: ScimClient,
    scim_config: ScimSettings,
    auth_headers: dict[str, str],
    user_payload: Callable[..., dict[str, Any]],
    group_payload: Callable[..., dict[str, Any]],
    endpoint: Endpoint,
) -> None:
    """A request without credentials is answered 401 (403 tolerated) with a SCIM Error body
    and, on a 401, a WWW-Authenticate challenge (P-3.12-08, P-3.12-01, P-2-01)."""
    prepared = _ready(scim_client, scim_config, endpoint, user_payload, group_payload)
    response = _send(scim_client, prepared, {})
    _skip_if_not_offered(scim_client, prepared, response)
    if 200 <= response.status_code < 300:
        pytest.skip("served without credentials: test_endpoint_refuses_invalid_credentials")
    _assert_clean_refusal(response, f"{endpoint.method} {endpoint.path} without credentials")


def _created_by_refused(client: ScimClient, prepared: Prepared) -> list[str]:
    """Ids of resources carrying the name the refused create would have given (adopted)."""
    assert prepared.created_name is not None
    collection, attribute, value = prepared.created_name
    query = client.get(collection, params={"filter": f'{attribute} eq "{value}"'})
    found = [r for r in assert_list_response(query).get("Resources") or [] if isinstance(r, dict)]
    ids = [str(r.get("id")) for r in found]
    for resource_id in ids:
        client.ownership.add(collection, resource_id)  # so the run deletes it
        client.created.append((collection, resource_id))
    return ids


@pytest.mark.parametrize("endpoint", WRITES, ids=lambda e: e.name)
@requirement("P-2-02")
def test_refused_write_changes_nothing(
    scim_client: ScimClient,
    scim_config: ScimSettings,
    service_provider_config: dict[str, Any] | None,
    auth_headers: dict[str, str],
    user_payload: Callable[..., dict[str, Any]],
    group_payload: Callable[..., dict[str, Any]],
    endpoint: Endpoint,
) -> None:
    """A write refused for lack of credentials has no effect: nothing is created, replaced,
    patched or deleted, as an authenticated read shows (P-2-02)."""
    filtering = ((service_provider_config or {}).get("filter") or {}).get("supported")
    if endpoint.method == "POST" and filtering is not True:
        pytest.skip("finding a refused create needs filter support, which is not advertised")
    prepared = _ready(scim_client, scim_config, endpoint, user_payload, group_payload)
    response = _send(scim_client, prepared, {})
    _skip_if_not_offered(scim_client, prepared, response)
    if 200 <= response.status_code < 300:
        pytest.skip("served without credentials: test_endpoint_refuses_invalid_credentials")
    what = f"A refused {endpoint.method} {endpoint.path}"
    if prepared.created_name is not None:
        ids = _created_by_refused(scim_client, prepared)
        check(not ids, f"{what} created the resource all the same", expected="nothing created",
              received=ids, response=response, requirement="P-2-02")  # fmt: skip
        return
    assert prepared.resource is not None
    after = scim_client.get(prepared.path)
    if endpoint.method == "DELETE":
        assert_status(after, 200, requirement="P-2-02",
                      title=f"{what} deleted the resource all the same")  # fmt: skip
        return
    assert_status(after, 200, requirement="P-3.4.1-01")
    stored = json_object(after).get("displayName")
    check(stored == prepared.resource.get("displayName"), f"{what} changed the resource",
          expected=prepared.resource.get("displayName"), received=stored, response=after,
          requirement="P-2-02")  # fmt: skip


@pytest.mark.parametrize("path", DISCOVERY)
@requirement("P-3.12-01", "P-2-01", "C-5-11")
def test_discovery_refusal_is_a_scim_error(
    scim_client: ScimClient, auth_headers: dict[str, str], path: str
) -> None:
    """A discovery endpoint may answer without credentials (C-5-11 prefers it); when it
    refuses, the refusal is a 401/403 SCIM Error with a challenge on a 401 (P-3.12-01)."""
    response = scim_client.get(path, auth=False)
    if response.status_code == 200:
        return  # served openly, as C-5-11 recommends
    if response.status_code not in (401, 403):
        raise fail(f"GET {path} without credentials answered {response.status_code}",
                   expected="200, or a 401/403 SCIM Error", received=response.status_code,
                   response=response, requirement="P-3.12-08")  # fmt: skip
    _assert_clean_refusal(response, f"GET {path} without credentials")
