"""Defects of deprovisioning by deletion: what DELETE does to groups, members, queries and names.

A sub-area of :mod:`scim_defects.lifecycle`; the checks of
``scim_tests/checks/test_{groups,lifecycle_leaver}.py`` and the core deletion checks fail under
them. Every defect is a :class:`scim_mock.operations.ProviderDecorator`: it reads and writes
through the wrapped provider's operations, never through the store.
"""

from __future__ import annotations

import copy
import json
from collections.abc import Iterable
from typing import Any

from scim_defects.common import type_with_schema
from scim_defects.registry import Defect, register
from scim_mock import errors, filters
from scim_mock.operations import Provider, ProviderDecorator
from scim_mock.provider import check_if_match
from scim_mock.query import Query, QueryResult
from scim_mock.schema import GROUP, USER, ResourceType

Resource = dict[str, Any]


class _GroupDeleteDeletesMembers(ProviderDecorator):
    """Deleting a Group cascades to its member Users (it should leave them alone, P-3.6-06)."""

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        members = self.inner.get(rt, resource_id).get("members", []) if rt.schema == GROUP else []
        self.inner.delete(rt, resource_id, if_match)
        user_rt = type_with_schema(self, USER)
        for member in members:
            if member.get("type") == "User":
                try:
                    self.inner.delete(user_rt, member["value"])
                except errors.NotFound:
                    pass  # already gone: the cascade is best effort


class _UserDeleteEmptiesGroups(ProviderDecorator):
    """Deleting a member empties every group that lists it, instead of removing just it."""

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        # The groups are emptied before the deletion (so that each changes once, as when the
        # member is removed); check If-Match first so that a refused DELETE changes nothing.
        check_if_match(self.inner.get(rt, resource_id), if_match)
        group_rt = type_with_schema(self, GROUP)
        for group_id in self._direct_groups(group_rt, resource_id):
            try:
                self.inner.patch(group_rt, group_id, [{"op": "remove", "path": "members"}])
            except errors.NotFound:
                pass
        self.inner.delete(rt, resource_id, if_match)

    def _direct_groups(self, group_rt: ResourceType, member_id: str) -> list[str]:
        """Ids of the groups whose members name ``member_id`` directly (every page)."""
        text = f"members[value eq {json.dumps(member_id)}]"
        found: list[str] = []
        start = 1
        while True:
            page = self.inner.query([group_rt], Query(filter=text, start_index=start))
            found.extend(r["id"] for _, r in page.resources)
            start += len(page.resources)
            if not page.resources or start > page.total_results:
                return found


class _EmptyGroupDeleted(ProviderDecorator):
    """A PATCH that leaves a Group without members deletes the Group."""

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        result = self.inner.patch(rt, resource_id, operations, if_match)
        if rt.schema == GROUP and not result.get("members"):
            self.inner.delete(rt, resource_id)
        return result


class _DeleteSoftKeepsListing(ProviderDecorator):
    """DELETE hides a User from GET, but queries still list it (as inactive): a soft delete."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        #: Deleted Users by id, as queries keep showing them.
        self.ghosts: dict[str, Resource] = {}

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        stored = self.inner.get(rt, resource_id)
        self.inner.delete(rt, resource_id, if_match)
        if rt.schema == USER:
            self.ghosts[resource_id] = {**stored, "active": False}

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        rts = list(rts)
        result = self.inner.query(rts, query)
        extra = [
            (rt, copy.deepcopy(ghost))
            for rt in rts
            if rt.schema == USER
            for ghost in self.ghosts.values()
            if self._matches(rt, ghost, query.filter)
        ]
        return QueryResult(
            result.resources + extra,
            result.total_results + len(extra),
            result.start_index,
            result.items_per_page + len(extra),
        )

    def _matches(self, rt: ResourceType, ghost: Resource, text: str | None) -> bool:
        # The "index" of deleted users is filtered with the strict filter semantics.
        if text is None:
            return True
        try:
            node = filters.parse_filter(text, rt.schema_ids)
            return filters.compile_filter(node, self.registry, rt)(ghost)
        except errors.ScimError:
            return False


class _DeleteStaleUnfilteredListing(ProviderDecorator):
    """The unfiltered listing comes from a directory snapshot that a DELETE does not update.

    Filters and GET by id read the live data and are right; only a query without a filter still
    shows deleted Users, on its last page and in totalResults (a stale cached "list all").
    """

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.stale: dict[str, Resource] = {}

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        stored = self.inner.get(rt, resource_id)
        self.inner.delete(rt, resource_id, if_match)
        if rt.schema == USER:
            self.stale[resource_id] = stored

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        rts = list(rts)
        result = self.inner.query(rts, query)
        user_rt = next((rt for rt in rts if rt.schema == USER), None)
        if query.filter is not None or user_rt is None or not self.stale:
            return result
        last = result.start_index + len(result.resources) > result.total_results
        extra = [(user_rt, copy.deepcopy(r)) for r in self.stale.values()] if last else []
        return QueryResult(
            result.resources + extra,
            result.total_results + len(self.stale),
            result.start_index,
            result.items_per_page + len(extra),
        )


class _DeletedUserNameReserved(ProviderDecorator):
    """The userName of a deleted User stays taken: creating a User with it answers 409."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        #: Lower-cased userNames of deleted Users.
        self.reserved: set[str] = set()

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        name = self.inner.get(rt, resource_id).get("userName") if rt.schema == USER else None
        self.inner.delete(rt, resource_id, if_match)
        if isinstance(name, str):
            self.reserved.add(name.lower())

    def create(self, rt: ResourceType, body: Any) -> Resource:
        name = _user_name(body)
        if rt.schema == USER and isinstance(name, str) and name.lower() in self.reserved:
            raise errors.Uniqueness(f"userName {name!r} belonged to a deleted user.")
        return self.inner.create(rt, body)


def _user_name(body: Any) -> Any:
    """The userName member of a body, matched case-insensitively (attribute names are)."""
    if not isinstance(body, dict):
        return None
    return next(
        (v for k, v in body.items() if isinstance(k, str) and k.lower() == "username"), None
    )


class _DeleteRepeatSucceeds(ProviderDecorator):
    """A second DELETE of a deleted resource answers 204 ("already gone") instead of 404."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.deleted: set[str] = set()

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        if resource_id in self.deleted:
            return
        self.inner.delete(rt, resource_id, if_match)
        self.deleted.add(resource_id)


_DEFECTS: tuple[tuple[str, tuple[str, ...], type[ProviderDecorator], str], ...] = (
    ("group-delete-deletes-members", ("P-3.6-06",), _GroupDeleteDeletesMembers,
     "Deleting a Group also deletes its member Users."),
    ("user-delete-empties-groups", ("P-3.6-06",), _UserDeleteEmptiesGroups,
     "Deleting a User removes every member of the Groups it belonged to."),
    ("empty-group-deleted", ("P-3.5.2.2-04", "P-3.6-06"), _EmptyGroupDeleted,
     "A PATCH that removes a Group's last member deletes the Group."),
    ("delete-soft-keeps-listing", ("P-3.6-03",), _DeleteSoftKeepsListing,
     "Deleted Users (as inactive) still appear in queries."),
    ("delete-stale-unfiltered-listing", ("P-3.6-03",), _DeleteStaleUnfilteredListing,
     "Deleted Users still appear in the unfiltered listing (its last page and totalResults); "
     "filtered queries and GET by id are right."),
    ("deleted-username-reserved", ("P-3.6-04",), _DeletedUserNameReserved,
     "The userName of a deleted User cannot be used again (409)."),
    ("delete-repeat-succeeds", ("P-3.6-02",), _DeleteRepeatSucceeds,
     "A second DELETE of a deleted resource answers 204 instead of 404."),
)  # fmt: skip
for _name, _requirements, _decorator, _description in _DEFECTS:
    register(Defect(_name, _requirements, _description, wrap_provider=_decorator))
