"""The service provider: SCIM operations on resources, independent of HTTP.

This layer composes the domain modules (validation, PATCH, store, queries, projection) into the
operations of RFC 7644 §3: create, retrieve, query, replace, modify and delete. The rules that
cross from one resource to another (members must reference existing resources, a User's
``groups`` is derived, deleting a resource removes it from every group; P-3.6-03, C-4.1.2-04)
live in :mod:`scim_mock.memberships`, queries in :mod:`scim_mock.query`. The pieces an extension
may replace arrive through the constructor as :class:`scim_mock.seams.Seams`. It never builds
URLs; the HTTP layer adds locations.
"""

from __future__ import annotations

import hmac
from collections.abc import Callable, Iterable
from datetime import datetime
from typing import Any

from scim_mock import projection, validation
from scim_mock.config import MockConfig
from scim_mock.errors import NotFound, PreconditionFailed
from scim_mock.memberships import drop_derived_member_values
from scim_mock.operations import SignIn
from scim_mock.query import Query, QueryPlanner, QueryResult
from scim_mock.schema import ResourceType, SchemaRegistry
from scim_mock.seams import Seams
from scim_mock.store import InMemoryStore, ResourceStore
from scim_mock.values import normalize_text

__all__ = [
    "Query",
    "QueryResult",
    "ServiceProvider",
    "check_if_match",
    "etag_matches",
]

Resource = dict[str, Any]

#: Why :meth:`ServiceProvider.verify_credentials` refused a sign-in.
REFUSED_UNKNOWN = "no User has this userName"
REFUSED_NO_PASSWORD = "the User has no password"
REFUSED_WRONG_PASSWORD = "the password does not match"
REFUSED_INACTIVE = "the User is not active (active=false)"


class ServiceProvider:
    """SCIM resource operations over a :class:`ResourceStore`.

    ``store`` defaults to an :class:`InMemoryStore` built with the uniqueness and versioning
    rules of ``seams``; ``seams`` defaults to the strict implementations.
    """

    def __init__(
        self,
        registry: SchemaRegistry,
        config: MockConfig,
        store: ResourceStore | None = None,
        seams: Seams | None = None,
        *,
        clock: Callable[[], datetime] | None = None,
        ids: Callable[[], str] | None = None,
    ):
        self.registry = registry
        self.config = config
        self.seams = seams = seams or Seams()
        unique = seams.unique_attributes(registry)
        # clock and ids reach the store it builds (the mock's clock, seeded ids); a store
        # passed in keeps its own.
        self.store: ResourceStore = store or InMemoryStore(
            unique=unique,
            conflict=seams.unique_conflict,
            version_rule=seams.next_version,
            clock=clock,
            ids=ids,
        )
        self.memberships = seams.memberships(registry, self.store)
        indexed = {name: {a.lower() for a, _ in attrs} for name, attrs in unique.items()}
        self.planner = QueryPlanner(
            registry, config, self.store, self.memberships, seams, indexed, clock=clock
        )

    # -- resource types ------------------------------------------------------------------

    def resource_type(self, name: str) -> ResourceType:
        """The resource type called ``name``; NotFound when the mock has none."""
        rt = self.registry.resource_type(name)
        if rt is None:
            raise NotFound(f"Unknown resource type {name!r}.")
        return rt

    # -- operations ----------------------------------------------------------------------

    def create(self, rt: ResourceType, body: Any) -> Resource:
        """POST: validate, ignore readOnly values, check required and references, store."""
        resource = self._prepare(rt, body)
        with self.store.transaction():
            self.memberships.check_references(rt, resource, own_id=None)
            created = self.store.create(rt.name, resource)
        return self.memberships.with_computed(rt, created)

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        """GET by id, with computed attributes (groups, member display)."""
        return self.memberships.with_computed(rt, self.store.get(rt.name, resource_id))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        """PUT: replace every readWrite value (RFC 7644 §3.5.1); readOnly values are kept."""
        new = self._prepare(rt, body, check=False)
        with self.store.transaction():
            old = self.store.get(rt.name, resource_id)
            check_if_match(old, if_match)
            merged = validation.merge_for_replace(self.registry, rt, old, new)
            validation.check_required(self.registry, rt, merged)
            self.memberships.check_references(rt, merged, own_id=resource_id)
            stored = self.store.replace(rt.name, resource_id, merged)
        return self.memberships.with_computed(rt, stored)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        """PATCH: apply every operation atomically (RFC 7644 §3.5.2)."""
        with self.store.transaction():
            old = self.store.get(rt.name, resource_id)
            check_if_match(old, if_match)
            new = self.seams.apply_patch(old, operations, self.registry, rt)
            new = drop_derived_member_values(rt, new)
            validation.check_required(self.registry, rt, new)
            self.memberships.check_references(rt, new, own_id=resource_id)
            stored = self.store.replace(rt.name, resource_id, new)
        return self.memberships.with_computed(rt, stored)

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        """DELETE, then remove the resource from every group's members (P-3.6-03)."""
        with self.store.transaction():
            check_if_match(self.store.get(rt.name, resource_id), if_match)
            self.store.delete(rt.name, resource_id)
            self.memberships.member_deleted(resource_id)

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        """Filter, sort and page resources of one or several types (RFC 7644 §3.4.2)."""
        return self.planner.run(list(rts), query)

    def present(
        self,
        rt: ResourceType,
        resource: Resource,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> Resource:
        """Apply ``returned`` and attributes/excludedAttributes (RFC 7644 §3.4.2.5, §3.9).

        Without versioning (etag.supported=false) meta.version is not shown either, so no
        representation carries a version that no ETag header matches (C-3.1-21).
        """
        shown = projection.project(resource, self.registry, rt, attributes, excluded_attributes)
        meta = shown.get("meta")
        if not self.config.etag_supported and isinstance(meta, dict):
            meta.pop("version", None)
        return shown

    def check_projection(
        self,
        rt: ResourceType,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> None:
        """Raise the error :meth:`present` would raise for these parameters.

        Views call this before a write, so that a bad attributes/excludedAttributes parameter
        is refused before the resource is changed rather than after.
        """
        self.present(rt, {"schemas": [rt.schema]}, attributes, excluded_attributes)

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        """Whether ``password`` signs in the User called ``user_name`` (the sign-in oracle).

        Not a SCIM operation: it stands for the product behind a SCIM endpoint, so that checks
        can ask whether deprovisioning closed access. RFC 7643 §4.1.1 leaves the meaning of
        ``active`` to the provider, "typically" false means suspended: here an account signs
        in when its password matches and ``active`` is not false (unassigned counts as
        active). userName matches case-insensitively (C-4.1.1-03), the password exactly, in
        constant time. Status is looked at only once the password matched, so a wrong guess
        does not learn whether the account is suspended.
        """
        rt = self.resource_type("User")
        wanted = normalize_text(user_name, False)
        user = next(
            (u for u in self.store.list(rt.name)
             if isinstance(u.get("userName"), str)
             and normalize_text(u["userName"], False) == wanted),
            None,
        )  # fmt: skip
        if user is None:
            return SignIn(False, reason=REFUSED_UNKNOWN)
        stored = user.get("password")
        if not isinstance(stored, str) or not stored:
            return SignIn(False, user["id"], REFUSED_NO_PASSWORD)
        if not hmac.compare_digest(stored.encode("utf-8"), password.encode("utf-8")):
            return SignIn(False, user["id"], REFUSED_WRONG_PASSWORD)
        if user.get("active") is False:
            return SignIn(False, user["id"], REFUSED_INACTIVE)
        return SignIn(True, user["id"])

    def reset(self) -> None:
        """Forget every resource."""
        self.store.reset()

    def snapshot(self) -> dict[str, Any]:
        """An opaque copy of every resource (ids, versions, meta), for :meth:`restore`."""
        return self.store.snapshot()

    def restore(self, snapshot: dict[str, Any]) -> None:
        """Return every resource to a :meth:`snapshot` exactly."""
        self.store.restore(snapshot)

    # -- helpers -------------------------------------------------------------------------

    def _prepare(self, rt: ResourceType, body: Any, *, check: bool = True) -> Resource:
        resource = validation.canonicalize_resource(self.registry, rt, body)
        resource = validation.strip_read_only(self.registry, rt, resource)
        resource = drop_derived_member_values(rt, resource)
        if check:
            validation.check_required(self.registry, rt, resource)
        return resource


def _opaque(tag: str) -> str:
    tag = tag.strip()
    return tag[2:] if tag.startswith("W/") else tag


def etag_matches(current: str | None, candidates: Iterable[str]) -> bool:
    """Weak comparison of entity tags (RFC 7232 §2.3.2), with ``*`` matching any."""
    for candidate in candidates:
        if candidate.strip() == "*":
            return True
        if current is not None and _opaque(candidate) == _opaque(current):
            return True
    return False


def check_if_match(resource: Resource, if_match: list[str] | None) -> None:
    """Raise PreconditionFailed unless If-Match names the current version (RFC 7644 §3.14)."""
    if if_match is None:
        return
    current = resource.get("meta", {}).get("version")
    if not etag_matches(current, if_match):
        raise PreconditionFailed(
            f"If-Match {', '.join(if_match)} does not match the current version {current}."
        )
