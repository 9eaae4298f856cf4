"""Leaver: deactivation, reactivation and deletion (RFC 7643 §4.1.1, §4.2; RFC 7644 §3.5.1,
§3.5.2.3, §3.6, §3.7).

Deactivation sets ``active`` to false (PATCH with and without a path, or PUT) and keeps the
user retrievable and findable; deletion answers 204, then 404 to every operation, drops the
user from queries and from every group's members, and frees its userName.
"""

from __future__ import annotations

import warnings
from typing import Any

import pytest

from scim_tests.asserts import (
    assert_list_response,
    assert_scim_error,
    assert_status,
    assert_valid,
    check,
    json_object,
    resources_of,
)
from scim_tests.client import Ownership, ScimClient
from scim_tests.discovery import feature_supported
from scim_tests.failures import DeprovisioningWarning
from scim_tests.fixtures import create
from scim_tests.groups import member_ids, new_group_of, new_users
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, patch_ops, put_resource, read, replacement
from scim_tests.resources import attribute

BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def check_active(client: ScimClient, user_id: str, expected: bool, requirement: str) -> None:
    """GET the user (200, still retrievable) and compare ``active``."""
    __tracebackhide__ = True
    user, response = read(client, f"/Users/{user_id}", "User", requirement="C-4.1.1-05")
    wanted = str(expected).lower()
    check(attribute(user, "active") is expected, f"The user is not active={wanted}",
          expected=f"active: {wanted}", received=f"active: {attribute(user, 'active')}",
          response=response, requirement=requirement)  # fmt: skip


def deactivate_by_put(client: ScimClient, user: dict[str, Any], requirement: str) -> None:
    """PUT the user with active=false."""
    __tracebackhide__ = True
    body = replacement(user, active=False)
    put_resource(client, f"/Users/{user['id']}", "User", body, requirement)


def query(client: ScimClient, text: str, requirement: str) -> tuple[list[str], Any]:
    """The ids a /Users filter returns, with the response (a ListResponse, P-3.4.2-08)."""
    __tracebackhide__ = True
    response = client.get("/Users", params={"filter": text})
    body = assert_list_response(response, requirement=requirement)
    for resource in resources_of(body):
        assert_valid(resource, "User", response=response, requirement=requirement)
    return [str(r.get("id")) for r in resources_of(body)], response


# -- deactivation ---------------------------------------------------------------------------


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.3-10", "P-3.5.2.3-02", "C-4.1.1-04")
def test_leaver_deactivated_by_patch_with_path(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """PATCH replace with path active and value false deactivates the user; a GET shows
    active=false (P-3.5.2.3-10, P-3.5.2.3-02, C-4.1.1-04)."""
    patch_ops(scim_client, f"/Users/{new_user['id']}", "User",
              {"op": "replace", "path": "active", "value": False},
              requirement="P-3.5.2.3-10")  # fmt: skip
    check_active(scim_client, new_user["id"], False, "P-3.5.2.3-10")


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2.3-10", "P-3.5.2-06", "C-4.1.1-04")
def test_leaver_deactivated_by_pathless_patch(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """PATCH replace without path and value {"active": false} deactivates the user
    (P-3.5.2.3-10, P-3.5.2-06, C-4.1.1-04)."""
    patch_ops(scim_client, f"/Users/{new_user['id']}", "User",
              {"op": "replace", "value": {"active": False}},
              requirement="P-3.5.2.3-10")  # fmt: skip
    check_active(scim_client, new_user["id"], False, "P-3.5.2.3-10")


@requirement("P-3.5.1-02", "C-4.1.1-04", "C-4.1.1-05")
def test_leaver_deactivated_by_put_stays_retrievable(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """PUT with active=false deactivates the user, who is still retrievable with active=false
    (P-3.5.1-02, C-4.1.1-04, C-4.1.1-05)."""
    deactivate_by_put(scim_client, new_user, "P-3.5.1-02")
    check_active(scim_client, new_user["id"], False, "C-4.1.1-04")


@pytest.mark.scim_feature("filter")
@requirement("C-4.1.1-05", "P-3.4.2.2-13")
def test_deactivated_user_is_still_found_by_filters(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """A deactivated user still matches filter=userName eq "<name>", and also
    filter=active eq false and userName eq "<name>" (C-4.1.1-05, P-3.4.2.2-13)."""
    deactivate_by_put(scim_client, new_user, "C-4.1.1-05")
    name = new_user["userName"]
    for text in (f'userName eq "{name}"', f'active eq false and userName eq "{name}"'):
        ids, response = query(scim_client, text, "C-4.1.1-05")
        check(ids == [new_user["id"]], "A deactivated user is missing from a query",
              expected=f"exactly {new_user['id']} for filter {text}", received=ids,
              response=response, requirement="C-4.1.1-05")  # fmt: skip


@pytest.mark.scim_feature("patch")
@requirement("C-4.1.1-06")
def test_deactivated_user_can_be_reactivated_by_patch(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """A deactivated user is reactivated by PATCH replace active=true (C-4.1.1-06)."""
    deactivate_by_put(scim_client, new_user, "C-4.1.1-04")
    patch_ops(scim_client, f"/Users/{new_user['id']}", "User",
              {"op": "replace", "path": "active", "value": True},
              requirement="C-4.1.1-06")  # fmt: skip
    check_active(scim_client, new_user["id"], True, "C-4.1.1-06")


@requirement("C-4.1.1-06", "P-3.5.1-02")
def test_deactivated_user_can_be_reactivated_by_put(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """A deactivated user is reactivated by a PUT with active=true (C-4.1.1-06, P-3.5.1-02)."""
    deactivate_by_put(scim_client, new_user, "C-4.1.1-04")
    put_resource(scim_client, f"/Users/{new_user['id']}", "User",
                 replacement(new_user, active=True), "C-4.1.1-06")  # fmt: skip
    check_active(scim_client, new_user["id"], True, "C-4.1.1-06")


# -- deletion -------------------------------------------------------------------------------


@requirement("P-3.6-02", "P-3.6-05")
def test_deleted_leaver_answers_404_to_every_operation(
    scim_client: ScimClient,
    scim_ownership: Ownership,
    new_user: dict[str, Any],
    service_provider_config: dict[str, Any] | None,
) -> None:
    """After a 204 DELETE, GET, PUT, PATCH (when offered) and a second DELETE of the user all
    answer 404 (P-3.6-02, P-3.6-05)."""
    path = f"/Users/{new_user['id']}"
    assert_status(scim_client.delete(path), 204, requirement="P-3.6-05")
    # The id is still ours (ids are never reused, C-3.1-06): allow the client to write to it.
    scim_ownership.add("/Users", new_user["id"])
    assert_scim_error(scim_client.get(path), 404, requirement="P-3.6-02")
    assert_scim_error(scim_client.put(path, replacement(new_user)), 404, requirement="P-3.6-02")
    if feature_supported(service_provider_config, "patch") is not False:
        body = {"schemas": [PATCH_OP], "Operations": [
            {"op": "replace", "path": "active", "value": False}]}  # fmt: skip
        assert_scim_error(scim_client.patch(path, body), 404, requirement="P-3.6-02")
    assert_scim_error(scim_client.delete(path), 404, requirement="P-3.6-02")


@pytest.mark.scim_feature("filter")
@requirement("P-3.6-03", "P-3.4.2-08")
def test_deleted_leaver_is_gone_from_queries(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """After deletion no filter finds the user, whether or not it asks for inactive users: each
    answers 200 with totalResults 0 (P-3.6-03, P-3.4.2-08)."""
    assert_status(scim_client.delete(f"/Users/{new_user['id']}"), 204, requirement="P-3.6-05")
    name = new_user["userName"]
    filters = [f'userName eq "{name}"', f'active eq false and userName eq "{name}"']
    if isinstance(new_user.get("externalId"), str):
        filters.append(f'externalId eq "{new_user["externalId"]}"')
    for text in filters:
        response = scim_client.get("/Users", params={"filter": text})
        body = assert_list_response(response, requirement="P-3.4.2-08")
        ids = [r.get("id") for r in resources_of(body)]
        check(body.get("totalResults") == 0 and not ids, "A deleted user still appears in a query",
              expected=f"totalResults 0 for filter {text}",
              received=f"totalResults {body.get('totalResults')}, Resources {ids}",
              response=response, requirement="P-3.6-03")  # fmt: skip


@requirement("P-3.6-06")
def test_deleting_a_user_keeps_its_groups_and_their_other_members(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """Deleting a user leaves its groups in place with their other members (P-3.6-06)."""
    leaver, stayer = new_users(scim_client, user_payload, 2)
    groups = [new_group_of(scim_client, group_payload, leaver, stayer) for _ in range(2)]
    assert_status(scim_client.delete(f"/Users/{leaver['id']}"), 204, requirement="P-3.6-05")
    for group in groups:
        body, response = read(scim_client, f"/Groups/{group['id']}", "Group",
                              requirement="P-3.6-06")  # fmt: skip
        found = member_ids(body)
        check(stayer["id"] in found, "Deleting one member removed another from the group",
              expected=f"members contain {stayer['id']}", received=f"members {found}",
              response=response, requirement="P-3.6-06")  # fmt: skip


@requirement("C-2.3.7-04")
def test_deleted_user_membership_is_recorded(
    scim_client: ScimClient, user_payload: Payload, group_payload: Payload
) -> None:
    """Record whether a deleted user is taken out of its groups' members (C-2.3.7-04, MAY).

    Referential integrity is optional in RFC 7643 §2.3.7, so a dangling member is not an RFC
    violation and this check passes; it is reported as a :class:`DeprovisioningWarning` in
    every run. Run with ``-W error::scim_tests.DeprovisioningWarning`` to treat it as a
    deprovisioning failure.
    """
    leaver, stayer = new_users(scim_client, user_payload, 2)
    group = new_group_of(scim_client, group_payload, leaver, stayer)
    assert_status(scim_client.delete(f"/Users/{leaver['id']}"), 204, requirement="P-3.6-05")
    body, _ = read(scim_client, f"/Groups/{group['id']}", "Group", requirement="C-2.3.7-04")
    if leaver["id"] in member_ids(body):
        warnings.warn(
            DeprovisioningWarning(
                f"deleted user {leaver['id']} is still listed in the members of group "
                f"{group['id']}: the provider keeps dangling memberships (C-2.3.7-04 allows "
                "it; an identity team may not)"
            ),
            stacklevel=1,
        )


@requirement("P-3.6-04", "C-3.1-06")
def test_rehired_leaver_can_reuse_the_user_name(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """A leaver's userName (and externalId) can be used again after deletion; the rehire gets a
    new id and the old id stays gone (P-3.6-04, C-3.1-06)."""
    body = user_payload()
    leaver = create(scim_client, "/Users", body)
    assert_status(scim_client.delete(f"/Users/{leaver['id']}"), 204, requirement="P-3.6-05")
    response = scim_client.post("/Users", body)
    assert_status(
        response,
        201,
        requirement="P-3.6-04",
        title="The userName of a deleted user cannot be used again",
    )
    rehire = json_object(response)
    assert_valid(rehire, "User", response=response, requirement="P-3.6-04")
    check(rehire.get("id") != leaver["id"], "The deleted user's id was handed out again",
          expected=f"an id other than {leaver['id']}", received=rehire.get("id"),
          response=response, requirement="C-3.1-06")  # fmt: skip
    assert_scim_error(scim_client.get(f"/Users/{leaver['id']}"), 404, requirement="P-3.6-02")


# -- in bulk --------------------------------------------------------------------------------


def _status(result: dict[str, Any]) -> int | None:
    """A bulk result's status: "204" or {"code": 204} (the RFC's prose and examples differ)."""
    status = result.get("status")
    if isinstance(status, dict):
        status = status.get("code")
    try:
        return int(str(status))
    except ValueError:
        return None


@pytest.mark.scim_feature("bulk")
@requirement("P-3.7-03", "P-3.7-08", "P-3.7.3-02")
def test_leaver_deprovisioned_in_one_bulk_request(
    scim_client: ScimClient,
    scim_ownership: Ownership,
    user_payload: Payload,
    group_payload: Payload,
    service_provider_config: dict[str, Any] | None,
) -> None:
    """One /Bulk request without failOnErrors: a DELETE of an unknown id fails with 404, and the
    operations after it still run: PATCH removing the leaver from a group, PATCH deactivating
    it, DELETE of another leaver; each result carries the status the single request would
    have, and the effects are visible (P-3.7-03, P-3.7-08, P-3.7.3-02)."""
    if feature_supported(service_provider_config, "patch") is False:
        pytest.skip("ServiceProviderConfig advertises patch.supported=false (RFC 7643 §5)")
    bulk = (service_provider_config or {}).get("bulk") or {}
    if isinstance(bulk.get("maxOperations"), int) and bulk["maxOperations"] < 4:
        pytest.skip("bulk.maxOperations is below the 4 operations this flow needs")
    leaver, stayer, gone = new_users(scim_client, user_payload, 3)
    group = new_group_of(scim_client, group_payload, leaver, stayer)
    remove = {"op": "remove", "path": f'members[value eq "{leaver["id"]}"]'}
    deactivate = {"op": "replace", "path": "active", "value": False}
    operations = [
        ("DELETE", f"/Users/{scim_ownership.probe_id()}", None, {404}),
        ("PATCH", f"/Groups/{group['id']}", remove, {200, 204}),
        ("PATCH", f"/Users/{leaver['id']}", deactivate, {200, 204}),
        ("DELETE", f"/Users/{gone['id']}", None, {204}),
    ]
    request: list[dict[str, Any]] = []
    for method, path, op, _ in operations:
        entry: dict[str, Any] = {"method": method, "path": path}
        if op is not None:
            entry["data"] = {"schemas": [PATCH_OP], "Operations": [op]}
        request.append(entry)
    response = scim_client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": request})
    assert_status(response, 200, requirement="P-3.7-03")
    results = [r for r in json_object(response).get("Operations") or [] if isinstance(r, dict)]
    check(len(results) == len(operations), "The BulkResponse does not report every operation",
          expected=f"{len(operations)} results", received=f"{len(results)} results",
          response=response, requirement="P-3.7-08")  # fmt: skip
    for (method, path, _, allowed), result in zip(operations, results, strict=True):
        check(_status(result) in allowed, f"Bulk {method} {path} has the wrong status",
              expected=" or ".join(str(s) for s in sorted(allowed)), received=result.get("status"),
              response=response, requirement="P-3.7.3-02")  # fmt: skip
    after, got = read(scim_client, f"/Groups/{group['id']}", "Group", requirement="P-3.7-03")
    check(member_ids(after) == [stayer["id"]], "The bulk PATCH did not remove the leaver",
          expected=f"members [{stayer['id']}]", received=member_ids(after), response=got,
          requirement="P-3.7-08")  # fmt: skip
    user, got = read(scim_client, f"/Users/{leaver['id']}", "User", requirement="P-3.7-03")
    check(attribute(user, "active") is False, "The bulk PATCH did not deactivate the leaver",
          expected="active: false", received=attribute(user, "active"), response=got,
          requirement="P-3.7-08")  # fmt: skip
    assert_scim_error(scim_client.get(f"/Users/{gone['id']}"), 404, requirement="P-3.7-03")
