"""Queries by POST to /.search (RFC 7644 §3.4.3).

A SearchRequest body carries the query parameters of a GET (filter, sortBy, sortOrder,
startIndex, count, attributes, excludedAttributes) and is answered with the same ListResponse;
a POST to /.search never creates anything. /.search is optional (P-3.4.3-01, MAY): a provider
answering 404, 405 or 501 there is recorded and its search checks are skipped. Three users
tagged ``<prefix>-sr`` are created once per module.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import Any

import pytest

from scim_tests.asserts import check
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc, feature_supported
from scim_tests.markers import requirement
from scim_tests.operations import Payload
from scim_tests.query import (
    SEARCH_REQUEST,
    Population,
    depopulate,
    ids_of,
    list_body,
    list_page,
    new_population,
    pages,
    populate,
    tagged,
)
from scim_tests.resources import USER_SCHEMA

UNSUPPORTED = (404, 405, 501)


@pytest.fixture(scope="module")
def _search_users(scim_discovery_client: ScimClient) -> Iterator[list[dict[str, Any]]]:
    users: list[dict[str, Any]] = []
    yield users
    depopulate(scim_discovery_client, users)


@pytest.fixture
def searched(
    _search_users: list[dict[str, Any]],
    scim_discovery_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    service_provider_config: Spc,
) -> Population:
    """Three users whose userNames start with ``<prefix>-sr`` (created once per module), and
    a fourth, ``<prefix>-sx…``, that their filter must leave out."""
    tag = f"{scim_prefix}-sr"
    users = populate(scim_discovery_client, _search_users,
                     lambda: [*(tagged(user_payload, tag) for _ in range(3)),
                              tagged(user_payload, f"{scim_prefix}-sx")])  # fmt: skip
    mine = [u for u in users if str(u.get("userName", "")).startswith(tag)]
    return new_population(tag, mine, service_provider_config)


def search(client: ScimClient, path: str, body: dict[str, Any]) -> ScimResponse:
    """POST a SearchRequest to ``path``; skips the check when /.search is not offered."""
    response = client.post(path, {"schemas": [SEARCH_REQUEST], **body})
    if response.status_code in UNSUPPORTED:
        pytest.skip(f"POST {path} answers {response.status_code}: /.search is optional "
                    "(RFC 7644 §3.4.3, P-3.4.3-01)")  # fmt: skip
    return response


def _shape(body: dict[str, Any]) -> list[tuple[str, list[str]]]:
    """(id, lower-cased attribute names) of each resource, in order."""
    return [(str(r.get("id")), sorted(k.lower() for k in r if k.lower() != "meta"))
            for r in body.get("Resources") or [] if isinstance(r, dict)]  # fmt: skip


@pytest.mark.scim_feature("filter")
@requirement("P-3.4.3-04", "P-3.4.3-05")
def test_search_answers_like_the_equivalent_get(
    scim_client: ScimClient, searched: Population, service_provider_config: Spc
) -> None:
    """POST /Users/.search with filter, startIndex, count and attributes (then
    excludedAttributes, with sortBy/sortOrder when sorting is offered) returns what the GET
    with the same parameters returns: the same totalResults, the same resources with the same
    attributes (P-3.4.3-04, P-3.4.3-05)."""
    sort = feature_supported(service_provider_config, "sort") is True
    variants: list[dict[str, Any]] = [
        {"filter": searched.filter, "startIndex": 1, "count": 2,
         "attributes": ["userName", "emails"]},
        {"filter": searched.filter, "startIndex": 2, "count": 2, "excludedAttributes": ["emails"],
         **({"sortBy": "userName", "sortOrder": "descending"} if sort else {})},
    ]  # fmt: skip
    for fields in variants:
        params = {k: ",".join(v) if isinstance(v, list) else str(v) for k, v in fields.items()}
        got, _ = list_page(scim_client, params, requirement="P-3.4.3-04")
        response = search(scim_client, "/Users/.search", fields)
        body = list_body(response, requirement="P-3.4.3-05")
        same = [k for k in ("totalResults", "startIndex", "itemsPerPage")
                if body.get(k) != got.get(k)]  # fmt: skip
        check(not same and _shape(body) == _shape(got),
              "POST /.search answers differently from the same GET query",
              expected=f"GET: totalResults {got.get('totalResults')}, {_shape(got)}",
              received=f"search: totalResults {body.get('totalResults')}, {_shape(body)}",
              response=response, requirement="P-3.4.3-04")  # fmt: skip


@requirement("P-3.4.3-05")
def test_search_answers_a_list_response(scim_client: ScimClient, searched: Population) -> None:
    """POST /Users/.search answers 200 with a ListResponse of valid users (P-3.4.3-05)."""
    response = search(scim_client, "/Users/.search", {"startIndex": 1, "count": 2})
    body = list_body(response, requirement="P-3.4.3-05")
    check(isinstance(body.get("totalResults"), int) and body["totalResults"] >= 1,
          "The search answer does not count the existing users", expected="totalResults >= 1",
          received=body.get("totalResults"), response=response,
          requirement="P-3.4.3-05")  # fmt: skip


@requirement("P-3.4.3-02", "P-3.4.3-03")
def test_search_never_creates(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc
) -> None:
    """POST /Users/.search with a User body (no SearchRequest schema) is refused with 400 or
    answered as a query, never 201; and no user with that userName exists afterwards
    (P-3.4.3-02, P-3.4.3-03)."""
    body = user_payload()
    body["schemas"] = [USER_SCHEMA]
    response = scim_client.post("/Users/.search", body)
    check(response.status_code in (200, 400, *UNSUPPORTED),
          "POST /.search with a User body was not handled as a query",
          expected="200 (a query) or 400 (not a SearchRequest); never 201",
          received=response.status_code, response=response,
          requirement=("P-3.4.3-02", "P-3.4.3-03"))  # fmt: skip
    if feature_supported(service_provider_config, "filter") is False:
        return
    found, answer = list_page(scim_client, {"filter": f'userName eq "{body["userName"]}"'},
                              requirement="P-3.4.3-02")  # fmt: skip
    for leaked in ids_of(found):  # clean up what the provider should not have created
        scim_client.ownership.add("/Users", leaked)
        scim_client.delete(f"/Users/{leaked}")
    check(not ids_of(found), "POST /.search created a user", expected="no such user",
          received=ids_of(found), response=answer, requirement="P-3.4.3-02")  # fmt: skip


@pytest.mark.scim_feature("filter")
@requirement("P-3.4.3-06", "P-3.4.3-04", "P-3.4.3-05")
def test_root_search_finds_the_users(scim_client: ScimClient, searched: Population) -> None:
    """POST /.search at the root (optional) with filter userName sw "<tag>" answers a
    ListResponse holding exactly the tagged users (P-3.4.3-06, P-3.4.3-04, P-3.4.3-05)."""
    def page(start: int) -> tuple[dict[str, Any], ScimResponse]:
        request = {"filter": searched.filter, "count": 10, "startIndex": start}
        response = search(scim_client, "/.search", request)
        return list_body(response, requirement="P-3.4.3-05"), response

    found, response = pages(page)  # a provider may answer fewer than count per page
    ids = sorted(str(r.get("id")) for r in found)
    total = list_body(response, requirement="P-3.4.3-05").get("totalResults")
    check(ids == sorted(searched.ids) and total == 3,
          "The root /.search does not return exactly the filtered users",
          expected=sorted(searched.ids), received=f"totalResults {total}, {ids}",
          response=response, requirement=("P-3.4.3-06", "P-3.4.3-04"))  # fmt: skip
