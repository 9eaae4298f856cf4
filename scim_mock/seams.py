"""The pieces of the service provider that an extension may replace (its seams).

:class:`Seams` names each replaceable piece with the signature the provider calls it with. The
defaults are the mock's own strict implementations; :class:`scim_mock.provider.ServiceProvider`
receives a ``Seams`` through its constructor and uses nothing else for these jobs. An extension
(:mod:`scim_mock.extensions`) returns a changed copy, usually wrapping the piece it was given, so
that a deliberately broken or differently behaving provider is built by composition and never by
patching the provider's internals.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable
from dataclasses import dataclass, replace
from typing import Any, Protocol

from scim_mock import filters, listing, patch
from scim_mock.memberships import MembershipGraph
from scim_mock.schema import ResourceType, SchemaRegistry
from scim_mock.store import (
    ConflictRule,
    ResourceStore,
    UniqueSpec,
    VersionRule,
    fresh_version,
    held_by_another,
)

Resource = dict[str, Any]


class PatchEngine(Protocol):
    """Apply PATCH Operations to a resource, all or nothing (RFC 7644 §3.5.2).

    Parameters are positional, so an implementation may name them as it likes.
    """

    def __call__(
        self, resource: Resource, operations: Any, registry: SchemaRegistry, rt: ResourceType, /
    ) -> Resource: ...


class FilterParser(Protocol):
    """Parse filter text into an AST (RFC 7644 §3.4.2.2); ``known_urns`` qualify paths."""

    def __call__(self, text: str, known_urns: Iterable[str] = (), /) -> filters.Filter: ...


class FilterCompiler(Protocol):
    """Turn a filter AST into a predicate over stored resources of one type."""

    def __call__(
        self, node: filters.Filter, registry: SchemaRegistry, resource_type: ResourceType, /
    ) -> Callable[[Resource], bool]: ...


class Sorter(Protocol):
    """Order resources of one type by sortBy/sortOrder (RFC 7644 §3.4.2.3)."""

    def __call__(
        self,
        resources: Iterable[Resource],
        sort_by: str | None,
        sort_order: str | None,
        registry: SchemaRegistry,
        resource_type: ResourceType | str,
        /,
    ) -> list[Resource]: ...


def unique_attributes(registry: SchemaRegistry) -> dict[str, list[tuple[str, bool]]]:
    """Resource type name -> the core attributes whose uniqueness the store enforces."""
    result: dict[str, list[tuple[str, bool]]] = {}
    for rt in registry.resource_types():
        core = registry.schema(rt.schema)
        assert core is not None
        result[rt.name] = [
            (a.name, a.case_exact)
            for a in core.attributes
            if a.uniqueness in ("server", "global") and not a.multi_valued and a.type != "complex"
        ]
    return result


@dataclass(frozen=True)
class Seams:
    """The replaceable pieces of a provider, defaulting to the strict implementations.

    * ``apply_patch``: the PATCH engine.
    * ``parse_filter``, ``compile_filter``: query planning (filter text to a predicate).
    * ``sort``: ordering of one resource type's query results.
    * ``unique_attributes``: which attributes the store keeps unique, with their caseExact.
    * ``unique_conflict``, ``next_version``: the store's uniqueness and versioning rules
      (used when the provider builds its own :class:`scim_mock.store.InMemoryStore`).
    * ``memberships``: builds the membership graph (references, User.groups, member display,
      what a deletion does to groups) over the provider's store.
    """

    apply_patch: PatchEngine = patch.apply_patch
    parse_filter: FilterParser = filters.parse_filter
    compile_filter: FilterCompiler = filters.compile_filter
    sort: Sorter = listing.sort_resources
    unique_attributes: Callable[[SchemaRegistry], UniqueSpec] = unique_attributes
    unique_conflict: ConflictRule = held_by_another
    next_version: VersionRule = fresh_version
    memberships: Callable[[SchemaRegistry, ResourceStore], MembershipGraph] = MembershipGraph

    def replace(self, **changes: Any) -> Seams:
        """A copy with ``changes`` applied."""
        return replace(self, **changes)
