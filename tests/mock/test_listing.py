"""sortBy/sortOrder, startIndex/count and the ListResponse (RFC 7644 §3.4.2)."""

from __future__ import annotations

from itertools import pairwise
from typing import Any

import pytest
from hypothesis import given
from hypothesis import strategies as st

from scim_mock import errors
from scim_mock.listing import (
    LIST_RESPONSE,
    list_response,
    paginate,
    parse_integer,
    resolve_sort_by,
    sort_key,
    sort_resources,
)
from scim_mock.schema import ENTERPRISE_USER, USER, ResourceType, SchemaRegistry

REGISTRY = SchemaRegistry.load()
_FOUND = REGISTRY.resource_type("User")
assert _FOUND is not None
USER_TYPE: ResourceType = _FOUND


def users(*names: str | None) -> list[dict[str, Any]]:
    """Users numbered in input order; a None name leaves userName out."""
    result = []
    for index, name in enumerate(names):
        resource: dict[str, Any] = {"schemas": [USER], "id": f"id{index}"}
        if name is not None:
            resource["userName"] = name
        result.append(resource)
    return result


def ids(resources: list[dict[str, Any]]) -> list[str]:
    return [r["id"] for r in resources]


def sort(resources: list[dict[str, Any]], by: str | None, order: str | None = None) -> list[str]:
    return ids(sort_resources(resources, by, order, REGISTRY, "User"))


# -- sorting ----------------------------------------------------------------------------------


def test_strings_sort_case_insensitively_unless_case_exact() -> None:
    data = users("carol", "Bob", "alice")
    assert sort(data, "userName") == ["id2", "id1", "id0"]
    data = [{"id": "a", "externalId": "b"}, {"id": "b", "externalId": "B"}]
    assert ids(sort_resources(data, "externalId", None, REGISTRY, USER_TYPE)) == ["b", "a"]


def test_sort_order_defaults_to_ascending_and_descending_reverses() -> None:
    data = users("b", "a", "c")
    assert sort(data, "userName") == sort(data, "userName", "ascending") == ["id1", "id0", "id2"]
    assert sort(data, "userName", "DESCENDING") == ["id2", "id0", "id1"]


def test_missing_values_sort_last_ascending_and_first_descending() -> None:
    data = users(None, "b", None, "a")
    assert sort(data, "userName") == ["id3", "id1", "id0", "id2"]
    assert sort(data, "userName", "descending") == ["id0", "id2", "id1", "id3"]


def test_without_sort_by_the_input_order_is_kept() -> None:
    data = users("b", "a")
    assert sort(data, None) == ["id0", "id1"]
    assert sort(data, None, "descending") == ["id0", "id1"]


def test_multi_valued_sorts_by_primary_value_else_first() -> None:
    data: list[dict[str, Any]] = [
        {"id": "p", "emails": [{"value": "z@x"}, {"value": "a@x", "primary": True}]},
        {"id": "f", "emails": [{"type": "work"}, {"value": "m@x"}, {"value": "b@x"}]},
        {"id": "n", "emails": []},
    ]
    assert sort(data, "emails.value") == ["p", "f", "n"]


def test_urn_qualified_sub_attribute_and_extension_paths() -> None:
    data: list[dict[str, Any]] = [
        {"id": "x", "name": {"givenName": "Zed"}, ENTERPRISE_USER: {"employeeNumber": "1"}},
        {"id": "y", "name": {"givenName": "amy"}, ENTERPRISE_USER: {"employeeNumber": "2"}},
        {"id": "z", "name": "not an object"},
    ]
    assert sort(data, f"{USER}:name.givenName") == ["y", "x", "z"]
    assert sort(data, "NAME.GIVENNAME", "descending") == ["z", "x", "y"]
    assert sort(data, f"{ENTERPRISE_USER.upper()}:employeeNumber", "descending") == ["z", "y", "x"]
    assert sort(data, f"{ENTERPRISE_USER}:manager.value") == ["x", "y", "z"]


def test_date_times_sort_chronologically_and_booleans_false_first() -> None:
    data: list[dict[str, Any]] = [
        {"id": "late", "meta": {"created": "2024-01-01T10:00:00+02:00"}, "active": True},
        {"id": "early", "meta": {"created": "2024-01-01T09:00:00Z"}, "active": False},
        {"id": "bad", "meta": {"created": "yesterday"}, "active": "yes"},
    ]
    assert sort(data, "meta.created") == ["late", "early", "bad"]
    assert sort(data, "active") == ["early", "late", "bad"]


@pytest.mark.parametrize(
    "sort_by",
    [
        "nickname.foo",  # not a complex attribute
        "noSuchAttribute",
        "urn:ietf:params:scim:schemas:extension:other:2.0:User:x",
        'emails[type eq "work"].value',
        "",
        "name",  # complex: a sub-attribute path is required
        "emails",
        "password",  # returned=never
        ENTERPRISE_USER,  # a schema, not an attribute
    ],
)
def test_unusable_sort_by_is_invalid_value(sort_by: str) -> None:
    with pytest.raises(errors.InvalidValue) as info:
        sort_resources(users("a"), sort_by, None, REGISTRY, "User")
    assert info.value.status == 400 and info.value.scim_type == "invalidValue"


@pytest.mark.parametrize("order", ["up", "asc", "", "ascending "])
def test_unknown_sort_order_is_invalid_value(order: str) -> None:
    with pytest.raises(errors.InvalidValue):
        sort_resources(users("a"), "userName", order, REGISTRY, "User")


def test_unknown_resource_type_is_a_programming_error() -> None:
    with pytest.raises(ValueError):
        resolve_sort_by("userName", REGISTRY, "Widget")


NAMES = st.one_of(st.none(), st.sampled_from(["a", "A", "b", "B", "é", "E", "z"]))


@given(st.lists(NAMES, max_size=12), st.sampled_from(["ascending", "descending"]), st.randoms())
def test_sort_is_total_and_stable(names: list[str | None], order: str, rnd: Any) -> None:
    data = users(*names)
    resolved = resolve_sort_by("userName", REGISTRY, USER_TYPE)
    result = sort_resources(data, "userName", order, REGISTRY, USER_TYPE)
    keys = [sort_key(r, resolved) for r in result]
    # Total: the keys are ordered, and any permutation of the input yields the same key sequence.
    assert keys == sorted(keys, reverse=order == "descending")
    shuffled = list(data)
    rnd.shuffle(shuffled)
    again = sort_resources(shuffled, "userName", order, REGISTRY, USER_TYPE)
    assert [sort_key(r, resolved) for r in again] == keys
    # Stable: resources with equal keys keep their input order.
    position = {r["id"]: i for i, r in enumerate(data)}
    for left, right in pairwise(result):
        if sort_key(left, resolved) == sort_key(right, resolved):
            assert position[left["id"]] < position[right["id"]]


# -- paging -----------------------------------------------------------------------------------

TEN = [{"id": str(i)} for i in range(1, 11)]


@pytest.mark.parametrize(
    ("start", "count", "expected_ids", "expected_start"),
    [
        (None, None, ["1", "2", "3", "4", "5"], 1),  # defaults (P-3.4.2.4-01)
        (1, 2, ["1", "2"], 1),
        ("3", "2", ["3", "4"], 3),  # query strings
        ("+3", "02", ["3", "4"], 3),
        (0, 2, ["1", "2"], 1),  # startIndex < 1 is 1 (P-3.4.2.4-02)
        ("-7", 2, ["1", "2"], 1),
        (1, -5, [], 1),  # negative count is 0 (P-3.4.2.4-03)
        (1, 0, [], 1),  # count=0: totals only (P-3.4.2.4-04)
        (9, 5, ["9", "10"], 9),  # short last page (P-3.4.2.4-06)
        (11, 5, [], 11),  # beyond the end (P-3.4.2.4-08)
        (10**20, 5, [], 10**20),
        (2, 10**6, ["2", "3", "4", "5", "6", "7", "8"], 2),  # capped at max_count (C-5-13)
    ],
)
def test_paginate(start: Any, count: Any, expected_ids: list[str], expected_start: int) -> None:
    page, used_start, per_page = paginate(TEN, start, count, default_count=5, max_count=7)
    assert ids(page) == expected_ids
    assert used_start == expected_start
    assert per_page == len(page)  # P-3.4.2.4-07


def test_default_count_is_capped_too() -> None:
    page, _, per_page = paginate(TEN, None, None, default_count=50, max_count=3)
    assert per_page == 3 and ids(page) == ["1", "2", "3"]


@pytest.mark.parametrize("value", ["ten", "1.5", "", " 2", "2 ", "0x10", "1_0", 1.0, True, [1]])
@pytest.mark.parametrize("name", ["startIndex", "count"])
def test_non_integer_paging_values_are_invalid_value(value: Any, name: str) -> None:
    start, count = (value, None) if name == "startIndex" else (None, value)
    with pytest.raises(errors.InvalidValue) as info:
        paginate(TEN, start, count, default_count=5, max_count=10)
    assert name in info.value.detail


def test_parse_integer_passes_none_and_ints() -> None:
    assert parse_integer(None, "count") is None
    assert parse_integer(-3, "count") == -3


@given(st.integers(min_value=0, max_value=40), st.data())
def test_paging_through_every_page_returns_each_resource_once(total: int, data: Any) -> None:
    resources = [{"id": str(i)} for i in range(total)]
    count = data.draw(st.integers(min_value=1, max_value=max(total, 1)), label="count")
    seen: list[str] = []
    start = 1
    while True:
        page, used, per_page = paginate(resources, start, count, default_count=count, max_count=100)
        assert used == start and per_page == len(page) <= count
        if not page:
            break
        seen.extend(ids(page))
        start += per_page
    assert seen == [r["id"] for r in resources]


def test_list_response_shape() -> None:
    body = list_response([{"id": "1"}], 10, 3, 1)
    assert body == {
        "schemas": [LIST_RESPONSE],
        "totalResults": 10,
        "startIndex": 3,
        "itemsPerPage": 1,
        "Resources": [{"id": "1"}],
    }
    assert list_response([], 0, 1, 0)["Resources"] == []
