"""Run our conformance suite against django-scim2, a Django SCIM app no one here wrote.

django-scim2 0.23.0 is installed with Django and gunicorn in a virtualenv of its own and served
by our minimal project ``django_scim2_app`` (the settings, URLs, models and bearer
authentication its README asks for; SQLite in a temporary folder), on 127.0.0.1 only. Our suite
then runs against it exactly as a user would run it. Every failing check must be a genuine
violation of django-scim2's, listed under its root cause in :data:`ROOT_CAUSES` and in
``docs/peers.md``, or a named false positive of ours (:data:`KNOWN_FALSE_POSITIVES`); an unlisted
failure (a possible false positive, or a bug of our project files) and a listed check that passes
both fail the test.
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
    peer_python,
    run_suite,
    violations,
    wait_for_port,
)

pytestmark = pytest.mark.peer

REQUIREMENTS = ["Django==5.2.19", "django-scim2==0.23.0", "gunicorn==27.0.1"]
TOKEN = "peer-django-scim2-token"
DOCS = Path(__file__).resolve().parents[2] / "docs" / "peers.md"
HEADING = "Our suite against django-scim2"

#: Root cause -> the requirement django-scim2 0.23.0 violates, evidence, the checks it fails.
ROOT_CAUSES: dict[str, Cause] = {
    "patch-advertised-but-501": Cause(
        "C-5-12 (MUST)",
        (
            "/ServiceProviderConfig says patch.supported true, but PATCH of a User answers 501 "
            "for every operation except replace of a few mapped attributes, and PATCH of a Group "
            "for anything but add of members and remove of members by path members without a "
            "filter (RFC 7643 §5)"
        ),
        (
            "test_add_that_changes_nothing_keeps_meta",
            "test_advertised_patch_support_matches_behaviour",
            "test_entra_add_single_valued_attribute[aadOptscim062020]",
            "test_entra_add_single_valued_attribute[legacy]",
            "test_entra_group_patch_answers_200_or_204[aadOptscim062020]",
            "test_entra_group_patch_answers_200_or_204[legacy]",
            "test_entra_replace_of_missing_work_email_adds_it[aadOptscim062020]",
            "test_entra_replace_of_missing_work_email_adds_it[legacy]",
            "test_external_id_never_aliases_an_id[0]",
            "test_external_id_never_aliases_an_id[1]",
            "test_external_id_never_aliases_an_id[another-id]",
            "test_mover_attributes_replaced_by_patch_with_paths",
            "test_mover_attributes_replaced_by_pathless_patch",
            "test_okta_group_membership_remove_by_filter_and_add_array",
            "test_okta_group_rename_by_pathless_replace_with_id",
            "test_password_not_echoed_by_put_or_patch",
            "test_patch_200_body_equals_a_subsequent_get",
            "test_patch_answers_200_with_the_resource_or_204",
            "test_patch_cannot_write_meta_sub_attribute[lastModified]",
            "test_patch_cannot_write_meta_sub_attribute[location]",
            "test_patch_cannot_write_meta_sub_attribute[resourceType]",
            "test_patch_cannot_write_meta_sub_attribute[version]",
            "test_patch_case[add-add_needs_a_value--path_nickname_without_value]",
            "test_patch_case[add-add_on_a_complex_attribute_merges_sub_attributes--path_name_with_an_object_of_sub_attributes]",
            "test_patch_case[add-add_on_a_complex_attribute_merges_sub_attributes--sub_attribute_path_name_givenname]",
            "test_patch_case[add-add_on_a_single_valued_attribute_overwrites_its_value--attribute_name_in_another_case]",
            "test_patch_case[add-add_on_a_single_valued_attribute_overwrites_its_value--path_nickname]",
            "test_patch_case[add-add_with_an_attribute_path_sets_an_unassigned_attribute--path_addresses_on_a_user_without_addresses]",
            "test_patch_case[add-add_with_an_attribute_path_sets_an_unassigned_attribute--path_nickname_on_a_user_without_nickname]",
            "test_patch_case[add-add_with_an_attribute_path_sets_an_unassigned_attribute--path_title_on_a_user_without_title]",
            "test_patch_case[add-add_without_a_path_merges_the_value_object_into_the_resource--complex_attribute_merged_multi_valued_attribute_added]",
            "test_patch_case[add-add_without_a_path_merges_the_value_object_into_the_resource--new_single_valued_attribute_others_kept]",
            "test_patch_case[errors-a_readonly_target_is_mutability--replace_id]",
            "test_patch_case[errors-a_readonly_target_is_mutability--replace_meta_created]",
            "test_patch_case[errors-a_request_with_a_failing_operation_applies_none--second_remove_targets_a_required_attribute]",
            "test_patch_case[errors-a_request_with_a_failing_operation_applies_none--second_replace_matches_nothing]",
            "test_patch_case[errors-a_request_with_a_failing_operation_applies_none--third_replaces_id]",
            "test_patch_case[errors-a_value_of_the_wrong_type_is_invalidvalue--name_as_a_string]",
            "test_patch_case[errors-an_immutable_value_cannot_be_replaced--replace_a_member_s_value]",
            "test_patch_case[multi_valued-add_on_a_multi_valued_attribute_appends--path_emails_one_new_value]",
            "test_patch_case[multi_valued-add_on_a_multi_valued_attribute_appends--pathless_one_new_value]",
            "test_patch_case[multi_valued-adding_a_value_that_is_already_present_changes_nothing--the_same_email_again]",
            "test_patch_case[multi_valued-adding_a_value_that_is_already_present_changes_nothing--the_same_email_again_pathless]",
            "test_patch_case[multi_valued-operations_apply_in_order_each_on_the_previous_result--add_a_member_then_remove_it_by_filter]",
            "test_patch_case[multi_valued-operations_on_a_user_apply_in_order--remove_then_add]",
            "test_patch_case[multi_valued-operations_on_a_user_apply_in_order--replace_then_replace_again]",
            "test_patch_case[multi_valued-primary_true_on_one_value_clears_it_on_the_others--add_a_new_primary_value]",
            "test_patch_case[multi_valued-primary_true_on_one_value_clears_it_on_the_others--pathless_replace_with_a_new_primary_value]",
            "test_patch_case[multi_valued-primary_true_on_one_value_clears_it_on_the_others--replace_the_other_value_s_primary]",
            "test_patch_case[paths-add_with_a_value_filter_and_a_sub_attribute_sets_it_on_the_match--emails_type_eq_home_display]",
            "test_patch_case[paths-replace_with_a_value_filter_and_a_sub_attribute_updates_every_match--emails_type_eq_work_value]",
            "test_patch_case[paths-replace_with_a_value_filter_and_a_sub_attribute_updates_every_match--filter_on_a_boolean_sub_attribute]",
            "test_patch_case[paths-replace_with_a_value_filter_and_a_sub_attribute_updates_every_match--two_matching_addresses]",
            "test_patch_case[paths-replace_with_a_value_filter_that_matches_nothing_is_notarget--filter_on_a_type_nobody_has]",
            "test_patch_case[remove-remove_of_a_group_s_required_displayname_is_mutability--path_displayname]",
            "test_patch_case[remove-remove_of_a_required_or_readonly_attribute_is_mutability--path_id_readonly]",
            "test_patch_case[remove-remove_of_a_required_or_readonly_attribute_is_mutability--path_meta_readonly]",
            "test_patch_case[remove-remove_of_a_required_or_readonly_attribute_is_mutability--path_username_required]",
            "test_patch_case[remove-remove_on_a_multi_valued_attribute_without_a_filter_removes_every_value--path_emails]",
            "test_patch_case[remove-remove_on_a_single_valued_attribute_unassigns_it--attribute_name_in_another_case]",
            "test_patch_case[remove-remove_on_a_single_valued_attribute_unassigns_it--path_nickname]",
            "test_patch_case[remove-remove_on_a_single_valued_attribute_unassigns_it--sub_attribute_path_name_givenname]",
            "test_patch_case[remove-remove_with_a_value_filter_removes_only_the_matching_values--path_emails_type_eq_work]",
            "test_patch_case[remove-remove_with_a_value_filter_removes_only_the_matching_values--path_emails_value_eq]",
            "test_patch_case[remove-remove_with_a_value_filter_removes_only_the_matching_values--value_filter_with_a_sub_attribute]",
            "test_patch_case[replace-replace_on_a_single_valued_attribute_overwrites_it--path_nickname]",
            "test_patch_case[replace-replace_on_an_unassigned_attribute_behaves_as_add--path_title]",
            "test_patch_case[replace-replace_without_a_path_takes_an_object_of_attributes--two_single_valued_attributes]",
            "test_patch_op_names_in_another_case_are_applied_or_refused",
            "test_patch_with_attributes_answers_200_with_them",
            "test_patch_without_the_patchop_schema[no-schemas]",
            "test_patch_without_the_patchop_schema[wrong-urn]",
            "test_pathless_patch_cannot_write_id_or_meta",
            "test_user_groups_cannot_be_patched",
        ),
    ),
    "discovery-list-without-total": Cause(
        "P-3.4.2-04 (REQUIRED)",
        (
            "GET /ResourceTypes and GET /Schemas answer a ListResponse without totalResults, so "
            "every check that reads the discovery documents stops there (RFC 7644 §3.4.2, §4)"
        ),
        (
            "test_attribute_definitions_use_defined_characteristics",
            "test_attribute_names_follow_the_naming_rule",
            "test_complex_and_reference_attributes_are_fully_declared",
            "test_discovery_documents_are_read_only[ResourceType]",
            "test_discovery_documents_are_read_only[Schema]",
            "test_discovery_documents_are_read_only[ServiceProviderConfig]",
            "test_discovery_filter_is_forbidden[/ResourceTypes]",
            "test_discovery_filter_is_forbidden[/Schemas]",
            "test_discovery_paging_parameters_are_ignored[/ResourceTypes]",
            "test_discovery_paging_parameters_are_ignored[/Schemas]",
            "test_every_schema_used_by_resources_is_published",
            "test_only_complex_attributes_have_sub_attributes",
            "test_resource_type_endpoints_serve_list_responses",
            "test_resource_type_is_served_as_a_single_object",
            "test_resource_type_schemas_are_published",
            "test_resource_types_are_listed",
            "test_resources_name_their_resource_type",
            "test_schema_is_served_by_its_urn",
            "test_schemas_are_listed",
            "test_schemas_publish_no_api_message_urns",
            "test_user_schema_requires_a_unique_user_name",
            "test_users_and_groups_live_at_well_known_endpoints",
        ),
    ),
    "error-status-not-a-string": Cause(
        "P-3.12-03 (REQUIRED)",
        (
            'every SCIM Error body carries status as a JSON number ("status": 404), not the '
            "string the RFC defines (RFC 7644 §3.12)"
        ),
        (
            "test_create_with_wrongly_typed_value_is_refused",
            "test_delete_returns_204_and_resource_is_gone",
            "test_deleted_leaver_answers_404_to_every_operation",
            "test_duplicate_user_name_is_refused",
            "test_error_bodies_are_scim_errors[malformed-json]",
            "test_error_bodies_are_scim_errors[unknown-user]",
            "test_get_unknown_id_is_a_scim_404[Group]",
            "test_get_unknown_id_is_a_scim_404[User]",
            "test_ids_never_cross_resource_types",
            "test_interop_uniqueness_conflict_is_409",
            "test_malformed_json_answers_400_invalid_syntax",
            "test_patch_case[errors-a_value_of_the_wrong_type_is_invalidvalue--active_as_a_string]",
            "test_patch_case[errors-only_add_remove_and_replace_are_operations--json_patch_move]",
            "test_patch_case[errors-only_add_remove_and_replace_are_operations--json_patch_test]",
            "test_patch_case[errors-the_patchop_message_needs_a_non_empty_operations_array--operations_empty]",
            "test_patch_case[errors-the_patchop_message_needs_a_non_empty_operations_array--operations_missing]",
            "test_patch_of_an_unknown_id_is_404",
            "test_put_to_a_taken_user_name_is_refused",
            "test_put_to_unknown_id_is_404",
            "test_rehired_leaver_can_reuse_the_user_name",
            "test_taken_user_name_leaves_its_holder_unchanged",
            "test_user_id_under_groups_is_404",
        ),
    ),
    "group-members-dropped": Cause(
        "C-4.2-03 (MUST)",
        (
            "POST and PUT /Groups ignore members (only PATCH add/remove changes them), so a group "
            "created with members lists none; the checks that start from such a group are blocked "
            "by it"
        ),
        (
            "test_deleted_user_membership_is_recorded",
            "test_deleting_a_group_keeps_its_member_users",
            "test_deleting_a_user_keeps_its_groups_and_their_other_members",
            "test_entra_adds_member_with_null_ref[aadOptscim062020]",
            "test_entra_adds_member_with_null_ref[legacy]",
            "test_entra_removes_one_member[aadOptscim062020]",
            "test_entra_removes_one_member[legacy]",
            "test_group_created_with_members_lists_member_ids",
            "test_group_named_like_another_takes_nothing_over",
            "test_interop_patch_never_deletes_a_group",
            "test_joiner_added_by_patch_joins_the_existing_members",
            "test_joiner_added_by_put_appears_in_members",
            "test_joiner_groups_lists_every_group_by_id",
            "test_mover_moves_between_groups_by_patch",
            "test_mover_moves_between_groups_by_put",
            "test_patch_case[multi_valued-add_on_a_group_s_members_appends--two_new_members]",
            "test_patch_case[multi_valued-adding_an_existing_member_changes_nothing--the_same_member_again]",
            "test_patch_case[multi_valued-operations_apply_in_order_each_on_the_previous_result--remove_members_then_add_one]",
            "test_random_groups_round_trip",
            "test_remove_member_by_value_filter_keeps_the_other_members",
            "test_remove_members_without_filter_removes_every_member",
            "test_removing_a_non_member_changes_nothing",
            "test_removing_the_last_member_leaves_an_empty_group",
            "test_replace_members_swaps_the_whole_set",
            "test_replace_members_with_empty_list_removes_every_membership",
        ),
    ),
    "projection-ignored": Cause(
        "P-3.4.2.5-01 (MUST)",
        (
            "attributes and excludedAttributes are ignored on every operation: GET "
            "/Users/{id}?attributes=userName returns the whole user (RFC 7644 §3.4.2.5, §3.9)"
        ),
        (
            "test_comma_separated_attribute_lists",
            "test_core_attributes_work_with_and_without_urn",
            "test_create_honours_attributes_parameters",
            "test_default_attributes_omitted_when_others_requested",
            "test_excluded_attributes_keep_id",
            "test_get_with_attributes_returns_only_those",
            "test_list_exclusion_keeps_returned_always_attributes",
            "test_list_projection_applies_to_every_resource",
            "test_list_urn_and_sub_attribute_names",
            "test_put_and_patch_responses_honour_projection",
            "test_sub_attribute_projection",
            "test_urn_qualified_attribute_projection",
        ),
    ),
    "patch-crashes-500": Cause(
        "P-3.12-01 (MUST)",
        (
            "PATCH requests the adapter does not expect (a value filter path, a complex value, a "
            'malformed path, an operation without op or path) answer 500 "Exception occurred '
            'while processing the SCIM request" instead of being applied or refused with 400'
        ),
        (
            "test_error_details_do_not_evaluate_expressions",
            "test_patch_case[add-add_needs_a_value--no_path_and_no_value]",
            "test_patch_case[errors-an_operation_needs_an_op--path_and_value_without_op]",
            "test_patch_case[errors-the_patchop_message_needs_a_non_empty_operations_array--operations_an_object]",
            "test_patch_case[paths-a_malformed_path_is_invalidpath--filter_without_a_value]",
            "test_patch_case[paths-a_malformed_path_is_invalidpath--two_dots]",
            "test_patch_case[paths-a_malformed_path_is_invalidpath--unclosed_value_filter]",
            "test_patch_case[paths-replace_with_a_value_filter_replaces_the_matching_values--path_emails_type_eq_work_with_a_whole_value]",
            "test_patch_case[paths-replace_with_a_value_filter_that_matches_nothing_is_notarget--whole_value_replace]",
            "test_patch_case[remove-remove_without_a_path_is_notarget--op_remove_alone]",
            "test_patch_case[replace-replace_on_a_complex_attribute_changes_only_the_given_sub_attributes--path_name_with_givenname_only]",
            "test_patch_case[replace-replace_on_a_complex_attribute_changes_only_the_given_sub_attributes--pathless_value_with_name]",
            "test_patch_prototype_paths_reach_nothing",
            "test_replace_with_a_value_filter_replaces_every_match",
        ),
    ),
    "required-attributes-not-enforced": Cause(
        "C-4.1.1-01 (MUST)",
        (
            'POST /Users without userName or with userName "", PUT without userName and POST '
            '/Groups without displayName all succeed and store "" (RFC 7643 §4.1.1, §4.2)'
        ),
        (
            "test_create_with_empty_user_name_is_refused",
            "test_create_without_user_name_is_refused",
            "test_group_without_display_name_is_refused",
            "test_put_without_user_name_keeps_one",
        ),
    ),
    "put-drops-declared-attributes": Cause(
        "P-3.5.1-02 (MUST)",
        (
            "PUT keeps only userName, name.givenName/familyName, one email and active: "
            "displayName (derived from the name), name.middleName, title and emails[].type are "
            "dropped although /Schemas declares them readWrite (RFC 7644 §3.5.1)"
        ),
        (
            "test_mover_attributes_replaced_by_put",
            "test_okta_update_by_get_then_full_put",
            "test_put_replaces_values",
            "test_random_users_round_trip",
        ),
    ),
    "unassigned-shown-as-empty": Cause(
        "C-2.5-01 (MUST)",
        (
            'a user created without externalId or emails is returned with "externalId": "" and '
            'emails [{"value": "", "primary": true}] (RFC 7643 §2.5, §3.1)'
        ),
        (
            "test_create_stores_external_id_verbatim",
            "test_null_and_empty_values_are_unassigned",
        ),
    ),
    "error-without-scim-body": Cause(
        "P-3.12-01 (MUST)",
        (
            "GET /Me answers 501 with an empty body and an unknown path under /scim/v2 answers "
            "Django's HTML 404 page, not a SCIM Error (RFC 7644 §3.12)"
        ),
        (
            "test_error_bodies_are_scim_errors[unknown-endpoint]",
            "test_me_is_served_redirected_or_not_implemented",
        ),
    ),
    "paging-parameters-refused": Cause(
        "P-3.4.2.4-02 (MUST)",
        (
            "startIndex=0 and count=-1 answer 400 instead of being read as 1 and 0 (RFC 7644 "
            "§3.4.2.4)"
        ),
        (
            "test_negative_count_is_taken_as_zero",
            "test_start_index_below_one_is_one",
        ),
    ),
    "group-meta-without-timestamps": Cause(
        "C-3.1-02 (MUST)",
        "a created Group's meta has no created and no lastModified (RFC 7643 §3.1)",
        ("test_create_returns_201_with_id_and_meta[Group]",),
    ),
    "request-names-case-sensitive": Cause(
        "C-2.1-01 (MUST)",
        (
            'POST /Users with the key USERNAME stores userName "": attribute names in request '
            "bodies are matched case-sensitively (RFC 7643 §2.1)"
        ),
        ("test_attribute_names_in_request_are_case_insensitive",),
    ),
    "user-name-unique-with-case": Cause(
        "C-4.1.1-03 (REQUIRED)",
        (
            "POST /Users with userName ANN after ann answers 201: uniqueness is case-sensitive "
            "(RFC 7643 §4.1.1)"
        ),
        ("test_user_name_uniqueness_ignores_case",),
    ),
    "wrong-type-accepted": Cause(
        "P-3.12-22 (SHOULD)",
        'POST /Users with emails[].primary "yes" (a string for a boolean) answers 201',
        ("test_wrong_value_type_answers_400_invalid_value",),
    ),
    "max-results-exceeded": Cause(
        "C-5-13 (MUST)",
        (
            "/ServiceProviderConfig says filter.maxResults 50, but GET /Users?count=60 over 56 "
            "users returns 56 (RFC 7643 §5)"
        ),
        ("test_count_above_max_results_is_capped",),
    ),
    "last-modified-never-moves": Cause(
        "C-3.1-18 (MUST)",
        (
            "meta.lastModified is always the user's date_joined, so a PUT leaves it unchanged "
            "(RFC 7643 §3.1)"
        ),
        ("test_put_moves_last_modified_forward",),
    ),
    "search-needs-a-filter": Cause(
        "P-3.4.3-05 (MUST)",
        (
            'POST /Users/.search without a filter answers 400 "No filter query specified"; the '
            "filter is optional in a SearchRequest (RFC 7644 §3.4.3)"
        ),
        ("test_search_answers_a_list_response",),
    ),
    "auth-refusal-without-scim-body": Cause(
        "P-3.12-01 (MUST)",
        (
            "a request without credentials, on every endpoint and on the discovery endpoints, is "
            "answered by django-scim2's SCIMAuthCheckMiddleware with 401, a WWW-Authenticate "
            "challenge and an empty text/html body instead of a SCIM Error (RFC 7644 §3.12)"
        ),
        (
            "test_discovery_refusal_is_a_scim_error[/ResourceTypes]",
            "test_discovery_refusal_is_a_scim_error[/Schemas]",
            "test_discovery_refusal_is_a_scim_error[/ServiceProviderConfig]",
            "test_endpoint_refusal_is_a_scim_error[DELETE-Groups-id]",
            "test_endpoint_refusal_is_a_scim_error[DELETE-Users-id]",
            "test_endpoint_refusal_is_a_scim_error[GET-Groups]",
            "test_endpoint_refusal_is_a_scim_error[GET-Groups-id]",
            "test_endpoint_refusal_is_a_scim_error[GET-Users]",
            "test_endpoint_refusal_is_a_scim_error[GET-Users-id]",
            "test_endpoint_refusal_is_a_scim_error[PATCH-Groups-id]",
            "test_endpoint_refusal_is_a_scim_error[PATCH-Users-id]",
            "test_endpoint_refusal_is_a_scim_error[POST-.search]",
            "test_endpoint_refusal_is_a_scim_error[POST-Bulk]",
            "test_endpoint_refusal_is_a_scim_error[POST-Groups]",
            "test_endpoint_refusal_is_a_scim_error[POST-Users]",
            "test_endpoint_refusal_is_a_scim_error[POST-Users-.search]",
            "test_endpoint_refusal_is_a_scim_error[PUT-Groups-id]",
            "test_endpoint_refusal_is_a_scim_error[PUT-Users-id]",
        ),
    ),
    "nested-json-crashes-500": Cause(
        "P-3.12-07 (SHOULD)",
        (
            'POST /Users with a value nested 10,000 arrays deep answers 500 "Exception occurred '
            'while processing the SCIM request" (json.loads raises RecursionError), not 400'
        ),
        ("test_deeply_nested_json_is_answered",),
    ),
    # Client-profile findings (--scim-profile okta,entra,interop): no catalog row is violated.
    "profile-filter-advertised-unsupported": Cause(
        "profile (uncited): Okta and Entra look resources up by filter; interop draft §6.3",
        (
            "/ServiceProviderConfig says filter.supported false (django-scim2's default, though "
            "it does parse eq filters), and Okta, Entra and the interop profile need filtering"
        ),
        (
            "test_entra_disabled_user_stays_visible[aadOptscim062020]",
            "test_entra_disabled_user_stays_visible[legacy]",
            "test_entra_finds_group_by_display_name_without_members",
            "test_entra_matches_user[externalId]",
            "test_entra_matches_user[userName]",
            "test_entra_random_guid_query_is_empty[group-displayName]",
            "test_entra_random_guid_query_is_empty[user-id]",
            "test_entra_random_guid_query_is_empty[user-userName]",
            "test_interop_eq_and_and_filters",
            "test_interop_external_id_case_exact_in_filters",
            "test_interop_filter_on_undefined_attribute_is_invalid_filter",
            "test_interop_username_case_insensitive_in_filters_and_uniqueness",
            "test_okta_paging_integer_fields_and_stable_order",
            "test_okta_user_lookup_by_username",
        ),
    ),
    "profile-no-enterprise-extension": Cause(
        "profile (uncited): Entra's default mappings write the enterprise extension",
        (
            "/ResourceTypes/User has no schemaExtensions (the default adapter stores no "
            "enterprise attribute), so Entra's employeeNumber and department cannot be written"
        ),
        (
            "test_entra_create_user",
            "test_entra_pathless_replace_with_dotted_and_urn_keys[aadOptscim062020]",
            "test_entra_pathless_replace_with_dotted_and_urn_keys[legacy]",
            "test_entra_replaces_work_email_and_employee_number[aadOptscim062020]",
            "test_entra_replaces_work_email_and_employee_number[legacy]",
        ),
    ),
    "profile-entra-string-boolean-refused": Cause(
        "profile (uncited): Entra without aadOptscim062020 sends booleans as strings",
        (
            'PATCH {"op": "Replace", "path": "active", "value": "False"} answers 400 "active '
            'should be of type bool" (RFC-correct, RFC 7643 §2.3.2), so that Entra cannot '
            "disable users"
        ),
        ("test_entra_deactivates_user[legacy]",),
    ),
    "profile-interop-undefined-attribute-accepted": Cause(
        "profile (uncited): draft-zollner-scim-interop-profile-01 §5.3",
        (
            'POST /Users with the undefined attribute "dispalyName" answers 201 (RFC 7643/7644 '
            "allow ignoring it; the interop draft asks for 400 invalidSyntax)"
        ),
        ("test_interop_undefined_attribute_is_refused",),
    ),
}


#: Check name -> "cause: id (level): evidence", every genuine violation.
GENUINE_VIOLATIONS: dict[str, str] = violations(ROOT_CAUSES)

#: Failing checks that are false positives of ours, with the reason (fix pending elsewhere).
KNOWN_FALSE_POSITIVES: dict[str, str] = {}


@pytest.fixture(scope="module")
def django_scim2_url(tmp_path_factory: pytest.TempPathFactory) -> Iterator[str]:
    """Our django-scim2 project under gunicorn on a free loopback port; yields its base URL."""
    python = peer_python("django-scim2", REQUIREMENTS)
    port = free_port()
    env = {
        **os.environ,
        "PYTHONPATH": str(Path(__file__).parent),
        "DJANGO_SETTINGS_MODULE": "django_scim2_app.settings",
        "SCIM_PEER_PORT": str(port),
        "SCIM_PEER_TOKEN": TOKEN,
        "SCIM_PEER_DB": str(tmp_path_factory.mktemp("django-scim2") / "db.sqlite3"),
    }
    migrate = subprocess.run(
        [str(python), "-m", "django", "migrate", "--run-syncdb", "--verbosity", "0"],
        env=env, capture_output=True, text=True, timeout=120,
    )  # fmt: skip
    assert migrate.returncode == 0, migrate.stderr[-2000:]
    process = subprocess.Popen(
        [str(python.parent / "gunicorn"), "django_scim2_app.wsgi:application",
         "--bind", f"127.0.0.1:{port}", "--workers", "1", "--threads", "4"],
        env=env,
        stdout=subprocess.DEVNULL,
        stderr=subprocess.DEVNULL,
        text=True,
    )  # fmt: skip
    try:
        wait_for_port(port, process)
        yield f"http://127.0.0.1:{port}/scim/v2"
    finally:
        process.terminate()
        process.wait(timeout=10)


def test_every_failure_against_django_scim2_is_a_documented_genuine_violation(
    django_scim2_url: str, tmp_path: Path
) -> None:
    """Zero false positives: failures == the documented violations (+ known false positives)."""
    run = run_suite(django_scim2_url, TOKEN, tmp_path / "junit.xml")
    print(f"django-scim2: {run.passed} passed, {len(run.failed)} failed, {run.skipped} skipped "
          f"in {run.seconds:.0f}s")  # fmt: skip
    assert_failures_explained("django-scim2", run, GENUINE_VIOLATIONS, KNOWN_FALSE_POSITIVES)


def test_docs_list_every_django_scim2_failure_and_root_cause() -> None:
    """docs/peers.md lists each expected failure (and nothing else) and counts each cause."""
    assert_documented(DOCS, HEADING, ROOT_CAUSES, KNOWN_FALSE_POSITIVES)
