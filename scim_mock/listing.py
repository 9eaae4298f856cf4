"""Query results: sorting (RFC 7644 §3.4.2.3), paging (§3.4.2.4) and the ListResponse (§3.4.2).

Both the GET query parameters and the fields of a ``/.search`` body (P-3.4.3-04) arrive here
as raw values; this module validates them, so the views only pass them through.
"""

from __future__ import annotations

import re
from collections.abc import Iterable, Sequence
from typing import Any, TypeVar

from scim_mock import errors, values
from scim_mock.paths import PathSyntaxError, parse_attr_path
from scim_mock.schema import ResolvedAttribute, ResourceType, SchemaRegistry

LIST_RESPONSE = "urn:ietf:params:scim:api:messages:2.0:ListResponse"
ASCENDING = "ascending"
DESCENDING = "descending"

_INTEGER = re.compile(r"^[+-]?[0-9]+$")
# Sort keys: (0, typed value) for a resource with a value, (1,) without one, so resources
# without a value follow every valued one in ascending order and precede them in descending
# order, exactly the reverse (P-3.4.2.3-04).
_MISSING: tuple[int] = (1,)
SortKey = tuple[Any, ...]
T = TypeVar("T")


def _resource_type(registry: SchemaRegistry, resource_type: ResourceType | str) -> ResourceType:
    if isinstance(resource_type, ResourceType):
        return resource_type
    found = registry.resource_type(resource_type)
    if found is None:
        raise ValueError(f"unknown resource type {resource_type!r}")
    return found


# -- sorting ----------------------------------------------------------------------------------


def parse_sort_order(sort_order: str | None) -> bool:
    """Whether the order is descending. Absent means ascending (P-3.4.2.3-05).

    Only "ascending" and "descending" (any case) are defined (P-3.4.2.3-07); anything else is
    400 invalidValue, the scimType RFC 7644 §3.12 gives a GET parameter value that does not fit
    the operation.
    """
    if sort_order is None:
        return False
    if not isinstance(sort_order, str) or sort_order.lower() not in (ASCENDING, DESCENDING):
        raise errors.InvalidValue(
            f"sortOrder must be 'ascending' or 'descending', not {sort_order!r}."
        )
    return sort_order.lower() == DESCENDING


def resolve_sort_by(
    sort_by: str, registry: SchemaRegistry, resource_type: ResourceType | str
) -> ResolvedAttribute:
    """Resolve a ``sortBy`` attribute path (URN-qualified names allowed, P-3.10-01).

    Refused with 400 invalidValue: malformed paths and names the resource type does not define
    (RFC 7644 §3.12: the value is not compatible with the resource schema; invalidSyntax is
    about request bodies and invalidFilter about filters); complex attributes named without a
    sub-attribute (§3.4.2.3 asks for a path to a sub-attribute, e.g. ``name.givenName``); and
    returned=never attributes, whose order would leak the values that are never returned
    (C-7-17, C-4.1.1-07).
    """
    rt = _resource_type(registry, resource_type)
    try:
        path = parse_attr_path(sort_by, registry.known_urns(rt))
    except PathSyntaxError as exc:
        raise errors.InvalidValue(f"sortBy {sort_by!r} is not a valid attribute path.") from exc
    resolved = None
    if path.attribute is not None:
        resolved = registry.resolve(rt, path.attribute, path.sub_attribute, path.urn)
    if resolved is None:
        raise errors.InvalidValue(f"sortBy {sort_by!r} names no attribute of {rt.name}.")
    if resolved.target.is_complex:
        raise errors.InvalidValue(
            f"sortBy {sort_by!r} is complex; name one of its sub-attributes instead."
        )
    if resolved.attribute.returned == "never" or resolved.target.returned == "never":
        raise errors.InvalidValue(f"sortBy {sort_by!r} names an attribute that is never returned.")
    return resolved


def sort_value(resource: dict[str, Any], resolved: ResolvedAttribute) -> Any:
    """The one value a resource is sorted by, or None.

    For a multi-valued attribute that is the value of the element marked primary, else of the
    first element that has one (P-3.4.2.3-03).
    """
    holder = values.container(resource, resolved)
    raw = None if holder is None else holder.get(resolved.attribute.name)
    if raw is None:
        return None
    sub = resolved.sub_attribute
    if not resolved.attribute.multi_valued:
        if sub is None:
            return raw
        return raw.get(sub.name) if isinstance(raw, dict) else None
    items = raw if isinstance(raw, list) else [raw]
    if sub is None:
        return next((item for item in items if item is not None), None)
    valued = [item for item in items if isinstance(item, dict) and item.get(sub.name) is not None]
    primary = [item for item in valued if item.get("primary") is True]
    chosen = primary or valued
    return chosen[0][sub.name] if chosen else None


def sort_key(resource: dict[str, Any], resolved: ResolvedAttribute) -> SortKey:
    """A key that orders by the attribute's type (P-3.4.2.3-06, P-3.4.2.2-11).

    Strings compare case-insensitively unless caseExact (via :func:`values.fold`), dateTimes
    chronologically, numbers numerically, booleans false before true. A value of the wrong type
    counts as no value, which keeps the order total.
    """
    attribute = resolved.target
    value = sort_value(resource, resolved)
    kind = attribute.type
    if kind == "boolean":
        return (0, value) if isinstance(value, bool) else _MISSING
    if kind in ("integer", "decimal"):
        numeric = isinstance(value, (int, float)) and not isinstance(value, bool)
        # NaN (which Python's json accepts) is not equal to itself and would break the order.
        return (0, value) if numeric and value == value else _MISSING
    if not isinstance(value, str):
        return _MISSING
    if kind == "dateTime":
        moment = values.parse_datetime(value)
        return _MISSING if moment is None else (0, moment)
    return (0, values.fold(attribute, value))


def sort_resources(
    resources: Iterable[dict[str, Any]],
    sort_by: str | None,
    sort_order: str | None,
    registry: SchemaRegistry,
    resource_type: ResourceType | str,
) -> list[dict[str, Any]]:
    """Order resources by ``sortBy``/``sortOrder`` (P-3.4.2.3-02..07).

    Without ``sortBy`` the input order is kept. The sort is stable in both directions: equal
    keys keep their input order. ``sortOrder`` is validated even without ``sortBy``.
    """
    descending = parse_sort_order(sort_order)
    result = list(resources)
    if sort_by is None:
        return result
    resolved = resolve_sort_by(sort_by, registry, resource_type)
    # sorted(reverse=True) keeps equal elements in input order, so it is stable too.
    return sorted(result, key=lambda r: sort_key(r, resolved), reverse=descending)


# -- paging -----------------------------------------------------------------------------------


def parse_integer(value: Any, name: str) -> int | None:
    """An integer query parameter or search-body field; None when absent.

    startIndex and count are integers (RFC 7644 §3.4.2.4); the "treat as 1 / as 0" rules apply
    to integers only. Anything else (decimals, "1.5", "ten", "", booleans) is 400 invalidValue:
    §3.12 assigns it to a value incompatible with the operation, on GET as well as POST
    /.search, whereas invalidSyntax concerns the structure of a body.
    """
    if value is None:
        return None
    if isinstance(value, int) and not isinstance(value, bool):
        return value
    if isinstance(value, str) and _INTEGER.match(value):
        return int(value)
    raise errors.InvalidValue(f"{name} must be an integer, not {value!r}.")


def paginate(
    resources: Sequence[T],
    start_index: Any,
    count: Any,
    *,
    default_count: int,
    max_count: int,
) -> tuple[list[T], int, int]:
    """One page of ``resources`` (of any item type): (page, startIndex used, itemsPerPage).

    startIndex is 1-based and defaults to 1 (P-3.4.2.4-01); below 1 it is taken as 1
    (P-3.4.2.4-02). A negative count is taken as 0 (P-3.4.2.4-03) and 0 yields an empty page
    (P-3.4.2.4-04). count defaults to ``default_count`` and is capped at ``max_count``: a page
    never exceeds the request (P-3.4.2.4-05) or the advertised filter.maxResults (C-5-13) and
    may be shorter (P-3.4.2.4-06). A startIndex past the end yields an empty page
    (P-3.4.2.4-08). itemsPerPage is the page's length (P-3.4.2.4-07).
    """
    start = max(parse_integer(start_index, "startIndex") or 1, 1)
    requested = parse_integer(count, "count")
    size = default_count if requested is None else max(requested, 0)
    size = max(min(size, max_count), 0)
    page = list(resources[start - 1 : start - 1 + size])
    return page, start, len(page)


def list_response(
    resources: Sequence[dict[str, Any]], total: int, start_index: int, items_per_page: int
) -> dict[str, Any]:
    """The ListResponse message (RFC 7644 §3.4.2).

    startIndex and itemsPerPage are always included (P-3.4.2-06, P-3.4.2-07), and so is
    ``Resources``, possibly empty (P-3.4.2-05).
    """
    return {
        "schemas": [LIST_RESPONSE],
        "totalResults": total,
        "startIndex": start_index,
        "itemsPerPage": items_per_page,
        "Resources": list(resources),
    }
