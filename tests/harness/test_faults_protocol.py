"""Each protocol defect (scim_mock/faults/protocol.py) makes exactly its checks fail.

The conformance suite runs in-process against the mock with one defect on. ``DEFECTS`` rows are
exact: those checks fail and nothing else. ``AT_LEAST`` rows are cross-cutting defects (error
format, status codes, 404s, Accept handling) that also break other areas' checks; there the
listed checks must fail and others may.
"""

from __future__ import annotations

import pytest

from scim_mock.faults import FAULTS
from tests.harness.suite import failures_of, run_suite

READ_ONLY = {f"test_discovery_documents_are_read_only[{k}]"
             for k in ("ResourceType", "Schema", "ServiceProviderConfig")}  # fmt: skip
FILTER_403 = {f"test_discovery_filter_is_forbidden[{e}]"
              for e in ("/ServiceProviderConfig", "/ResourceTypes", "/Schemas")}  # fmt: skip
CREDENTIALS = ("none", "wrong", "empty")


def _auth(kind: str) -> set[str]:
    return {f"test_invalid_credentials_are_refused[{kind}]",
            f"test_invalid_credentials_answer_401[{kind}]"}  # fmt: skip


DEFECTS: dict[str, set[str]] = {
    # The full-document validation (assert_valid ServiceProviderConfig) sees the same gap.
    "spc-wrong-schema": {"test_service_provider_config_declares_its_schema",
                         "test_service_provider_config_has_every_required_attribute"},
    "spc-missing-etag": {"test_service_provider_config_has_every_required_attribute"},
    "spc-auth-scheme-undescribed": {"test_authentication_schemes_are_described",
                                    "test_service_provider_config_has_every_required_attribute"},
    # Other areas' PATCH checks are skipped (patch.supported=false), not failed.
    "spc-lies-about-patch": {"test_advertised_patch_support_matches_behaviour",
                             "test_unsupported_operations_answer_501"},
    "resource-types-missing-schemas": {"test_resource_types_are_listed"},
    "resource-types-unknown-schema": {"test_resource_type_schemas_are_published"},
    "resource-types-wrong-endpoint": {"test_resource_type_endpoints_serve_list_responses",
                                      "test_users_and_groups_live_at_well_known_endpoints"},
    "discovery-single-as-list": {"test_resource_type_is_served_as_a_single_object",
                                 "test_schema_is_served_by_its_urn"},
    "discovery-honours-paging": {"test_discovery_paging_parameters_are_ignored[/ResourceTypes]",
                                 "test_discovery_paging_parameters_are_ignored[/Schemas]"},
    "discovery-filter-400": FILTER_403,
    "discovery-accepts-writes": READ_ONLY,
    "schemas-drops-group": {"test_schemas_are_listed", "test_resource_type_schemas_are_published",
                            "test_every_schema_used_by_resources_is_published"},
    "schemas-publishes-api-messages": {"test_schemas_publish_no_api_message_urns"},
    # A bad type or sub-attributes on a simple attribute also fail the Schema JSON Schema.
    "schemas-capitalised-types": {"test_attribute_definitions_use_defined_characteristics",
                                  "test_schemas_are_listed", "test_schema_is_served_by_its_urn"},
    "schemas-simple-with-subattributes": {"test_only_complex_attributes_have_sub_attributes",
                                          "test_schemas_are_listed",
                                          "test_schema_is_served_by_its_urn"},
    "schemas-bad-attribute-name": {"test_attribute_names_follow_the_naming_rule"},
    "schemas-reference-without-types": {
        "test_complex_and_reference_attributes_are_fully_declared"},
    "schemas-username-optional": {"test_user_schema_requires_a_unique_user_name"},
    "plain-json-content-type": {f"test_responses_are_labelled_scim_json[{k}]"
                                for k in ("resource", "list", "error", "discovery")},
    "plain-json-refused": {"test_json_accept_header_is_served",
                           "test_json_content_type_is_accepted"},
    "non-ascii-mangled": {"test_non_ascii_text_round_trips"},
    "charset-latin1": {"test_non_ascii_text_round_trips", "test_responses_are_encoded_in_utf8"},
    "malformed-json-500": {"test_malformed_json_answers_400_invalid_syntax"},
    "me-404": {"test_me_is_served_redirected_or_not_implemented"},
    "boolean-subattribute-coerced": {"test_wrong_value_type_answers_400_invalid_value"},
    # Under auth-off the refused-create check skips: an open POST reads as self-registration.
    "auth-off": _auth("none") | {"test_refused_delete_deletes_nothing"},
    "auth-accepts-any-token": _auth("wrong"),
    "auth-accepts-empty-bearer": _auth("empty"),
    # 403 still refuses (P-2-02 passes); the challenge check skips a non-401 answer.
    "auth-403": {f"test_invalid_credentials_answer_401[{k}]" for k in CREDENTIALS},
    "auth-no-challenge": {f"test_unauthorized_answers_carry_a_challenge[{k}]"
                          for k in CREDENTIALS},
    "unauthenticated-write-performed": {"test_refused_create_creates_nothing"},
}  # fmt: skip
#: Checks of other areas that these defects break as well (measured by running the whole
#: suite once per defect); they belong to the exact expectation above.
ALSO_FAILING: dict[str, set[str]] = {
    "schemas-bad-attribute-name": {
        "test_random_users_round_trip",
    },
    "schemas-drops-group": {
        "test_random_groups_round_trip",
    },
    "schemas-username-optional": {
        "test_random_users_round_trip",
    },
}
for _name, _extra in ALSO_FAILING.items():
    DEFECTS[_name] = DEFECTS[_name] | _extra


AT_LEAST: dict[str, set[str]] = {
    "error-status-integer": {"test_error_bodies_are_scim_errors[unknown-user]",
                             "test_error_bodies_are_scim_errors[unknown-endpoint]",
                             "test_error_bodies_are_scim_errors[malformed-json]",
                             "test_me_is_served_redirected_or_not_implemented"},
    # Every check asserting a 404 or an error page (deletes, unknown ids) also fails.
    "not-found-as-html": {"test_error_bodies_are_scim_errors[unknown-user]",
                          "test_error_bodies_are_scim_errors[unknown-endpoint]",
                          "test_responses_are_labelled_scim_json[error]"},
    "not-found-as-400": {f"test_unknown_resource_or_endpoint_answers_404[unknown-{k}]"
                         for k in ("user", "group", "endpoint")},
    "error-200": {"test_errors_are_signalled_by_the_status_code",
                  "test_error_bodies_are_scim_errors[malformed-json]"} | _auth("none"),
    "scim-type-snake-case": {"test_scim_type_values_are_rfc_keywords",
                             "test_malformed_json_answers_400_invalid_syntax"},
    # The client always sends Accept: application/scim+json, so nearly every check fails.
    "accept-scim-json-406": {"test_scim_json_accept_header_is_served"},
    # Other areas compare meta.resourceType with the ResourceType name too (C-6-02).
    "resource-types-renamed": {"test_resources_name_their_resource_type"},
}  # fmt: skip


@pytest.mark.parametrize("defect", sorted(DEFECTS))
def test_defect_fails_exactly_its_checks(pytester: pytest.Pytester, defect: str) -> None:
    """With the defect on, exactly the listed checks fail."""
    outcome = run_suite(pytester, "--scim-mock-fault", defect)
    assert failures_of(outcome, DEFECTS[defect]) == DEFECTS[defect], outcome.output[-3000:]


@pytest.mark.parametrize("defect", sorted(AT_LEAST))
def test_cross_cutting_defect_fails_at_least_its_checks(
    pytester: pytest.Pytester, defect: str
) -> None:
    """With a cross-cutting defect on, at least the listed checks fail."""
    outcome = run_suite(pytester, "--scim-mock-fault", defect)
    missing = AT_LEAST[defect] - failures_of(outcome, AT_LEAST[defect])
    assert not missing, outcome.output[-3000:]


def test_every_protocol_defect_has_a_row() -> None:
    """Every defect of faults/protocol.py is proven by a row of one of the tables."""
    ours = {n for n, f in FAULTS.items()
            if (f.response or f.provider).__module__ == "scim_mock.faults.protocol"}  # fmt: skip
    assert ours <= set(DEFECTS) | set(AT_LEAST)
