"""The PATCH defects (scim_defects/patch.py and patch_outcomes.py), seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

import itertools
from collections.abc import Callable
from typing import Any

from tests.conftest import ENTERPRISE_SCHEMA, PATCH_OP, Scim, make_scim
from tests.defects.behaviour import behaviour_tests

WORK = {"value": "w@example.com", "type": "work", "primary": True}
HOME = {"value": "h@example.com", "type": "home"}
_NAMES = itertools.count(1)


def user(scim: Scim, **attributes: Any) -> tuple[str, dict[str, Any]]:
    """A new user with ``attributes``; its path and representation."""
    created = scim.create_user(f"u{next(_NAMES)}", **attributes)
    return f"/Users/{created['id']}", created


def after(scim: Scim, path: str, *operations: dict[str, Any]) -> tuple[int, dict[str, Any]]:
    """PATCH ``operations``; the status and the resource read back."""
    status = scim.patch_ops(path, *operations).status_code
    got: dict[str, Any] = scim.get(path).get_json()
    return status, got


def scim_type(scim: Scim, path: str, *operations: dict[str, Any]) -> Any:
    """The scimType of the PATCH's answer (None on success)."""
    return (scim.patch_ops(path, *operations).get_json() or {}).get("scimType")


def check_not_atomic(scim: Scim) -> None:
    path, _ = user(scim, nickName="a")
    status, got = after(
        scim,
        path,
        {"op": "replace", "path": "nickName", "value": "b"},
        {"op": "replace", "path": 'emails[type eq "x"].value', "value": "v"},
    )
    assert status == 400 and got.get("nickName") == "b"


def check_path_filter_split_on_spaces(scim: Scim) -> None:
    path, _ = user(scim, emails=[{"value": "a@x.example", "display": "Work mail"}])
    spaced = {"op": "replace", "path": 'emails[display eq "Work mail"].value', "value": "b@x"}
    assert scim_type(scim, path, spaced) == "invalidPath"
    plain = {"op": "replace", "path": 'emails[value eq "a@x.example"].value', "value": "b@x"}
    assert scim_type(scim, path, plain) is None


def check_add_duplicates(scim: Scim) -> None:
    path, _ = user(scim, emails=[HOME])
    got = after(scim, path, {"op": "add", "path": "emails", "value": [HOME]})[1]
    assert len(got.get("emails", [])) == 2


def check_primary_not_unique(scim: Scim) -> None:
    path, _ = user(scim, emails=[WORK, HOME])
    op = {"op": "replace", "path": 'emails[type eq "home"].primary', "value": True}
    assert all(e.get("primary") for e in after(scim, path, op)[1].get("emails", []))


def check_remove_filter_ignored(scim: Scim) -> None:
    path, _ = user(scim, emails=[WORK, HOME])
    op = {"op": "remove", "path": 'emails[type eq "home"]'}
    assert "emails" not in after(scim, path, op)[1]


def check_replace_filter_first_match_only(scim: Scim) -> None:
    second = {"value": "w2@example.com", "type": "work"}
    path, _ = user(scim, emails=[WORK, HOME, second])
    op = {"op": "replace", "path": 'emails[type eq "work"]',
          "value": {"value": "n@example.com", "type": "work"}}  # fmt: skip
    values = [e["value"] for e in after(scim, path, op)[1]["emails"]]
    assert values == ["n@example.com", "h@example.com", "w2@example.com"]


def check_replace_filter_replaces_all(scim: Scim) -> None:
    path, _ = user(scim, emails=[WORK, HOME])
    op = {"op": "replace", "path": 'emails[type eq "home"].display', "value": "d"}
    assert [e.get("display") for e in after(scim, path, op)[1].get("emails", [])] == ["d", "d"]


def check_subattr_path_ignored(scim: Scim) -> None:
    path, _ = user(scim, name={"givenName": "a"})
    status, got = after(scim, path, {"op": "replace", "path": "name.givenName", "value": "b"})
    assert status == 200 and got.get("name", {}).get("givenName") == "a"


def check_add_to_unassigned_ignored(scim: Scim) -> None:
    path, _ = user(scim)
    status, got = after(scim, path, {"op": "add", "path": "title", "value": "t"})
    assert status == 200 and "title" not in got


def check_pathless_add_ignored(scim: Scim) -> None:
    path, _ = user(scim)
    status, got = after(scim, path, {"op": "add", "value": {"title": "t"}})
    assert status == 200 and "title" not in got


def check_pathless_replace_ignored(scim: Scim) -> None:
    path, _ = user(scim, title="a")
    status, got = after(scim, path, {"op": "replace", "value": {"title": "b"}})
    assert status == 200 and got.get("title") == "a"


def check_remove_without_filter_ignored(scim: Scim) -> None:
    path, _ = user(scim, emails=[WORK])
    status, got = after(scim, path, {"op": "remove", "path": "emails"})
    assert status == 200 and len(got.get("emails", [])) == 1


def check_replace_keeps_assigned(scim: Scim) -> None:
    path, _ = user(scim, nickName="a")
    status, got = after(scim, path, {"op": "replace", "path": "nickName", "value": "b"})
    assert status == 200 and got.get("nickName") == "a"


def check_extension_urn_path_fails(scim: Scim) -> None:
    path, _ = user(scim)
    op = {"op": "add", "path": f"{ENTERPRISE_SCHEMA}:department", "value": "d"}
    assert scim_type(scim, path, op) == "invalidPath"


def check_pathless_add_replaces_multivalued(scim: Scim) -> None:
    path, _ = user(scim, emails=[WORK])
    got = after(scim, path, {"op": "add", "value": {"emails": [HOME]}})[1]
    assert [e["value"] for e in got.get("emails", [])] == [HOME["value"]]


def check_notarget_200(scim: Scim) -> None:
    path, _ = user(scim, emails=[WORK])
    op = {"op": "replace", "path": 'emails[type eq "x"].value', "value": "v"}
    assert scim.patch_ops(path, op).status_code == 200


def check_readonly_accepted(scim: Scim) -> None:
    path, _ = user(scim)
    assert scim.patch_ops(path, {"op": "replace", "path": "id", "value": "x"}).status_code == 200


def check_immutable_replace_accepted(scim: Scim) -> None:
    a, b = scim.create_user("a"), scim.create_user("b")
    group = scim.create_group("G", [a["id"]])
    op = {"op": "replace", "path": f'members[value eq "{a["id"]}"].value', "value": b["id"]}
    assert scim.patch_ops(f"/Groups/{group['id']}", op).status_code == 200


def check_op_case_ignored(scim: Scim) -> None:
    path, _ = user(scim)
    status, got = after(scim, path, {"op": "Add", "path": "title", "value": "t"})
    assert status == 200 and "title" not in got


def check_unknown_op_ignored(scim: Scim) -> None:
    path, _ = user(scim)
    assert scim.patch_ops(path, {"op": "test", "path": "userName", "value": "u"}).status_code == 200


def check_incomplete_op_ignored(scim: Scim) -> None:
    path, _ = user(scim)
    assert scim.patch_ops(path, {"op": "remove"}).status_code == 200


def check_add_only_multivalued(scim: Scim) -> None:
    path, _ = user(scim, nickName="a")
    status, got = after(scim, path, {"op": "add", "path": "nickName", "value": "b"})
    assert status == 200 and got.get("nickName") == "a"


def check_remove_only_multivalued(scim: Scim) -> None:
    path, _ = user(scim, nickName="a")
    status, got = after(scim, path, {"op": "remove", "path": "nickName"})
    assert status == 200 and got.get("nickName") == "a"


def check_replace_unassigned_notarget(scim: Scim) -> None:
    path, _ = user(scim)
    assert scim_type(scim, path, {"op": "replace", "path": "title", "value": "t"}) == "noTarget"


def check_replace_complex_drops_subattributes(scim: Scim) -> None:
    path, _ = user(scim, name={"givenName": "a", "familyName": "f"})
    got = after(scim, path, {"op": "replace", "path": "name", "value": {"givenName": "b"}})[1]
    assert "familyName" not in got.get("name", {})


def check_replace_multivalued_appends(scim: Scim) -> None:
    path, _ = user(scim, emails=[WORK])
    got = after(scim, path, {"op": "replace", "path": "emails", "value": [HOME]})[1]
    assert len(got.get("emails", [])) == 2


def check_operations_reversed(scim: Scim) -> None:
    path, _ = user(scim)
    got = after(scim, path, {"op": "replace", "path": "title", "value": "1"},
                {"op": "replace", "path": "title", "value": "2"})[1]  # fmt: skip
    assert got.get("title") == "1"


def check_200_body_stale(scim: Scim) -> None:
    path, _ = user(scim)
    body = scim.patch_ops(path, {"op": "replace", "path": "title", "value": "t"}).get_json()
    assert "title" not in body


def check_noop_touches_meta(scim: Scim) -> None:
    path, created = user(scim, emails=[HOME])
    got = after(scim, path, {"op": "add", "path": "emails", "value": [HOME]})[1]
    # The content is left as it was (no trace of how the write-back is modelled).
    assert got["meta"]["version"] != created["meta"]["version"] and "externalId" not in got
    assert got["meta"]["lastModified"] != created["meta"]["lastModified"]


def check_invalidpath_as_invalidvalue(scim: Scim) -> None:
    path, _ = user(scim)
    op = {"op": "replace", "path": "name..x", "value": "v"}
    assert scim_type(scim, path, op) == "invalidValue"


def check_mutability_as_invalidvalue(scim: Scim) -> None:
    path, _ = user(scim)
    assert scim_type(scim, path, {"op": "replace", "path": "id", "value": "x"}) == "invalidValue"


def check_invalidvalue_as_invalidsyntax(scim: Scim) -> None:
    path, _ = user(scim)
    op = {"op": "replace", "path": "active", "value": "yes"}
    assert scim_type(scim, path, op) == "invalidSyntax"


def check_envelope_invalidvalue(scim: Scim) -> None:
    path, _ = user(scim)
    response = scim.patch(path, {"Operations": [{"op": "remove", "path": "title"}]})
    assert response.get_json()["scimType"] == "invalidValue"


def check_bad_operations_204(scim: Scim) -> None:
    path, _ = user(scim)
    assert scim.patch(path, {"schemas": [PATCH_OP], "Operations": []}).status_code == 204


def check_200_without_body(scim: Scim) -> None:
    path, _ = user(scim)
    response = scim.patch_ops(path, {"op": "replace", "path": "title", "value": "t"})
    assert response.status_code == 200 and response.get_data() == b""


def check_attributes_ignored(scim: Scim) -> None:
    path, _ = user(scim)
    op = {"op": "replace", "path": "title", "value": "t"}
    assert scim.patch_ops(path, op, query={"attributes": "userName"}).status_code == 204


CHECKS: dict[str, Callable[[Scim], None]] = {
    "patch-not-atomic": check_not_atomic,
    "patch-path-filter-split-on-spaces": check_path_filter_split_on_spaces,
    "patch-add-duplicates": check_add_duplicates,
    "patch-primary-not-unique": check_primary_not_unique,
    "patch-remove-filter-ignored": check_remove_filter_ignored,
    "patch-replace-filter-first-match-only": check_replace_filter_first_match_only,
    "patch-replace-filter-replaces-all": check_replace_filter_replaces_all,
    "patch-subattr-path-ignored": check_subattr_path_ignored,
    "patch-add-to-unassigned-ignored": check_add_to_unassigned_ignored,
    "patch-pathless-add-ignored": check_pathless_add_ignored,
    "patch-pathless-replace-ignored": check_pathless_replace_ignored,
    "patch-remove-without-filter-ignored": check_remove_without_filter_ignored,
    "patch-replace-keeps-assigned": check_replace_keeps_assigned,
    "patch-extension-urn-path-fails": check_extension_urn_path_fails,
    "patch-pathless-add-replaces-multivalued": check_pathless_add_replaces_multivalued,
    "patch-notarget-200": check_notarget_200,
    "patch-readonly-accepted": check_readonly_accepted,
    "patch-immutable-replace-accepted": check_immutable_replace_accepted,
    "patch-op-case-ignored": check_op_case_ignored,
    "patch-unknown-op-ignored": check_unknown_op_ignored,
    "patch-incomplete-op-ignored": check_incomplete_op_ignored,
    "patch-add-only-multivalued": check_add_only_multivalued,
    "patch-remove-only-multivalued": check_remove_only_multivalued,
    "patch-replace-unassigned-notarget": check_replace_unassigned_notarget,
    "patch-replace-complex-drops-subattributes": check_replace_complex_drops_subattributes,
    "patch-replace-multivalued-appends": check_replace_multivalued_appends,
    "patch-operations-reversed": check_operations_reversed,
    "patch-200-body-stale": check_200_body_stale,
    "patch-noop-touches-meta": check_noop_touches_meta,
    "patch-invalidpath-as-invalidvalue": check_invalidpath_as_invalidvalue,
    "patch-mutability-as-invalidvalue": check_mutability_as_invalidvalue,
    "patch-invalidvalue-as-invalidsyntax": check_invalidvalue_as_invalidsyntax,
    "patch-envelope-invalidvalue": check_envelope_invalidvalue,
    "patch-bad-operations-204": check_bad_operations_204,
    "patch-200-without-body": check_200_without_body,
    "patch-attributes-ignored": check_attributes_ignored,
}


(
    test_every_patch_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests(("patch", "patch_outcomes"), CHECKS)


def test_patch_faults_combine() -> None:
    """Engine wrappers chain: two PATCH defects on at once both show."""
    scim = make_scim(faults=("patch-add-duplicates", "patch-operations-reversed"))
    check_add_duplicates(scim)
    check_operations_reversed(scim)
