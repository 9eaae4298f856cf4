"""The RFC 9865 cursor defects (scim_defects/cursors.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import Scim
from tests.defects.behaviour import behaviour_tests


def _three(scim: Scim) -> list[str]:
    return [scim.create_user(f"cursor.defect{i}")["id"] for i in range(3)]


def _page(scim: Scim, cursor: str, count: Any = 2) -> dict[str, Any]:
    body: dict[str, Any] = scim.get("/Users", query={"cursor": cursor, "count": count}).get_json()
    return body


def check_skips_page_boundary(scim: Scim) -> None:
    ids = _three(scim)
    first = _page(scim, "")
    second = _page(scim, first["nextCursor"])
    assert ids[2] not in [r["id"] for r in first["Resources"] + second["Resources"]]


def check_next_on_last_page(scim: Scim) -> None:
    _three(scim)
    last = _page(scim, _page(scim, "")["nextCursor"])
    assert "nextCursor" in last
    after = _page(scim, last["nextCursor"])
    assert after["Resources"] == [] and "nextCursor" in after


def check_previous_on_first_page(scim: Scim) -> None:
    _three(scim)
    assert "previousCursor" in _page(scim, "")


def check_invalid_as_invalid_value(scim: Scim) -> None:
    assert _page(scim, "forged0")["scimType"] == "invalidValue"


def check_unreadable_count_ignored(scim: Scim) -> None:
    _three(scim)
    assert len(_page(scim, "", "ten")["Resources"]) == 3


def check_flags_as_strings(scim: Scim) -> None:
    pagination = scim.get("/ServiceProviderConfig").get_json()["pagination"]
    assert pagination["cursor"] == "true" and pagination["index"] == "true"


CHECKS: dict[str, Callable[[Scim], None]] = {
    "cursor-skips-page-boundary": check_skips_page_boundary,
    "cursor-next-on-last-page": check_next_on_last_page,
    "cursor-previous-on-first-page": check_previous_on_first_page,
    "cursor-invalid-as-invalid-value": check_invalid_as_invalid_value,
    "cursor-unreadable-count-ignored": check_unreadable_count_ignored,
    "cursor-pagination-flags-as-strings": check_flags_as_strings,
}


(
    test_every_cursors_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests("cursors", CHECKS, strict_errors=(AssertionError, KeyError))
