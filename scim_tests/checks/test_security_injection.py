"""Security: filter values, PATCH paths and error messages are data, never code (RFC 7644
§3.4.2.2, §3.5.2, §3.12).

Marker users whose displayName holds quotes, ``%``, ``_``, ``\\``, ``)(``, ``.*``, ``*``,
``__proto__``, ``constructor`` and template expressions are created once per module (userName
starting with ``<prefix>-inj``); every eq/co/sw/ew filter on those values, written as a JSON
string (§3.4.2.2), must select exactly what a literal comparison computed here selects among
them: a server that hands the value to SQL ``LIKE`` or to a regular expression unescaped
matches more. Template expressions use ``1337*1337`` so that their evaluation (``1787569``)
cannot appear by chance (SCIMono CVE-2021-21479). PATCH paths ``__proto__`` and
``constructor.prototype`` must not reach shared defaults (scim-patch CVE-2026-48170).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterator
from typing import Any

import pytest

from scim_tests.asserts import assert_scim_error, assert_status, check, json_object
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc, feature_supported
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.operations import PATCH_OP, Payload, fetch
from scim_tests.query import depopulate, list_page, pages, populate
from scim_tests.resources import find_key, value_of

EXPRESSION, EVALUATED = "${1337*1337}", "1787569"
#: displayName values, each with a decoy that an unescaped pattern would also match.
MARKERS = [
    'quo"te', "quo'te", "50%off", "50xoff", "a_b", "axb", "back\\slash", "back/slash",
    "x)(y", "x)y", ".*", "dot.star", "*", "star*", "__proto__", "constructor",
    EXPRESSION, "#{1337*1337}",
]  # fmt: skip
#: Extra values to search for with co: the special characters on their own.
FRAGMENTS = ["%", "_", "\\", '"', ")(", "*", ".*", "${", "__"]
OPERATORS: dict[str, Callable[[str, str], bool]] = {
    "eq": lambda v, x: v == x, "co": lambda v, x: x in v,
    "sw": lambda v, x: v.startswith(x), "ew": lambda v, x: v.endswith(x),
}  # fmt: skip
REQUIREMENT = {"eq": "P-3.4.2.2-05", "co": "P-3.4.2.2-07", "sw": "P-3.4.2.2-08",
               "ew": "P-3.4.2.2-09"}  # fmt: skip


@pytest.fixture(scope="module")
def _marker_cache(scim_discovery_client: ScimClient) -> Iterator[list[dict[str, Any]]]:
    users: list[dict[str, Any]] = []
    yield users
    depopulate(scim_discovery_client, users)


@pytest.fixture
def markers(
    _marker_cache: list[dict[str, Any]], scim_discovery_client: ScimClient,
    user_payload: Payload, scim_prefix: str,
) -> tuple[str, list[dict[str, Any]]]:  # fmt: skip
    """(userName prefix, the marker users, one per MARKERS value)."""
    tag = f"{scim_prefix}-inj"

    def bodies() -> list[dict[str, Any]]:
        return [user_payload(userName=f"{tag}-{i}@example.com", displayName=value)
                for i, value in enumerate(MARKERS)]  # fmt: skip

    return tag, populate(scim_discovery_client, _marker_cache, bodies)


def _selected(client: ScimClient, text: str, requirement: str) -> tuple[set[str], ScimResponse]:
    """The ids ``filter=text`` selects over every page."""
    __tracebackhide__ = True
    found, response = pages(lambda start: list_page(
        client, {"filter": text, "startIndex": str(start), "count": "100"},
        requirement=requirement))  # fmt: skip
    return {str(r.get("id")) for r in found}, response


def _no_evaluation(response: ScimResponse, what: str, requirement: Any) -> None:
    __tracebackhide__ = True
    check(EVALUATED not in response.text, f"{what} evaluated a template expression",
          expected=f"{EXPRESSION} kept as text", received=f"the answer contains {EVALUATED}",
          response=response, requirement=requirement)  # fmt: skip


@pytest.mark.scim_feature("filter")
@pytest.mark.parametrize("op", sorted(OPERATORS))
@requirement("P-3.4.2.2-02", "P-3.4.2.2-05", "P-3.4.2.2-07", "P-3.4.2.2-08", "P-3.4.2.2-09")
def test_filter_values_match_literally(
    scim_client: ScimClient, markers: tuple[str, list[dict[str, Any]]], op: str
) -> None:
    """For each marker value (and, with co, each special character alone), ``displayName <op>
    "<value>" and userName sw "<prefix>-inj"`` selects exactly the markers a literal,
    case-insensitive comparison selects, and no answer holds an evaluated expression
    (P-3.4.2.2-02/-05/-07/-08/-09)."""
    tag, users = markers
    names = {str(u["id"]): str(value_of(u, "displayName")).lower() for u in users}
    values = MARKERS + (FRAGMENTS if op == "co" else [])
    for value in dict.fromkeys(values):
        text = f"displayName {op} {json.dumps(value)} and userName sw {json.dumps(tag)}"
        found, response = _selected(scim_client, text, REQUIREMENT[op])
        wanted = {i for i, name in names.items() if OPERATORS[op](name, value.lower())}
        check(found == wanted, f"displayName {op} {json.dumps(value)} does not match literally",
              expected=sorted(names[i] for i in wanted),
              received=sorted(names.get(i, i) for i in found), response=response,
              requirement=(REQUIREMENT[op], "P-3.4.2.2-02"))  # fmt: skip
        _no_evaluation(response, "A filter", REQUIREMENT[op])


@pytest.mark.scim_feature("filter")
@requirement("P-3.4.2.2-02", "C-7-13")
def test_injection_filters_change_nothing(
    scim_client: ScimClient, markers: tuple[str, list[dict[str, Any]]]
) -> None:
    """Filters built like injections (a quote closing the string, ``) or (``, ``*``) answer
    200 with only literal matches, or 400 invalidFilter, and leave every marker as it was
    (P-3.4.2.2-02, C-7-13)."""
    tag, users = markers
    crafted = [
        f'displayName eq "x\\" or userName pr or \\"" and userName sw "{tag}"',
        f'displayName eq "*" and userName sw "{tag}"',
        f'displayName co "\') or 1=1 --" and userName sw "{tag}"',
    ]
    star = {str(u["id"]) for u in users if value_of(u, "displayName") == "*"}
    for text, wanted in zip(crafted, [set(), star, set()], strict=True):
        response = scim_client.get("/Users", params={"filter": text, "count": "100"})
        if response.status_code == 400:
            assert_scim_error(response, 400, "invalidFilter", requirement="P-3.4.2.2-04")
            continue
        found, response = _selected(scim_client, text, "P-3.4.2.2-02")
        check(found == wanted, "An injection-shaped filter matched more",
              expected=sorted(wanted), received=sorted(found), response=response,
              requirement="P-3.4.2.2-02")  # fmt: skip
    for user in users:
        shown = fetch(scim_client, f"/Users/{user['id']}", "User")
        check(value_of(shown, "displayName") == value_of(user, "displayName"),
              "A filter changed a marker user", expected=value_of(user, "displayName"),
              received=value_of(shown, "displayName"), requirement="C-7-13")  # fmt: skip


PROTOTYPE_PATHS = ["__proto__", "__proto__.polluted", "constructor.prototype.polluted"]


@pytest.mark.scim_feature("patch")
@requirement("P-3.5.2-07")
def test_patch_prototype_paths_reach_nothing(
    scim_client: ScimClient, new_user: dict[str, Any], user_payload: Payload
) -> None:
    """PATCH add with paths ``__proto__`` (value {"polluted": …}), ``__proto__.polluted`` and
    ``constructor.prototype.polluted`` is refused with 400 (invalidPath, or noTarget /
    invalidValue for the last, which is well-formed but names no attribute) and afterwards
    neither the user nor a fresh one has a ``polluted`` attribute (scim-patch CVE-2026-48170;
    P-3.5.2-07)."""
    path = f"/Users/{new_user['id']}"
    for target in PROTOTYPE_PATHS:
        value: Any = {"polluted": "yes"} if target == "__proto__" else "yes"
        op = {"op": "add", "path": target, "value": value}
        response = scim_client.patch(path, {"schemas": [PATCH_OP], "Operations": [op]})
        if target.startswith("__"):  # not an ATTRNAME (RFC 7644 §3.10): malformed
            assert_scim_error(response, 400, "invalidPath", requirement="P-3.5.2-07")
        else:
            assert_status(response, 400, 200, 204, requirement="P-3.5.2-07")
    fresh = create(scim_client, "/Users", user_payload())
    for resource_id in (new_user["id"], fresh["id"]):
        answer = scim_client.get(f"/Users/{resource_id}")
        shown = fetch(scim_client, f"/Users/{resource_id}", "User")
        check(not find_key(shown, "polluted"), "A PATCH path reached shared defaults",
              expected="no polluted attribute", received=f"polluted: {shown.get('polluted')}",
              response=answer, requirement="P-3.5.2-07")  # fmt: skip


@requirement("P-3.12-01", "P-3.4.2.2-04", "P-3.5.2-07")
def test_error_details_do_not_evaluate_expressions(
    scim_client: ScimClient, new_user: dict[str, Any], service_provider_config: Spc
) -> None:
    """Errors provoked with a template expression in the request (an unquoted filter value, a
    PATCH path, an unknown sort attribute) quote it, if at all, as text: no error body
    contains its value 1787569 (SCIMono CVE-2021-21479; P-3.12-01, P-3.4.2.2-04,
    P-3.5.2-07)."""
    answers: list[ScimResponse] = []
    if feature_supported(service_provider_config, "filter") is not False:
        response = scim_client.get("/Users", params={"filter": f"displayName eq {EXPRESSION}"})
        assert_scim_error(response, 400, "invalidFilter", requirement="P-3.4.2.2-04")
        answers.append(response)
        response = scim_client.get("/Users", params={"filter": f'{EXPRESSION} eq "x"'})
        assert_status(response, 400, 200, requirement="P-3.4.2.2-04")
        answers.append(response)
    if feature_supported(service_provider_config, "patch") is not False:
        op = {"op": "add", "path": EXPRESSION, "value": "x"}
        response = scim_client.patch(f"/Users/{new_user['id']}",
                                     {"schemas": [PATCH_OP], "Operations": [op]})  # fmt: skip
        assert_scim_error(response, 400, requirement="P-3.5.2-07")
        answers.append(response)
    body = json_object(scim_client.get(f"/Users/{new_user['id']}"))
    check(isinstance(body, dict), "The user cannot be read", requirement="P-3.4.1-01")
    for response in answers:
        _no_evaluation(response, "An error message", "P-3.12-01")
