"""Security: returned=never values (password) never come back, by any operation or projection,
and no filter reads them back piecewise (RFC 7643 §4.1.1, §7, §9.2; RFC 7644 §3.4.2.2, §3.7).

The checks look for the password's *value* anywhere in each response text, not only for a
``password`` key: an answer that echoes the request (a PATCH body, a Bulk result's
``response``), or a field renamed on the way out, leaks it just the same. Equality filtering on
password MAY be supported by comparing hashes (C-4.1.1-10), so ``password eq "<value>"`` may
match; ``sw``/``co``/``ew`` with a fragment of the real value must not, because a server that can
answer them compares the cleartext and lets a client recover the password a character at a
time. Key-based checks of GET and list projections live in test_schema_rules and
test_attributes.
"""

from __future__ import annotations

import json
import uuid
from typing import Any

import pytest

from scim_tests.asserts import (
    assert_scim_error,
    assert_status,
    assert_valid,
    check,
    json_object,
    resources_of,
)
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, replacement
from scim_tests.query import SEARCH_REQUEST
from scim_tests.resources import USER_SCHEMA, schema_attributes, unassigned

Schemas = dict[str, dict[str, Any]]
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"


def _secret() -> str:
    """A password no response has a reason to contain (and most policies accept)."""
    return f"Pw-{uuid.uuid4().hex[:16]}!A1"


def _never(scim_schemas: Schemas) -> list[str]:
    """The User attributes /Schemas marks returned=never; skip unless password is one."""
    names = [a.path for a in schema_attributes(scim_schemas, USER_SCHEMA, returned="never")]
    if "password" not in [n.lower() for n in names]:
        pytest.skip("/Schemas does not declare a returned=never password")
    return names


def _keys(value: Any) -> set[str]:
    """Every object key of a JSON value holding a value, lower-cased (nested ones too); null
    and [] are unassigned (RFC 7643 §2.5), so ``"password": null`` returns nothing."""
    if isinstance(value, dict):
        own = {str(k).lower() for k, v in value.items() if not unassigned(v)}
        return own | {k for v in value.values() for k in _keys(v)}
    if isinstance(value, list):
        return {k for v in value for k in _keys(v)}
    return set()


def _check_hidden(response: ScimResponse, secrets: list[str], never: list[str],
                  what: str) -> None:  # fmt: skip
    """Neither a secret's value nor a returned=never attribute appears in ``response``."""
    __tracebackhide__ = True
    text = response.text
    shown = [s for s in secrets if s in text or json.dumps(s)[1:-1] in text]
    check(not shown, f"{what} returned the password's value", expected="no password value",
          received="the password sent appears in the body", response=response,
          requirement=("C-4.1.1-07", "C-7-17"))  # fmt: skip
    keys = _keys(response.maybe_json())
    named = [n for n in never if n.lower().rsplit(".", 1)[-1] in keys]
    check(not named, f"{what} returned a returned=never attribute",
          expected=f"no {', '.join(never)}", received=f"{', '.join(named)} present",
          response=response, requirement=("C-7-17", "C-4.1.1-07"))  # fmt: skip


def _user_with(client: ScimClient, user_payload: Payload, secret: str) -> dict[str, Any]:
    return create(client, "/Users", user_payload(password=secret))


@requirement("C-4.1.1-07", "C-7-17")
def test_password_not_echoed_by_put_or_patch(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """A PUT setting a new password, and PATCHes replacing it by path and without a path,
    answer without the password value (C-4.1.1-07, C-7-17)."""
    never = _never(scim_schemas)
    first = _secret()
    user = _user_with(scim_client, user_payload, first)
    path = f"/Users/{user['id']}"
    second = _secret()
    response = scim_client.put(path, replacement(user, password=second))
    assert_status(response, 200, requirement="P-3.5.1-08")
    _check_hidden(response, [first, second], never, "PUT")
    patch = (service_provider_config or {}).get("patch")
    if isinstance(patch, dict) and patch.get("supported") is False:
        return
    sent = [second]
    for op in ({"op": "replace", "path": "password"}, {"op": "replace"}):
        secret = _secret()
        value: Any = secret if "path" in op else {"password": secret}
        body = {"schemas": [PATCH_OP], "Operations": [{**op, "value": value}]}
        response = scim_client.patch(path, body)
        assert_status(response, 200, 204, requirement="P-3.5.2-16")
        sent.append(secret)
        _check_hidden(response, sent, never, "PATCH")


@pytest.mark.scim_feature("bulk")
@requirement("C-4.1.1-07", "C-7-17")
def test_password_not_in_bulk_responses(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """A /Bulk request creating a user with a password, replacing it and (with PATCH) setting
    another answers without any of the values (C-4.1.1-07, C-7-17)."""
    never = _never(scim_schemas)
    secrets = [_secret(), _secret(), _secret()]
    target = _user_with(scim_client, user_payload, _secret())
    ops: list[dict[str, Any]] = [
        {"method": "POST", "path": "/Users", "bulkId": "p1",
         "data": user_payload(password=secrets[0])},
        {"method": "PUT", "path": f"/Users/{target['id']}",
         "data": replacement(target, password=secrets[1])},
    ]  # fmt: skip
    patch = (service_provider_config or {}).get("patch")
    if not (isinstance(patch, dict) and patch.get("supported") is False):
        ops.append(
            {
                "method": "PATCH",
                "path": f"/Users/{target['id']}",
                "data": {
                    "schemas": [PATCH_OP],
                    "Operations": [{"op": "replace", "path": "password", "value": secrets[2]}],
                },
            }
        )
    response = scim_client.post("/Bulk", {"schemas": [BULK_REQUEST], "Operations": ops})
    assert_status(response, 200, requirement="P-3.7-07")
    body = json_object(response, requirement="P-3.7-02")
    assert_valid(body, "BulkResponse", response=response, requirement="P-3.7-02")
    for result in body.get("Operations") or []:  # the created user is the run's: clean it up
        location = result.get("location") if isinstance(result, dict) else None
        if isinstance(location, str) and result.get("method") == "POST":
            scim_client.ownership.add("/Users", location.rstrip("/").rsplit("/", 1)[-1])
    _check_hidden(response, secrets, never, "/Bulk")


@requirement("C-4.1.1-07", "C-7-17", "P-3.4-01")
def test_password_value_unreadable_by_any_projection(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas,
    service_provider_config: dict[str, Any] | None,
) -> None:  # fmt: skip
    """After a create with a password, GET, GET ?attributes=password, a filtered list with
    attributes naming every returned=never attribute, its excludedAttributes twin and
    /.search with the same attributes all answer without the value (C-4.1.1-07, C-7-17,
    P-3.4-01)."""
    never = _never(scim_schemas)
    secret = _secret()
    user = _user_with(scim_client, user_payload, secret)
    path, names = f"/Users/{user['id']}", ",".join([*never, "userName"])
    answers = [scim_client.get(path), scim_client.get(path, params={"attributes": "password"})]
    filtering = (service_provider_config or {}).get("filter")
    if not (isinstance(filtering, dict) and filtering.get("supported") is False):
        text = f"userName eq {json.dumps(user['userName'])}"
        answers.append(scim_client.get("/Users", params={"filter": text, "attributes": names}))
        answers.append(
            scim_client.get("/Users", params={"filter": text, "excludedAttributes": "userName"})
        )
        search = scim_client.post(
            "/Users/.search", {"schemas": [SEARCH_REQUEST], "filter": text, "attributes": [*never]}
        )
        if search.status_code not in (404, 405, 501):
            answers.append(search)
    for answer in answers:
        assert_status(answer, 200, requirement="C-7-17")
        _check_hidden(answer, [secret], never, "A read")


def _selected(client: ScimClient, text: str) -> tuple[bool | None, ScimResponse]:
    """Whether ``filter=text`` selects anything (None: refused with a 400)."""
    __tracebackhide__ = True
    response = client.get("/Users", params={"filter": text})
    if response.status_code in (400, 403):
        # invalidFilter (the combination is unsupported) or 403 sensitive (P-7.5.2-01).
        assert_scim_error(response, (400, 403))
        return None, response
    assert_status(response, 200, requirement="P-3.4.2.2-02")
    return bool(resources_of(json_object(response))), response


@pytest.mark.scim_feature("filter")
@requirement("C-4.1.1-07", "C-9.2-01", "C-4.1.1-10", "P-3.4.2.2-02")
def test_password_filter_is_no_substring_oracle(
    scim_client: ScimClient, user_payload: Payload, scim_schemas: Schemas
) -> None:
    """With the user pinned by userName, ``password sw/co/ew "<fragment of its password>"``
    selects it no more than the same filter with a wrong fragment does, and ``password eq
    "<wrong value>"`` never selects it; ``eq "<the value>"`` may (hash comparison, C-4.1.1-10)
    (C-4.1.1-07, C-9.2-01, P-3.4.2.2-02)."""
    _never(scim_schemas)
    secret = _secret()
    user = _user_with(scim_client, user_payload, secret)
    pin = f"userName eq {json.dumps(user['userName'])}"
    probes = {"sw": secret[:6], "co": secret[3:12], "ew": secret[-6:]}
    for op, fragment in probes.items():
        wrong = fragment[::-1].swapcase() + "~"
        real, response = _selected(scim_client, f'{pin} and password {op} "{fragment}"')
        control, _ = _selected(scim_client, f'{pin} and password {op} "{wrong}"')
        check(not (real and not control),
              f"password {op} with a fragment of the real password selects the user",
              expected="no match (or 400 invalidFilter): the value is never readable",
              received=f"password {op} \"{fragment}\" selects {user['id']}",
              response=response, requirement=("C-4.1.1-07", "C-9.2-01"))  # fmt: skip
    found, response = _selected(scim_client, f'{pin} and password eq "{_secret()}"')
    check(not found, "password eq with a wrong password selects the user",
          expected="no match", received=f"selects {user['id']}", response=response,
          requirement="P-3.4.2.2-02")  # fmt: skip
