"""The filter defects (scim_defects/filters.py and filter_types.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable
from datetime import datetime, timedelta, timezone

from tests.conftest import ENTERPRISE_SCHEMA, GROUP_SCHEMA, USER_SCHEMA, Scim, make_scim
from tests.defects.behaviour import behaviour_tests


def names(scim: Scim, text: str) -> list[str]:
    response = scim.get("/Users", query={"filter": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(r["userName"] for r in response.get_json().get("Resources", []))


def group_names(scim: Scim, text: str) -> list[str]:
    response = scim.get("/Groups", query={"filter": text})
    assert response.status_code == 200, response.get_data(as_text=True)
    return sorted(r["displayName"] for r in response.get_json().get("Resources", []))


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


def check_unassigned_as_undefined(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'title co "u"') == ["ann", "bob", "cat"]
    assert names(scim, 'title sw "G"') == ["ann"]


def check_user_groups_not_indexed(scim: Scim) -> None:
    seed(scim)
    ann = scim.get("/Users", query={"filter": 'userName eq "ann"'}).get_json()["Resources"][0]
    body = {"schemas": [GROUP_SCHEMA], "displayName": "g", "members": [{"value": ann["id"]}]}
    group = scim.post("/Groups", body)
    assert group.status_code == 201
    assert names(scim, f'groups.value eq "{group.get_json()["id"]}"') == []


def check_eq_null_never_matches(scim: Scim) -> None:
    seed(scim)
    assert names(scim, "title eq null") == []
    assert names(scim, "title ne null") == ["ann"]


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


def check_and_as_or(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName eq "ann" and active eq false') == ["ann", "bob"]


def check_case_exact_ignored(scim: Scim) -> None:
    seed(scim)
    ann = scim.get("/Users", query={"filter": 'userName eq "ann"'}).get_json()["Resources"][0]
    assert names(scim, f'id eq "{ann["id"].upper()}"') == ["ann"]


def check_lt_as_gt(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName lt "bob"') == ["cat"]


def check_sw_as_ew(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName sw "n"') == ["ann"]


def check_sw_excludes_whole_value(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName sw "ann"') == []


def check_value_decoded_twice(scim: Scim) -> None:
    seed(scim)
    scim.create_user("dan", title="C++ dev")
    assert names(scim, 'title eq "C++ dev"') == []


def check_boolean_as_string(scim: Scim) -> None:
    seed(scim)
    assert names(scim, "active eq true") == []


def check_ew_case_sensitive(scim: Scim) -> None:
    seed(scim)
    assert names(scim, 'userName ew "NN"') == []


def check_references_never_match(scim: Scim) -> None:
    seed(scim)
    scim.create_user("dan", profileUrl="https://example.com/dan")
    assert names(scim, 'profileUrl eq "https://example.com/dan"') == []


def check_members_not_indexed(scim: Scim) -> None:
    seed(scim)
    ann = scim.get("/Users", query={"filter": 'userName eq "ann"'}).get_json()["Resources"][0]
    scim.create_group("Guides", members=[ann["id"]])
    assert group_names(scim, "members pr") == []


def check_username_index_folded(scim: Scim) -> None:
    seed(scim)
    scim.create_user("Dan")
    assert names(scim, 'userName eq "Dan"') == []


def check_dotted_paths_refused(scim: Scim) -> None:
    seed(scim)
    refused = scim.get("/Users", query={"filter": 'name.familyName eq "x"'})
    assert refused.status_code == 400 and refused.get_json()["scimType"] == "invalidFilter"
    assert names(scim, 'emails[type eq "work" and value co "a@"]') == ["ann"]
    assert names(scim, 'userName eq "ann"') == ["ann"]


CHECKS: dict[str, Callable[[Scim], None]] = {
    "filter-dotted-paths-refused": check_dotted_paths_refused,
    "filter-case-sensitive-strings": check_case_sensitive_strings,
    "filter-or-as-and": check_or_as_and,
    "filter-not-ignored": check_not_ignored,
    "filter-precedence-wrong": check_precedence_wrong,
    "filter-pr-counts-empty": check_pr_counts_empty,
    "filter-unassigned-as-undefined": check_unassigned_as_undefined,
    "filter-user-groups-not-indexed": check_user_groups_not_indexed,
    "filter-eq-null-never-matches": check_eq_null_never_matches,
    "filter-valuepath-any-element": check_valuepath_any_element,
    "filter-datetime-as-string": check_datetime_as_string,
    "filter-gt-inclusive": check_gt_inclusive,
    "filter-co-as-sw": check_co_as_sw,
    "filter-invalid-returns-empty": check_invalid_returns_empty,
    "filter-urn-unsupported": check_urn_unsupported,
    "filter-operator-case-sensitive": check_operator_case_sensitive,
    "filter-attribute-case-sensitive": check_attribute_case_sensitive,
    "filter-and-as-or": check_and_as_or,
    "filter-case-exact-ignored": check_case_exact_ignored,
    "filter-lt-as-gt": check_lt_as_gt,
    "filter-sw-as-ew": check_sw_as_ew,
    "filter-sw-excludes-whole-value": check_sw_excludes_whole_value,
    "filter-value-decoded-twice": check_value_decoded_twice,
    "filter-boolean-as-string": check_boolean_as_string,
    "filter-ew-case-sensitive": check_ew_case_sensitive,
    "filter-references-never-match": check_references_never_match,
    "filter-members-not-indexed": check_members_not_indexed,
    "filter-username-index-folded": check_username_index_folded,
}


(
    test_every_filter_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests(("filters", "filter_types"), CHECKS)


def test_filter_faults_combine() -> None:
    """Tree rewrites chain: with or-as-and and not-ignored both on, both show."""
    scim = make_scim(faults=("filter-or-as-and", "filter-not-ignored"))
    seed(scim)
    assert names(scim, 'not (userName eq "ann") or userName eq "bob"') == []


def test_judged_faults_combine() -> None:
    """Faults judging terms by attribute chain: ew case-exact and booleans as text both show."""
    scim = make_scim(faults=("filter-ew-case-sensitive", "filter-boolean-as-string"))
    seed(scim)
    assert names(scim, 'userName ew "NN" or active eq true or userName ew "nn"') == ["ann"]


def test_judged_terms_inside_value_paths() -> None:
    """Inside brackets only the judged term changes: ew is exact, eq still ignores case."""
    scim = make_scim(faults=("filter-ew-case-sensitive",))
    seed(scim)
    assert names(scim, 'emails[value ew "@WORK.example"]') == []
    assert names(scim, 'emails[value ew "@work.example" and type eq "WORK"]') == ["ann"]
