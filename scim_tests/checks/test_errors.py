"""Error responses (RFC 7644 §3.12, §3.2, §3.11).

Errors are signalled by the HTTP status and described by a SCIM Error body whose ``status`` is
the status code as a string; ``scimType`` uses the RFC's keywords. Operations the provider does
not implement (an unsupported PATCH or Bulk, /Me) answer 501.
"""

from __future__ import annotations

from collections.abc import Callable
from typing import Any

import pytest

from scim_tests.asserts import (
    SCIM_TYPES,
    assert_scim_error,
    assert_status,
    check,
    json_object,
)
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import feature_supported
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.resources import USER_SCHEMA, definitions, schema_attributes

PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
BULK_REQUEST = "urn:ietf:params:scim:api:messages:2.0:BulkRequest"
MALFORMED = '{"schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"], "userName": '
UNKNOWN_ENDPOINT = "/ScimctNoSuchEndpoint"


def _provoke(kind: str, client: ScimClient, probe_id: str) -> ScimResponse:
    """An error response of the given kind."""
    if kind == "unknown-user":
        return client.get(f"/Users/{probe_id}")
    if kind == "unknown-group":
        return client.get(f"/Groups/{probe_id}")
    if kind == "unknown-endpoint":
        return client.get(UNKNOWN_ENDPOINT)
    return client.post("/Users", data=MALFORMED)


@pytest.mark.parametrize("kind", ["unknown-user", "unknown-group", "unknown-endpoint"])
@requirement("P-3.12-10")
def test_unknown_resource_or_endpoint_answers_404(
    scim_client: ScimClient, scim_ownership: Any, kind: str
) -> None:
    """A resource id nobody holds, or an endpoint that does not exist, answers 404
    (P-3.12-10)."""
    assert_status(_provoke(kind, scim_client, scim_ownership.probe_id()), 404,
                  requirement="P-3.12-10")  # fmt: skip


@pytest.mark.parametrize("kind", ["unknown-user", "unknown-endpoint", "malformed-json"])
@requirement("P-3.12-01", "P-3.12-02", "P-3.12-03", "P-3.12-04", "P-3.2-04")
def test_error_bodies_are_scim_errors(
    scim_client: ScimClient, scim_ownership: Any, kind: str
) -> None:
    """An error answer carries a JSON SCIM Error: the Error schema URN, and ``status`` as a
    string equal to the HTTP status (P-3.12-01..04, P-3.2-04)."""
    response = _provoke(kind, scim_client, scim_ownership.probe_id())
    check(response.status_code >= 400, "The request was not refused",
          expected="an error status (4xx)", received=response.status_code, response=response,
          requirement="P-3.2-03")  # fmt: skip
    assert_scim_error(response, requirement="P-3.12-01")


@requirement("P-3.12-07", "P-3.12-19")
def test_malformed_json_answers_400_invalid_syntax(scim_client: ScimClient) -> None:
    """A body that is not well-formed JSON is answered 400 with scimType invalidSyntax
    (P-3.12-07, P-3.12-19)."""
    response = scim_client.post("/Users", data=MALFORMED)
    assert_scim_error(response, 400, "invalidSyntax", requirement="P-3.12-19")


@requirement("P-3.2-03")
def test_errors_are_signalled_by_the_status_code(
    scim_client: ScimClient, new_user: dict[str, Any], scim_ownership: Any
) -> None:
    """A missing resource, a malformed body and a duplicate userName are refused through the
    status line, never answered 2xx with an error body (P-3.2-03)."""
    duplicate = {k: v for k, v in new_user.items() if k not in ("id", "meta", "groups")}
    for response in (
        scim_client.get(f"/Users/{scim_ownership.probe_id()}"),
        scim_client.post("/Users", data=MALFORMED),
        scim_client.post("/Users", duplicate),
    ):
        check(400 <= response.status_code < 600, "An error was answered with a success status",
              expected="4xx", received=response.status_code, response=response,
              requirement="P-3.2-03")  # fmt: skip


@requirement("P-3.12-22")
def test_wrong_value_type_answers_400_invalid_value(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> None:
    """A value of the wrong JSON type (a string for the boolean emails.primary) is refused
    with 400 invalidValue (P-3.12-22)."""
    body = user_payload()
    body["emails"] = [{**body["emails"][0], "primary": "scimct-not-a-boolean"}]
    response = scim_client.post("/Users", body)
    assert_scim_error(response, 400, "invalidValue", requirement="P-3.12-22")


#: Not base64 (RFC 4648 §4): spaces and punctuation outside the alphabet.
NOT_BASE64 = "scimct: not base64 %"


@requirement("P-3.12-22", "C-2.3.6-01")
def test_binary_value_that_is_not_base64_is_refused(
    scim_client: ScimClient,
    user_payload: Callable[..., dict[str, Any]],
    scim_schemas: dict[str, dict[str, Any]],
) -> None:
    """A value that is not base64 for a writable binary User attribute (x509Certificates.value
    in RFC 7643) is refused with 400 invalidValue (P-3.12-22); a provider that accepts it must
    not show it back as binary data it is not (C-2.3.6-01). Never a server error."""
    binaries = [a for a in schema_attributes(scim_schemas, USER_SCHEMA, sub_attributes=True,
                                             type="binary")
                if a.mutability in ("readWrite", "writeOnly")]  # fmt: skip
    if not binaries:
        pytest.skip("/Schemas declares no writable binary User attribute")
    parent, _, sub = binaries[0].path.partition(".")
    top = next(d for d in definitions(scim_schemas, USER_SCHEMA) if d.path == parent)
    value: Any = {sub: NOT_BASE64} if sub else NOT_BASE64
    body = {**user_payload(), parent: [value] if top.multi_valued else value}
    response = scim_client.post("/Users", body)
    title = f"A non-base64 {binaries[0].path} was answered neither 400 nor 201"
    assert_status(response, 400, 201, requirement="P-3.12-22", title=title)
    if response.status_code == 400:
        assert_scim_error(response, 400, "invalidValue", requirement="P-3.12-22")
        return
    json_object(response)  # the client registered the created user for the run's cleanup
    check(NOT_BASE64 not in response.text, "A non-base64 value is shown as a binary value",
          expected=f"400 invalidValue, or {binaries[0].path} stored as base64",
          received=NOT_BASE64, response=response, requirement="C-2.3.6-01")  # fmt: skip


@requirement("P-3.12-05")
def test_scim_type_values_are_rfc_keywords(
    scim_client: ScimClient,
    user_payload: Callable[..., dict[str, Any]],
    service_provider_config: dict[str, Any] | None,
) -> None:
    """Every scimType a provider sends is one of the keywords RFC 7644 §3.12 defines
    (P-3.12-05)."""
    no_user_name = user_payload()
    del no_user_name["userName"]
    duplicate = user_payload()
    create(scim_client, "/Users", duplicate)
    responses = [
        scim_client.post("/Users", data=MALFORMED),
        scim_client.post("/Users", no_user_name),
        scim_client.post("/Users", duplicate),
        scim_client.post("/Users", {**user_payload(), "active": "scimct-not-a-boolean"}),
    ]
    if feature_supported(service_provider_config, "filter"):
        responses.append(scim_client.get("/Users", params={"filter": "userName eq"}))
    for response in responses:
        body = response.maybe_json() if response.status_code >= 400 else None
        if isinstance(body, dict) and "scimType" in body:
            check(body["scimType"] in SCIM_TYPES, "scimType is not an RFC 7644 keyword",
                  expected=" | ".join(SCIM_TYPES), received=body["scimType"],
                  response=response, requirement="P-3.12-05")  # fmt: skip


@requirement("P-3.12-14")
def test_unsupported_operations_answer_501(
    scim_client: ScimClient, new_user: dict[str, Any]
) -> None:
    """An operation /ServiceProviderConfig says is unsupported (PATCH, Bulk) answers 501 Not
    Implemented (P-3.12-14)."""
    response = scim_client.get("/ServiceProviderConfig")
    spc = json_object(response, requirement="P-4-01")
    probes: list[tuple[str, str, dict[str, Any]]] = []
    if feature_supported(spc, "patch") is False:
        change = {"op": "replace", "path": "nickName", "value": "scimct"}
        probes.append(("PATCH", f"/Users/{new_user['id']}",
                       {"schemas": [PATCH_OP], "Operations": [change]}))  # fmt: skip
    if feature_supported(spc, "bulk") is False:
        probes.append(("POST", "/Bulk", {"schemas": [BULK_REQUEST], "Operations": []}))
    if not probes:
        pytest.skip("ServiceProviderConfig advertises both PATCH and Bulk as supported")
    for method, path, body in probes:
        assert_status(scim_client.request(method, path, json_body=body), 501,
                      requirement="P-3.12-14")  # fmt: skip


@requirement("P-3.11-01")
def test_me_is_served_redirected_or_not_implemented(scim_client: ScimClient) -> None:
    """/Me is served (200), redirected (308) or answered 501 Not Implemented; 404 is not the
    way to say it is unsupported (P-3.11-01)."""
    response = scim_client.get("/Me")
    assert_status(response, 200, 308, 501, requirement="P-3.11-01")
    if response.status_code == 501:
        assert_scim_error(response, 501, requirement="P-3.11-01")
