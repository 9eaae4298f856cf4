"""Interop profile: the rules of draft-zollner-scim-interop-profile-01 that a black-box client can
check ("SCIM 2.0 Interoperability Profile", D. Zollner, April 2026; source
https://github.com/Zollnerd/scim-interop-profile).

The profile narrows what RFC 7643/7644 leave open so that one client works with every server:
filtering with ``eq`` and ``and`` is mandatory (§6.3), a ``count`` of at least 100 is honoured
(§6.4), undefined attributes are refused with 400 invalidSyntax (§5.3), the case rules of
filtering and uniqueness agree (userName case-insensitive, id and externalId case-exact, §5.2),
uniqueness conflicts are 409 (§6.9.1), and a DELETE really deletes and frees the identifiers
while a PATCH never deletes (§6.6). Where the RFC has a row for the same rule the failure cites
it; where only the profile asks for it (the RFC allows a page smaller than 100, a 400 for a
conflict) the failure names the profile section and no catalog row.

Left out on purpose: §6.5.1.1 requires servers to refuse PATCH operations without a path, which
RFC 7644 §3.5.2 requires them to accept (P-3.5.2-06) and which Okta and Entra send; §7 (TLS) is
not observable on the bundled mock.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_tests.asserts import (
    assert_list_response,
    assert_scim_error,
    assert_status,
    check,
    fail,
)
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc, feature_supported
from scim_tests.failures import ConformanceFailure
from scim_tests.fixtures import create
from scim_tests.groups import check_members, new_group_of
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, read
from scim_tests.query import ids_of, list_page, tagged

pytestmark = [pytest.mark.scim_profile("interop")]

DRAFT = "draft-zollner-scim-interop-profile-01"
#: The smallest count a server must honour (§6.4).
INTEROP_COUNT = 100
POPULATION = 3


def violation(section: str, title: str, *, expected: Any, received: Any,
              response: ScimResponse | None = None) -> ConformanceFailure:  # fmt: skip
    """A rule only the interop profile sets (no RFC row): the failure names its section."""
    # The profile's rule: the RFCs allow the behaviour, so no catalog row is cited.
    return fail(f"SCIM interop profile §{section}: {title}", expected=expected,
                received=received, response=response, uncited=True,
                hint=f"{DRAFT} §{section}; RFC 7643/7644 alone allow this behaviour",
                cause=f"profile interop §{section}: {title}")  # fmt: skip


def need(spc: Spc, feature: str, section: str) -> None:
    """The profile makes ``feature`` mandatory: a server advertising it unsupported fails."""
    __tracebackhide__ = True
    if feature_supported(spc, feature) is False:
        raise violation(section, f"{feature} must be supported",
                        expected=f"{feature}.supported=true",
                        received=f"{feature}.supported=false")  # fmt: skip


def query(client: ScimClient, text: str, row: str) -> tuple[list[str], ScimResponse]:
    """The ids a /Users filter returns (a 200 ListResponse)."""
    __tracebackhide__ = True
    response = client.get("/Users", params={"filter": text})
    return ids_of(assert_list_response(response, requirement=row)), response


# -- §6.3 filtering ---------------------------------------------------------------------------


@requirement("P-3.4.2.2-05", "P-3.4.2.2-13")
def test_interop_eq_and_and_filters(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc
) -> None:
    """§6.3: servers support the ``eq`` and ``and`` operators (the only ones clients may use).
    Of two users A and B, ``userName eq A`` and ``userName eq A and externalId eq <A's>`` give
    exactly A; ``userName eq A and externalId eq <B's>`` gives nothing (P-3.4.2.2-05,
    P-3.4.2.2-13)."""
    need(service_provider_config, "filter", "6.3")
    a, b = (create(scim_client, "/Users", user_payload()) for _ in range(2))
    cases = [
        (f'userName eq "{a["userName"]}"', [a["id"]], "P-3.4.2.2-05"),
        (f'userName eq "{a["userName"]}" and externalId eq "{a["externalId"]}"', [a["id"]],
         "P-3.4.2.2-13"),
        (f'userName eq "{a["userName"]}" and externalId eq "{b["externalId"]}"', [],
         "P-3.4.2.2-13"),
    ]  # fmt: skip
    for text, wanted, row in cases:
        ids, response = query(scim_client, text, row)
        check(ids == wanted, "An eq/and filter returns the wrong users",
              expected=f"{wanted} for filter {text}", received=ids, response=response,
              requirement=row)  # fmt: skip


@requirement("P-3.12-15")
def test_interop_filter_on_undefined_attribute_is_invalid_filter(
    scim_client: ScimClient, service_provider_config: Spc
) -> None:
    """§6.3: a filter on an attribute that no schema of the resource type defines is answered
    400 with scimType invalidFilter. The RFC does not say so (the expression is grammatical,
    and an empty result reads the attribute as unassigned), so a 2xx fails on the profile's
    rule only; a refusal names invalidFilter (P-3.12-15, SHOULD)."""
    need(service_provider_config, "filter", "6.3")
    response = scim_client.get("/Users", params={"filter": 'scimctUndefinedAttribute eq "x"'})
    if 200 <= response.status_code < 300:
        raise violation("6.3", "a filter on an undefined attribute is accepted",
                        expected="400 with scimType invalidFilter",
                        received=f"{response.status_code} (read as an unassigned attribute)",
                        response=response)  # fmt: skip
    assert_scim_error(response, 400, "invalidFilter", requirement="P-3.12-15")


# -- §6.4 pagination --------------------------------------------------------------------------


@requirement("P-3.4.2.4-07", "P-3.4.2.4-01")
def test_interop_count_of_100_is_honoured(
    scim_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    service_provider_config: Spc,
) -> None:
    """§6.4: a client-requested count of 100 is honoured. ``GET /Users?startIndex=1&count=100``
    returns min(100, totalResults) users, and (with filtering) a query over three marker users
    returns all three in one page with totalResults 3 (P-3.4.2.4-07, P-3.4.2.4-01; a smaller
    page is RFC-legal, so only the profile is cited for it)."""
    tag = f"{scim_prefix}-iop"
    mine = [create(scim_client, "/Users", tagged(user_payload, tag))["id"] for _ in range(3)]
    checks: list[dict[str, str]] = [{"startIndex": "1", "count": str(INTEROP_COUNT)}]
    if feature_supported(service_provider_config, "filter") is not False:
        checks.append({"filter": f'userName sw "{tag}"', **checks[0]})
    for params in checks:
        body, response = list_page(scim_client, params, requirement="P-3.4.2.4-07")
        total, page = body.get("totalResults"), ids_of(body)
        if "filter" in params:
            check(total == POPULATION and sorted(page) == sorted(mine),
                  "A count=100 query does not return the three marker users",
                  expected=f"totalResults 3 and ids {sorted(mine)}",
                  received=f"totalResults {total!r}, ids {sorted(page)}", response=response,
                  requirement=("P-3.4.2.4-07", "P-3.4.2.4-01"))  # fmt: skip
        wanted = min(INTEROP_COUNT, total) if isinstance(total, int) else None
        if wanted is not None and len(page) < wanted:
            raise violation("6.4", "a count of 100 is not honoured",
                            expected=f"{wanted} resources on the page (count=100, "
                            f"totalResults {total})", received=f"{len(page)} resources",
                            response=response)  # fmt: skip


# -- §5.3 attribute handling ------------------------------------------------------------------


@requirement("P-3.12-07", "P-3.12-19")
def test_interop_undefined_attribute_is_refused(
    scim_client: ScimClient, user_payload: Payload
) -> None:
    """§5.3: a create carrying an attribute that no schema defines (a misspelt mapping,
    ``dispalyName``) is refused with 400 and scimType invalidSyntax instead of being dropped
    (P-3.12-07, P-3.12-19)."""
    body = user_payload()
    body["dispalyName"] = body["displayName"]
    response = scim_client.post("/Users", body)
    if 200 <= response.status_code < 300:
        raise violation("5.3", "an undefined attribute is accepted",
                        expected="400 with scimType invalidSyntax",
                        received=f"{response.status_code} (dispalyName accepted)",
                        response=response)  # fmt: skip
    assert_scim_error(response, 400, "invalidSyntax", requirement="P-3.12-19")


# -- §5.2 case sensitivity, §6.9.1 uniqueness -------------------------------------------------


@requirement("P-3.4.2.2-22", "C-4.1.1-03", "P-3.3-07")
def test_interop_username_case_insensitive_in_filters_and_uniqueness(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc
) -> None:
    """§5.2: userName is case-insensitive, the same for filters and for uniqueness. A user's
    userName with its case swapped matches it in ``userName eq`` and collides with it on
    create: 409 with scimType uniqueness (§6.9.1) (P-3.4.2.2-22, C-4.1.1-03, P-3.3-07)."""
    need(service_provider_config, "filter", "6.3")
    body = user_payload()
    user = create(scim_client, "/Users", body)
    other = body["userName"].swapcase()
    ids, response = query(scim_client, f'userName eq "{other}"', "P-3.4.2.2-22")
    check(ids == [user["id"]], "userName eq with the case swapped does not find the user",
          expected=[user["id"]], received=ids, response=response,
          requirement="P-3.4.2.2-22")  # fmt: skip
    response = scim_client.post("/Users", user_payload(userName=other))
    check(response.status_code != 201,
          "A userName differing only in case was accepted although the filter matches it",
          expected="409 with scimType uniqueness", received=response.status_code,
          response=response, requirement="C-4.1.1-03")  # fmt: skip
    conflict(response)


def conflict(response: ScimResponse) -> None:
    """§6.9.1: a uniqueness conflict is exactly 409 with scimType uniqueness."""
    __tracebackhide__ = True
    if response.status_code == 400:
        raise violation("6.9.1", "a uniqueness conflict is answered 400",
                        expected="409 with scimType uniqueness", received="400 (RFC-tolerated)",
                        response=response)  # fmt: skip
    assert_scim_error(response, 409, "uniqueness", requirement="P-3.3-07")


@requirement("C-3.1-12", "C-7-10", "C-3.1-13")
def test_interop_external_id_case_exact_in_filters(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc
) -> None:
    """§5.2: externalId is case-exact. ``externalId eq`` with the exact value finds the user;
    with the case swapped it finds nothing (C-3.1-12, C-7-10, C-3.1-13)."""
    need(service_provider_config, "filter", "6.3")
    body = user_payload()
    body["externalId"] = f"{body['externalId']}-AbC"
    user = create(scim_client, "/Users", body)
    for value, wanted, row in ((body["externalId"], [user["id"]], "C-3.1-13"),
                               (body["externalId"].swapcase(), [], "C-7-10")):  # fmt: skip
        ids, response = query(scim_client, f'externalId eq "{value}"', row)
        check(ids == wanted, "externalId eq does not compare case-exactly",
              expected=f"{wanted} for externalId eq \"{value}\"", received=ids,
              response=response, requirement=row)  # fmt: skip


@requirement("P-3.3-07", "P-3.12-11")
def test_interop_uniqueness_conflict_is_409(scim_client: ScimClient, user_payload: Payload) -> None:
    """§6.9.1: creating a second user with a taken userName is answered 409 with scimType
    uniqueness (the RFC tolerates 400, the profile does not) (P-3.3-07, P-3.12-11)."""
    body = user_payload()
    create(scim_client, "/Users", body)
    response = scim_client.post("/Users", user_payload(userName=body["userName"]))
    check(not 200 <= response.status_code < 300, "A duplicate userName was accepted",
          expected="409 with scimType uniqueness", received=response.status_code,
          response=response, requirement="P-3.3-07")  # fmt: skip
    conflict(response)


# -- §6.6 resource lifecycle ------------------------------------------------------------------


@requirement("P-3.6-05", "P-3.6-02", "P-3.6-03", "P-3.6-04")
def test_interop_delete_removes_and_frees_the_username(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc
) -> None:
    """§6.6: a DELETE deletes (204), after it the user answers 404 and is in no query result,
    and its userName is free again: the same body creates a new user (201) (P-3.6-05,
    P-3.6-02, P-3.6-03, P-3.6-04; the profile makes the last, a SHOULD in the RFC, a MUST)."""
    body = user_payload()
    user = create(scim_client, "/Users", body)
    assert_status(scim_client.delete(f"/Users/{user['id']}"), 204, requirement="P-3.6-05")
    response = scim_client.get(f"/Users/{user['id']}")
    check(response.status_code == 404, "A deleted user is still retrievable",
          expected=404, received=response.status_code, response=response,
          requirement="P-3.6-02")  # fmt: skip
    if feature_supported(service_provider_config, "filter") is not False:
        ids, response = query(scim_client, f'userName eq "{body["userName"]}"', "P-3.6-03")
        check(ids == [], "A deleted user is still in query results", expected=[],
              received=ids, response=response, requirement="P-3.6-03")  # fmt: skip
    response = scim_client.post("/Users", body)
    assert_status(response, 201, requirement="P-3.6-04",
                  title="The userName of a deleted user cannot be used again")  # fmt: skip


@requirement("P-3.5.2.2-04", "P-3.5.2-16")
def test_interop_patch_never_deletes_a_group(
    scim_client: ScimClient,
    user_payload: Payload,
    group_payload: Payload,
    service_provider_config: Spc,
) -> None:
    """§6.6 (and §6.5: PATCH is mandatory): a PATCH that removes a group's only member leaves
    the group in place, without members (P-3.5.2.2-04, P-3.5.2-16)."""
    need(service_provider_config, "patch", "6.5")
    member = create(scim_client, "/Users", user_payload())
    group = new_group_of(scim_client, group_payload, member)
    response = scim_client.patch(f"/Groups/{group['id']}", {
        "schemas": [PATCH_OP],
        "Operations": [{"op": "remove", "path": f'members[value eq "{member["id"]}"]'}],
    })  # fmt: skip
    assert_status(response, 200, 204, requirement="P-3.5.2-16")
    read(scim_client, f"/Groups/{group['id']}", "Group", requirement="P-3.5.2.2-04")
    check_members(scim_client, group["id"], set(), "The group still lists the removed member",
                  "P-3.5.2.2-04")  # fmt: skip
