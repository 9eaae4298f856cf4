"""scim_tests.strategies: generated Users and Groups are valid and the mock accepts them."""

from __future__ import annotations

import base64
from typing import Any

import pytest
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from scim_tests.asserts import assert_valid
from scim_tests.resources import definitions
from scim_tests.strategies import CERTIFICATE, resource_bodies
from tests.conftest import ENTERPRISE_SCHEMA, USER_SCHEMA, Scim, make_scim

PREFIX = "scimct-unit"
SETTINGS = settings(
    max_examples=40, deadline=None, derandomize=True, database=None,
    suppress_health_check=[HealthCheck.function_scoped_fixture, HealthCheck.too_slow],
)  # fmt: skip


@pytest.fixture(scope="module")
def mock() -> Scim:
    return make_scim()


@pytest.fixture(scope="module")
def schemas(mock: Scim) -> dict[str, Any]:
    return {r["id"].lower(): r for r in mock.get("/Schemas").get_json()["Resources"]}


@pytest.fixture(scope="module")
def people(mock: Scim) -> list[str]:
    return [mock.create_user(f"{PREFIX}-ref-{n}")["id"] for n in (1, 2)]


def _primaries(body: dict[str, Any]) -> list[int]:
    counts = []
    for value in body.values():
        if isinstance(value, list):
            counts.append(sum(1 for v in value if isinstance(v, dict) and v.get("primary")))
    return counts


def test_generated_users_are_valid_and_accepted(
    mock: Scim, schemas: dict[str, Any], people: list[str]
) -> None:
    """Users validate against schemas/json/User, carry the run prefix, at most one primary per
    attribute, and the strict mock creates them."""
    strategy = resource_bodies(schemas, "User", PREFIX, extensions=[ENTERPRISE_SCHEMA],
                               manager_ids=people)  # fmt: skip

    @SETTINGS
    @given(body=strategy)
    def run(body: dict[str, Any]) -> None:
        assert_valid({**body, "id": "placeholder"}, "User")
        assert body["userName"].startswith(f"{PREFIX}-rt-")
        assert all(count <= 1 for count in _primaries(body))
        response = mock.post("/Users", body)
        assert response.status_code == 201, (body, response.get_json())
        assert mock.delete(f"/Users/{response.get_json()['id']}").status_code == 204

    run()


def test_generated_groups_are_valid_and_accepted(
    mock: Scim, schemas: dict[str, Any], people: list[str]
) -> None:
    """Groups validate against schemas/json/Group, members reference the given ids only, and
    the strict mock creates them."""

    @SETTINGS
    @given(body=resource_bodies(schemas, "Group", PREFIX, member_ids=people))
    def run(body: dict[str, Any]) -> None:
        assert_valid({**body, "id": "placeholder"}, "Group")
        assert body["displayName"].startswith(f"{PREFIX}-rt-")
        assert {m["value"] for m in body.get("members", [])} <= set(people)
        response = mock.post("/Groups", body)
        assert response.status_code == 201, (body, response.get_json())
        assert mock.delete(f"/Groups/{response.get_json()['id']}").status_code == 204

    run()


def test_every_read_write_attribute_is_generated(
    schemas: dict[str, Any], people: list[str]
) -> None:
    """Across examples, every readWrite User and enterprise attribute shows up; readOnly and
    writeOnly ones (groups, password) never do; canonicalValues are respected."""
    seen: set[str] = set()
    types: set[str] = set()
    strategy = resource_bodies(schemas, "User", PREFIX, extensions=[ENTERPRISE_SCHEMA],
                               manager_ids=people)  # fmt: skip

    @settings(SETTINGS, max_examples=150)
    @given(body=strategy)
    def run(body: dict[str, Any]) -> None:
        seen.update(body)
        seen.update(f"ent:{k}" for k in body.get(ENTERPRISE_SCHEMA, {}))
        types.update(e["type"] for e in body.get("emails", []) if "type" in e)
        assert "groups" not in body and "password" not in body

    run()
    wanted = {a.name for a in definitions(schemas, USER_SCHEMA)
              if a.mutability == "readWrite" and a.name != "password"}  # fmt: skip
    wanted |= {f"ent:{a.name}" for a in definitions(schemas, ENTERPRISE_SCHEMA)}
    assert wanted <= seen, wanted - seen
    assert types and types <= {"work", "home", "other"}


def test_certificates_are_one_der_certificate() -> None:
    """The certificate value is base64 of a DER SEQUENCE (C-4.1.2-07)."""
    assert base64.b64decode(CERTIFICATE)[:1] == b"\x30"


@given(st.data())
@settings(SETTINGS, max_examples=10)
def test_a_schema_without_characteristics_uses_the_defaults(data: st.DataObject) -> None:
    """An attribute declaring only its name reads as a readWrite single-valued string
    (RFC 7643 §2.2), so it is generated as a string."""
    user = {"id": USER_SCHEMA, "attributes": [{"name": "userName", "required": True},
                                              {"name": "nickName"}]}  # fmt: skip
    body = data.draw(resource_bodies({USER_SCHEMA.lower(): user}, "User", PREFIX))
    assert isinstance(body.get("nickName", ""), str)
    assert isinstance(body["userName"], str)
