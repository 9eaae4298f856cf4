"""values.json_copy: a deep copy of JSON values, as copy.deepcopy makes it."""

from __future__ import annotations

import copy
from datetime import datetime, timezone
from typing import Any

from hypothesis import given
from hypothesis import strategies as st

from scim_mock.values import json_copy

_JSON = st.recursive(
    st.none() | st.booleans() | st.integers() | st.floats(allow_nan=False) | st.text(max_size=8),
    lambda inner: (
        st.lists(inner, max_size=4) | st.dictionaries(st.text(max_size=6), inner, max_size=4)
    ),
    max_leaves=25,
)


def _containers(value: Any) -> list[Any]:
    if isinstance(value, dict):
        return [value, *(c for v in value.values() for c in _containers(v))]
    if isinstance(value, list):
        return [value, *(c for v in value for c in _containers(v))]
    return []


@given(_JSON)
def test_a_copy_is_equal_and_shares_no_container(value: Any) -> None:
    copied = json_copy(value)
    assert copied == value == copy.deepcopy(value)
    originals = {id(c) for c in _containers(value)}
    assert not originals & {id(c) for c in _containers(copied)}


def test_changing_the_copy_leaves_the_original_alone() -> None:
    user = {"emails": [{"value": "a@example.com"}], "meta": {"version": 'W/"1"'}}
    copied = json_copy(user)
    copied["emails"][0]["value"] = "b@example.com"
    copied["meta"]["version"] = 'W/"2"'
    assert user == {"emails": [{"value": "a@example.com"}], "meta": {"version": 'W/"1"'}}


def test_values_that_are_not_json_are_deep_copied() -> None:
    moment = datetime(2026, 1, 1, tzinfo=timezone.utc)
    value = {"pair": ([1], moment)}
    copied = json_copy(value)
    assert copied == value
    assert copied["pair"] is not value["pair"] and copied["pair"][0] is not value["pair"][0]
