"""Tenants: isolated mocks at /tenants/<name>/... on one server (scim_mock.tenants)."""

from __future__ import annotations

from typing import Any

import pytest
import requests

from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_mock.server import MockServer
from tests.conftest import TOKEN, USER_SCHEMA, Scim, assert_scim_error, make_scim


def tenant(scim: Scim, name: str) -> Scim:
    """A client for the tenant ``name`` of the same app."""
    return Scim(scim.client, token=scim.token, base=f"/tenants/{name}/scim/v2")


def control(scim: Scim, method: str, path: str, body: Any = None) -> tuple[int, Any]:
    headers = {"Authorization": f"Bearer {scim.token}"}
    response = scim.client.open(path, method=method, json=body, headers=headers)
    return response.status_code, response.get_json(silent=True)


def test_tenants_do_not_see_each_other_or_the_root(scim: Scim) -> None:
    acme, globex = tenant(scim, "acme"), tenant(scim, "globex")
    user = acme.create_user("bjensen")
    globex.create_user("bjensen")  # the same userName is free in another tenant
    assert acme.get("/Users").get_json()["totalResults"] == 1
    assert globex.get("/Users").get_json()["totalResults"] == 1
    assert scim.get("/Users").get_json()["totalResults"] == 0
    assert_scim_error(globex.get(f"/Users/{user['id']}"), 404)
    assert_scim_error(scim.get(f"/Users/{user['id']}"), 404)


def test_tenant_locations_carry_the_tenant_prefix(scim: Scim) -> None:
    acme = tenant(scim, "acme")
    response = acme.post("/Users", {"schemas": [USER_SCHEMA], "userName": "a"})
    body = response.get_json()
    expected = f"http://localhost/tenants/acme/scim/v2/Users/{body['id']}"
    assert response.headers["Location"] == body["meta"]["location"] == expected
    group = acme.create_group("G", [body["id"]])
    assert group["members"][0]["$ref"] == expected
    config = acme.get("/ServiceProviderConfig").get_json()
    assert config["meta"]["location"].startswith("http://localhost/tenants/acme/scim/v2/")


def test_tenant_has_its_own_control_api(scim: Scim) -> None:
    acme = tenant(scim, "acme")
    acme.create_user("a")
    scim.create_user("root-user")
    assert control(scim, "POST", "/tenants/acme/_mock/clock", {"freeze": "2026-01-01T00:00:00Z"})[
        1
    ]["frozen"]
    assert control(scim, "GET", "/_mock/clock")[1]["frozen"] is False
    assert control(scim, "POST", "/tenants/acme/_mock/reset")[0] == 204
    assert acme.get("/Users").get_json()["totalResults"] == 0
    assert scim.get("/Users").get_json()["totalResults"] == 1
    status, seeded = control(scim, "POST", "/tenants/acme/_mock/seed", {"users": 3, "groups": 0})
    assert status == 201 and acme.get("/Users").get_json()["totalResults"] == 3
    # Tenants are listed and dropped at the root only.
    assert_scim_error(scim.client.get("/tenants/acme/_mock/tenants", headers=scim.headers()), 404)


def test_tenants_are_listed_and_dropped(scim: Scim) -> None:
    tenant(scim, "acme").create_user("a")
    tenant(scim, "b_2-x").get("/Users")
    status, body = control(scim, "GET", "/_mock/tenants")
    assert status == 200
    assert [t["name"] for t in body["tenants"]] == ["acme", "b_2-x"]
    assert body["tenants"][0]["baseUrl"] == "http://localhost/tenants/acme/scim/v2"
    assert body["count"] == 2 and body["limit"] == 200
    assert control(scim, "DELETE", "/_mock/tenants/acme")[0] == 204
    assert_scim_error(scim.client.delete("/_mock/tenants/acme", headers=scim.headers()), 404)
    # Used again, the tenant starts empty.
    assert tenant(scim, "acme").get("/Users").get_json()["totalResults"] == 0
    assert control(scim, "DELETE", "/_mock/tenants")[0] == 204
    assert control(scim, "GET", "/_mock/tenants")[1]["tenants"] == []


def test_root_reset_leaves_tenants_alone(scim: Scim) -> None:
    tenant(scim, "acme").create_user("a")
    control(scim, "POST", "/_mock/reset")
    assert tenant(scim, "acme").get("/Users").get_json()["totalResults"] == 1


@pytest.mark.parametrize("name", ["bad.name", "a" * 65, "%20", "caf%C3%A9"])
def test_invalid_tenant_names_are_404(scim: Scim, name: str) -> None:
    response = scim.client.get(f"/tenants/{name}/scim/v2/Users", headers=scim.headers())
    assert_scim_error(response, 404)


def test_the_number_of_tenants_is_bounded() -> None:
    scim = make_scim(max_tenants=2)
    for name in ("one", "two"):
        assert tenant(scim, name).get("/Users").status_code == 200
    assert_scim_error(tenant(scim, "three").get("/Users"), 400)
    assert tenant(scim, "one").get("/Users").status_code == 200  # existing ones still work
    control(scim, "DELETE", "/_mock/tenants/one")
    assert tenant(scim, "three").get("/Users").status_code == 200


def test_tenants_can_be_turned_off() -> None:
    scim = make_scim(max_tenants=0)
    assert_scim_error(tenant(scim, "acme").get("/Users"), 404)
    assert_scim_error(scim.client.get("/_mock/tenants", headers=scim.headers()), 404)


def test_tenants_share_the_token_and_the_admin_token() -> None:
    scim = make_scim(admin_token="adm")
    acme = tenant(scim, "acme")
    assert acme.get("/Users").status_code == 200
    assert_scim_error(acme.client.get("/tenants/acme/scim/v2/Users"), 401)
    assert_scim_error(acme.client.post("/tenants/acme/_mock/reset", headers=acme.headers()), 401)
    ok = acme.client.post("/tenants/acme/_mock/reset", headers={"Authorization": "Bearer adm"})
    assert ok.status_code == 204


def test_tenants_use_the_same_extensions() -> None:
    """A tenant's mock is built like the root one: a deliberate defect applies there too."""
    from scim_defects import DEFECTS

    name = "patch-ignores-remove" if "patch-ignores-remove" in DEFECTS else sorted(DEFECTS)[0]
    app = create_app(MockConfig(token=TOKEN), extensions=[DEFECTS[name]])
    root_state = app.extensions["scim_mock"]
    app.test_client().get(
        "/tenants/acme/scim/v2/Users", headers={"Authorization": f"Bearer {TOKEN}"}
    )
    tenant_app = root_state.extras["tenants"].app("acme")
    assert tenant_app.extensions["scim_mock"].extensions == root_state.extensions
    assert tenant_app.extensions["scim_mock"].extras["tenant"] == "acme"
    assert root_state.extras["tenant"] is None


def test_tenants_over_a_socket() -> None:
    with MockServer(MockConfig(token=TOKEN)) as server:
        root = server.url.rsplit("/scim/v2", 1)[0]
        headers = {"Authorization": f"Bearer {TOKEN}", "Content-Type": "application/scim+json"}
        assert server.tenant_url("t1") == f"{root}/tenants/t1/scim/v2"
        created = requests.post(
            f"{server.tenant_url('t1')}/Users",
            json={"schemas": [USER_SCHEMA], "userName": "a"},
            headers=headers,
            timeout=10,
        )
        assert created.status_code == 201
        assert created.headers["Location"].startswith(f"{root}/tenants/t1/scim/v2/Users/")
        assert (
            requests.get(f"{server.url}/Users", headers=headers, timeout=10).json()["totalResults"]
            == 0
        )
