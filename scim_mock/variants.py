"""Legal variants of the mock: behaviour the RFCs allow and real providers show.

The strict mock answers one way where RFC 7643/7644 allow several; a conformance suite that
only ever meets that one way cannot tell a rule from a habit. Each :class:`MockConfig` option
below switches the mock to another legal answer, so that a check which fails under it is known
to be a false alarm:

* ``vendor_extension``: a vendor extension schema for Users and Groups (RFC 7643 §3.3, §6),
  published at /Schemas and /ResourceTypes (required=false), with readOnly values in every
  representation and its URN in ``schemas``;
* ``unassigned_as_null``: unassigned attributes sent as null, empty multi-valued ones as []
  (RFC 7643 §2.5 makes the three equivalent);
* ``shuffle_order``: members of every JSON object, ``schemas`` and multi-valued values in a
  seeded random order (JSON objects are unordered; RFC 7643 §2.4); a ListResponse's
  ``Resources`` and a BulkResponse's ``Operations`` keep theirs (sortBy, bulk order);
* ``datetime_offset``: dateTime values in a UTC offset with seven fractional digits, as .NET
  renders them (xsd:dateTime, RFC 7643 §2.3.5);
* ``content_type_charset``: ``application/scim+json; charset=utf-8`` (RFC 7644 §8.1);
* ``unfixed_scim_type``: a 400 whose keyword no section of RFC 7644 fixes (invalidSyntax,
  invalidValue; Table 9 of §3.12 only describes them) carries the other keyword, or none;
* ``list_member_schemas=false``: query results without ``schemas`` (the §3.4.2 example);
* ``etag_strength="strong"``: strong entity tags (RFC 7644 §3.14 allows either).

``discovery_filter`` is read by the discovery view itself. The provider-level variants are
:class:`scim_mock.operations.ProviderDecorator` subclasses; the wire-level ones are one
``after_request`` transform that rewrites the JSON the views produced.
"""

from __future__ import annotations

import json
import random
import re
import threading
from collections.abc import Iterable
from datetime import datetime, timedelta, timezone
from typing import Any

from flask import Flask, Response, request

from scim_mock.config import MockConfig
from scim_mock.http import SCIM_MEDIA_TYPE
from scim_mock.operations import Provider, ProviderDecorator, Resource
from scim_mock.schema import (
    GROUP,
    USER,
    Attribute,
    ResourceType,
    Schema,
    SchemaExtension,
    SchemaRegistry,
)

VENDOR_USER = "urn:ietf:params:scim:schemas:extension:acme:2.0:User"
VENDOR_GROUP = "urn:ietf:params:scim:schemas:extension:acme:2.0:Group"
ERROR = "urn:ietf:params:scim:api:messages:2.0:Error"
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
#: The §3.12 keywords that no section of RFC 7644 prescribes for a particular failure.
UNFIXED_SCIM_TYPES = {"invalidSyntax": "invalidValue", "invalidValue": "invalidSyntax"}
#: Arrays whose order means something: query results (sortBy) and bulk results.
ORDERED_ARRAYS = frozenset({"resources", "operations"})
_TENANT = "acme-prod"
_MOCK_STAMP = re.compile(r"\d{4}-\d\d-\d\dT\d\d:\d\d:\d\d(\.\d+)?Z")


# -- vendor extension -------------------------------------------------------------------------


def _read_only(name: str, kind: str = "string", description: str = "") -> Attribute:
    return Attribute(
        name=name, type=kind, description=description, case_exact=True, mutability="readOnly"
    )


def _vendor_schema(urn: str, kind: str) -> Schema:
    attributes = [
        _read_only("tenant", description="The vendor tenant that holds the resource."),
        _read_only("provisioningSource", description="How the resource reached the vendor."),
    ]
    if kind == "User":
        attributes.append(
            _read_only("lastSyncedAt", "dateTime", "When the vendor last synchronised the user.")
        )
    return Schema(
        id=urn,
        name=f"Acme{kind}",
        description=f"Acme's vendor extension of the {kind} resource (read-only values).",
        attributes=tuple(attributes),
    )


def extend_registry(config: MockConfig, registry: SchemaRegistry) -> SchemaRegistry:
    """``registry``, plus the vendor extension of Users and Groups when configured."""
    if not config.vendor_extension:
        return registry
    extensions = {USER: VENDOR_USER, GROUP: VENDOR_GROUP}
    types = []
    for rt in registry.resource_types():
        urn = extensions.get(rt.schema)
        if urn is not None:
            rt = ResourceType(
                id=rt.id,
                name=rt.name,
                endpoint=rt.endpoint,
                schema=rt.schema,
                description=rt.description,
                schema_extensions=(*rt.schema_extensions, SchemaExtension(urn, required=False)),
            )
        types.append(rt)
    schemas = [*registry.schemas(), _vendor_schema(VENDOR_USER, "User")]
    schemas.append(_vendor_schema(VENDOR_GROUP, "Group"))
    return SchemaRegistry(schemas, types)


def _key(body: dict[str, Any], name: str) -> str | None:
    return next((k for k in body if k.lower() == name.lower()), None)


class VendorExtension(ProviderDecorator):
    """Every User and Group carries the vendor's readOnly values under the extension URN.

    The values are added before projection, so ``attributes``/``excludedAttributes`` apply to
    them like to any other attribute, and the URN joins ``schemas`` only when they are shown.
    """

    def present(
        self,
        rt: ResourceType,
        resource: Resource,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> Resource:
        """The representation with the vendor values."""
        urn = {USER: VENDOR_USER, GROUP: VENDOR_GROUP}.get(rt.schema)
        if urn is None or urn not in rt.schema_ids:
            return self.inner.present(rt, resource, attributes, excluded_attributes)
        values: dict[str, Any] = {"tenant": _TENANT, "provisioningSource": "scim"}
        stamp = (resource.get("meta") or {}).get("lastModified")
        if rt.schema == USER and isinstance(stamp, str):
            values["lastSyncedAt"] = stamp
        shown = self.inner.present(rt, {**resource, urn: values}, attributes, excluded_attributes)
        schemas = shown.get("schemas")
        if urn in shown and isinstance(schemas, list) and urn not in schemas:
            shown["schemas"] = [*schemas, urn]
        return shown


# -- unassigned attributes as null ------------------------------------------------------------


def _fill(body: dict[str, Any], attributes: Iterable[Attribute]) -> None:
    """Spell out every unassigned attribute of ``body``: null, or [] when multi-valued."""
    for attribute in attributes:
        key = _key(body, attribute.name)
        if key is None:
            body[attribute.name] = [] if attribute.multi_valued else None
            continue
        if not attribute.is_complex:
            continue
        value = body[key]
        for element in value if isinstance(value, list) else [value]:
            if isinstance(element, dict):
                _fill(element, attribute.sub_attributes)


class UnassignedAsNull(ProviderDecorator):
    """Representations name every attribute of their schemas, unassigned ones as null or [].

    As a serializer that writes every field of its model does: whatever ``attributes`` or
    ``excludedAttributes`` left out, and returned=never ones too, is written as null, which
    still means "no value" (RFC 7643 §2.5).
    """

    def present(
        self,
        rt: ResourceType,
        resource: Resource,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> Resource:
        """The representation with unassigned attributes spelt out."""
        shown = self.inner.present(rt, resource, attributes, excluded_attributes)
        if _key(shown, "externalId") is None:
            shown["externalId"] = None
        core = self.registry.schema(rt.schema)
        if core is not None:
            _fill(shown, core.attributes)
        for extension in rt.schema_extensions:
            key = _key(shown, extension.schema)
            schema = self.registry.schema(extension.schema)
            if key is not None and isinstance(shown[key], dict) and schema is not None:
                _fill(shown[key], schema.attributes)
        return shown


def wrap_provider(config: MockConfig, provider: Provider) -> Provider:
    """``provider`` with the configured provider-level variants."""
    if config.vendor_extension:
        provider = VendorExtension(provider)
    if config.unassigned_as_null:
        provider = UnassignedAsNull(provider)
    return provider


# -- the wire: one response transform ---------------------------------------------------------


class WireVariants:
    """Rewrites the JSON of every SCIM response the way the configured variants ask."""

    def __init__(self, config: MockConfig, registry: SchemaRegistry) -> None:
        self.config = config
        self.random = random.Random(config.shuffle_seed)
        self.lock = threading.Lock()
        self.offset = _parse_offset(config.datetime_offset) if config.datetime_offset else None
        self.stamps = {"created", "lastmodified"} | {
            a.name.lower() for s in registry.schemas() for a in _walk(s.attributes)
            if a.type == "dateTime"
        }  # fmt: skip
        base = config.normalized_base_path
        self.discovery = tuple(f"{base}{p}" for p in ("/Schemas", "/ResourceTypes"))

    @property
    def rewrites_bodies(self) -> bool:
        """Whether any variant changes response bodies."""
        cfg = self.config
        return (
            cfg.shuffle_order
            or self.offset is not None
            or cfg.unfixed_scim_type != "exact"
            or not cfg.list_member_schemas
            or cfg.etag_strength == "strong"
        )

    def __call__(self, response: Response) -> Response:
        if request.path.startswith("/_mock"):
            return response
        if self.config.etag_strength == "strong" and "ETag" in response.headers:
            response.headers["ETag"] = _strong(response.headers["ETag"])
        if response.mimetype != SCIM_MEDIA_TYPE:
            return response
        if self.rewrites_bodies and not response.direct_passthrough:
            data = response.get_data()
            try:
                body = json.loads(data) if data else None
            except ValueError:
                body = None
            if body is not None:
                response.set_data(_encode(self.rewrite(body)))
        if self.config.content_type_charset:
            response.headers["Content-Type"] = f"{SCIM_MEDIA_TYPE}; charset=utf-8"
        return response

    def rewrite(self, body: Any) -> Any:
        """``body`` with every configured variant applied."""
        if self.config.unfixed_scim_type != "exact":
            _errors(body, self.config.unfixed_scim_type)
        if not self.config.list_member_schemas and not request.path.startswith(self.discovery):
            if isinstance(body, dict) and LIST_RESPONSE in (body.get("schemas") or []):
                for resource in body.get("Resources") or []:
                    if isinstance(resource, dict):
                        resource.pop("schemas", None)
        body = self._values(body, None)
        if self.config.shuffle_order:
            with self.lock:
                body = self._shuffle(body, None)
        return body

    def _values(self, value: Any, key: str | None) -> Any:
        """dateTimes in the configured offset; meta.version as a strong tag."""
        if isinstance(value, dict):
            return {k: self._values(v, k) for k, v in value.items()}
        if isinstance(value, list):
            return [self._values(v, key) for v in value]
        if not isinstance(value, str) or key is None:
            return value
        lowered = key.lower()
        if self.offset is not None and lowered in self.stamps and _MOCK_STAMP.fullmatch(value):
            return _render(value, self.offset)
        if lowered == "version" and self.config.etag_strength == "strong":
            return _strong(value)
        return value

    def _shuffle(self, value: Any, key: str | None) -> Any:
        if isinstance(value, dict):
            items = [(k, self._shuffle(v, k)) for k, v in value.items()]
            self.random.shuffle(items)
            return dict(items)
        if isinstance(value, list):
            items = [self._shuffle(v, key) for v in value]
            if key is None or key.lower() not in ORDERED_ARRAYS:
                self.random.shuffle(items)
            return items
        return value


def _walk(attributes: Iterable[Attribute]) -> Iterable[Attribute]:
    for attribute in attributes:
        yield attribute
        yield from _walk(attribute.sub_attributes)


def _errors(value: Any, mode: str) -> None:
    """Relabel (or drop) the unfixed keyword of every 400 Error, bulk results included."""
    if isinstance(value, list):
        for item in value:
            _errors(item, mode)
        return
    if not isinstance(value, dict):
        return
    keyword = value.get("scimType")
    if ERROR in (value.get("schemas") or []) and value.get("status") == "400":
        if keyword in UNFIXED_SCIM_TYPES:
            if mode == "omit":
                del value["scimType"]
            else:
                value["scimType"] = UNFIXED_SCIM_TYPES[keyword]
    for item in value.values():
        _errors(item, mode)


def _parse_offset(text: str) -> timezone:
    sign = -1 if text.startswith("-") else 1
    hours, minutes = (int(part) for part in text[1:].split(":"))
    return timezone(sign * timedelta(hours=hours, minutes=minutes))


def _render(stamp: str, zone: timezone) -> str:
    """``2024-05-01T10:00:00.123Z`` as ``2024-05-01T12:00:00.1230000+02:00`` (same instant)."""
    moment = datetime.fromisoformat(stamp.replace("Z", "+00:00")).astimezone(zone)
    offset = moment.isoformat()[-6:]
    return f"{moment:%Y-%m-%dT%H:%M:%S}.{moment.microsecond:06d}0{offset}"


def _strong(tag: str) -> str:
    return tag[2:] if tag.startswith("W/") else tag


def _encode(body: Any) -> bytes:
    text = json.dumps(body, ensure_ascii=False)
    try:
        return text.encode("utf-8")
    except UnicodeEncodeError:  # an unpaired surrogate a client sent: keep it escaped
        return json.dumps(body, ensure_ascii=True).encode("ascii")


def install(app: Flask, config: MockConfig, registry: SchemaRegistry) -> None:
    """Register the response transform when a wire-level variant is configured."""
    wire = WireVariants(config, registry)
    if wire.rewrites_bodies or config.content_type_charset:
        app.after_request(wire)
