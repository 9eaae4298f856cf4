"""The conformance suite against each persona of the mock fails exactly what the persona predicts.

A persona (scim_mock.personas) makes the mock behave as real providers do. The legal ones
(behaviour the RFCs allow) must fail no check at all: a check failing under one of them would
be a false alarm. The ones that deviate from the RFCs on purpose must fail exactly the checks of
the rule they break, and nothing else: :data:`PREDICTED` lists them, each with why. One suite
run per persona (in-process, as tests/defects/test_variants.py runs the legal variants).
"""

from __future__ import annotations

from dataclasses import dataclass
from pathlib import Path

import pytest

from scim_mock.personas import CATALOG
from tests.defects.suite import outcomes, run_pytest


@dataclass(frozen=True)
class Expectation:
    """The ``--scim-mock-persona`` value of a run and the checks it must fail (exactly)."""

    persona: str
    fails: frozenset[str] = frozenset()
    #: Fewer checks run when a feature is off (the rest skip, naming the evidence).
    min_passed: int = 400


#: case-sensitive-username breaks RFC 7643 §4.1.1 (userName is case-insensitive, C-4.1.1-03):
CASE_SENSITIVE_USER_NAME = frozenset({
    # filter=userName eq/co/ew/le/ne with the created userName in another case must (not) match
    # it, as for every caseExact=false attribute (RFC 7644 §3.4.2.2, P-3.4.2.2-05...).
    "test_filter_case[strings-co_matches_a_substring--username_middle_part_other_case]",
    "test_filter_case[strings-eq_on_a_caseexact_false_string_ignores_case--username_upper_cased]",
    "test_filter_case[strings-ew_matches_a_suffix_and_the_whole_value--suffix_other_case]",
    "test_filter_case[strings-gt_ge_lt_le_order_strings_lexicographically--le_ignores_case]",
    "test_filter_case[strings-ne_excludes_the_equal_value--username_ne]",
    "test_user_name_filter_ignores_case",
    # "Alice" and "alice" may not both exist (uniqueness is case-insensitive).
    "test_user_name_uniqueness_ignores_case",
})  # fmt: skip

#: soft-delete breaks RFC 7644 §3.6: a deleted resource answers 404 and leaves every query.
SOFT_DELETE = frozenset({
    # GET after DELETE (plain, in /Bulk, after an If-Match DELETE) answers 200, not 404
    # (P-3.6-02, P-3.7-03, P-3.14-05).
    "test_delete_returns_204_and_resource_is_gone",
    "test_deleted_leaver_answers_404_to_every_operation",
    "test_bulk_put_patch_delete_act_like_single_requests",
    "test_leaver_deprovisioned_in_one_bulk_request",
    "test_if_match_guards_writes[DELETE]",
    # The deactivated user is still listed and found by filters (P-3.6-03).
    "test_deleted_user_is_gone_from_queries",
    "test_deleted_leaver_is_gone_from_queries",
    # Its userName stays taken, so creating it again is a 409 (P-3.6-04, and the round trip
    # re-creates the users it deleted: P-3.3-03).
    "test_deleted_user_name_can_be_reused",
    "test_rehired_leaver_can_reuse_the_user_name",
    "test_random_users_round_trip",
})  # fmt: skip

#: eventual-consistency (T=300 s, far longer than a run) breaks RFC 7644 §3.4.2.2: a filter
#: must select every matching resource, and here it selects none written in the last T seconds.
#: Every check below creates (or changes) its resources and then queries them with a filter:
#: it misses them (failure), or its set-up cannot find its population and is blocked (error;
#: every test_filter_case shares that population fixture, the invalid-filter cases included).
EVENTUAL_CONSISTENCY = frozenset({
    # test_paginate_cursor: the walks filter their 200 marker users right after creating them
    "test_cursor_last_page_omits_next_cursor",
    "test_cursor_search_body_pages",
    "test_cursor_walk_returns_each_resource_once",
    # test_attributes
    "test_comma_separated_attribute_lists",
    "test_list_exclusion_keeps_returned_always_attributes",
    "test_list_projection_applies_to_every_resource",
    "test_list_urn_and_sub_attribute_names",
    "test_returned_never_stays_hidden_in_lists_and_searches",
    # test_filter
    "test_eq_null_selects_unassigned_attributes",
    "test_filter_case[groups-group_filters--displayname_co]",
    "test_filter_case[groups-group_filters--displayname_other_case]",
    "test_filter_case[groups-group_filters--members_pr]",
    "test_filter_case[groups-group_filters--members_value]",
    "test_filter_case[groups-group_filters--members_value_path]",
    "test_filter_case[groups-group_filters--not_members_pr]",
    "test_filter_case[invalid-malformed_filters--lone_parenthesis]",
    "test_filter_case[invalid-malformed_filters--missing_value]",
    "test_filter_case[invalid-malformed_filters--not_without_parentheses]",
    "test_filter_case[invalid-malformed_filters--trailing_and]",
    "test_filter_case[invalid-malformed_filters--unclosed_bracket]",
    "test_filter_case[invalid-malformed_filters--unterminated_string]",
    "test_filter_case[invalid-ordering_a_boolean--active_gt_true]",
    "test_filter_case[invalid-unknown_operator--zz]",
    "test_filter_case[logic-and_or_not--and_narrows]",
    "test_filter_case[logic-and_or_not--not_inverts]",
    "test_filter_case[logic-and_or_not--or_joins]",
    "test_filter_case[logic-case_insensitive_attribute_names_and_operators--mixed_case_logical_operators]",
    "test_filter_case[logic-case_insensitive_attribute_names_and_operators--mixed_case_sub_attribute]",
    "test_filter_case[logic-case_insensitive_attribute_names_and_operators--mixed_case_value_path]",
    "test_filter_case[logic-case_insensitive_attribute_names_and_operators--upper_case_name_and_operator]",
    "test_filter_case[logic-grouping--nested_groups_under_not]",
    "test_filter_case[logic-grouping--parentheses_override_precedence]",
    "test_filter_case[logic-precedence--and_before_or]",
    "test_filter_case[logic-precedence--and_before_or_on_the_left]",
    "test_filter_case[paths-enterprise_extension_paths--department_ignores_case]",
    "test_filter_case[paths-enterprise_extension_paths--employeenumber_pr]",
    "test_filter_case[paths-enterprise_extension_paths--manager_value]",
    "test_filter_case[paths-multi_valued_attributes_match_on_any_value--second_email]",
    "test_filter_case[paths-multi_valued_attributes_match_on_any_value--sub_attribute_type]",
    "test_filter_case[paths-pr_on_empty_and_absent_values--complex_name_pr]",
    "test_filter_case[paths-pr_on_empty_and_absent_values--not_title_pr]",
    "test_filter_case[paths-pr_on_empty_and_absent_values--title_pr_skips_empty_and_absent]",
    "test_filter_case[paths-schemas_membership--schemas_eq_enterprise_urn]",
    "test_filter_case[paths-urn_qualified_paths--core_sub_attribute]",
    "test_filter_case[paths-urn_qualified_paths--core_username]",
    "test_filter_case[paths-value_paths_apply_all_conditions_to_one_value--primary_false]",
    "test_filter_case[paths-value_paths_apply_all_conditions_to_one_value--type_and_value_on_the_same_email]",
    "test_filter_case[paths-value_paths_apply_all_conditions_to_one_value--value_path_or_plain]",
    "test_filter_case[strings-caseexact_true_strings_compare_exactly--externalid_co_mixed]",
    "test_filter_case[strings-caseexact_true_strings_compare_exactly--externalid_lower_case]",
    "test_filter_case[strings-caseexact_true_strings_compare_exactly--externalid_mixed_case]",
    "test_filter_case[strings-caseexact_true_strings_compare_exactly--externalid_sw_lower]",
    "test_filter_case[strings-caseexact_true_strings_compare_exactly--externalid_sw_upper]",
    "test_filter_case[strings-caseexact_true_strings_compare_exactly--id_with_changed_case]",
    "test_filter_case[strings-co_matches_a_substring--complex_emails_without_sub_attribute]",
    "test_filter_case[strings-co_matches_a_substring--multi_valued_emails_value]",
    "test_filter_case[strings-co_matches_a_substring--username_middle_part_other_case]",
    "test_filter_case[strings-eq_on_a_caseexact_false_string_ignores_case--givenname_lower_cased]",
    "test_filter_case[strings-eq_on_a_caseexact_false_string_ignores_case--username_as_created]",
    "test_filter_case[strings-eq_on_a_caseexact_false_string_ignores_case--username_upper_cased]",
    "test_filter_case[strings-ew_matches_a_suffix_and_the_whole_value--multi_valued_emails_value]",
    "test_filter_case[strings-ew_matches_a_suffix_and_the_whole_value--suffix_other_case]",
    "test_filter_case[strings-ew_matches_a_suffix_and_the_whole_value--whole_value]",
    "test_filter_case[strings-gt_ge_lt_le_order_strings_lexicographically--ge_includes_the_value]",
    "test_filter_case[strings-gt_ge_lt_le_order_strings_lexicographically--gt_is_strict]",
    "test_filter_case[strings-gt_ge_lt_le_order_strings_lexicographically--le_ignores_case]",
    "test_filter_case[strings-gt_ge_lt_le_order_strings_lexicographically--lt_is_strict]",
    "test_filter_case[strings-ne_excludes_the_equal_value--active_ne_true]",
    "test_filter_case[strings-ne_excludes_the_equal_value--username_ne]",
    "test_filter_case[strings-percent_encoded_filters_are_decoded--reserved_characters_in_the_value]",
    "test_filter_case[strings-sw_matches_a_prefix_and_the_whole_value--prefix_of_one_member]",
    "test_filter_case[strings-sw_matches_a_prefix_and_the_whole_value--run_tag_prefix]",
    "test_filter_case[strings-sw_matches_a_prefix_and_the_whole_value--whole_value]",
    "test_filter_case[types-boolean_attributes--active_eq_false]",
    "test_filter_case[types-boolean_attributes--active_eq_true]",
    "test_filter_case[types-datetime_attributes_compare_chronologically--created_eq_own_instant_in_another_zone]",
    "test_filter_case[types-datetime_attributes_compare_chronologically--created_gt_earlier_instant_in_another_zone]",
    "test_filter_case[types-datetime_attributes_compare_chronologically--created_lt_an_hour_before]",
    "test_filter_case[types-datetime_attributes_compare_chronologically--created_lt_later_instant_in_another_zone]",
    "test_filter_case[types-datetime_attributes_compare_chronologically--lastmodified_ge_own_value]",
    "test_filter_case[types-datetime_attributes_compare_chronologically--lastmodified_le_own_value]",
    "test_filter_case[types-decimal_attributes_compare_numerically--gt]",
    "test_filter_case[types-decimal_attributes_compare_numerically--lt]",
    "test_filter_case[types-integer_attributes_compare_numerically--eq]",
    "test_filter_case[types-integer_attributes_compare_numerically--gt]",
    "test_filter_case[types-integer_attributes_compare_numerically--le]",
    "test_filter_case[types-reference_attributes--profileurl_eq]",
    "test_filter_case[types-reference_attributes--profileurl_eq_other_case]",
    "test_filter_case[types-reference_attributes--profileurl_sw]",
    "test_trailing_text_after_a_filter_is_invalid[literal]",
    "test_trailing_text_after_a_filter_is_invalid[string]",
    "test_trailing_text_after_a_filter_is_invalid[word]",
    "test_value_comparisons_never_select_unassigned_attributes[co]",
    "test_value_comparisons_never_select_unassigned_attributes[ew]",
    "test_value_comparisons_never_select_unassigned_attributes[gt]",
    "test_value_comparisons_never_select_unassigned_attributes[sw]",
    # test_filter_properties
    "test_filter_results_agree_with_reference_evaluator",
    # test_groups
    "test_users_are_found_by_their_groups",
    # test_lifecycle_joiner
    "test_joiner_is_found_by_user_name_filter",
    # test_lifecycle_leaver
    "test_deactivated_user_is_still_found_by_filters",
    # test_paginate
    "test_a_walk_of_a_few_hundred_resources_returns_each_once",
    "test_count_zero_returns_only_the_total",
    "test_negative_count_is_taken_as_zero",
    "test_start_index_past_the_end_is_an_empty_page",
    "test_walking_pages_returns_every_resource_once",
    # test_schema_definitions
    "test_core_attributes_work_with_and_without_urn",
    "test_extension_attributes_are_named_by_urn",
    # test_schema_rules
    "test_external_id_filter_is_case_exact",
    "test_user_name_filter_ignores_case",
    # test_search
    "test_root_search_finds_the_users",
    # test_security_injection
    "test_filter_values_match_literally[co]",
    "test_filter_values_match_literally[eq]",
    "test_filter_values_match_literally[ew]",
    "test_filter_values_match_literally[sw]",
    "test_injection_filters_change_nothing",
    # test_sort
    "test_multi_valued_sort_uses_primary_then_first_value",
    "test_resources_without_the_value_sort_last_then_first",
    "test_sort_by_sub_attribute",
    "test_sort_by_user_name_follows_case_exactness",
})  # fmt: skip

EXPECTATIONS = [
    # Legal: PATCH answered 204 (RFC 7644 §3.5.2).
    Expectation("patch-204", min_passed=500),
    # Legal: PATCH optional, advertised off, 501 (RFC 7643 §5, RFC 7644 §3.12).
    Expectation("put-only"),
    # Legal: filtering optional, advertised off, 501.
    Expectation("no-filter"),
    # Legal: pages of one resource whatever count says (RFC 7644 §3.4.2.4).
    Expectation("page-cap:1", min_passed=500),
    # Legal: throttling with Retry-After (RFC 6585 §4), which the suite waits on. The bucket is
    # sized to throttle a fast run now and then without making it slow; whether it throttles
    # depends on the machine's speed, which a test never asserts (tests/mock/test_personas.py
    # proves the bucket with the mock clock).
    Expectation("rate-limit:300/150", min_passed=500),
    # Legal: referential integrity is optional (RFC 7643 §2.3.7, C-2.3.7-04).
    Expectation("lenient-members", min_passed=500),
    # The client dialects accept more than the RFC; a server that does breaks no rule.
    Expectation("okta", min_passed=500),
    Expectation("entra", min_passed=500),
    Expectation("case-sensitive-username", CASE_SENSITIVE_USER_NAME, min_passed=500),
    Expectation("soft-delete", SOFT_DELETE, min_passed=500),
    Expectation("eventual-consistency:300", EVENTUAL_CONSISTENCY),
]


def test_every_persona_has_a_run() -> None:
    """Each persona of the catalog is run below; legal ones predict no failure."""
    runs = {e.persona.partition(":")[0]: e for e in EXPECTATIONS}
    assert set(runs) == set(CATALOG)
    for name, expectation in runs.items():
        assert bool(expectation.fails) == (not CATALOG[name].legal), name


@pytest.mark.parametrize("expectation", EXPECTATIONS, ids=[e.persona for e in EXPECTATIONS])
def test_suite_fails_what_the_persona_predicts(tmp_path: Path, expectation: Expectation) -> None:
    """The failing checks are exactly the predicted ones (none for a legal persona)."""
    junit = tmp_path / "persona.xml"
    run = run_pytest(
        ["--scim-mock-persona", expectation.persona, f"--junitxml={junit}"],
        cwd=tmp_path,
        timeout=900,
    )
    result = outcomes(junit)
    assert {
        "unexpected": sorted(result.failed - expectation.fails),
        "missing": sorted(expectation.fails - result.failed),
    } == {"unexpected": [], "missing": []}, run.output[-20000:]
    assert len(result.passed) > expectation.min_passed
