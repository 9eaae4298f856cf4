"""Schema-driven helpers for checks: validate resources against the server's own /Schemas.

:func:`assert_resource` judges a returned User or Group twice: against our JSON Schema
(``schemas/json/<User|Group>.schema.json``) and against the attribute definitions the provider
publishes at /Schemas (RFC 7643 §2, §7): every attribute present has the JSON type its SCIM
type asks for, multi-valued attributes are arrays, and nothing marked ``returned: never`` or
``mutability: writeOnly`` is shown. Attribute names are matched case-insensitively (C-2.1-01).

:func:`schema_attributes` finds attribute definitions by characteristic (RFC 7643 §2.2 defaults
applied, C-2.2-01), so checks can be driven by what the provider declares, e.g. every readOnly
attribute of the User schema.
"""

from __future__ import annotations

import json
import re
from collections import OrderedDict
from collections.abc import Mapping, Sequence
from dataclasses import dataclass, fields
from typing import Any

from scim_tests.asserts import assert_valid, check, json_object
from scim_tests.client import ScimResponse

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
CORE_SCHEMAS = {"User": USER_SCHEMA, "Group": GROUP_SCHEMA}
#: Attributes every resource has whatever its schemas say (RFC 7643 §3.1); checked separately.
COMMON = ("schemas", "id", "externalid", "meta")

# xsd:dateTime: a date and a time, optional fraction and zone (C-2.3.5-01).
_DATETIME = re.compile(
    r"-?\d{4,}-(0[1-9]|1[0-2])-(0[1-9]|[12]\d|3[01])T([01]\d|2[0-4]):[0-5]\d:[0-5]\d(\.\d+)?"
    r"(Z|[+-]([01]\d|2[0-3]):[0-5]\d)?"
)


@dataclass(frozen=True)
class SchemaAttribute:
    """One attribute definition from /Schemas with the RFC 7643 §2.2 defaults applied.

    ``path`` is the attribute name, or ``parent.sub`` for a sub-attribute.
    """

    path: str
    type: str = "string"
    multi_valued: bool = False
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    sub_attributes: tuple[SchemaAttribute, ...] = ()

    @property
    def name(self) -> str:
        """The last segment of :attr:`path`."""
        return self.path.rsplit(".", 1)[-1]

    def sub(self, name: str) -> SchemaAttribute | None:
        """The sub-attribute called ``name`` (case-insensitive), if declared."""
        return next((s for s in self.sub_attributes if s.name.lower() == name.lower()), None)


def _get(data: Mapping[str, Any], key: str, default: Any) -> Any:
    """``data[key]`` with the key matched case-insensitively."""
    for name, value in data.items():
        if isinstance(name, str) and name.lower() == key.lower():
            return value
    return default


def _definition(data: Mapping[str, Any], prefix: str = "") -> SchemaAttribute:
    path = prefix + str(_get(data, "name", ""))
    subs = _get(data, "subAttributes", []) or []
    return SchemaAttribute(
        path=path,
        type=str(_get(data, "type", "string")),
        multi_valued=_get(data, "multiValued", False) is True,
        required=_get(data, "required", False) is True,
        case_exact=_get(data, "caseExact", False) is True,
        mutability=str(_get(data, "mutability", "readWrite")),
        returned=str(_get(data, "returned", "default")),
        uniqueness=str(_get(data, "uniqueness", "none")),
        sub_attributes=tuple(_definition(s, path + ".") for s in subs if isinstance(s, Mapping)),
    )


# Parsed definitions per /Schemas document. A session fetches its document once and passes
# the same dict to every check, so the dict's identity is the key. Each entry holds the
# document itself, so its id() cannot be reused by another dict while the entry lives, and
# a few documents are kept because pytester runs several sessions (servers) in one process.
_CACHED_DOCUMENTS = 4
_Parsed = dict[str, tuple[Any, tuple[SchemaAttribute, ...]]]
_cache: OrderedDict[int, tuple[Mapping[str, Any], _Parsed]] = OrderedDict()


def _parsed(scim_schemas: Mapping[str, Any], urn: str) -> tuple[SchemaAttribute, ...]:
    """:func:`definitions` as a tuple, parsed once per document and schema."""
    entry = _cache.get(id(scim_schemas))
    if entry is None or entry[0] is not scim_schemas:
        entry = _cache[id(scim_schemas)] = (scim_schemas, {})
        while len(_cache) > _CACHED_DOCUMENTS:
            _cache.popitem(last=False)
    else:
        _cache.move_to_end(id(scim_schemas))
    schema = scim_schemas.get(urn.lower())
    cached = entry[1].get(urn.lower())
    # Compared by identity too, so a schema replaced in the document is parsed afresh.
    if cached is not None and cached[0] is schema:
        return cached[1]
    attributes = _get(schema, "attributes", []) if isinstance(schema, Mapping) else []
    parsed = tuple(_definition(a) for a in attributes or [] if isinstance(a, Mapping))
    entry[1][urn.lower()] = (schema, parsed)
    return parsed


def definitions(scim_schemas: Mapping[str, Any], urn: str) -> list[SchemaAttribute]:
    """The top-level attribute definitions of schema ``urn`` (empty when /Schemas lacks it)."""
    return list(_parsed(scim_schemas, urn))


def schema_attributes(
    scim_schemas: Mapping[str, Any], urn: str, *, sub_attributes: bool = False, **where: Any
) -> list[SchemaAttribute]:
    """Attributes of ``urn`` whose characteristics equal ``where``.

    For example ``schema_attributes(s, USER_SCHEMA, mutability="readOnly")`` or
    ``returned="never"``. With ``sub_attributes=True`` sub-attributes are searched too.
    """
    known = {f.name for f in fields(SchemaAttribute)}
    unknown = set(where) - known
    if unknown:
        raise TypeError(f"unknown characteristic(s): {', '.join(sorted(unknown))}")
    found: list[SchemaAttribute] = []
    for attribute in _parsed(scim_schemas, urn):
        candidates = [attribute, *(attribute.sub_attributes if sub_attributes else ())]
        for candidate in candidates:
            if all(getattr(candidate, k) == v for k, v in where.items()):
                found.append(candidate)
    return found


def attribute(resource: dict[str, Any], name: str) -> Any:
    """The value of ``name`` in ``resource`` (attribute names are case-insensitive)."""
    for key, value in resource.items():
        if key.lower() == name.lower():
            return value
    return None


def unassigned(value: Any) -> bool:
    """Whether ``value`` means "no value": null, an empty array or an object of such
    (RFC 7643 §2.5 makes unassigned, null and [] equivalent)."""
    if value is None or value == []:
        return True
    return isinstance(value, Mapping) and all(unassigned(v) for v in value.values())


def canonical(value: Any) -> Any:
    """``value`` in the form where representations the RFCs treat as equal compare equal.

    Attribute names lose their case (C-2.1-01), unassigned members are dropped (RFC 7643
    §2.5), and the values of a multi-valued attribute are sorted, since they are unordered
    (RFC 7643 §2.4). Values themselves are kept exactly.
    """
    if isinstance(value, Mapping):
        return {str(k).lower(): canonical(v) for k, v in value.items() if not unassigned(v)}
    if isinstance(value, list):
        items = [canonical(v) for v in value if v is not None]
        return sorted(items, key=lambda v: json.dumps(v, sort_keys=True, default=str))
    return value


def equivalent(left: Any, right: Any) -> bool:
    """Whether two representations (or values) are the same under :func:`canonical`."""
    return bool(canonical(left) == canonical(right))


def find_key(body: Mapping[str, Any], name: str) -> str | None:
    """The key of ``body`` that names attribute ``name`` (case-insensitive) with a value.

    A member whose value is null or [] is not found: RFC 7643 §2.5 makes it unassigned, so a
    provider that writes ``"emails": []`` has returned no emails.
    """
    lowered = name.lower()
    return next(
        (
            k
            for k, v in body.items()
            if isinstance(k, str) and k.lower() == lowered and not unassigned(v)
        ),
        None,
    )


def assigned(body: Mapping[str, Any]) -> list[str]:
    """The keys of ``body`` whose values are assigned (not null, [] or all-null)."""
    return [k for k, v in body.items() if isinstance(k, str) and not unassigned(v)]


def value_of(body: Mapping[str, Any], path: str) -> Any:
    """The value at ``name`` or ``parent.sub`` with names matched case-insensitively."""
    current: Any = body
    for part in path.split("."):
        if not isinstance(current, Mapping):
            return None
        key = find_key(current, part)
        current = current.get(key) if key is not None else None
    return current


def type_problem(attribute: SchemaAttribute, value: Any) -> str | None:
    """Why ``value`` does not fit ``attribute``'s declared type, or None when it fits."""
    if attribute.multi_valued:
        if not isinstance(value, list):
            return f"{attribute.path} is multi-valued but was {type(value).__name__}, not array"
        single = SchemaAttribute(**{**_fields(attribute), "multi_valued": False})
        for element in value:
            problem = type_problem(single, element)
            if problem:
                return problem
        return None
    kind = attribute.type
    if value is None:
        return None
    if kind == "boolean" and not isinstance(value, bool):
        return f"{attribute.path} should be a JSON boolean, got {value!r}"
    if kind == "integer" and (isinstance(value, bool) or not isinstance(value, int)):
        return f"{attribute.path} should be a JSON integer, got {value!r}"
    if kind == "decimal" and (isinstance(value, bool) or not isinstance(value, (int, float))):
        return f"{attribute.path} should be a JSON number, got {value!r}"
    if kind in ("string", "reference", "binary", "dateTime") and not isinstance(value, str):
        return f"{attribute.path} ({kind}) should be a JSON string, got {value!r}"
    if kind == "dateTime" and not _DATETIME.fullmatch(str(value)):
        return f"{attribute.path} is not an xsd:dateTime: {value!r}"
    if kind == "complex":
        if not isinstance(value, Mapping):
            return f"{attribute.path} is complex but was {type(value).__name__}, not object"
        nested = _problems(attribute.sub_attributes, value, ())
        return nested[0][0] if nested else None
    return None


def _fields(attribute: SchemaAttribute) -> dict[str, Any]:
    return {f.name: getattr(attribute, f.name) for f in fields(SchemaAttribute)}


def _problems(
    declared: Sequence[SchemaAttribute], body: Mapping[str, Any], skip: Sequence[str]
) -> list[tuple[str, str]]:
    """(problem, catalog id) for the keys of ``body`` that ``declared`` defines."""
    problems: list[tuple[str, str]] = []
    by_name = {a.name.lower(): a for a in declared}
    for key, value in body.items():
        if not isinstance(key, str) or key.lower() in skip:
            continue
        attribute = by_name.get(key.lower())
        if attribute is None or value is None:
            # Not declared: a server may add attributes, not judged here. Null: unassigned
            # (RFC 7643 §2.5), so neither a wrong type nor a returned=never value shown.
            continue
        if attribute.returned == "never":
            problems.append((f"{attribute.path} is returned=never but was returned", "C-7-17"))
        elif attribute.mutability == "writeOnly":
            problems.append((f"{attribute.path} is writeOnly but was returned", "C-7-15"))
        problem = type_problem(attribute, value)
        if problem:
            problems.append((problem, "P-3.8-05" if "multi-valued" in problem else "C-2.3-02"))
    return problems


def assert_resource(
    response_or_body: ScimResponse | Mapping[str, Any],
    resource_type: str,
    scim_schemas: Mapping[str, Any],
    *,
    requirement: str | Sequence[str] | None = None,
) -> dict[str, Any]:
    """``resource_type`` ("User"/"Group") fits our JSON Schema and the server's /Schemas.

    Returns the body. The core schema judges top-level attributes, and every extension object
    (key = an extension URN the server publishes) is judged by that extension's definitions.
    """
    __tracebackhide__ = True
    response = response_or_body if isinstance(response_or_body, ScimResponse) else None
    if response is not None:
        body = json_object(response, requirement=requirement)
    else:
        body = dict(response_or_body)  # type: ignore[arg-type]
    assert_valid(body, resource_type, response=response, requirement=requirement)
    urn = CORE_SCHEMAS[resource_type]
    problems = _problems(_parsed(scim_schemas, urn), body, COMMON)
    meta = value_of(body, "meta")
    if isinstance(meta, Mapping):
        for stamp in ("created", "lastModified"):
            value = value_of(meta, stamp)
            if value is not None and not _DATETIME.fullmatch(str(value)):
                problems.append((f"meta.{stamp} is not an xsd:dateTime: {value!r}", "C-2.3.5-01"))
    for key, value in body.items():
        if isinstance(key, str) and key.lower().startswith("urn:") and key.lower() != urn.lower():
            if key.lower() in scim_schemas and isinstance(value, Mapping):
                problems.extend(_problems(_parsed(scim_schemas, key), value, ()))
    ids = (requirement,) if isinstance(requirement, str) else tuple(requirement or ())
    shown = "; ".join(p for p, _ in problems[:5])
    check(
        not problems,
        f"The {resource_type} does not match the attribute definitions the server publishes",
        expected="values of the declared types; no returned=never or writeOnly attributes",
        received=shown + (f" (+{len(problems) - 5} more)" if problems[5:] else ""),
        response=response,
        requirement=tuple(dict.fromkeys(ids + tuple(i for _, i in problems))),
    )
    return body


def enterprise_offered(resource_types: list[dict[str, Any]]) -> bool:
    """Whether /ResourceTypes offers the enterprise extension on Users (RFC 7643 §6)."""
    for rt in resource_types:
        if str(rt.get("endpoint", "")).rstrip("/").lower() != "/users":
            continue
        for extension in rt.get("schemaExtensions") or []:
            if isinstance(extension, dict) and str(extension.get("schema")).lower() == (
                ENTERPRISE_SCHEMA.lower()
            ):
                return True
    return False
