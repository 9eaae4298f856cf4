"""Defects of query results: paging, sorting, projection and /.search (RFC 7644 §3.4.2-§3.4.3,
§3.9; RFC 7643 §2.5, §5).

Paging and search defects wrap ``ServiceProvider.query``, sorting defects ``_sort``, projection
defects ``present``; the rest are response transforms. ``tests/harness/test_faults_listing.py``
proves the checks in ``scim_tests/checks/test_{paginate,sort,attributes,search}.py`` fail.
"""

from __future__ import annotations

import dataclasses
from collections.abc import Callable
from typing import Any

from flask import Request, Response, has_request_context, request

from scim_mock import errors, http, listing, values
from scim_mock.faults import Fault, register, response_json, rewrite
from scim_mock.provider import Query, QueryResult, ServiceProvider
from scim_mock.schema import ResolvedAttribute, ResourceType

Resource = dict[str, Any]
Pairs = list[tuple[ResourceType, Resource]]
LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
#: Flask endpoints of the views that answer with a ListResponse of resources.
LIST_VIEWS = {
    "scim_resources.collection",
    "scim_resources.search",
    "scim_resources.root_query",
    "scim_resources.root_search",
}


def _swap(provider: ServiceProvider, name: str, function: Callable[..., Any]) -> None:
    """Replace one method of this provider instance (never the class)."""
    setattr(provider, name, function)


# -- paging (wrapping ServiceProvider.query) -------------------------------------------------


def _wrap_query(
    provider: ServiceProvider,
    before: Callable[[Query], Query] = lambda q: q,
    after: Callable[[Query, QueryResult], QueryResult] = lambda q, r: r,
) -> None:
    """``query`` rewritten by ``before``, its result by ``after`` (given the client's query)."""
    original = provider.query

    def query(rts: Any, sent: Query) -> QueryResult:
        return after(sent, original(rts, before(sent)))

    _swap(provider, "query", query)


def _start(q: Query) -> int | None:
    return listing.parse_integer(q.start_index, "startIndex")


def _count(q: Query) -> int | None:
    return listing.parse_integer(q.count, "count")


def _off_by_one(provider: ServiceProvider) -> None:
    # startIndex read as a 0-based offset: startIndex=1 skips the first result.
    def before(q: Query) -> Query:
        start = _start(q)
        return q if start is None else dataclasses.replace(q, start_index=start + 1)

    def after(q: Query, result: QueryResult) -> QueryResult:
        return dataclasses.replace(result, start_index=max(_start(q) or 1, 1))

    _wrap_query(provider, before, after)


def _duplicates(provider: ServiceProvider) -> None:
    # Every page after the first starts one result early, repeating the previous page's last.
    def before(q: Query) -> Query:
        start = _start(q)
        return q if start is None or start <= 1 else dataclasses.replace(q, start_index=start - 1)

    def after(q: Query, result: QueryResult) -> QueryResult:
        return dataclasses.replace(result, start_index=max(_start(q) or 1, 1))

    _wrap_query(provider, before, after)


def _ignores_count(provider: ServiceProvider) -> None:
    _wrap_query(provider, lambda q: dataclasses.replace(q, count=None))


def _count_zero_all(provider: ServiceProvider) -> None:
    _wrap_query(provider, lambda q: dataclasses.replace(q, count=None) if _count(q) == 0 else q)


def _refuse(test: Callable[[Query], bool], detail: str) -> Callable[[Query], Query]:
    def before(q: Query) -> Query:
        if test(q):
            raise errors.InvalidValue(detail)
        return q

    return before


def _negative_count_error(provider: ServiceProvider) -> None:
    _wrap_query(provider, _refuse(lambda q: (_count(q) or 0) < 0, "count must not be negative."))


def _start_below_one_error(provider: ServiceProvider) -> None:
    refuse = _refuse(lambda q: (_start(q) or 1) < 1 or _start(q) == 0, "startIndex must be >= 1.")
    _wrap_query(provider, refuse)


def _total_is_page_size(provider: ServiceProvider) -> None:
    def after(q: Query, result: QueryResult) -> QueryResult:
        return dataclasses.replace(result, total_results=result.items_per_page)

    _wrap_query(provider, after=after)


def _past_end_error(provider: ServiceProvider) -> None:
    def after(q: Query, result: QueryResult) -> QueryResult:
        if result.total_results and result.start_index > result.total_results:
            raise errors.NotFound("startIndex is beyond the last result.")
        return result

    _wrap_query(provider, after=after)


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


# -- sorting (wrapping ServiceProvider._sort) ------------------------------------------------

SortKey = Callable[[Resource, ResolvedAttribute], tuple[Any, ...]]


def _wrap_sort(provider: ServiceProvider, change: Callable[[Query], Query]) -> None:
    original = provider._sort

    def sort(rts: list[ResourceType], selected: Pairs, q: Query) -> Pairs:
        return original(rts, selected, change(q))

    _swap(provider, "_sort", sort)


def _sort_with(provider: ServiceProvider, key: SortKey) -> None:
    """Sort single-type queries with ``key`` instead of :func:`listing.sort_key`."""
    original = provider._sort

    def sort(rts: list[ResourceType], selected: Pairs, q: Query) -> Pairs:
        if q.sort_by is None or len(rts) != 1:
            return original(rts, selected, q)
        resolved = listing.resolve_sort_by(q.sort_by, provider.registry, rts[0])
        descending = listing.parse_sort_order(q.sort_order)
        return sorted(selected, key=lambda pair: key(pair[1], resolved), reverse=descending)

    _swap(provider, "_sort", sort)


def _sort_ignored(provider: ServiceProvider) -> None:
    _swap(provider, "_sort", lambda rts, selected, q: selected)


def _descending_ignored(provider: ServiceProvider) -> None:
    _wrap_sort(provider, lambda q: dataclasses.replace(q, sort_order=None))


def _default_descending(provider: ServiceProvider) -> None:
    _wrap_sort(
        provider, lambda q: q if q.sort_order else dataclasses.replace(q, sort_order="descending")
    )


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


# -- projection --------------------------------------------------------------------------------


def _wrap_present(provider: ServiceProvider, change: Callable[[Any, Any], tuple[Any, Any]]) -> None:
    """present() with (attributes, excludedAttributes) rewritten by ``change`` in requests."""
    original = provider.present

    def present(rt: ResourceType, resource: Resource, attributes: Any = None,
                excluded: Any = None) -> Resource:  # fmt: skip
        if has_request_context():
            attributes, excluded = change(attributes, excluded)
        return original(rt, resource, attributes, excluded)

    _swap(provider, "present", present)


def _is_list() -> bool:
    """Whether the current request is a query (not a POST that creates)."""
    searching = request.path.endswith("/.search")
    return request.endpoint in LIST_VIEWS and (request.method == "GET" or searching)


def _ignored_on_list(provider: ServiceProvider) -> None:
    _wrap_present(provider, lambda a, e: (None, None) if _is_list() else (a, e))


def _ignored_on_writes(provider: ServiceProvider) -> None:
    _wrap_present(
        provider, lambda a, e: (None, None) if request.method in ("PUT", "PATCH") else (a, e)
    )


def _first_name_only(provider: ServiceProvider) -> None:
    _wrap_present(provider, lambda a, e: (a[:1] if a else a, e[:1] if e else e))


def _excluded_drops_schemas(req: Request, response: Response) -> Response:
    body = response_json(response)
    if "excludedAttributes" not in req.args or not isinstance(body, dict):
        return response
    listed = body.get("Resources")
    for resource in listed if isinstance(listed, list) else []:
        if isinstance(resource, dict):
            resource.pop("schemas", None)
    return rewrite(response, body)


def _null_stored_as_empty(provider: ServiceProvider) -> None:
    original = provider.create

    def create(rt: ResourceType, body: Any) -> Resource:
        if isinstance(body, dict) and "nickName" in body and body["nickName"] is None:
            body = {**body, "nickName": ""}
        return original(rt, body)

    _swap(provider, "create", create)


# -- /.search ----------------------------------------------------------------------------------


def _search_ignores_filter(provider: ServiceProvider) -> None:
    def before(q: Query) -> Query:
        if has_request_context() and request.path.endswith("/.search"):
            return dataclasses.replace(q, filter=None)
        return q

    _wrap_query(provider, before)


def _search_creates(req: Request, response: Response) -> Response:
    # A body that is not a SearchRequest is created as a resource of the endpoint's type.
    if req.method != "POST" or not req.path.endswith("/.search"):
        return response
    body = req.get_json(silent=True)
    if not isinstance(body, dict) or SEARCH_REQUEST in (body.get("schemas") or []):
        return response
    endpoint = req.path[: -len("/.search")].rsplit("/", 1)[-1]
    rt = http.state().registry.resource_type_for_endpoint("/" + endpoint)
    if rt is None:
        return response
    provider: ServiceProvider = http.state().provider
    try:
        created = provider.create(rt, body)
    except errors.ScimError:
        return response
    response.status_code = 201
    return rewrite(response, provider.present(rt, http.with_locations(rt, created)))


def _search_not_list(req: Request, response: Response) -> Response:
    body = response_json(response)
    if req.path.endswith("/.search") and response.status_code == 200 and isinstance(body, dict):
        return rewrite(response, body.get("Resources") or [])
    return response


for _name, _requirements, _description, _provider, _response in (
    ("paging-off-by-one", ("P-3.4.2.4-01", "P-3.4.2.4-02"),
     "startIndex is read as a 0-based offset: startIndex=1 skips the first result.",
     _off_by_one, None),
    ("paging-duplicates-across-pages", ("P-3.4.2.4-07",),
     "Every page after the first repeats the previous page's last resource.", _duplicates, None),
    ("paging-ignores-count", ("P-3.4.2.4-05",),
     "count is ignored: every page has the default size.", _ignores_count, None),
    ("paging-count-zero-returns-all", ("P-3.4.2.4-04",),
     "count=0 returns a default-size page instead of none.", _count_zero_all, None),
    ("paging-negative-count-error", ("P-3.4.2.4-03",),
     "A negative count is refused with 400 instead of being taken as 0.",
     _negative_count_error, None),
    ("paging-start-below-one-error", ("P-3.4.2.4-02",),
     "startIndex below 1 is refused with 400 instead of being taken as 1.",
     _start_below_one_error, None),
    ("paging-total-is-page-size", ("P-3.4.2.4-07", "P-3.4.2.4-04"),
     "totalResults counts the page, not every match.", _total_is_page_size, None),
    ("paging-past-end-error", ("P-3.4.2.4-08",),
     "A startIndex past the last result answers 404.", _past_end_error, None),
    ("paging-no-items-per-page", ("P-3.4.2-06", "P-3.4.2-07"),
     "A partial page leaves out startIndex and itemsPerPage.", None, _no_items_per_page),
    ("paging-cap-ignored", ("C-5-13",),
     "filter.maxResults is advertised as 2 but pages hold up to 200 resources.",
     None, _cap_ignored),
    ("sort-ignored", ("P-3.4.2.3-02",), "sortBy is ignored (store order).", _sort_ignored, None),
    ("sort-descending-ignored", ("P-3.4.2.3-07",),
     "sortOrder=descending sorts ascending.", _descending_ignored, None),
    ("sort-default-descending", ("P-3.4.2.3-05",),
     "sortBy without sortOrder sorts descending.", _default_descending, None),
    ("sort-case-sensitive", ("P-3.4.2.3-06",),
     "Strings sort by code point even when caseExact=false.",
     lambda p: _sort_with(p, _case_sensitive_key), None),
    ("sort-missing-first", ("P-3.4.2.3-04",),
     "Resources without the sort value come first ascending and last descending.",
     lambda p: _sort_with(p, _missing_first_key), None),
    ("sort-multivalued-last-value", ("P-3.4.2.3-03",),
     "A multi-valued sort uses each resource's last value, not its primary or first.",
     lambda p: _sort_with(p, _last_value_key), None),
    ("projection-attributes-ignored-on-list", ("P-3.9-06",),
     "attributes/excludedAttributes are ignored in list and search answers.",
     _ignored_on_list, None),
    ("projection-ignored-on-put-patch", ("P-3.9-01",),
     "attributes/excludedAttributes are ignored in PUT and PATCH answers.",
     _ignored_on_writes, None),
    ("projection-first-name-only", ("P-3.9-05",),
     "Only the first name of a comma-separated attributes list is honoured.",
     _first_name_only, None),
    ("projection-excluded-drops-schemas", ("P-3.4.2.5-02",),
     "excludedAttributes removes schemas from every listed resource.",
     None, _excluded_drops_schemas),
    ("null-stored-as-empty-string", ("C-2.5-01",),
     "A nickName sent as null on create is stored and shown as \"\".",
     _null_stored_as_empty, None),
    ("search-ignores-body-filter", ("P-3.4.3-04",),
     "The filter of a SearchRequest is ignored.", _search_ignores_filter, None),
    ("search-creates-resource", ("P-3.4.3-02",),
     "POST /<type>/.search with a resource body creates it and answers 201.",
     None, _search_creates),
    ("search-not-list-response", ("P-3.4.3-05",),
     "/.search answers with a bare JSON array of resources.", None, _search_not_list),
):  # fmt: skip
    register(Fault(_name, _requirements, _description, response=_response, provider=_provider))
