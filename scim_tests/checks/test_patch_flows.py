"""PATCH answers and envelopes (RFC 7644 §3.5.2, §3.1, §3.12); the operation matrix itself is
data (test_patch_cases.py, fixtures/patch/*.json).

A successful PATCH answers 200 with the resource or 204; a 200 body shows the resource as a GET
then does, and ``attributes`` on the request asks for a 200 body. Refusals: an unknown id is a
404, a body that is not a PatchOp message is a 400 invalidSyntax (or is accepted leniently), op
names in another case are applied as that op or refused, and an add that changes nothing does
not touch meta.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_tests.asserts import (
    assert_scim_error,
    assert_status,
    assert_valid,
    check,
    json_object,
)
from scim_tests.client import ScimClient
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, fetch, patch_ops
from scim_tests.resources import attribute, equivalent

pytestmark = pytest.mark.scim_feature("patch")
VOLATILE = ("lastModified", "version")


def message(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp message of ``operations``."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def without_volatile_meta(resource: dict[str, Any]) -> dict[str, Any]:
    """``resource`` without meta.lastModified and meta.version."""
    result = dict(resource)
    meta = attribute(result, "meta")
    if isinstance(meta, dict):
        result["meta"] = {k: v for k, v in meta.items() if k not in VOLATILE}
    return result


def differences(left: dict[str, Any], right: dict[str, Any]) -> list[str]:
    """Top-level attribute names whose values differ (names compared case-insensitively,
    values as the RFCs compare them: null as unassigned, multi-valued values in any order)."""
    names = {k.lower() for k in (*left, *right)}
    return sorted(n for n in names if not equivalent(attribute(left, n), attribute(right, n)))


@requirement("P-3.5.2-16")
def test_patch_answers_200_with_the_resource_or_204(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """A successful PATCH answers either 200 with the whole resource (its id, valid) or 204
    with no body; both are conforming (P-3.5.2-16)."""
    path = f"/Users/{new_user['id']}"
    response = scim_client.patch(path, message({"op": "replace", "path": "nickName",
                                                "value": "patched"}))  # fmt: skip
    assert_status(response, 200, 204, requirement="P-3.5.2-16")
    if response.status_code == 204:
        check(not response.text.strip(), "A 204 answer to PATCH carries a body",
              expected="no body", received=response.text[:200], response=response,
              requirement="P-3.5.2-16")  # fmt: skip
        return
    body = json_object(response, requirement="P-3.5.2-16")
    assert_valid(body, "User", response=response, requirement="P-3.5.2-16")
    check(body.get("id") == new_user["id"] and attribute(body, "nickName") == "patched",
          "A 200 answer to PATCH does not carry the patched resource",
          expected=f"id {new_user['id']} with nickName 'patched'",
          received=f"id {body.get('id')} nickName {attribute(body, 'nickName')!r}",
          response=response, requirement="P-3.5.2-16")  # fmt: skip


@requirement("P-3.1-03", "P-3.5.2-16")
def test_patch_200_body_equals_a_subsequent_get(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """When a PATCH answers 200, its body is the resource as stored: a GET right after shows
    the same attributes (meta.lastModified and meta.version aside). A 204 has no body to
    compare (P-3.1-03, P-3.5.2-16)."""
    user = create(scim_client, "/Users", user_payload())
    path = f"/Users/{user['id']}"
    response = scim_client.patch(path, message(
        {"op": "replace", "path": "title", "value": "patched"},
        {"op": "add", "path": "emails", "value": [
            {"value": f"second.{user['userName']}", "type": "home"}]}))  # fmt: skip
    assert_status(response, 200, 204, requirement="P-3.5.2-16")
    if response.status_code == 204:
        return
    body = json_object(response, requirement="P-3.1-03")
    assert_valid(body, "User", response=response, requirement="P-3.1-03")
    stored = fetch(scim_client, path, "User", requirement="P-3.1-03")
    changed = differences(without_volatile_meta(body), without_volatile_meta(stored))
    check(not changed, "The 200 body of a PATCH differs from a GET of the resource right after",
          expected="the same attributes", received=f"different: {', '.join(changed)}",
          response=response, requirement="P-3.1-03")  # fmt: skip


@requirement("P-3.5.2-17")
def test_patch_with_attributes_answers_200_with_them(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """A PATCH with ?attributes=userName answers 200 with a body holding id and userName and
    no default attribute that was not asked for, such as title (P-3.5.2-17)."""
    response = scim_client.patch(f"/Users/{new_user['id']}", message(
        {"op": "replace", "path": "title", "value": "patched"}),
        params={"attributes": "userName"})  # fmt: skip
    assert_status(response, 200, requirement="P-3.5.2-17")
    body = json_object(response, requirement="P-3.5.2-17")
    assert_valid(body, "User", response=response, requirement="P-3.5.2-17")
    check(body.get("id") == new_user["id"] and attribute(body, "userName") is not None
          and attribute(body, "title") is None,
          "The 200 body of a PATCH with attributes=userName is not that projection",
          expected="id and userName, without title", received=sorted(body),
          response=response, requirement="P-3.5.2-17")  # fmt: skip


@requirement("P-3.12-10")
def test_patch_of_an_unknown_id_is_404(scim_client: ScimClient, scim_ownership: Any) -> None:
    """A PATCH of a User id that does not exist is a 404 SCIM Error (P-3.12-10)."""
    response = scim_client.patch(
        f"/Users/{scim_ownership.probe_id()}",
        message({"op": "replace", "path": "nickName", "value": "x"}),
    )
    assert_scim_error(response, 404, requirement="P-3.12-10")


@pytest.mark.parametrize(
    "schemas",
    [None, ["urn:ietf:params:scim:api:messages:2.0:SearchRequest"]],
    ids=["no-schemas", "wrong-urn"],
)
@requirement("P-3.5.2-03", "P-3.12-19")
def test_patch_without_the_patchop_schema(
    scim_client: ScimClient, new_user: dict[str, Any], schemas: list[str] | None
) -> None:
    """A PATCH body that does not list the PatchOp URN in schemas is either refused with 400
    invalidSyntax or accepted leniently (200/204, the change applied); never anything else
    (P-3.5.2-03, P-3.12-19)."""
    body: dict[str, Any] = {"Operations": [{"op": "replace", "path": "nickName", "value": "lax"}]}
    if schemas is not None:
        body["schemas"] = schemas
    path = f"/Users/{new_user['id']}"
    response = scim_client.patch(path, body)
    assert_status(response, 200, 204, 400, requirement="P-3.5.2-03")
    if response.status_code == 400:
        assert_scim_error(response, 400, "invalidSyntax", requirement="P-3.5.2-03")
        return
    user = fetch(scim_client, path, "User", requirement="P-3.5.2-03")
    check(attribute(user, "nickName") == "lax", "A PATCH accepted without the PatchOp schema "
          "was not applied", expected="nickName 'lax'", received=attribute(user, "nickName"),
          requirement="P-3.5.2-03")  # fmt: skip


@requirement("P-3.5.2-02")
def test_patch_op_names_in_another_case_are_applied_or_refused(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """Op names other than add, remove and replace are refused; a server may read "Add",
    "REPLACE" and "Remove" (as some clients send them) as those ops. Either way nothing is
    silently skipped: a 400 leaves the user unchanged, a 200/204 applies all three
    (P-3.5.2-02)."""
    user = create(scim_client, "/Users", user_payload(nickName="old", title="clerk"))
    path = f"/Users/{user['id']}"
    before = fetch(scim_client, path, "User")
    response = scim_client.patch(path, message(
        {"op": "Add", "path": "displayName", "value": "Added"},
        {"op": "REPLACE", "path": "nickName", "value": "replaced"},
        {"op": "Remove", "path": "title"}))  # fmt: skip
    assert_status(response, 200, 204, 400, requirement="P-3.5.2-02")
    after = fetch(scim_client, path, "User", requirement="P-3.5.2-02")
    if response.status_code == 400:
        assert_scim_error(response, 400, requirement="P-3.5.2-02")
        check(
            after == before,
            "A refused PATCH changed the user",
            expected="no change",
            received=f"changed: {differences(before, after)}",
            requirement="P-3.5.2-14",
        )
        return
    found = {n: attribute(after, n) for n in ("displayName", "nickName", "title")}
    check(found == {"displayName": "Added", "nickName": "replaced", "title": None},
          "Operations with capitalised op names were accepted but not all applied",
          expected={"displayName": "Added", "nickName": "replaced", "title": None},
          received=found, response=response, requirement="P-3.5.2-02")  # fmt: skip


@requirement("P-3.5.2.1-08", "P-3.5.2.1-07")
def test_add_that_changes_nothing_keeps_meta(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """Adding an email exactly as the user already has it succeeds and changes nothing,
    meta.lastModified (and meta.version, when given) included (P-3.5.2.1-08, P-3.5.2.1-07)."""
    user = create(scim_client, "/Users", user_payload())
    path = f"/Users/{user['id']}"
    before = fetch(scim_client, path, "User")
    emails = attribute(before, "emails")
    response = scim_client.patch(path, message({"op": "add", "path": "emails",
                                                "value": emails[:1]}))  # fmt: skip
    assert_status(response, 200, 204, requirement="P-3.5.2.1-07")
    after = fetch(scim_client, path, "User", requirement="P-3.5.2.1-08")
    check(attribute(after, "emails") == emails, "Adding an email the user already has changed "
          "its emails", expected=emails, received=attribute(after, "emails"),
          requirement="P-3.5.2.1-07")  # fmt: skip
    meta = (attribute(before, "meta") or {}, attribute(after, "meta") or {})
    stamps = [{k: m.get(k) for k in VOLATILE} for m in meta]
    check(stamps[0] == stamps[1], "An add that changed nothing touched meta",
          expected=stamps[0], received=stamps[1], requirement="P-3.5.2.1-08")  # fmt: skip


@requirement("P-3.5.2.3-07")
def test_replace_with_a_value_filter_replaces_every_match(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """A replace at emails[type eq "work"] with a whole value, on a user with two work emails
    and a home one, replaces both matches: neither old work address is left, every work email
    is the new one, the home email is kept (P-3.5.2.3-07). Whether the two replaced matches stay
    two equal values or become one is not judged."""
    body = user_payload()
    local = body["userName"].split("@", 1)[0]
    old = [f"{local}.w1@example.com", f"{local}.w2@example.com"]
    home, new = f"{local}.h@example.com", f"{local}.new@example.com"
    body["emails"] = [{"value": old[0], "type": "work"}, {"value": home, "type": "home"},
                      {"value": old[1], "type": "work"}]  # fmt: skip
    user = create(scim_client, "/Users", body)
    after = patch_ops(scim_client, f"/Users/{user['id']}", "User",
                      {"op": "replace", "path": 'emails[type eq "work"]',
                       "value": {"value": new, "type": "work"}},
                      requirement="P-3.5.2.3-07")  # fmt: skip
    emails = [e for e in attribute(after, "emails") or [] if isinstance(e, dict)]
    found = [(str(e.get("type")).lower(), str(e.get("value")).lower()) for e in emails]
    work = {value for kind, value in found if kind == "work"}
    check(work == {new} and ("home", home) in found,
          "A replace with a value filter did not replace every matching value",
          expected=f"work emails only {new}, home {home} kept",
          received=[f"{kind} {value}" for kind, value in found],
          requirement="P-3.5.2.3-07")  # fmt: skip


@requirement("P-3.5.2-07", "P-3.4.2.2-16")
def test_value_filter_strings_may_hold_spaces(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """A PATCH path whose value filter compares with a string holding a space,
    emails[display eq "Work mail"].value, is a valid path: the matching email gets the new
    value (P-3.5.2-07; filter strings are JSON strings, P-3.4.2.2-16). Skipped when the
    server does not keep emails[].display."""
    body = user_payload()
    local = body["userName"].split("@", 1)[0]
    old, new = f"{local}.old@example.com", f"{local}.new@example.com"
    body["emails"] = [{"value": old, "type": "work", "display": "Work mail"}]
    user = create(scim_client, "/Users", body)
    before = fetch(scim_client, f"/Users/{user['id']}", "User")
    shown = [e.get("display") for e in attribute(before, "emails") or [] if isinstance(e, dict)]
    if shown != ["Work mail"]:
        pytest.skip(f"the server does not keep emails[].display as given ({shown})")
    after = patch_ops(scim_client, f"/Users/{user['id']}", "User",
                      {"op": "replace", "path": 'emails[display eq "Work mail"].value',
                       "value": new}, requirement="P-3.5.2-07")  # fmt: skip
    values = [str(e.get("value")).lower() for e in attribute(after, "emails") or []
              if isinstance(e, dict)]  # fmt: skip
    check(values == [new], "A value filter with a space in its string did not select the email",
          expected=[new], received=values, requirement="P-3.5.2-07")  # fmt: skip
