"""Schema registry: attribute definitions and their characteristics (RFC 7643 §2, §7, §8.7).

The registry loads the schema representations from ``schemas/scim`` and answers every question
the rest of the mock asks about an attribute: its canonical name, type, multiplicity and the
characteristics (required, mutability, returned, uniqueness, caseExact, canonicalValues).
Attribute names are matched case-insensitively everywhere (RFC 7643 §2.1, C-2.1-01).
"""

from __future__ import annotations

import json
from collections.abc import Callable, Iterable, Iterator, Mapping
from dataclasses import dataclass, field
from functools import cached_property
from pathlib import Path
from typing import Any, TypeVar, cast

from scim_mock.memo import remember
from scim_tests.datadir import schemas_dir

USER = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_USER = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"
SERVICE_PROVIDER_CONFIG = "urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"
RESOURCE_TYPE = "urn:ietf:params:scim:schemas:core:2.0:ResourceType"
SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Schema"

#: The schemas a provider serves at /Schemas but which describe no writable resource.
DISCOVERY_SCHEMAS = (SERVICE_PROVIDER_CONFIG, RESOURCE_TYPE, SCHEMA)

#: How many answers of :meth:`SchemaRegistry.resolve` (and ``canonical_urn``) are remembered.
_REMEMBERED = 4096

TYPES = ("string", "boolean", "decimal", "integer", "dateTime", "reference", "binary", "complex")


@dataclass(frozen=True)
class Attribute:
    """One attribute definition with the RFC 7643 §2.2 defaults applied (C-2.2-01)."""

    name: str
    type: str = "string"
    multi_valued: bool = False
    description: str = ""
    required: bool = False
    case_exact: bool = False
    mutability: str = "readWrite"
    returned: str = "default"
    uniqueness: str = "none"
    canonical_values: tuple[str, ...] = ()
    reference_types: tuple[str, ...] = ()
    sub_attributes: tuple[Attribute, ...] = ()

    @classmethod
    def from_json(cls, data: Mapping[str, Any]) -> Attribute:
        """Build from a schema representation's attribute object."""
        return cls(
            name=data["name"],
            type=data.get("type", "string"),
            multi_valued=bool(data.get("multiValued", False)),
            description=data.get("description", ""),
            required=bool(data.get("required", False)),
            case_exact=bool(data.get("caseExact", False)),
            mutability=data.get("mutability", "readWrite"),
            returned=data.get("returned", "default"),
            uniqueness=data.get("uniqueness", "none"),
            canonical_values=tuple(data.get("canonicalValues", ())),
            reference_types=tuple(data.get("referenceTypes", ())),
            sub_attributes=tuple(cls.from_json(s) for s in data.get("subAttributes", ())),
        )

    def to_json(self) -> dict[str, Any]:
        """The attribute as served at /Schemas (every characteristic spelt out)."""
        data: dict[str, Any] = {
            "name": self.name,
            "type": self.type,
            "multiValued": self.multi_valued,
            "description": self.description,
            "required": self.required,
            "caseExact": self.case_exact,
            "mutability": self.mutability,
            "returned": self.returned,
            "uniqueness": self.uniqueness,
        }
        if self.canonical_values:
            data["canonicalValues"] = list(self.canonical_values)
        if self.type == "reference":
            data["referenceTypes"] = list(self.reference_types)
        if self.sub_attributes:
            data["subAttributes"] = [s.to_json() for s in self.sub_attributes]
        return data

    def sub_attribute(self, name: str) -> Attribute | None:
        """The sub-attribute called ``name`` (case-insensitive), if any."""
        return self._sub_attributes_by_name.get(name.lower())

    @cached_property
    def _sub_attributes_by_name(self) -> dict[str, Attribute]:
        # Asked for every sub-attribute value of every response; the first of a name wins.
        by_name: dict[str, Attribute] = {}
        for sub in self.sub_attributes:
            by_name.setdefault(sub.name.lower(), sub)
        return by_name

    @property
    def is_complex(self) -> bool:
        """Whether this attribute has sub-attributes (type complex)."""
        return self.type == "complex"


#: Attributes every resource has (RFC 7643 §3.1). They belong to no schema URN of their own.
COMMON_ATTRIBUTES: tuple[Attribute, ...] = (
    Attribute(
        name="id",
        description="Unique identifier assigned by the service provider.",
        case_exact=True,
        mutability="readOnly",
        returned="always",
        uniqueness="server",
    ),
    Attribute(
        name="externalId",
        description="Identifier assigned by the provisioning client.",
        case_exact=True,
    ),
    Attribute(
        name="meta",
        type="complex",
        description="Resource metadata maintained by the service provider.",
        mutability="readOnly",
        sub_attributes=(
            Attribute(name="resourceType", case_exact=True, mutability="readOnly"),
            Attribute(name="created", type="dateTime", mutability="readOnly"),
            Attribute(name="lastModified", type="dateTime", mutability="readOnly"),
            Attribute(
                name="location",
                type="reference",
                case_exact=True,
                mutability="readOnly",
                reference_types=("uri",),
            ),
            Attribute(name="version", case_exact=True, mutability="readOnly"),
        ),
    ),
)


@dataclass(frozen=True)
class Schema:
    """A schema definition (RFC 7643 §7): an id (URN) and its attributes."""

    id: str
    name: str
    description: str
    attributes: tuple[Attribute, ...]
    representation: Mapping[str, Any] = field(repr=False, compare=False, default_factory=dict)

    def attribute(self, name: str) -> Attribute | None:
        """The top-level attribute called ``name`` (case-insensitive), if any."""
        return self._attributes_by_name.get(name.lower())

    @cached_property
    def _attributes_by_name(self) -> dict[str, Attribute]:
        by_name: dict[str, Attribute] = {}
        for attribute in self.attributes:
            by_name.setdefault(attribute.name.lower(), attribute)
        return by_name

    def to_json(self) -> dict[str, Any]:
        """The schema representation served at /Schemas/{id} (without meta)."""
        return {
            "schemas": [SCHEMA],
            "id": self.id,
            "name": self.name,
            "description": self.description,
            "attributes": [a.to_json() for a in self.attributes],
        }


@dataclass(frozen=True)
class SchemaExtension:
    """An extension a resource type allows (RFC 7643 §6)."""

    schema: str
    required: bool = False


@dataclass(frozen=True)
class ResourceType:
    """A resource type (RFC 7643 §6): its endpoint, core schema and extensions."""

    id: str
    name: str
    endpoint: str
    schema: str
    description: str = ""
    schema_extensions: tuple[SchemaExtension, ...] = ()

    def to_json(self) -> dict[str, Any]:
        """The representation served at /ResourceTypes/{name} (without meta)."""
        data: dict[str, Any] = {
            "schemas": [RESOURCE_TYPE],
            "id": self.id,
            "name": self.name,
            "endpoint": self.endpoint,
            "description": self.description,
            "schema": self.schema,
        }
        if self.schema_extensions:
            data["schemaExtensions"] = [
                {"schema": e.schema, "required": e.required} for e in self.schema_extensions
            ]
        return data

    @cached_property
    def schema_ids(self) -> tuple[str, ...]:
        """The core schema followed by every extension URN."""
        return (self.schema, *(e.schema for e in self.schema_extensions))


DEFAULT_RESOURCE_TYPES: tuple[ResourceType, ...] = (
    ResourceType(
        id="User",
        name="User",
        endpoint="/Users",
        schema=USER,
        description="User Account",
        schema_extensions=(SchemaExtension(ENTERPRISE_USER, required=False),),
    ),
    ResourceType(id="Group", name="Group", endpoint="/Groups", schema=GROUP, description="Group"),
)


@dataclass(frozen=True)
class ResolvedAttribute:
    """Where an attribute path points: the schema it lives in and its definition(s).

    ``schema`` is ``None`` for the common attributes (id, externalId, meta) and for ``schemas``.
    ``sub_attribute`` is set when the path names a sub-attribute of a complex attribute.
    ``extension`` is true when ``schema`` is an extension of the resource type (its values
    live under the URN key, RFC 7643 §3.3) rather than its core schema.
    """

    schema: str | None
    attribute: Attribute
    sub_attribute: Attribute | None = None
    extension: bool = False

    @property
    def target(self) -> Attribute:
        """The innermost attribute the path names."""
        return self.sub_attribute or self.attribute

    @property
    def is_extension(self) -> bool:
        """Whether the attribute lives under an extension URN key in the resource."""
        return self.extension


class SchemaRegistry:
    """All schemas and resource types the provider knows, with case-insensitive lookups."""

    def __init__(self, schemas: Iterable[Schema], resource_types: Iterable[ResourceType]):
        self._schemas: dict[str, Schema] = {s.id.lower(): s for s in schemas}
        self._resource_types: dict[str, ResourceType] = {
            rt.name.lower(): rt for rt in resource_types
        }
        for rt in self._resource_types.values():
            for urn in rt.schema_ids:
                if urn.lower() not in self._schemas:
                    raise ValueError(f"resource type {rt.name} names unknown schema {urn}")
        # Every value of every request and response is resolved by name; the registry never
        # changes, so answers are remembered (bounded: names also come from clients).
        self._resolved: dict[tuple[Any, ...], ResolvedAttribute | None] = {}
        self._canonical: dict[tuple[Any, ...], str | None] = {}
        self._derived: dict[tuple[Any, ...], Any] = {}

    @classmethod
    def load(
        cls,
        directory: Path | None = None,
        resource_types: Iterable[ResourceType] = DEFAULT_RESOURCE_TYPES,
    ) -> SchemaRegistry:
        """Load every ``*.json`` schema representation in ``directory`` (default schemas/scim)."""
        directory = directory or schemas_dir() / "scim"
        schemas = []
        for path in sorted(directory.glob("*.json")):
            data = json.loads(path.read_text(encoding="utf-8"))
            schemas.append(
                Schema(
                    id=data["id"],
                    name=data.get("name", ""),
                    description=data.get("description", ""),
                    attributes=tuple(Attribute.from_json(a) for a in data.get("attributes", ())),
                    representation=data,
                )
            )
        return cls(schemas, resource_types)

    # -- lookups -------------------------------------------------------------------------

    def schema(self, urn: str) -> Schema | None:
        """The schema with id ``urn`` (case-insensitive), if known."""
        return self._schemas.get(urn.lower())

    def schemas(self) -> Iterator[Schema]:
        """Every schema, in load order."""
        return iter(self._schemas.values())

    def resource_type(self, name: str) -> ResourceType | None:
        """The resource type called ``name`` (case-insensitive), if known."""
        return self._resource_types.get(name.lower())

    def resource_types(self) -> Iterator[ResourceType]:
        """Every resource type."""
        return iter(self._resource_types.values())

    def resource_type_for_endpoint(self, endpoint: str) -> ResourceType | None:
        """The resource type served at ``endpoint`` (e.g. ``/Users``); URLs are case-sensitive."""
        for rt in self._resource_types.values():
            if rt.endpoint == endpoint:
                return rt
        return None

    def known_urns(self, resource_type: ResourceType) -> tuple[str, ...]:
        """The schema URNs that may qualify attribute names of ``resource_type``."""
        return resource_type.schema_ids

    def canonical_urn(self, resource_type: ResourceType, urn: str) -> str | None:
        """The canonical spelling of ``urn`` if ``resource_type`` uses that schema."""
        key = (resource_type.schema_ids, urn)
        if key in self._canonical:
            return self._canonical[key]
        return remember(self._canonical, key, self._canonical_urn(resource_type, urn), _REMEMBERED)

    def _canonical_urn(self, resource_type: ResourceType, urn: str) -> str | None:
        lowered = urn.lower()
        for candidate in resource_type.schema_ids:
            if candidate.lower() == lowered:
                return candidate
        return None

    def resolve(
        self,
        resource_type: ResourceType,
        attribute: str,
        sub_attribute: str | None = None,
        urn: str | None = None,
    ) -> ResolvedAttribute | None:
        """Resolve ``[urn:]attribute[.sub_attribute]`` for ``resource_type``.

        Unqualified names resolve against the common attributes and the core schema only: an
        extension attribute must be qualified with its URN (RFC 7644 §3.10).
        """
        key = (resource_type.schema_ids, attribute, sub_attribute, urn)
        if key in self._resolved:
            return self._resolved[key]
        found = self._resolve(resource_type, attribute, sub_attribute, urn)
        return remember(self._resolved, key, found, _REMEMBERED)

    def _resolve(
        self,
        resource_type: ResourceType,
        attribute: str,
        sub_attribute: str | None,
        urn: str | None,
    ) -> ResolvedAttribute | None:
        rt_core = resource_type.schema
        if urn is not None:
            canonical = self.canonical_urn(resource_type, urn)
            if canonical is None:
                return None
            schema = self._schemas[canonical.lower()]
            found = schema.attribute(attribute)
            if found is None and canonical == resource_type.schema:
                found = _common(attribute)
                canonical_or_none: str | None = None if found is not None else canonical
            else:
                canonical_or_none = canonical
            if found is None:
                return None
            return _with_sub(
                canonical_or_none, found, sub_attribute, canonical_or_none not in (None, rt_core)
            )
        common = _common(attribute)
        if common is not None:
            return _with_sub(None, common, sub_attribute)
        core = self._schemas[resource_type.schema.lower()]
        found = core.attribute(attribute)
        if found is None:
            return None
        return _with_sub(resource_type.schema, found, sub_attribute)

    def attributes_of(self, resource_type: ResourceType) -> Iterator[ResolvedAttribute]:
        """Every top-level attribute of ``resource_type``: common, core, then extensions."""
        return iter(self.derived(resource_type, _all_attributes))

    def derived(
        self,
        resource_type: ResourceType,
        build: Callable[[SchemaRegistry, ResourceType], _T],
    ) -> _T:
        """``build(self, resource_type)``, worked out once per resource type and kept.

        The registry never changes, so what a module derives from it for a resource type (the
        attribute list, projection's default representation, validation's required checks) is
        built once and kept here, under the builder and the type's schemas.
        """
        key = (build, resource_type.schema_ids)
        if key in self._derived:
            return cast(_T, self._derived[key])
        found = self._derived[key] = build(self, resource_type)
        return found


def _all_attributes(
    registry: SchemaRegistry, resource_type: ResourceType
) -> tuple[ResolvedAttribute, ...]:
    found = [ResolvedAttribute(None, attribute) for attribute in COMMON_ATTRIBUTES]
    for urn in resource_type.schema_ids:
        schema = registry.schema(urn)
        assert schema is not None  # the constructor checked every URN of every type
        for attribute in schema.attributes:
            found.append(ResolvedAttribute(urn, attribute, extension=urn != resource_type.schema))
    return tuple(found)


_T = TypeVar("_T")


def _common(name: str) -> Attribute | None:
    lowered = name.lower()
    for attribute in COMMON_ATTRIBUTES:
        if attribute.name.lower() == lowered:
            return attribute
    return None


def _with_sub(
    schema: str | None, attribute: Attribute, sub_attribute: str | None, extension: bool = False
) -> ResolvedAttribute | None:
    if sub_attribute is None:
        return ResolvedAttribute(schema, attribute, extension=extension)
    sub = attribute.sub_attribute(sub_attribute)
    if sub is None:
        return None
    return ResolvedAttribute(schema, attribute, sub, extension=extension)
