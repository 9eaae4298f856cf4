"""Replacing resources with PUT over HTTP (RFC 7644 §3.5.1): unsent attributes go, readOnly values
are ignored, required and immutable attributes are enforced, and PUT never creates.
"""

from __future__ import annotations

import json
import shutil
from pathlib import Path

import pytest

from scim_mock.app import create_app
from scim_mock.config import MockConfig
from scim_mock.schema import SchemaRegistry
from scim_tests import datadir
from tests.conftest import TOKEN, USER_SCHEMA, Scim, assert_scim_error

# -- replace (PUT) -------------------------------------------------------------------------


def test_put_replaces_the_resource(scim: Scim) -> None:
    """Attributes not sent in a PUT are removed; id, meta.created stay (P-3.5.1-02,
    P-3.5.1-08, C-3.1-06, C-3.1-18)."""
    user = scim.create_user("a", displayName="A", title="Boss", emails=[{"value": "a@x.org"}])
    path = f"/Users/{user['id']}"
    response = scim.put(path, {"schemas": [USER_SCHEMA], "userName": "a", "nickName": "Al"})
    assert response.status_code == 200
    replaced = response.get_json()
    assert replaced["id"] == user["id"]
    assert replaced["nickName"] == "Al"
    for gone in ("displayName", "title", "emails"):
        assert gone not in replaced
    assert replaced["meta"]["created"] == user["meta"]["created"]
    assert replaced["meta"]["lastModified"] > user["meta"]["lastModified"]
    assert replaced["meta"]["version"] != user["meta"]["version"]
    assert response.headers["ETag"] == replaced["meta"]["version"]
    assert scim.get(path).get_json() == replaced


def test_put_ignores_read_only_values(scim: Scim) -> None:
    """id, meta and groups in a PUT body are ignored (P-3.5.1-06, C-4.1.2-05)."""
    group = scim.create_group("G")
    user = scim.create_user("a")
    body = {
        "schemas": [USER_SCHEMA],
        "userName": "a",
        "id": "other",
        "meta": {"created": "2000-01-01T00:00:00Z"},
        "groups": [{"value": group["id"]}],
    }
    replaced = scim.put(f"/Users/{user['id']}", body).get_json()
    assert replaced["id"] == user["id"]
    assert replaced["meta"]["created"] == user["meta"]["created"]
    assert "groups" not in replaced


def test_put_enforces_required_attributes(scim: Scim) -> None:
    """A PUT without userName → 400 invalidValue, nothing changed (P-3.5.1-07, C-4.1.1-01)."""
    user = scim.create_user("a", displayName="A")
    response = scim.put(f"/Users/{user['id']}", {"schemas": [USER_SCHEMA], "displayName": "B"})
    assert_scim_error(response, 400, "invalidValue")
    assert scim.get(f"/Users/{user['id']}").get_json() == user


def test_put_unknown_id_is_404(scim: Scim) -> None:
    """PUT of an unknown id → 404; PUT never creates (P-3.5.1-01, P-3.12-10)."""
    response = scim.put("/Users/nope", {"schemas": [USER_SCHEMA], "userName": "a"})
    assert_scim_error(response, 404)
    assert scim.get("/Users").get_json()["totalResults"] == 0


def test_immutable_member_values_cannot_be_edited_in_place(scim: Scim) -> None:
    """members[].value is immutable: PATCH replacing it → 400 mutability (C-4.2-02)."""
    a, b = scim.create_user("a"), scim.create_user("b")
    group = scim.create_group("G", [a["id"]])
    op = {"op": "replace", "path": f'members[value eq "{a["id"]}"].value', "value": b["id"]}
    assert_scim_error(scim.patch_ops(f"/Groups/{group['id']}", op), 400, "mutability")
    members = scim.get(f"/Groups/{group['id']}").get_json()["members"]
    assert [m["value"] for m in members] == [a["id"]]


# -- immutable attributes (custom schema) --------------------------------------------------


@pytest.fixture
def immutable_scim(tmp_path: Path) -> Scim:
    """A mock whose User.nickName is immutable (the RFC's User schema has no such attribute)."""
    source = datadir.schemas_dir() / "scim"
    for path in source.glob("*.json"):
        shutil.copy(path, tmp_path / path.name)
    user_schema = json.loads((tmp_path / "User.json").read_text(encoding="utf-8"))
    document = user_schema[0] if isinstance(user_schema, list) else user_schema
    for attribute in document["attributes"]:
        if attribute["name"] == "nickName":
            attribute["mutability"] = "immutable"
    (tmp_path / "User.json").write_text(json.dumps(user_schema), encoding="utf-8")
    app = create_app(MockConfig(token=TOKEN), registry=SchemaRegistry.load(tmp_path))
    return Scim(app.test_client())


def test_put_enforces_immutable_attributes(immutable_scim: Scim) -> None:
    """PUT may set an immutable value once, keep it, or omit it, but not change it
    (P-3.5.1-04, P-3.5.1-05, C-7-14)."""
    scim = immutable_scim
    user = scim.create_user("a")
    path = f"/Users/{user['id']}"
    body = {"schemas": [USER_SCHEMA], "userName": "a"}
    assert scim.put(path, {**body, "nickName": "first"}).status_code == 200
    assert scim.put(path, {**body, "nickName": "first", "title": "t"}).status_code == 200
    kept = scim.put(path, body).get_json()
    assert kept["nickName"] == "first"
    assert_scim_error(scim.put(path, {**body, "nickName": "second"}), 400, "mutability")
    op = {"op": "replace", "path": "nickName", "value": "second"}
    assert_scim_error(scim.patch_ops(path, op), 400, "mutability")
    assert scim.get(path).get_json()["nickName"] == "first"
