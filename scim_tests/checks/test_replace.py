"""Replacing resources with PUT (RFC 7644 §3.5.1; RFC 7643 §3.1, §7): 200 with the resource,
values replaced, readOnly and immutable values kept, id stable, 404 for unknown ids,
lastModified moving forward, userName uniqueness."""

from __future__ import annotations

import json
import time
import uuid
from collections.abc import Callable
from datetime import datetime, timezone
from typing import Any

import pytest

from scim_tests.asserts import assert_scim_error, assert_status, check
from scim_tests.client import Ownership, ScimClient
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.resources import (
    ENTERPRISE_SCHEMA,
    USER_SCHEMA,
    SchemaAttribute,
    assert_resource,
    find_key,
    schema_attributes,
    value_of,
)

Payload = Callable[..., dict[str, Any]]
Schemas = dict[str, dict[str, Any]]
UNIQUENESS_STATUS = (409, 400)  # 409 per RFC 7644, 400 tolerated by RFC 7643 (C-7-21)


def _writable(resource: dict[str, Any]) -> dict[str, Any]:
    """A PUT body from a representation: everything but id, meta and groups."""
    return {k: v for k, v in resource.items() if k.lower() not in ("id", "meta", "groups")}


def _emails(body: dict[str, Any]) -> list[str]:
    values = value_of(body, "emails") or []
    return sorted(str(value_of(e, "value")).lower() for e in values if isinstance(e, dict))


@requirement("P-3.5-01", "P-3.5.1-02", "P-3.5.1-08")
def test_put_replaces_values(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """PUT answers 200 with the updated resource; the values it carries replace the stored
    ones, multi-valued attributes included (P-3.5-01, P-3.5.1-02, P-3.5.1-08)."""
    path = f"/Users/{new_user['id']}"
    body = _writable(new_user)
    email = f"replaced-{uuid.uuid4().hex[:8]}@example.com"
    body.update(displayName="Replaced Name", emails=[{"value": email, "type": "home"}])
    response = scim_client.put(path, body)
    assert_status(response, 200, requirement=("P-3.5-01", "P-3.5.1-08"))
    for answer in (response, scim_client.get(path)):
        shown = assert_resource(answer, "User", scim_schemas, requirement="P-3.5.1-08")
        check(shown.get("id") == new_user["id"] and value_of(shown, "displayName") ==
              "Replaced Name", "The PUT's displayName was not stored", expected="Replaced Name",
              received=value_of(shown, "displayName"), response=answer,
              requirement="P-3.5.1-02")  # fmt: skip
        check(_emails(shown) == [email], "PUT did not replace the emails",
              expected=[email], received=_emails(shown), response=answer,
              requirement="P-3.5.1-02")  # fmt: skip


@requirement("P-3.5.1-06", "C-7-13", "C-3.1-14")
def test_put_ignores_read_only_values(
    scim_client: ScimClient, new_user: dict[str, Any], new_group: dict[str, Any],
    scim_schemas: Schemas,
) -> None:  # fmt: skip
    """readOnly values in a PUT (meta, groups) are ignored, not rejected: 200, and meta.created
    and groups keep the server's values (P-3.5.1-06, C-7-13, C-3.1-14)."""
    path = f"/Users/{new_user['id']}"
    body = _writable(new_user)
    body["meta"] = {"created": "2000-01-01T00:00:00Z", "resourceType": "Group"}
    body["groups"] = [{"value": new_group["id"], "display": "client-sent"}]
    response = scim_client.put(path, body)
    assert_status(response, 200, requirement="P-3.5.1-06")
    for answer in (response, scim_client.get(path)):
        shown = assert_resource(answer, "User", scim_schemas)
        check(value_of(shown, "meta.created") == value_of(new_user, "meta.created"),
              "PUT changed meta.created", expected=value_of(new_user, "meta.created"),
              received=value_of(shown, "meta.created"), response=answer,
              requirement=("C-3.1-14", "C-7-13"))  # fmt: skip
        groups = [value_of(g, "value") for g in value_of(shown, "groups") or []
                  if isinstance(g, dict)]  # fmt: skip
        check(new_group["id"] not in groups, "PUT stored a client-sent groups value",
              expected="no membership in the group", received=value_of(shown, "groups"),
              response=answer, requirement=("P-3.5.1-06", "C-7-13"))  # fmt: skip


@requirement("C-3.1-06")
def test_put_keeps_the_id(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """A PUT cannot change the id: an id in the body is ignored and the resource stays at its
    URI (C-3.1-06)."""
    path = f"/Users/{new_user['id']}"
    response = scim_client.put(path, {**_writable(new_user), "id": f"moved-{uuid.uuid4()}"})
    assert_status(response, 200, 400)
    fetched = scim_client.get(path)
    assert_status(fetched, 200, requirement="C-3.1-06")
    for answer in (response, fetched) if response.status_code == 200 else (fetched,):
        shown = assert_resource(answer, "User", scim_schemas)
        check(shown.get("id") == new_user["id"], "PUT changed the id", expected=new_user["id"],
              received=shown.get("id"), response=answer, requirement="C-3.1-06")  # fmt: skip


@requirement("C-7-14", "P-3.5.1-04")
def test_put_cannot_change_immutable_attribute(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """An attribute the server declares immutable keeps its value when a PUT sends another:
    the PUT is refused (400 mutability preferred) or ignores the change (C-7-14, P-3.5.1-04)."""
    immutable: dict[str, Any] = {"mutability": "immutable", "type": "string", "multi_valued": False}
    candidates: list[tuple[str | None, SchemaAttribute]] = [
        (None, a) for a in schema_attributes(scim_schemas, USER_SCHEMA, **immutable)
    ]
    candidates += [
        (ENTERPRISE_SCHEMA, a)
        for a in schema_attributes(scim_schemas, ENTERPRISE_SCHEMA, **immutable)
    ]
    if not candidates:
        pytest.skip("/Schemas declares no single-valued string User attribute immutable")
    urn, attribute = candidates[0]
    original, changed = f"first-{uuid.uuid4().hex[:8]}", f"second-{uuid.uuid4().hex[:8]}"

    def with_value(body: dict[str, Any], value: str) -> dict[str, Any]:
        if urn is None:
            return {**body, attribute.name: value}
        return {**body, "schemas": [USER_SCHEMA, urn], urn: {attribute.name: value}}

    body = with_value(user_payload(), original)
    created = create(scim_client, "/Users", body)
    response = scim_client.put(f"/Users/{created['id']}", with_value(body, changed))
    if response.status_code == 400:
        assert_scim_error(response, 400)
    else:
        assert_status(response, 200, 400, requirement="C-7-14")
    fetched = scim_client.get(f"/Users/{created['id']}")
    assert_status(fetched, 200)
    shown = assert_resource(fetched, "User", scim_schemas)
    where = f"{urn}:{attribute.name}" if urn else attribute.name
    holder = shown if urn is None else shown.get(find_key(shown, urn) or "", {})
    value = value_of(holder, attribute.name) if isinstance(holder, dict) else None
    check(value == original, f"PUT changed the immutable attribute {where}", expected=original,
          received=value, response=fetched, requirement="C-7-14")  # fmt: skip


@requirement("P-3.5.1-01")
def test_put_to_unknown_id_is_404(
    scim_client: ScimClient, user_payload: Payload, scim_ownership: Ownership
) -> None:
    """PUT never creates: a PUT to an id nobody holds answers 404 and creates nothing
    (P-3.5.1-01)."""
    path = f"/Users/{scim_ownership.probe_id()}"
    response = scim_client.put(path, user_payload())
    assert_scim_error(response, 404, requirement="P-3.5.1-01")
    assert_scim_error(scim_client.get(path), 404, requirement="P-3.5.1-01")


def _comparable(value: Any) -> Any:
    """Keys lower-cased, multi-valued values in a stable order, meta.version/lastModified out."""
    if isinstance(value, dict):
        result = {str(k).lower(): _comparable(v) for k, v in value.items()}
        if isinstance(result.get("meta"), dict):
            result["meta"] = {k: v for k, v in result["meta"].items()
                              if k not in ("version", "lastmodified")}  # fmt: skip
        return result
    if isinstance(value, list):
        return sorted((_comparable(v) for v in value), key=lambda v: json.dumps(v, sort_keys=True))
    return value


@requirement("P-3.1-03", "P-3.5.1-08")
def test_put_response_matches_a_later_get(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """The resource a PUT returns is the resource as stored: a GET right after shows the same
    (meta.version and lastModified aside) (P-3.1-03, P-3.5.1-08)."""
    path = f"/Users/{new_user['id']}"
    response = scim_client.put(path, {**_writable(new_user), "title": "Replaced title"})
    assert_status(response, 200, requirement="P-3.5.1-08")
    put_body = assert_resource(response, "User", scim_schemas)
    fetched = scim_client.get(path)
    got = assert_resource(fetched, "User", scim_schemas)
    differing = sorted(k for k in set(_comparable(put_body)) | set(_comparable(got))
                       if _comparable(put_body).get(k) != _comparable(got).get(k))  # fmt: skip
    check(not differing, "The PUT response differs from the stored resource",
          expected="the same representation as GET", received=f"differs in {differing}",
          response=fetched, requirement="P-3.1-03")  # fmt: skip


@requirement("C-3.1-18")
def test_put_moves_last_modified_forward(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """A PUT that changes the resource moves meta.lastModified forward, to the time of the
    change: a PUT sent 1.1 s after the user was read moves it by at least half that, which
    leaves room for whole-second timestamps (C-3.1-18)."""
    before = str(value_of(new_user, "meta.lastModified"))
    time.sleep(1.1)  # the clock must move on by more than a timestamp's granularity
    path = f"/Users/{new_user['id']}"
    response = scim_client.put(path, {**_writable(new_user), "title": f"T {uuid.uuid4().hex}"})
    assert_status(response, 200)
    shown = assert_resource(scim_client.get(path), "User", scim_schemas)
    after = value_of(shown, "meta.lastModified")
    check(_instant(after) > _instant(before), "lastModified did not move forward",
          expected=f"later than {before}", received=after, response=response,
          requirement="C-3.1-18")  # fmt: skip
    check(_instant(after) - _instant(before) >= 0.55, "lastModified is not the time of the "
          "change", expected=f"at least 0.55 s after {before} (the PUT came 1.1 s later)",
          received=after, response=response, requirement="C-3.1-18")  # fmt: skip


def _instant(value: Any) -> float:
    text = str(value).replace("Z", "+00:00")
    try:
        moment = datetime.fromisoformat(text if "." not in text else _trim(text))
    except ValueError:
        return float("-inf")
    return (moment if moment.tzinfo else moment.replace(tzinfo=timezone.utc)).timestamp()


def _trim(text: str) -> str:
    """Python 3.10's fromisoformat takes 3 or 6 fraction digits; pad or cut to 6."""
    head, _, rest = text.partition(".")
    digits = "".join(c for c in rest if c.isdigit())
    return f"{head}.{(digits + '000000')[:6]}{rest[len(digits) :]}"


@requirement("P-3.12-17", "C-4.1.1-02", "C-7-21")
def test_put_to_a_taken_user_name_is_refused(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """A PUT giving a User another User's userName is refused: 409 (400 tolerated) with
    scimType uniqueness, and the userName is unchanged (P-3.12-17, C-4.1.1-02, C-7-21)."""
    first = create(scim_client, "/Users", user_payload())
    second = create(scim_client, "/Users", user_payload())
    path = f"/Users/{second['id']}"
    response = scim_client.put(path, {**_writable(second), "userName": first["userName"]})
    assert_scim_error(response, UNIQUENESS_STATUS, "uniqueness", requirement="P-3.12-17")
    shown = assert_resource(scim_client.get(path), "User", scim_schemas)
    check(value_of(shown, "userName") == second["userName"], "The refused PUT changed userName",
          expected=second["userName"], received=value_of(shown, "userName"),
          requirement="C-4.1.1-02")  # fmt: skip


@requirement("P-3.5.1-07", "C-4.1.1-01")
def test_put_without_user_name_keeps_one(
    scim_client: ScimClient, new_user: dict[str, Any], scim_schemas: Schemas
) -> None:
    """A PUT without the required userName never leaves the User without one: it is refused
    (400) or the stored userName stays (P-3.5.1-07, C-4.1.1-01)."""
    path = f"/Users/{new_user['id']}"
    body = {k: v for k, v in _writable(new_user).items() if k.lower() != "username"}
    response = scim_client.put(path, body)
    if response.status_code >= 400:
        assert_scim_error(response, 400, requirement="P-3.5.1-07")
    fetched = scim_client.get(path)
    shown = assert_resource(fetched, "User", scim_schemas)
    check(value_of(shown, "userName"), "The User was left without a userName",
          expected=new_user["userName"], received=value_of(shown, "userName"),
          response=fetched, requirement="P-3.5.1-07")  # fmt: skip
