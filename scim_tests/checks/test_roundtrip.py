"""Property-based round trips (RFC 7644 §3.1, §3.3, §3.5.1; RFC 7643 §2, §3.1, §7).

Random valid Users and Groups, generated from the server's own /Schemas
(:mod:`scim_tests.strategies`), go POST -> GET -> PUT -> GET; every readWrite value the client
sent must still be there after each step. What the RFC lets a server change is tolerated: the
case of caseExact=false values (C-7-12), sub-attributes it adds (display, $ref, type), the
order of multi-valued values, an omitted ``primary: false`` (C-2.4-03), phone numbers
rewritten in RFC 3966 form, another spelling of the same dateTime or base64 value.

Hypothesis draws the bodies (profile ``scim-ci`` by default; ``--hypothesis-profile`` picks
another); a failure prints the shrunk bodies. Each example creates and deletes its own resource
through a module-wide client, so no function-scoped fixture holds per-example state.
"""

from __future__ import annotations

import base64
import binascii
import re
from collections.abc import Iterator, Mapping, Sequence
from dataclasses import replace
from datetime import datetime
from typing import Any

import pytest
from hypothesis import Phase, given, settings
from hypothesis import strategies as st

from scim_tests.asserts import assert_status, check
from scim_tests.client import ScimClient
from scim_tests.fixtures import create
from scim_tests.markers import requirement
from scim_tests.resources import (
    CORE_SCHEMAS,
    ENTERPRISE_SCHEMA,
    SchemaAttribute,
    assert_resource,
    definitions,
    find_key,
)
from scim_tests.strategies import resource_bodies

Schemas = dict[str, dict[str, Any]]
Body = dict[str, Any]
EXTERNAL_ID = SchemaAttribute("externalId", case_exact=True)
#: Hypothesis' "explain" phase re-runs a failing example hundreds of times over HTTP; skip it.
NO_EXPLAIN = (Phase.explicit, Phase.reuse, Phase.generate, Phase.shrink)
ROUND_TRIP_IDS = ("P-3.1-03", "P-3.5.1-02", "C-7-11", "C-3.1-12", "C-2.2-01", "C-3.3-02")


@pytest.fixture(scope="module")
def roundtrip_client(scim_discovery_client: ScimClient) -> Iterator[ScimClient]:
    """A client of its own for this module; deletes what it created at module end."""
    base = scim_discovery_client
    client = ScimClient(base.session, base.base_url, timeout=base.timeout,
                        auth_headers=base.auth_headers, ownership=base.ownership)  # fmt: skip
    yield client
    client.cleanup()


@pytest.fixture(scope="module")
def roundtrip_people(roundtrip_client: ScimClient, scim_prefix: str) -> list[str]:
    """Two Users that generated Groups list as members and Users name as manager."""
    ids = []
    for n in (1, 2):
        body = {"schemas": [CORE_SCHEMAS["User"]], "displayName": f"Round Trip Reference {n}",
                "userName": f"{scim_prefix}-rtref-{n}@example.com"}  # fmt: skip
        ids.append(create(roundtrip_client, "/Users", body)["id"])
    return ids


def _extensions(resource_types: list[dict[str, Any]], kind: str) -> list[str]:
    declared = next((r for r in resource_types if r.get("name") == kind), {})
    return [str(e.get("schema")) for e in declared.get("schemaExtensions", []) or []
            if isinstance(e, dict) and e.get("schema")]  # fmt: skip


class RoundTrip:
    """What every example needs: the module's client, the strategies and /Schemas.

    One small-repr fixture rather than three (and no dataclass, which Hypothesis would print
    field by field): Hypothesis prints the test's arguments with a failing example, and the
    /Schemas document alone is tens of kilobytes.
    """

    def __init__(
        self, client: ScimClient, bodies: dict[str, st.SearchStrategy[Body]], schemas: Schemas
    ) -> None:
        self.client, self.bodies, self.schemas = client, bodies, schemas

    def __repr__(self) -> str:
        return f"RoundTrip({self.client.base_url!r})"


@pytest.fixture(scope="module")
def roundtrip(
    roundtrip_client: ScimClient, scim_schemas: Schemas, scim_prefix: str,
    resource_types: list[dict[str, Any]], roundtrip_people: list[str],
) -> RoundTrip:  # fmt: skip
    """Strategies for User and Group bodies from this server's /Schemas, with the client."""
    user_extensions = [e for e in _extensions(resource_types, "User")
                       if e.lower() == ENTERPRISE_SCHEMA.lower()]  # fmt: skip
    bodies = {
        "User": resource_bodies(
            scim_schemas,
            "User",
            scim_prefix,
            extensions=user_extensions,
            manager_ids=roundtrip_people,
        ),  # fmt: skip
        "Group": resource_bodies(
            scim_schemas, "Group", scim_prefix, member_ids=roundtrip_people
        ),  # fmt: skip
    }
    return RoundTrip(roundtrip_client, bodies, scim_schemas)


# -- comparison -----------------------------------------------------------------------------


def _instant(value: Any) -> float | None:
    try:
        return datetime.fromisoformat(str(value).replace("Z", "+00:00")).timestamp()
    except ValueError:
        return None


def _bytes(value: Any) -> bytes | None:
    text = str(value).strip()
    try:
        return base64.b64decode(text + "=" * (-len(text) % 4), validate=True)
    except (binascii.Error, ValueError):
        return None


def same_value(attribute: SchemaAttribute, sent: Any, got: Any) -> bool:
    """Whether ``got`` is ``sent`` as the RFC lets a server store it."""
    if attribute.type == "dateTime":
        return _instant(sent) is not None and _instant(sent) == _instant(got)
    if attribute.type == "binary":
        return _bytes(sent) is not None and _bytes(sent) == _bytes(got)
    if attribute.type == "decimal" and isinstance(got, (int, float)):
        return float(sent) == float(got)
    if attribute.path.lower() == "phonenumbers.value" and isinstance(got, str):
        return re.sub(r"\D", "", str(sent)) == re.sub(r"\D", "", got)  # RFC 3966 canonical form
    if isinstance(sent, str) and isinstance(got, str) and not attribute.case_exact:
        return sent.casefold() == got.casefold()  # C-7-12
    return bool(sent == got and type(sent) is type(got))


def _sub_problems(attribute: SchemaAttribute, sent: Mapping[str, Any], got: Any) -> list[str]:
    if not isinstance(got, Mapping):
        return [f"{attribute.path}: sent {dict(sent)}, got {got!r}"]
    problems = []
    for name, value in sent.items():
        sub = attribute.sub(name) or SchemaAttribute(f"{attribute.path}.{name}")
        key = find_key(got, name)
        shown = got.get(key) if key is not None else None
        if shown is None and sub.name.lower() == "primary" and value is False:
            continue  # a value without primary counts as primary=false (C-2.4-03)
        if shown is None or not same_value(sub, value, shown):
            problems.append(f"{sub.path}: sent {value!r}, got {shown!r}")
    return problems


def _multi_problems(attribute: SchemaAttribute, sent: list[Any], got: Any) -> list[str]:
    if not isinstance(got, list):
        return [f"{attribute.path}: sent {len(sent)} value(s), got {got!r}"]
    left = list(got)
    single = replace(attribute, multi_valued=False)
    problems = []
    for value in sent:
        match = next((g for g in left if not _problems_of(single, value, g)), None)
        if match is None:
            problems.append(f"{attribute.path}: {value!r} is missing from {got!r}")
        else:
            left.remove(match)
    return problems


def _problems_of(attribute: SchemaAttribute, sent: Any, got: Any) -> list[str]:
    if got is None:
        return [f"{attribute.path}: sent {sent!r}, got nothing"]
    if attribute.multi_valued:
        return _multi_problems(attribute, list(sent), got)
    if isinstance(sent, Mapping):
        return _sub_problems(attribute, sent, got)
    if not same_value(attribute, sent, got):
        return [f"{attribute.path}: sent {sent!r}, got {got!r}"]
    return []


def lost_values(
    sent: Body, shown: Mapping[str, Any], scim_schemas: Schemas, kind: str
) -> list[str]:
    """What of ``sent`` the stored resource ``shown`` no longer holds (empty when preserved)."""
    declared = {a.name.lower(): a for a in definitions(scim_schemas, CORE_SCHEMAS[kind])}
    declared["externalid"] = EXTERNAL_ID
    problems = []
    for name, value in sent.items():
        if name.lower() == "schemas":
            continue
        key = find_key(shown, name)
        got = shown.get(key) if key is not None else None
        if name.lower().startswith("urn:"):
            extension = {a.name.lower(): a for a in definitions(scim_schemas, name)}
            got_map = got if isinstance(got, Mapping) else {}
            for sub, sub_value in value.items():
                attribute = extension.get(sub.lower(), SchemaAttribute(sub))
                found = find_key(got_map, sub)
                shown_sub = got_map.get(found) if found is not None else None
                problems += [f"{name}:{p}" for p in _problems_of(attribute, sub_value, shown_sub)]
            continue
        attribute = declared.get(name.lower(), SchemaAttribute(name))
        problems += _problems_of(attribute, value, got)
    return problems


# -- the round trip -------------------------------------------------------------------------


def _replacement(kind: str, first: Body, second: Body) -> Body:
    """The PUT body: the second draw, keeping the first's members (their ids are immutable)."""
    body = dict(second)
    members = find_key(first, "members")
    if kind == "Group":
        body.pop("members", None)
        if members is not None:
            body["members"] = first[members]
    return body


def round_trip(
    client: ScimClient, kind: str, first: Body, second: Body, scim_schemas: Schemas,
    ids: Sequence[str] = ROUND_TRIP_IDS,
) -> None:  # fmt: skip
    """POST ``first``, GET, PUT the replacement from ``second``, GET; values must survive."""
    __tracebackhide__ = True
    client.exchanges.clear()
    response = client.post(f"/{kind}s", first)
    assert_status(response, 201, requirement="P-3.3-03")
    created = assert_resource(response, kind, scim_schemas)
    path = f"/{kind}s/{created['id']}"
    try:
        steps = (("POST", first), ("PUT", _replacement(kind, first, second)))
        for step, sent in steps:
            if step == "PUT":
                answer = client.put(path, sent)
                assert_status(answer, 200, requirement="P-3.5.1-08")
                assert_resource(answer, kind, scim_schemas)
            fetched = client.get(path)
            assert_status(fetched, 200)
            shown = assert_resource(fetched, kind, scim_schemas, requirement="P-3.1-03")
            lost = lost_values(sent, shown, scim_schemas, kind)
            check(not lost, f"Values sent with {step} did not survive the round trip",
                  expected=f"every readWrite value of the {step} body (case of caseExact=false "
                  "values, order and added sub-attributes aside)",
                  received="; ".join(lost[:6]) + (f" (+{len(lost) - 6} more)" if lost[6:] else ""),
                  response=fetched, requirement=tuple(ids))  # fmt: skip
    finally:
        client.delete(path)


@requirement(*ROUND_TRIP_IDS)
@settings(phases=NO_EXPLAIN)
@given(data=st.data())
def test_random_users_round_trip(roundtrip: RoundTrip, data: st.DataObject) -> None:
    """A random valid User (every readWrite attribute of the User and enterprise schemas the
    server publishes may appear) keeps each value it was created with, and each value a PUT
    gave it, up to the normalisation the RFC allows (P-3.1-03, P-3.5.1-02, C-7-11, C-3.1-12,
    C-2.2-01, C-3.3-02)."""
    first = data.draw(roundtrip.bodies["User"], label="POST body")
    second = data.draw(roundtrip.bodies["User"], label="PUT body")
    round_trip(roundtrip.client, "User", first, second, roundtrip.schemas)


@requirement(*ROUND_TRIP_IDS[:-1])
@settings(phases=NO_EXPLAIN)
@given(data=st.data())
def test_random_groups_round_trip(roundtrip: RoundTrip, data: st.DataObject) -> None:
    """A random valid Group (displayName, externalId, members referencing the run's users)
    keeps its values through create and replace (P-3.1-03, P-3.5.1-02, C-7-11, C-3.1-12,
    C-2.2-01)."""
    first = data.draw(roundtrip.bodies["Group"], label="POST body")
    second = data.draw(roundtrip.bodies["Group"], label="PUT body")
    round_trip(roundtrip.client, "Group", first, second, roundtrip.schemas, ROUND_TRIP_IDS[:-1])
