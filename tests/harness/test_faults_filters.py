"""Each filter defect (scim_mock/faults/filters.py) makes exactly its checks fail.

DEFECTS: the checks that fail with the defect on, and nothing else. AT_LEAST: defects whose
blast radius reaches checks of other areas (or defects of other areas that also break filter
checks); the listed checks must fail, others may.
"""

from __future__ import annotations

import pytest

from tests.harness.suite import failures_of, run_suite

#: The differential check. Its examples are derandomized from the test's source, so which
#: defects it happens to hit can change when its code changes: where a row lists it, it must
#: fail; where a row does not, it may fail or pass (the rows stay exact for everything else).
#: Rows list it only for defects that nearly every run of 25 examples hits.
PROPERTY = "test_filter_results_agree_with_reference_evaluator"


def case(name: str) -> str:
    return f"test_filter_case[{name}]"


CASE_SENSITIVE_NAMES = {
    case("logic-case_insensitive_attribute_names_and_operators--upper_case_name_and_operator"),
    case("logic-case_insensitive_attribute_names_and_operators--mixed_case_logical_operators"),
    case("logic-case_insensitive_attribute_names_and_operators--mixed_case_value_path"),
    PROPERTY,
}
INVALID = {
    case(f"invalid-malformed_filters--{n}")
    for n in (
        "missing_value",
        "lone_parenthesis",
        "trailing_and",
        "not_without_parentheses",
        "unterminated_string",
        "unclosed_bracket",
    )
} | {case("invalid-unknown_operator--zz"), case("invalid-ordering_a_boolean--active_gt_true")}

DEFECTS: dict[str, set[str]] = {
    "filter-or-as-and": {
        case("logic-and_or_not--or_joins"),
        case("logic-precedence--and_before_or"),
        case("logic-precedence--and_before_or_on_the_left"),
        case("logic-grouping--parentheses_override_precedence"),
        case("logic-grouping--nested_groups_under_not"),
        case("paths-value_paths_apply_all_conditions_to_one_value--value_path_or_plain"),
        PROPERTY,
    },
    "filter-not-ignored": {
        case("groups-group_filters--not_members_pr"),
        case("logic-and_or_not--not_inverts"),
        case("logic-grouping--nested_groups_under_not"),
        case("logic-case_insensitive_attribute_names_and_operators--mixed_case_logical_operators"),
        case("paths-pr_on_empty_and_absent_values--not_title_pr"),
        PROPERTY,
    },
    "filter-precedence-wrong": {case("logic-precedence--and_before_or")},
    "filter-pr-counts-empty": {
        case("logic-precedence--and_before_or_on_the_left"),
        case("logic-grouping--nested_groups_under_not"),
        case("logic-case_insensitive_attribute_names_and_operators--mixed_case_logical_operators"),
        case("paths-pr_on_empty_and_absent_values--title_pr_skips_empty_and_absent"),
        case("paths-pr_on_empty_and_absent_values--not_title_pr"),
    },
    "filter-valuepath-any-element": {
        case("logic-case_insensitive_attribute_names_and_operators--mixed_case_value_path"),
        case(
            "paths-value_paths_apply_all_conditions_to_one_value--type_and_value_on_the_same_email"
        ),
        case("paths-value_paths_apply_all_conditions_to_one_value--value_path_or_plain"),
    },
    "filter-datetime-as-string": {
        case(
            "types-datetime_attributes_compare_chronologically--"
            "created_gt_earlier_instant_in_another_zone"
        ),
        case(
            "types-datetime_attributes_compare_chronologically--"
            "created_lt_later_instant_in_another_zone"
        ),
        case(
            "types-datetime_attributes_compare_chronologically--"
            "created_eq_own_instant_in_another_zone"
        ),
    },
    "filter-gt-inclusive": {
        case("strings-gt_ge_lt_le_order_strings_lexicographically--gt_is_strict"),
        case("strings-gt_ge_lt_le_order_strings_lexicographically--lt_is_strict"),
    },
    "filter-co-as-sw": {
        case("groups-group_filters--displayname_co"),
        case(
            "paths-value_paths_apply_all_conditions_to_one_value--type_and_value_on_the_same_email"
        ),
        case("strings-caseexact_true_strings_compare_exactly--externalid_co_mixed"),
        case("strings-co_matches_a_substring--username_middle_part_other_case"),
        case("strings-co_matches_a_substring--multi_valued_emails_value"),
        case("strings-co_matches_a_substring--complex_emails_without_sub_attribute"),
    },
    "filter-invalid-returns-empty": INVALID,
    "filter-operator-case-sensitive": CASE_SENSITIVE_NAMES,
    "filter-attribute-case-sensitive": CASE_SENSITIVE_NAMES
    | {case("logic-case_insensitive_attribute_names_and_operators--mixed_case_sub_attribute")},
}
#: Checks of other areas that these defects break as well (measured by running the whole
#: suite once per defect); they belong to the exact expectation above.
ALSO_FAILING: dict[str, set[str]] = {
    "filter-datetime-as-string": {
        "test_filter_results_agree_with_reference_evaluator",
    },
}
for _name, _extra in ALSO_FAILING.items():
    DEFECTS[_name] = DEFECTS[_name] | _extra


AT_LEAST: dict[str, set[str]] = {
    # Every string compares exactly: the userName check of test_schema_rules fails too.
    "filter-case-sensitive-strings": {
        case("groups-group_filters--displayname_other_case"),
        case("groups-group_filters--displayname_co"),
        case("strings-eq_on_a_caseexact_false_string_ignores_case--username_upper_cased"),
        case("strings-eq_on_a_caseexact_false_string_ignores_case--givenname_lower_cased"),
        case("strings-co_matches_a_substring--username_middle_part_other_case"),
        case("strings-gt_ge_lt_le_order_strings_lexicographically--le_ignores_case"),
        case("paths-enterprise_extension_paths--department_ignores_case"),
        PROPERTY,
        "test_user_name_filter_ignores_case",
    },
    # URN paths refused: the URN checks of test_schema_rules fail too.
    "filter-urn-unsupported": {
        case("paths-urn_qualified_paths--core_username"),
        case("paths-urn_qualified_paths--core_sub_attribute"),
        case("paths-enterprise_extension_paths--department_ignores_case"),
        case("paths-enterprise_extension_paths--manager_value"),
        case("paths-enterprise_extension_paths--employeenumber_pr"),
        PROPERTY,
        "test_core_attributes_work_with_and_without_urn",
        "test_extension_attributes_are_named_by_urn",
    },
    # Defects of other areas (scim_mock/faults/resources.py, lifecycle.py) that filter checks
    # catch as well.
    "filter-externalid-case-insensitive": {
        case("strings-caseexact_true_strings_compare_exactly--externalid_mixed_case"),
        case("strings-caseexact_true_strings_compare_exactly--externalid_lower_case"),
    },
    "filter-username-case-sensitive": {
        case("strings-eq_on_a_caseexact_false_string_ignores_case--username_upper_cased"),
    },
    "filter-misses-inactive": {case("logic-and_or_not--not_inverts")},
}


@pytest.mark.parametrize("name", sorted(DEFECTS))
def test_defect_fails_exactly_its_checks(pytester: pytest.Pytester, name: str) -> None:
    """With the defect on, exactly the listed checks fail."""
    outcome = run_suite(pytester, "--scim-mock-fault", name)
    failed = failures_of(outcome, DEFECTS[name])
    if PROPERTY not in DEFECTS[name]:
        failed -= {PROPERTY}
    assert failed == DEFECTS[name], outcome.output


@pytest.mark.parametrize("name", sorted(AT_LEAST))
def test_defect_fails_at_least_its_checks(pytester: pytest.Pytester, name: str) -> None:
    """With a cross-cutting defect on, at least the listed checks fail."""
    outcome = run_suite(pytester, "--scim-mock-fault", name)
    missing = AT_LEAST[name] - failures_of(outcome, AT_LEAST[name])
    assert not missing, outcome.output


def test_every_filter_case_has_a_defect() -> None:
    """Each data case family (file) and check of the filter modules fails under some defect."""
    from scim_tests import data

    covered = set().union(*DEFECTS.values(), *AT_LEAST.values())
    files = {
        c.file for c in data.cases("filters") if c.group.get("requires", {}).get("type") is None
    }  # integer/decimal cases skip against the mock (no such attribute)
    hit = {
        n.split("[", 1)[1].split("-", 1)[0] for n in covered if n.startswith("test_filter_case[")
    }
    assert files - hit == set()
    assert PROPERTY in covered
