"""Querying resources over HTTP (RFC 7644 §3.4.2, §3.4.3): ListResponse, filter, sortBy/sortOrder,
startIndex/count paging, POST /.search and queries at the service provider root.
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import (
    LIST_RESPONSE,
    SEARCH_REQUEST,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)
from tests.mock.resource_views import LOCATION_PREFIX, ids, search

# -- listing -------------------------------------------------------------------------------


@pytest.fixture
def five(scim: Scim) -> list[dict[str, Any]]:
    """Five users created in the order c, a, e, b, d."""
    return [scim.create_user(name, displayName=name.upper()) for name in "caebd"]


def test_list_is_a_list_response(scim: Scim, five: list[dict[str, Any]]) -> None:
    """GET /Users → ListResponse with totalResults/startIndex/itemsPerPage (P-3.4.2-03,
    P-3.4.2-04, P-3.4.2.4-07)."""
    body = scim.get("/Users").get_json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (5, 1, 5)
    assert ids(body) == [u["id"] for u in five]
    assert body["Resources"][0] == five[0]


def test_empty_list_has_an_empty_resources_array(scim: Scim) -> None:
    """No match → 200, totalResults 0 and Resources [] (P-3.4.2-08)."""
    body = scim.get("/Groups").get_json()
    assert (body["totalResults"], body["itemsPerPage"], body["Resources"]) == (0, 0, [])


def test_filter_selects_resources(scim: Scim, five: list[dict[str, Any]]) -> None:
    """filter= narrows the list (P-3.4.2.2-02)."""
    body = scim.get("/Users", query={"filter": 'userName sw "a" or displayName eq "E"'})
    assert sorted(r["userName"] for r in body.get_json()["Resources"]) == ["a", "e"]


@pytest.mark.parametrize("bad", ["userName eq", 'userName zz "a"', "(", "nosuch..x pr"])
def test_bad_filters_are_400_invalid_filter(scim: Scim, bad: str) -> None:
    """Unparsable filters → 400 invalidFilter (P-3.12-15)."""
    assert_scim_error(scim.get("/Users", query={"filter": bad}), 400, "invalidFilter")
    response = search(scim, filter=bad)
    assert_scim_error(response, 400, "invalidFilter")


@pytest.mark.parametrize(
    "query, expected",
    [
        ({"sortBy": "userName"}, "abcde"),
        ({"sortBy": "userName", "sortOrder": "ascending"}, "abcde"),
        ({"sortBy": "userName", "sortOrder": "descending"}, "edcba"),
        ({"sortBy": "displayName", "sortOrder": "descending"}, "edcba"),
        ({}, "caebd"),
    ],
)
def test_sort_by_and_sort_order(
    scim: Scim, five: list[dict[str, Any]], query: dict[str, str], expected: str
) -> None:
    """sortBy/sortOrder order the list; ascending by default (P-3.4.2.3-02, P-3.4.2.3-05,
    P-3.4.2.3-07)."""
    body = scim.get("/Users", query=query).get_json()
    assert "".join(r["userName"] for r in body["Resources"]) == expected
    body = search(scim, **query).get_json()
    assert "".join(r["userName"] for r in body["Resources"]) == expected


@pytest.mark.parametrize(
    "start, count, expected_start, names",
    [
        ("1", "2", 1, "ca"),
        ("2", "2", 2, "ae"),
        ("5", "10", 5, "d"),
        ("6", "10", 6, ""),
        ("0", "2", 1, "ca"),
        ("-3", "2", 1, "ca"),
        ("1", "0", 1, ""),
        ("1", "-1", 1, ""),
        (None, "3", 1, "cae"),
        ("4", None, 4, "bd"),
    ],
)
def test_start_index_and_count_page_the_list(
    scim: Scim,
    five: list[dict[str, Any]],
    start: str | None,
    count: str | None,
    expected_start: int,
    names: str,
) -> None:
    """startIndex is 1-based (<1 means 1), negative count means 0, past the end is an empty
    page (P-3.4.2.4-01..05, P-3.4.2.4-08)."""
    query = {k: v for k, v in (("startIndex", start), ("count", count)) if v is not None}
    body = scim.get("/Users", query=query).get_json()
    assert body["totalResults"] == 5
    assert body["startIndex"] == expected_start
    assert body["itemsPerPage"] == len(names)
    assert "".join(r["userName"] for r in body["Resources"]) == names


@pytest.mark.parametrize("name", ["startIndex", "count"])
@pytest.mark.parametrize("value", ["abc", "1.5", ""])
def test_non_integer_paging_parameters_are_400(scim: Scim, name: str, value: str) -> None:
    """Non-integer startIndex/count → 400 invalidValue (P-3.4.2.4-01)."""
    assert_scim_error(scim.get("/Users", query={name: value}), 400, "invalidValue")


def test_count_above_max_results_is_capped() -> None:
    """count beyond filter.maxResults returns at most maxResults (P-3.4.2.4-06)."""
    scim = make_scim(filter_max_results=3, default_page_size=2)
    for name in "abcde":
        scim.create_user(name)
    assert scim.get("/Users").get_json()["itemsPerPage"] == 2
    body = scim.get("/Users", query={"count": "1000"}).get_json()
    assert (body["totalResults"], body["itemsPerPage"]) == (5, 3)


# -- /.search and root queries -------------------------------------------------------------


def test_search_with_post_returns_a_list_and_never_creates(
    scim: Scim, five: list[dict[str, Any]]
) -> None:
    """POST /Users/.search → 200 ListResponse, no resource created (P-3.4.3-01)."""
    response = search(
        scim,
        filter='userName ne "c"',
        sortBy="userName",
        startIndex=2,
        count=2,
        attributes=["userName"],
    )
    assert response.status_code == 200
    assert "Location" not in response.headers
    body = response.get_json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert (body["totalResults"], body["startIndex"], body["itemsPerPage"]) == (4, 2, 2)
    assert [r["userName"] for r in body["Resources"]] == ["b", "d"]
    assert set(body["Resources"][0]) == {"schemas", "id", "userName"}
    assert scim.get("/Users").get_json()["totalResults"] == 5


def test_search_parameter_names_are_case_insensitive(
    scim: Scim, five: list[dict[str, Any]]
) -> None:
    """SearchRequest attribute names are case-insensitive (C-2.1-01)."""
    body = scim.post(
        "/Users/.search",
        {"schemas": [SEARCH_REQUEST], "FILTER": 'userName eq "a"', "Count": 5},
    ).get_json()
    assert [r["userName"] for r in body["Resources"]] == ["a"]


@pytest.mark.parametrize(
    "body, scim_type",
    [
        ({}, "invalidSyntax"),
        ({"schemas": [USER_SCHEMA]}, "invalidSyntax"),
        ({"filter": "userName pr"}, "invalidSyntax"),
        ({"schemas": [SEARCH_REQUEST], "unknown": 1}, "invalidSyntax"),
        ({"schemas": [SEARCH_REQUEST], "filter": 1}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "count": "1"}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "startIndex": True}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "sortBy": ["userName"]}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "attributes": "userName"}, "invalidValue"),
        ({"schemas": [SEARCH_REQUEST], "excludedAttributes": [1]}, "invalidValue"),
    ],
)
@pytest.mark.parametrize("path", ["/Users/.search", "/.search"])
def test_bad_search_requests_are_400(
    scim: Scim, body: dict[str, Any], scim_type: str, path: str
) -> None:
    """A SearchRequest needs its schema URN and well-typed fields (P-3.4.3-03, P-3.4.3-04)."""
    assert_scim_error(scim.post(path, body), 400, scim_type)
    assert scim.get("/").get_json()["totalResults"] == 0


def test_search_on_an_unknown_endpoint_is_404(scim: Scim) -> None:
    """POST /Nope/.search → 404 (P-3.12-10)."""
    assert_scim_error(search(scim, "/Nope/.search"), 404)


def test_root_query_spans_resource_types(scim: Scim) -> None:
    """GET / and POST /.search query every type; a filter naming one type's attribute skips
    the others (P-3.4.2.1-01, P-3.4.2.1-04)."""
    user = scim.create_user("alice", displayName="Team")
    group = scim.create_group("Team")
    everything = scim.get("/").get_json()
    assert sorted(ids(everything)) == sorted([user["id"], group["id"]])
    types = {r["meta"]["resourceType"] for r in everything["Resources"]}
    assert types == {"User", "Group"}
    both = scim.get("/", query={"filter": 'displayName eq "team"'}).get_json()
    assert sorted(ids(both)) == sorted([user["id"], group["id"]])
    users_only = scim.get("/", query={"filter": "userName pr"}).get_json()
    assert ids(users_only) == [user["id"]]
    searched = search(scim, "/.search", filter="userName pr").get_json()
    assert ids(searched) == [user["id"]]
    assert scim.get("/", query={"sortBy": "displayName"}).status_code == 200
    for resource in everything["Resources"]:
        endpoint = "Users" if resource["meta"]["resourceType"] == "User" else "Groups"
        assert resource["meta"]["location"] == f"{LOCATION_PREFIX}/{endpoint}/{resource['id']}"


def test_root_query_with_an_invalid_filter_is_400(scim: Scim) -> None:
    """A filter no type can evaluate → 400 invalidFilter (P-3.12-15)."""
    assert_scim_error(scim.get("/", query={"filter": "userName eq"}), 400, "invalidFilter")
