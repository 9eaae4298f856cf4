"""The extension that carries the personas (scim_mock.personas) into an app.

:class:`PersonaExtension` changes the provider's seams (filters that hide recent writes or match
userName case-sensitively, a uniqueness index that is case-sensitive for userName, a membership
graph that may accept unknown member ids), wraps the provider (writes remembered, DELETE that
deactivates) and registers the rate limit's ``before_request`` hook. It asks a
:class:`PersonaState` (the app's :class:`scim_mock.personas.PersonaRuntime`) on every call
which personas are in force, so it is a plain pass-through while they are off.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable
from dataclasses import replace
from typing import Any, Protocol

from flask import Flask, request

from scim_mock.errors import TooManyRequests
from scim_mock.extensions import MockExtension
from scim_mock.filters import Filter
from scim_mock.memberships import MembershipGraph, MembershipGraphDecorator
from scim_mock.operations import Provider, ProviderDecorator, Resource
from scim_mock.schema import GROUP, USER, ResourceType, Schema, SchemaRegistry
from scim_mock.seams import Seams
from scim_mock.store import ResourceStore, UniqueSpec


class PersonaState(Protocol):
    """What the extension asks about the personas in force (see PersonaRuntime)."""

    def choice(self, name: str) -> object | None:
        """The persona ``name`` if it is in force, else None."""

    def written(self, rt: ResourceType, resource: Resource) -> None:
        """Remember a write (eventual-consistency)."""

    def hidden(self, rt: ResourceType) -> Callable[[Resource], bool] | None:
        """Which resources of ``rt`` filters may not see yet, or None."""

    def throttle(self, key: str) -> int | None:
        """Seconds ``key`` must wait (rate-limit), or None."""


def client_key(authorization: str | None) -> str:
    """A stable short fingerprint of a credential (as the request journal's ``client``)."""
    if not authorization:
        return "anonymous"
    return hashlib.sha256(authorization.encode("utf-8")).hexdigest()[:12]


def _case_exact_user_name(registry: SchemaRegistry) -> SchemaRegistry:
    """``registry`` with the core User's userName caseExact (for filtering only)."""
    schemas: list[Schema] = []
    for schema in registry.schemas():
        if schema.id == USER:
            attributes = tuple(
                replace(a, case_exact=True) if a.name.lower() == "username" else a
                for a in schema.attributes
            )
            schema = replace(schema, attributes=attributes)
        schemas.append(schema)
    return SchemaRegistry(schemas, registry.resource_types())


class PersonaExtension(MockExtension):
    """Seams, a provider decorator and a ``before_request`` hook for the personas.

    Start-only behaviour (case-sensitive userName) is built in when chosen; the switchable
    personas are consulted on every call, and do nothing while they are off.
    """

    name = "personas"

    def __init__(self, runtime: PersonaState, *, case_sensitive: bool = False) -> None:
        self.runtime = runtime
        self.case_sensitive = case_sensitive

    def seams(self, seams: Seams) -> Seams:
        """Filters hide recent writes (eventual-consistency), members may dangle (lenient)."""
        runtime, inner_compile = self.runtime, seams.compile_filter
        inner_members, inner_unique = seams.memberships, seams.unique_attributes
        case_registries: dict[int, SchemaRegistry] = {}

        def compile_filter(
            node: Filter, registry: SchemaRegistry, rt: ResourceType, /
        ) -> Callable[[Resource], bool]:
            if self.case_sensitive and rt.schema == USER:
                key = id(registry)
                if key not in case_registries:
                    case_registries[key] = _case_exact_user_name(registry)
                registry = case_registries[key]
            predicate = inner_compile(node, registry, rt)
            hidden = runtime.hidden(rt)
            if hidden is None:
                return predicate
            return lambda resource: predicate(resource) and not hidden(resource)

        def unique_attributes(registry: SchemaRegistry) -> UniqueSpec:
            spec = inner_unique(registry)
            users = {rt.name for rt in registry.resource_types() if rt.schema == USER}
            return {
                name: [
                    (a, True if name in users and a.lower() == "username" else exact)
                    for a, exact in attrs
                ]
                for name, attrs in spec.items()
            }

        def memberships(registry: SchemaRegistry, store: ResourceStore) -> MembershipGraph:
            return LenientMembers(runtime, inner_members(registry, store))

        changes: dict[str, Any] = {"compile_filter": compile_filter, "memberships": memberships}
        if self.case_sensitive:
            changes["unique_attributes"] = unique_attributes
        return seams.replace(**changes)

    def provider(self, provider: Provider) -> Provider:
        """Writes are remembered (eventual-consistency); DELETE may deactivate (soft-delete)."""
        return PersonaProvider(provider, self.runtime)

    def init_app(self, app: Flask) -> None:
        """The token bucket, in front of every SCIM request (not /_mock)."""
        runtime = self.runtime

        @app.before_request
        def _rate_limit() -> None:
            if runtime.choice("rate-limit") is None or request.path.startswith("/_mock"):
                return
            wait = runtime.throttle(client_key(request.headers.get("Authorization")))
            if wait is not None:
                raise TooManyRequests(
                    f"Rate limit of this credential exceeded; retry in {wait} s "
                    "(persona rate-limit).",
                    headers={"Retry-After": str(wait)},
                )


class PersonaProvider(ProviderDecorator):
    """Remembers writes for eventual-consistency; DELETE of a User deactivates it (soft-delete)."""

    def __init__(self, inner: Provider, runtime: PersonaState) -> None:
        super().__init__(inner)
        self.runtime = runtime

    def create(self, rt: ResourceType, body: Any) -> Resource:
        """Created, and remembered."""
        created = self.inner.create(rt, body)
        self.runtime.written(rt, created)
        return created

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        """Replaced, and remembered."""
        replaced = self.inner.replace(rt, resource_id, body, if_match)
        self.runtime.written(rt, replaced)
        return replaced

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        """Patched, and remembered."""
        patched = self.inner.patch(rt, resource_id, operations, if_match)
        self.runtime.written(rt, patched)
        return patched

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        """Deleted, or under soft-delete (Users only) set to active=false, If-Match honoured."""
        if self.runtime.choice("soft-delete") is None or rt.schema != USER:
            self.inner.delete(rt, resource_id, if_match)
            return
        deactivate = [{"op": "replace", "path": "active", "value": False}]
        self.patch(rt, resource_id, deactivate, if_match)


class LenientMembers(MembershipGraphDecorator):
    """The membership graph ``inner``, accepting unknown member ids while lenient-members is on.

    Every question is delegated to ``inner`` (which may itself be an extension's graph); only
    the reference check leaves out the members that name no existing resource.
    """

    def __init__(self, runtime: PersonaState, inner: MembershipGraph) -> None:
        super().__init__(inner)
        self.runtime = runtime

    def check_references(self, rt: ResourceType, resource: Resource, own_id: str | None) -> None:
        """The inner check over the members that exist; unknown ones are kept as sent."""
        members = resource.get("members")
        if (
            self.runtime.choice("lenient-members") is None
            or rt.schema != GROUP
            or not isinstance(members, list)
        ):
            self.inner.check_references(rt, resource, own_id)
            return
        resource["members"] = [
            m for m in members if not isinstance(m, dict) or self.inner.kind_of(m.get("value"))
        ]
        try:
            self.inner.check_references(rt, resource, own_id)
        finally:
            # The same member objects, in the client's order (known ones now carry their type).
            resource["members"] = members
