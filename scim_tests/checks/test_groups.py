"""Groups and their members (RFC 7643 §4.2, §4.1.2; RFC 7644 §3.3, §3.5.1, §3.5.2, §3.6).

A group's ``members[].value`` holds member ids; memberships change only through the Group
(``User.groups`` is readOnly and, when a server returns it, follows the Group). The membership
helpers live in :mod:`scim_tests.groups`, shared with the joiner/mover/leaver modules.
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
from scim_tests.groups import (
    CREATED_WITHOUT_MEMBERS,
    check_groups_omit,
    check_members,
    member_ids,
    new_group_of,
    new_users,
    reports_groups,
    user_group_ids,
)
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, patch_ops, read, replacement
from scim_tests.resources import attribute


@requirement("C-4.2-03", "C-2.3.7-03")
def test_group_created_with_members_lists_member_ids(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """A group created with members answers 201 and shows each member's id in members[].value,
    both in the 201 body and on a later GET; a member $ref, when given, leads to that user
    (C-4.2-03, C-2.3.7-03)."""
    alice, bob = new_users(scim_client, user_payload, 2)
    body = group_payload(members=[{"value": alice["id"]}, {"value": bob["id"]}])
    response = scim_client.post("/Groups", body)
    assert_status(response, 201, requirement="C-4.2-03")
    created = json_object(response)
    assert_valid(created, "Group", response=response, requirement="C-4.2-03")
    expected = {alice["id"], bob["id"]}
    check(set(member_ids(created)) == expected, "The created group's members[].value are not the "
          "member ids", expected=f"members {sorted(expected)}", received=member_ids(created),
          response=response, requirement="C-4.2-03", cause=CREATED_WITHOUT_MEMBERS)  # fmt: skip
    group = check_members(
        scim_client,
        created["id"],
        expected,
        "GET shows other members than the group was created with",
        "C-4.2-03",
    )
    for entry in attribute(group, "members") or []:
        ref = attribute(entry, "$ref")
        if isinstance(ref, str) and ref.startswith(("http://", "https://")):
            target = scim_client.get(ref)
            assert_status(target, 200, requirement="C-2.3.7-03")
            check(json_object(target).get("id") == attribute(entry, "value"),
                  "A member $ref leads to another resource than its value names",
                  expected=attribute(entry, "value"), received=json_object(target).get("id"),
                  response=target, requirement="C-4.2-03")  # fmt: skip


@requirement("C-4.2-01")
def test_group_without_display_name_is_refused(
    scim_client: ScimClient, group_payload: Payload
) -> None:
    """displayName is required on a Group (errata 5368): a create without it is a 400 (C-4.2-01)."""
    body = {k: v for k, v in group_payload().items() if k != "displayName"}
    assert_scim_error(scim_client.post("/Groups", body), 400, requirement="C-4.2-01")


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.2-04", "C-4.1.2-04")
def test_remove_member_by_value_filter_keeps_the_other_members(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """remove with path members[value eq "<id>"] drops only that member; the other stays, and the
    removed user's groups (when the server returns it) no longer lists the group
    (P-3.5.2.2-04, C-4.1.2-04)."""
    alice, bob = new_users(scim_client, user_payload, 2)
    group = new_group_of(scim_client, group_payload, alice, bob)
    tracked = reports_groups(scim_client, alice["id"], group["id"])
    patch_ops(scim_client, f"/Groups/{group['id']}", "Group",
              {"op": "remove", "path": f'members[value eq "{alice["id"]}"]'},
              requirement="P-3.5.2.2-04")  # fmt: skip
    check_members(
        scim_client,
        group["id"],
        {bob["id"]},
        "remove members[value eq ...] did not remove exactly that member",
        "P-3.5.2.2-04",
    )
    if tracked:
        check_groups_omit(scim_client, alice["id"], group["id"])


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.2-03")
def test_remove_members_without_filter_removes_every_member(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """remove with path members and no filter empties the group (P-3.5.2.2-03)."""
    group = new_group_of(scim_client, group_payload, *new_users(scim_client, user_payload, 2))
    patch_ops(scim_client, f"/Groups/{group['id']}", "Group",
              {"op": "remove", "path": "members"}, requirement="P-3.5.2.2-03")  # fmt: skip
    check_members(
        scim_client, group["id"], set(), "remove members left members behind", "P-3.5.2.2-03"
    )


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.2-07")
def test_removing_a_non_member_changes_nothing(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """Removing a user who is not a member succeeds without effect; 400 noTarget is tolerated
    because the RFC's example and its noTarget definition disagree (P-3.5.2.2-07)."""
    alice, outsider = new_users(scim_client, user_payload, 2)
    group = new_group_of(scim_client, group_payload, alice)
    response = scim_client.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": f'members[value eq "{outsider["id"]}"]'}]})  # fmt: skip
    if response.status_code == 400:
        assert_scim_error(response, 400, "noTarget", requirement="P-3.5.2.2-07")
    else:
        assert_status(response, 200, 204, requirement="P-3.5.2.2-07")
    check_members(
        scim_client,
        group["id"],
        {alice["id"]},
        "Removing a non-member changed the group's members",
        "P-3.5.2.2-07",
    )


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.3-03")
def test_replace_members_swaps_the_whole_set(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """replace with path members and a list sets exactly that list (P-3.5.2.3-03)."""
    alice, bob, carol = new_users(scim_client, user_payload, 3)
    group = new_group_of(scim_client, group_payload, alice, bob)
    patch_ops(scim_client, f"/Groups/{group['id']}", "Group",
              {"op": "replace", "path": "members", "value": [{"value": carol["id"]}]},
              requirement="P-3.5.2.3-03")  # fmt: skip
    check_members(
        scim_client,
        group["id"],
        {carol["id"]},
        "replace members did not replace the whole set",
        "P-3.5.2.3-03",
    )


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.3-04", "C-4.1.2-04")
def test_replace_members_with_empty_list_removes_every_membership(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """replace members with [] leaves the group without members, and the former members' groups
    (when returned) no longer list it (P-3.5.2.3-04, C-4.1.2-04)."""
    alice, bob = new_users(scim_client, user_payload, 2)
    group = new_group_of(scim_client, group_payload, alice, bob)
    tracked = reports_groups(scim_client, alice["id"], group["id"])
    patch_ops(scim_client, f"/Groups/{group['id']}", "Group",
              {"op": "replace", "path": "members", "value": []},
              requirement="P-3.5.2.3-04")  # fmt: skip
    check_members(
        scim_client,
        group["id"],
        set(),
        "replace members with [] left members behind",
        "P-3.5.2.3-04",
    )
    if tracked:
        check_groups_omit(scim_client, alice["id"], group["id"])
        check_groups_omit(scim_client, bob["id"], group["id"])


@pytest.mark.scim_feature("patch")
@requirement("C-4.1.2-05", "P-3.5.2-08")
def test_user_groups_cannot_be_patched(
    scim_client: ScimClient, new_user: dict[str, Any], new_group: dict[str, Any]
) -> None:
    """User.groups is readOnly: PATCH add on it is refused with 400 mutability and the group
    gains no member (C-4.1.2-05, P-3.5.2-08)."""
    response = scim_client.patch(f"/Users/{new_user['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "add", "path": "groups", "value": [{"value": new_group["id"]}]}]})  # fmt: skip
    assert_scim_error(response, 400, "mutability", requirement="C-4.1.2-05")
    check_members(
        scim_client,
        new_group["id"],
        set(),
        "A PATCH of User.groups changed the group's members",
        "C-4.1.2-05",
    )


@requirement("C-4.1.2-05", "P-3.5.1-06")
def test_user_groups_in_put_does_not_change_membership(
    scim_client: ScimClient, new_user: dict[str, Any], new_group: dict[str, Any]
) -> None:
    """groups sent in a PUT of a User never creates a membership: memberships change only
    through the Group (C-4.1.2-05; readOnly values in a PUT are ignored, P-3.5.1-06)."""
    body = replacement(new_user, groups=[{"value": new_group["id"]}])
    response = scim_client.put(f"/Users/{new_user['id']}", body)
    if response.status_code == 400:  # refusing is not what P-3.5.1-06 asks, but keeps groups safe
        assert_scim_error(response, 400, requirement="C-4.1.2-05")
    else:
        assert_status(response, 200, requirement="P-3.5.1-06")
    check_members(
        scim_client,
        new_group["id"],
        set(),
        "groups in a User PUT made the user a member",
        "C-4.1.2-05",
    )
    user, got = read(scim_client, f"/Users/{new_user['id']}", "User")
    check(new_group["id"] not in user_group_ids(user), "User.groups lists a group set through "
          "the User", expected="no such groups entry", received=user_group_ids(user), response=got,
          requirement="C-4.1.2-05")  # fmt: skip


@requirement("P-3.6-06", "P-3.6-05", "C-4.1.2-04")
def test_deleting_a_group_keeps_its_member_users(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """Deleting a group (204) leaves its member users in place, and their groups (when returned)
    no longer list it (P-3.6-06, P-3.6-05, C-4.1.2-04)."""
    alice, bob = new_users(scim_client, user_payload, 2)
    group = new_group_of(scim_client, group_payload, alice, bob)
    tracked = reports_groups(scim_client, alice["id"], group["id"])
    assert_status(scim_client.delete(f"/Groups/{group['id']}"), 204, requirement="P-3.6-05")
    for user in (alice, bob):
        response = scim_client.get(f"/Users/{user['id']}")
        assert_status(
            response,
            200,
            requirement="P-3.6-06",
            title=f"Member user {user['id']} is gone after its group was deleted",
        )
        assert_valid(json_object(response), "User", response=response, requirement="P-3.6-06")
        if tracked:
            check_groups_omit(scim_client, user["id"], group["id"])


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.2-04", "P-3.6-06")
def test_removing_the_last_member_leaves_an_empty_group(
    scim_client: ScimClient, new_user: dict[str, Any], group_payload: Payload
) -> None:
    """Removing the only member by filter leaves the group in place with members unassigned
    (or empty); the group itself is not deleted (P-3.5.2.2-04, P-3.6-06)."""
    group = new_group_of(scim_client, group_payload, new_user)
    response = scim_client.patch(f"/Groups/{group['id']}", {"schemas": [PATCH_OP], "Operations": [
        {"op": "remove", "path": f'members[value eq "{new_user["id"]}"]'}]})  # fmt: skip
    assert_status(response, 200, 204, requirement="P-3.5.2.2-04")
    after = scim_client.get(f"/Groups/{group['id']}")
    assert_status(after, 200, requirement="P-3.6-06",
                  title="The group is gone after its last member was removed")  # fmt: skip
    check_members(scim_client, group["id"], set(),
                  "The removed last member is still listed", "P-3.5.2.2-04")  # fmt: skip


@pytest.mark.scim_feature("filter")
@requirement("P-3.4.2.2-02", "P-3.4.2.2-18", "C-4.1.2-04")
def test_users_are_found_by_their_groups(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """When User.groups lists a group, ``filter=groups.value eq "<group id>"`` finds that user:
    a filter judges the values the resource shows (P-3.4.2.2-02, -18). Skipped when the
    server does not expose User.groups, or refuses filters on it."""
    (user,) = new_users(scim_client, user_payload, 1)
    group = new_group_of(scim_client, group_payload, user)
    if not reports_groups(scim_client, user["id"], group["id"]):
        pytest.skip("the server does not expose User.groups (allowed, C-4.1.2-04)")
    text = f'groups.value eq "{group["id"]}"'
    response = scim_client.get("/Users", params={"filter": text, "count": 100})
    if response.status_code == 400:
        pytest.skip(f"the server refuses filters on groups.value ({response.text[:120]})")
    assert_status(response, 200, requirement="P-3.4.2.2-02")
    found = [r.get("id") for r in json_object(response).get("Resources") or []
             if isinstance(r, dict)]  # fmt: skip
    check(user["id"] in found, "A user is not found by a group its groups attribute lists",
          expected=f"{user['id']} among the results of {text}", received=found,
          response=response, requirement="P-3.4.2.2-02")  # fmt: skip
