"""The resource CRUD and schema-rule defects, seen over HTTP.

They are registered by scim_defects/resources.py and its sub-area scim_defects/identifiers.py
(ids, uniqueness, userName and externalId matching).

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

from tests.conftest import ENTERPRISE_SCHEMA, USER_SCHEMA, Scim, make_scim
from tests.defects.behaviour import behaviour_tests

USER = USER_SCHEMA


def user(scim: Scim, user_id: str, **query: str) -> dict[str, Any]:
    response = scim.get(f"/Users/{user_id}", query=query)
    assert response.status_code == 200
    result: dict[str, Any] = response.get_json()
    return result


def put(scim: Scim, user_id: str, **attributes: Any) -> Any:
    return scim.put(f"/Users/{user_id}", {"schemas": [USER], **attributes})


def found(scim: Scim, text: str) -> list[str]:
    body = scim.get("/Users", query={"filter": text}).get_json()
    return [r["id"] for r in body.get("Resources", [])]


# -- create ----------------------------------------------------------------------------------


def check_create_uses_client_id(scim: Scim) -> None:
    created = scim.create_user("a", id="client-chosen")
    assert created["id"] == "client-chosen"
    assert user(scim, "client-chosen")["userName"] == "a"


def check_create_keeps_client_meta(scim: Scim) -> None:
    created = scim.create_user("a", meta={"created": "2000-01-01T00:00:00Z"})
    assert created["meta"]["created"] == "2000-01-01T00:00:00Z"


def check_location_mismatch(scim: Scim) -> None:
    response = scim.post("/Users", {"schemas": [USER], "userName": "a"})
    assert response.headers["Location"] != response.get_json()["meta"]["location"]


def check_last_modified_differs_on_create(scim: Scim) -> None:
    meta = scim.create_user("a")["meta"]
    assert meta["lastModified"] != meta["created"]


def check_readonly_groups_accepted(scim: Scim) -> None:
    group = scim.create_group("G")
    created = scim.create_user("a", groups=[{"value": group["id"]}])
    assert [g["value"] for g in user(scim, created["id"]).get("groups", [])] == [group["id"]]
    put(scim, created["id"], userName="a", groups=[{"value": "x"}])
    assert [g["value"] for g in user(scim, created["id"]).get("groups", [])] == ["x"]


def check_externalid_lowercased(scim: Scim) -> None:
    created = scim.create_user("a", externalId="AbC")
    assert created["externalId"] == "abc"
    assert user(scim, created["id"])["externalId"] == "abc"


def check_missing_required_accepted(scim: Scim) -> None:
    assert scim.post("/Users", {"schemas": [USER]}).status_code == 201
    assert scim.post("/Users", {"schemas": [USER], "userName": ""}).status_code == 400


def check_empty_required_accepted(scim: Scim) -> None:
    assert scim.post("/Users", {"schemas": [USER], "userName": ""}).status_code == 201
    assert scim.post("/Users", {"schemas": [USER]}).status_code == 400


def check_wrong_type_accepted(scim: Scim) -> None:
    response = scim.post("/Users", {"schemas": [USER], "userName": "a", "active": "yes"})
    assert response.status_code == 201
    assert response.get_json()["active"] is True


def check_binary_decode_crashes(scim: Scim) -> None:
    body = {"schemas": [USER], "userName": "a", "x509Certificates": [{"value": "not base64 %"}]}
    assert scim.post("/Users", body).status_code == 500
    good = {**body, "userName": "b", "x509Certificates": [{"value": "TUlJ"}]}
    assert scim.post("/Users", good).status_code == 201


def check_attribute_names_case_sensitive(scim: Scim) -> None:
    created = scim.create_user("a", DisplayName="Dee")
    assert "displayName" not in created
    assert scim.post("/Users", {"schemas": [USER], "USERNAME": "b"}).status_code == 400


def check_uniqueness_case_sensitive(scim: Scim) -> None:
    scim.create_user("BJensen")
    scim.create_user("bjensen")


def check_uniqueness_not_enforced(scim: Scim) -> None:
    scim.create_user("bjensen")
    scim.create_user("bjensen")


def check_id_contains_bulkid(scim: Scim) -> None:
    created = scim.create_user("a")
    assert "bulkId" in created["id"]
    assert user(scim, created["id"])["userName"] == "a"


def check_ids_shared_across_types(scim: Scim) -> None:
    created = scim.create_user("a")
    assert scim.create_group("G")["id"] == created["id"]


def check_extension_dropped(scim: Scim) -> None:
    created = scim.create_user(
        "a", schemas=[USER, ENTERPRISE_SCHEMA], **{ENTERPRISE_SCHEMA: {"department": "d"}}
    )
    assert ENTERPRISE_SCHEMA not in created and ENTERPRISE_SCHEMA not in created["schemas"]


def check_post_ignores_attributes(scim: Scim) -> None:
    body = {"schemas": [USER], "userName": "a", "displayName": "A"}
    response = scim.post("/Users", body, query={"attributes": "userName"})
    assert response.get_json().get("displayName") == "A"


# -- retrieve --------------------------------------------------------------------------------


def check_get_omits_meta(scim: Scim) -> None:
    created = scim.create_user("a")
    assert "meta" in created
    assert "meta" not in user(scim, created["id"])


def check_not_found_not_scim(scim: Scim) -> None:
    response = scim.get("/Users/nope")
    assert response.status_code == 404
    assert response.mimetype == "text/plain"


def check_get_cross_type(scim: Scim) -> None:
    created = scim.create_user("a")
    response = scim.get(f"/Groups/{created['id']}")
    assert response.status_code == 200
    assert response.get_json()["id"] == created["id"]


def check_meta_location_broken(scim: Scim) -> None:
    created = scim.create_user("a")
    location = user(scim, created["id"])["meta"]["location"]
    assert location != created["meta"]["location"]
    assert not location.endswith(f"/Users/{created['id']}")


def check_attributes_param_ignored(scim: Scim) -> None:
    created = scim.create_user("a", displayName="A")
    assert user(scim, created["id"], attributes="userName").get("displayName") == "A"


def check_projection_drops_id(scim: Scim) -> None:
    created = scim.create_user("a")
    assert "id" not in user(scim, created["id"], attributes="userName")
    assert "id" not in user(scim, created["id"], excludedAttributes="displayName")


def check_sub_attribute_projection_ignored(scim: Scim) -> None:
    created = scim.create_user("a", name={"givenName": "G", "familyName": "F"})
    shown = user(scim, created["id"], attributes="name.familyName")
    assert shown["name"] == {"givenName": "G", "familyName": "F"}


def check_urn_attribute_names_refused(scim: Scim) -> None:
    created = scim.create_user("a")
    response = scim.get(f"/Users/{created['id']}", query={"attributes": f"{USER}:userName"})
    assert response.status_code == 400


def check_password_returned_on_request(scim: Scim) -> None:
    created = scim.create_user("a", password="s3cret")
    assert "password" not in user(scim, created["id"])
    assert "password" in user(scim, created["id"], attributes="password")


# -- replace ---------------------------------------------------------------------------------


def check_put_merges(scim: Scim) -> None:
    created = scim.create_user("a", title="T", emails=[{"value": "a@example.com"}])
    replaced = put(scim, created["id"], userName="a", emails=[{"value": "b@example.com"}])
    body = replaced.get_json()
    assert body.get("title") == "T"
    assert [e["value"] for e in body["emails"]] == ["a@example.com", "b@example.com"]


def check_put_changes_id(scim: Scim) -> None:
    created = scim.create_user("a")
    assert put(scim, created["id"], userName="a", id="moved").get_json()["id"] == "moved"
    assert scim.get(f"/Users/{created['id']}").status_code == 404


def check_put_creates(scim: Scim) -> None:
    assert put(scim, "nope", userName="a").status_code == 200
    assert scim.get("/Users").get_json()["totalResults"] == 1


def check_put_clears_required(scim: Scim) -> None:
    created = scim.create_user("a", displayName="A")
    assert put(scim, created["id"], displayName="A").status_code == 200
    assert "userName" not in user(scim, created["id"])


def check_schema_advertises_immutable(scim: Scim) -> None:
    schema = scim.get(f"/Schemas/{USER}").get_json()
    nick = next(a for a in schema["attributes"] if a["name"] == "nickName")
    assert nick["mutability"] == "immutable"
    listed = scim.get("/Schemas").get_json()["Resources"]
    core = next(s for s in listed if s["id"] == USER)
    assert next(a for a in core["attributes"] if a["name"] == "nickName")["mutability"] == (
        "immutable"
    )
    created = scim.create_user("a", nickName="n1")
    assert put(scim, created["id"], userName="a", nickName="n2").status_code == 200


def check_put_response_differs_from_get(scim: Scim) -> None:
    created = scim.create_user("a")
    phones = [{"value": "+1-555-0100"}]
    replaced = put(scim, created["id"], userName="a", phoneNumbers=phones).get_json()
    assert "phoneNumbers" not in replaced
    assert user(scim, created["id"])["phoneNumbers"] == phones


def check_last_modified_frozen(scim: Scim) -> None:
    created = scim.create_user("a")
    replaced = put(scim, created["id"], userName="a", title="T").get_json()
    assert replaced["meta"]["lastModified"] == created["meta"]["created"]
    assert user(scim, created["id"])["meta"]["lastModified"] == created["meta"]["created"]


def check_put_uniqueness_not_enforced(scim: Scim) -> None:
    scim.create_user("a")
    b = scim.create_user("b")
    assert put(scim, b["id"], userName="a").status_code == 200
    assert scim.post("/Users", {"schemas": [USER], "userName": "a"}).status_code == 409


# -- schema rules ----------------------------------------------------------------------------


def check_filter_username_case_sensitive(scim: Scim) -> None:
    created = scim.create_user("BJensen")
    assert found(scim, 'userName eq "BJensen"') == [created["id"]]
    assert found(scim, 'userName eq "bjensen"') == []


def check_filter_externalid_case_insensitive(scim: Scim) -> None:
    created = scim.create_user("a", externalId="AbC")
    assert found(scim, 'externalId eq "abc"') == [created["id"]]


def check_single_value_not_array(scim: Scim) -> None:
    created = scim.create_user("a", emails=[{"value": "a@example.com"}])
    assert created["emails"] == {"value": "a@example.com"}


def check_two_primaries_accepted(scim: Scim) -> None:
    emails = [{"value": "a@example.com", "primary": True}, {"value": "b@x.com", "primary": True}]
    created = scim.create_user("a", emails=emails)
    assert user(scim, created["id"])["emails"] == emails


def check_active_as_text(scim: Scim) -> None:
    created = scim.create_user("a", active=True)
    shown = user(scim, created["id"])
    assert shown.get("Active") == "true" and "active" not in shown
    assert created["active"] is True


CHECKS: dict[str, Callable[[Scim], None]] = {
    "create-uses-client-id": check_create_uses_client_id,
    "create-keeps-client-meta": check_create_keeps_client_meta,
    "location-mismatch": check_location_mismatch,
    "last-modified-differs-on-create": check_last_modified_differs_on_create,
    "readonly-groups-accepted": check_readonly_groups_accepted,
    "externalid-lowercased": check_externalid_lowercased,
    "missing-required-accepted": check_missing_required_accepted,
    "empty-required-accepted": check_empty_required_accepted,
    "wrong-type-accepted": check_wrong_type_accepted,
    "binary-decode-crashes": check_binary_decode_crashes,
    "attribute-names-case-sensitive": check_attribute_names_case_sensitive,
    "uniqueness-case-sensitive": check_uniqueness_case_sensitive,
    "uniqueness-not-enforced": check_uniqueness_not_enforced,
    "id-contains-bulkid": check_id_contains_bulkid,
    "ids-shared-across-types": check_ids_shared_across_types,
    "extension-dropped": check_extension_dropped,
    "post-ignores-attributes": check_post_ignores_attributes,
    "get-omits-meta": check_get_omits_meta,
    "not-found-not-scim": check_not_found_not_scim,
    "get-cross-type": check_get_cross_type,
    "meta-location-broken": check_meta_location_broken,
    "attributes-param-ignored": check_attributes_param_ignored,
    "projection-drops-id": check_projection_drops_id,
    "sub-attribute-projection-ignored": check_sub_attribute_projection_ignored,
    "urn-attribute-names-refused": check_urn_attribute_names_refused,
    "password-returned-on-request": check_password_returned_on_request,
    "put-merges": check_put_merges,
    "put-changes-id": check_put_changes_id,
    "put-creates": check_put_creates,
    "put-clears-required": check_put_clears_required,
    "schema-advertises-immutable": check_schema_advertises_immutable,
    "put-response-differs-from-get": check_put_response_differs_from_get,
    "last-modified-frozen": check_last_modified_frozen,
    "put-uniqueness-not-enforced": check_put_uniqueness_not_enforced,
    "filter-username-case-sensitive": check_filter_username_case_sensitive,
    "filter-externalid-case-insensitive": check_filter_externalid_case_insensitive,
    "single-value-not-array": check_single_value_not_array,
    "two-primaries-accepted": check_two_primaries_accepted,
    "active-as-text": check_active_as_text,
}


(
    test_every_resources_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests(("resources", "identifiers"), CHECKS)


def test_resources_faults_combine() -> None:
    """Defects wrapping the same provider method chain instead of replacing each other."""
    scim = make_scim(faults=("put-merges", "put-changes-id", "uniqueness-case-sensitive"))
    created = scim.create_user("a", emails=[{"value": "a@example.com"}])
    moved = put(scim, created["id"], userName="a", id="moved", emails=[{"value": "b@x.com"}])
    assert moved.get_json()["id"] == "moved"
    assert len(moved.get_json()["emails"]) == 2
    scim.create_user("A")
