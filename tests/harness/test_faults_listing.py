"""Each query-result defect makes exactly its checks fail (paging, sorting, projection, search).

DEFECTS: the checks that fail with the defect on, and nothing else. AT_LEAST: defects whose
blast radius reaches checks of other areas; the listed checks must fail, others may.
"""

from __future__ import annotations

import pytest

from tests.harness.suite import failures_of, run_suite

WALK = "test_walking_pages_returns_every_resource_once"
SORTED = {
    "test_sort_by_user_name_follows_case_exactness",
    "test_sort_by_sub_attribute",
    "test_resources_without_the_value_sort_last_then_first",
    "test_multi_valued_sort_uses_primary_then_first_value",
}

DEFECTS: dict[str, set[str]] = {
    "paging-duplicates-across-pages": {WALK},
    "paging-ignores-count": {
        WALK,
        "test_count_zero_returns_only_the_total",
        "test_negative_count_is_taken_as_zero",
    },
    "paging-count-zero-returns-all": {"test_count_zero_returns_only_the_total"},
    "paging-negative-count-error": {"test_negative_count_is_taken_as_zero"},
    "paging-start-below-one-error": {"test_start_index_below_one_is_one"},
    "paging-total-is-page-size": {
        WALK,
        "test_count_zero_returns_only_the_total",
        "test_negative_count_is_taken_as_zero",
        "test_start_index_past_the_end_is_an_empty_page",
    },
    "paging-past-end-error": {"test_start_index_past_the_end_is_an_empty_page"},
    "paging-no-items-per-page": {WALK},
    "paging-cap-ignored": {"test_count_above_max_results_is_capped"},
    "sort-ignored": SORTED | {"test_descending_is_the_reverse_of_ascending"},
    "sort-descending-ignored": {
        "test_descending_is_the_reverse_of_ascending",
        "test_resources_without_the_value_sort_last_then_first",
    },
    # Every sorted check that leaves out sortOrder gets the reverse order.
    "sort-default-descending": SORTED,
    "sort-case-sensitive": {
        "test_sort_by_user_name_follows_case_exactness",
        "test_sort_by_sub_attribute",
    },
    # carol, without email, is also sorted first by emails.value.
    "sort-missing-first": {
        "test_resources_without_the_value_sort_last_then_first",
        "test_multi_valued_sort_uses_primary_then_first_value",
    },
    "sort-multivalued-last-value": {"test_multi_valued_sort_uses_primary_then_first_value"},
    "projection-attributes-ignored-on-list": {
        "test_list_projection_applies_to_every_resource",
        "test_comma_separated_attribute_lists",
        "test_list_exclusion_keeps_returned_always_attributes",
        "test_list_urn_and_sub_attribute_names",
    },
    # The GET half of the search comparison loses schemas too.
    "projection-excluded-drops-schemas": {
        "test_comma_separated_attribute_lists",
        "test_list_exclusion_keeps_returned_always_attributes",
        "test_search_answers_like_the_equivalent_get",
    },
    # The retrieve check excludes "id,emails": emails stays.
    "projection-first-name-only": {
        "test_comma_separated_attribute_lists",
        "test_list_exclusion_keeps_returned_always_attributes",
        "test_list_urn_and_sub_attribute_names",
        "test_excluded_attributes_keep_id",
    },
    "null-stored-as-empty-string": {"test_null_and_empty_values_are_unassigned"},
    "search-ignores-body-filter": {
        "test_search_answers_like_the_equivalent_get",
        "test_root_search_finds_the_users",
    },
    "search-creates-resource": {"test_search_never_creates"},
    # The returned=never check reads the /.search answer too.
    "search-not-list-response": {
        "test_search_answers_like_the_equivalent_get",
        "test_search_answers_a_list_response",
        "test_root_search_finds_the_users",
        "test_returned_never_stays_hidden_in_lists_and_searches",
    },
}

AT_LEAST: dict[str, set[str]] = {
    # The filter area walks result pages from startIndex=1: its cases miss results too.
    "paging-off-by-one": {
        WALK,
        "test_start_index_defaults_to_one",
        "test_start_index_below_one_is_one",
    },
    # The PATCH area's projection check fails too.
    "projection-ignored-on-put-patch": {"test_put_and_patch_responses_honour_projection"},
    # Resources-area defects reused here; their own checks (and other areas') fail as well.
    "attributes-param-ignored": {
        "test_list_projection_applies_to_every_resource",
        "test_comma_separated_attribute_lists",
        "test_list_exclusion_keeps_returned_always_attributes",
        "test_list_urn_and_sub_attribute_names",
        "test_search_answers_like_the_equivalent_get",
    },
    "sub-attribute-projection-ignored": {"test_list_urn_and_sub_attribute_names"},
    "password-returned-on-request": {"test_returned_never_stays_hidden_in_lists_and_searches"},
}


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_fails_exactly_its_checks(pytester: pytest.Pytester, name: str) -> None:
    """With the defect on, exactly the listed checks fail."""
    outcome = run_suite(pytester, "--scim-mock-fault", name)
    assert failures_of(outcome, DEFECTS[name]) == DEFECTS[name], outcome.output


@pytest.mark.parametrize("name", sorted(AT_LEAST))
def test_defect_fails_at_least_its_checks(pytester: pytest.Pytester, name: str) -> None:
    """With a cross-cutting defect on, at least the listed checks fail."""
    outcome = run_suite(pytester, "--scim-mock-fault", name)
    missing = AT_LEAST[name] - failures_of(outcome, AT_LEAST[name])
    assert not missing, outcome.output
