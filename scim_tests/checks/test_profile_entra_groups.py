"""Microsoft Entra ID client profile, groups (``--scim-profile entra``): how Entra's provisioning
service finds groups, renames them and changes their members, replayed as Entra sends it.

Sources and the two behaviours (``legacy``, ``aadOptscim062020``) as in
``test_profile_entra.py``; the shared shapes and judgements are in :mod:`scim_tests.entra`.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from scim_tests.asserts import check, resources_of
from scim_tests.client import ScimClient
from scim_tests.entra import (
    MODES,
    REMOVE_BY_VALUE,
    Spc,
    accepted,
    message,
    misread,
    needs,
    op_name,
    patched,
)
from scim_tests.fixtures import create
from scim_tests.groups import member_ids, new_group_of
from scim_tests.markers import requirement
from scim_tests.operations import Payload, fetch
from scim_tests.query import list_body
from scim_tests.resources import attribute, unassigned

pytestmark = [pytest.mark.scim_profile("entra")]

# -- groups ------------------------------------------------------------------------------


@requirement("P-3.4.2.5-01", "P-3.4.2.2-05")
def test_entra_finds_group_by_display_name_without_members(
    scim_client: ScimClient,
    user_payload: Payload,
    group_payload: Payload,
    service_provider_config: Spc,
) -> None:
    """Entra looks a group up with GET /Groups?excludedAttributes=members&filter=displayName eq
    "<name>" (tutorial, "Get Group by displayName"): 200 with exactly that group, without its
    members (P-3.4.2.5-01, P-3.4.2.2-05)."""
    needs(service_provider_config, "filter", "Entra looks groups up with filter=displayName eq")
    user = create(scim_client, "/Users", user_payload())
    group = new_group_of(scim_client, group_payload, user)
    response = scim_client.get(
        "/Groups",
        params={
            "excludedAttributes": "members",
            "filter": f'displayName eq "{group["displayName"]}"',
        },
    )
    found = resources_of(list_body(response, "Group", requirement="P-3.4.2.2-05"))
    ids = [r.get("id") for r in found]
    check(ids == [group["id"]], "Entra's displayName lookup does not find exactly the group",
          expected=[group["id"]], received=ids, response=response,
          requirement="P-3.4.2.2-05")  # fmt: skip
    check(unassigned(attribute(found[0], "members")),
          "excludedAttributes=members still returns the group's members",
          expected="no members", received=attribute(found[0], "members"), response=response,
          requirement="P-3.4.2.5-01")  # fmt: skip


@MODES
@requirement("P-3.5.2-16", "P-3.5.2.3-02")
def test_entra_group_patch_answers_200_or_204(
    scim_client: ScimClient, new_group: dict[str, Any], service_provider_config: Spc, mode: str
) -> None:
    """Entra renames a group with {"op": "Replace", "path": "displayName", ...} (tutorial,
    "Update Group [Non-member attributes]", answered 204 there; "replace" with the flag) and
    accepts 204 or 200. GET then shows the new name (P-3.5.2-16, P-3.5.2.3-02)."""
    needs(service_provider_config, "patch", "Entra updates groups with PATCH")
    path = f"/Groups/{new_group['id']}"
    renamed = f"{new_group['displayName']}-{uuid.uuid4().hex[:8]}"
    response = scim_client.patch(path, message(
        {"op": op_name(mode, "replace"), "path": "displayName", "value": renamed}))  # fmt: skip
    accepted(mode, None, response)
    patched(response)
    group = fetch(scim_client, path, "Group")
    check(attribute(group, "displayName") == renamed, "Entra's group rename was not applied",
          expected=renamed, received=attribute(group, "displayName"), response=response,
          requirement="P-3.5.2-02" if mode == "legacy" else "P-3.5.2.3-02")  # fmt: skip


@MODES
@requirement("P-3.5.2.1-05", "C-2.5-01")
def test_entra_adds_member_with_null_ref(
    scim_client: ScimClient,
    user_payload: Payload,
    group_payload: Payload,
    service_provider_config: Spc,
    mode: str,
) -> None:
    """Entra adds a member with {"op": "Add", "path": "members", "value": [{"$ref": null,
    "value": "<id>"}]} (tutorial, "Update Group [Add Members]"; "add" with the flag). A null
    $ref is an unassigned one (C-2.5-01); the member is added and the others stay
    (P-3.5.2.1-05)."""
    needs(service_provider_config, "patch", "Entra manages group members with PATCH")
    first, second = (create(scim_client, "/Users", user_payload()) for _ in range(2))
    group = new_group_of(scim_client, group_payload, first)
    path = f"/Groups/{group['id']}"
    response = scim_client.patch(path, message({"op": op_name(mode, "add"), "path": "members",
                                 "value": [{"$ref": None, "value": second["id"]}]}))  # fmt: skip
    accepted(mode, None, response)
    patched(response, requirement="C-2.5-01")
    stored = fetch(scim_client, path, "Group")
    found = member_ids(stored)
    check(sorted(found) == sorted([first["id"], second["id"]]),
          "Entra's member add did not leave exactly the old and the new member",
          expected=sorted([first["id"], second["id"]]), received=found, response=response,
          requirement="P-3.5.2.1-05")  # fmt: skip


@MODES
@requirement("P-3.5.2.2-04")
def test_entra_removes_one_member(
    scim_client: ScimClient,
    user_payload: Payload,
    group_payload: Payload,
    service_provider_config: Spc,
    mode: str,
) -> None:
    """Entra removes one member with {"op": "Remove", "path": "members", "value": [{"value":
    "<id>"}]}; with the flag, {"op": "remove", "path": "members[value eq \\"<id>\\"]"} (Known
    issues, "Requests to remove a group member"). Only that member leaves; the others stay
    (P-3.5.2.2-04)."""
    needs(service_provider_config, "patch", "Entra manages group members with PATCH")
    users = [create(scim_client, "/Users", user_payload()) for _ in range(3)]
    group = new_group_of(scim_client, group_payload, *users)
    gone, kept = users[0]["id"], sorted(u["id"] for u in users[1:])
    operation: dict[str, Any] = (
        {"op": "Remove", "path": "members", "value": [{"value": gone}]} if mode == "legacy"
        else {"op": "remove", "path": f'members[value eq "{gone}"]'})  # fmt: skip
    path = f"/Groups/{group['id']}"
    response = scim_client.patch(path, message(operation))
    accepted(mode, REMOVE_BY_VALUE if mode == "legacy" else None, response)
    patched(response)
    found = sorted(member_ids(fetch(scim_client, path, "Group")))
    if mode == "legacy" and not found:
        raise misread(REMOVE_BY_VALUE, "the removal of one member emptied the group",
                      f"members {kept}", "no members", response)  # fmt: skip
    check(found == kept, "Entra's removal of one member did not leave exactly the others",
          expected=f"members {kept}", received=f"members {found}", response=response,
          requirement="P-3.5.2.2-04")  # fmt: skip
