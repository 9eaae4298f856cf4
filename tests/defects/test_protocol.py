"""The protocol defects (scim_defects/protocol.py and its sub-area scim_defects/discovery.py),
seen over HTTP.

Each function shows its defect with plain assertions; with the fault on they hold, and against
the strict mock the same scenario fails one of them (an AssertionError).
"""

from __future__ import annotations

import json
from collections.abc import Callable
from typing import Any

from tests.conftest import BASE, SCIM_JSON, TOKEN, USER_SCHEMA, Scim
from tests.defects.behaviour import behaviour_tests

USER_URN = "/Schemas/urn:ietf:params:scim:schemas:core:2.0:User"


def json_of(scim: Scim, path: str, **kwargs: Any) -> Any:
    return scim.get(path, **kwargs).get_json()


def spc(scim: Scim) -> dict[str, Any]:
    result: dict[str, Any] = json_of(scim, "/ServiceProviderConfig")
    return result


def types(scim: Scim) -> dict[str, dict[str, Any]]:
    return {t["id"]: t for t in json_of(scim, "/ResourceTypes")["Resources"]}


def user_schema(scim: Scim) -> dict[str, Any]:
    result: dict[str, Any] = json_of(scim, USER_URN)
    return result


def attributes(schema: dict[str, Any]) -> dict[str, dict[str, Any]]:
    found = {}
    for attribute in schema["attributes"]:
        found[attribute["name"]] = attribute
        for sub in attribute.get("subAttributes", []):
            found[f"{attribute['name']}.{sub['name']}"] = sub
    return found


def schema_ids(scim: Scim, **kwargs: Any) -> list[str]:
    return [s["id"] for s in json_of(scim, "/Schemas", **kwargs)["Resources"]]


def bare(scim: Scim, method: str, path: str, headers: dict[str, str] | None = None) -> Any:
    """A request with only ``headers`` (no token unless given)."""
    return scim.client.open(BASE + path, method=method, headers={"Accept": SCIM_JSON,
                            **(headers or {})})  # fmt: skip


def check_error_without_schemas(scim: Scim) -> None:
    body = scim.get("/Users/missing").get_json()
    assert body["status"] == "404" and "schemas" not in body


def check_error_status_mismatch(scim: Scim) -> None:
    response = scim.get("/Users/missing")
    assert response.status_code == 404 and response.get_json()["status"] == "400"


def check_delete_answers_200(scim: Scim) -> None:
    user = scim.create_user("a")
    response = scim.delete(f"/Users/{user['id']}")
    assert response.status_code == 200 and response.get_json() == {}
    assert scim.get(f"/Users/{user['id']}").status_code == 404


def check_empty_query_404(scim: Scim) -> None:
    scim.create_user("a")
    assert scim.get("/Users", query={"filter": 'userName eq "b"'}).status_code == 404
    assert scim.get("/Users", query={"filter": 'userName eq "a"'}).status_code == 200


# -- discovery ---------------------------------------------------------------------------------


def check_spc_wrong_schema(scim: Scim) -> None:
    assert spc(scim)["schemas"] != ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"]


def check_spc_missing_etag(scim: Scim) -> None:
    assert "etag" not in spc(scim)


def check_spc_auth_scheme_undescribed(scim: Scim) -> None:
    schemes = spc(scim)["authenticationSchemes"]
    assert schemes and all("description" not in s for s in schemes)


def check_spc_lies_about_patch(scim: Scim) -> None:
    assert spc(scim)["patch"]["supported"] is False
    user = scim.create_user("a")
    op = {"op": "replace", "path": "nickName", "value": "n"}
    assert scim.patch_ops(f"/Users/{user['id']}", op).status_code == 200


def check_patch_advertised_not_implemented(scim: Scim) -> None:
    assert spc(scim)["patch"]["supported"] is True
    user = scim.create_user("a")
    op = {"op": "replace", "path": "nickName", "value": "n"}
    answer = scim.patch_ops(f"/Users/{user['id']}", op)
    assert answer.status_code == 501
    assert answer.get_json()["status"] == "501"


def check_spc_supported_as_text(scim: Scim) -> None:
    assert spc(scim)["patch"]["supported"] == "true"


def check_spc_filter_without_max_results(scim: Scim) -> None:
    assert "maxResults" not in spc(scim)["filter"] and spc(scim)["filter"]["supported"] is True


def check_spc_omits_minor_features(scim: Scim) -> None:
    document = spc(scim)
    assert "changePassword" not in document and "sort" not in document and "patch" in document


def check_resource_types_extension_required_unstated(scim: Scim) -> None:
    extensions = types(scim)["User"]["schemaExtensions"]
    assert extensions and all("required" not in e for e in extensions)


def check_schemas_documents_untagged(scim: Scim) -> None:
    documents = json_of(scim, "/Schemas")["Resources"]
    assert documents and all("schemas" not in d for d in documents)


def check_schemas_complex_sub_attribute(scim: Scim) -> None:
    addresses = next(a for a in user_schema(scim)["attributes"] if a["name"] == "addresses")
    assert any(s["type"] == "complex" for s in addresses["subAttributes"])


def check_schemas_multi_valued_unstated(scim: Scim) -> None:
    attributes = user_schema(scim)["attributes"]
    assert all(a.get("multiValued", True) is True for a in attributes)
    assert any(a["name"] == "emails" and a["multiValued"] for a in attributes)


def check_discovery_lists_as_arrays(scim: Scim) -> None:
    assert isinstance(json_of(scim, "/ResourceTypes"), list)
    assert isinstance(json_of(scim, "/Schemas"), list)
    assert json_of(scim, "/ResourceTypes/User")["name"] == "User"


def check_resource_types_unknown_schema(scim: Scim) -> None:
    extensions = {e["schema"] for e in types(scim)["User"]["schemaExtensions"]}
    assert extensions - set(schema_ids(scim))


def check_resource_types_wrong_endpoint(scim: Scim) -> None:
    assert types(scim)["Group"]["endpoint"] == "/Teams"
    assert scim.get("/Teams").status_code == 404


def check_resource_types_renamed(scim: Scim) -> None:
    assert types(scim)["User"]["name"] == "UserAccount"
    assert json_of(scim, "/ResourceTypes/User")["name"] == "UserAccount"
    assert scim.create_user("a")["meta"]["resourceType"] == "User"


def check_resource_types_missing_schemas(scim: Scim) -> None:
    assert all("schemas" not in t for t in types(scim).values())
    assert "schemas" in json_of(scim, "/ResourceTypes/User")


def check_discovery_single_as_list(scim: Scim) -> None:
    for path in ("/ResourceTypes/User", USER_URN):
        body = json_of(scim, path)
        assert body["schemas"] == ["urn:ietf:params:scim:api:messages:2.0:ListResponse"]
    assert "patch" in spc(scim)


def check_discovery_honours_paging(scim: Scim) -> None:
    assert len(schema_ids(scim, query={"startIndex": 2, "count": 1})) == 1
    assert len(schema_ids(scim)) > 1


def check_discovery_accepts_writes(scim: Scim) -> None:
    document = spc(scim)
    assert scim.put("/ServiceProviderConfig", document).status_code == 200
    assert scim.put(USER_URN, user_schema(scim)).status_code == 200
    assert spc(scim)["patch"] == document["patch"]


def check_schemas_drops_group(scim: Scim) -> None:
    assert "urn:ietf:params:scim:schemas:core:2.0:Group" not in schema_ids(scim)
    assert "Group" in types(scim)


def check_schemas_publishes_api_messages(scim: Scim) -> None:
    assert "urn:ietf:params:scim:api:messages:2.0:Error" in schema_ids(scim)


def check_schemas_capitalised_types(scim: Scim) -> None:
    assert attributes(user_schema(scim))["userName"]["type"] == "String"


def check_schemas_bad_attribute_name(scim: Scim) -> None:
    assert "name.honorific prefix" in attributes(user_schema(scim))


def check_schemas_simple_with_subattributes(scim: Scim) -> None:
    user_name = attributes(user_schema(scim))["userName"]
    assert user_name["type"] == "string" and user_name.get("subAttributes")


def check_schemas_reference_without_types(scim: Scim) -> None:
    references = [a for a in attributes(user_schema(scim)).values() if a["type"] == "reference"]
    assert references and all("referenceTypes" not in a for a in references)


def check_schemas_username_optional(scim: Scim) -> None:
    user_name = attributes(user_schema(scim))["userName"]
    assert user_name["required"] is False and user_name["uniqueness"] == "none"
    scim.create_user("a")
    assert scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"}).status_code == 409


# -- media type ----------------------------------------------------------------------------------


def check_plain_json_refused(scim: Scim) -> None:
    assert scim.get("/Users", headers={"Accept": "application/json"}).status_code == 406
    body = {"schemas": [USER_SCHEMA], "userName": "a"}
    response = scim.post("/Users", body, headers={"Content-Type": "application/json"})
    assert response.status_code == 415
    assert json_of(scim, "/Users")["totalResults"] == 0


def check_accept_scim_json_406(scim: Scim) -> None:
    assert scim.get("/Users").status_code == 406
    assert scim.get("/Users", headers={"Accept": "application/json"}).status_code == 200


def check_non_ascii_mangled(scim: Scim) -> None:
    user = scim.create_user("a", displayName="Zoë 山田")
    assert user["displayName"] == "Zo? ??"


def check_charset_latin1(scim: Scim) -> None:
    response = scim.post(
        "/Users", {"schemas": [USER_SCHEMA], "userName": "a", "displayName": "Zoë"}
    )
    assert "charset=iso-8859-1" in response.headers["Content-Type"]
    assert "Zoë".encode("latin-1") in response.get_data()


# -- errors --------------------------------------------------------------------------------------


def check_not_found_as_html(scim: Scim) -> None:
    response = scim.get("/Users/nope")
    assert response.status_code == 404 and response.mimetype == "text/html"


def check_not_found_as_400(scim: Scim) -> None:
    assert scim.get("/Users/nope").status_code == 400
    assert scim.get("/NoSuchEndpoint").status_code == 400


def check_malformed_json_500(scim: Scim) -> None:
    assert scim.post("/Users", "{bad").get_json()["status"] == "500"
    assert scim.post("/Users", {"schemas": [USER_SCHEMA]}).status_code == 400


def check_error_200(scim: Scim) -> None:
    response = scim.get("/Users/nope")
    assert response.status_code == 200 and response.get_json()["status"] == "404"


def check_scim_type_snake_case(scim: Scim) -> None:
    assert scim.post("/Users", "{bad").get_json()["scimType"] == "invalid_syntax"


def check_me_404(scim: Scim) -> None:
    assert scim.get("/Me").status_code == 404


def check_boolean_subattribute_coerced(scim: Scim) -> None:
    body = {"schemas": [USER_SCHEMA], "userName": "a",
            "emails": [{"value": "a@example.com", "primary": "yes"}]}  # fmt: skip
    response = scim.post("/Users", body)
    assert response.status_code == 201
    assert response.get_json()["emails"][0]["primary"] is False


# -- authentication ------------------------------------------------------------------------------


def check_auth_off(scim: Scim) -> None:
    assert bare(scim, "GET", "/Users").status_code == 200
    assert bare(scim, "GET", "/Users", {"Authorization": "Bearer wrong"}).status_code == 401


def check_auth_accepts_any_token(scim: Scim) -> None:
    assert bare(scim, "GET", "/Users", {"Authorization": "Bearer wrong"}).status_code == 200
    assert bare(scim, "GET", "/Users").status_code == 401


def check_auth_accepts_empty_bearer(scim: Scim) -> None:
    assert bare(scim, "GET", "/Users", {"Authorization": "Bearer "}).status_code == 200
    assert bare(scim, "GET", "/Users").status_code == 401


def check_auth_scheme_ignored(scim: Scim) -> None:
    right_token = {"Authorization": f"Basic {TOKEN}"}
    assert bare(scim, "GET", "/Users", right_token).status_code == 200
    assert bare(scim, "GET", "/Users", {"Authorization": "Basic wrong"}).status_code == 401


def check_auth_403(scim: Scim) -> None:
    response = bare(scim, "GET", "/Users")
    assert response.status_code == 403 and "WWW-Authenticate" not in response.headers


def check_auth_no_challenge(scim: Scim) -> None:
    response = bare(scim, "GET", "/Users")
    assert response.status_code == 401 and "WWW-Authenticate" not in response.headers


def check_unauthenticated_write_performed(scim: Scim) -> None:
    body = json.dumps({"schemas": [USER_SCHEMA], "userName": "anon"})
    response = scim.client.post(f"{BASE}/Users", data=body,
                                headers={"Content-Type": SCIM_JSON})  # fmt: skip
    assert response.status_code == 401
    assert json_of(scim, "/Users")["totalResults"] == 1


# Defect name = function name without "check_", with dashes ("check_me_404" -> "me-404").
CHECKS: dict[str, Callable[[Scim], None]] = {
    name.removeprefix("check_").replace("_", "-"): function
    for name, function in dict(globals()).items()
    if name.startswith("check_") and callable(function)
}


(
    test_every_protocol_fault_has_a_behaviour_test,
    test_each_fault_changes_behaviour_as_described,
    test_without_the_fault_the_mock_is_strict,
) = behaviour_tests(("protocol", "discovery"), CHECKS)
