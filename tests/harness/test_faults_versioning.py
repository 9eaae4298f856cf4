"""Each versioning/bulk/round-trip/schema-rule defect (scim_mock/faults/versioning.py) makes
exactly its checks fail.

The conformance suite runs in-process against the mock with one defect on. ``DEFECTS`` rows are
exact: those checks fail and nothing else. ``AT_LEAST`` rows are cross-cutting defects (every
PUT answer, every URN-qualified name) that also break other areas' checks; there the listed
checks must fail and others may.
"""

from __future__ import annotations

import pytest

from scim_mock.faults import FAULTS
from tests.harness.suite import failures_of, run_suite

IF_MATCH = {f"test_if_match_guards_writes[{m}]" for m in ("PUT", "PATCH", "DELETE")}
BULK_IDS = {f"test_bulk_id_references_are_resolved[{o}]" for o in ("defined-first", "forward")}
BULK_FLOWS = BULK_IDS | {"test_bulk_put_patch_delete_act_like_single_requests",
                         "test_fail_on_errors_stops_after_that_many_errors",
                         "test_failed_operations_carry_scim_errors",
                         "test_bulk_version_is_a_precondition"}  # fmt: skip
ROUND_TRIPS = {"test_random_users_round_trip", "test_random_groups_round_trip"}

DEFECTS: dict[str, set[str]] = {
    # meta.version is compared with the header by both the MUST and the SHOULD check.
    "etag-header-differs-from-meta": {"test_etag_header_matches_meta_version",
                                      "test_meta_version_is_shown"},
    "etag-no-meta-version": {"test_meta_version_is_shown"},
    # Unquoted tags no longer name the stored version, so If-Match/If-None-Match miss too.
    "etag-malformed": {"test_etag_header_matches_meta_version",
                       "test_if_none_match_current_answers_304",
                       "test_bulk_version_is_a_precondition"} | IF_MATCH,
    # The "stale" tag is still current, so the guarded writes go through.
    "etag-unchanged-on-update": {"test_etag_changes_with_every_modification",
                                 "test_bulk_version_is_a_precondition"} | IF_MATCH,
    # The bulk "version" is an If-Match too (the mock passes it to the same provider call).
    "etag-if-match-ignored": IF_MATCH | {"test_bulk_version_is_a_precondition"},
    "etag-if-none-match-ignored": {"test_if_none_match_current_answers_304"},
    "etag-weak-compared-strongly": {"test_if_none_match_current_answers_304"},
    "bulk-forward-reference-unsupported": {"test_bulk_id_references_are_resolved[forward]"},
    "bulk-bulkid-not-resolved": BULK_IDS,
    "bulk-fail-on-errors-ignored": {"test_fail_on_errors_stops_after_that_many_errors"},
    "bulk-max-operations-ignored": {"test_too_many_operations_answer_413"},
    "bulk-max-payload-ignored": {"test_oversized_payload_answers_413"},
    # An integer status fails the BulkResponse schema every bulk flow validates against.
    "bulk-status-as-int": BULK_FLOWS,
    "bulk-missing-location": BULK_FLOWS - {"test_fail_on_errors_stops_after_that_many_errors"},
    "bulk-drops-bulk-id": BULK_IDS | {"test_fail_on_errors_stops_after_that_many_errors"},
    # failOnErrors' failed results are validated against the BulkResponse schema too.
    "bulk-error-without-response": {"test_failed_operations_carry_scim_errors",
                                    "test_fail_on_errors_stops_after_that_many_errors",
                                    "test_bulk_version_is_a_precondition"},
    "bulk-error-without-detail": {"test_failed_operations_carry_scim_errors"},
    "bulk-413-unexplained": {"test_too_many_operations_answer_413",
                             "test_oversized_payload_answers_413"},
    "bulk-response-wrong-urn": BULK_FLOWS | {"test_protocol_messages_use_api_urns"},
    # The leaver's bulk flow (lifecycle area) expects 200 as well.
    "bulk-answers-201": BULK_FLOWS | {"test_protocol_messages_use_api_urns",
                                      "test_leaver_deprovisioned_in_one_bulk_request"},
    # The discovery check of required ServiceProviderConfig attributes sees the gap too.
    "bulk-limits-unpublished": {"test_bulk_limits_are_published",
                                "test_service_provider_config_has_every_required_attribute"},
    "roundtrip-drops-phone-numbers": {"test_random_users_round_trip"},
    "roundtrip-put-lowercases-external-id": ROUND_TRIPS,
    # Clients read the omitted mutability as readWrite and send manager/member display names.
    "schemas-omit-read-only-mutability": ROUND_TRIPS,
    "integers-as-decimals": {"test_integers_have_no_fraction_or_exponent"},
    "group-external-id-dropped": {"test_every_resource_type_has_id_external_id_and_meta",
                                  "test_random_groups_round_trip"},
    "create-needs-schemas-first": {"test_json_key_order_does_not_matter"},
    "create-needs-core-schema-first": {"test_order_of_schemas_does_not_matter"},
}  # fmt: skip

AT_LEAST: dict[str, set[str]] = {
    # Every check that validates a PUT answer fails as well (assert_valid sees the schemas).
    "schemas-duplicated-on-put": {"test_every_representation_lists_its_schemas_once"},
    "schemas-missing-on-put": {"test_every_representation_lists_its_schemas_once"},
    # Filter and projection checks of other areas use URN-qualified names too.
    "urn-qualified-names-refused": {"test_core_attributes_work_with_and_without_urn",
                                    "test_extension_attributes_are_named_by_urn"},
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


def test_every_versioning_defect_has_a_row() -> None:
    """Every defect of faults/versioning.py is proven by a row of one of the tables."""
    ours = {n for n, f in FAULTS.items()
            if (f.response or f.provider).__module__ == "scim_mock.faults.versioning"}  # fmt: skip
    assert ours == set(DEFECTS) | set(AT_LEAST)


def test_every_new_check_is_proven() -> None:
    """Each check of test_etag, test_bulk, test_roundtrip and test_schema_definitions fails
    under at least one defect of the tables."""
    proven = set().union(*DEFECTS.values(), *AT_LEAST.values())
    checks = IF_MATCH | BULK_FLOWS | ROUND_TRIPS | {
        "test_etag_header_matches_meta_version", "test_meta_version_is_shown",
        "test_etag_changes_with_every_modification", "test_if_none_match_current_answers_304",
        "test_bulk_limits_are_published", "test_too_many_operations_answer_413",
        "test_oversized_payload_answers_413", "test_integers_have_no_fraction_or_exponent",
        "test_every_representation_lists_its_schemas_once",
        "test_every_resource_type_has_id_external_id_and_meta",
        "test_json_key_order_does_not_matter", "test_order_of_schemas_does_not_matter",
        "test_protocol_messages_use_api_urns", "test_core_attributes_work_with_and_without_urn",
        "test_extension_attributes_are_named_by_urn",
    }  # fmt: skip
    assert checks <= proven
