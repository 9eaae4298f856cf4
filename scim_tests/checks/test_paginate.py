"""Paging of query results (RFC 7644 §3.4.2, §3.4.2.4; RFC 7643 §5).

A module-scoped population of users, tagged with the run prefix, is paged through with several
``count`` values; with the filter feature the queries are restricted to that population
(``userName sw "<prefix>-pg"``), without it the whole list is walked and the population must
appear in it exactly once. When the provider sorts, pages are requested with
``sortBy=userName`` so that the order the pages cut into is well defined (P-3.4.2.4-09).

The population and page helpers (:class:`~scim_tests.query.Population`, :func:`populate`,
:func:`list_page`) live in :mod:`scim_tests.query`, shared with the sorting, projection and
search modules.
"""

from __future__ import annotations

import math
from collections import Counter
from collections.abc import Iterator
from typing import Any

import pytest

from scim_tests.asserts import check, resources_of
from scim_tests.client import ScimClient
from scim_tests.discovery import Spc, max_results
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import Payload
from scim_tests.query import (
    Population,
    depopulate,
    ids_of,
    list_page,
    tagged,
    tagged_population,
)

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
PAGING_SIZE = 5
#: The largest advertised filter.maxResults the cap check exceeds by creating users of its own.
CAP_EXERCISED = 50
#: The long walk: a few hundred users, in pages of at most LONG_COUNT (or filter.maxResults).
LONG_SIZE = 300
LONG_COUNT = 50
#: Without filtering the long walk reads the whole list; past this many resources it is skipped.
LONG_UNFILTERED_LIMIT = 3000

# -- the paging population --------------------------------------------------------------------


@pytest.fixture(scope="module")
def _paging_users(scim_discovery_client: ScimClient) -> Iterator[list[dict[str, Any]]]:
    users: list[dict[str, Any]] = []
    yield users
    depopulate(scim_discovery_client, users)


@pytest.fixture
def paging(
    _paging_users: list[dict[str, Any]],
    scim_discovery_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    service_provider_config: Spc,
) -> Population:
    """Five users whose userNames start with ``<prefix>-pg`` (created once per module)."""
    return tagged_population(scim_discovery_client, _paging_users, user_payload,
                             f"{scim_prefix}-pg", PAGING_SIZE, service_provider_config)  # fmt: skip


@pytest.fixture(scope="module")
def _long_users(scim_discovery_client: ScimClient) -> Iterator[list[dict[str, Any]]]:
    users: list[dict[str, Any]] = []
    yield users
    depopulate(scim_discovery_client, users)


@pytest.fixture
def long_walk(
    _long_users: list[dict[str, Any]],
    scim_discovery_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    service_provider_config: Spc,
) -> Population:
    """300 users whose userNames start with ``<prefix>-lw`` (created once per module)."""
    return tagged_population(scim_discovery_client, _long_users, user_payload,
                             f"{scim_prefix}-lw", LONG_SIZE, service_provider_config)  # fmt: skip


def _ordered(population: Population, **params: Any) -> dict[str, str]:
    if population.sorted:
        params.setdefault("sortBy", "userName")
    return population.params(**params)


def _total(client: ScimClient, population: Population) -> int:
    body, _ = list_page(client, population.params(count=1))
    total = body.get("totalResults")
    return total if isinstance(total, int) else 0


# -- checks ---------------------------------------------------------------------------------


@requirement("P-3.4.2.4-01", "P-3.4.2.4-05", "P-3.4.2.4-07", "P-3.4.2-06", "P-3.4.2-07",
             "P-3.4.2-03", "P-3.4.2-04", "P-3.4.2-05")  # fmt: skip
def test_walking_pages_returns_every_resource_once(
    scim_client: ScimClient, paging: Population
) -> None:
    """Walking the pages (startIndex from 1, advancing by the page's length) with three page
    sizes returns each user exactly once. Every page is a ListResponse with totalResults (the
    full count, the same on every page), at most ``count`` resources, and startIndex and
    itemsPerPage (the page's length) when it holds only part of the result (P-3.4.2.4-01,
    P-3.4.2.4-05, P-3.4.2.4-07, P-3.4.2-06, P-3.4.2-07, P-3.4.2-03, P-3.4.2-04, P-3.4.2-05)."""
    total = _total(scim_client, paging) if not paging.filtered else len(paging.users)
    mine = set(paging.ids)
    for count in sorted({max(1, math.ceil(total / k)) for k in (5, 3, 2)}):
        seen: list[str] = []
        start = 1
        for _ in range(total + 2):
            body, response = list_page(scim_client, _ordered(paging, startIndex=start, count=count),
                                       requirement="P-3.4.2-03")  # fmt: skip
            page = ids_of(body)
            got = body.get("totalResults")
            where = f"startIndex={start}&count={count}"
            check(len(page) <= count, f"A page holds more than count resources ({where})",
                  expected=f"at most {count}", received=len(page), response=response,
                  requirement="P-3.4.2.4-05")  # fmt: skip
            if paging.filtered:
                check(got == total, f"totalResults is not the full match count ({where})",
                      expected=total, received=got, response=response,
                      requirement="P-3.4.2.4-07")  # fmt: skip
            if isinstance(got, int) and got > len(page):
                missing = [k for k in ("startIndex", "itemsPerPage") if k not in body]
                check(not missing, f"A partial page leaves out {', '.join(missing)} ({where})",
                      expected="startIndex and itemsPerPage", received=sorted(body),
                      response=response, requirement=("P-3.4.2-06", "P-3.4.2-07"))  # fmt: skip
            for key, wanted in (("startIndex", start), ("itemsPerPage", len(page))):
                check(body.get(key, wanted) == wanted, f"{key} is wrong ({where})",
                      expected=wanted, received=body.get(key), response=response,
                      requirement="P-3.4.2.4-07")  # fmt: skip
            if not page:
                break
            seen.extend(page)
            start += len(page)
            if isinstance(got, int) and start > got:
                break
        twice = sorted(i for i, n in Counter(seen).items() if n > 1)
        missed = sorted(mine - set(seen))
        extra = sorted(set(seen) - mine) if paging.filtered else []
        check(not (twice or missed or extra), f"Paging with count={count} is not exact",
              expected="every user of the population exactly once",
              received=f"repeated {twice}, missing {missed}, unexpected {extra}",
              response=response, requirement=("P-3.4.2.4-01", "P-3.4.2.4-07"))  # fmt: skip


@requirement("P-3.4.2.4-01", "P-3.4.2.4-07")
def test_a_walk_of_a_few_hundred_resources_returns_each_once(
    scim_client: ScimClient, long_walk: Population, service_provider_config: Spc
) -> None:
    """300 users paged by startIndex, in pages of 50 (or filter.maxResults, if lower), come back
    each exactly once, and every page's totalResults counts all of them (P-3.4.2.4-01,
    P-3.4.2.4-07): deep pages must be as exact as the first few. Restricted to the population
    when the server filters; otherwise the whole list is walked (skipped past 3,000)."""
    count = min(LONG_COUNT, max_results(service_provider_config) or LONG_COUNT)
    mine = set(long_walk.ids)
    total = len(mine) if long_walk.filtered else _total(scim_client, long_walk)
    if total > LONG_UNFILTERED_LIMIT:
        pytest.skip(f"the server cannot filter and lists {total} users: too long a walk")
    seen: list[str] = []
    start, response = 1, None
    for _ in range(math.ceil(total / count) + 2):
        params = _ordered(long_walk, startIndex=start, count=count)
        body, response = list_page(scim_client, params, requirement="P-3.4.2.4-01")
        got = body.get("totalResults")
        check(isinstance(got, int) and got >= (total if long_walk.filtered else len(mine)),
              f"totalResults does not count every matching user (startIndex={start})",
              expected=f"at least {len(mine)}" if not long_walk.filtered else total,
              received=got, response=response, requirement="P-3.4.2.4-07")  # fmt: skip
        page = ids_of(body)
        if not page:
            break
        seen.extend(page)
        start += len(page)
        if isinstance(got, int) and start > got:
            break
    twice = sorted(i for i, n in Counter(seen).items() if n > 1 and i in mine)
    missed = sorted(mine - set(seen))
    check(not (twice or missed), f"A walk of {len(mine)} users in pages of {count} is not exact",
          expected="every user of the population exactly once",
          received=f"{len(missed)} missing (e.g. {missed[:3]}), {len(twice)} repeated "
                   f"(e.g. {twice[:3]})",
          response=response, requirement="P-3.4.2.4-01")  # fmt: skip


@requirement("P-3.4.2.4-01")
def test_start_index_defaults_to_one(scim_client: ScimClient, paging: Population) -> None:
    """Without startIndex the first page starts at the first result: it equals
    startIndex=1 (P-3.4.2.4-01)."""
    default, _ = list_page(scim_client, _ordered(paging, count=2))
    first, response = list_page(scim_client, _ordered(paging, startIndex=1, count=2))
    check(ids_of(default) == ids_of(first) and first.get("startIndex", 1) == 1,
          "startIndex=1 is not the first page", expected=f"the default page {ids_of(default)}",
          received=f"startIndex {first.get('startIndex')}: {ids_of(first)}", response=response,
          requirement="P-3.4.2.4-01")  # fmt: skip


@requirement("P-3.4.2.4-02")
def test_start_index_below_one_is_one(scim_client: ScimClient, paging: Population) -> None:
    """startIndex 0 or negative is taken as 1: the same page, not an error (P-3.4.2.4-02)."""
    first, _ = list_page(scim_client, _ordered(paging, startIndex=1, count=2))
    for start in (0, -4):
        body, response = list_page(scim_client, _ordered(paging, startIndex=start, count=2),
                                   requirement="P-3.4.2.4-02")  # fmt: skip
        check(ids_of(body) == ids_of(first), f"startIndex={start} is not taken as 1",
              expected=ids_of(first), received=ids_of(body), response=response,
              requirement="P-3.4.2.4-02")  # fmt: skip


@requirement("P-3.4.2.4-04", "P-3.4.2-04")
def test_count_zero_returns_only_the_total(scim_client: ScimClient, paging: Population) -> None:
    """count=0 returns no resources, only totalResults, the full match count (P-3.4.2.4-04,
    P-3.4.2-04)."""
    body, response = list_page(scim_client, paging.params(count=0), requirement="P-3.4.2.4-04")
    total = body.get("totalResults")
    wanted = len(paging.users)
    check(not resources_of(body) and isinstance(total, int) and total >= wanted
          and (total == wanted or not paging.filtered),
          "count=0 does not answer with the total only",
          expected=f"no Resources, totalResults {wanted}",
          received=f"{len(resources_of(body))} resources, totalResults {total}",
          response=response, requirement=("P-3.4.2.4-04", "P-3.4.2-04"))  # fmt: skip


@requirement("P-3.4.2.4-03")
def test_negative_count_is_taken_as_zero(scim_client: ScimClient, paging: Population) -> None:
    """A negative count is treated as 0: 200, no resources, the full totalResults
    (P-3.4.2.4-03)."""
    body, response = list_page(scim_client, paging.params(count=-3), requirement="P-3.4.2.4-03")
    total = body.get("totalResults")
    check(not resources_of(body) and isinstance(total, int) and total >= len(paging.users)
          and (total == len(paging.users) or not paging.filtered),
          "count=-3 is not treated as 0",
          expected=f"no Resources, totalResults {len(paging.users)}",
          received=f"{len(resources_of(body))} resources, totalResults {total}",
          response=response, requirement="P-3.4.2.4-03")  # fmt: skip


@requirement("P-3.4.2.4-08")
def test_start_index_past_the_end_is_an_empty_page(
    scim_client: ScimClient, paging: Population
) -> None:
    """A startIndex after the last result answers 200 with no resources and the true
    totalResults (P-3.4.2.4-08, SHOULD)."""
    total = len(paging.users) if paging.filtered else _total(scim_client, paging)
    params = paging.params(startIndex=total + 10, count=2)
    body, response = list_page(scim_client, params, requirement="P-3.4.2.4-08")
    got = body.get("totalResults")
    check(not resources_of(body) and isinstance(got, int) and got >= len(paging.users)
          and (got == total or not paging.filtered),
          "A startIndex past the end is not an empty page with the total",
          expected=f"no Resources, totalResults {total}",
          received=f"{len(resources_of(body))} resources, totalResults {got}",
          response=response, requirement="P-3.4.2.4-08")  # fmt: skip


@requirement("C-5-13", "P-3.4.2.4-05")
def test_count_above_max_results_is_capped(
    scim_client: ScimClient,
    paging: Population,
    service_provider_config: Spc,
    user_payload: Payload,
    scim_prefix: str,
) -> None:
    """With more matching resources than the advertised filter.maxResults (the check creates
    maxResults + 1 users when that is at most CAP_EXERCISED), a count above maxResults still
    yields at most maxResults resources, for a filter and for the whole list (C-5-13,
    P-3.4.2.4-05). A larger cap is judged only when the provider already lists more."""
    limit = max_results(service_provider_config)
    if limit is None:
        pytest.skip("ServiceProviderConfig advertises no filter.maxResults (RFC 7643 §5)")
    tag = f"{scim_prefix}-cap"
    if limit <= CAP_EXERCISED:
        for _ in range(limit + 1):
            create(scim_client, "/Users", tagged(user_payload, tag))
    queries = [{"count": str(limit + 10)}]
    if paging.filtered:
        queries.insert(0, {"filter": f'userName sw "{tag}"', "count": str(limit + 10)})
    totals = []
    for params in queries:
        body, response = list_page(scim_client, params, requirement="C-5-13")
        got = len(resources_of(body))
        check(got <= limit, "A page holds more resources than filter.maxResults",
              expected=f"at most {limit}", received=got, response=response,
              requirement=("C-5-13", "P-3.4.2.4-05"))  # fmt: skip
        totals.append(body.get("totalResults"))
    if not any(isinstance(t, int) and t > limit for t in totals):
        # A page of fewer resources than the cap says nothing about the cap.
        pytest.skip(f"filter.maxResults is {limit}, above the {CAP_EXERCISED} users this check "
                    f"creates, and the provider lists only {totals[-1]}: the cap is not exercised")
