"""Queries (RFC 7644 §3.4.2): planning a filter, selecting, sorting and paging resources.

:class:`QueryPlanner` turns the parameters a client sent into one page of results. It parses and
compiles the filter through the provider's seams, answers an equality on ``id`` or a unique
attribute from the store's index instead of scanning, computes derived values before filtering
only when the filter reads them, and sorts each resource type with its own schema.
"""

from __future__ import annotations

import hashlib
from collections.abc import Callable, Sequence
from dataclasses import dataclass
from datetime import datetime, timezone
from typing import Any, overload

from scim_mock import cursors, filters, listing
from scim_mock.config import MockConfig
from scim_mock.errors import InvalidFilter, NotFound
from scim_mock.memberships import MembershipGraph
from scim_mock.schema import ResourceType, SchemaRegistry
from scim_mock.seams import Seams
from scim_mock.store import PagedStore, ResourceStore, ValueIndex

Resource = dict[str, Any]
Pairs = list[tuple[ResourceType, Resource]]


@dataclass(frozen=True)
class Query:
    """The parameters of a query (RFC 7644 §3.4.2), as sent by the client (not yet validated)."""

    filter: str | None = None
    sort_by: str | None = None
    sort_order: str | None = None
    start_index: Any = None
    count: Any = None
    attributes: list[str] | None = None
    excluded_attributes: list[str] | None = None
    #: RFC 9865 ``cursor``: None for index paging, "" for the first cursor page.
    cursor: str | None = None


@dataclass(frozen=True)
class QueryResult:
    """One page of a query: (resource type, resource) pairs and the paging figures.

    A cursor page (RFC 9865) has ``cursor_paged`` set, the cursors around it (None where
    there is none) and no meaningful ``start_index``.
    """

    resources: Pairs
    total_results: int
    start_index: int
    items_per_page: int
    next_cursor: str | None = None
    previous_cursor: str | None = None
    cursor_paged: bool = False


def _utc_now() -> datetime:
    return datetime.now(timezone.utc)


class QueryPlanner:
    """Answers queries over one store with the provider's filter and sort seams."""

    def __init__(
        self,
        registry: SchemaRegistry,
        config: MockConfig,
        store: ResourceStore,
        memberships: MembershipGraph,
        seams: Seams,
        unique: dict[str, set[str]],
        *,
        clock: Callable[[], datetime] | None = None,
    ) -> None:
        self.registry = registry
        self.config = config
        self.store = store
        self.memberships = memberships
        self.seams = seams
        #: Resource type name -> lower-cased names of its unique attributes (indexed).
        self.unique = unique
        self.clock = clock or _utc_now
        secret = config.cursor_secret or f"scim-mock cursors {config.token or ''}"
        self.cursors = cursors.CursorCodec(
            hashlib.sha256(secret.encode()).digest(), config.cursor_timeout
        )

    def run(self, rts: list[ResourceType], query: Query) -> QueryResult:
        """Filter, sort and page resources of one or several types."""
        node = self.parse(rts, query.filter)
        if (
            node is None
            and len(rts) == 1
            and query.sort_by is None
            and query.sort_order is None
            and isinstance(self.store, PagedStore)
        ):
            # A plain listing of one type, in creation order: read only the page asked for.
            return self.page(rts, StoreListing(self.store, rts[0], self.memberships), query)
        predicates = self.compile(rts, node)
        selected: Pairs = []
        for rt in rts:
            predicate = predicates.get(rt.name)
            if node is not None and predicate is None:
                continue  # root query: the filter names attributes this type does not have
            selected.extend((rt, r) for r in self.matching(rt, node, predicate))
        if query.sort_by is not None or query.sort_order is not None:
            selected = self.sort(rts, selected, query)
        return self.page(rts, selected, query)

    def page(
        self, rts: list[ResourceType], selected: Sequence[tuple[ResourceType, Resource]],
        query: Query,
    ) -> QueryResult:  # fmt: skip
        """The page of ``selected`` the query asks for, by index or by cursor."""
        if query.cursor is not None and self.config.cursor_pagination:
            return self.cursor_page(rts, selected, query)
        page, start, items = listing.paginate(
            selected,
            query.start_index,
            query.count,
            default_count=min(self.config.default_page_size, self.config.filter_max_results),
            max_count=self.config.filter_max_results,
        )
        return QueryResult(page, len(selected), start, items)

    def cursor_page(
        self, rts: list[ResourceType], selected: Sequence[tuple[ResourceType, Resource]],
        query: Query,
    ) -> QueryResult:  # fmt: skip
        """An RFC 9865 cursor page; the cursor is bound to the endpoint, filter and sort."""
        query_print = cursors.fingerprint(
            [[rt.name for rt in rts], query.filter, query.sort_by, query.sort_order]
        )
        ids = (
            selected.ids()
            if isinstance(selected, StoreListing)
            else [str(r.get("id")) for _, r in selected]
        )
        result = cursors.page(
            selected,
            ids,
            query.cursor or "",
            query.count,
            codec=self.cursors,
            query_print=query_print,
            now=self.clock(),
            default_count=min(self.config.default_page_size, self.config.filter_max_results),
            max_count=self.config.filter_max_results,
        )
        return QueryResult(
            result.items,
            len(selected),
            1,
            len(result.items),
            next_cursor=result.next_cursor,
            previous_cursor=result.previous_cursor,
            cursor_paged=True,
        )

    def parse(self, rts: list[ResourceType], text: str | None) -> filters.Filter | None:
        """The filter's AST (None without a filter); URNs of every queried type qualify paths."""
        if text is None:
            return None
        return self.seams.parse_filter(text, [u for rt in rts for u in rt.schema_ids])

    def compile(
        self, rts: list[ResourceType], node: filters.Filter | None
    ) -> dict[str, Callable[[Resource], bool]]:
        """A predicate per resource type the filter applies to.

        A root query skips the types the filter cannot apply to; it fails only when the filter
        applies to none of them.
        """
        if node is None:
            return {}
        compiled: dict[str, Callable[[Resource], bool]] = {}
        first_error: InvalidFilter | None = None
        for rt in rts:
            try:
                compiled[rt.name] = self.seams.compile_filter(node, self.registry, rt)
            except InvalidFilter as exc:
                if len(rts) == 1:
                    raise
                first_error = first_error or exc
        if not compiled and first_error is not None:
            raise first_error
        return compiled

    def matching(
        self,
        rt: ResourceType,
        node: filters.Filter | None,
        predicate: Callable[[Resource], bool] | None,
    ) -> list[Resource]:
        """The resources of ``rt`` the filter selects, with computed attributes added."""
        computed = self.memberships.with_computed
        if predicate is None:
            return [computed(rt, r) for r in self.store.list(rt.name)]
        needs_computed = node is not None and self.memberships.refers_to_computed(
            rt, {p.attribute.lower() for p in filters.filter_attribute_paths(node) if p.attribute}
        )
        candidates = self.indexed(rt, node) if node is not None else None
        if candidates is None and not needs_computed:
            return [computed(rt, r) for r in self.store.select(rt.name, predicate)]
        if candidates is None:
            candidates = self.store.list(rt.name)
        result = []
        for resource in candidates:
            shown = computed(rt, resource)
            if predicate(shown if needs_computed else resource):
                result.append(shown)
        return result

    def indexed(self, rt: ResourceType, node: filters.Filter) -> list[Resource] | None:
        """Candidates from an index for ``attr eq "value"`` (also inside ``and``), else None."""
        if isinstance(node, filters.And):
            left = self.indexed(rt, node.left)
            return left if left is not None else self.indexed(rt, node.right)
        if not isinstance(node, filters.Comparison) or node.op != "eq":
            return None
        path = node.path
        if not isinstance(node.value, str) or path.attribute is None:
            return None
        if path.urn is not None and path.urn.lower() != rt.schema.lower():
            return None
        name = path.attribute.lower()
        if path.sub_attribute:
            # emails.value, members.value: only a store with value indexes answers these.
            name = f"{name}.{path.sub_attribute.lower()}"
        if name == "id":
            try:
                return [self.store.get(rt.name, node.value)]
            except NotFound:
                return []
        if name in self.unique.get(rt.name, set()):
            found = self.store.find_unique(rt.name, name, node.value)
            return [] if found is None else [found]
        if isinstance(self.store, ValueIndex):
            # A superset of the matches (externalId, emails.value, members.value), or None.
            return self.store.find_by_value(rt.name, name, node.value)
        return None

    def sort(self, rts: list[ResourceType], selected: Pairs, query: Query) -> Pairs:
        """Order the selection; a root query sorts each type with its own schema, in type order."""
        if len(rts) == 1:
            ordered = self.seams.sort(
                [r for _, r in selected], query.sort_by, query.sort_order, self.registry, rts[0]
            )
            return [(rts[0], r) for r in ordered]
        result: Pairs = []
        for rt in rts:
            mine = [r for t, r in selected if t is rt]
            try:
                ordered = self.seams.sort(mine, query.sort_by, query.sort_order, self.registry, rt)
            except Exception:
                ordered = mine
            result.extend((rt, r) for r in ordered)
        return result


def _window(index: int | slice, total: int) -> tuple[int, int]:
    """(offset, limit) in the store of ``index`` into a listing of ``total`` resources."""
    if isinstance(index, slice):
        start, stop, step = index.indices(total)
        if step != 1:
            raise ValueError("a store listing is read in steps of one")
        return start, max(stop - start, 0)
    if not -total <= index < total:
        raise IndexError(index)
    return index % total, 1


class StoreListing(Sequence[tuple[ResourceType, Resource]]):
    """Every resource of one type in creation order, read from the store a slice at a time.

    Paging slices it, so only the page is read and given its computed values (User.groups,
    members[].display); the length is the store's count, taken once.
    """

    def __init__(self, store: PagedStore, rt: ResourceType, memberships: MembershipGraph) -> None:
        self.store = store
        self.rt = rt
        self.memberships = memberships
        self.total = store.count(rt.name)

    def __len__(self) -> int:
        return self.total

    @overload
    def __getitem__(self, index: int) -> tuple[ResourceType, Resource]: ...

    @overload
    def __getitem__(self, index: slice) -> list[tuple[ResourceType, Resource]]: ...

    def __getitem__(
        self, index: int | slice
    ) -> tuple[ResourceType, Resource] | list[tuple[ResourceType, Resource]]:
        found = [
            (self.rt, self.memberships.with_computed(self.rt, r))
            for r in self.store.page(self.rt.name, *_window(index, self.total))
        ]
        return found if isinstance(index, slice) else found[0]

    def ids(self) -> StoreIds:
        """The ids in the same order, for cursors (their anchors)."""
        return StoreIds(self)


class StoreIds(Sequence[str]):
    """The ids of a :class:`StoreListing`; ``index`` asks the store, never scans the bodies."""

    def __init__(self, listing: StoreListing) -> None:
        self.listing = listing

    def __len__(self) -> int:
        return len(self.listing)

    @overload
    def __getitem__(self, index: int) -> str: ...

    @overload
    def __getitem__(self, index: slice) -> list[str]: ...

    def __getitem__(self, index: int | slice) -> str | list[str]:
        # Read from the store as it is: an id needs none of the listing's computed values.
        listing = self.listing
        found = listing.store.page(listing.rt.name, *_window(index, len(listing)))
        ids = [str(r.get("id")) for r in found]
        return ids if isinstance(index, slice) else ids[0]

    def index(self, value: Any, start: int = 0, stop: int | None = None) -> int:
        found = self.listing.store.position(self.listing.rt.name, str(value))
        if found is None or found < start or (stop is not None and found >= stop):
            raise ValueError(f"{value!r} is not listed")
        return found
