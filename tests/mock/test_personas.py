"""Personas (scim_mock.personas): each behaves as documented, composes, and switches at run time.

Time-dependent personas (eventual-consistency, rate-limit) read the app's mock clock, which the
tests freeze and advance instead of sleeping.
"""

from __future__ import annotations

from typing import Any

import pytest

from scim_mock import personas
from scim_mock.__main__ import _parser, config_from_args
from scim_mock.clock import MockClock
from scim_mock.config import MockConfig
from tests.conftest import TOKEN, USER_SCHEMA, Scim, assert_scim_error, make_scim


def scim_with(*names: str, **changes: Any) -> Scim:
    return make_scim(personas=names, **changes)


def control(scim: Scim, method: str, body: Any = None) -> tuple[int, dict[str, Any]]:
    response = scim.client.open(
        "/_mock/personas",
        method=method,
        json=body,
        headers={**scim.headers(), "Content-Type": "application/scim+json"},
    )
    return response.status_code, response.get_json(silent=True) or {}


def frozen_clock(scim: Scim) -> MockClock:
    clock: MockClock = scim.client.application.extensions["scim_mock"].extras["clock"]
    clock.freeze()
    return clock


def user_names(scim: Scim, filter_text: str | None = None) -> list[str]:
    query = {"filter": filter_text} if filter_text else {}
    response = scim.get("/Users", query=query)
    assert response.status_code == 200, response.get_data(as_text=True)
    return [r["userName"] for r in response.get_json()["Resources"]]


# -- names, arguments, configuration ------------------------------------------------------------


def test_catalog_documents_every_persona() -> None:
    """Each persona says what it does, what it mirrors and how it stands to the RFCs."""
    for persona in personas.CATALOG.values():
        assert persona.summary and persona.mirrors
        assert persona.rfc.startswith(("legal", "deviation")), persona.name
        assert (persona.parameter is None) == (persona.default is None)


@pytest.mark.parametrize(
    "text",
    ["nope", "page-cap:0", "page-cap:x", "soft-delete:3", "rate-limit:5", "rate-limit:0/1",
     "rate-limit:5/0", "eventual-consistency:-1"],
)  # fmt: skip
def test_bad_persona_names_and_arguments_are_refused(text: str) -> None:
    with pytest.raises(ValueError):
        personas.parse(text)


def test_config_refuses_unknown_personas_and_create_app_bad_arguments() -> None:
    with pytest.raises(ValueError, match="personas must be among"):
        MockConfig(personas=("nope",))
    with pytest.raises(ValueError, match="given twice"):
        make_scim(personas=("page-cap:2", "page-cap:3"))
    with pytest.raises(ValueError, match="argument"):
        make_scim(personas=("page-cap:zero",))


def test_configuration_personas_map_to_mock_config() -> None:
    config = personas.configure(
        MockConfig(personas=("patch-204", "PUT-only", "no-filter", "page-cap:7", "okta", "entra"))
    )
    assert config.patch_response == "no-content"
    assert not config.patch_supported and not config.filter_supported
    assert config.filter_max_results == 7
    assert config.compat == ("okta", "entra")
    assert config.personas == ("patch-204", "put-only", "no-filter", "page-cap:7", "okta", "entra")
    assert personas.configure(config) == config  # idempotent (tenant apps configure again)
    assert personas.configure(MockConfig()) == MockConfig()


def test_cli_and_option_spellings() -> None:
    args = _parser().parse_args(["serve", "--persona", "soft-delete", "--persona", "page-cap:5"])
    assert config_from_args(args).personas == ("soft-delete", "page-cap:5")
    assert MockConfig().with_options([("personas", "patch-204, soft-delete")]).personas == (
        "patch-204",
        "soft-delete",
    )


# -- the configuration personas ---------------------------------------------------------------


def test_patch_204_answers_patch_without_a_body() -> None:
    scim = scim_with("patch-204")
    user = scim.create_user("a")
    op = {"op": "replace", "path": "displayName", "value": "A"}
    response = scim.patch_ops(f"/Users/{user['id']}", op)
    assert response.status_code == 204 and response.get_data() == b""


def test_put_only_advertises_and_refuses_patch() -> None:
    scim = scim_with("put-only")
    user = scim.create_user("a")
    spc = scim.get("/ServiceProviderConfig").get_json()
    assert spc["patch"]["supported"] is False
    op = {"op": "replace", "path": "displayName", "value": "A"}
    assert_scim_error(scim.patch_ops(f"/Users/{user['id']}", op), 501)
    body = {"schemas": [USER_SCHEMA], "userName": "a", "displayName": "A"}
    assert scim.put(f"/Users/{user['id']}", body).status_code == 200


def test_no_filter_advertises_and_refuses_filters() -> None:
    scim = scim_with("no-filter")
    scim.create_user("a")
    assert scim.get("/ServiceProviderConfig").get_json()["filter"]["supported"] is False
    assert_scim_error(scim.get("/Users", query={"filter": 'userName eq "a"'}), 501)
    assert user_names(scim) == ["a"]


def test_page_cap_caps_every_page_whatever_count_says() -> None:
    scim = scim_with("page-cap:2")
    for name in "abcde":
        scim.create_user(name)
    body = scim.get("/Users", query={"count": "100"}).get_json()
    assert (body["itemsPerPage"], body["totalResults"], len(body["Resources"])) == (2, 5, 2)
    assert scim.get("/ServiceProviderConfig").get_json()["filter"]["maxResults"] == 2
    third = scim.get("/Users", query={"startIndex": "5"}).get_json()
    assert [r["userName"] for r in third["Resources"]] == ["e"]


def test_okta_and_entra_are_the_client_dialects() -> None:
    scim = scim_with("okta")
    assert scim.client.application.extensions["scim_mock"].config.compat == ("okta",)


def test_case_sensitive_user_name_is_unique_and_matched_exactly() -> None:
    """An RFC deviation (RFC 7643 §4.1.1): "Alice" and "alice" are two users."""
    scim = scim_with("case-sensitive-username")
    scim.create_user("alice")
    scim.create_user("Alice")
    assert_scim_error(scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "alice"}), 409,
                      "uniqueness")  # fmt: skip
    assert user_names(scim, 'userName eq "ALICE"') == []
    assert user_names(scim, 'userName eq "Alice"') == ["Alice"]
    assert user_names(scim, 'userName sw "al"') == ["alice"]
    # /Schemas does not say so, as such providers do not.
    schema = scim.get(f"/Schemas/{USER_SCHEMA}").get_json()
    user_name = next(a for a in schema["attributes"] if a["name"] == "userName")
    assert user_name["caseExact"] is False


def test_strict_mock_matches_user_name_case_insensitively() -> None:
    scim = make_scim()
    scim.create_user("alice")
    assert user_names(scim, 'userName eq "ALICE"') == ["alice"]
    assert_scim_error(scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "Alice"}), 409,
                      "uniqueness")  # fmt: skip


# -- the switchable personas ------------------------------------------------------------------


def test_eventual_consistency_hides_new_and_changed_users_from_filters() -> None:
    scim = scim_with("eventual-consistency:30")
    clock = frozen_clock(scim)
    user = scim.create_user("a")
    assert user_names(scim, 'userName eq "a"') == []
    assert user_names(scim) == ["a"]  # unfiltered lists and GET by id see it at once
    assert scim.get(f"/Users/{user['id']}").status_code == 200
    clock.advance(29)
    assert user_names(scim, 'userName eq "a"') == []
    clock.advance(1)
    assert user_names(scim, 'userName eq "a"') == ["a"]
    op = {"op": "replace", "path": "displayName", "value": "A"}
    assert scim.patch_ops(f"/Users/{user['id']}", op).status_code == 200
    assert user_names(scim, 'displayName eq "A"') == []
    clock.advance(30)
    assert user_names(scim, 'displayName eq "A"') == ["a"]


def test_soft_delete_deactivates_users_and_deletes_groups() -> None:
    """An RFC deviation (RFC 7644 §3.6): the user stays readable with active=false."""
    scim = scim_with("soft-delete")
    user = scim.create_user("a", active=True)
    group = scim.create_group("G", [user["id"]])
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    shown = scim.get(f"/Users/{user['id']}").get_json()
    assert shown["active"] is False
    members = scim.get(f"/Groups/{group['id']}").get_json()["members"]
    assert [m["value"] for m in members] == [user["id"]]
    assert scim.delete(f"/Groups/{group['id']}").status_code == 204
    assert_scim_error(scim.get(f"/Groups/{group['id']}"), 404)
    # If-Match is honoured as for a real DELETE.
    stale = 'W/"stale"'
    assert_scim_error(scim.delete(f"/Users/{user['id']}", headers={"If-Match": stale}), 412)


def test_lenient_members_keeps_unknown_member_ids() -> None:
    scim = scim_with("lenient-members")
    user = scim.create_user("a")
    group = scim.create_group("G", [user["id"], "no-such-id"])
    values = {m["value"]: m for m in group["members"]}
    assert set(values) == {user["id"], "no-such-id"}
    assert values[user["id"]]["type"] == "User" and "display" not in values["no-such-id"]
    strict = make_scim()
    body = {"schemas": ["urn:ietf:params:scim:schemas:core:2.0:Group"], "displayName": "G",
            "members": [{"value": "no-such-id"}]}  # fmt: skip
    assert_scim_error(strict.post("/Groups", body), 400, "invalidValue")


def test_rate_limit_is_a_token_bucket_per_credential() -> None:
    scim = scim_with("rate-limit:2/0.5", token=None)
    clock = frozen_clock(scim)
    assert [scim.get("/Users").status_code for _ in range(2)] == [200, 200]
    refused = scim.get("/Users")
    assert_scim_error(refused, 429)
    assert refused.headers["Retry-After"] == "2"  # one token per 2 s
    other = scim.get("/Users", headers={"Authorization": "Bearer other"})
    assert other.status_code == 200  # another credential has its own bucket
    assert control(scim, "GET")[0] == 200  # the control API is never limited
    clock.advance(1)
    assert scim.get("/Users").headers.get("Retry-After") == "1"
    clock.advance(1)
    assert scim.get("/Users").status_code == 200


# -- the control API --------------------------------------------------------------------------


def test_get_personas_lists_every_persona_and_the_active_ones() -> None:
    status, body = control(scim_with("page-cap:3", "soft-delete"), "GET")
    assert status == 200
    assert body["active"] == ["page-cap:3", "soft-delete"]
    listed = {p["name"]: p for p in body["personas"]}
    assert set(listed) == set(personas.CATALOG)
    assert listed["page-cap"]["active"] and listed["page-cap"]["argument"] == "3"
    assert listed["rate-limit"]["active"] is False and listed["rate-limit"]["switchable"]
    assert listed["soft-delete"]["legal"] is False and listed["patch-204"]["legal"] is True


def test_post_personas_switches_the_switchable_ones() -> None:
    scim = scim_with("page-cap:3")
    user = scim.create_user("a")
    status, body = control(scim, "POST", {"personas": ["page-cap:3", "soft-delete"]})
    assert (status, body["active"]) == (200, ["page-cap:3", "soft-delete"])
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    assert scim.get(f"/Users/{user['id']}").status_code == 200
    status, body = control(scim, "POST", {"personas": ["page-cap:3"]})
    assert (status, body["active"]) == (200, ["page-cap:3"])
    assert scim.delete(f"/Users/{user['id']}").status_code == 204
    assert scim.get(f"/Users/{user['id']}").status_code == 404


@pytest.mark.parametrize(
    "names", [["soft-delete"], ["page-cap:4"], ["page-cap:3", "put-only"], ["nope"], "x", [1]]
)
def test_post_personas_refuses_start_only_changes_and_bad_bodies(names: Any) -> None:
    scim = scim_with("page-cap:3")
    status, body = control(scim, "POST", {"personas": names})
    assert status == 400 and body["scimType"] == "invalidValue", body
    assert control(scim, "GET")[1]["active"] == ["page-cap:3"]


def test_reset_restores_the_personas_chosen_at_start() -> None:
    scim = scim_with()
    assert control(scim, "POST", {"personas": ["rate-limit:1/1"]})[0] == 200
    frozen_clock(scim)
    scim.get("/Users")
    assert scim.get("/Users").status_code == 429
    response = scim.client.post("/_mock/reset", headers={"Authorization": f"Bearer {TOKEN}"})
    assert response.status_code == 204
    assert control(scim, "GET")[1]["active"] == []
    assert scim.get("/Users").status_code == 200
