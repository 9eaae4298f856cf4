"""Group membership helpers (RFC 7643 §4.2 Group.members, §4.1.2 User.groups).

A group's ``members[].value`` holds member ids; memberships change only through the Group
(``User.groups`` is readOnly and, when a server returns it, follows the Group). Used by the
group, joiner, mover and leaver checks and by the bulk and PATCH checks.
"""

from __future__ import annotations

from typing import Any

from scim_tests.asserts import check
from scim_tests.client import ScimClient
from scim_tests.fixtures import create
from scim_tests.operations import Payload, read
from scim_tests.resources import attribute

#: The root cause of a group create that loses the members it was given.
CREATED_WITHOUT_MEMBERS = "a group created with members does not list them"


def member_ids(group: dict[str, Any]) -> list[str]:
    """``members[].value`` of a group (absent members means none)."""
    members = attribute(group, "members") or []
    return [str(attribute(m, "value")) for m in members if isinstance(m, dict)]


def user_group_ids(user: dict[str, Any]) -> list[str]:
    """``groups[].value`` of a user (absent means none, or not supported)."""
    groups = attribute(user, "groups") or []
    return [str(attribute(g, "value")) for g in groups if isinstance(g, dict)]


def new_group_of(
    client: ScimClient, group_payload: Payload, *users: dict[str, Any]
) -> dict[str, Any]:
    """Create a group whose members are ``users``, verifying that it has them.

    The checks that start from such a group are about later changes; if the create already
    dropped members, they would report a member that "vanished". Such a check is blocked by
    C-4.2-03 instead, the requirement the create violated (its own check is
    test_group_created_with_members_lists_member_ids).
    """
    members = [{"value": u["id"]} for u in users]
    body = group_payload(members=members) if members else group_payload()
    group = create(client, "/Groups", body)
    if not members:
        return group
    wanted = {u["id"] for u in users}
    found = set(member_ids(group))
    if found != wanted:  # the 201 body may be partial (P-3.3-04 is a SHOULD): ask once more
        group, response = read(client, f"/Groups/{group['id']}", "Group")
        found = set(member_ids(group))
        check(found == wanted, "A group created with members does not list them",
              expected=f"members {sorted(wanted)}", received=f"members {sorted(found)}",
              response=response, requirement="C-4.2-03",
              cause=CREATED_WITHOUT_MEMBERS, blocked=True)  # fmt: skip
    return group


def new_users(client: ScimClient, user_payload: Payload, count: int) -> list[dict[str, Any]]:
    """Create ``count`` users."""
    return [create(client, "/Users", user_payload()) for _ in range(count)]


def check_members(
    client: ScimClient, group_id: str, expected: set[str], title: str, requirement: str
) -> dict[str, Any]:
    """GET the group; its member ids are exactly ``expected``."""
    __tracebackhide__ = True
    group, response = read(client, f"/Groups/{group_id}", "Group")
    found = member_ids(group)
    check(set(found) == expected and len(found) == len(set(found)), title,
          expected=f"members {sorted(expected)}", received=f"members {found}",
          response=response, requirement=requirement)  # fmt: skip
    return group


def reports_groups(client: ScimClient, user_id: str, group_id: str) -> bool:
    """Whether the server maintains User.groups: the member's groups lists ``group_id``.

    A server that never returns ``groups`` (or returns it empty) does not expose the
    attribute, and C-4.1.2-04 then does not apply. One that lists other groups but not this
    one fails C-4.1.2-04.
    """
    __tracebackhide__ = True
    user, response = read(client, f"/Users/{user_id}", "User")
    found = user_group_ids(user)
    if not found:
        return False
    check(group_id in found, "User.groups does not list a group the user is a member of",
          expected=f"groups[].value contains {group_id}", received=f"groups {found}",
          response=response, requirement="C-4.1.2-04")  # fmt: skip
    return True


def check_groups_omit(client: ScimClient, user_id: str, group_id: str) -> None:
    """The user's ``groups`` no longer lists ``group_id`` (C-4.1.2-04)."""
    __tracebackhide__ = True
    user, response = read(client, f"/Users/{user_id}", "User")
    found = user_group_ids(user)
    check(group_id not in found,
          f"User.groups of {user_id} still lists group {group_id} after the membership ended",
          expected=f"no groups[].value {group_id}", received=f"groups {found}",
          response=response, requirement="C-4.1.2-04")  # fmt: skip
