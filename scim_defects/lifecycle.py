"""Defects of groups, membership and the joiner/mover/leaver lifecycle (deprovisioning).

Each defect breaks the catalog requirements it names, so that the defect matrix (``tests/defects``)
can prove the checks of
``scim_tests/checks/test_{groups,lifecycle_joiner,lifecycle_mover,lifecycle_leaver}.py`` fail.
Defects reach the mock only through its public seams: the PATCH engine and the membership graph
(:class:`scim_mock.seams.Seams`, each wrapping the piece it was given, so defects combine),
:class:`scim_mock.operations.ProviderDecorator` subclasses, or a response transform. The deletion
defects live in :mod:`scim_defects.deletion`.
"""

from __future__ import annotations

import copy
import uuid
from collections.abc import Callable, Iterable
from datetime import datetime, timedelta, timezone
from typing import Any, TypeVar

from flask import Request, Response, g, has_request_context, request

from scim_defects.common import type_with_schema
from scim_defects.registry import Defect, register, response_json, rewrite
from scim_mock import errors
from scim_mock.memberships import MembershipGraph, MembershipGraphDecorator
from scim_mock.operations import ProviderDecorator
from scim_mock.query import Query, QueryResult
from scim_mock.schema import ENTERPRISE_USER, GROUP, USER, ResourceType, SchemaRegistry
from scim_mock.seams import Seams
from scim_mock.store import ResourceStore
from scim_mock.values import parse_datetime

Resource = dict[str, Any]
Operation = dict[str, Any]
T = TypeVar("T")
#: Users created this recently are not yet visible to filters ("search-index-lags").
INDEX_LAG = timedelta(seconds=30)


# -- helpers --------------------------------------------------------------------------------


def _field(op: Any, name: str) -> Any:
    """A member of a PATCH operation or body, matched case-insensitively."""
    if not isinstance(op, dict):
        return None
    return next((v for k, v in op.items() if isinstance(k, str) and k.lower() == name), None)


def _with(op: Operation, name: str, value: Any) -> Operation:
    """``op`` with member ``name`` set (any other spelling of it removed)."""
    result = {k: v for k, v in op.items() if not (isinstance(k, str) and k.lower() == name)}
    result[name] = value
    return result


def _without(body: Resource, name: str) -> Resource:
    return {k: v for k, v in body.items() if not (isinstance(k, str) and k.lower() == name.lower())}


def _op(op: Any) -> str:
    return str(_field(op, "op") or "").lower()


def _path(op: Any) -> str:
    return str(_field(op, "path") or "").strip().lower()


PatchRewrite = Callable[[Resource, list[Any], ResourceType], list[Any]]


def _rewrite_patch(rewrite_ops: PatchRewrite) -> Callable[[Seams], Seams]:
    """A seams change: the PATCH engine rewrites the Operations first, then runs as before.

    When the rewrite drops every operation the resource comes back unchanged (a silent no-op).
    """

    def change(seams: Seams) -> Seams:
        engine = seams.apply_patch

        def apply(
            resource: Resource, operations: Any, registry: SchemaRegistry, rt: ResourceType
        ) -> Resource:
            if isinstance(operations, list) and operations:
                operations = rewrite_ops(resource, operations, rt)
                if not operations:
                    return copy.deepcopy(resource)
            return engine(resource, operations, registry, rt)

        return seams.replace(apply_patch=apply)

    return change


def _is_user(rt: ResourceType) -> bool:
    return rt.schema == USER


def _requery(result: QueryResult, keep: Callable[[ResourceType, Resource], bool]) -> QueryResult:
    """``result`` without the resources ``keep`` rejects (totals adjusted)."""
    kept = [(rt, r) for rt, r in result.resources if keep(rt, r)]
    dropped = len(result.resources) - len(kept)
    return QueryResult(kept, result.total_results - dropped, result.start_index, len(kept))


def _active(rt: ResourceType, resource: Resource) -> bool:
    """False only for a User with active=false (every other resource counts as active)."""
    return not (_is_user(rt) and resource.get("active") is False)


# -- group membership through PATCH ---------------------------------------------------------


def _remove_member_filter_removes_all(
    resource: Resource, ops: list[Any], rt: ResourceType
) -> list[Any]:
    return [
        _with(op, "path", "members")
        if _op(op) == "remove" and _path(op).startswith("members[")
        else op
        for op in ops
    ]


def _patch_remove_all_ignored(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
    return [op for op in ops if not (_op(op) == "remove" and _path(op) == "members")]


def _replace_members_appends(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
    return [
        _with(op, "op", "add") if _op(op) == "replace" and _path(op) == "members" else op
        for op in ops
    ]


class _UserGroupsWritable(ProviderDecorator):
    """User.groups (readOnly) sent by PATCH or PUT adds the User to those groups."""

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        if _is_user(rt) and isinstance(operations, list):
            for op in operations:
                if _path(op) == "groups" and _op(op) in ("add", "replace"):
                    self._join(resource_id, _field(op, "value"))
            operations = [op for op in operations if _path(op) != "groups"]
            if not operations:
                return self.inner.get(rt, resource_id)
        return self.inner.patch(rt, resource_id, operations, if_match)

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        if _is_user(rt) and isinstance(body, dict) and _field(body, "groups") is not None:
            self._join(resource_id, _field(body, "groups"))
        return self.inner.replace(rt, resource_id, body, if_match)

    def _join(self, user_id: str, entries: Any) -> None:
        group_rt = type_with_schema(self, GROUP)
        for entry in entries if isinstance(entries, list) else [entries]:
            group_id = _field(entry, "value")
            if isinstance(group_id, str):
                add = {"op": "add", "path": "members", "value": [{"value": user_id}]}
                self.inner.patch(group_rt, group_id, [add])


# -- groups: create, replace, derived values ------------------------------------------------


def _member_value_is_display(req: Request, response: Response) -> Response:
    body = response_json(response)
    if req.method == "POST" and response.status_code == 201 and isinstance(body, dict):
        members = body.get("members")
        if GROUP in (body.get("schemas") or []) and isinstance(members, list):
            for member in members:
                if isinstance(member, dict) and isinstance(member.get("display"), str):
                    member["value"] = member["display"]
            return rewrite(response, body)
    return response


class _GroupDisplayNameOptional(ProviderDecorator):
    """A Group created without displayName (required) gets a generated one instead of a 400."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        if rt.schema == GROUP and isinstance(body, dict) and not _field(body, "displayname"):
            body = {**body, "displayName": f"group-{uuid.uuid4().hex[:8]}"}
        return self.inner.create(rt, body)


class _PutGroupMembersIgnored(ProviderDecorator):
    """PUT of a Group keeps the stored members, whatever the body says."""

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        if rt.schema == GROUP and isinstance(body, dict):
            stored = self.inner.get(rt, resource_id).get("members")
            body = _without(body, "members")
            if stored:
                body["members"] = [{"value": m["value"]} for m in stored]
        return self.inner.replace(rt, resource_id, body, if_match)


class _StaleGroupsGraph(MembershipGraphDecorator):
    """User.groups is cached once it has entries and kept until the User itself changes.

    Wraps the membership graph built before it (every other question is delegated to it), so
    that it combines with other defects of the membership seam.
    """

    def __init__(self, inner: MembershipGraph):
        super().__init__(inner)
        #: User id -> (its meta.version, its groups when they were cached).
        self.cache: dict[str, tuple[Any, Any]] = {}

    def with_computed(self, rt: ResourceType, resource: Resource) -> Resource:
        result = self.inner.with_computed(rt, resource)
        if _is_user(rt):
            version = resource.get("meta", {}).get("version")
            cached = self.cache.get(result["id"])
            if cached is not None and cached[0] == version:
                result["groups"] = copy.deepcopy(cached[1])
            elif result.get("groups"):
                self.cache[result["id"]] = (version, copy.deepcopy(result["groups"]))
        return result


def _groups_attribute_stale(seams: Seams) -> Seams:
    build = seams.memberships

    def memberships(registry: SchemaRegistry, store: ResourceStore) -> MembershipGraph:
        return _StaleGroupsGraph(build(registry, store))

    return seams.replace(memberships=memberships)


# -- mover: attribute changes ---------------------------------------------------------------


def _patch_extension_path_ignored(
    resource: Resource, ops: list[Any], rt: ResourceType
) -> list[Any]:
    prefix = ENTERPRISE_USER.lower() + ":"
    return [op for op in ops if not _path(op).startswith(prefix)]


def _pathless_values_without(keep: Callable[[str], bool]) -> PatchRewrite:
    """A rewrite dropping the members of pathless add/replace values that ``keep`` rejects."""

    def rewrite_ops(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
        result = []
        for op in ops:
            value = _field(op, "value")
            if _op(op) in ("add", "replace") and not _path(op) and isinstance(value, dict):
                value = {k: v for k, v in value.items() if keep(str(k).lower())}
                if not value:
                    continue
                op = _with(op, "value", value)
            result.append(op)
        return result

    return rewrite_ops


class _PutKeepsStored(ProviderDecorator):
    """PUT of a User keeps the stored value of ``kept`` instead of the one sent (base class)."""

    kept: str = ""

    def keeps(self, stored: Resource, body: Resource) -> bool:
        """Whether this PUT keeps the stored value (always, unless a subclass says otherwise)."""
        return True

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        if _is_user(rt) and isinstance(body, dict):
            stored = self.inner.get(rt, resource_id)
            if self.keeps(stored, body):
                body = _without(body, self.kept)
                if self.kept in stored:
                    body[self.kept] = copy.deepcopy(stored[self.kept])
        return self.inner.replace(rt, resource_id, body, if_match)


class _PutKeepsExtension(_PutKeepsStored):
    """PUT of a User keeps the stored enterprise extension values."""

    kept = ENTERPRISE_USER


class _PutKeepsActive(_PutKeepsStored):
    """PUT of a User keeps the stored active value."""

    kept = "active"


# -- leaver: deactivation -------------------------------------------------------------------


def _patch_active_path_ignored(resource: Resource, ops: list[Any], rt: ResourceType) -> list[Any]:
    return [op for op in ops if _path(op) != "active"]


class _PutKeepsInactive(_PutKeepsStored):
    """PUT of a deactivated User that sends active=true keeps it inactive."""

    kept = "active"

    def keeps(self, stored: Resource, body: Resource) -> bool:
        return stored.get("active") is False and bool(_field(body, "active"))


def _patch_keeps_inactive(seams: Seams) -> Seams:
    """PATCH cannot set active=true on a deactivated User (the engine's result is undone)."""
    engine = seams.apply_patch

    def apply(
        resource: Resource, operations: Any, registry: SchemaRegistry, rt: ResourceType
    ) -> Resource:
        result = engine(resource, operations, registry, rt)
        if _is_user(rt) and resource.get("active") is False and result.get("active") is True:
            result["active"] = False
        return result

    return seams.replace(apply_patch=apply)


class _DeactivatedUserHidden(ProviderDecorator):
    """A User with active=false answers 404 and is left out of every query."""

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        resource = self.inner.get(rt, resource_id)
        if not _active(rt, resource):
            raise errors.NotFound(f"User {resource_id!r} not found.")
        return resource

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        return _requery(self.inner.query(rts, query), _active)


class _FilterMissesInactive(ProviderDecorator):
    """Filtered queries leave out Users with active=false (unfiltered lists still show them)."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        result = self.inner.query(rts, query)
        return result if query.filter is None else _requery(result, _active)


def _indexed(rt: ResourceType, resource: Resource) -> bool:
    """Whether the lagging search index already holds ``resource`` (Users only lag)."""
    created = parse_datetime(resource.get("meta", {}).get("created", ""))
    return not _is_user(rt) or created is None or (datetime.now(timezone.utc) - created > INDEX_LAG)


class _SearchIndexLags(ProviderDecorator):
    """Filtered queries are answered from an index that lags: new Users are not found yet."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        result = self.inner.query(rts, query)
        return result if query.filter is None else _requery(result, _indexed)


# -- leaver: bulk deprovisioning ------------------------------------------------------------


class _BulkStopsAfterError(ProviderDecorator):
    """Inside one /Bulk request, every write after a failed one is refused (503)."""

    def _guarded(self, write: Callable[[], T]) -> T:
        if not (has_request_context() and request.path.endswith("/Bulk")):
            return write()
        # The failure is remembered for the current request only (flask.g).
        if g.get("lifecycle_bulk_failed"):
            raise errors.ServiceUnavailable("Bulk aborted after an earlier error.")
        try:
            return write()
        except errors.ScimError:
            g.lifecycle_bulk_failed = True
            raise

    def create(self, rt: ResourceType, body: Any) -> Resource:
        return self._guarded(lambda: self.inner.create(rt, body))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self._guarded(lambda: self.inner.replace(rt, resource_id, body, if_match))

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self._guarded(lambda: self.inner.patch(rt, resource_id, operations, if_match))

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        self._guarded(lambda: self.inner.delete(rt, resource_id, if_match))


# -- registry -------------------------------------------------------------------------------

Hooks = dict[str, Any]
_DEFECTS: tuple[tuple[str, tuple[str, ...], Hooks, str], ...] = (
    ("group-member-value-is-display", ("C-4.2-03",), {"response": _member_value_is_display},
     "The 201 answer to a Group create shows members[].value as the member's display name."),
    ("group-display-name-optional", ("C-4.2-01",), {"wrap_provider": _GroupDisplayNameOptional},
     "A Group without displayName is created with a generated one."),
    ("remove-member-filter-removes-all", ("P-3.5.2.2-04", "P-3.5.2.2-07"),
     {"change_seams": _rewrite_patch(_remove_member_filter_removes_all)},
     'PATCH remove members[value eq "x"] removes every member.'),
    ("patch-remove-all-ignored", ("P-3.5.2.2-03",),
     {"change_seams": _rewrite_patch(_patch_remove_all_ignored)},
     "PATCH remove path members (no filter) is silently ignored."),
    ("replace-members-appends", ("P-3.5.2.3-03", "P-3.5.2.3-04"),
     {"change_seams": _rewrite_patch(_replace_members_appends)},
     "PATCH replace path members appends instead of replacing the set."),
    ("user-groups-writable", ("C-4.1.2-05",), {"wrap_provider": _UserGroupsWritable},
     "User.groups sent by PATCH or PUT adds the user to those groups."),
    ("put-group-members-ignored", ("P-3.5.1-02", "P-3.5.1-09"),
     {"wrap_provider": _PutGroupMembersIgnored},
     "PUT of a Group keeps the stored members, whatever the body says."),
    ("groups-attribute-stale", ("C-4.1.2-04",), {"change_seams": _groups_attribute_stale},
     "User.groups is cached until the User itself changes; Group edits never show."),
    ("search-index-lags", ("P-3.4.2.2-05",), {"wrap_provider": _SearchIndexLags},
     f"Filters miss Users created less than {INDEX_LAG.seconds}s ago."),
    ("patch-extension-path-ignored", ("P-3.5.2-07", "P-3.5.2.3-02"),
     {"change_seams": _rewrite_patch(_patch_extension_path_ignored)},
     "PATCH operations on enterprise extension paths are silently dropped."),
    ("patch-pathless-extension-ignored", ("P-3.5.2-06",),
     {"change_seams": _rewrite_patch(_pathless_values_without(lambda k: not k.startswith("urn:")))},
     "Pathless PATCH values lose their extension (urn:…) members."),
    ("put-extension-ignored", ("P-3.5.1-02",), {"wrap_provider": _PutKeepsExtension},
     "PUT of a User keeps the stored enterprise extension values."),
    ("patch-active-path-ignored", ("P-3.5.2.3-10", "C-4.1.1-04"),
     {"change_seams": _rewrite_patch(_patch_active_path_ignored)},
     "PATCH operations with path active are silently dropped."),
    ("put-active-ignored", ("P-3.5.1-02", "C-4.1.1-04"), {"wrap_provider": _PutKeepsActive},
     "PUT of a User keeps the stored active value."),
    ("patch-pathless-active-ignored", ("P-3.5.2.3-10", "P-3.5.2-06"),
     {"change_seams": _rewrite_patch(_pathless_values_without(lambda k: k != "active"))},
     "Pathless PATCH values lose their active member."),
    ("deactivated-user-hidden", ("C-4.1.1-05",), {"wrap_provider": _DeactivatedUserHidden},
     "A User with active=false answers 404 and is left out of lists."),
    ("reactivation-fails", ("C-4.1.1-06",),
     {"change_seams": _patch_keeps_inactive, "wrap_provider": _PutKeepsInactive},
     "active=true on a deactivated User (PATCH or PUT) is ignored."),
    ("filter-misses-inactive", ("C-4.1.1-05",), {"wrap_provider": _FilterMissesInactive},
     "Filtered queries leave out Users with active=false."),
    ("bulk-stops-after-error", ("P-3.7-08",), {"wrap_provider": _BulkStopsAfterError},
     "Without failOnErrors, /Bulk refuses every write after the first error (503)."),
)  # fmt: skip
for _name, _requirements, _hooks, _description in _DEFECTS:
    register(Defect(_name, _requirements, _description, **_hooks))
