"""Client JSON to canonical stored form, and the RFC 7643 §2 attribute characteristics.

Every resource body and every PATCH value passes through here before it reaches the store:

* names are matched case-insensitively and rewritten to their schema spelling (C-2.1-01);
* values are type-checked against the schema (C-2.3-02, C-2.3.4-01, C-2.3.5-01, C-2.3.6-01);
* null, ``[]`` and ``{}`` mean "unassigned" and are dropped (RFC 7643 §2.5, C-2.5-01);
* at most one element of a multi-valued attribute may be primary (C-2.4-02).

The mock is strict: an attribute name the schemas do not define is refused with
``invalidSyntax`` rather than silently ignored. The functions are pure; callers decide which
checks a request needs (POST: canonicalize, strip readOnly, check required; PUT adds the
immutable check and :func:`merge_for_replace`).
"""

from __future__ import annotations

from typing import Any

from scim_mock.errors import InvalidSyntax, InvalidValue, Mutability
from scim_mock.schema import GROUP, Attribute, ResolvedAttribute, ResourceType, SchemaRegistry
from scim_mock.values import (
    container,
    fold,
    is_present,
    json_copy,
    parse_datetime,
    type_matches,
)

SCHEMAS = "schemas"

# Design decision: RFC 7643 makes most canonicalValues advisory ("MAY" refuse others,
# C-2.3.1-01), and real clients send e.g. email types outside the list. We enforce them only
# where a wrong value breaks the protocol: a Group member's type decides which endpoint the
# member lives at, so it must be "User" or "Group". Keys are (schema URN, attribute path).
ENFORCED_CANONICAL_VALUES: frozenset[tuple[str, str]] = frozenset({(GROUP, "members.type")})

_EXPECTED = {
    "string": "a JSON string",
    "boolean": "true or false",
    "integer": "a JSON integer",
    "decimal": "a JSON number",
    "dateTime": "an xsd:dateTime string with date and time",
    "binary": "a base64 string",
    "reference": "a URI string",
    "complex": "a JSON object",
}


# -- canonical form -------------------------------------------------------------------------


def canonicalize_resource(
    registry: SchemaRegistry, resource_type: ResourceType, body: Any
) -> dict[str, Any]:
    """Check a resource body and return it with canonical names and unassigned values dropped.

    Raises ``InvalidSyntax`` for a body that is not an object, a missing or malformed
    ``schemas``, unknown attribute names and names given twice in different case; raises
    ``InvalidValue`` for unknown schema URNs, extension data whose URN is not listed in
    ``schemas``, wrong value types and two primary values (C-3.3-01, C-3.3-02, C-2.4-02).
    ``id`` and ``meta`` are kept; :func:`strip_read_only` removes what the client may not set.
    """
    if not isinstance(body, dict):
        raise InvalidSyntax("The resource must be a JSON object.")
    schemas = _canonical_schemas(registry, resource_type, body)
    listed = set(schemas)
    result: dict[str, Any] = {SCHEMAS: schemas}
    seen: dict[str, str] = {}
    for key, value in body.items():
        if key.lower() == SCHEMAS:
            continue
        urn = registry.canonical_urn(resource_type, key)
        if urn is not None and urn != resource_type.schema:
            _claim(seen, urn, key)
            extension = _canonical_extension(registry, resource_type, urn, value)
            if extension is None:
                continue
            if urn not in listed:
                # C-3.3-04: extension data must be announced in "schemas".
                raise InvalidValue(f"Extension {urn} is used but not listed in 'schemas'.")
            result[urn] = extension
            continue
        resolved = registry.resolve(resource_type, key)
        if resolved is None:
            raise InvalidSyntax(f"Unknown attribute '{key}' for {resource_type.name} resources.")
        _claim(seen, resolved.attribute.name, key)
        canonical = _canonical(resolved.attribute, value, resolved.attribute.name, resolved.schema)
        if canonical is not None:
            result[resolved.attribute.name] = canonical
    return result


def canonicalize_value(
    registry: SchemaRegistry,
    resource_type: ResourceType,
    resolved: ResolvedAttribute,
    value: Any,
    *,
    element: bool = False,
) -> Any:
    """Check a value destined for one attribute (PATCH) and return its canonical form.

    The target is ``resolved.target``: a sub-attribute when one is named, else the attribute.
    A multi-valued target takes a JSON array; with ``element=True`` it also takes one element
    (returned as that element, not wrapped). ``None`` is returned for an unassigned value.
    """
    target = resolved.target
    path = display_path(resolved)
    if target.multi_valued and element and not isinstance(value, list):
        if value is None:
            return None
        return _single(target, value, path, resolved.schema)
    return _canonical(target, value, path, resolved.schema)


def display_path(resolved: ResolvedAttribute) -> str:
    """The canonical path text of ``resolved`` for error details (URN-qualified if extension)."""
    name = resolved.attribute.name
    if resolved.sub_attribute is not None:
        name = f"{name}.{resolved.sub_attribute.name}"
    return f"{resolved.schema}:{name}" if resolved.is_extension else name


def _canonical_schemas(
    registry: SchemaRegistry, resource_type: ResourceType, body: dict[str, Any]
) -> list[str]:
    keys = [k for k in body if k.lower() == SCHEMAS]
    if len(keys) != 1:
        raise InvalidSyntax("The resource must have exactly one 'schemas' attribute.")
    raw = body[keys[0]]
    if not isinstance(raw, list) or not raw or not all(isinstance(u, str) for u in raw):
        raise InvalidSyntax("'schemas' must be a non-empty array of schema URN strings.")
    schemas: list[str] = []
    for urn in raw:
        canonical = registry.canonical_urn(resource_type, urn)
        if canonical is None:
            raise InvalidValue(f"Schema {urn!r} is not used by resource type {resource_type.name}.")
        if canonical not in schemas:
            schemas.append(canonical)
    if resource_type.schema not in schemas:
        # C-3.3-01: the core schema URN is always listed.
        raise InvalidSyntax(f"'schemas' must contain the core schema {resource_type.schema}.")
    return schemas


def _canonical_extension(
    registry: SchemaRegistry, resource_type: ResourceType, urn: str, value: Any
) -> dict[str, Any] | None:
    if value is None:
        return None
    if not isinstance(value, dict):
        raise InvalidValue(f"Extension {urn} must be a JSON object of its attributes.")
    result: dict[str, Any] = {}
    seen: dict[str, str] = {}
    for key, sub_value in value.items():
        resolved = registry.resolve(resource_type, key, urn=urn)
        if resolved is None or resolved.schema != urn:
            raise InvalidSyntax(f"Unknown attribute '{key}' in extension {urn}.")
        _claim(seen, resolved.attribute.name, f"{urn}:{key}")
        path = f"{urn}:{resolved.attribute.name}"
        canonical = _canonical(resolved.attribute, sub_value, path, urn)
        if canonical is not None:
            result[resolved.attribute.name] = canonical
    return result or None


def _claim(seen: dict[str, str], canonical: str, key: str) -> None:
    # C-2.1-01: names are case-insensitive, so "userName" and "USERNAME" are the same member.
    if canonical in seen:
        raise InvalidSyntax(f"'{canonical}' is given twice: '{seen[canonical]}', '{key}'.")
    seen[canonical] = key


def _canonical(attribute: Attribute, value: Any, path: str, schema: str | None) -> Any:
    if value is None:
        return None
    if attribute.multi_valued:
        if not isinstance(value, list):
            raise InvalidValue(f"'{path}' is multi-valued: expected a JSON array.")
        items = []
        for item in value:
            if item is None or isinstance(item, list):
                raise InvalidValue(f"'{path}' elements must be single values, not {item!r}.")
            canonical = _single(attribute, item, path, schema)
            if canonical is not None:
                items.append(canonical)
        check_one_primary(attribute, items, path)
        return items or None
    if isinstance(value, list):
        raise InvalidValue(f"'{path}' is single-valued: expected {_EXPECTED[attribute.type]}.")
    return _single(attribute, value, path, schema)


def _single(attribute: Attribute, value: Any, path: str, schema: str | None) -> Any:
    if attribute.is_complex:
        if not isinstance(value, dict):
            raise InvalidValue(f"'{path}' must be a JSON object of sub-attributes.")
        result: dict[str, Any] = {}
        seen: dict[str, str] = {}
        for key, sub_value in value.items():
            sub = attribute.sub_attribute(key)
            if sub is None:
                raise InvalidSyntax(f"Unknown sub-attribute '{path}.{key}'.")
            _claim(seen, sub.name, key)
            canonical = _canonical(sub, sub_value, f"{path}.{sub.name}", schema)
            if canonical is not None:
                result[sub.name] = canonical
        return result or None
    if not type_matches(attribute, value):
        raise InvalidValue(f"'{path}' must be {_EXPECTED[attribute.type]}, got {value!r}.")
    if schema is not None and (schema, path) in ENFORCED_CANONICAL_VALUES:
        for allowed in attribute.canonical_values:
            if fold(attribute, allowed) == fold(attribute, value):
                return allowed
        choices = ", ".join(attribute.canonical_values)
        raise InvalidValue(f"'{path}' must be one of {choices}; got {value!r}.")
    return value


def check_one_primary(attribute: Attribute, items: list[Any], path: str) -> None:
    """At most one element may carry ``"primary": true`` (RFC 7643 §2.4, C-2.4-02)."""
    if attribute.sub_attribute("primary") is None:
        return
    primaries = [i for i in items if isinstance(i, dict) and i.get("primary") is True]
    if len(primaries) > 1:
        raise InvalidValue(f"At most one value of '{path}' may have primary set to true.")


# -- mutability -----------------------------------------------------------------------------


def strip_read_only(
    registry: SchemaRegistry, resource_type: ResourceType, resource: dict[str, Any]
) -> dict[str, Any]:
    """A copy without the readOnly attributes and sub-attributes a client sent.

    The provider ignores them rather than refusing the request (RFC 7644 §3.3 and §3.5.1,
    P-3.3-01, P-3.5.1-06): ``id``, ``meta``, User ``groups``, Group ``members.display`` and
    the enterprise ``manager.displayName``. Values left empty are dropped.
    """
    result: dict[str, Any] = {}
    for key, value in json_copy(resource).items():
        urn = registry.canonical_urn(resource_type, key)
        if key == SCHEMAS:
            result[key] = value
        elif urn is not None and urn != resource_type.schema and isinstance(value, dict):
            extension: dict[str, Any] = {}
            for name, sub_value in value.items():
                resolved = registry.resolve(resource_type, name, urn=urn)
                if resolved is None:
                    extension[name] = sub_value
                elif resolved.attribute.mutability != "readOnly":
                    kept = strip_read_only_value(resolved.attribute, sub_value)
                    if kept is not None:
                        extension[name] = kept
            if extension:
                result[key] = extension
        else:
            resolved = registry.resolve(resource_type, key)
            if resolved is None:
                result[key] = value
            elif resolved.attribute.mutability != "readOnly":
                kept = strip_read_only_value(resolved.attribute, value)
                if kept is not None:
                    result[key] = kept
    return result


def strip_read_only_value(attribute: Attribute, value: Any) -> Any:
    """``value`` without readOnly sub-attributes; None when nothing is left."""
    if not attribute.is_complex:
        return value
    if isinstance(value, list):
        kept = [s for s in (_strip_element(attribute, v) for v in value) if s is not None]
        return kept or None
    return _strip_element(attribute, value)


def _strip_element(attribute: Attribute, value: Any) -> Any:
    if not isinstance(value, dict):
        return value
    result = {}
    for key, sub_value in value.items():
        sub = attribute.sub_attribute(key)
        if sub is None or sub.mutability != "readOnly":
            result[key] = sub_value
    return result or None


def check_required(
    registry: SchemaRegistry, resource_type: ResourceType, resource: dict[str, Any]
) -> None:
    """Every required attribute has a value, else ``InvalidValue`` naming it (P-3.12-22).

    Covers the core schema, required extensions (whose URN must be in ``schemas``), extensions
    present in the resource, and required sub-attributes of every complex value present.
    readOnly attributes are skipped: the server assigns them (``id``).
    """
    listed = {u.lower() for u in resource.get(SCHEMAS, ()) if isinstance(u, str)}
    required_extensions = {e.schema for e in resource_type.schema_extensions if e.required}
    for urn in required_extensions:
        if urn.lower() not in listed:
            raise InvalidValue(f"Extension {urn} is required for {resource_type.name}.")
    for resolved, required_subs in registry.derived(resource_type, _required_checks):
        attribute = resolved.attribute
        holder = container(resource, resolved)
        if holder is None and resolved.schema not in required_extensions:
            continue  # an optional extension the resource does not use
        value = holder.get(attribute.name) if holder is not None else None
        if not is_present(value):
            if attribute.required:
                raise InvalidValue(f"Required attribute '{display_path(resolved)}' is missing.")
            continue
        if attribute.required and isinstance(value, str) and not value.strip():
            # A blank userName/displayName identifies nothing (RFC 7643 §4.1.1: non-empty).
            raise InvalidValue(f"Required attribute '{display_path(resolved)}' is blank.")
        if required_subs:
            for element in value if isinstance(value, list) else [value]:
                for sub in required_subs:
                    if not isinstance(element, dict) or not is_present(element.get(sub.name)):
                        path = display_path(ResolvedAttribute(resolved.schema, attribute, sub))
                        raise InvalidValue(f"Required sub-attribute '{path}' is missing.")


_RequiredChecks = tuple[tuple[ResolvedAttribute, tuple[Attribute, ...]], ...]


def _required_checks(registry: SchemaRegistry, resource_type: ResourceType) -> _RequiredChecks:
    """The attributes :func:`check_required` looks at, in the registry's order, each with its
    required sub-attributes: the ones that are required or have required sub-attributes (and
    are not readOnly). The others can fail no check, and every write used to walk them all.
    Built once per resource type (:meth:`SchemaRegistry.derived`)."""
    checks = []
    for resolved in registry.attributes_of(resource_type):
        attribute = resolved.attribute
        if attribute.mutability == "readOnly":
            continue
        subs = tuple(
            sub for sub in attribute.sub_attributes if sub.required and sub.mutability != "readOnly"
        )
        if attribute.required or (attribute.is_complex and subs):
            checks.append((resolved, subs if attribute.is_complex else ()))
    return tuple(checks)


def check_immutable(
    registry: SchemaRegistry,
    resource_type: ResourceType,
    old: dict[str, Any],
    new: dict[str, Any],
) -> None:
    """PUT: an immutable value already set must not change (P-3.5.1-04, C-7-14) → ``Mutability``.

    An immutable attribute absent from ``new`` counts as kept; :func:`merge_for_replace`
    carries the old value over (P-3.5.1-05 allows setting it when it had no value). Elements
    of multi-valued complex attributes have no identity, so their immutable sub-attributes
    (Group ``members.value``) do not stop a PUT from replacing the whole list (P-3.5.1-09).
    """
    for resolved in registry.attributes_of(resource_type):
        attribute = resolved.attribute
        old_value = get_value(old, resolved)
        new_value = get_value(new, resolved)
        if not (is_present(old_value) and is_present(new_value)):
            continue
        if attribute.mutability == "immutable":
            if not equal_values(attribute, old_value, new_value):
                raise Mutability(f"Immutable attribute '{display_path(resolved)}' cannot change.")
        elif attribute.is_complex and not attribute.multi_valued:
            for sub in attribute.sub_attributes:
                if sub.mutability != "immutable":
                    continue
                before, after = old_value.get(sub.name), new_value.get(sub.name)
                if not (is_present(before) and is_present(after)):
                    continue
                if not equal_values(sub, before, after):
                    path = display_path(ResolvedAttribute(resolved.schema, attribute, sub))
                    raise Mutability(f"Immutable attribute '{path}' cannot change.")


def merge_for_replace(
    registry: SchemaRegistry,
    resource_type: ResourceType,
    old: dict[str, Any],
    new: dict[str, Any],
) -> dict[str, Any]:
    """The stored result of a PUT of ``new`` over ``old`` (RFC 7644 §3.5.1).

    Values come from ``new`` (P-3.5.1-02), except: readOnly attributes and readOnly
    sub-attributes of single-valued complex attributes are taken from ``old`` (P-3.5.1-06);
    immutable values are checked (:func:`check_immutable`) and carried over when ``new`` omits
    them. Design decision: a writeOnly value (``password``) omitted from the PUT is kept, as
    most providers do, since clients cannot read it back to resend it; P-3.5.1-03 lets a
    provider keep or clear omitted values.
    """
    check_immutable(registry, resource_type, old, new)
    result = strip_read_only(registry, resource_type, new)
    for resolved in registry.attributes_of(resource_type):
        attribute = resolved.attribute
        old_value = get_value(old, resolved)
        new_value = get_value(result, resolved)
        if attribute.mutability == "readOnly":
            if is_present(old_value):
                set_value(result, resolved, json_copy(old_value))
        elif attribute.mutability in ("writeOnly", "immutable"):
            if is_present(old_value) and not is_present(new_value):
                set_value(result, resolved, json_copy(old_value))
        elif attribute.is_complex and not attribute.multi_valued:
            if isinstance(old_value, dict) and isinstance(new_value, dict):
                for sub in attribute.sub_attributes:
                    if sub.mutability == "readOnly" and is_present(old_value.get(sub.name)):
                        new_value[sub.name] = json_copy(old_value[sub.name])
    for urn in resource_type.schema_ids[1:]:
        if urn in result and urn not in result[SCHEMAS]:
            result[SCHEMAS].append(urn)
    return result


def get_value(resource: dict[str, Any], resolved: ResolvedAttribute) -> Any:
    """The stored value of ``resolved.attribute`` (ignores any sub-attribute), or None."""
    holder = container(resource, resolved)
    return None if holder is None else holder.get(resolved.attribute.name)


def set_value(resource: dict[str, Any], resolved: ResolvedAttribute, value: Any) -> None:
    """Store ``value`` for ``resolved.attribute``, creating the extension object if needed."""
    if resolved.is_extension:
        assert resolved.schema is not None
        holder = resource.get(resolved.schema)
        if not isinstance(holder, dict):
            holder = resource[resolved.schema] = {}
        holder[resolved.attribute.name] = value
    else:
        resource[resolved.attribute.name] = value


# -- comparison -----------------------------------------------------------------------------


def equal_values(attribute: Attribute, a: Any, b: Any) -> bool:
    """Whether two values of ``attribute`` are the same value (RFC 7643 §2.2 caseExact).

    Strings compare case-insensitively unless caseExact; dateTimes compare as instants;
    complex values compare sub-attribute by sub-attribute; two lists of a multi-valued
    attribute compare as multisets (element order carries no meaning). Unassigned forms
    (null, [], {}) are equal to each other (RFC 7643 §2.5).
    """
    if _unassigned(a) or _unassigned(b):
        return _unassigned(a) and _unassigned(b)
    if attribute.multi_valued and isinstance(a, list) and isinstance(b, list):
        if len(a) != len(b):
            return False
        remaining = list(b)
        for item in a:
            for index, candidate in enumerate(remaining):
                if _equal_single(attribute, item, candidate):
                    del remaining[index]
                    break
            else:
                return False
        return True
    return _equal_single(attribute, a, b)


def _equal_single(attribute: Attribute, a: Any, b: Any) -> bool:
    if attribute.is_complex:
        if not (isinstance(a, dict) and isinstance(b, dict)):
            return bool(a == b)
        names = {k for k, v in [*a.items(), *b.items()] if v is not None}
        for name in names:
            sub = attribute.sub_attribute(name)
            if sub is None:
                if a.get(name) != b.get(name):
                    return False
            elif not equal_values(sub, a.get(name), b.get(name)):
                return False
        return True
    if attribute.type == "dateTime" and isinstance(a, str) and isinstance(b, str):
        left, right = parse_datetime(a), parse_datetime(b)
        if left is not None and right is not None:
            return left == right
    if type(a) is bool or type(b) is bool:
        return a is b  # True == 1 in Python; not in JSON
    return bool(fold(attribute, a) == fold(attribute, b))


def _unassigned(value: Any) -> bool:
    return value is None or value == [] or value == {}
