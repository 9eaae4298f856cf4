"""Defects of query results: paging, sorting, projection and /.search (RFC 7644 §3.4.2-§3.4.3,
§3.9; RFC 7643 §2.5, §5).

Paging and search defects are :class:`~scim_mock.operations.ProviderDecorator` subclasses around
``query``, projection defects around ``present`` (and ``check_projection``), sorting defects
replace the ``sort`` seam; the rest are response transforms. The defect matrix (``tests/defects``)
proves the checks in ``scim_tests/checks/test_{paginate,sort,attributes,search}.py`` fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable, Iterable
from typing import Any

from flask import Request, Response, has_request_context, request

from scim_defects.registry import Defect, register, response_json, rewrite
from scim_mock import errors, http, listing, values
from scim_mock.operations import ProviderDecorator
from scim_mock.query import Query, QueryResult
from scim_mock.schema import ResolvedAttribute, ResourceType, SchemaRegistry
from scim_mock.seams import Seams, Sorter

Resource = dict[str, Any]
Names = list[str] | None
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
#: Flask endpoints of the views that answer with a ListResponse of resources.
LIST_VIEWS = {
    "scim_resources.collection",
    "scim_resources.search",
    "scim_resources.root_query",
    "scim_resources.root_search",
}


# -- paging (decorating query) ----------------------------------------------------------------


class _QueryDecorator(ProviderDecorator):
    """Base of the paging defects: ``before`` rewrites the client's query, ``after`` the answer.

    ``after`` is given the query as the client sent it, not as ``before`` rewrote it.
    """

    def before(self, query: Query) -> Query:
        return query

    def after(self, query: Query, result: QueryResult) -> QueryResult:
        return result

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        return self.after(query, self.inner.query(rts, self.before(query)))


def _start(q: Query) -> int | None:
    return listing.parse_integer(q.start_index, "startIndex")


def _count(q: Query) -> int | None:
    return listing.parse_integer(q.count, "count")


def _as_sent(q: Query, result: QueryResult) -> QueryResult:
    """The page labelled with the startIndex the client asked for."""
    return dataclasses.replace(result, start_index=max(_start(q) or 1, 1))


class _OffByOne(_QueryDecorator):
    """startIndex is read as a 0-based offset: startIndex=1 skips the first result."""

    def before(self, query: Query) -> Query:
        start = _start(query)
        return query if start is None else dataclasses.replace(query, start_index=start + 1)

    def after(self, query: Query, result: QueryResult) -> QueryResult:
        return _as_sent(query, result)


class _Duplicates(_QueryDecorator):
    """Every page after the first starts one result early, repeating the previous page's last."""

    def before(self, query: Query) -> Query:
        start = _start(query)
        if start is None or start <= 1:
            return query
        return dataclasses.replace(query, start_index=start - 1)

    def after(self, query: Query, result: QueryResult) -> QueryResult:
        return _as_sent(query, result)


class _IgnoresCount(_QueryDecorator):
    """count is dropped: every page has the default size."""

    def before(self, query: Query) -> Query:
        return dataclasses.replace(query, count=None)


class _CountZeroAll(_QueryDecorator):
    """count=0 is read as "no count": a default-size page instead of none."""

    def before(self, query: Query) -> Query:
        return dataclasses.replace(query, count=None) if _count(query) == 0 else query


class _NegativeCountError(_QueryDecorator):
    """A negative count is refused with 400 instead of being taken as 0."""

    def before(self, query: Query) -> Query:
        if (_count(query) or 0) < 0:
            raise errors.InvalidValue("count must not be negative.")
        return query


class _StartBelowOneError(_QueryDecorator):
    """A startIndex below 1 is refused with 400 instead of being taken as 1."""

    def before(self, query: Query) -> Query:
        start = _start(query)
        if start is not None and start < 1:
            raise errors.InvalidValue("startIndex must be >= 1.")
        return query


class _TotalIsPageSize(_QueryDecorator):
    """totalResults counts the resources of the page, not every match."""

    def after(self, query: Query, result: QueryResult) -> QueryResult:
        return dataclasses.replace(result, total_results=result.items_per_page)


class _SizeLimit(_QueryDecorator):
    """An LDAP-style size limit: the backing search returns its first 250 matches only."""

    LIMIT = 250

    def after(self, query: Query, result: QueryResult) -> QueryResult:
        if result.cursor_paged or result.total_results <= self.LIMIT:
            return result
        keep = [r for i, r in enumerate(result.resources, result.start_index) if i <= self.LIMIT]
        return dataclasses.replace(result, resources=keep, items_per_page=len(keep),
                                   total_results=self.LIMIT)  # fmt: skip


class _PastEndError(_QueryDecorator):
    """A startIndex past the last result answers 404 instead of an empty page."""

    def after(self, query: Query, result: QueryResult) -> QueryResult:
        if result.total_results and result.start_index > result.total_results:
            raise errors.NotFound("startIndex is beyond the last result.")
        return result


def _no_items_per_page(req: Request, response: Response) -> Response:
    body = response_json(response)
    if response.status_code != 200 or not isinstance(body, dict):
        return response
    if LIST_RESPONSE not in (body.get("schemas") or []):
        return response
    if body.get("totalResults", 0) > len(body.get("Resources") or []):
        body.pop("startIndex", None)
        body.pop("itemsPerPage", None)
        return rewrite(response, body)
    return response


def _cap_ignored(req: Request, response: Response) -> Response:
    body = response_json(response)
    if req.path.endswith("/ServiceProviderConfig") and response.status_code == 200:
        if isinstance(body, dict) and isinstance(body.get("filter"), dict):
            body["filter"]["maxResults"] = 2
            return rewrite(response, body)
    return response


#: The filter.maxResults that paging-cap-off-by-one advertises.
_OFF_BY_ONE_CAP = 10


def _advertise_off_by_one_cap(req: Request, response: Response) -> Response:
    body = response_json(response)
    if req.path.endswith("/ServiceProviderConfig") and response.status_code == 200:
        if isinstance(body, dict) and isinstance(body.get("filter"), dict):
            body["filter"]["maxResults"] = _OFF_BY_ONE_CAP
            return rewrite(response, body)
    return response


class _CapOffByOne(_QueryDecorator):
    """The page cap is enforced with a fencepost error: a page holds maxResults + 1 resources."""

    def before(self, query: Query) -> Query:
        count = _count(query)
        if count is None or count > _OFF_BY_ONE_CAP:
            return dataclasses.replace(query, count=_OFF_BY_ONE_CAP + 1)
        return query


# -- sorting (the sort seam) --------------------------------------------------------------------

SortKey = Callable[[Resource, ResolvedAttribute], tuple[Any, ...]]


def _store_order(
    resources: Iterable[Resource],
    sort_by: str | None,
    sort_order: str | None,
    registry: SchemaRegistry,
    resource_type: ResourceType | str,
) -> list[Resource]:
    # Neither sortBy nor sortOrder is even looked at, so bad values are not refused either.
    return list(resources)


def _sort_ignored(seams: Seams) -> Seams:
    return seams.replace(sort=_store_order)


def _with_order(order: Callable[[str | None], str | None]) -> Callable[[Seams], Seams]:
    """Sort as before, with sortOrder rewritten by ``order``."""

    def change(seams: Seams) -> Seams:
        sort: Sorter = seams.sort

        def reordered(
            resources: Iterable[Resource],
            sort_by: str | None,
            sort_order: str | None,
            registry: SchemaRegistry,
            resource_type: ResourceType | str,
        ) -> list[Resource]:
            return sort(resources, sort_by, order(sort_order), registry, resource_type)

        return seams.replace(sort=reordered)

    return change


def _sort_with(key: SortKey) -> Callable[[Seams], Seams]:
    """Sort by ``key`` instead of :func:`listing.sort_key` (sortBy and sortOrder still checked)."""

    def change(seams: Seams) -> Seams:
        sort: Sorter = seams.sort

        def keyed(
            resources: Iterable[Resource],
            sort_by: str | None,
            sort_order: str | None,
            registry: SchemaRegistry,
            resource_type: ResourceType | str,
        ) -> list[Resource]:
            if sort_by is None:
                return sort(resources, sort_by, sort_order, registry, resource_type)
            resolved = listing.resolve_sort_by(sort_by, registry, resource_type)
            descending = listing.parse_sort_order(sort_order)
            return sorted(resources, key=lambda r: key(r, resolved), reverse=descending)

        return seams.replace(sort=keyed)

    return change


def _case_sensitive_key(resource: Resource, resolved: ResolvedAttribute) -> tuple[Any, ...]:
    value = listing.sort_value(resource, resolved)
    return (0, value) if isinstance(value, str) else listing.sort_key(resource, resolved)


def _missing_first_key(resource: Resource, resolved: ResolvedAttribute) -> tuple[Any, ...]:
    key = listing.sort_key(resource, resolved)
    return (0,) if key == (1,) else (1, *key[1:])


def _last_value_key(resource: Resource, resolved: ResolvedAttribute) -> tuple[Any, ...]:
    sub = resolved.sub_attribute
    if not resolved.attribute.multi_valued or sub is None:
        return listing.sort_key(resource, resolved)
    holder = values.container(resource, resolved) or {}
    items = holder.get(resolved.attribute.name)
    listed = items if isinstance(items, list) else []
    found = [
        i[sub.name] for i in listed if isinstance(i, dict) and isinstance(i.get(sub.name), str)
    ]
    return (0, values.fold(sub, found[-1])) if found else (1,)


# -- projection (decorating present) ------------------------------------------------------------


class _ProjectionDecorator(ProviderDecorator):
    """Base of the projection defects: ``change`` rewrites (attributes, excludedAttributes).

    Only inside a request, and for ``check_projection`` too, so that the parameters a write
    is checked against before it happens are those its answer is shown with.
    """

    def change(self, attributes: Names, excluded: Names) -> tuple[Names, Names]:
        return attributes, excluded

    def present(
        self,
        rt: ResourceType,
        resource: Resource,
        attributes: Names = None,
        excluded_attributes: Names = None,
    ) -> Resource:
        if has_request_context():
            attributes, excluded_attributes = self.change(attributes, excluded_attributes)
        return self.inner.present(rt, resource, attributes, excluded_attributes)

    def check_projection(
        self, rt: ResourceType, attributes: Names = None, excluded_attributes: Names = None
    ) -> None:
        if has_request_context():
            attributes, excluded_attributes = self.change(attributes, excluded_attributes)
        self.inner.check_projection(rt, attributes, excluded_attributes)


def _is_list() -> bool:
    """Whether the current request is a query (not a POST that creates)."""
    searching = request.path.endswith("/.search")
    return request.endpoint in LIST_VIEWS and (request.method == "GET" or searching)


class _IgnoredOnList(_ProjectionDecorator):
    """attributes/excludedAttributes are ignored when resources are listed or searched."""

    def change(self, attributes: Names, excluded: Names) -> tuple[Names, Names]:
        return (None, None) if _is_list() else (attributes, excluded)


class _IgnoredOnWrites(_ProjectionDecorator):
    """attributes/excludedAttributes are ignored in the answers to PUT and PATCH."""

    def change(self, attributes: Names, excluded: Names) -> tuple[Names, Names]:
        return (None, None) if request.method in ("PUT", "PATCH") else (attributes, excluded)


class _FirstNameOnly(_ProjectionDecorator):
    """Only the first name of a comma-separated attributes list is honoured."""

    def change(self, attributes: Names, excluded: Names) -> tuple[Names, Names]:
        return attributes[:1] if attributes else attributes, excluded[:1] if excluded else excluded


def _excluded_drops_schemas(req: Request, response: Response) -> Response:
    body = response_json(response)
    if "excludedAttributes" not in req.args or not isinstance(body, dict):
        return response
    listed = body.get("Resources")
    for resource in listed if isinstance(listed, list) else []:
        if isinstance(resource, dict):
            resource.pop("schemas", None)
    return rewrite(response, body)


class _NullStoredAsEmpty(ProviderDecorator):
    """A nickName sent as null on create is stored as "" instead of being left unassigned."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        if isinstance(body, dict) and "nickName" in body and body["nickName"] is None:
            body = {**body, "nickName": ""}
        return self.inner.create(rt, body)


# -- /.search ----------------------------------------------------------------------------------


class _SearchIgnoresFilter(_QueryDecorator):
    """The filter of a POST /.search is dropped: every resource matches."""

    def before(self, query: Query) -> Query:
        if has_request_context() and request.path.endswith("/.search"):
            return dataclasses.replace(query, filter=None)
        return query


def _search_creates(req: Request) -> Response | None:
    # A body that is not a SearchRequest is created as a resource of the endpoint's type, as if
    # the server routed POST .../.search to the collection. Before the views, so before
    # authentication too: the old response-level version created it whatever the answer was.
    if req.method != "POST" or not req.path.endswith("/.search"):
        return None
    body = req.get_json(silent=True)
    if not isinstance(body, dict) or SEARCH_REQUEST in (body.get("schemas") or []):
        return None
    endpoint = req.path[: -len("/.search")].rsplit("/", 1)[-1]
    state = http.state()
    rt = state.registry.resource_type_for_endpoint("/" + endpoint)
    if rt is None:
        return None
    try:
        created = state.provider.create(rt, body)
    except errors.ScimError:
        return None  # the view answers 400, as the body is no SearchRequest
    return http.scim_response(state.provider.present(rt, http.with_locations(rt, created)), 201)


def _search_not_list(req: Request, response: Response) -> Response:
    body = response_json(response)
    if req.path.endswith("/.search") and response.status_code == 200 and isinstance(body, dict):
        return rewrite(response, body.get("Resources") or [])
    return response


Hooks = dict[str, Any]
_DEFECTS: tuple[tuple[str, tuple[str, ...], str, Hooks], ...] = (
    ("paging-off-by-one", ("P-3.4.2.4-01", "P-3.4.2.4-02"),
     "startIndex is read as a 0-based offset: startIndex=1 skips the first result.",
     {"wrap_provider": _OffByOne}),
    ("paging-duplicates-across-pages", ("P-3.4.2.4-07",),
     "Every page after the first repeats the previous page's last resource.",
     {"wrap_provider": _Duplicates}),
    ("paging-ignores-count", ("P-3.4.2.4-05",),
     "count is ignored: every page has the default size.", {"wrap_provider": _IgnoresCount}),
    ("paging-count-zero-returns-all", ("P-3.4.2.4-04",),
     "count=0 returns a default-size page instead of none.", {"wrap_provider": _CountZeroAll}),
    ("paging-negative-count-error", ("P-3.4.2.4-03",),
     "A negative count is refused with 400 instead of being taken as 0.",
     {"wrap_provider": _NegativeCountError}),
    ("paging-start-below-one-error", ("P-3.4.2.4-02",),
     "startIndex below 1 is refused with 400 instead of being taken as 1.",
     {"wrap_provider": _StartBelowOneError}),
    ("paging-total-is-page-size", ("P-3.4.2.4-07", "P-3.4.2.4-04"),
     "totalResults counts the page, not every match.", {"wrap_provider": _TotalIsPageSize}),
    ("paging-past-end-error", ("P-3.4.2.4-08",),
     "A startIndex past the last result answers 404.", {"wrap_provider": _PastEndError}),
    ("paging-directory-size-limit", ("P-3.4.2.4-07", "P-3.4.2.4-01"),
     "The directory search behind the endpoint stops at 250 matches: totalResults says 250 and "
     "deeper pages are empty while more resources match.", {"wrap_provider": _SizeLimit}),
    ("paging-no-items-per-page", ("P-3.4.2-06", "P-3.4.2-07"),
     "A partial page leaves out startIndex and itemsPerPage.",
     {"response": _no_items_per_page}),
    ("paging-cap-ignored", ("C-5-13",),
     "filter.maxResults is advertised as 2 but pages hold up to 200 resources.",
     {"response": _cap_ignored}),
    ("paging-cap-off-by-one", ("C-5-13",),
     f"filter.maxResults is advertised as {_OFF_BY_ONE_CAP} but a page holds up to "
     f"{_OFF_BY_ONE_CAP + 1} resources (a fencepost error in the cap).",
     {"response": _advertise_off_by_one_cap, "wrap_provider": _CapOffByOne}),
    ("sort-ignored", ("P-3.4.2.3-02",), "sortBy is ignored (store order).",
     {"change_seams": _sort_ignored}),
    ("sort-descending-ignored", ("P-3.4.2.3-07",), "sortOrder=descending sorts ascending.",
     {"change_seams": _with_order(lambda order: None)}),
    ("sort-default-descending", ("P-3.4.2.3-05",), "sortBy without sortOrder sorts descending.",
     {"change_seams": _with_order(lambda order: order or "descending")}),
    ("sort-case-sensitive", ("P-3.4.2.3-06",),
     "Strings sort by code point even when caseExact=false.",
     {"change_seams": _sort_with(_case_sensitive_key)}),
    ("sort-missing-first", ("P-3.4.2.3-04",),
     "Resources without the sort value come first ascending and last descending.",
     {"change_seams": _sort_with(_missing_first_key)}),
    ("sort-multivalued-last-value", ("P-3.4.2.3-03",),
     "A multi-valued sort uses each resource's last value, not its primary or first.",
     {"change_seams": _sort_with(_last_value_key)}),
    ("projection-attributes-ignored-on-list", ("P-3.9-06",),
     "attributes/excludedAttributes are ignored in list and search answers.",
     {"wrap_provider": _IgnoredOnList}),
    ("projection-ignored-on-put-patch", ("P-3.9-01",),
     "attributes/excludedAttributes are ignored in PUT and PATCH answers.",
     {"wrap_provider": _IgnoredOnWrites}),
    ("projection-first-name-only", ("P-3.9-05",),
     "Only the first name of a comma-separated attributes list is honoured.",
     {"wrap_provider": _FirstNameOnly}),
    ("projection-excluded-drops-schemas", ("P-3.4.2.5-02",),
     "excludedAttributes removes schemas from every listed resource.",
     {"response": _excluded_drops_schemas}),
    ("null-stored-as-empty-string", ("C-2.5-01",),
     "A nickName sent as null on create is stored and shown as \"\".",
     {"wrap_provider": _NullStoredAsEmpty}),
    ("search-ignores-body-filter", ("P-3.4.3-04",),
     "The filter of a SearchRequest is ignored.", {"wrap_provider": _SearchIgnoresFilter}),
    ("search-creates-resource", ("P-3.4.3-02",),
     "POST /<type>/.search with a resource body creates it and answers 201.",
     {"before": _search_creates}),
    ("search-not-list-response", ("P-3.4.3-05",),
     "/.search answers with a bare JSON array of resources.", {"response": _search_not_list}),
)  # fmt: skip
for _name, _requirements, _description, _hooks in _DEFECTS:
    register(Defect(_name, _requirements, _description, **_hooks))
