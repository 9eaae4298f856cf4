"""Security: readOnly attributes cannot be written through PATCH, Bulk or another resource's PUT
(RFC 7643 §3.1, §4.1.2, §7; RFC 7644 §3.3, §3.5.1, §3.5.2, §3.7).

A client that can write ``id``, ``meta`` or ``User.groups`` can forge audit data, move a
record onto another one's identifier or grant itself group memberships (which is how group
based access is usually granted downstream). The single-request POST and PUT cases, and PATCH on
``id``/``meta.created``/``groups`` by path, are checked in test_create, test_replace,
test_groups and test_patch_cases; this module covers what they leave out: PATCH on every other
``meta`` sub-attribute and path-less PATCH values, the same writes through /Bulk, and a PUT whose
body carries another resource's id. Each verifies with an authenticated GET that nothing
changed: ignoring such values on POST/PUT is the RFC's answer (P-3.3-01, P-3.5.1-06), an
error is PATCH's (P-3.5.2-08).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from scim_tests.asserts import assert_scim_error, assert_status, assert_valid, check, json_object
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.fixtures import create
from scim_tests.groups import member_ids, user_group_ids
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, fetch, replacement
from scim_tests.resources import value_of

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
#: A value no server assigns: dates of its records are not this old.
FORGED_DATE = "2000-01-01T00:00:00Z"
#: What each meta sub-attribute is forged to (a value the server never holds).
FORGED_META = {
    "lastModified": FORGED_DATE,
    "resourceType": "Group",
    "location": "https://forged.invalid/Users/forged",
    "version": 'W/"forged"',
}


def _bulk(client: ScimClient, *operations: dict[str, Any]) -> list[dict[str, Any]]:
    """POST /Bulk (200 with a BulkResponse, P-3.7-07); the results in order."""
    __tracebackhide__ = True
    response = client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": list(operations)})
    assert_status(response, 200, requirement="P-3.7-07")
    body = json_object(response, requirement="P-3.7-02")
    assert_valid(body, "BulkResponse", response=response, requirement="P-3.7-02")
    return [r for r in body.get("Operations") or [] if isinstance(r, dict)]


def _status(result: dict[str, Any]) -> int | None:
    """A bulk result's status ("201" or {"code": 201})."""
    status = result.get("status")
    if isinstance(status, dict):
        status = status.get("code")
    try:
        return int(str(status))
    except ValueError:
        return None


def _result_id(result: dict[str, Any]) -> str | None:
    location = result.get("location")
    return location.rstrip("/").rsplit("/", 1)[-1] if isinstance(location, str) else None


def _check_meta(shown: dict[str, Any], sent: dict[str, Any], response: ScimResponse,
                requirement: Any) -> None:  # fmt: skip
    """No forged meta value in ``shown``."""
    __tracebackhide__ = True
    forged = {k: v for k, v in sent.items() if value_of(shown, f"meta.{k}") == v}
    check(not forged, "A client-sent meta value was stored", expected="the server's meta values",
          received=f"meta {forged}", response=response, requirement=requirement)  # fmt: skip


@pytest.mark.scim_feature("patch")
@pytest.mark.parametrize("name", sorted(FORGED_META))
@requirement("P-3.5.2-08", "C-7-13", "C-3.1-14")
def test_patch_cannot_write_meta_sub_attribute(
    scim_client: ScimClient, new_user: dict[str, Any], name: str
) -> None:
    """PATCH replace on meta.<name> is refused with 400 mutability and a GET shows the
    server's value (P-3.5.2-08, C-7-13, C-3.1-14): forged lastModified/version values defeat
    audit trails and If-Match."""
    path = f"/Users/{new_user['id']}"
    op = {"op": "replace", "path": f"meta.{name}", "value": FORGED_META[name]}
    response = scim_client.patch(path, {"schemas": [PATCH_OP], "Operations": [op]})
    assert_scim_error(response, 400, "mutability", requirement="P-3.5.2-08")
    shown, answer = fetch(scim_client, path, "User"), scim_client.get(path)
    _check_meta(shown, {name: FORGED_META[name]}, answer, ("C-7-13", "C-3.1-14"))


@pytest.mark.scim_feature("patch")
@requirement("C-7-13", "C-3.1-14", "C-3.1-06", "P-3.5.2-08")
def test_pathless_patch_cannot_write_id_or_meta(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """A path-less PATCH replace whose value holds id and meta is refused (400) or leaves
    them alone; either way a GET shows the same id and the server's meta.created, and the
    forged id names nothing (C-7-13, C-3.1-14, C-3.1-06, P-3.5.2-08)."""
    path, forged_id = f"/Users/{new_user['id']}", f"forged-{uuid.uuid4()}"
    value = {"id": forged_id, "meta": {"created": FORGED_DATE}, "title": "Forged"}
    body = {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "value": value}]}
    response = scim_client.patch(path, body)
    assert_status(response, 200, 204, 400, requirement="P-3.5.2-08")
    if response.status_code == 400:
        assert_scim_error(response, 400)
    answer = scim_client.get(path)
    assert_status(answer, 200, requirement="C-3.1-06")
    shown = fetch(scim_client, path, "User")
    check(shown.get("id") == new_user["id"], "A PATCH value changed the id",
          expected=new_user["id"], received=shown.get("id"), response=answer,
          requirement="C-3.1-06")  # fmt: skip
    _check_meta(shown, {"created": FORGED_DATE}, answer, ("C-7-13", "C-3.1-14"))
    probe = scim_client.get(f"/Users/{forged_id}")
    check(probe.status_code == 404, "The forged id names a resource after a PATCH",
          expected="404", received=probe.status_code, response=probe,
          requirement="C-3.1-06")  # fmt: skip


@pytest.mark.scim_feature("bulk")
@requirement("P-3.3-01", "C-3.1-07", "C-3.1-14", "C-4.1.2-05", "C-7-13")
def test_bulk_post_ignores_read_only_values(
    scim_client: ScimClient, user_payload: Payload, new_group: dict[str, Any]
) -> None:
    """A /Bulk POST whose data carries id, meta and groups creates the user with a server id
    and meta and without the membership (P-3.3-01, C-3.1-07, C-3.1-14, C-4.1.2-05, C-7-13):
    /Bulk is the same create, and a membership granted through it is a privilege escalation."""
    forged_id = f"forged-{uuid.uuid4()}"
    data = user_payload(id=forged_id, meta={"created": FORGED_DATE, "resourceType": "Group"},
                        groups=[{"value": new_group["id"], "display": "forged"}])  # fmt: skip
    results = _bulk(scim_client, {"method": "POST", "path": "/Users", "bulkId": "u1",
                                  "data": data})  # fmt: skip
    result = results[0] if results else {}
    created = _result_id(result)
    check(_status(result) == 201 and created, "The bulk POST did not create the user",
          expected="status 201 with a location", received=result, requirement="P-3.7.3-02",
          blocked=True)  # fmt: skip
    path = f"/Users/{created}"
    answer = scim_client.get(path)
    user = fetch(scim_client, path, "User")
    check(user.get("id") != forged_id, "A bulk POST kept the client-sent id",
          expected="a server-assigned id", received=user.get("id"), response=answer,
          requirement=("C-3.1-07", "P-3.3-01"))  # fmt: skip
    _check_meta(user, {"created": FORGED_DATE, "resourceType": "Group"}, answer,
                ("C-3.1-14", "P-3.3-01"))  # fmt: skip
    group = fetch(scim_client, f"/Groups/{new_group['id']}", "Group")
    granted = new_group["id"] in user_group_ids(user) or created in member_ids(group)
    check(not granted, "A bulk POST stored a client-sent groups value",
          expected="no membership in the group", received=value_of(user, "groups"),
          response=answer, requirement=("C-4.1.2-05", "C-7-13"))  # fmt: skip


@pytest.mark.scim_feature("bulk")
@requirement("P-3.5.1-06", "C-3.1-06", "C-4.1.2-05", "C-7-13")
def test_bulk_put_ignores_read_only_values(
    scim_client: ScimClient, user_payload: Payload, new_group: dict[str, Any]
) -> None:
    """A /Bulk PUT of user B whose data names user A's id, a forged meta.created and a group
    changes B only: A keeps its userName, B its id, meta.created and (no) memberships
    (P-3.5.1-06, C-3.1-06, C-4.1.2-05, C-7-13)."""
    a = create(scim_client, "/Users", user_payload())
    b = create(scim_client, "/Users", user_payload())
    renamed = user_payload()["userName"]
    data = replacement(b, userName=renamed, id=a["id"], meta={"created": FORGED_DATE},
                       groups=[{"value": new_group["id"]}])  # fmt: skip
    results = _bulk(scim_client, {"method": "PUT", "path": f"/Users/{b['id']}", "data": data})
    result = results[0] if results else {}
    check(_status(result) == 200, "The bulk PUT did not succeed", expected="status 200",
          received=result, requirement="P-3.5.1-06")  # fmt: skip
    answer_a = scim_client.get(f"/Users/{a['id']}")
    shown_a = fetch(scim_client, f"/Users/{a['id']}", "User")
    check(value_of(shown_a, "userName") == a["userName"],
          "A bulk PUT of one user changed the user its body's id names",
          expected=a["userName"], received=value_of(shown_a, "userName"), response=answer_a,
          requirement=("C-7-13", "C-3.1-06"))  # fmt: skip
    answer = scim_client.get(f"/Users/{b['id']}")
    shown = fetch(scim_client, f"/Users/{b['id']}", "User")
    _check_meta(shown, {"created": FORGED_DATE}, answer, ("P-3.5.1-06", "C-7-13"))
    group = fetch(scim_client, f"/Groups/{new_group['id']}", "Group")
    granted = new_group["id"] in user_group_ids(shown) or b["id"] in member_ids(group)
    check(not granted, "A bulk PUT stored a client-sent groups value",
          expected="no membership in the group", received=value_of(shown, "groups"),
          response=answer, requirement=("C-4.1.2-05", "P-3.5.1-06"))  # fmt: skip


@pytest.mark.scim_feature("bulk")
@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2-08", "C-7-13", "C-3.1-14")
def test_bulk_patch_cannot_write_meta(scim_client: ScimClient, new_user: dict[str, Any]) -> None:
    """A /Bulk PATCH replacing meta.created fails that operation with 400 and a GET shows the
    server's meta.created (P-3.5.2-08, C-7-13, C-3.1-14)."""
    path = f"/Users/{new_user['id']}"
    op = {"op": "replace", "path": "meta.created", "value": FORGED_DATE}
    data = {"schemas": [PATCH_OP], "Operations": [op]}
    results = _bulk(scim_client, {"method": "PATCH", "path": path, "data": data})
    result = results[0] if results else {}
    check(_status(result) == 400, "A bulk PATCH of meta.created was not refused",
          expected="status 400 (mutability)", received=result,
          requirement="P-3.5.2-08")  # fmt: skip
    answer = scim_client.get(path)
    _check_meta(fetch(scim_client, path, "User"), {"created": FORGED_DATE}, answer,
                ("C-7-13", "C-3.1-14"))  # fmt: skip


@requirement("P-3.5.1-06", "C-7-13", "C-3.1-06")
def test_put_naming_another_id_changes_only_its_target(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """PUT /Users/{B} with a body whose id is A's replaces B (the URL names the target) or is
    refused; A keeps its userName and B its id (P-3.5.1-06, C-7-13, C-3.1-06)."""
    a = create(scim_client, "/Users", user_payload())
    b = create(scim_client, "/Users", user_payload())
    renamed = user_payload()["userName"]
    response = scim_client.put(f"/Users/{b['id']}",
                               replacement(b, userName=renamed, id=a["id"]))  # fmt: skip
    assert_status(response, 200, 400, requirement="P-3.5.1-06")
    answer = scim_client.get(f"/Users/{a['id']}")
    shown = fetch(scim_client, f"/Users/{a['id']}", "User")
    check(value_of(shown, "userName") == a["userName"] and shown.get("id") == a["id"],
          "A PUT of one user changed the user its body's id names",
          expected=f"{a['id']} keeps {a['userName']}",
          received=f"{shown.get('id')} {value_of(shown, 'userName')}", response=answer,
          requirement=("C-7-13", "C-3.1-06"))  # fmt: skip
    mine = scim_client.get(f"/Users/{b['id']}")
    assert_status(mine, 200, requirement="C-3.1-06")
