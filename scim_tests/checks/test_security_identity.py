"""Security: identifiers never alias one another (RFC 7643 §3.1, §4.1.1, §4.2; RFC 7644 §3.3,
§3.4.1, §3.12).

``id`` is the server's key; ``externalId`` is the client's and only ever compared with itself.
A server that resolves a URL key or an ``id`` filter through externalId lets a client that
provisions a user with ``externalId: "1"`` (or another user's id) act on that other user: Grafana
CVE-2025-41115. Users and Groups share no id space at their endpoints. A create never takes over
an existing resource: a group named like an existing one gets its own id and only the members
sent (authentik GHSA-9m7q-6qg6-888h), a taken userName is a 409 and the holder is unchanged.
"""

from __future__ import annotations

import json
from typing import Any

import pytest

from scim_tests.asserts import assert_scim_error, assert_status, check, json_object, resources_of
from scim_tests.client import ScimClient
from scim_tests.discovery import Spc, feature_supported
from scim_tests.fixtures import create
from scim_tests.groups import member_ids, new_group_of
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, fetch
from scim_tests.resources import value_of

#: externalId values that collide with another resource's id (its own, or a small integer, as
#: an auto-increment primary key would be).
ALIASES = ["another-id", "0", "1"]


@pytest.mark.parametrize("alias", ALIASES)
@requirement("C-3.1-06", "C-3.1-12", "P-3.4.1-01", "P-3.4.2.2-02")
def test_external_id_never_aliases_an_id(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc, alias: str
) -> None:
    """User B whose externalId is user A's id (or "0", "1") never stands for anything else:
    GET /Users/<value> is A (or 404, or a resource with that id), ``id eq "<value>"`` does not
    select B, and PATCH/DELETE of B leave A as it was (Grafana CVE-2025-41115; C-3.1-06,
    C-3.1-12, P-3.4.1-01, P-3.4.2.2-02)."""
    a = create(scim_client, "/Users", user_payload())
    value = a["id"] if alias == "another-id" else alias
    b = create(scim_client, "/Users", user_payload(externalId=value))
    response = scim_client.get(f"/Users/{value}")
    if alias == "another-id":
        assert_status(response, 200, requirement="P-3.4.1-01")
    else:
        assert_status(response, 200, 404, requirement="P-3.4.1-01")
    if response.status_code == 200:
        shown = json_object(response)
        check(shown.get("id") == value, f"GET /Users/{value} answered another resource",
              expected=f"the resource whose id is {value}",
              received=f"id {shown.get('id')} (externalId {value_of(shown, 'externalId')})",
              response=response, requirement=("C-3.1-06", "P-3.4.1-01"))  # fmt: skip
    if feature_supported(service_provider_config, "filter") is not False:
        answer = scim_client.get("/Users", params={"filter": f"id eq {json.dumps(value)}"})
        assert_status(answer, 200, requirement="P-3.4.2.2-02")
        found = [str(r.get("id")) for r in resources_of(json_object(answer))]
        check(b["id"] not in found and all(f == value for f in found),
              f'filter id eq "{value}" selects a resource with another id',
              expected=f"only a resource whose id is {value}", received=found,
              response=answer, requirement=("P-3.4.2.2-02", "C-3.1-12"))  # fmt: skip
    if feature_supported(service_provider_config, "patch") is not False:
        op = {"op": "replace", "path": "title", "value": "Aliased"}
        patched = scim_client.patch(f"/Users/{b['id']}", {"schemas": [PATCH_OP],
                                                           "Operations": [op]})  # fmt: skip
        assert_status(patched, 200, 204, requirement="P-3.5.2-16")
    deleted = scim_client.delete(f"/Users/{b['id']}")
    assert_status(deleted, 204, requirement="P-3.6-05")
    answer = scim_client.get(f"/Users/{a['id']}")
    assert_status(answer, 200, requirement="C-3.1-06")
    shown = fetch(scim_client, f"/Users/{a['id']}", "User")
    check(value_of(shown, "title") == value_of(a, "title")
          and value_of(shown, "userName") == a["userName"],
          "Changing user B changed the user its externalId names",
          expected={"userName": a["userName"], "title": value_of(a, "title")},
          received={"userName": value_of(shown, "userName"), "title": value_of(shown, "title")},
          response=answer, requirement="C-3.1-06")  # fmt: skip


@requirement("P-3.12-10", "C-3.1-05")
def test_ids_never_cross_resource_types(
    scim_client: ScimClient, new_user: dict[str, Any], new_group: dict[str, Any],
    service_provider_config: Spc,
) -> None:  # fmt: skip
    """A Group's id names nothing under /Users and a User's nothing under /Groups: GET,
    PATCH and DELETE there answer 404, and both resources are unchanged (P-3.12-10, C-3.1-05)."""
    crossed = [(f"/Users/{new_group['id']}", "displayName"), (f"/Groups/{new_user['id']}",
                                                              "displayName")]  # fmt: skip
    for path, name in crossed:
        assert_scim_error(scim_client.get(path), 404, requirement="P-3.12-10")
        if feature_supported(service_provider_config, "patch") is not False:
            op = {"op": "replace", "path": name, "value": "Crossed"}
            response = scim_client.patch(path, {"schemas": [PATCH_OP], "Operations": [op]})
            assert_scim_error(response, 404, requirement="P-3.12-10")
        assert_scim_error(scim_client.delete(path), 404, requirement="P-3.12-10")
    group = fetch(scim_client, f"/Groups/{new_group['id']}", "Group")
    user = fetch(scim_client, f"/Users/{new_user['id']}", "User")
    check(value_of(group, "displayName") == new_group["displayName"]
          and value_of(user, "displayName") == value_of(new_user, "displayName"),
          "A request at the other endpoint changed the resource", expected="both unchanged",
          received={"group": value_of(group, "displayName"),
                    "user": value_of(user, "displayName")},
          requirement="P-3.12-10")  # fmt: skip


@requirement("P-3.3-03", "C-4.2-03")
def test_group_named_like_another_takes_nothing_over(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """POST /Groups with an existing group's displayName and member B is refused (409 or 400
    uniqueness) or creates a new group, with its own id and only B; the existing group keeps
    exactly its member A (authentik GHSA-9m7q-6qg6-888h; P-3.3-03, C-4.2-03)."""
    a = create(scim_client, "/Users", user_payload())
    b = create(scim_client, "/Users", user_payload())
    first = new_group_of(scim_client, group_payload, a)
    body = group_payload(displayName=first["displayName"], members=[{"value": b["id"]}])
    response = scim_client.post("/Groups", body)
    if response.status_code in (400, 409):
        assert_scim_error(response, (400, 409), "uniqueness", requirement="P-3.3-07")
    else:
        assert_status(response, 201, requirement="P-3.3-03")
        made = json_object(response)
        check(made.get("id") != first["id"], "A new group took over the group of the same name",
              expected=f"an id other than {first['id']}", received=made.get("id"),
              response=response, requirement="P-3.3-03")  # fmt: skip
        group = fetch(scim_client, f"/Groups/{made['id']}", "Group")
        check(set(member_ids(group)) == {b["id"]}, "The new group has members it was not given",
              expected=[b["id"]], received=member_ids(group), response=response,
              requirement="C-4.2-03")  # fmt: skip
    answer = scim_client.get(f"/Groups/{first['id']}")
    existing = fetch(scim_client, f"/Groups/{first['id']}", "Group")
    check(set(member_ids(existing)) == {a["id"]},
          "Creating a group of the same name changed the existing group's members",
          expected=[a["id"]], received=member_ids(existing), response=answer,
          requirement=("C-4.2-03", "P-3.3-03"))  # fmt: skip


@requirement("P-3.3-07", "C-4.1.1-02")
def test_taken_user_name_leaves_its_holder_unchanged(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """POST /Users with another user's userName is refused (409, or 400 uniqueness, C-7-21)
    and the holder keeps its own attributes (P-3.3-07, C-4.1.1-02): a create never overwrites."""
    holder = create(scim_client, "/Users", user_payload())
    response = scim_client.post("/Users", user_payload(userName=holder["userName"],
                                                       title="Taken over"))  # fmt: skip
    answer = scim_client.get(f"/Users/{holder['id']}")
    shown = fetch(scim_client, f"/Users/{holder['id']}", "User")
    kept = {k: value_of(holder, k) for k in ("title", "displayName", "externalId")}
    now = {k: value_of(shown, k) for k in kept}
    check(now == kept, "A create with a taken userName changed the user holding it",
          expected=kept, received=now, response=answer,
          requirement=("P-3.3-07", "C-4.1.1-02"))  # fmt: skip
    assert_scim_error(response, (409, 400), "uniqueness", requirement="P-3.3-07")
