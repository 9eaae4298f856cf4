"""The query-result defects (scim_defects/listing.py), seen over HTTP: paging, sorting,
projection and /.search.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import SEARCH_REQUEST, USER_SCHEMA, Scim, make_scim
from tests.defects.behaviour import behaviour_tests


def listed(scim: Scim, **query: Any) -> dict[str, Any]:
    response = scim.get("/Users", query=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    body: dict[str, Any] = response.get_json()
    return body


def names(body: dict[str, Any]) -> list[str]:
    return [r["userName"] for r in body.get("Resources", [])]


def seeded(scim: Scim, *user_names: str) -> Scim:
    for name in user_names or ("a", "b", "c", "d"):
        scim.create_user(name)
    return scim


# -- paging ----------------------------------------------------------------------------------


def check_paging_off_by_one(scim: Scim) -> None:
    assert names(listed(seeded(scim), startIndex=1, count=2)) == ["b", "c"]


def check_paging_duplicates_across_pages(scim: Scim) -> None:
    assert names(listed(seeded(scim), startIndex=3, count=2)) == ["b", "c"]


def check_paging_ignores_count(scim: Scim) -> None:
    assert len(names(listed(seeded(scim), count=1))) == 4


def check_paging_count_zero_returns_all(scim: Scim) -> None:
    assert len(names(listed(seeded(scim), count=0))) == 4


def check_paging_negative_count_error(scim: Scim) -> None:
    assert seeded(scim).get("/Users", query={"count": -1}).status_code == 400


def check_paging_start_below_one_error(scim: Scim) -> None:
    assert seeded(scim).get("/Users", query={"startIndex": 0}).status_code == 400


def check_paging_total_is_page_size(scim: Scim) -> None:
    assert listed(seeded(scim), count=1)["totalResults"] == 1


def check_paging_directory_size_limit(scim: Scim) -> None:
    for i in range(260):
        scim.create_user(f"u{i:03}")
    deep = listed(scim, startIndex=241, count=20)
    assert deep["totalResults"] == 250
    assert names(deep) == [f"u{i:03}" for i in range(240, 250)]


def check_paging_past_end_error(scim: Scim) -> None:
    assert seeded(scim).get("/Users", query={"startIndex": 9}).status_code == 404


def check_paging_no_items_per_page(scim: Scim) -> None:
    body = listed(seeded(scim), count=1)
    assert "itemsPerPage" not in body and "startIndex" not in body
    assert "itemsPerPage" in listed(scim)


def check_paging_cap_ignored(scim: Scim) -> None:
    limit = scim.get("/ServiceProviderConfig").get_json()["filter"]["maxResults"]
    assert len(names(listed(seeded(scim), count=limit + 10))) > limit


def check_paging_cap_off_by_one(scim: Scim) -> None:
    limit = scim.get("/ServiceProviderConfig").get_json()["filter"]["maxResults"]
    seeded(scim, *(f"u{i:02}" for i in range(limit + 5)))
    assert len(names(listed(scim, count=limit + 10))) == limit + 1
    assert len(names(listed(scim))) == limit + 1
    assert len(names(listed(scim, count=limit))) == limit


# -- sorting ---------------------------------------------------------------------------------


def check_sort_ignored(scim: Scim) -> None:
    assert names(listed(seeded(scim, "b", "a"), sortBy="userName")) == ["b", "a"]


def check_sort_descending_ignored(scim: Scim) -> None:
    body = listed(seeded(scim, "b", "a"), sortBy="userName", sortOrder="descending")
    assert names(body) == ["a", "b"]


def check_sort_default_descending(scim: Scim) -> None:
    assert names(listed(seeded(scim, "a", "b"), sortBy="userName")) == ["b", "a"]


def check_sort_case_sensitive(scim: Scim) -> None:
    assert names(listed(seeded(scim, "alice", "Bob"), sortBy="userName")) == ["Bob", "alice"]


def check_sort_missing_first(scim: Scim) -> None:
    scim.create_user("a", title="T")
    scim.create_user("b")
    assert names(listed(scim, sortBy="title")) == ["b", "a"]
    assert names(listed(scim, sortBy="title", sortOrder="descending")) == ["a", "b"]


def check_sort_multivalued_last_value(scim: Scim) -> None:
    scim.create_user("a", emails=[{"value": "b@x.org", "primary": True}, {"value": "z@x.org"}])
    scim.create_user("b", emails=[{"value": "c@x.org"}])
    assert names(listed(scim, sortBy="emails.value")) == ["b", "a"]


# -- projection ------------------------------------------------------------------------------


def check_projection_attributes_ignored_on_list(scim: Scim) -> None:
    scim.create_user("a", title="T")
    assert listed(scim, attributes="userName")["Resources"][0].get("title") == "T"


def check_projection_ignored_on_put_patch(scim: Scim) -> None:
    created = scim.create_user("a", title="T")
    body = {"schemas": [USER_SCHEMA], "userName": "a", "title": "T"}
    put = scim.put(f"/Users/{created['id']}", body, query={"attributes": "userName"})
    assert put.get_json().get("title") == "T"


def check_projection_first_name_only(scim: Scim) -> None:
    scim.create_user("a", title="T")
    assert "title" not in listed(scim, attributes="userName,title")["Resources"][0]


def check_projection_excluded_drops_schemas(scim: Scim) -> None:
    scim.create_user("a", title="T")
    assert "schemas" not in listed(scim, excludedAttributes="title")["Resources"][0]


def check_null_stored_as_empty_string(scim: Scim) -> None:
    created = scim.create_user("a", nickName=None)
    assert scim.get(f"/Users/{created['id']}").get_json().get("nickName") == ""


# -- /.search --------------------------------------------------------------------------------


def search(scim: Scim, **fields: Any) -> Any:
    return scim.post("/Users/.search", {"schemas": [SEARCH_REQUEST], **fields})


def check_search_ignores_body_filter(scim: Scim) -> None:
    body = search(seeded(scim), filter='userName eq "a"').get_json()
    assert body["totalResults"] == 4


def check_search_creates_resource(scim: Scim) -> None:
    response = scim.post("/Users/.search", {"schemas": [USER_SCHEMA], "userName": "made"})
    assert response.status_code == 201
    assert names(listed(scim, filter='userName eq "made"')) == ["made"]


def check_search_not_list_response(scim: Scim) -> None:
    assert isinstance(search(seeded(scim)).get_json(), list)


CHECKS: dict[str, Callable[[Scim], None]] = {
    "paging-off-by-one": check_paging_off_by_one,
    "paging-duplicates-across-pages": check_paging_duplicates_across_pages,
    "paging-ignores-count": check_paging_ignores_count,
    "paging-count-zero-returns-all": check_paging_count_zero_returns_all,
    "paging-negative-count-error": check_paging_negative_count_error,
    "paging-start-below-one-error": check_paging_start_below_one_error,
    "paging-total-is-page-size": check_paging_total_is_page_size,
    "paging-past-end-error": check_paging_past_end_error,
    "paging-directory-size-limit": check_paging_directory_size_limit,
    "paging-no-items-per-page": check_paging_no_items_per_page,
    "paging-cap-ignored": check_paging_cap_ignored,
    "paging-cap-off-by-one": check_paging_cap_off_by_one,
    "sort-ignored": check_sort_ignored,
    "sort-descending-ignored": check_sort_descending_ignored,
    "sort-default-descending": check_sort_default_descending,
    "sort-case-sensitive": check_sort_case_sensitive,
    "sort-missing-first": check_sort_missing_first,
    "sort-multivalued-last-value": check_sort_multivalued_last_value,
    "projection-attributes-ignored-on-list": check_projection_attributes_ignored_on_list,
    "projection-ignored-on-put-patch": check_projection_ignored_on_put_patch,
    "projection-first-name-only": check_projection_first_name_only,
    "projection-excluded-drops-schemas": check_projection_excluded_drops_schemas,
    "null-stored-as-empty-string": check_null_stored_as_empty_string,
    "search-ignores-body-filter": check_search_ignores_body_filter,
    "search-creates-resource": check_search_creates_resource,
    "search-not-list-response": check_search_not_list_response,
}


(
    test_every_listing_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests("listing", CHECKS)


def test_listing_faults_combine() -> None:
    """Defects wrapping the same provider method chain instead of replacing each other."""
    scim = seeded(make_scim(faults=("paging-ignores-count", "paging-total-is-page-size")))
    body = listed(scim, count=1)
    assert len(body["Resources"]) == 4 and body["totalResults"] == 4
