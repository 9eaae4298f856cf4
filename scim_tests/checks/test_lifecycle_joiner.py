"""Joiner: a new user is created, found and added to groups (RFC 7643 §4.1.2, §4.2;
RFC 7644 §3.4.2.2, §3.5.1, §3.5.2.1).
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_tests.asserts import assert_list_response, assert_status, assert_valid, check
from scim_tests.client import ScimClient
from scim_tests.discovery import feature_supported
from scim_tests.groups import check_members, member_ids, new_group_of, new_users, user_group_ids
from scim_tests.markers import requirement
from scim_tests.operations import Payload, fetch, patch_ops, put_resource, read, replacement
from scim_tests.resources import attribute


def add_member(
    client: ScimClient,
    group: dict[str, Any],
    user: dict[str, Any],
    spc: dict[str, Any] | None,
    requirement: str,
) -> None:
    """Add ``user`` to ``group``: PATCH add when PATCH is offered, otherwise PUT the whole list."""
    __tracebackhide__ = True
    path = f"/Groups/{group['id']}"
    if feature_supported(spc, "patch") is not False:
        patch_ops(client, path, "Group",
                  {"op": "add", "path": "members", "value": [{"value": user["id"]}]},
                  requirement=requirement)  # fmt: skip
        return
    current = fetch(client, path, "Group")
    members = [{"value": v} for v in member_ids(current)] + [{"value": user["id"]}]
    put_resource(client, path, "Group", replacement(current, members=members), requirement)


@pytest.mark.scim_feature("filter")
@requirement("P-3.4.2.2-05", "P-3.4.2.2-02")
def test_joiner_is_found_by_user_name_filter(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """Right after creation, filter=userName eq "<name>" returns exactly the new user
    (P-3.4.2.2-05, P-3.4.2.2-02)."""
    response = scim_client.get("/Users", params={"filter": f'userName eq "{new_user["userName"]}"'})
    body = assert_list_response(response, requirement="P-3.4.2.2-05")
    resources = body.get("Resources") or []
    ids = [r.get("id") for r in resources if isinstance(r, dict)]
    check(body.get("totalResults") == 1 and ids == [new_user["id"]],
          "A userName eq filter does not return exactly the new user",
          expected=f"totalResults 1, Resources [{new_user['id']}]",
          received=f"totalResults {body.get('totalResults')}, Resources {ids}",
          response=response, requirement="P-3.4.2.2-05")  # fmt: skip
    assert_valid(resources[0], "User", response=response, requirement="P-3.4.2.2-05")


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.1-05", "C-4.2-03", "C-4.1.2-04")
def test_joiner_added_by_patch_joins_the_existing_members(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """PATCH add members appends the joiner and keeps the members already there; the joiner's
    groups lists the group when the server returns groups (P-3.5.2.1-05, C-4.2-03,
    C-4.1.2-04)."""
    veteran, joiner = new_users(scim_client, user_payload, 2)
    group = new_group_of(scim_client, group_payload, veteran)
    patch_ops(scim_client, f"/Groups/{group['id']}", "Group",
              {"op": "add", "path": "members", "value": [{"value": joiner["id"]}]},
              requirement="P-3.5.2.1-05")  # fmt: skip
    check_members(
        scim_client,
        group["id"],
        {veteran["id"], joiner["id"]},
        "PATCH add members did not append the joiner to the existing members",
        "P-3.5.2.1-05",
    )
    _check_listed(scim_client, joiner["id"], veteran["id"], group["id"])


@requirement("P-3.5.1-02", "C-4.2-03", "C-4.1.2-04")
def test_joiner_added_by_put_appears_in_members(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """PUT of the group with the joiner added to members makes it a member beside the others
    (P-3.5.1-02, C-4.2-03, C-4.1.2-04)."""
    veteran, joiner = new_users(scim_client, user_payload, 2)
    group = new_group_of(scim_client, group_payload, veteran)
    members = [{"value": veteran["id"]}, {"value": joiner["id"]}]
    put_resource(scim_client, f"/Groups/{group['id']}", "Group",
                 replacement(group, members=members), "P-3.5.1-02")  # fmt: skip
    check_members(
        scim_client,
        group["id"],
        {veteran["id"], joiner["id"]},
        "PUT with a new member list did not make the joiner a member",
        "P-3.5.1-02",
    )
    _check_listed(scim_client, joiner["id"], veteran["id"], group["id"])


def _check_listed(client: ScimClient, joiner_id: str, veteran_id: str, group_id: str) -> None:
    """When the veteran's groups shows the group (the server keeps groups), the joiner's must."""
    __tracebackhide__ = True
    if group_id not in user_group_ids(fetch(client, f"/Users/{veteran_id}", "User")):
        return
    user, response = read(client, f"/Users/{joiner_id}", "User")
    check(group_id in user_group_ids(user), "The joiner's groups does not list its new group",
          expected=f"groups[].value contains {group_id}", received=user_group_ids(user),
          response=response, requirement="C-4.1.2-04")  # fmt: skip


@requirement("C-4.1.2-04")
def test_joiner_groups_lists_every_group_by_id(
    scim_client: ScimClient,
    user_payload: Payload,
    group_payload: Payload,
    service_provider_config: dict[str, Any] | None,
) -> None:
    """When the server returns User.groups, it lists every group of the user with the group id
    as value (and a $ref leading to the group), including memberships added later through the
    Group (C-4.1.2-04)."""
    (joiner,) = new_users(scim_client, user_payload, 1)
    first = new_group_of(scim_client, group_payload, joiner)
    user = fetch(scim_client, f"/Users/{joiner['id']}", "User")
    if not user_group_ids(user):
        pytest.skip("The server does not return User.groups; C-4.1.2-04 applies only when it does")
    second = new_group_of(scim_client, group_payload)
    add_member(scim_client, second, joiner, service_provider_config, "C-4.1.2-04")
    user, response = read(scim_client, f"/Users/{joiner['id']}", "User")
    found = user_group_ids(user)
    check({first["id"], second["id"]} <= set(found),
          "User.groups does not list every group the user was added to",
          expected=f"groups[].value contains {first['id']} and {second['id']}",
          received=f"groups {found}", response=response, requirement="C-4.1.2-04")  # fmt: skip
    for entry in attribute(user, "groups") or []:
        ref = attribute(entry, "$ref") if isinstance(entry, dict) else None
        if isinstance(ref, str) and ref.startswith(("http://", "https://")):
            target = scim_client.get(ref)
            assert_status(target, 200, requirement="C-4.1.2-04")
            check(target.json().get("id") == attribute(entry, "value"),
                  "A groups[].$ref leads to another group than its value names",
                  expected=attribute(entry, "value"), received=target.json().get("id"),
                  response=target, requirement="C-4.1.2-04")  # fmt: skip
