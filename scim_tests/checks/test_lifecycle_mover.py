"""Mover: a user changes job attributes and groups (RFC 7643 §4.1.2, §4.3; RFC 7644 §3.5.1,
§3.5.2.1-§3.5.2.3).

Attributes change by PATCH (with paths, including an extension path and a value-filter path, and
without a path) and by PUT; memberships move from one group to another by PATCH (remove one
member by filter, add to the other group) and by PUT of both groups.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_tests.asserts import check
from scim_tests.client import ScimClient
from scim_tests.fixtures import create
from scim_tests.groups import (
    check_groups_omit,
    check_members,
    new_group_of,
    reports_groups,
    user_group_ids,
)
from scim_tests.markers import requirement
from scim_tests.operations import Payload, patch_ops, put_resource, read, replacement
from scim_tests.resources import ENTERPRISE_SCHEMA, attribute, enterprise_offered


def new_mover(client: ScimClient, user_payload: Payload, with_enterprise: bool) -> dict[str, Any]:
    """A user with a work email, a title and (when offered) an enterprise department."""
    body = user_payload()
    if with_enterprise:
        body["schemas"] = (
            [*body["schemas"], ENTERPRISE_SCHEMA]
            if ENTERPRISE_SCHEMA not in body["schemas"]
            else (body["schemas"])
        )
        body[ENTERPRISE_SCHEMA] = {**body.get(ENTERPRISE_SCHEMA, {}), "department": "Onboarding"}
    return create(client, "/Users", body)


def department(user: dict[str, Any]) -> Any:
    """The enterprise department of ``user`` (None when absent)."""
    extension = attribute(user, ENTERPRISE_SCHEMA)
    return attribute(extension, "department") if isinstance(extension, dict) else None


def work_emails(user: dict[str, Any]) -> list[str]:
    """The values of the user's emails of type work."""
    return [
        str(attribute(e, "value"))
        for e in attribute(user, "emails") or []
        if isinstance(e, dict) and str(attribute(e, "type")).lower() == "work"
    ]


def check_moved(
    user: dict[str, Any], response: Any, changes: dict[str, Any], requirement: str
) -> None:
    """The user shows every expected new value (title, department, work email)."""
    __tracebackhide__ = True
    found = {
        "title": attribute(user, "title"),
        "department": department(user),
        "work emails": work_emails(user),
    }
    wrong = {k: found[k] for k, v in changes.items() if found[k] != v}
    check(not wrong, "The mover's attributes were not all changed",
          expected=changes, received=found, response=response,
          requirement=requirement)  # fmt: skip


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.3-02", "P-3.5.2-07", "P-3.5.2.3-08")
def test_mover_attributes_replaced_by_patch_with_paths(
    scim_client: ScimClient, user_payload: Payload, resource_types: list[dict[str, Any]]
) -> None:
    """One PATCH replaces title (attribute path), the enterprise department (extension URN path,
    when offered) and the work email (value-filter path with sub-attribute); a GET shows every
    new value (P-3.5.2.3-02, P-3.5.2-07, P-3.5.2.3-08)."""
    extended = enterprise_offered(resource_types)
    user = new_mover(scim_client, user_payload, extended)
    email = f"moved.{user['userName']}"
    operations = [
        {"op": "replace", "path": "title", "value": "Head of Moves"},
        {"op": "replace", "path": 'emails[type eq "work"].value', "value": email},
    ]
    changes: dict[str, Any] = {"title": "Head of Moves", "work emails": [email]}
    if extended:
        operations.append(
            {"op": "replace", "path": f"{ENTERPRISE_SCHEMA}:department", "value": "Moves"}
        )
        changes["department"] = "Moves"
    patch_ops(scim_client, f"/Users/{user['id']}", "User", *operations,
              requirement="P-3.5.2.3-02")  # fmt: skip
    check_moved(*read(scim_client, f"/Users/{user['id']}", "User"), changes, "P-3.5.2.3-02")


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2-06", "P-3.5.2.3-01")
def test_mover_attributes_replaced_by_pathless_patch(
    scim_client: ScimClient, user_payload: Payload, resource_types: list[dict[str, Any]]
) -> None:
    """A replace without path takes an object of attributes, extension attributes under their
    URN included (when offered); a GET shows the new values (P-3.5.2-06, P-3.5.2.3-01)."""
    extended = enterprise_offered(resource_types)
    user = new_mover(scim_client, user_payload, extended)
    value: dict[str, Any] = {"title": "Chief Mover"}
    changes: dict[str, Any] = {"title": "Chief Mover"}
    if extended:
        value[ENTERPRISE_SCHEMA] = {"department": "Relocation"}
        changes["department"] = "Relocation"
    patch_ops(scim_client, f"/Users/{user['id']}", "User", {"op": "replace", "value": value},
              requirement="P-3.5.2-06")  # fmt: skip
    check_moved(*read(scim_client, f"/Users/{user['id']}", "User"), changes, "P-3.5.2-06")


@requirement("P-3.5.1-02", "P-3.5.1-08")
def test_mover_attributes_replaced_by_put(
    scim_client: ScimClient, user_payload: Payload, resource_types: list[dict[str, Any]]
) -> None:
    """A PUT with a new title, department (when offered) and work email answers 200 with the
    new values, and a GET shows only the new values (P-3.5.1-02, P-3.5.1-08)."""
    extended = enterprise_offered(resource_types)
    user = new_mover(scim_client, user_payload, extended)
    email = f"moved.{user['userName']}"
    changes: dict[str, Any] = {"title": "Mover in Chief", "work emails": [email]}
    fields: dict[str, Any] = {
        "title": "Mover in Chief",
        "emails": [{"value": email, "type": "work", "primary": True}],
    }
    if extended:
        extension = attribute(user, ENTERPRISE_SCHEMA) or {}
        fields[ENTERPRISE_SCHEMA] = {**extension, "department": "Transfers"}
        changes["department"] = "Transfers"
    put_resource(scim_client, f"/Users/{user['id']}", "User", replacement(user, **fields),
                 "P-3.5.1-02")  # fmt: skip
    check_moved(*read(scim_client, f"/Users/{user['id']}", "User"), changes, "P-3.5.1-02")


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.2-04", "P-3.5.2.1-05", "C-4.2-03", "C-4.1.2-04")
def test_mover_moves_between_groups_by_patch(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """Moving from group A to B: PATCH remove members[value eq "<id>"] on A takes out only the
    mover, PATCH add on B appends it; the mover's groups (when returned) follows
    (P-3.5.2.2-04, P-3.5.2.1-05, C-4.2-03, C-4.1.2-04)."""
    mover, stayer, other = (create(scim_client, "/Users", user_payload()) for _ in range(3))
    old = new_group_of(scim_client, group_payload, mover, stayer)
    new = new_group_of(scim_client, group_payload, other)
    tracked = reports_groups(scim_client, mover["id"], old["id"])
    patch_ops(scim_client, f"/Groups/{old['id']}", "Group",
              {"op": "remove", "path": f'members[value eq "{mover["id"]}"]'},
              requirement="P-3.5.2.2-04")  # fmt: skip
    patch_ops(scim_client, f"/Groups/{new['id']}", "Group",
              {"op": "add", "path": "members", "value": [{"value": mover["id"]}]},
              requirement="P-3.5.2.1-05")  # fmt: skip
    check_members(
        scim_client,
        old["id"],
        {stayer["id"]},
        "The old group did not keep exactly its other member",
        "P-3.5.2.2-04",
    )
    check_members(
        scim_client,
        new["id"],
        {other["id"], mover["id"]},
        "The new group does not hold its member and the mover",
        "P-3.5.2.1-05",
    )
    if tracked:
        _check_follows(scim_client, mover["id"], old["id"], new["id"])


@requirement("P-3.5.1-09", "P-3.5.1-02", "C-4.1.2-04")
def test_mover_moves_between_groups_by_put(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """Moving by PUT: group A replaced without the mover loses it (the other member stays),
    group B replaced with it gains it; the mover's groups (when returned) follows
    (P-3.5.1-09, P-3.5.1-02, C-4.1.2-04)."""
    mover, stayer, other = (create(scim_client, "/Users", user_payload()) for _ in range(3))
    old = new_group_of(scim_client, group_payload, mover, stayer)
    new = new_group_of(scim_client, group_payload, other)
    tracked = reports_groups(scim_client, mover["id"], old["id"])
    put_resource(scim_client, f"/Groups/{old['id']}", "Group",
                 replacement(old, members=[{"value": stayer["id"]}]), "P-3.5.1-09")  # fmt: skip
    put_resource(scim_client, f"/Groups/{new['id']}", "Group",
                 replacement(new, members=[{"value": other["id"]}, {"value": mover["id"]}]),
                 "P-3.5.1-02")  # fmt: skip
    check_members(
        scim_client,
        old["id"],
        {stayer["id"]},
        "A PUT without the mover did not remove it from the group",
        "P-3.5.1-09",
    )
    check_members(
        scim_client,
        new["id"],
        {other["id"], mover["id"]},
        "A PUT adding the mover did not make it a member",
        "P-3.5.1-02",
    )
    if tracked:
        _check_follows(scim_client, mover["id"], old["id"], new["id"])


def _check_follows(client: ScimClient, user_id: str, old_id: str, new_id: str) -> None:
    __tracebackhide__ = True
    check_groups_omit(client, user_id, old_id)
    user, response = read(client, f"/Users/{user_id}", "User")
    check(new_id in user_group_ids(user), "The mover's groups does not list its new group",
          expected=f"groups[].value contains {new_id}", received=user_group_ids(user),
          response=response, requirement="C-4.1.2-04")  # fmt: skip
