"""Each PATCH defect makes exactly its checks fail (data cases and flow checks of PATCH).

DEFECTS: the checks that fail with the defect on, and nothing else. AT_LEAST: defects whose
blast radius reaches checks of other areas; the listed checks must fail, others may. Data cases
are named by ``case("<test slug>")`` (or ``case("<file>:<test slug>")`` where the slug repeats),
which resolves to the parametrized check's exact name and fails on an unknown or ambiguous slug.
"""

from __future__ import annotations

import pytest

from scim_tests.data import cases
from tests.harness.suite import failures_of, run_suite


def case(slug: str) -> str:
    """``test_patch_case[<id>]`` of the one case whose test slug (after ``--``) is ``slug``."""
    file, _, tail = slug.rpartition(":")
    found = [
        c.id
        for c in cases("patch")
        if c.id.endswith(f"--{tail}") and (not file or c.id.startswith(f"{file}-"))
    ]
    assert len(found) == 1, f"{slug!r} names {found}"
    return f"test_patch_case[{found[0]}]"


DEFECTS: dict[str, set[str]] = {
    "patch-add-duplicates": {
        "test_add_that_changes_nothing_keeps_meta",
        case("the_same_email_again"),
        case("the_same_email_again_pathless"),
        case("the_same_member_again"),
    },
    "patch-add-only-multivalued": {
        "test_patch_op_names_in_another_case_are_applied_or_refused",
        case("add:attribute_name_in_another_case"),
        case("add:path_nickname"),
        case("path_name_with_an_object_of_sub_attributes"),
        case("path_nickname_on_a_user_without_nickname"),
        case("path_nickname_without_value"),
        case("path_title_on_a_user_without_title"),
        case("remove_then_add"),
    },
    # add groups on a user without groups is skipped instead of refused.
    "patch-add-to-unassigned-ignored": {
        "test_user_groups_cannot_be_patched",
        case("path_addresses_on_a_user_without_addresses"),
        case("path_nickname_on_a_user_without_nickname"),
        case("path_title_on_a_user_without_title"),
    },
    "patch-attributes-ignored": {"test_patch_with_attributes_answers_200_with_them"},
    "patch-bad-operations-204": {
        case("json_patch_move"),
        case("json_patch_test"),
        case("operations_an_object"),
        case("operations_empty"),
        case("operations_missing"),
        case("path_and_value_without_op"),
    },
    "patch-envelope-invalidvalue": {
        "test_patch_without_the_patchop_schema[no-schemas]",
        "test_patch_without_the_patchop_schema[wrong-urn]",
    },
    # The mover replaces its department by the extension URN path.
    "patch-extension-urn-path-fails": {
        "test_mover_attributes_replaced_by_patch_with_paths",
        case("employeenumber_on_a_user_without_the_extension"),
        case("operations_see_the_schemas_added_by_earlier_ones"),
        case("remove_costcenter"),
        case("replace_department"),
        case("sub_attribute_of_a_complex_extension_attribute"),
        case("urn_in_another_case"),
    },
    "patch-immutable-replace-accepted": {case("replace_a_member_s_value")},
    "patch-incomplete-op-ignored": {
        case("no_path_and_no_value"),
        case("op_remove_alone"),
        case("path_and_value_without_op"),
        case("path_nickname_without_value"),
    },
    "patch-invalidpath-as-invalidvalue": {case("two_dots"), case("unclosed_value_filter")},
    "patch-invalidvalue-as-invalidsyntax": {case("active_as_a_string"), case("name_as_a_string")},
    # The groups check expects mutability for add groups.
    "patch-mutability-as-invalidvalue": {
        "test_user_groups_cannot_be_patched",
        case("path_displayname"),
        case("path_id_readonly"),
        case("path_meta_readonly"),
        case("path_username_required"),
        case("replace_a_member_s_value"),
        case("replace_id"),
        case("replace_meta_created"),
        case("second_remove_targets_a_required_attribute"),
        case("third_replaces_id"),
    },
    "patch-noop-touches-meta": {"test_add_that_changes_nothing_keeps_meta"},
    "patch-not-atomic": {
        case("second_remove_targets_a_required_attribute"),
        case("second_replace_matches_nothing"),
        case("third_replaces_id"),
    },
    "patch-notarget-200": {
        case("filter_on_a_type_nobody_has"),
        case("second_replace_matches_nothing"),
        case("whole_value_replace"),
    },
    "patch-op-case-ignored": {"test_patch_op_names_in_another_case_are_applied_or_refused"},
    "patch-operations-reversed": {
        case("add_a_member_then_remove_it_by_filter"),
        case("remove_members_then_add_one"),
        case("remove_then_add"),
        case("replace_then_replace_again"),
    },
    "patch-pathless-add-ignored": {
        case("complex_attribute_merged_multi_valued_attribute_added"),
        case("new_single_valued_attribute_others_kept"),
        case("no_path_and_no_value"),
        case("pathless_one_new_value"),
    },
    "patch-pathless-add-replaces-multivalued": {
        case("pathless_one_new_value"),
        case("the_same_email_again_pathless"),
    },
    # The leaver and mover checks that patch without a path fail too.
    "patch-pathless-replace-ignored": {
        "test_leaver_deactivated_by_pathless_patch",
        "test_mover_attributes_replaced_by_pathless_patch",
        case("pathless_value_keyed_by_the_extension_urn"),
        case("pathless_value_with_name"),
        case("two_single_valued_attributes"),
    },
    "patch-primary-not-unique": {
        case("add_a_new_primary_value"),
        case("pathless_replace_with_a_new_primary_value"),
        case("replace_the_other_value_s_primary"),
    },
    "patch-readonly-accepted": {
        case("path_id_readonly"),
        case("path_meta_readonly"),
        case("replace_id"),
        case("replace_meta_created"),
        case("third_replaces_id"),
    },
    "patch-remove-filter-ignored": {case("path_emails_type_eq_work"), case("path_emails_value_eq")},
    "patch-remove-only-multivalued": {
        "test_patch_op_names_in_another_case_are_applied_or_refused",
        case("remove:attribute_name_in_another_case"),
        case("remove:path_nickname"),
        case("remove:sub_attribute_path_name_givenname"),
    },
    "patch-remove-without-filter-ignored": {case("remove:path_emails")},
    "patch-replace-complex-drops-subattributes": {case("path_name_with_givenname_only")},
    "patch-replace-filter-replaces-all": {
        case("emails_type_eq_work_value"),
        case("filter_on_a_boolean_sub_attribute"),
        case("filter_on_a_type_nobody_has"),
        case("filter_without_a_value"),
        case("path_emails_type_eq_work_with_a_whole_value"),
        case("pathless_replace_with_a_new_primary_value"),
        case("replace_the_other_value_s_primary"),
        case("second_replace_matches_nothing"),
        case("two_matching_addresses"),
        case("whole_value_replace"),
    },
    "patch-replace-multivalued-appends": {case("path_emails_with_one_value")},
    "patch-replace-unassigned-notarget": {
        "test_patch_answers_200_with_the_resource_or_204",
        case("active_as_a_string"),
        case("boolean_active"),
        case("name_as_a_string"),
        case("path_title"),
        case("replace:path_emails"),
        case("replace:sub_attribute_path_name_givenname"),
        case("third_replaces_id"),
        case("two_dots"),
    },
    # The mover replaces its work email by a value-filter path with a sub-attribute.
    "patch-subattr-path-ignored": {
        "test_mover_attributes_replaced_by_patch_with_paths",
        case("add:sub_attribute_path_name_givenname"),
        case("emails_type_eq_home_display"),
        case("emails_type_eq_work_value"),
        case("filter_on_a_boolean_sub_attribute"),
        case("filter_on_a_type_nobody_has"),
        case("filter_without_a_value"),
        case("pathless_replace_with_a_new_primary_value"),
        case("remove:sub_attribute_path_name_givenname"),
        case("replace:sub_attribute_path_name_givenname"),
        case("replace_the_other_value_s_primary"),
        case("second_replace_matches_nothing"),
        case("two_matching_addresses"),
        case("value_filter_with_a_sub_attribute"),
    },
    "patch-unknown-op-ignored": {case("json_patch_move"), case("json_patch_test")},
}

AT_LEAST: dict[str, set[str]] = {
    # Defects of other areas (their tables list their own checks) that these checks catch too.
    "not-found-as-400": {"test_patch_of_an_unknown_id_is_404"},
    "patch-pathless-extension-ignored": {case("pathless_value_keyed_by_the_extension_urn")},
    # The etag check of another area reads the stale 200 body too.
    "patch-200-body-stale": {
        "test_patch_200_body_equals_a_subsequent_get",
        "test_patch_answers_200_with_the_resource_or_204",
    },
    # Every check that reads a PATCH 200 body fails (lifecycle, projection, schemas ...).
    "patch-200-without-body": {
        "test_patch_200_body_equals_a_subsequent_get",
        "test_patch_answers_200_with_the_resource_or_204",
        "test_patch_with_attributes_answers_200_with_them",
        case("replace:path_nickname"),
    },
    # Core defect reused; the joiner/mover group checks fail with it too.
    "patch-add-replaces": {
        case("add_a_member_then_remove_it_by_filter"),
        case("add_a_new_primary_value"),
        case("path_emails_one_new_value"),
        case("pathless_one_new_value"),
        case("the_same_email_again"),
        case("the_same_email_again_pathless"),
        case("two_new_members"),
    },
    # Replacing an assigned active is skipped too: leaver, etag and discovery checks fail.
    "patch-replace-keeps-assigned": {
        "test_patch_op_names_in_another_case_are_applied_or_refused",
        case("path_name_with_givenname_only"),
        case("replace:path_nickname"),
        case("replace_then_replace_again"),
    },
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


def test_every_patch_check_and_case_has_a_defect() -> None:
    """Each flow check and each data case of PATCH fails under at least one defect above."""
    from scim_tests.checks import test_patch_flows

    checks = {
        name
        for name, value in vars(test_patch_flows).items()
        if name.startswith("test_")
        and getattr(value, "__module__", "") == test_patch_flows.__name__
    }
    checks = {c for c in checks if c != "test_patch_without_the_patchop_schema"} | {
        "test_patch_without_the_patchop_schema[no-schemas]",
        "test_patch_without_the_patchop_schema[wrong-urn]",
    }
    checks |= {f"test_patch_case[{c.id}]" for c in cases("patch")}
    covered = set().union(*DEFECTS.values(), *AT_LEAST.values())
    assert checks - covered == set()
