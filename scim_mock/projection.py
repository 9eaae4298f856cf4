"""Which attributes a response carries: ``returned`` (RFC 7643 §2.2, §7) combined with the
``attributes`` / ``excludedAttributes`` parameters (RFC 7644 §3.4.2.5, §3.9).

Projection builds the response from the schema, never by copying the stored resource: keys the
resource type's schemas do not define are left out, and so is every returned=never or
writeOnly value (C-7-15, C-7-17, C-4.1.1-07), whatever the client asked for.
"""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from typing import Any

from scim_mock import errors
from scim_mock.memo import remember
from scim_mock.paths import PathSyntaxError, parse_attr_path
from scim_mock.schema import Attribute, ResolvedAttribute, ResourceType, SchemaRegistry
from scim_mock.values import json_copy

#: (container, canonical attribute name): container is None for common and core attributes,
#: else the extension schema URN under which the attribute is stored (C-3.3-02).
AttrKey = tuple[str | None, str]


@dataclass
class Selection:
    """The attribute names of one ``attributes`` or ``excludedAttributes`` parameter."""

    schemas: set[str] = field(default_factory=set)
    attributes: set[AttrKey] = field(default_factory=set)
    sub_attributes: dict[AttrKey, set[str]] = field(default_factory=dict)

    def names_schema_of(self, resolved: ResolvedAttribute) -> bool:
        """Whether the bare URN of the schema defining ``resolved`` was named."""
        return resolved.schema is not None and resolved.schema in self.schemas


def parse_attribute_list(value: str | list[Any] | None) -> list[str] | None:
    """Split an ``attributes``/``excludedAttributes`` value into names (P-3.9-05).

    A query parameter is one comma-separated string; a ``/.search`` body holds a list of
    strings (each may itself hold commas). Whitespace around names and empty items are dropped;
    None when no name remains. A non-string in a body is 400 invalidSyntax: the message does
    not have the SearchRequest structure (P-3.12-19).
    """
    if value is None:
        return None
    if isinstance(value, str):
        items: list[Any] = [value]
    elif isinstance(value, list):
        items = value
    else:
        raise errors.InvalidSyntax("attributes and excludedAttributes must be strings.")
    names: list[str] = []
    for item in items:
        if not isinstance(item, str):
            raise errors.InvalidSyntax("attributes and excludedAttributes hold strings only.")
        names.extend(part.strip() for part in item.split(",") if part.strip())
    return names or None


def _resource_type(registry: SchemaRegistry, resource_type: ResourceType | str) -> ResourceType:
    if isinstance(resource_type, ResourceType):
        return resource_type
    found = registry.resource_type(resource_type)
    if found is None:
        raise ValueError(f"unknown resource type {resource_type!r}")
    return found


def _key(resolved: ResolvedAttribute, rt: ResourceType) -> AttrKey:
    # Decided against the resource type's own core schema rather than with
    # ResolvedAttribute.is_extension, which treats every core schema but User's and Group's
    # as an extension.
    extension = resolved.schema is not None and resolved.schema != rt.schema
    return (resolved.schema if extension else None, resolved.attribute.name)


def parse_selection(
    names: Sequence[str], registry: SchemaRegistry, resource_type: ResourceType
) -> Selection:
    """Resolve attribute names, case-insensitively (C-2.1-01), URN-qualified or not (P-3.4.2.5-03).

    A bare schema URN names every attribute of that schema. Names that resolve to nothing are
    ignored: RFC 7644 §3.4.2.5 and §3.9 define no error for them, and a client may ask every
    provider for the same optional attributes. A name that is not an attribute path at all is
    400 invalidValue (§3.12: a parameter value not fitting the operation; invalidPath belongs
    to PATCH and invalidFilter to filters).
    """
    selection = Selection()
    urns = registry.known_urns(resource_type)
    for name in names:
        try:
            path = parse_attr_path(name, urns)
        except PathSyntaxError as exc:
            raise errors.InvalidValue(f"{name!r} is not a valid attribute name.") from exc
        if path.attribute is None:
            assert path.urn is not None
            canonical = registry.canonical_urn(resource_type, path.urn)
            if canonical is not None:
                selection.schemas.add(canonical)
            continue
        resolved = registry.resolve(resource_type, path.attribute, path.sub_attribute, path.urn)
        if resolved is None:
            continue
        if resolved.sub_attribute is None:
            selection.attributes.add(_key(resolved, resource_type))
        else:
            subs = selection.sub_attributes.setdefault(_key(resolved, resource_type), set())
            subs.add(resolved.sub_attribute.name)
    return selection


def _hidden(attribute: Attribute) -> bool:
    return attribute.returned == "never" or attribute.mutability == "writeOnly"


def _complex(
    attribute: Attribute,
    value: Any,
    *,
    only: set[str] | None = None,
    drop: frozenset[str] | set[str] = frozenset(),
    requested: frozenset[str] | set[str] = frozenset(),
) -> Any:
    """Project a complex value (or each element of a multi-valued one) on its sub-attributes.

    ``only`` keeps just those sub-attributes (P-3.9-04), ``drop`` removes those, and returned=
    request sub-attributes need to be in ``only`` or ``requested``; returned=always ones are
    kept regardless. Empty results disappear. Returns None when nothing is left.
    """

    def element(item: Any) -> dict[str, Any] | None:
        if not isinstance(item, dict):
            return None
        kept: dict[str, Any] = {}
        for name, sub_value in item.items():
            sub = attribute.sub_attribute(name)
            if sub is None or sub_value is None or _hidden(sub):
                continue
            if sub.returned != "always":
                if (only is not None and sub.name not in only) or sub.name in drop:
                    continue
                if sub.returned == "request" and sub.name not in (only or requested):
                    continue
            kept[sub.name] = json_copy(sub_value)
        return kept or None

    if not attribute.multi_valued:
        return element(value)
    items = value if isinstance(value, list) else [value]
    projected = [e for e in map(element, items) if e is not None]
    return projected or None


def _attribute(
    resolved: ResolvedAttribute,
    rt: ResourceType,
    value: Any,
    include: Selection | None,
    exclude: Selection | None,
) -> Any:
    """The projected value of one top-level attribute, or None to leave it out."""
    attribute = resolved.attribute
    if value is None or _hidden(attribute):
        return None
    key = _key(resolved, rt)
    only: set[str] | None = None
    if attribute.returned == "always":
        # C-3.1-09, C-7-16: neither parameter removes an always-returned attribute (P-3.4.2.5-02).
        pass
    elif include is not None:
        # P-3.9-02: only what is named; returned=request needs its own name (C-7-20).
        by_schema = include.names_schema_of(resolved) and attribute.returned != "request"
        if not (key in include.attributes or by_schema):
            if key not in include.sub_attributes:
                return None
            only = include.sub_attributes[key]
    elif attribute.returned == "request":
        return None  # the default set is always + default (P-3.4-01)
    elif exclude is not None and (key in exclude.attributes or exclude.names_schema_of(resolved)):
        return None  # P-3.9-03
    if not attribute.is_complex:
        return json_copy(value)
    requested = include.sub_attributes.get(key, set()) if include is not None else set()
    drop = exclude.sub_attributes.get(key, set()) if exclude is not None else set()
    return _complex(attribute, value, only=only, drop=drop, requested=requested)


def project(
    resource: dict[str, Any],
    registry: SchemaRegistry,
    resource_type: ResourceType | str,
    attributes: Sequence[str] | None = None,
    excluded_attributes: Sequence[str] | None = None,
) -> dict[str, Any]:
    """The representation of ``resource`` to send (P-3.4.2.5-01, P-3.9-01..06).

    ``schemas`` is always kept as stored; ``id`` (returned=always) survives any parameter;
    ``meta`` is returned=default like any other attribute. Extension objects left empty are
    removed. Naming both parameters at once is 400 invalidValue: RFC 7644 §3.9 calls them
    mutually exclusive, and guessing which one wins would hide the client's mistake.
    """
    if attributes and excluded_attributes:
        raise errors.InvalidValue(
            "attributes and excludedAttributes are mutually exclusive; send only one."
        )
    rt = _resource_type(registry, resource_type)
    if not attributes and not excluded_attributes:
        return registry.derived(rt, _DefaultPlan).project(resource)
    include = parse_selection(attributes, registry, rt) if attributes else None
    exclude = parse_selection(excluded_attributes, registry, rt) if excluded_attributes else None
    projected: dict[str, Any] = {}
    for key, value in resource.items():
        if key == "schemas":
            projected[key] = json_copy(value)
            continue
        urn = registry.canonical_urn(rt, key)
        if urn is not None and urn != rt.schema:
            extension = _extension(value, urn, registry, rt, include, exclude)
            if extension:
                projected[urn] = extension
            continue
        resolved = registry.resolve(rt, key)
        if resolved is None or _key(resolved, rt)[0] is not None:
            continue
        kept = _attribute(resolved, rt, value, include, exclude)
        if kept is not None:
            projected[resolved.attribute.name] = kept
    return projected


def _extension(
    value: Any,
    urn: str,
    registry: SchemaRegistry,
    rt: ResourceType,
    include: Selection | None,
    exclude: Selection | None,
) -> dict[str, Any]:
    """Project the object stored under an extension URN key (C-3.3-02)."""
    if not isinstance(value, dict):
        return {}
    projected: dict[str, Any] = {}
    for name, item in value.items():
        resolved = registry.resolve(rt, name, urn=urn)
        if resolved is None:
            continue
        kept = _attribute(resolved, rt, item, include, exclude)
        if kept is not None:
            projected[resolved.attribute.name] = kept
    return projected


# -- the default representation --------------------------------------------------------------
#
# Nearly every response is the default representation (no attributes/excludedAttributes), and
# what it does with a stored key depends only on the schema: the general path above resolves
# every key and sub-attribute against the registry for every response. _DefaultPlan decides
# once per key, by the same rules (_hidden, returned=request, extension objects), and then
# only copies values.


@dataclass(frozen=True)
class _Shown:
    """A stored key the default representation keeps: the name it is shown under, and for a
    complex attribute the sub-attributes shown (lower-cased stored name -> name shown)."""

    name: str
    subs: dict[str, str] | None = None
    multi_valued: bool = False
    extension: bool = False


def _shown(resolved: ResolvedAttribute) -> _Shown | None:
    attribute = resolved.attribute
    if _hidden(attribute) or attribute.returned == "request":
        return None
    if not attribute.is_complex:
        return _Shown(attribute.name)
    subs: dict[str, str] = {}
    seen: set[str] = set()
    for sub in attribute.sub_attributes:
        lowered = sub.name.lower()
        if lowered in seen:  # Attribute.sub_attribute answers with the first of a name
            continue
        seen.add(lowered)
        if not _hidden(sub) and sub.returned != "request":
            subs[lowered] = sub.name
    return _Shown(attribute.name, subs, attribute.multi_valued)


def _element(subs: dict[str, str], item: Any) -> dict[str, Any] | None:
    if not isinstance(item, dict):
        return None
    kept: dict[str, Any] = {}
    for name, value in item.items():
        shown = subs.get(name.lower())
        if shown is not None and value is not None:
            kept[shown] = json_copy(value)
    return kept or None


#: Decisions one plan remembers (stored keys are the schema's, but a lenient variant may
#: store others).
_PLAN_KEYS = 4096


class _DefaultPlan:
    """The default projection of one resource type of one registry."""

    def __init__(self, registry: SchemaRegistry, rt: ResourceType) -> None:
        self.registry, self.rt = registry, rt
        self._top: dict[str, _Shown | None] = {}
        self._inner: dict[tuple[str, str], _Shown | None] = {}

    def project(self, resource: dict[str, Any]) -> dict[str, Any]:
        projected: dict[str, Any] = {}
        for key, value in resource.items():
            if key == "schemas":
                projected[key] = json_copy(value)
                continue
            shown = self._top[key] if key in self._top else self._decide(key)
            if shown is None:
                continue
            if shown.extension:
                kept: Any = self._extension(shown.name, value)
            else:
                kept = self._value(shown, value)
            if kept is not None:
                projected[shown.name] = kept
        return projected

    def _value(self, shown: _Shown, value: Any) -> Any:
        if shown.subs is None:
            return json_copy(value)
        if not shown.multi_valued:
            return _element(shown.subs, value)
        items = value if isinstance(value, list) else [value]
        elements = [e for e in (_element(shown.subs, item) for item in items) if e is not None]
        return elements or None

    def _extension(self, urn: str, value: Any) -> dict[str, Any] | None:
        if not isinstance(value, dict):
            return None
        projected: dict[str, Any] = {}
        for name, item in value.items():
            key = (urn, name)
            shown = self._inner[key] if key in self._inner else self._decide_inner(urn, name)
            if shown is not None:  # a None value stays None, and is left out below
                kept = self._value(shown, item)
                if kept is not None:
                    projected[shown.name] = kept
        return projected or None

    def _decide(self, key: str) -> _Shown | None:
        urn = self.registry.canonical_urn(self.rt, key)
        shown: _Shown | None
        if urn is not None and urn != self.rt.schema:
            shown = _Shown(urn, extension=True)
        else:
            resolved = self.registry.resolve(self.rt, key)
            keep = resolved is not None and _key(resolved, self.rt)[0] is None
            shown = _shown(resolved) if resolved is not None and keep else None
        return remember(self._top, key, shown, _PLAN_KEYS)

    def _decide_inner(self, urn: str, name: str) -> _Shown | None:
        resolved = self.registry.resolve(self.rt, name, urn=urn)
        shown = None if resolved is None else _shown(resolved)
        return remember(self._inner, (urn, name), shown, _PLAN_KEYS)
