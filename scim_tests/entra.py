"""What the Microsoft Entra ID profile checks share: Entra's documented deviations, its request
shapes and the helpers that judge answers as Entra would (``--scim-profile entra``).

The checks are in ``scim_tests/checks/test_profile_entra.py`` (users, matching, the validator's
queries) and ``test_profile_entra_groups.py`` (groups and memberships).
"""

from __future__ import annotations

import uuid
from typing import Any

import pytest

from scim_tests.asserts import assert_status, fail, resources_of
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import feature_supported
from scim_tests.failures import ConformanceFailure
from scim_tests.fixtures import ENTERPRISE_SCHEMA, USER_SCHEMA
from scim_tests.operations import PATCH_OP, Payload
from scim_tests.profiles import DEVIATION_CAUSE, ClientBehaviour, accept_deviation
from scim_tests.query import list_body
from scim_tests.resources import attribute, enterprise_offered

LEGACY = "Microsoft Entra ID (without aadOptscim062020)"
FLAGGED = "Microsoft Entra ID (with aadOptscim062020)"
ENTRA = "Microsoft Entra ID"
#: The two behaviours of Entra's SCIM job, by the parameter id of the checks.
MODES = pytest.mark.parametrize("mode", ["legacy", "aadOptscim062020"])
EMPLOYEE_NUMBER = f"{ENTERPRISE_SCHEMA}:employeeNumber"
WORK_EMAIL = 'emails[type eq "work"].value'
Spc = dict[str, Any] | None


def _compat(rule: str) -> str:
    return f"the server reads it as Entra means it (bundled mock: --scim-mock-compat entra, {rule})"


#: What the bundled strict mock already accepts, the RFC leaving it open.
LENIENT = "the server reads it as Entra means it, as the bundled strict mock does"


CAPITALISED_OP = ClientBehaviour(
    LEGACY,
    'PATCH ops capitalised: "op": "Add" / "Replace" / "Remove"',
    "RFC 7644 §3.5.2: op is add, remove or replace (P-3.5.2-02)",
    LENIENT,
)
STRING_BOOLEAN = ClientBehaviour(
    LEGACY,
    'deactivation as {"op": "Replace", "path": "active", "value": "False"} (a string)',
    "RFC 7643 §2.3.2: a boolean is the JSON literal true or false",
    _compat("entra-string-boolean"),
)
DOTTED_KEYS = ClientBehaviour(
    LEGACY,
    'one pathless "Replace" whose value has dotted and URN-qualified keys '
    f'("name.givenName", "{EMPLOYEE_NUMBER}")',
    "RFC 7644 §3.5.2.3: without path the value holds the attributes to replace, as in a "
    "resource (name: {givenName}, the extension URN: {employeeNumber})",
    LENIENT,
)
REMOVE_BY_VALUE = ClientBehaviour(
    LEGACY,
    'member removal as {"op": "Remove", "path": "members", "value": [{"value": "<id>"}]}',
    "RFC 7644 §3.5.2.2: remove takes no value and, without a value filter, removes every "
    'member; one member is removed by path members[value eq "<id>"]',
    _compat("entra-remove-member-value"),
)
REPLACE_ADDS = ClientBehaviour(
    ENTRA,
    f'{{"op": "replace", "path": "{WORK_EMAIL}"}} on a user without a work email, meaning add',
    "RFC 7644 §3.5.2.3: a replace whose value filter matches nothing is 400 noTarget",
    _compat("entra-filter-no-match-adds"),
)


def op_name(mode: str, name: str) -> str:
    """The op as Entra spells it: capitalised without the flag (\"Replace\")."""
    return name.capitalize() if mode == "legacy" else name


def message(*operations: dict[str, Any]) -> dict[str, Any]:
    """A PatchOp message of ``operations``, as Entra sends it."""
    return {"schemas": [PATCH_OP], "Operations": list(operations)}


def needs(spc: Spc, feature: str, why: str) -> None:
    """Fail (no catalog row violated) when Entra needs ``feature`` and the server says no."""
    __tracebackhide__ = True
    if feature_supported(spc, feature) is False:
        raise fail(
            f"{why}; the server says it does not offer it ({feature}.supported=false in "
            "/ServiceProviderConfig, which Entra does not read: it sends the requests anyway, "
            "and the server does not promise to answer them)",
            expected=f"{feature}.supported=true in /ServiceProviderConfig",
            received=f"{feature}.supported=false",
            cause=f"profile: {ENTRA} needs {feature}",
            uncited=True,
        )


def needs_enterprise(resource_types: list[dict[str, Any]]) -> None:
    """Fail (no catalog row violated) when Users do not offer the enterprise extension."""
    __tracebackhide__ = True
    if not enterprise_offered(resource_types):
        raise fail(
            "Entra's default attribute mappings write the enterprise extension "
            "(employeeNumber, department); /ResourceTypes does not offer it on Users",
            expected=f"{ENTERPRISE_SCHEMA} among the User schemaExtensions",
            received="no enterprise extension on Users",
            cause=f"profile: {ENTRA} needs the enterprise extension",
            uncited=True,
        )


def accepted(mode: str, behaviour: ClientBehaviour | None, response: ScimResponse) -> None:
    """A 2xx for what Entra sends; in legacy mode the capitalised op is a deviation too.

    A 5xx is no refusal of the deviation but a server failure (an ordinary failure, e.g. a 501
    where PATCH is advertised, C-5-12)."""
    __tracebackhide__ = True
    if response.status_code >= 500:
        patched(response)
    if mode == "legacy":
        behaviour = CAPITALISED_OP if behaviour is None else ClientBehaviour(
            behaviour.client,
            f"{CAPITALISED_OP.sends}; {behaviour.sends}",
            f"{CAPITALISED_OP.rule}; {behaviour.rule}",
            f"{behaviour.accept}; ops read case-insensitively",
        )  # fmt: skip
    if behaviour is not None:
        accept_deviation(behaviour, response)


def patched(response: ScimResponse, requirement: str = "P-3.5.2-16") -> None:
    """Entra accepts 200 and 204 alike on PATCH (P-3.5.2-16)."""
    __tracebackhide__ = True
    assert_status(response, 200, 204, requirement=requirement)


def misread(behaviour: ClientBehaviour, title: str, expected: str, received: str,
            response: ScimResponse) -> ConformanceFailure:  # fmt: skip
    """The server took a deviating request (2xx) in the RFC's sense, not in Entra's: no
    catalog row is violated, but the client breaks."""
    return ConformanceFailure(
        f"{behaviour.client} cannot provision this server: {title}",
        expected=f"{expected} (what the client means; strictly the request departs from "
        f"{behaviour.rule})",
        received=received,
        exchange=response.exchange,
        cause=f"{DEVIATION_CAUSE}: {behaviour.client}: {behaviour.sends}",
        uncited=True,
    )


def entra_user(payload: Payload, prefix: str, **extra: Any) -> dict[str, Any]:
    """A User as Entra's POST sends it (the tutorial's "Create User" request): both schemas,
    meta.resourceType, an empty roles array, a work email, the enterprise employeeNumber."""
    body = payload()
    guid = str(uuid.uuid4())
    name = f"{prefix}-Test_User_{guid}@testuser.com"
    return {
        "schemas": [USER_SCHEMA, ENTERPRISE_SCHEMA],
        "externalId": guid,
        "userName": name,
        "active": True,
        "emails": [{"primary": True, "type": "work", "value": name}],
        "meta": {"resourceType": "User"},
        "name": {
            "formatted": body["name"]["formatted"],
            "familyName": body["name"]["familyName"],
            "givenName": body["name"]["givenName"],
        },  # fmt: skip
        "roles": [],
        ENTERPRISE_SCHEMA: {"employeeNumber": guid[:8], "department": "Provisioning"},
        **extra,
    }


def work_email(user: dict[str, Any]) -> Any:
    """The value of the user's (first) work email."""
    emails = attribute(user, "emails") or []
    values = [attribute(e, "value") for e in emails
              if isinstance(e, dict) and str(attribute(e, "type")).lower() == "work"]  # fmt: skip
    return values[0] if values else None


def enterprise(user: dict[str, Any], name: str) -> Any:
    """An enterprise extension attribute of ``user``."""
    extension = attribute(user, ENTERPRISE_SCHEMA)
    return attribute(extension, name) if isinstance(extension, dict) else None


def query(client: ScimClient, endpoint: str, params: dict[str, str], kind: str,
          requirement: str) -> list[dict[str, Any]]:  # fmt: skip
    """GET ``endpoint`` with ``params`` (200 ListResponse); its resources."""
    __tracebackhide__ = True
    response = client.get(endpoint, params=params)
    body = list_body(response, kind, requirement=requirement)
    return resources_of(body)
