"""Client dialects (``MockConfig.compat``, scim_mock.compat): what Okta and Microsoft Entra ID
send that RFC 7644 refuses. Strict refuses each shape, with a hint that names the client. The
dialect accepts it, rewritten to what the RFC says; the other dialect alone does not accept it.
Every accepted deviation is counted in /_mock/compat and in the request log.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

import pytest

from scim_mock.compat import RULES, Journal, normalise_patch
from scim_mock.schema import SchemaRegistry
from tests.conftest import (
    BASE,
    BULK_REQUEST,
    ENTERPRISE_SCHEMA,
    PATCH_OP,
    Scim,
    assert_scim_error,
    make_scim,
)


def control(scim: Scim, method: str, path: str) -> Any:
    response = scim.client.open(f"/_mock{path}", method=method, headers=scim.headers())
    return response.get_json(silent=True)


@dataclass(frozen=True)
class Shape:
    """One client shape: how to send it, what strict answers, how the result must look."""

    rule: str
    send: Callable[[Scim], tuple[str, list[dict[str, Any]]]]
    scim_type: str
    applied: Callable[[Scim, dict[str, Any]], bool]


def _user_and_group(scim: Scim) -> tuple[dict[str, Any], dict[str, Any], dict[str, Any]]:
    a, b = scim.create_user("a"), scim.create_user("b")
    group = scim.create_group("Staff", [a["id"], b["id"]])
    return a, b, group


def _okta_rename(scim: Scim) -> tuple[str, list[dict[str, Any]]]:
    group = scim.create_group("Old name")
    value = {"id": group["id"], "displayName": "New name"}
    return f"/Groups/{group['id']}", [{"op": "replace", "value": value}]


def _entra_remove(scim: Scim) -> tuple[str, list[dict[str, Any]]]:
    a, _, group = _user_and_group(scim)
    op = {"op": "Remove", "path": "members", "value": [{"value": a["id"]}]}
    return f"/Groups/{group['id']}", [op]


def _entra_boolean(scim: Scim) -> tuple[str, list[dict[str, Any]]]:
    user = scim.create_user("a", active=True)
    return f"/Users/{user['id']}", [{"op": "Replace", "path": "active", "value": "False"}]


def _entra_filter(scim: Scim) -> tuple[str, list[dict[str, Any]]]:
    user = scim.create_user("a", emails=[{"value": "a@home.example", "type": "home"}])
    op = {"op": "Replace", "path": 'emails[type eq "work"].value', "value": "a@work.example"}
    return f"/Users/{user['id']}", [op]


def _members(body: dict[str, Any]) -> list[str]:
    return sorted(m["value"] for m in body.get("members", []))


SHAPES = {
    "okta-pathless-replace-id": Shape(
        "okta-pathless-replace-id",
        _okta_rename,
        "mutability",
        lambda scim, body: body["displayName"] == "New name",
    ),
    "entra-remove-member-value": Shape(
        "entra-remove-member-value",
        _entra_remove,
        "invalidSyntax",
        lambda scim, body: len(body["members"]) == 1 and body["members"][0]["display"] == "b",
    ),
    "entra-string-boolean": Shape(
        "entra-string-boolean",
        _entra_boolean,
        "invalidValue",
        lambda scim, body: body["active"] is False,
    ),
    "entra-filter-no-match-adds": Shape(
        "entra-filter-no-match-adds",
        _entra_filter,
        "noTarget",
        lambda scim, body: (
            {"value": "a@work.example", "type": "work"} in body["emails"]
            and len(body["emails"]) == 2
        ),
    ),
}


def test_every_rule_has_a_shape() -> None:
    """Each rule of scim_mock.compat is exercised below."""
    assert set(SHAPES) == set(RULES)


@pytest.mark.parametrize("rule", sorted(SHAPES))
def test_strict_refuses_with_a_hint_naming_the_client(rule: str) -> None:
    """Strict (compat=()) refuses the shape as before, with the same scimType. The detail now
    names the likely client and the --compat fix, and nothing changes."""
    shape = SHAPES[rule]
    scim = make_scim()
    path, ops = shape.send(scim)
    before = scim.get(path).get_json()
    error = assert_scim_error(scim.patch_ops(path, *ops), 400, shape.scim_type)
    client = "Okta" if RULES[rule].dialect == "okta" else "Microsoft Entra ID"
    assert client in error["detail"]
    assert f"--compat {RULES[rule].dialect}" in error["detail"]
    assert scim.get(path).get_json() == before
    assert control(scim, "GET", "/compat") == {"dialects": [], "deviations": {}}


@pytest.mark.parametrize("rule", sorted(SHAPES))
def test_the_dialect_accepts_and_normalises(rule: str) -> None:
    """Under its dialect the shape is applied as its RFC form would be."""
    shape = SHAPES[rule]
    scim = make_scim(compat=(RULES[rule].dialect,))
    path, ops = shape.send(scim)
    response = scim.patch_ops(path, *ops)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert shape.applied(scim, response.get_json())
    assert scim.get(path).get_json() == response.get_json()


@pytest.mark.parametrize("rule", sorted(SHAPES))
def test_the_other_dialect_alone_does_not_accept_it(rule: str) -> None:
    """Enabling the other dialect does not open this one: still refused, with the hint."""
    shape = SHAPES[rule]
    other = "entra" if RULES[rule].dialect == "okta" else "okta"
    scim = make_scim(compat=(other,))
    path, ops = shape.send(scim)
    error = assert_scim_error(scim.patch_ops(path, *ops), 400, shape.scim_type)
    assert f"--compat {RULES[rule].dialect}" in error["detail"]


@pytest.mark.parametrize("rule", sorted(SHAPES))
def test_accepted_deviations_are_counted_and_logged(rule: str) -> None:
    """/_mock/compat counts each rule with an example; the log entry names it; reset clears."""
    shape = SHAPES[rule]
    scim = make_scim(compat=("okta", "entra"))
    path, ops = shape.send(scim)
    assert scim.patch_ops(path, *ops).status_code == 200
    journal = control(scim, "GET", "/compat")
    assert journal["dialects"] == ["okta", "entra"]
    entry = journal["deviations"][rule]
    assert entry["count"] == 1
    assert entry["dialect"] == RULES[rule].dialect
    assert entry["description"] == RULES[rule].description
    assert entry["example"] == ops[0]
    assert set(journal["deviations"]) == {rule}
    log = control(scim, "GET", "/requests")["requests"]
    patched = [e for e in log if e["method"] == "PATCH"]
    assert [c["rule"] for c in patched[-1]["compat"]] == [rule]
    assert all(e["compat"] == [] for e in log if e["method"] != "PATCH")
    scim.client.open("/_mock/reset", method="POST", headers=scim.headers())
    assert control(scim, "GET", "/compat")["deviations"] == {}


# -- details of each rule --------------------------------------------------------------------


@pytest.fixture
def entra() -> Scim:
    return make_scim(compat=("entra",))


@pytest.mark.parametrize(
    "op, expected",
    [
        ({"op": "replace", "value": {"active": "FALSE"}}, {"active": False}),
        (
            {"op": "add", "path": "emails", "value": [{"value": "b@x.example", "primary": "True"}]},
            {"emails": [{"value": "b@x.example", "primary": True}]},
        ),
        (
            {"op": "replace", "path": 'emails[value eq "a@x.example"].primary', "value": "true"},
            {"emails": [{"value": "a@x.example", "primary": True}]},
        ),
        (
            {
                "op": "replace",
                "value": {"urn:ietf:params:scim:schemas:core:2.0:User:active": "False"},
            },
            {"active": False},
        ),
    ],
)
def test_string_booleans_anywhere_the_schema_says_boolean(
    entra: Scim, op: dict[str, Any], expected: dict[str, Any]
) -> None:
    """Path ``active``, pathless ``active``, sub-attributes in values and after filters."""
    user = entra.create_user("a", active=True, emails=[{"value": "a@x.example"}])
    if op.get("path") == "emails":
        entra.patch_ops(f"/Users/{user['id']}", {"op": "remove", "path": "emails"})
    response = entra.patch_ops(f"/Users/{user['id']}", op)
    assert response.status_code == 200, response.get_data(as_text=True)
    body = response.get_json()
    for name, value in expected.items():
        assert body[name] == value


def test_string_booleans_only_where_the_schema_says_boolean(entra: Scim) -> None:
    """A string attribute keeps the text "True"; a non-boolean word is still refused."""
    user = entra.create_user("a", active=True)
    path = f"/Users/{user['id']}"
    ok = entra.patch_ops(path, {"op": "replace", "value": {"nickName": "True"}})
    assert ok.get_json()["nickName"] == "True"
    assert_scim_error(
        entra.patch_ops(path, {"op": "replace", "path": "active", "value": "no"}),
        400,
        "invalidValue",
    )
    assert "deviations" in control(entra, "GET", "/compat")
    assert control(entra, "GET", "/compat")["deviations"] == {}


def test_remove_member_value_removes_only_those_members(entra: Scim) -> None:
    """Several values → each removed, the others kept (not "remove all members")."""
    a, b, group = _user_and_group(entra)
    c = entra.create_user("c")
    entra.patch_ops(
        f"/Groups/{group['id']}", {"op": "add", "path": "members", "value": [{"value": c["id"]}]}
    )
    op = {"op": "remove", "path": "members", "value": [{"value": a["id"]}, {"value": c["id"]}]}
    response = entra.patch_ops(f"/Groups/{group['id']}", op)
    assert response.status_code == 200
    assert _members(response.get_json()) == [b["id"]]
    assert control(entra, "GET", "/compat")["deviations"]["entra-remove-member-value"]["count"] == 1


def test_filter_no_match_adds_a_complex_value(entra: Scim) -> None:
    """``addresses[type eq "work"].formatted`` with no work address → one added."""
    user = entra.create_user("a")
    op = {"op": "replace", "path": 'addresses[type eq "work"].formatted', "value": "1 Main St"}
    response = entra.patch_ops(f"/Users/{user['id']}", op)
    assert response.status_code == 200, response.get_data(as_text=True)
    assert response.get_json()["addresses"] == [{"type": "work", "formatted": "1 Main St"}]


@pytest.mark.parametrize(
    "path",
    ['emails[type eq "nonexistent"].value', 'emails[value eq "nobody@x.example"].value'],
)
def test_filter_no_match_outside_entra_mappings_stays_no_target(entra: Scim, path: str) -> None:
    """Only ``type eq "<canonical type>"`` is read as Entra's; other filters keep noTarget."""
    user = entra.create_user("a", emails=[{"value": "a@x.example", "type": "home"}])
    op = {"op": "replace", "path": path, "value": "b@x.example"}
    error = assert_scim_error(entra.patch_ops(f"/Users/{user['id']}", op), 400, "noTarget")
    assert "--compat" not in error["detail"]


def test_filter_with_a_match_is_plain_rfc(entra: Scim) -> None:
    """When a value matches, replace is the RFC's: no deviation counted."""
    user = entra.create_user("a", emails=[{"value": "a@x.example", "type": "work"}])
    op = {"op": "replace", "path": 'emails[type eq "work"].value', "value": "b@x.example"}
    response = entra.patch_ops(f"/Users/{user['id']}", op)
    assert response.get_json()["emails"] == [{"value": "b@x.example", "type": "work"}]
    assert control(entra, "GET", "/compat")["deviations"] == {}


def test_okta_id_of_another_resource_is_still_refused() -> None:
    """Only the group's own id is dropped; another id is a change of a readOnly value."""
    scim = make_scim(compat=("okta",))
    group = scim.create_group("G")
    op = {"op": "replace", "value": {"id": "someone-else", "displayName": "H"}}
    assert_scim_error(scim.patch_ops(f"/Groups/{group['id']}", op), 400, "mutability")
    assert scim.get(f"/Groups/{group['id']}").get_json()["displayName"] == "G"


@pytest.mark.parametrize(
    "op",
    [
        {"op": "Replace", "path": "displayName", "value": "X"},
        {"op": "replace", "value": {"name.givenName": "Gi"}},
        {"op": "replace", "value": {f"{ENTERPRISE_SCHEMA}:employeeNumber": "7"}},
        {"op": "add", "value": {"urn:ietf:params:scim:schemas:core:2.0:User:displayName": "D"}},
    ],
)
def test_shapes_strict_already_accepts_are_not_deviations(op: dict[str, Any]) -> None:
    """Capitalised op values and dotted or URN-qualified pathless keys are accepted by strict
    (C-2.1-01, P-3.5.2-06), so the dialects count nothing for them."""
    strict, lenient = make_scim(), make_scim(compat=("okta", "entra"))
    for scim in (strict, lenient):
        user = scim.create_user("a")
        assert scim.patch_ops(f"/Users/{user['id']}", op).status_code == 200
    assert control(lenient, "GET", "/compat")["deviations"] == {}


def test_member_with_null_ref_is_legal_already() -> None:
    """``"$ref": null`` is an unassigned value (RFC 7643 §2.5): strict accepts it."""
    scim = make_scim()
    a = scim.create_user("a")
    group = scim.create_group("G")
    op = {"op": "Add", "path": "members", "value": [{"value": a["id"], "$ref": None}]}
    response = scim.patch_ops(f"/Groups/{group['id']}", op)
    assert response.status_code == 200
    assert _members(response.get_json()) == [a["id"]]


def test_bulk_patch_data_is_normalised_too(entra: Scim) -> None:
    """A PATCH inside /Bulk goes through the same engine and is counted once."""
    user = entra.create_user("a", active=True)
    body = {
        "schemas": [BULK_REQUEST],
        "Operations": [
            {
                "method": "PATCH",
                "path": f"/Users/{user['id']}",
                "data": {
                    "schemas": [PATCH_OP],
                    "Operations": [{"op": "Replace", "path": "active", "value": "False"}],
                },
            }
        ],
    }
    response = entra.post("/Bulk", body)
    assert response.status_code == 200
    assert response.get_json()["Operations"][0]["status"] == "200"
    assert entra.get(f"/Users/{user['id']}").get_json()["active"] is False
    assert control(entra, "GET", "/compat")["deviations"]["entra-string-boolean"]["count"] == 1


def test_a_refused_request_counts_nothing(entra: Scim) -> None:
    """Deviations of a PATCH that fails anyway (If-Match mismatch) are not counted."""
    user = entra.create_user("a", active=True)
    op = {"op": "replace", "path": "active", "value": "False"}
    response = entra.patch_ops(f"/Users/{user['id']}", op, headers={"If-Match": 'W/"nope"'})
    assert response.status_code == 412
    assert control(entra, "GET", "/compat")["deviations"] == {}
    log = control(entra, "GET", "/requests")["requests"]
    assert log[-1]["compat"] == []


def test_normalise_patch_leaves_strict_requests_alone() -> None:
    """Without dialects, or with nothing to rewrite, the operations are returned as sent."""
    registry = SchemaRegistry.load()
    rt = registry.resource_type("User")
    assert rt is not None
    ops = [{"op": "replace", "path": "active", "value": "False"}]
    assert normalise_patch((), ops, {"id": "1"}, registry, rt).operations is ops
    plain = [{"op": "replace", "path": "active", "value": False}]
    assert normalise_patch(("entra",), plain, {"id": "1"}, registry, rt).deviations == ()
    for junk in (None, "x", [1, None], [{"op": 3}], [{"op": "add", "path": "bad[["}]):
        assert normalise_patch(("okta", "entra"), junk, {}, registry, rt).deviations == ()


def test_journal_counts_and_clears() -> None:
    """The journal is per app and thread-safe; the first fragment is the example."""
    journal = Journal(("entra",))
    registry = SchemaRegistry.load()
    rt = registry.resource_type("User")
    assert rt is not None
    first = normalise_patch(
        ("entra",), [{"op": "add", "path": "active", "value": "True"}], {}, registry, rt
    )
    journal.record(first.deviations)
    journal.record(first.deviations)
    snapshot = journal.snapshot()
    assert snapshot["deviations"]["entra-string-boolean"]["count"] == 2
    assert snapshot["deviations"]["entra-string-boolean"]["example"]["value"] == "True"
    journal.clear()
    assert journal.snapshot() == {"dialects": ["entra"], "deviations": {}}


def test_request_log_entries_always_carry_compat() -> None:
    """Every SCIM entry of /_mock/requests has a ``compat`` list (empty in strict)."""
    scim = make_scim()
    scim.create_user("a")
    log = control(scim, "GET", "/requests")["requests"]
    assert log and all(e["compat"] == [] for e in log)
    assert log[0]["path"] == f"{BASE}/Users"
