"""Microsoft Entra ID client profile (``--scim-profile entra``): the requests Entra's provisioning
service sends to a SCIM endpoint, replayed as Entra sends them.

Sources: Microsoft Learn, "Tutorial: Develop and plan provisioning for a SCIM endpoint in
Microsoft Entra ID" (the request and response examples) and "Known issues and resolutions with
SCIM 2.0 protocol compliance of the Microsoft Entra user provisioning service" (what the
``aadOptscim062020`` feature flag of the tenant URL changes). Where the two behaviours differ a
check is parametrised ``legacy`` (no flag: capitalised ops, ``"False"`` strings, member removal
by value array, one pathless replace with dotted and URN keys) and ``aadOptscim062020``.

Entra sends ``Content-Type: application/scim+json`` and ``Authorization: Bearer``, as the
suite's client does. What departs from the RFCs is accepted through
:func:`scim_tests.profiles.accept_deviation` (a server that refuses it is right by the RFC, but
Entra cannot provision it); what the server then stores is verified as an ordinary conformance
failure, citing the row a server that accepts the request and drops it violates.
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from scim_tests.asserts import assert_status, check, json_object, resources_of
from scim_tests.client import ScimClient
from scim_tests.entra import (
    DOTTED_KEYS,
    EMPLOYEE_NUMBER,
    FLAGGED,
    MODES,
    REPLACE_ADDS,
    STRING_BOOLEAN,
    WORK_EMAIL,
    Spc,
    accepted,
    enterprise,
    entra_user,
    message,
    misread,
    needs,
    needs_enterprise,
    op_name,
    patched,
    query,
    work_email,
)
from scim_tests.fixtures import ENTERPRISE_SCHEMA, create
from scim_tests.markers import requirement
from scim_tests.operations import Payload, fetch
from scim_tests.profiles import ClientBehaviour
from scim_tests.query import list_body
from scim_tests.resources import attribute, enterprise_offered

pytestmark = [pytest.mark.scim_profile("entra")]

# -- users ---------------------------------------------------------------------------------


@requirement("P-3.3-03", "P-3.3-01")
def test_entra_create_user(
    scim_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    resource_types: list[dict[str, Any]],
) -> None:
    """Entra's "Create User" request (tutorial): both schemas, a readOnly meta.resourceType
    the server ignores, an empty roles array, a work email and the enterprise employeeNumber.
    The server answers 201 and stores what Entra sent (P-3.3-03, P-3.3-01)."""
    needs_enterprise(resource_types)
    body = entra_user(user_payload, scim_prefix)
    response = scim_client.post("/Users", body)
    assert_status(response, 201, requirement="P-3.3-03")
    created = json_object(response)
    stored = fetch(scim_client, f"/Users/{created.get('id')}", "User")
    found = {"userName": attribute(stored, "userName"), "externalId": attribute(stored,
             "externalId"), "employeeNumber": enterprise(stored, "employeeNumber")}  # fmt: skip
    wanted = {"userName": body["userName"], "externalId": body["externalId"],
              "employeeNumber": body[ENTERPRISE_SCHEMA]["employeeNumber"]}  # fmt: skip
    check(found["userName"] == wanted["userName"] and found["externalId"] == wanted["externalId"]
          and found["employeeNumber"] == wanted["employeeNumber"],
          "The user Entra created is not stored as sent", expected=wanted, received=found,
          response=response, requirement="P-3.3-01")  # fmt: skip


@MODES
@requirement("P-3.5.2.1-03", "P-3.5.2-02")
def test_entra_add_single_valued_attribute(
    scim_client: ScimClient, new_user: dict[str, Any], service_provider_config: Spc, mode: str
) -> None:
    """Entra adds a string attribute with {"op": "Add", "path": "nickName", "value": "Babs"}
    ("add" with the flag; Known issues, "Requests to add a single-value string attribute").
    The server applies it: GET shows nickName Babs (P-3.5.2.1-03; an accepted capitalised op
    is applied, P-3.5.2-02)."""
    needs(service_provider_config, "patch", "Entra updates users with PATCH")
    path = f"/Users/{new_user['id']}"
    response = scim_client.patch(path, message(
        {"op": op_name(mode, "add"), "path": "nickName", "value": "Babs"}))  # fmt: skip
    accepted(mode, None, response)
    patched(response)
    user = fetch(scim_client, path, "User")
    check(attribute(user, "nickName") == "Babs", "Entra's add of nickName was not applied",
          expected="nickName 'Babs'", received=attribute(user, "nickName"), response=response,
          requirement="P-3.5.2-02" if mode == "legacy" else "P-3.5.2.1-03")  # fmt: skip


@MODES
@requirement("P-3.5.2.3-10", "C-4.1.1-04")
def test_entra_deactivates_user(
    scim_client: ScimClient, new_user: dict[str, Any], service_provider_config: Spc, mode: str
) -> None:
    """Entra disables a user with {"op": "Replace", "path": "active", "value": "False"}, a
    string, or with the flag {"op": "replace", "path": "active", "value": false} (Known issues,
    "Requests made to disable users"). The user is then inactive: GET shows active false, a
    JSON boolean (P-3.5.2.3-10, C-4.1.1-04)."""
    needs(service_provider_config, "patch", "Entra disables users with PATCH")
    path = f"/Users/{new_user['id']}"
    value: Any = "False" if mode == "legacy" else False
    response = scim_client.patch(path, message(
        {"op": op_name(mode, "replace"), "path": "active", "value": value}))  # fmt: skip
    accepted(mode, STRING_BOOLEAN if mode == "legacy" else None, response)
    patched(response)
    user = fetch(scim_client, path, "User")
    check(attribute(user, "active") is False, "The user Entra disabled is not inactive",
          expected="active: false", received=f"active: {attribute(user, 'active')!r}",
          response=response, requirement="P-3.5.2.3-10")  # fmt: skip


@MODES
@requirement("P-3.5.2.3-08", "P-3.5.2-07")
def test_entra_replaces_work_email_and_employee_number(
    scim_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    resource_types: list[dict[str, Any]],
    service_provider_config: Spc,
    mode: str,
) -> None:
    """Entra updates a work email and an enterprise attribute with one replace each:
    path emails[type eq "work"].value and the URN path ...:enterprise:2.0:User:employeeNumber
    (Known issues, "Requests to replace multiple attributes", with the flag; the tutorial's
    "Update User [Multi-valued properties]", "Replace" without it). GET shows both new values
    and the work email still typed work (P-3.5.2.3-08, P-3.5.2-07)."""
    needs(service_provider_config, "patch", "Entra updates users with PATCH")
    needs_enterprise(resource_types)
    user = create(scim_client, "/Users", entra_user(user_payload, scim_prefix))
    path = f"/Users/{user['id']}"
    mail = f"updated.{user['userName']}"
    response = scim_client.patch(path, message(
        {"op": op_name(mode, "replace"), "path": WORK_EMAIL, "value": mail},
        {"op": op_name(mode, "replace"), "path": EMPLOYEE_NUMBER, "value": "701984"}))  # fmt: skip
    accepted(mode, None, response)
    patched(response)
    stored = fetch(scim_client, path, "User")
    found = {"work email": work_email(stored), "employeeNumber": enterprise(stored,
             "employeeNumber")}  # fmt: skip
    check(found["work email"] == mail, "Entra's replace of the work email was not applied",
          expected=mail, received=found, response=response,
          requirement="P-3.5.2.3-08")  # fmt: skip
    check(found["employeeNumber"] == "701984",
          "Entra's replace of the enterprise employeeNumber by URN path was not applied",
          expected="employeeNumber '701984'", received=found, response=response,
          requirement="P-3.5.2-07")  # fmt: skip


@MODES
@requirement("P-3.5.2.3-01")
def test_entra_pathless_replace_with_dotted_and_urn_keys(
    scim_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    resource_types: list[dict[str, Any]],
    service_provider_config: Spc,
    mode: str,
) -> None:
    """Entra replaces several attributes with one pathless replace whose value is keyed by
    paths: {"displayName", "name.givenName", "name.familyName", "externalId",
    "urn:...:enterprise:2.0:User:employeeNumber"} (Known issues, "Requests to replace multiple
    attributes"; "Replace" without the flag). A server that accepts it applies every key and
    keeps name.formatted (P-3.5.2.3-01)."""
    needs(service_provider_config, "patch", "Entra updates users with PATCH")
    needs_enterprise(resource_types)
    user = create(scim_client, "/Users", entra_user(user_payload, scim_prefix))
    path = f"/Users/{user['id']}"
    values = {"displayName": "Pvlo Gtfd", "name.givenName": "Gtfd", "name.familyName": "Pkqf",
              "externalId": f"{scim_prefix}-Eqpj", EMPLOYEE_NUMBER: "Eqpj"}  # fmt: skip
    response = scim_client.patch(path, message(
        {"op": op_name(mode, "replace"), "value": values}))  # fmt: skip
    behaviour = DOTTED_KEYS if mode == "legacy" else ClientBehaviour(
        FLAGGED, DOTTED_KEYS.sends.replace('"Replace"', '"replace"'), DOTTED_KEYS.rule,
        DOTTED_KEYS.accept)  # fmt: skip
    accepted(mode, behaviour, response)
    patched(response)
    stored = fetch(scim_client, path, "User")
    name = attribute(stored, "name") or {}
    found = {
        "displayName": attribute(stored, "displayName"),
        "name.givenName": attribute(name, "givenName"),
        "name.familyName": attribute(name, "familyName"),
        "externalId": attribute(stored, "externalId"),
        EMPLOYEE_NUMBER: enterprise(stored, "employeeNumber"),
    }
    check(found == values, "Entra's pathless replace was accepted but not every key applied",
          expected=values, received=found, response=response,
          requirement="P-3.5.2.3-01")  # fmt: skip
    check(attribute(name, "formatted") == user["name"]["formatted"],
          "Entra's pathless replace of name sub-attributes dropped name.formatted",
          expected=user["name"]["formatted"], received=attribute(name, "formatted"),
          response=response, requirement="P-3.5.2.3-06")  # fmt: skip


@MODES
@requirement("P-3.5.2-16")
def test_entra_replace_of_missing_work_email_adds_it(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc, mode: str
) -> None:
    """Entra writes a user's work email with a replace on emails[type eq "work"].value even
    when the user has no work email yet, meaning "add" (it sends replace for every update of
    a mapped attribute). Strictly that is 400 noTarget (P-3.5.2.3-09); a server that accepts
    it gives the user that work email and keeps the home email."""
    needs(service_provider_config, "patch", "Entra updates users with PATCH")
    body = user_payload()
    body["emails"] = [{"value": f"home.{body['userName']}", "type": "home"}]
    user = create(scim_client, "/Users", body)
    path = f"/Users/{user['id']}"
    mail = f"work.{user['userName']}"
    response = scim_client.patch(path, message(
        {"op": op_name(mode, "replace"), "path": WORK_EMAIL, "value": mail}))  # fmt: skip
    accepted(mode, REPLACE_ADDS, response)
    patched(response)
    stored = fetch(scim_client, path, "User")
    emails = attribute(stored, "emails") or []
    values = sorted(str(attribute(e, "value")) for e in emails if isinstance(e, dict))
    wanted = sorted([mail, body["emails"][0]["value"]])
    if work_email(stored) != mail or values != wanted:
        raise misread(REPLACE_ADDS, "the replace was accepted but the work email not added "
                      "beside the home email", f"emails {wanted} (the new one typed work)",
                      f"emails {emails}", response)  # fmt: skip


@MODES
@requirement("C-4.1.1-05")
def test_entra_disabled_user_stays_visible(
    scim_client: ScimClient, user_payload: Payload, service_provider_config: Spc, mode: str
) -> None:
    """After disabling a user (the flag's boolean false; "Replace" without it) Entra still
    reads it: GET /Users/{id} answers 200 with active false and its matching query
    filter=userName eq "<name>" still finds it (C-4.1.1-05: deactivation is not deletion)."""
    needs(service_provider_config, "patch", "Entra disables users with PATCH")
    needs(service_provider_config, "filter", "Entra looks users up with filter=userName eq")
    user = create(scim_client, "/Users", user_payload())
    path = f"/Users/{user['id']}"
    response = scim_client.patch(path, message(
        {"op": op_name(mode, "replace"), "path": "active", "value": False}))  # fmt: skip
    accepted(mode, None, response)
    patched(response)
    got = scim_client.get(path)
    assert_status(got, 200, requirement="C-4.1.1-05",
                  title="A disabled user is no longer retrievable")  # fmt: skip
    found = query(scim_client, "/Users", {"filter": f'userName eq "{user["userName"]}"'},
                  "User", "C-4.1.1-05")  # fmt: skip
    ids = [r.get("id") for r in found]
    check(ids == [user["id"]], "Entra's query for a disabled user does not find it",
          expected=f"exactly {user['id']}", received=ids, requirement="C-4.1.1-05")  # fmt: skip


# -- matching and the validator's queries ---------------------------------------------------


@pytest.mark.parametrize("matching", ["userName", "externalId"])
@requirement("P-3.4.2.2-05", "P-3.4.2.2-02")
def test_entra_matches_user(
    scim_client: ScimClient,
    user_payload: Payload,
    scim_prefix: str,
    resource_types: list[dict[str, Any]],
    service_provider_config: Spc,
    matching: str,
) -> None:
    """Before creating a user Entra looks it up by its matching attribute (the tutorial's "Get
    User by query"): GET /Users?filter=userName eq "<UPN>" by default, externalId eq "<guid>"
    when so mapped. The answer is 200 with exactly that user (P-3.4.2.2-05, P-3.4.2.2-02)."""
    needs(service_provider_config, "filter", f"Entra looks users up with filter={matching} eq")
    body = (
        entra_user(user_payload, scim_prefix)
        if enterprise_offered(resource_types)
        else (user_payload(userName=f"{scim_prefix}-Test_User_{uuid.uuid4()}@testuser.com"))
    )
    user = create(scim_client, "/Users", body)
    create(scim_client, "/Users", user_payload())  # a second user that must not match
    found = query(scim_client, "/Users", {"filter": f'{matching} eq "{body[matching]}"'},
                  "User", "P-3.4.2.2-05")  # fmt: skip
    ids = [r.get("id") for r in found]
    check(ids == [user["id"]], f"Entra's {matching} lookup does not find exactly the user",
          expected=[user["id"]], received=ids, requirement="P-3.4.2.2-05")  # fmt: skip


@pytest.mark.parametrize(
    ("endpoint", "template"),
    [
        ("/Users", 'id eq "{guid}"'),
        ("/Users", 'userName eq "{guid}"'),
        ("/Groups", 'displayName eq "{guid}"'),
    ],
    ids=["user-id", "user-userName", "group-displayName"],
)
@requirement("P-3.4.2-08")
def test_entra_random_guid_query_is_empty(
    scim_client: ScimClient, service_provider_config: Spc, endpoint: str, template: str
) -> None:
    """Entra's validator (and every provisioning cycle) queries for a random GUID, e.g.
    GET /Users?filter=id eq "<guid>" or userName eq "<guid>", and Groups by displayName with
    excludedAttributes=members: a query that matches nothing is 200 with totalResults 0, never
    404 (the tutorial's "Get User by query - Zero results"; P-3.4.2-08)."""
    needs(service_provider_config, "filter", "Entra queries resources with filter=... eq")
    params = {"filter": template.format(guid=uuid.uuid4())}
    if endpoint == "/Groups":
        params = {"excludedAttributes": "members", **params}
    response = scim_client.get(endpoint, params=params)
    body = list_body(response, endpoint.strip("/")[:-1], requirement="P-3.4.2-08")
    check(body.get("totalResults") == 0 and not resources_of(body),
          "A query for a random GUID does not answer an empty list",
          expected="totalResults 0, no Resources",
          received=f"totalResults {body.get('totalResults')}, {len(resources_of(body))} "
          "resource(s)", response=response, requirement="P-3.4.2-08")  # fmt: skip
