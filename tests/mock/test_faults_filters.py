"""The filter defects (scim_mock/faults/filters.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

import pytest

from scim_mock.faults import registered_by
from tests.conftest import ENTERPRISE_SCHEMA, USER_SCHEMA, Scim, make_scim


def names(scim: Scim, text: str) -> list[str]:
    response = scim.get("/Users", query={"filter": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(r["userName"] for r in response.get_json().get("Resources", []))


def seed(scim: Scim) -> None:
    scim.create_user(
        "ann",
        title="Guide",
        active=True,
        emails=[
            {"value": "a@work.example", "type": "work"},
            {"value": "a@home.example", "type": "home"},
        ],
    )
    scim.create_user(
        "bob", title="", active=False, emails=[{"value": "b@home.example", "type": "work"}]
    )
    scim.create_user("cat", active=True, schemas=[USER_SCHEMA, ENTERPRISE_SCHEMA],
                     **{ENTERPRISE_SCHEMA: {"department": "Sales"}})  # fmt: skip


def check_case_sensitive_strings(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName eq "ANN"') == []


def check_or_as_and(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName eq "ann" or userName eq "bob"') == []


def check_not_ignored(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'not (userName eq "ann")') == ["ann"]


def check_precedence_wrong(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName eq "cat" or userName eq "ann" and active eq false') == []


def check_pr_counts_empty(scim: Scim) -> None:
    seed(scim)
    assert names(scim, "title pr") == ["ann", "bob"]


def check_valuepath_any_element(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'emails[type eq "home" and value co "@work."]') == ["ann"]


def check_datetime_as_string(scim: Scim) -> None:
    seed(scim)
    user = scim.get("/Users", query={"filter": 'userName eq "ann"'}).get_json()["Resources"][0]
    created = datetime.fromisoformat(user["meta"]["created"].replace("Z", "+00:00"))
    # An hour earlier, written in UTC+14: chronologically before, textually after.
    earlier = (created - timedelta(hours=1)).astimezone(timezone(timedelta(hours=14)))
    assert names(scim, f'meta.created gt "{earlier.isoformat()}"') == []


def check_gt_inclusive(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName gt "bob"') == ["bob", "cat"]


def check_co_as_sw(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName co "n"') == []


def check_invalid_returns_empty(scim: Scim) -> None:
    seed(scim)
    assert names(scim, "userName eq") == []


def check_urn_unsupported(scim: Scim) -> None:
    seed(scim)
    response = scim.get("/Users", query={
        "filter": 'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ann"'})  # fmt: skip
    assert response.status_code == 400


def check_operator_case_sensitive(scim: Scim) -> None:
    seed(scim)
    assert scim.get("/Users", query={"filter": 'userName EQ "ann"'}).status_code == 400


def check_attribute_case_sensitive(scim: Scim) -> None:
    seed(scim)
    assert scim.get("/Users", query={"filter": 'USERNAME eq "ann"'}).status_code == 400


CHECKS: dict[str, Callable[[Scim], None]] = {
    "filter-case-sensitive-strings": check_case_sensitive_strings,
    "filter-or-as-and": check_or_as_and,
    "filter-not-ignored": check_not_ignored,
    "filter-precedence-wrong": check_precedence_wrong,
    "filter-pr-counts-empty": check_pr_counts_empty,
    "filter-valuepath-any-element": check_valuepath_any_element,
    "filter-datetime-as-string": check_datetime_as_string,
    "filter-gt-inclusive": check_gt_inclusive,
    "filter-co-as-sw": check_co_as_sw,
    "filter-invalid-returns-empty": check_invalid_returns_empty,
    "filter-urn-unsupported": check_urn_unsupported,
    "filter-operator-case-sensitive": check_operator_case_sensitive,
    "filter-attribute-case-sensitive": check_attribute_case_sensitive,
}


def test_every_filter_fault_has_a_behaviour_test() -> None:
    """CHECKS covers exactly the faults registered by scim_mock/faults/filters.py."""
    assert set(CHECKS) == registered_by("filters")


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_each_fault_changes_behaviour_as_described(name: str) -> None:
    """With the fault on, the described defect is observable over HTTP."""
    CHECKS[name](make_scim(faults=(name,)))


@pytest.mark.parametrize("name", sorted(CHECKS))
def test_without_the_fault_the_mock_is_strict(name: str) -> None:
    """The same scenario fails its defect assertion against the strict mock."""
    with pytest.raises(AssertionError):
        CHECKS[name](make_scim())


def test_filter_faults_combine() -> None:
    """Tree rewrites chain: with or-as-and and not-ignored both on, both show."""
    scim = make_scim(faults=("filter-or-as-and", "filter-not-ignored"))
    seed(scim)
    assert names(scim, 'not (userName eq "ann") or userName eq "bob"') == []
