"""Cursor-based pagination (RFC 9865, October 2025), run when the server advertises it.

A server advertises cursor paging with ``pagination.cursor: true`` in /ServiceProviderConfig
(RFC 9865 §4); without it every check here is skipped, naming what the document said. The
requests follow §2: an empty ``cursor`` starts, the same query with ``cursor=<nextCursor>``
continues, nextCursor is present on every page but the last (and omitted only there),
previousCursor (optional) never on the first page, and a ``count`` the server cannot use gets
400 invalidCount, a cursor it did not issue 400 invalidCursor (§2.1); §3 carries the same
``cursor`` in a ``/.search`` body.

RFC 9865 has no rows in the requirement catalog (/work/shared/spec/requirements.tsv covers
RFC 7643/7644), so these checks carry no ``@requirement``: their failures are *uncited*
(``ConformanceFailure(uncited=True)``, as the client-profile checks report theirs) and name the
RFC 9865 section and its level (MUST or SHOULD) in the title and hint. The error checks are
SHOULD-level: §2.1 says a server SHOULD answer invalid paging parameters with an error.
Expired cursors (expiredCursor) are not checked: that takes waiting out ``cursorTimeout``.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scim_tests.asserts import fail, resources_of
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc
from scim_tests.failures import ConformanceFailure
from scim_tests.operations import Payload
from scim_tests.query import Population, depopulate, tagged_population

RFC = "RFC 9865"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
#: Users the long walk pages through (RFC 9865 exists for large result sets).
WALK_SIZE = 200
WALK_COUNT = 25
SMALL_SIZE = 5
SMALL_COUNT = 2
#: Pages a walk follows at most before it calls the list never-ending.
MAX_PAGES = 2000

Fetch = Callable[[str], ScimResponse]


def violation(section: str, level: str, title: str, *, expected: Any, received: Any,
              response: ScimResponse | None = None) -> ConformanceFailure:  # fmt: skip
    """A broken RFC 9865 rule: no catalog row, so the failure names the section and level."""
    return fail(f"{RFC} §{section} ({level}): {title}", expected=expected, received=received,
                response=response, cause=f"{RFC} §{section}: {title}", uncited=True,
                hint=f"{RFC} §{section}, cursor-based pagination (not in the requirement "
                "catalog)")  # fmt: skip


def ensure(condition: object, section: str, level: str, title: str, *, expected: Any,
           received: Any, response: ScimResponse | None = None) -> None:  # fmt: skip
    __tracebackhide__ = True
    if not condition:
        raise violation(section, level, title, expected=expected, received=received,
                        response=response)  # fmt: skip


def _pagination(spc: Spc) -> dict[str, Any] | None:
    value = spc.get("pagination") if isinstance(spc, dict) else None
    return value if isinstance(value, dict) else None


@pytest.fixture
def cursor_paging(service_provider_config: Spc) -> dict[str, Any]:
    """The advertised ``pagination`` object; skip unless it says ``cursor: true``."""
    pagination = _pagination(service_provider_config)
    if pagination is None or pagination.get("cursor") is not True:
        shown = f"pagination={pagination!r}" if pagination is not None else "no pagination"
        pytest.skip(f"the server does not advertise RFC 9865 cursor pagination ({shown})")
    return pagination


def _page_size(pagination: dict[str, Any], wanted: int) -> int:
    largest = pagination.get("maxPageSize")
    if isinstance(largest, int) and not isinstance(largest, bool) and largest > 0:
        return min(wanted, largest)
    return wanted


def _page(response: ScimResponse, what: str) -> dict[str, Any]:
    """A 200 ListResponse body of a cursor request (RFC 9865 §2)."""
    __tracebackhide__ = True
    try:
        body = response.json()
    except (ValueError, ConformanceFailure):
        body = None
    ensure(response.status_code == 200 and isinstance(body, dict), "2", "MUST",
           f"{what} is not answered 200 with a ListResponse", expected="200 and a JSON object",
           received=f"{response.status_code} {response.text[:300]}", response=response)  # fmt: skip
    assert isinstance(body, dict)
    ensure(isinstance(body.get("Resources", []), list), "2", "MUST",
           f"{what}: Resources is not a list", expected="a list",
           received=body.get("Resources"), response=response)  # fmt: skip
    return body


def _walk(fetch: Fetch, count: int, wanted: set[str], *, bounded: bool
          ) -> tuple[list[str], int]:  # fmt: skip
    """Follow nextCursor from an empty cursor: every id seen in order, and the pages taken.

    With ``bounded`` (the query selects exactly ``wanted``) the list must end within one page
    past the pages the population fills; otherwise it is cut off after ``MAX_PAGES``.
    """
    __tracebackhide__ = True
    seen: list[str] = []
    cursor, pages = "", 0
    limit = math.ceil(len(wanted) / count) + 1 if bounded else MAX_PAGES
    while True:
        response = fetch(cursor)
        body = _page(response, f"cursor page {pages + 1} (count={count})")
        page = [str(r.get("id")) for r in resources_of(body)]
        pages += 1
        ensure(len(page) <= count, "2", "MUST", "a cursor page holds more than count resources",
               expected=f"at most {count}", received=len(page), response=response)  # fmt: skip
        if pages == 1:
            ensure("previousCursor" not in body, "2", "MUST",
                   "the first cursor page carries a previousCursor", expected="no previousCursor",
                   received=body.get("previousCursor"), response=response)  # fmt: skip
        seen += page
        following = body.get("nextCursor")
        if following is None:
            missing = wanted - set(seen)
            ensure(not missing, "2", "MUST",
                   "nextCursor is omitted before the last page: resources are left out",
                   expected=f"all {len(wanted)} resources of the run before nextCursor ends",
                   received=f"{len(missing)} never returned", response=response)  # fmt: skip
            return seen, pages
        ensure(isinstance(following, str) and following != cursor, "2", "MUST",
               "nextCursor is not a new cursor string",
               expected="a string other than the cursor sent",
               received=following, response=response)  # fmt: skip
        ensure(pages < limit, "2", "MUST",
               "nextCursor is still returned after the last page (the list never ends)",
               expected=f"no nextCursor within {limit} pages of {count} "
               f"for {len(wanted)} matching resources",
               received=f"page {pages} with {len(page)} resources and a nextCursor",
               response=response)  # fmt: skip
        cursor = following


def _once(seen: list[str], wanted: set[str]) -> None:
    __tracebackhide__ = True
    counts = Counter(i for i in seen if i in wanted)
    twice = sorted(i for i, n in counts.items() if n > 1)
    missing = sorted(wanted - set(counts))
    ensure(not twice and not missing, "2", "MUST",
           "walking the cursor pages does not return each resource exactly once",
           expected=f"each of the run's {len(wanted)} users once",
           received=f"{len(missing)} missing, {len(twice)} repeated")  # fmt: skip


def _getter(client: ScimClient, population: Population, count: int) -> Fetch:
    def fetch(cursor: str) -> ScimResponse:
        return client.get("/Users", params=population.params(cursor=cursor, count=count))

    return fetch


# -- populations ------------------------------------------------------------------------------


@pytest.fixture(scope="module")
def _walk_users(scim_discovery_client: ScimClient) -> Iterator[list[dict[str, Any]]]:
    users: list[dict[str, Any]] = []
    yield users
    depopulate(scim_discovery_client, users)


@pytest.fixture(scope="module")
def _small_users(scim_discovery_client: ScimClient) -> Iterator[list[dict[str, Any]]]:
    users: list[dict[str, Any]] = []
    yield users
    depopulate(scim_discovery_client, users)


@pytest.fixture
def walk_population(cursor_paging: dict[str, Any], _walk_users: list[dict[str, Any]],
                    scim_discovery_client: ScimClient, user_payload: Payload, scim_prefix: str,
                    service_provider_config: Spc) -> Population:  # fmt: skip
    """200 users whose userNames start with ``<prefix>-cw`` (created once per module)."""
    return tagged_population(scim_discovery_client, _walk_users, user_payload,
                             f"{scim_prefix}-cw", WALK_SIZE, service_provider_config)  # fmt: skip


@pytest.fixture
def small_population(cursor_paging: dict[str, Any], _small_users: list[dict[str, Any]],
                     scim_discovery_client: ScimClient, user_payload: Payload, scim_prefix: str,
                     service_provider_config: Spc) -> Population:  # fmt: skip
    """Five users whose userNames start with ``<prefix>-cs`` (created once per module)."""
    return tagged_population(scim_discovery_client, _small_users, user_payload,
                             f"{scim_prefix}-cs", SMALL_SIZE, service_provider_config)  # fmt: skip


# -- checks -------------------------------------------------------------------------------------


def test_cursor_pagination_object_shape(service_provider_config: Spc) -> None:
    """The ServiceProviderConfig ``pagination`` object, when present, has the RFC 9865 §4
    shape: ``cursor`` and ``index`` booleans (REQUIRED), ``defaultPaginationMethod`` "cursor"
    or "index", and ``defaultPageSize``, ``maxPageSize``, ``cursorTimeout`` positive integers
    where given (all OPTIONAL)."""
    pagination = _pagination(service_provider_config)
    if pagination is None:
        pytest.skip("the ServiceProviderConfig has no pagination object (RFC 9865 §4 optional)")
    for name in ("cursor", "index"):
        ensure(isinstance(pagination.get(name), bool), "4", "REQUIRED",
               f"pagination.{name} is not a boolean", expected="true or false",
               received=pagination.get(name))  # fmt: skip
    method = pagination.get("defaultPaginationMethod")
    ensure(method is None or method in ("cursor", "index"), "4", "MUST",
           "pagination.defaultPaginationMethod is neither \"cursor\" nor \"index\"",
           expected="\"cursor\" or \"index\"", received=method)  # fmt: skip
    for name in ("defaultPageSize", "maxPageSize", "cursorTimeout"):
        value = pagination.get(name)
        ensure(value is None or (isinstance(value, int) and not isinstance(value, bool)
                                 and value > 0), "4", "MUST",
               f"pagination.{name} is not a positive integer", expected="a positive integer",
               received=value)  # fmt: skip


def test_cursor_walk_returns_each_resource_once(
    scim_client: ScimClient, walk_population: Population, cursor_paging: dict[str, Any]
) -> None:
    """Paging 200 users by nextCursor from an empty cursor returns each exactly once, no page
    exceeds count, the first page has no previousCursor and nextCursor ends the walk only
    when nothing is left (RFC 9865 §2). Restricted to the population when the server filters;
    otherwise the whole list is walked and the population must appear in it once."""
    count = _page_size(cursor_paging, WALK_COUNT)
    wanted = set(walk_population.ids)
    seen, _ = _walk(_getter(scim_client, walk_population, count), count, wanted,
                    bounded=walk_population.filtered)  # fmt: skip
    _once(seen, wanted)


@pytest.mark.scim_feature("filter")
def test_cursor_last_page_omits_next_cursor(
    scim_client: ScimClient, small_population: Population, cursor_paging: dict[str, Any]
) -> None:
    """With five matching users and count=2, nextCursor disappears by the page after the
    last user (RFC 9865 §2: omitted only, and always, when there are no more pages)."""
    count = _page_size(cursor_paging, SMALL_COUNT)
    wanted = set(small_population.ids)
    seen, _ = _walk(_getter(scim_client, small_population, count), count, wanted, bounded=True)
    _once(seen, wanted)


def test_cursor_previous_cursor_round_trip(
    scim_client: ScimClient, small_population: Population, cursor_paging: dict[str, Any]
) -> None:
    """Where the second page carries a previousCursor (optional, RFC 9865 §2), following it
    returns the first page's resources again."""
    count = _page_size(cursor_paging, SMALL_COUNT)
    fetch = _getter(scim_client, small_population, count)
    first_response = fetch("")
    first = _page(first_response, "the first cursor page")
    following = first.get("nextCursor")
    if not isinstance(following, str):
        pytest.skip("the first page has no nextCursor to continue from")
    second_response = fetch(following)
    second = _page(second_response, "the second cursor page")
    previous = second.get("previousCursor")
    if previous is None:
        pytest.skip("the server returns no previousCursor (optional, RFC 9865 §2)")
    back_response = fetch(str(previous))
    back = _page(back_response, "the page previousCursor names")
    mine = set(small_population.ids)
    want = [str(r.get("id")) for r in resources_of(first) if str(r.get("id")) in mine]
    got = [str(r.get("id")) for r in resources_of(back) if str(r.get("id")) in mine]
    ensure(sorted(got) == sorted(want), "2", "MUST",
           "previousCursor does not lead back to the previous page",
           expected=f"the first page's users {want}", received=got,
           response=back_response)  # fmt: skip


def _error_keyword(response: ScimResponse) -> Any:
    try:
        body = response.json()
    except (ValueError, ConformanceFailure):
        return None
    return body.get("scimType") if isinstance(body, dict) else None


def test_cursor_forged_cursor_is_invalid_cursor(
    scim_client: ScimClient, small_population: Population, cursor_paging: dict[str, Any]
) -> None:
    """A cursor the server never issued gets 400 with scimType invalidCursor (RFC 9865 §2.1,
    SHOULD; §5.2: forged cursors should be detected and answered invalidCursor)."""
    count = _page_size(cursor_paging, SMALL_COUNT)
    response = _getter(scim_client, small_population, count)("scimConformanceForgedCursor0")
    ensure(response.status_code == 400 and _error_keyword(response) == "invalidCursor", "2.1",
           "SHOULD", "a forged cursor is not answered 400 invalidCursor",
           expected="400 with scimType invalidCursor",
           received=f"{response.status_code} scimType={_error_keyword(response)!r}",
           response=response)  # fmt: skip


def test_cursor_unreadable_count_is_invalid_count(
    scim_client: ScimClient, small_population: Population
) -> None:
    """A count that is not a number on a cursor query gets 400 with scimType invalidCount
    (RFC 9865 §2.1, SHOULD)."""
    response = scim_client.get("/Users", params=small_population.params(cursor="", count="ten"))
    ensure(response.status_code == 400 and _error_keyword(response) == "invalidCount", "2.1",
           "SHOULD", "count=ten on a cursor query is not answered 400 invalidCount",
           expected="400 with scimType invalidCount",
           received=f"{response.status_code} scimType={_error_keyword(response)!r}",
           response=response)  # fmt: skip


def test_cursor_search_body_pages(
    scim_client: ScimClient, small_population: Population, cursor_paging: dict[str, Any]
) -> None:
    """POST /Users/.search with ``"cursor": ""`` and the nextCursor values in later bodies
    pages through the users like GET does, each exactly once (RFC 9865 §3)."""
    count = _page_size(cursor_paging, SMALL_COUNT)

    def fetch(cursor: str) -> ScimResponse:
        body: dict[str, Any] = {"schemas": [SEARCH_REQUEST], "cursor": cursor, "count": count}
        if small_population.filtered:
            body["filter"] = small_population.filter
        return scim_client.post("/Users/.search", body)

    wanted = set(small_population.ids)
    seen, _ = _walk(fetch, count, wanted, bounded=small_population.filtered)
    _once(seen, wanted)
