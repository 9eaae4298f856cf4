"""Versioning with ETags (RFC 7644 §3.14; RFC 7643 §3.1 meta.version; RFC 7232).

Only run when /ServiceProviderConfig advertises etag.supported. Single-resource responses carry
an ETag header equal to meta.version; it is a well-formed entity tag (``"…"`` or ``W/"…"``); it
changes with every modification; If-Match with a stale tag refuses PUT, PATCH and DELETE with
412 and changes nothing, with the current tag they succeed; If-None-Match with the current tag
answers a GET with 304 and no body. Tags are compared weakly, as SCIM's examples do with W/
tags in If-Match, so ``W/"x"`` and ``"x"`` name the same version in If-None-Match too.
"""

from __future__ import annotations

import re
import uuid
from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import assert_scim_error, assert_status, check
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import feature_supported
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP
from scim_tests.resources import assert_resource, value_of

Payload = Callable[..., dict[str, Any]]
Schemas = dict[str, dict[str, Any]]
pytestmark = pytest.mark.scim_feature("etag")
# RFC 7232 §2.3: entity-tag = [ "W/" ] DQUOTE *etagc DQUOTE
ENTITY_TAG = re.compile(r'(W/)?"[\x21\x23-\x7e\x80-\xff]*"')
SUCCESS = {"PUT": (200,), "PATCH": (200, 204), "DELETE": (204,)}


def _tag(response: ScimResponse, requirement: str = "P-3.14-02") -> str:
    """The ETag header of a single-resource response (a failure when absent)."""
    __tracebackhide__ = True
    tag = response.headers.get("ETag")
    check(tag, "The response carries no ETag header", expected="ETag: <entity tag>",
          received="(no ETag header)", response=response, requirement=requirement)  # fmt: skip
    return str(tag)


def _opaque(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def _writable(resource: dict[str, Any]) -> dict[str, Any]:
    return {k: v for k, v in resource.items() if k.lower() not in ("id", "meta", "groups")}


def _patch_supported(spc: dict[str, Any] | None) -> bool:
    return feature_supported(spc, "patch") is not False


def _change(client: ScimClient, path: str, user: dict[str, Any], method: str,
            headers: dict[str, str] | None = None) -> ScimResponse:  # fmt: skip
    """Change the user's title with ``method`` (PUT or PATCH), or DELETE it."""
    title = f"Title {uuid.uuid4().hex[:10]}"
    if method == "PUT":
        return client.put(path, {**_writable(user), "title": title}, headers=headers)
    if method == "PATCH":
        body = {"schemas": [PATCH_OP],
                "Operations": [{"op": "replace", "path": "title", "value": title}]}  # fmt: skip
        return client.patch(path, body, headers=headers)
    return client.delete(path, headers=headers)


@requirement("C-3.1-21", "P-3.14-02", "C-3.1-22")
def test_etag_header_matches_meta_version(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """POST, GET and PUT of a User answer with an ETag header; it is a well-formed entity
    tag ("…" or W/"…"), and when meta.version is shown it holds the same value (C-3.1-21,
    P-3.14-02, C-3.1-22)."""
    created = scim_client.post("/Users", user_payload())
    assert_status(created, 201)
    body = assert_resource(created, "User", scim_schemas)
    path = f"/Users/{body['id']}"
    answers = [created, scim_client.get(path)]
    answers.append(scim_client.put(path, {**_writable(body), "title": "Versioned title"}))
    for answer in answers:
        assert_status(answer, 200, 201)
        shown = assert_resource(answer, "User", scim_schemas)
        tag = _tag(answer)
        check(ENTITY_TAG.fullmatch(tag), "The ETag is not a well-formed entity tag",
              expected='"<opaque>" or W/"<opaque>" (RFC 7232 §2.3)', received=tag,
              response=answer, requirement="C-3.1-22")  # fmt: skip
        version = value_of(shown, "meta.version")
        check(version is None or version == tag, "meta.version differs from the ETag header",
              expected=f"meta.version == {tag}", received=version, response=answer,
              requirement="C-3.1-21")  # fmt: skip


@requirement("P-3.14-03")
def test_meta_version_is_shown(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """The version also appears in meta.version, equal to the ETag (P-3.14-03, SHOULD)."""
    fetched = scim_client.get(f"/Users/{new_user['id']}")
    shown = assert_resource(fetched, "User", scim_schemas)
    check(value_of(shown, "meta.version") == _tag(fetched), "meta.version is missing",
          expected=f"meta.version {_tag(fetched)}", received=value_of(shown, "meta.version"),
          response=fetched, requirement="P-3.14-03")  # fmt: skip


@requirement("P-3.14-06")
def test_etag_changes_with_every_modification(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """Each modification (a PUT, then a PATCH when supported) gives the resource a new ETag,
    different from every earlier one, and a GET shows the new one (P-3.14-06)."""
    path = f"/Users/{new_user['id']}"
    seen = [_tag(scim_client.get(path))]
    methods = ["PUT", "PATCH"] if _patch_supported(service_provider_config) else ["PUT"]
    for method in methods:
        answer = _change(scim_client, path, new_user, method)
        assert_status(answer, 200, 204)
        fetched = scim_client.get(path)
        assert_resource(fetched, "User", scim_schemas)
        tag = _tag(fetched)
        check(_opaque(tag) not in {_opaque(t) for t in seen},
              f"The ETag did not change after a {method}", expected=f"a tag other than {seen}",
              received=tag, response=fetched, requirement="P-3.14-06")  # fmt: skip
        if answer.headers.get("ETag"):
            check(answer.headers["ETag"] == tag, f"The {method} answer's ETag is not current",
                  expected=tag, received=answer.headers["ETag"], response=answer,
                  requirement="P-3.14-06")  # fmt: skip
        seen.append(tag)


@pytest.mark.parametrize("method", ["PUT", "PATCH", "DELETE"])
@requirement("P-3.14-05")
def test_if_match_guards_writes(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas, method: str,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """A write whose If-Match names an outdated version is refused with 412 and changes
    nothing; the same write with the current ETag, exactly as the server sent it, succeeds
    (P-3.14-05)."""
    if method == "PATCH" and not _patch_supported(service_provider_config):
        pytest.skip("ServiceProviderConfig advertises patch.supported=false (RFC 7643 §5)")
    user = create(scim_client, "/Users", user_payload())
    path = f"/Users/{user['id']}"
    stale = _tag(scim_client.get(path))
    assert_status(_change(scim_client, path, user, "PUT"), 200)
    current_response = scim_client.get(path)
    current_body = assert_resource(current_response, "User", scim_schemas)
    current = _tag(current_response)
    refused = _change(scim_client, path, user, method, headers={"If-Match": stale})
    assert_scim_error(refused, 412, requirement="P-3.14-05")
    after = scim_client.get(path)
    assert_status(after, 200, requirement="P-3.14-05")
    shown = assert_resource(after, "User", scim_schemas)
    check(value_of(shown, "title") == value_of(current_body, "title") and _tag(after) == current,
          f"The refused {method} changed the resource", expected=f"version {current}, "
          f"title {value_of(current_body, 'title')!r}",
          received=f"version {_tag(after)}, title {value_of(shown, 'title')!r}", response=after,
          requirement="P-3.14-05")  # fmt: skip
    accepted = _change(scim_client, path, user, method, headers={"If-Match": current})
    assert_status(accepted, *SUCCESS[method], requirement="P-3.14-05")
    if method == "DELETE":
        assert_scim_error(scim_client.get(path), 404, requirement="P-3.14-05")


@requirement("P-3.14-04", "C-3.1-22")
def test_if_none_match_current_answers_304(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """GET with If-None-Match naming the current version answers 304 with an empty body; a
    weak tag matches its strong spelling too (weak comparison, RFC 7232 §2.3.2); another
    version answers 200 with the resource (P-3.14-04, C-3.1-22)."""
    path = f"/Users/{new_user['id']}"
    current = _tag(scim_client.get(path))
    spellings = [current] + ([current[2:]] if current.startswith("W/") else [])
    for spelling in spellings:
        answer = scim_client.get(path, headers={"If-None-Match": spelling})
        assert_status(answer, 304, requirement="P-3.14-04" if spelling == current else "C-3.1-22")
        check(answer.text.strip() == "", "The 304 answer has a body", expected="an empty body",
              received=answer.text[:200], response=answer, requirement="P-3.14-04")  # fmt: skip
    other = scim_client.get(path, headers={"If-None-Match": f'W/"{uuid.uuid4().hex}"'})
    assert_status(other, 200, requirement="P-3.14-04")
    assert_resource(other, "User", scim_schemas)
