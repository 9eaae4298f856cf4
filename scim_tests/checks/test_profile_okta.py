"""Okta client profile: the requests Okta's SCIM 2.0 client sends, replayed as Okta sends them.

Source: Okta developer documentation, "SCIM 2.0 Protocol Reference" (Okta and SCIM Version 2.0)
and "Build a SCIM provisioning integration". Okta identifies itself with
``User-Agent: Okta SCIM Client 1.0.0``; the pages show no Content-Type or Accept, so the suite's
``application/scim+json`` is sent. Okta looks users up with ``filter=userName eq`` (percent-encoded,
``startIndex=1&count=100``), creates users with a ``password`` and ``"groups": []``, updates them
by GET then a full PUT of what it got back, deactivates and reactivates them by a pathless PATCH
replace of ``active`` (it never DELETEs users), pushes groups with ``"members": []``, renames them
by a pathless replace whose value also carries the group's ``id``, and changes membership with
``remove members[value eq "<id>"]`` and ``add members`` with a value array.

Only the rename departs from the RFCs (the readOnly ``id`` inside a PATCH value): it is checked
with :func:`scim_tests.profiles.accept_deviation`. Okta needs the filter and PATCH features; a
server that advertises either unsupported fails with a message naming the Okta flow and no
catalog row violated.
"""

from __future__ import annotations

import secrets
from collections import Counter
from typing import Any
from urllib.parse import quote

import pytest

from scim_tests.asserts import (
    assert_list_response,
    assert_status,
    assert_valid,
    check,
    json_object,
    resources_of,
)
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc, feature_supported
from scim_tests.failures import ConformanceFailure
from scim_tests.fixtures import create
from scim_tests.groups import check_members
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, read
from scim_tests.profiles import ClientBehaviour, accept_deviation
from scim_tests.query import ids_of, list_page, tagged
from scim_tests.resources import attribute

pytestmark = [pytest.mark.scim_profile("okta")]

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
#: The header Okta's documented requests carry.
OKTA = {"User-Agent": "Okta SCIM Client 1.0.0"}
#: Okta's page size (it advances startIndex by 100).
OKTA_COUNT = 100
#: The User attributes of Okta's documented create body (besides schemas).
OKTA_USER_KEYS = ("userName", "name", "emails", "displayName", "externalId", "active")
MARKERS = 5

PATHLESS_ID = ClientBehaviour(
    client="Okta",
    sends="a Group rename as a pathless replace whose value carries the readOnly id: "
    '{"op": "replace", "value": {"id": "<group id>", "displayName": "<name>"}}',
    rule="RFC 7644 §3.5.2 (an operation must be compatible with the attribute's mutability) and "
    "RFC 7643 §3.1 (id is readOnly)",
    accept="ignore the id when it is the group's own and apply displayName (the bundled mock: "
    "--scim-mock-compat okta, rule okta-pathless-replace-id)",
)


def need(spc: Spc, feature: str, flow: str) -> None:
    """Fail, with no catalog row violated, when the server says it lacks what Okta needs."""
    __tracebackhide__ = True
    if feature_supported(spc, feature) is False:
        raise ConformanceFailure(
            f"Okta needs {feature}, which this server says it does not offer: {flow}; "
            f"/ServiceProviderConfig advertises {feature}.supported=false (Okta does not read "
            "it: it sends the requests anyway, which the server does not promise to answer)",
            expected=f"{feature}.supported=true (Okta needs it; the RFC makes it optional)",
            received=f"{feature}.supported=false",
            cause=f"profile okta: {feature} unsupported",
            uncited=True,  # the server broke no RFC row: the feature is optional
        )


def okta_user(user_payload: Payload, **overrides: Any) -> dict[str, Any]:
    """A User body shaped like Okta's create: its attributes, ``locale``, ``groups: []`` and a
    generated ``password`` (extension attributes a provider requires are kept)."""
    base = user_payload(**overrides)
    body: dict[str, Any] = {"schemas": base["schemas"]}
    body.update({k: v for k, v in base.items() if k in OKTA_USER_KEYS or k.startswith("urn:")})
    body["name"] = {k: v for k, v in body["name"].items() if k in ("givenName", "familyName")}
    body.update(locale="en-US", groups=[], password=f"Ok-{secrets.token_hex(4)}-9q")
    return body


def lookup(client: ScimClient, user_name: str) -> ScimResponse:
    """Okta's existence check, encoded as Okta encodes it (``%20``, ``%22``, ``%40``)."""
    query = quote(f'userName eq "{user_name}"', safe="")
    return client.get(f"/Users?filter={query}&startIndex=1&count={OKTA_COUNT}", headers=OKTA)


def okta_patch(client: ScimClient, path: str, *operations: dict[str, Any]) -> ScimResponse:
    """A PATCH as Okta sends it (PatchOp schema, its operations)."""
    return client.patch(path, {"schemas": [PATCH_OP], "Operations": list(operations)},
                        headers=OKTA)  # fmt: skip


def okta_get(client: ScimClient, path: str, kind: str, row: str) -> dict[str, Any]:
    """GET one resource as Okta does (200 and a valid representation)."""
    __tracebackhide__ = True
    response = client.get(path, headers=OKTA)
    assert_status(response, 200, requirement=row)
    body = json_object(response, requirement=row)
    assert_valid(body, kind, response=response, requirement=row)
    return body


def okta_create(client: ScimClient, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST as Okta does; a 201 with a valid resource (P-3.3-03)."""
    __tracebackhide__ = True
    response = client.post(endpoint, body, headers=OKTA)
    assert_status(response, 201, requirement="P-3.3-03")
    created = json_object(response, requirement="P-3.3-03")
    assert_valid(created, endpoint.strip("/")[:-1], response=response, requirement="P-3.3-03")
    return created


def check_active(client: ScimClient, user_id: str, wanted: bool, row: str) -> None:
    """The user is still there (C-4.1.1-05) and shows ``active`` as Okta set it."""
    __tracebackhide__ = True
    user, response = read(client, f"/Users/{user_id}", "User", requirement="C-4.1.1-05")
    text = str(wanted).lower()
    check(attribute(user, "active") is wanted, f"After Okta's PATCH the user is not active={text}",
          expected=f"active: {text}", received=f"active: {attribute(user, 'active')}",
          response=response, requirement=row)  # fmt: skip


# -- users ------------------------------------------------------------------------------------


@requirement("P-3.4.2-08", "P-3.4.2.2-05", "P-3.4.2-04")
def test_okta_user_lookup_by_username(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc
) -> None:
    """Okta's existence check before a create, ``GET /Users?filter=userName eq "<name>"
    &startIndex=1&count=100``: 200 with an empty ListResponse (totalResults 0) while the user is
    absent, then exactly that user once it exists (P-3.4.2-08, P-3.4.2.2-05, P-3.4.2-04).
    Source: "SCIM 2.0 Protocol Reference", Determine if the User already exists."""
    need(service_provider_config, "filter", 'Okta looks users up with filter=userName eq "..."')
    body = okta_user(user_payload)
    response = lookup(scim_client, body["userName"])
    listed = assert_list_response(response, requirement="P-3.4.2-08")
    check(listed.get("totalResults") == 0 and not resources_of(listed),
          "Okta's lookup of an absent user does not answer an empty list",
          expected="totalResults 0 and no Resources",
          received=f"totalResults {listed.get('totalResults')!r}, "
          f"{len(resources_of(listed))} resource(s)",
          response=response, requirement="P-3.4.2-08")  # fmt: skip
    user = okta_create(scim_client, "/Users", body)
    response = lookup(scim_client, body["userName"])
    listed = assert_list_response(response, requirement="P-3.4.2.2-05")
    check(ids_of(listed) == [user["id"]] and listed.get("totalResults") == 1,
          "Okta's lookup does not find the user it just created",
          expected=f"totalResults 1 and exactly {user['id']}",
          received=f"totalResults {listed.get('totalResults')!r}, ids {ids_of(listed)}",
          response=response, requirement="P-3.4.2.2-05")  # fmt: skip


@requirement("P-3.3-03", "C-4.1.1-07", "P-3.3-01")
def test_okta_create_with_password_and_empty_groups(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """Okta's create body (userName, name, emails, displayName, locale, externalId,
    ``"groups": []``, ``password``, active) is answered 201; the password is returned neither
    in the 201 body nor by a GET, and the readOnly ``groups`` sent is ignored: the user belongs
    to no group (P-3.3-03, C-4.1.1-07, P-3.3-01). Source: "SCIM 2.0 Protocol Reference",
    Create the User."""
    body = okta_user(user_payload)
    created = okta_create(scim_client, "/Users", body)
    fetched = okta_get(scim_client, f"/Users/{created['id']}", "User", "P-3.4.1-01")
    for shown, where in ((created, "the 201 body"), (fetched, "a GET")):
        check(attribute(shown, "password") is None, f"{where} returns the password Okta set",
              expected="no password attribute", received="password present",
              requirement="C-4.1.1-07")  # fmt: skip
    check(not attribute(fetched, "groups"), 'The "groups": [] Okta sent was not ignored',
          expected="no groups (groups is readOnly)", received=attribute(fetched, "groups"),
          requirement="P-3.3-01")  # fmt: skip
    kept = attribute(fetched, "userName") == body["userName"]
    check(kept and attribute(fetched, "active") is True,
          "The user Okta created does not have its userName and active=true",
          expected=f"userName {body['userName']}, active true",
          received=f"userName {attribute(fetched, 'userName')}, "
          f"active {attribute(fetched, 'active')}", requirement="P-3.3-03")  # fmt: skip


@requirement("P-3.5.1-08", "P-3.5.1-02", "P-3.5.1-06")
def test_okta_update_by_get_then_full_put(scim_client: ScimClient, user_payload: Payload) -> None:
    """Okta updates a user by a GET, then a PUT of the whole representation it got back (id,
    meta and all) with its changes applied (here name.middleName and displayName): 200, and a
    GET shows the changes with userName and active kept (P-3.5.1-08, P-3.5.1-02, P-3.5.1-06).
    Source: "SCIM 2.0 Protocol Reference", Update a specific User (PUT)."""
    user = create(scim_client, "/Users", okta_user(user_payload))
    path = f"/Users/{user['id']}"
    got = okta_get(scim_client, path, "User", "P-3.4.1-01")
    name_key = next((k for k in got if k.lower() == "name"), "name")
    name = dict(got.get(name_key) or {})
    name["middleName"] = "Excited"
    changed = {**got, name_key: name}
    display_key = next((k for k in got if k.lower() == "displayname"), "displayName")
    changed[display_key] = f"{attribute(got, 'displayName') or 'Okta'} Updated"
    response = scim_client.put(path, changed, headers=OKTA)
    assert_status(response, 200, requirement="P-3.5.1-08")
    assert_valid(json_object(response), "User", response=response, requirement="P-3.5.1-08")
    after = okta_get(scim_client, path, "User", "P-3.4.1-01")
    shown = {
        "name.middleName": attribute(attribute(after, "name") or {}, "middleName"),
        "displayName": attribute(after, "displayName"),
        "userName": attribute(after, "userName"),
        "active": attribute(after, "active"),
    }
    wanted = {
        "name.middleName": "Excited",
        "displayName": changed[display_key],
        "userName": attribute(got, "userName"),
        "active": attribute(got, "active"),
    }
    check(shown == wanted, "Okta's full PUT was not applied as sent",
          expected=wanted, received=shown, requirement="P-3.5.1-02")  # fmt: skip


@requirement("P-3.5.2.3-10", "P-3.5.2-16", "C-4.1.1-05", "C-4.1.1-06")
def test_okta_deactivate_and_reactivate_by_pathless_replace(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc
) -> None:
    """Okta deactivates a user with ``{"op": "replace", "value": {"active": false}}`` (no path)
    and reactivates it the same way with true: each answered 200 or 204, and the user is still
    there (Okta never DELETEs users) with active false, then true; Okta's userName lookup still
    finds the inactive user (P-3.5.2.3-10, P-3.5.2-16, C-4.1.1-05, C-4.1.1-06). Source:
    "SCIM 2.0 Protocol Reference", Update a specific User (PATCH) and Delete Users."""
    need(service_provider_config, "patch", "Okta deactivates users by PATCH")
    body = okta_user(user_payload)
    user = create(scim_client, "/Users", body)
    path = f"/Users/{user['id']}"
    response = okta_patch(scim_client, path, {"op": "replace", "value": {"active": False}})
    assert_status(response, 200, 204, requirement="P-3.5.2.3-10")
    check_active(scim_client, user["id"], False, "P-3.5.2.3-10")
    if feature_supported(service_provider_config, "filter") is not False:
        response = lookup(scim_client, body["userName"])
        listed = assert_list_response(response, requirement="C-4.1.1-05")
        check(ids_of(listed) == [user["id"]], "Okta's lookup no longer finds the inactive user",
              expected=f"exactly {user['id']}", received=ids_of(listed), response=response,
              requirement="C-4.1.1-05")  # fmt: skip
    response = okta_patch(scim_client, path, {"op": "replace", "value": {"active": True}})
    assert_status(response, 200, 204, requirement="C-4.1.1-06")
    check_active(scim_client, user["id"], True, "C-4.1.1-06")


# -- groups -----------------------------------------------------------------------------------


def okta_group(group_payload: Payload) -> dict[str, Any]:
    """Okta's group push body: schemas, displayName and ``"members": []``."""
    return group_payload(members=[])


@requirement("P-3.3-03", "C-4.2-01")
def test_okta_group_push_with_empty_members(
    scim_client: ScimClient, group_payload: Payload
) -> None:
    """Okta pushes a group as ``{"schemas": [...], "displayName": "...", "members": []}``: 201,
    and a GET shows the group with its displayName and no members (P-3.3-03, C-4.2-01).
    Source: "SCIM 2.0 Protocol Reference", Create Groups."""
    body = okta_group(group_payload)
    group = okta_create(scim_client, "/Groups", body)
    fetched = okta_get(scim_client, f"/Groups/{group['id']}", "Group", "P-3.4.1-01")
    check(attribute(fetched, "displayName") == body["displayName"]
          and not attribute(fetched, "members"),
          "The group Okta pushed does not show its name and no members",
          expected=f"displayName {body['displayName']}, no members",
          received=f"displayName {attribute(fetched, 'displayName')}, "
          f"members {attribute(fetched, 'members')}", requirement="C-4.2-01")  # fmt: skip


@requirement("P-3.5.2.3-01", "P-3.5.2-16")
def test_okta_group_rename_by_pathless_replace_with_id(
    scim_client: ScimClient, group_payload: Payload, service_provider_config: Spc
) -> None:
    """Okta renames a pushed group with ``{"op": "replace", "value": {"id": "<group id>",
    "displayName": "<new name>"}}``. The readOnly id inside the value departs from the RFC
    (a strict server may refuse it, and then Okta cannot rename groups); a server that accepts
    it must also apply the new displayName (P-3.5.2.3-01, P-3.5.2-16). Source: "SCIM 2.0
    Protocol Reference", Update a specific Group name."""
    need(service_provider_config, "patch", "Okta renames groups by PATCH")
    group = create(scim_client, "/Groups", okta_group(group_payload))
    new_name = f"{group['displayName']}-renamed"
    path = f"/Groups/{group['id']}"
    rename = {"op": "replace", "value": {"id": group["id"], "displayName": new_name}}
    response = okta_patch(scim_client, path, rename)
    if response.status_code >= 500:  # a server failure, not a refusal of the id (501: C-5-12)
        assert_status(response, 200, 204, requirement="P-3.5.2-16")
    accept_deviation(PATHLESS_ID, response)
    assert_status(response, 200, 204, requirement="P-3.5.2-16")
    fetched = okta_get(scim_client, path, "Group", "P-3.4.1-01")
    check(attribute(fetched, "displayName") == new_name and fetched.get("id") == group["id"],
          "Okta's rename was accepted but not applied",
          expected=f"displayName {new_name}, id {group['id']}",
          received=f"displayName {attribute(fetched, 'displayName')}, id {fetched.get('id')}",
          requirement="P-3.5.2.3-01")  # fmt: skip


@requirement("P-3.5.2.2-04", "P-3.5.2.1-05", "P-3.5.2-12")
def test_okta_group_membership_remove_by_filter_and_add_array(
    scim_client: ScimClient,
    user_payload: Payload,
    group_payload: Payload,
    service_provider_config: Spc,
) -> None:
    """Okta adds members with ``{"op": "add", "path": "members", "value": [{"value": "<id>",
    "display": "<userName>"}]}`` and sends membership changes as one PATCH of ``remove`` with
    ``path: members[value eq "<id>"]`` followed by ``add``. A group pushed empty gets A and C,
    then the change removes A and adds B: a GET shows exactly C and B (P-3.5.2.2-04,
    P-3.5.2.1-05, P-3.5.2-12). Source: "SCIM 2.0 Protocol Reference", Update specific Group
    membership."""
    need(service_provider_config, "patch", "Okta changes group memberships by PATCH")
    a, b, c = (create(scim_client, "/Users", okta_user(user_payload)) for _ in range(3))
    group = create(scim_client, "/Groups", okta_group(group_payload))
    path = f"/Groups/{group['id']}"

    def member(user: dict[str, Any]) -> dict[str, str]:
        return {"value": user["id"], "display": user["userName"]}

    response = okta_patch(scim_client, path, {"op": "add", "path": "members",
                                              "value": [member(a), member(c)]})  # fmt: skip
    assert_status(response, 200, 204, requirement="P-3.5.2.1-05")
    check_members(scim_client, group["id"], {a["id"], c["id"]},
                  "Okta's add of two members does not list them", "P-3.5.2.1-05")  # fmt: skip
    response = okta_patch(
        scim_client, path,
        {"op": "remove", "path": f'members[value eq "{a["id"]}"]'},
        {"op": "add", "path": "members", "value": [member(b)]},
    )  # fmt: skip
    assert_status(response, 200, 204, requirement="P-3.5.2.2-04")
    check_members(scim_client, group["id"], {c["id"], b["id"]},
                  "Okta's remove-then-add did not leave exactly the other member and the new one",
                  "P-3.5.2.2-04")  # fmt: skip


# -- paging -----------------------------------------------------------------------------------

PAGING_FIELDS = ("totalResults", "startIndex", "itemsPerPage")


def walk(client: ScimClient, text: str, count: int, expected: int) -> list[str]:
    """Every id of the query, page by page (startIndex advancing by the page's length); each
    page's paging fields must be JSON integers (Okta reads them as such)."""
    __tracebackhide__ = True
    seen: list[str] = []
    start = 1
    for _ in range(expected + 2):
        params = {"filter": text, "startIndex": str(start), "count": str(count)}
        body, response = list_page(client, params, requirement="P-3.4.2-04")
        wrong = {k: body[k] for k in PAGING_FIELDS
                 if k in body and (type(body[k]) is not int)}  # fmt: skip
        check(not wrong, "Paging fields are not JSON integers (Okta needs integers)",
              expected=f"{', '.join(PAGING_FIELDS)} as JSON integers", received=wrong,
              response=response, requirement=("C-2.3.4-01", "C-2.3-02"))  # fmt: skip
        page = ids_of(body)
        total = body.get("totalResults")
        if not page:
            break
        seen.extend(page)
        start += len(page)
        if isinstance(total, int) and start > total:
            break
    return seen


@requirement("C-2.3.4-01", "P-3.4.2-04", "P-3.4.2.4-07")
def test_okta_paging_integer_fields_and_stable_order(
    scim_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    service_provider_config: Spc,
) -> None:
    """Okta imports by paging (``startIndex``, ``count``, ``totalResults``), needs the paging
    fields as JSON integers and the same order on every request whatever count and startIndex
    say. Over five marker users (``userName sw "<prefix>-okp"``), two walks with count=2 and
    one with Okta's count=100 give every user exactly once, each page's fields are integers,
    and the three sequences are identical (C-2.3.4-01, P-3.4.2-04, P-3.4.2.4-07; the stable
    order itself is Okta's requirement, not an RFC row). Source: "SCIM 2.0 Protocol Reference",
    Retrieve Users."""
    need(service_provider_config, "filter", "Okta looks users up with filter=userName eq")
    tag = f"{scim_prefix}-okp"
    mine = {create(scim_client, "/Users", tagged(user_payload, tag))["id"] for _ in range(MARKERS)}
    text = f'userName sw "{tag}"'
    walks = [walk(scim_client, text, 2, MARKERS), walk(scim_client, text, 2, MARKERS),
             walk(scim_client, text, OKTA_COUNT, MARKERS)]  # fmt: skip
    for seen, count in zip(walks, (2, 2, OKTA_COUNT), strict=True):
        twice = sorted(i for i, n in Counter(seen).items() if n > 1)
        missed, extra = sorted(mine - set(seen)), sorted(set(seen) - mine)
        check(not (twice or missed or extra), f"Walking the pages with count={count} is not exact",
              expected="every marker user exactly once",
              received=f"repeated {twice}, missing {missed}, unexpected {extra}",
              requirement="P-3.4.2.4-07")  # fmt: skip
    if not walks[0] == walks[1] == walks[2]:
        raise ConformanceFailure(
            "Okta cannot import reliably: the order of results changes between requests",
            expected="the same sequence for count=2 (twice) and count=100",
            received=f"{walks[0]} / {walks[1]} / {walks[2]}",
            hint="Okta pages with startIndex+count and needs one stable order (Okta: SCIM 2.0 "
            "Protocol Reference, Retrieve Users); RFC 7644 §3.4.2.4 leaves the order open",
            cause="profile okta: unstable order across pages",
            uncited=True,  # Okta's rule, no RFC row
        )
