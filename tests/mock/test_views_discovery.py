"""Discovery endpoints (RFC 7644 §4): /ServiceProviderConfig, /ResourceTypes, /Schemas.

The mock derives what it advertises from :class:`MockConfig`; each flag is flipped here and both
the document and the behaviour are checked (RFC 7643 §5).
"""

from __future__ import annotations

from typing import Any

import pytest

from tests.conftest import (
    BASE,
    BULK_REQUEST,
    ENTERPRISE_SCHEMA,
    GROUP_SCHEMA,
    LIST_RESPONSE,
    SCIM_JSON,
    SEARCH_REQUEST,
    USER_SCHEMA,
    Scim,
    assert_scim_error,
    make_scim,
)

SPC_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
DISCOVERY = ["/ServiceProviderConfig", "/ResourceTypes", "/ResourceTypes/User", "/Schemas"]


def spc(scim: Scim) -> dict[str, Any]:
    response = scim.get("/ServiceProviderConfig")
    assert response.status_code == 200
    body: dict[str, Any] = response.get_json()
    return body


# -- /ServiceProviderConfig ----------------------------------------------------------------


def test_service_provider_config_advertises_the_defaults(scim: Scim) -> None:
    """The strict default mock advertises every feature with its limits (P-4-01, P-3.7.4-01)."""
    response = scim.get("/ServiceProviderConfig")
    assert response.mimetype == SCIM_JSON
    body = response.get_json()
    assert body["schemas"] == [SPC_SCHEMA]
    assert body["patch"] == {"supported": True}
    assert body["bulk"] == {"supported": True, "maxOperations": 100, "maxPayloadSize": 1_048_576}
    assert body["filter"] == {"supported": True, "maxResults": 200}
    assert body["sort"] == {"supported": True}
    assert body["etag"] == {"supported": True}
    assert body["changePassword"] == {"supported": True}
    assert [s["type"] for s in body["authenticationSchemes"]] == ["oauthbearertoken"]
    assert body["meta"]["resourceType"] == "ServiceProviderConfig"
    assert body["meta"]["location"] == f"http://localhost{BASE}/ServiceProviderConfig"
    assert "id" not in body


def test_without_a_token_no_authentication_scheme_is_advertised() -> None:
    """Auth off → authenticationSchemes is empty (RFC 7643 §5)."""
    assert spc(make_scim(token=None))["authenticationSchemes"] == []


def test_patch_off_is_advertised_and_patch_answers_501() -> None:
    """patch.supported=false → PATCH 501 whatever the body (P-3.12-14)."""
    scim = make_scim(patch_supported=False)
    assert spc(scim)["patch"] == {"supported": False}
    user = scim.create_user()
    assert_scim_error(scim.patch_ops(f"/Users/{user['id']}"), 501)
    assert_scim_error(scim.patch(f"/Users/{user['id']}", "{not json"), 501)
    assert_scim_error(scim.patch("/Users/unknown-id", "{}"), 501)


def test_bulk_off_is_advertised_and_bulk_answers_501() -> None:
    """bulk.supported=false → limits 0 and POST /Bulk 501 (P-3.7-01, P-3.12-14)."""
    scim = make_scim(bulk_supported=False)
    assert spc(scim)["bulk"] == {"supported": False, "maxOperations": 0, "maxPayloadSize": 0}
    response = scim.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": []})
    assert_scim_error(response, 501)


def test_bulk_limits_are_advertised_as_configured() -> None:
    """The advertised maxOperations/maxPayloadSize are the enforced ones (P-3.7.4-01)."""
    scim = make_scim(bulk_max_operations=7, bulk_max_payload_size=4096)
    assert spc(scim)["bulk"] == {"supported": True, "maxOperations": 7, "maxPayloadSize": 4096}


def test_sort_off_is_advertised_and_sorting_answers_501() -> None:
    """sort.supported=false → sortBy/sortOrder refused with 501 (P-3.12-14)."""
    scim = make_scim(sort_supported=False)
    assert spc(scim)["sort"] == {"supported": False}
    assert_scim_error(scim.get("/Users", query={"sortBy": "userName"}), 501)
    assert_scim_error(scim.get("/Users", query={"sortOrder": "descending"}), 501)
    body = {"schemas": [SEARCH_REQUEST], "sortBy": "userName"}
    assert_scim_error(scim.post("/Users/.search", body), 501)
    assert scim.get("/Users").status_code == 200


def test_filter_off_is_advertised_and_filtering_answers_501() -> None:
    """filter.supported=false → filter refused with 501 (P-3.12-14)."""
    scim = make_scim(filter_supported=False, filter_max_results=5)
    assert spc(scim)["filter"] == {"supported": False, "maxResults": 5}
    assert_scim_error(scim.get("/Users", query={"filter": "userName pr"}), 501)
    body = {"schemas": [SEARCH_REQUEST], "filter": "userName pr"}
    assert_scim_error(scim.post("/.search", body), 501)


def test_etag_off_is_advertised_and_no_version_is_handed_out() -> None:
    """etag.supported=false → no ETag header and no meta.version anywhere (P-3.14-01, C-3.1-21)."""
    scim = make_scim(etag_supported=False)
    assert spc(scim)["etag"] == {"supported": False}
    created = scim.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert "ETag" not in created.headers
    assert "version" not in created.get_json()["meta"]
    user_id = created.get_json()["id"]
    fetched = scim.get(f"/Users/{user_id}")
    assert "ETag" not in fetched.headers
    assert "version" not in fetched.get_json()["meta"]
    listed = scim.get("/Users").get_json()["Resources"][0]
    assert "version" not in listed["meta"]
    # If-Match / If-None-Match are ignored rather than answered 412/304.
    stale = {"If-Match": 'W/"stale"', "If-None-Match": "*"}
    assert scim.get(f"/Users/{user_id}", headers={"If-None-Match": "*"}).status_code == 200
    replaced = scim.put(
        f"/Users/{user_id}", {"schemas": [USER_SCHEMA], "userName": "b"}, headers=stale
    )
    assert replaced.status_code == 200
    assert "ETag" not in replaced.headers


def test_change_password_flag_is_advertised() -> None:
    """changePassword.supported mirrors the configuration (RFC 7643 §5)."""
    assert spc(make_scim(change_password_supported=False))["changePassword"] == {"supported": False}


def test_documentation_uri_is_advertised() -> None:
    """documentationUri comes from the configuration (RFC 7643 §5)."""
    scim = make_scim(documentation_uri="https://example.invalid/help")
    assert spc(scim)["documentationUri"] == "https://example.invalid/help"


def test_filter_max_results_caps_the_page_size() -> None:
    """count above filter.maxResults is capped to it (P-3.4.2.4-02)."""
    scim = make_scim(filter_max_results=2)
    for name in ("a", "b", "c"):
        scim.create_user(name)
    body = scim.get("/Users", query={"count": "50"}).get_json()
    assert (body["totalResults"], body["itemsPerPage"], len(body["Resources"])) == (3, 2, 2)


# -- /ResourceTypes and /Schemas -----------------------------------------------------------


def test_resource_types_are_listed(scim: Scim) -> None:
    """GET /ResourceTypes → ListResponse of User and Group with endpoints and schemas (P-4-04,
    P-4-06)."""
    body = scim.get("/ResourceTypes").get_json()
    assert body["schemas"] == [LIST_RESPONSE]
    assert body["totalResults"] == len(body["Resources"]) == body["itemsPerPage"]
    by_name = {rt["name"]: rt for rt in body["Resources"]}
    assert by_name["User"]["endpoint"] == "/Users"
    assert by_name["User"]["schema"] == USER_SCHEMA
    extensions = by_name["User"]["schemaExtensions"]
    assert [e["schema"] for e in extensions] == [ENTERPRISE_SCHEMA]
    assert by_name["Group"]["endpoint"] == "/Groups"
    assert by_name["Group"]["schema"] == GROUP_SCHEMA
    for rt in body["Resources"]:
        assert rt["meta"]["resourceType"] == "ResourceType"
        assert rt["meta"]["location"].endswith(f"{BASE}/ResourceTypes/{rt['name']}")


@pytest.mark.parametrize("name", ["User", "Group"])
def test_one_resource_type_is_a_plain_object(scim: Scim, name: str) -> None:
    """GET /ResourceTypes/<name> → the object, not a ListResponse (P-4-05)."""
    body = scim.get(f"/ResourceTypes/{name}").get_json()
    assert body["name"] == name
    assert "Resources" not in body


def test_schemas_are_listed_without_api_message_schemas(scim: Scim) -> None:
    """GET /Schemas → ListResponse with User, Group and the extension, no api: URNs (P-4-02,
    P-3.1-02)."""
    body = scim.get("/Schemas").get_json()
    assert body["schemas"] == [LIST_RESPONSE]
    ids = {s["id"] for s in body["Resources"]}
    assert {USER_SCHEMA, GROUP_SCHEMA, ENTERPRISE_SCHEMA} <= ids
    assert not [i for i in ids if i.startswith("urn:ietf:params:scim:api:")]
    for schema in body["Resources"]:
        assert schema["meta"]["resourceType"] == "Schema"
        assert schema["meta"]["location"].endswith(f"/Schemas/{schema['id']}")


@pytest.mark.parametrize(
    "urn", [USER_SCHEMA, USER_SCHEMA.upper(), GROUP_SCHEMA.lower(), ENTERPRISE_SCHEMA]
)
def test_one_schema_is_served_by_case_insensitive_urn(scim: Scim, urn: str) -> None:
    """GET /Schemas/<urn> → that schema; URNs compare case-insensitively (P-4-03)."""
    response = scim.get(f"/Schemas/{urn}")
    assert response.status_code == 200
    assert response.get_json()["id"].lower() == urn.lower()


@pytest.mark.parametrize(
    "path", ["/ResourceTypes/Nope", "/ResourceTypes/Users", "/Schemas/urn:nope", "/Schemas/x/y"]
)
def test_unknown_discovery_documents_are_404(scim: Scim, path: str) -> None:
    """Unknown resource types and schemas → 404 SCIM Error (P-3.12-10)."""
    assert_scim_error(scim.get(path), 404)


@pytest.mark.parametrize("path", DISCOVERY + [f"/Schemas/{USER_SCHEMA}"])
def test_filtering_discovery_endpoints_is_403(scim: Scim, path: str) -> None:
    """A filter on a discovery endpoint → 403 (P-4-08)."""
    assert_scim_error(scim.get(path, query={"filter": 'name eq "User"'}), 403)


@pytest.mark.parametrize("path", ["/ResourceTypes", "/Schemas"])
def test_paging_and_sorting_parameters_are_ignored_on_discovery(scim: Scim, path: str) -> None:
    """startIndex/count/sortBy on discovery endpoints are ignored (P-4-07)."""
    full = scim.get(path).get_json()
    paged = scim.get(
        path, query={"startIndex": "2", "count": "1", "sortBy": "name", "sortOrder": "x"}
    ).get_json()
    assert paged["totalResults"] == full["totalResults"]
    assert paged["Resources"] == full["Resources"]
    assert paged["startIndex"] == 1


@pytest.mark.parametrize("path", DISCOVERY)
def test_discovery_requires_auth_by_default(scim: Scim, path: str) -> None:
    """discovery_requires_auth=True (default) → anonymous discovery is 401 (P-2-01)."""
    assert_scim_error(scim.client.get(BASE + path), 401)
    assert scim.get(path).status_code == 200


@pytest.mark.parametrize("path", DISCOVERY)
def test_open_discovery_serves_anonymous_clients_but_not_resources(path: str) -> None:
    """discovery_requires_auth=False opens discovery only; /Users still needs the token."""
    scim = make_scim(discovery_requires_auth=False)
    response = scim.client.get(BASE + path)
    assert response.status_code == 200
    assert response.mimetype == SCIM_JSON
    assert_scim_error(scim.client.get(f"{BASE}/Users"), 401)


@pytest.mark.parametrize("base_path", ["/", "", "/api/scim/v2/"])
def test_base_path_is_configurable(base_path: str) -> None:
    """Every endpoint lives under MockConfig.base_path; locations follow it (C-3.1-20)."""
    scim = make_scim(base_path=base_path)
    user = scim.create_user()
    prefix = base_path.rstrip("/")
    assert user["meta"]["location"] == f"http://localhost{prefix}/Users/{user['id']}"
    assert scim.get("/ServiceProviderConfig").status_code == 200
    assert scim.get(f"/Users/{user['id']}").status_code == 200
    assert scim.get("/").get_json()["totalResults"] == 1
