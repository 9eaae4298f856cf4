"""The PATCH matrix as data (RFC 7644 §3.5.2, §3.5.2.1-§3.5.2.3; fixtures/patch/*.json).

Each case starts from a fresh resource built from its group's ``resource`` (placeholders
filled: ``{prefix}`` a run-unique token, ``{member:N}`` the id of an extra User made for the
case), sends one PATCH and checks the answer: success is 200 with a valid resource or 204
(P-3.5.2-16); an error is a SCIM Error with one of the allowed scimType values (P-3.5.2-15).
Then the resource is read back by GET and the case's ``then`` assertions are evaluated; their
small language is documented in schemas/meta/patch.schema.json. What the RFC leaves open is
tolerated: attribute-name case, server-added sub-attributes (display, $ref), the case of
caseExact=false strings and the order of multi-valued values.
"""

from __future__ import annotations

import itertools
import json
import re
import uuid
from typing import Any

import pytest

from scim_tests import data
from scim_tests.asserts import assert_scim_error, assert_status, assert_valid, check, json_object
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.data import Case
from scim_tests.fixtures import create
from scim_tests.groups import CREATED_WITHOUT_MEMBERS, member_ids
from scim_tests.operations import PATCH_OP, read
from scim_tests.resources import attribute, enterprise_offered, equivalent

ENDPOINTS = {"User": "/Users", "Group": "/Groups"}
_MEMBER = re.compile(r"\{member:(\d+)\}")
_PATH = re.compile(
    r"^(?:(?P<urn>urn:.+):)?(?P<attr>[$\w-]+)"
    r"(?:\[(?P<fattr>[$\w-]+) eq (?P<literal>.+)\])?(?:\.(?P<sub>[$\w-]+))?$",
    re.IGNORECASE,
)
_COUNTER = itertools.count(1)


# -- placeholders ----------------------------------------------------------------------------


def fill(value: Any, names: dict[str, str]) -> Any:
    """``value`` with every ``{prefix}`` / ``{member:N}`` placeholder replaced."""
    if isinstance(value, str):
        for placeholder, text in names.items():
            value = value.replace(placeholder, text)
        return value
    if isinstance(value, list):
        return [fill(v, names) for v in value]
    if isinstance(value, dict):
        return {fill(k, names): fill(v, names) for k, v in value.items()}
    return value


def members_needed(case: Case) -> int:
    """How many extra users the case refers to (the largest N of ``{member:N}``)."""
    text = json.dumps([case.group["resource"], case.test])
    return max((int(n) for n in _MEMBER.findall(text)), default=0)


# -- the assertion language ------------------------------------------------------------------


def select(resource: dict[str, Any], path: str) -> list[Any]:
    """The values ``path`` selects in ``resource`` (see the meta-schema's ``assertion``)."""
    match = _PATH.match(path)
    if match is None:
        raise ValueError(f"unsupported assertion path {path!r}")
    container: Any = resource
    if match["urn"]:
        container = attribute(resource, match["urn"])
    value = attribute(container, match["attr"]) if isinstance(container, dict) else None
    items = value if isinstance(value, list) else [] if value is None else [value]
    if match["fattr"]:
        wanted = json.loads(match["literal"])
        items = [
            i for i in items if isinstance(i, dict) and same(wanted, attribute(i, match["fattr"]))
        ]
    if match["sub"]:
        subs = [attribute(i, match["sub"]) if isinstance(i, dict) else None for i in items]
        items = [s for s in subs if s is not None]
    return [i for i in items if i is not None and i != []]


def same(expected: Any, found: Any) -> bool:
    """Whether ``found`` matches ``expected``: strings case-insensitively, objects by their
    expected members (extra members tolerated), lists element by element in any order
    (multi-valued values are unordered, RFC 7643 §2.4)."""
    if isinstance(expected, str):
        return isinstance(found, str) and expected.casefold() == found.casefold()
    if isinstance(expected, dict):
        return isinstance(found, dict) and all(
            same(v, attribute(found, k)) for k, v in expected.items()
        )
    if isinstance(expected, list):
        return isinstance(found, list) and one_to_one(expected, found)
    return type(expected) is type(found) and expected == found


def one_to_one(expected: list[Any], found: list[Any]) -> bool:
    """Whether each expected value matches a distinct found value, none left over."""
    rest = list(found)
    for wanted in expected:
        hit = next((i for i, f in enumerate(rest) if same(wanted, f)), None)
        if hit is None:
            return False
        rest.pop(hit)
    return not rest


def primary(value: Any) -> bool:
    """Whether a multi-valued element carries primary=true."""
    return isinstance(value, dict) and attribute(value, "primary") is True


def evaluate(assertion: dict[str, Any], resource: dict[str, Any], before: dict[str, Any]) -> str:
    """An empty string when ``assertion`` holds, else what was received."""
    if "unchanged" in assertion:
        # Equal as representations: key order, null for unassigned and the order of
        # multi-valued values are the server's choice (RFC 7643 §2.4, §2.5).
        unchanged = equivalent(resource, before)
        return "" if unchanged else f"resource changed from {json.dumps(before)}"
    if "absent" in assertion:
        found = select(resource, assertion["absent"])
        return f"{assertion['absent']} = {json.dumps(found)}" if found else ""
    found = select(resource, assertion["path"])
    shown = f"{assertion['path']} selects {json.dumps(found)}"
    if "equals" in assertion:
        ok = len(found) == 1 and same(assertion["equals"], found[0])
    elif "count" in assertion:
        ok = len(found) == assertion["count"]
    elif "values" in assertion:
        ok = one_to_one(assertion["values"], found)
    elif "contains" in assertion:
        ok = all(any(same(w, f) for f in found) for w in assertion["contains"])
    else:
        ok = sum(primary(f) for f in found) == assertion["primary_count"]
    return "" if ok else shown


def describe(assertion: dict[str, Any]) -> str:
    """The assertion as the expectation of a failure."""
    return json.dumps(assertion)


# -- the runner ------------------------------------------------------------------------------


def run_case(
    client: ScimClient, kind: str, body: dict[str, Any], request: Any
) -> tuple[ScimResponse, dict[str, Any]]:
    """Create the resource, send the PATCH; the answer and the resource before it."""
    created = create(client, ENDPOINTS[kind], body)
    path = f"{ENDPOINTS[kind]}/{created['id']}"
    before, response = read(client, path, kind)
    wanted = {str(m.get("value")) for m in body.get("members") or [] if isinstance(m, dict)}
    # The case starts from these members: a create that lost them blocks the case (C-4.2-03),
    # rather than making the PATCH look as if it dropped them.
    check(kind != "Group" or set(member_ids(before)) == wanted,
          "A group created with members does not list them",
          expected=f"members {sorted(wanted)}", received=f"members {member_ids(before)}",
          response=response, requirement="C-4.2-03", cause=CREATED_WITHOUT_MEMBERS,
          blocked=True)  # fmt: skip
    return client.patch(path, request), before


@pytest.mark.parametrize("case", data.params("patch"))
def test_patch_case(
    case: Case,
    scim_client: ScimClient,
    scim_prefix: str,
    user_payload: Any,
    resource_types: list[dict[str, Any]],
    scim_extra_user_attributes: dict[str, Any],
    scim_extra_group_attributes: dict[str, Any],
) -> None:
    """One PATCH case of fixtures/patch: the status (200 with the resource or 204 on success,
    a SCIM Error with an allowed scimType on failure) and the resource read back afterwards
    match the case (the requirement ids come from the case's spec)."""
    group, test = case.group, case.test
    if "enterprise" in group.get("needs", []) and not enterprise_offered(resource_types):
        pytest.skip("/ResourceTypes does not offer the enterprise extension on Users")
    ids = list(case.requirements)
    names = {"{prefix}": f"{scim_prefix}-p{next(_COUNTER)}-{uuid.uuid4().hex[:6]}"}
    for n in range(1, members_needed(case) + 1):
        names[f"{{member:{n}}}"] = create(scim_client, "/Users", user_payload())["id"]
    kind = group["resource_type"]
    extra = scim_extra_user_attributes if kind == "User" else scim_extra_group_attributes
    body = {**extra, **fill(group["resource"], names)}
    if any(k.startswith("urn:") for k in extra):
        body["schemas"] = [*body["schemas"], *(k for k in extra if k.startswith("urn:"))]
        body["schemas"] = list(dict.fromkeys(body["schemas"]))
    request = fill(test["body"], names) if "body" in test else {
        "schemas": [PATCH_OP], "Operations": fill(test["operations"], names)}  # fmt: skip
    response, before = run_case(scim_client, kind, body, request)
    expect = test["expect"]
    assert_status(response, *expect["status"], requirement=ids)
    if response.status_code >= 400:
        assert_scim_error(response, response.status_code, expect.get("scimType"), requirement=ids)
    elif response.status_code == 200:
        assert_valid(json_object(response), kind, response=response, requirement="P-3.5.2-16")
    else:
        check(not response.text.strip(), "A 204 answer to PATCH carries a body",
              expected="no body", received=response.text[:200], response=response,
              requirement="P-3.5.2-16")  # fmt: skip
    after, got = read(scim_client, f"{ENDPOINTS[kind]}/{before['id']}", kind)
    for assertion in expect.get("then", []):
        wanted = fill(assertion, names)
        received = evaluate(wanted, after, before)
        check(not received, f"After the PATCH ({case.test['description']}) the resource does "
              "not match the case", expected=describe(wanted), received=received, response=got,
              requirement=ids)  # fmt: skip
