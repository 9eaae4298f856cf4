"""Run our conformance suite against SCIMMY, a Node SCIM library no one here wrote.

SCIMMY 1.3.5 and scimmy-routers 1.3.2 (with Express) are installed from npm into a folder of
their own (:func:`tests.peers.conftest.peer_node`) and driven by our small app
``scimmy_app/server.js``: in-memory ingress/egress/degress handlers for Users (with the
enterprise extension) and Groups, bearer authentication, 127.0.0.1 only. Our suite then runs
against it exactly as a user would run it. Every failing check must be a genuine violation of
SCIMMY's, listed under its root cause in :data:`ROOT_CAUSES` and in ``docs/peers.md``, or a
named false positive of ours (:data:`KNOWN_FALSE_POSITIVES`); an unlisted failure (a possible
false positive, or a bug of our glue code) and a listed check that passes both fail the test.
"""

from __future__ import annotations

import os
import subprocess
from collections.abc import Iterator
from pathlib import Path

import pytest

from tests.peers.conftest import (
    Cause,
    assert_documented,
    assert_failures_explained,
    free_port,
    peer_node,
    run_suite,
    violations,
    wait_for_port,
)

pytestmark = pytest.mark.peer

APP = Path(__file__).with_name("scimmy_app")
TOKEN = "peer-scimmy-token"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "peers.md"
HEADING = "Our suite against SCIMMY"

#: Root cause -> the requirement SCIMMY 1.3.5 violates, one line of evidence, the checks it fails.
ROOT_CAUSES: dict[str, Cause] = {
    "filter-ignores-case-exact": Cause(
        "P-3.4.2.2-22 (MUST)",
        (
            'eq, ne, co, ew, le compare caseExact=false strings exactly: userName eq "ANN" misses '
            "user ann (SCIMMY.Types.Filter#match, RFC 7644 §3.4.2.2)"
        ),
        (
            "test_filter_case[groups-group_filters--displayname_co]",
            "test_filter_case[groups-group_filters--displayname_other_case]",
            "test_filter_case[logic-case_insensitive_attribute_names_and_operators--mixed_case_sub_attribute]",
            "test_filter_case[strings-co_matches_a_substring--username_middle_part_other_case]",
            "test_filter_case[strings-eq_on_a_caseexact_false_string_ignores_case--givenname_lower_cased]",
            "test_filter_case[strings-eq_on_a_caseexact_false_string_ignores_case--username_upper_cased]",
            "test_filter_case[strings-ew_matches_a_suffix_and_the_whole_value--suffix_other_case]",
            "test_filter_case[strings-gt_ge_lt_le_order_strings_lexicographically--le_ignores_case]",
            "test_filter_case[strings-ne_excludes_the_equal_value--username_ne]",
            "test_filter_case[types-reference_attributes--profileurl_eq_other_case]",
            "test_interop_username_case_insensitive_in_filters_and_uniqueness",
            "test_user_name_filter_ignores_case",
        ),
    ),
    "filter-matcher-throws": Cause(
        "P-3.4.2.2-05 (MUST)",
        (
            "a filter that reaches an absent complex value or a multi-valued one answers 400 "
            "invalidValue with a TypeError text: members.value eq on a Group without members, "
            "emails co, emails pr, schemas eq"
        ),
        (
            "test_filter_case[groups-group_filters--members_pr]",
            "test_filter_case[groups-group_filters--members_value]",
            "test_filter_case[groups-group_filters--members_value_path]",
            "test_filter_case[groups-group_filters--not_members_pr]",
            "test_filter_case[paths-schemas_membership--schemas_eq_enterprise_urn]",
            "test_filter_case[strings-co_matches_a_substring--complex_emails_without_sub_attribute]",
            "test_null_and_empty_values_are_unassigned",
        ),
    ),
    "urn-paths-in-filters": Cause(
        "P-3.4.2.2-16 (MUST)",
        (
            "URN-qualified filter paths match nothing or throw: "
            'urn:ietf:params:scim:schemas:core:2.0:User:userName eq "ann" finds no user, '
            "extension paths neither (RFC 7644 §3.10)"
        ),
        (
            "test_filter_case[paths-enterprise_extension_paths--department_ignores_case]",
            "test_filter_case[paths-enterprise_extension_paths--employeenumber_pr]",
            "test_filter_case[paths-enterprise_extension_paths--manager_value]",
            "test_filter_case[paths-urn_qualified_paths--core_sub_attribute]",
            "test_filter_case[paths-urn_qualified_paths--core_username]",
            "test_filter_results_agree_with_reference_evaluator",
        ),
    ),
    "urn-paths-in-attributes": Cause(
        "P-3.10-01 (MUST)",
        (
            "attributes=urn:ietf:params:scim:schemas:core:2.0:User:userName returns only id; an "
            "extension attribute name answers 400 with a TypeError text"
        ),
        (
            "test_core_attributes_work_with_and_without_urn",
            "test_extension_attributes_are_named_by_urn",
            "test_list_urn_and_sub_attribute_names",
            "test_urn_qualified_attribute_projection",
        ),
    ),
    "pr-matches-empty-string": Cause(
        "P-3.4.2.2-10 (MUST)",
        (
            'title pr matches a user whose title is "" (pr needs a non-empty value, RFC 7644 '
            "§3.4.2.2); the precedence and mixed-case cases fail only through that user"
        ),
        (
            "test_filter_case[logic-case_insensitive_attribute_names_and_operators--mixed_case_logical_operators]",
            "test_filter_case[logic-precedence--and_before_or_on_the_left]",
            "test_filter_case[paths-pr_on_empty_and_absent_values--not_title_pr]",
            "test_filter_case[paths-pr_on_empty_and_absent_values--title_pr_skips_empty_and_absent]",
        ),
    ),
    "malformed-filter-accepted": Cause(
        "P-3.4.2.2-04 (MUST)",
        (
            "filters the grammar refuses answer 200: userName eq (no value), a trailing and, "
            "trailing text after a complete expression, not without parentheses, active gt true "
            "(RFC 7644 §3.4.2.2)"
        ),
        (
            "test_filter_case[invalid-malformed_filters--missing_value]",
            "test_filter_case[invalid-malformed_filters--not_without_parentheses]",
            "test_filter_case[invalid-malformed_filters--trailing_and]",
            "test_filter_case[invalid-ordering_a_boolean--active_gt_true]",
            "test_trailing_text_after_a_filter_is_invalid[literal]",
            "test_trailing_text_after_a_filter_is_invalid[string]",
        ),
    ),
    "patch-mutability-scimtype": Cause(
        "P-3.5.2.2-06 (MUST)",
        (
            "PATCH remove userName (required) answers 400 invalidValue, replace of a member's "
            "immutable value 400 noTarget; RFC 7644 §3.5.2 asks for mutability"
        ),
        (
            "test_patch_case[errors-a_request_with_a_failing_operation_applies_none--second_remove_targets_a_required_attribute]",
            "test_patch_case[errors-an_immutable_value_cannot_be_replaced--replace_a_member_s_value]",
            "test_patch_case[remove-remove_of_a_group_s_required_displayname_is_mutability--path_displayname]",
            "test_patch_case[remove-remove_of_a_required_or_readonly_attribute_is_mutability--path_username_required]",
        ),
    ),
    "patch-add-duplicates": Cause(
        "P-3.5.2.1-07 (SHOULD)",
        (
            "PATCH add of an email or member the resource already has appends a second copy (a "
            "primary email then shows primary twice)"
        ),
        (
            "test_add_that_changes_nothing_keeps_meta",
            "test_patch_case[multi_valued-adding_a_value_that_is_already_present_changes_nothing--the_same_email_again]",
            "test_patch_case[multi_valued-adding_a_value_that_is_already_present_changes_nothing--the_same_email_again_pathless]",
            "test_patch_case[multi_valued-adding_an_existing_member_changes_nothing--the_same_member_again]",
        ),
    ),
    "primary-not-exclusive": Cause(
        "C-2.4-02 (MUST)",
        (
            "two emails with primary true are stored as sent by POST, and a PATCH setting primary "
            "on one value leaves it on the others (RFC 7643 §2.4, RFC 7644 §3.5.2)"
        ),
        (
            "test_patch_case[multi_valued-primary_true_on_one_value_clears_it_on_the_others--add_a_new_primary_value]",
            "test_patch_case[multi_valued-primary_true_on_one_value_clears_it_on_the_others--pathless_replace_with_a_new_primary_value]",
            "test_patch_case[multi_valued-primary_true_on_one_value_clears_it_on_the_others--replace_the_other_value_s_primary]",
            "test_primary_is_true_at_most_once",
        ),
    ),
    "no-www-authenticate": Cause(
        "P-2-01 (MUST)",
        (
            "a request without valid credentials answers 401 with a SCIM Error and no "
            "WWW-Authenticate header (scimmy-routers writes that 401), on every endpoint, "
            "discovery included"
        ),
        (
            "test_discovery_refusal_is_a_scim_error[/ResourceTypes]",
            "test_discovery_refusal_is_a_scim_error[/Schemas]",
            "test_discovery_refusal_is_a_scim_error[/ServiceProviderConfig]",
            "test_endpoint_refusal_is_a_scim_error[DELETE-Groups-id]",
            "test_endpoint_refusal_is_a_scim_error[DELETE-Users-id]",
            "test_endpoint_refusal_is_a_scim_error[GET-Groups-id]",
            "test_endpoint_refusal_is_a_scim_error[GET-Groups]",
            "test_endpoint_refusal_is_a_scim_error[GET-Users-id]",
            "test_endpoint_refusal_is_a_scim_error[GET-Users]",
            "test_endpoint_refusal_is_a_scim_error[PATCH-Groups-id]",
            "test_endpoint_refusal_is_a_scim_error[PATCH-Users-id]",
            "test_endpoint_refusal_is_a_scim_error[POST-.search]",
            "test_endpoint_refusal_is_a_scim_error[POST-Bulk]",
            "test_endpoint_refusal_is_a_scim_error[POST-Groups]",
            "test_endpoint_refusal_is_a_scim_error[POST-Users-.search]",
            "test_endpoint_refusal_is_a_scim_error[POST-Users]",
            "test_endpoint_refusal_is_a_scim_error[PUT-Groups-id]",
            "test_endpoint_refusal_is_a_scim_error[PUT-Users-id]",
            "test_unauthorized_answers_carry_a_challenge[empty]",
            "test_unauthorized_answers_carry_a_challenge[none]",
            "test_unauthorized_answers_carry_a_challenge[other-scheme]",
            "test_unauthorized_answers_carry_a_challenge[wrong]",
        ),
    ),
    "patch-path-case-sensitive": Cause(
        "P-3.10-04 (MUST)",
        (
            "PATCH paths are case-sensitive: path NICKNAME, Title or the enterprise URN in "
            "capitals answers 400 invalidPath (RFC 7643 §2.1)"
        ),
        (
            "test_patch_case[add-add_on_a_single_valued_attribute_overwrites_its_value--attribute_name_in_another_case]",
            "test_patch_case[extension-extension_attribute_paths--urn_in_another_case]",
            "test_patch_case[remove-remove_on_a_single_valued_attribute_unassigns_it--attribute_name_in_another_case]",
        ),
    ),
    "no-location-header": Cause(
        "P-3.3-05 (MUST)",
        (
            "POST /Users and POST /Groups answer 201 without a Location header (meta.location is "
            "right)"
        ),
        (
            "test_create_location_header_is_meta_location[Group]",
            "test_create_location_header_is_meta_location[User]",
        ),
    ),
    "patch-of-read-only-ignored": Cause(
        "P-3.5.2-08 (MUST)",
        (
            "PATCH of the readOnly meta.created (meta.lastModified, .location, .resourceType, "
            ".version alike, and through /Bulk: status 204) or User.groups answers 204 and "
            "changes nothing (RFC 7644 §3.5.2: such an operation returns an error)"
        ),
        (
            "test_bulk_patch_cannot_write_meta",
            "test_patch_case[errors-a_readonly_target_is_mutability--replace_meta_created]",
            "test_patch_cannot_write_meta_sub_attribute[lastModified]",
            "test_patch_cannot_write_meta_sub_attribute[location]",
            "test_patch_cannot_write_meta_sub_attribute[resourceType]",
            "test_patch_cannot_write_meta_sub_attribute[version]",
            "test_user_groups_cannot_be_patched",
        ),
    ),
    "patch-malformed-path": Cause(
        "P-3.5.2-07 (MUST)",
        (
            "PATCH path name..givenName answers 200 (sets name.givenName); emails[type eq].value "
            "answers 400 noTarget, not invalidPath"
        ),
        (
            "test_patch_case[paths-a_malformed_path_is_invalidpath--filter_without_a_value]",
            "test_patch_case[paths-a_malformed_path_is_invalidpath--two_dots]",
        ),
    ),
    "empty-user-name-accepted": Cause(
        "C-4.1.1-01 (MUST)",
        ('POST /Users with userName "" answers 201 and stores it (a missing userName is refused)'),
        ("test_create_with_empty_user_name_is_refused",),
    ),
    "parse-error-without-scimtype": Cause(
        "P-3.12-19 (SHOULD)",
        "a body that is not JSON answers 400 without scimType invalidSyntax",
        ("test_malformed_json_answers_400_invalid_syntax",),
    ),
    "nested-parentheses-refused": Cause(
        "P-3.4.2.2-14 (MUST)",
        (
            'not (userName eq "x" or (active eq false and title pr)) answers 400 invalidFilter: '
            "nested parentheses are not parsed"
        ),
        ("test_filter_case[logic-grouping--nested_groups_under_not]",),
    ),
    "datetime-compared-as-text": Cause(
        "P-3.4.2.2-11 (MUST)",
        (
            "meta.created eq the same instant written with another zone offset matches nothing: "
            "dateTime eq compares text"
        ),
        (
            "test_filter_case[types-datetime_attributes_compare_chronologically--created_eq_own_instant_in_another_zone]",
        ),
    ),
    "patch-no-match-adds": Cause(
        "P-3.5.2.3-09 (MUST)",
        (
            'PATCH replace at emails[value eq "nobody@example.com"] answers 200 and appends the '
            "value instead of 400 noTarget"
        ),
        (
            "test_patch_case[paths-replace_with_a_value_filter_that_matches_nothing_is_notarget--whole_value_replace]",
        ),
    ),
    "patch-complex-replace-drops": Cause(
        "P-3.5.2.3-06 (MUST)",
        (
            "PATCH replace path name with {givenName} drops familyName (the other sub-attributes "
            "must stay)"
        ),
        (
            "test_patch_case[replace-replace_on_a_complex_attribute_changes_only_the_given_sub_attributes--path_name_with_givenname_only]",
        ),
    ),
    "patch-extension-sub-attribute": Cause(
        "P-3.10-03 (MUST)",
        (
            "PATCH add at "
            "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User:manager.value answers 400 "
            "noTarget on a user without manager"
        ),
        (
            "test_patch_case[extension-extension_attribute_paths--sub_attribute_of_a_complex_extension_attribute]",
        ),
    ),
    "max-results-exceeded": Cause(
        "C-5-13 (MUST)",
        (
            "/ServiceProviderConfig says filter.maxResults 200, but GET /Users?count=210 over "
            "230 users returns 210 (RFC 7643 §5)"
        ),
        ("test_count_above_max_results_is_capped",),
    ),
    "items-per-page-is-count": Cause(
        "P-3.4.2.4-07 (MUST)",
        (
            "itemsPerPage echoes count (startIndex=5&count=2 over 5 users: itemsPerPage 2, one "
            "resource)"
        ),
        ("test_walking_pages_returns_every_resource_once",),
    ),
    "start-index-past-the-end": Cause(
        "P-3.4.2.4-08 (SHOULD)",
        "a startIndex past the last result returns every resource instead of an empty page",
        ("test_start_index_past_the_end_is_an_empty_page",),
    ),
    "multi-valued-sort": Cause(
        "P-3.4.2.3-03 (MUST)",
        (
            "sortBy=emails.value leaves users unsorted: SCIMMY's ListResponse resolves the "
            "primary email, then reads .value of that string"
        ),
        ("test_multi_valued_sort_uses_primary_then_first_value",),
    ),
    "unassigned-compared-as-text": Cause(
        "P-3.4.2.2-07 (MUST)",
        (
            'an absent attribute is compared as the text "undefined": title co "u" selects a user '
            "without a title (SCIMMY.Types.Filter#match)"
        ),
        ("test_value_comparisons_never_select_unassigned_attributes[co]",),
    ),
    "filter-string-escapes": Cause(
        "P-3.4.2.2-16 (MUST)",
        (
            'JSON escapes in filter strings are not decoded: displayName eq "quo\\"te" answers '
            '400 invalidFilter (Unexpected token), displayName eq "back\\\\slash" misses the '
            "user displayName back\\slash (RFC 7644 §3.4.2.2: compValue strings are JSON)"
        ),
        (
            "test_filter_values_match_literally[co]",
            "test_filter_values_match_literally[eq]",
            "test_filter_values_match_literally[ew]",
            "test_filter_values_match_literally[sw]",
        ),
    ),
    "binary-not-validated": Cause(
        "C-2.3.6-01 (MUST)",
        (
            'POST /Users with x509Certificates[].value "scimct: not base64 %" answers 201 and '
            "shows the text back as the binary value (RFC 7643 §2.3.6: binary values are base64)"
        ),
        ("test_binary_value_that_is_not_base64_is_refused",),
    ),
    # Client profiles (--scim-profile): SCIMMY follows the RFC here, but a real client's
    # documented deviation is refused (no catalog row), or a rule only the interop draft sets.
    "entra-replace-adds-refused": Cause(
        "profile entra, no row (RFC 7644 §3.5.2.3 allows the refusal)",
        (
            'Entra\'s replace at emails[type eq "work"].value on a user with only a home email '
            "(meaning add) answers 400 noTarget, with and without aadOptscim062020"
        ),
        (
            "test_entra_replace_of_missing_work_email_adds_it[aadOptscim062020]",
            "test_entra_replace_of_missing_work_email_adds_it[legacy]",
        ),
    ),
    "entra-string-boolean-refused": Cause(
        "profile entra, no row (RFC 7643 §2.3.2 allows the refusal)",
        (
            'Entra\'s legacy deactivation {"op": "Replace", "path": "active", "value": "False"} '
            "answers 400 invalidValue (boolean expected, string found); the capitalised op alone "
            "is accepted"
        ),
        ("test_entra_deactivates_user[legacy]",),
    ),
    "interop-undefined-attribute-dropped": Cause(
        "draft-zollner-scim-interop-profile-01 §5.3, no row (the RFC allows it)",
        "POST /Users with a misspelt dispalyName answers 201 and drops it (the draft: 400)",
        ("test_interop_undefined_attribute_is_refused",),
    ),
    "interop-undefined-filter-attribute": Cause(
        "draft-zollner-scim-interop-profile-01 §6.3, no row (the RFC allows it)",
        (
            'filter=scimctUndefinedAttribute eq "x" answers 200 with no resources (the draft: '
            "400 invalidFilter)"
        ),
        ("test_interop_filter_on_undefined_attribute_is_invalid_filter",),
    ),
}


#: Check name -> "cause: id (level): evidence", every genuine violation.
GENUINE_VIOLATIONS: dict[str, str] = violations(ROOT_CAUSES)

#: Failing checks that are false positives of ours, with the reason (fix pending elsewhere).
KNOWN_FALSE_POSITIVES: dict[str, str] = {}


@pytest.fixture(scope="module")
def scimmy_url() -> Iterator[str]:
    """Our SCIMMY app on a free loopback port; yields its base URL."""
    modules = peer_node("scimmy", APP / "package.json")
    port = free_port()
    process = subprocess.Popen(
        ["node", str(APP / "server.js"), "--port", str(port), "--token", TOKEN],
        env={**os.environ, "NODE_PATH": str(modules)},
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_every_failure_against_scimmy_is_a_documented_genuine_violation(
    scimmy_url: str, tmp_path: Path
) -> None:
    """Zero false positives: failures == the documented violations (+ known false positives)."""
    run = run_suite(scimmy_url, TOKEN, tmp_path / "junit.xml")
    print(f"SCIMMY: {run.passed} passed, {len(run.failed)} failed, {run.skipped} skipped "
          f"in {run.seconds:.0f}s")  # fmt: skip
    assert_failures_explained("SCIMMY", run, GENUINE_VIOLATIONS, KNOWN_FALSE_POSITIVES)


def test_docs_list_every_scimmy_failure_and_root_cause() -> None:
    """docs/peers.md lists each expected failure (and nothing else) and counts each cause."""
    assert_documented(DOCS, HEADING, ROOT_CAUSES, KNOWN_FALSE_POSITIVES)
