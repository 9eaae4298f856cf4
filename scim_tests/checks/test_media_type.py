"""Media type and character encoding (RFC 7644 §3.1, §3.8, §8.1).

Responses are JSON labelled ``application/scim+json`` and encoded in UTF-8; requests in
``application/scim+json`` are served, and plain ``application/json`` is accepted too.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import assert_media_type, assert_status, assert_valid, check, json_object
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.fixtures import create
from scim_tests.markers import requirement

# Accented Latin and CJK: neither ASCII nor Latin-1 can carry all of it.
NON_ASCII = "Zoë Ångström-Núñez 山田太郎"
ASCII_CONTROL = "Zoe Angstrom-Nunez Yamada"


def _probe(kind: str, client: ScimClient, user: dict[str, Any], probe_id: str) -> ScimResponse:
    paths = {"resource": f"/Users/{user['id']}", "list": "/Users",
             "error": f"/Users/{probe_id}", "discovery": "/ServiceProviderConfig"}  # fmt: skip
    params = {"count": "1"} if kind == "list" else None
    return client.get(paths[kind], params=params)


@pytest.mark.parametrize("kind", ["resource", "list", "error", "discovery"])
@requirement("P-8.1-01")
def test_responses_are_labelled_scim_json(
    scim_client: ScimClient, new_user: dict[str, Any], scim_ownership: Any, kind: str
) -> None:
    """Resource, list, error and discovery responses say Content-Type application/scim+json
    (P-8.1-01)."""
    response = _probe(kind, scim_client, new_user, scim_ownership.probe_id())
    if kind == "resource":
        assert_valid(json_object(response), "User", response=response)
    assert_media_type(response, requirement="P-8.1-01")


@requirement("P-3.8-03")
def test_scim_json_accept_header_is_served(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """A request whose only Accept type is application/scim+json is served with JSON, never
    refused with 406 (P-3.8-03)."""
    for path in (f"/Users/{new_user['id']}", "/Users"):
        response = scim_client.get(path, headers={"Accept": "application/scim+json"})
        assert_status(response, 200, requirement="P-3.8-03")
        body = json_object(response, requirement="P-3.8-03")
        if path != "/Users":
            assert_valid(body, "User", response=response)


@requirement("P-3.8-04")
def test_json_accept_header_is_served(scim_client: ScimClient, new_user: dict[str, Any]) -> None:
    """A request that accepts only application/json is served too (P-3.8-04)."""
    response = scim_client.get(f"/Users/{new_user['id']}", headers={"Accept": "application/json"})
    assert_status(response, 200, requirement="P-3.8-04")
    assert_valid(json_object(response, requirement="P-3.8-04"), "User", response=response)


@requirement("P-3.8-04")
def test_json_content_type_is_accepted(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> None:
    """A POST whose body is labelled Content-Type application/json is processed (P-3.8-04)."""
    response = scim_client.post("/Users", user_payload(), content_type="application/json")
    assert_status(response, 201, requirement="P-3.8-04")
    assert_valid(json_object(response), "User", response=response)


def _keeps_display_name(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> bool:
    """Whether a create keeps an ASCII displayName as sent: the control that tells a server
    which mangles non-ASCII text from one that does not store displayName at all."""
    control = create(scim_client, "/Users", user_payload(displayName=ASCII_CONTROL))
    return control.get("displayName") == ASCII_CONTROL


@requirement("P-3.8-01")
def test_non_ascii_text_round_trips(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> None:
    """Non-ASCII text sent in UTF-8 JSON comes back identical from POST and GET (P-3.8-01).

    A create may ignore content it is sent (RFC 7644 §3.3): a server that keeps no displayName,
    not even an ASCII one, says nothing about its encoding, so the check skips."""
    created = create(scim_client, "/Users", user_payload(displayName=NON_ASCII))
    assert_valid(created, "User")
    if created.get("displayName") != NON_ASCII and not _keeps_display_name(
        scim_client, user_payload
    ):
        pytest.skip(
            "the server does not keep displayName, even in ASCII (RFC 7644 §3.3 lets a "
            "create ignore it), so it cannot show how it carries non-ASCII text"
        )
    check(created.get("displayName") == NON_ASCII, "POST changed non-ASCII text",
          expected=NON_ASCII, received=created.get("displayName"),
          requirement="P-3.8-01")  # fmt: skip
    response = scim_client.get(f"/Users/{created['id']}")
    body = json_object(response)
    assert_valid(body, "User", response=response)
    check(body.get("displayName") == NON_ASCII, "GET changed non-ASCII text",
          expected=NON_ASCII, received=body.get("displayName"), response=response,
          requirement="P-3.8-01")  # fmt: skip


@requirement("P-3.8-02")
def test_responses_are_encoded_in_utf8(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> None:
    """Responses are UTF-8: a charset parameter, if any, says utf-8, and non-ASCII text decodes
    cleanly as UTF-8 (P-3.8-02)."""
    created = create(scim_client, "/Users", user_payload(displayName=NON_ASCII))
    response = scim_client.get(f"/Users/{created['id']}")
    params = [p.strip().lower() for p in response.headers.get("Content-Type", "").split(";")[1:]]
    charsets = [p.split("=", 1)[1].strip('"') for p in params if p.startswith("charset=")]
    check(all(c in ("utf-8", "utf8") for c in charsets), "The response is not labelled UTF-8",
          expected="no charset, or charset=utf-8", received=response.headers.get("Content-Type"),
          response=response, requirement="P-3.8-02")  # fmt: skip
    check("\ufffd" not in response.text, "The response body is not valid UTF-8",
          expected="a body that decodes as UTF-8", received=response.text[:200],
          response=response, requirement="P-3.8-02")  # fmt: skip
    assert_valid(json_object(response), "User", response=response)
