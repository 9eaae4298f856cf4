"""Protocol message envelopes (RFC 7644 §3.4.2, §3.4.3, §3.5.2): query parameters,
SearchRequest and PatchOp bodies, checked and turned into domain values.

Pure: the views and /Bulk hand in plain mappings; errors are SCIM errors.
"""

from __future__ import annotations

from collections.abc import Mapping
from typing import Any

from scim_mock.config import MockConfig
from scim_mock.cursors import InvalidCount, InvalidCursor
from scim_mock.errors import InvalidSyntax, InvalidValue, NotImplementedFeature
from scim_mock.projection import parse_attribute_list
from scim_mock.provider import Query

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"
PATCH_OP = "urn:ietf:params:scim:api:messages:2.0:PatchOp"
_SEARCH_FIELDS = {
    "schemas",
    "attributes",
    "excludedattributes",
    "filter",
    "sortby",
    "sortorder",
    "startindex",
    "count",
}


def query_from_args(args: Mapping[str, str], cfg: MockConfig) -> Query:
    """A :class:`Query` from URL query parameters (RFC 7644 §3.4.2)."""
    if "filter" in args and not cfg.filter_supported:
        raise NotImplementedFeature("Filtering is not supported (filter.supported=false).")
    if ("sortBy" in args or "sortOrder" in args) and not cfg.sort_supported:
        raise NotImplementedFeature("Sorting is not supported (sort.supported=false).")
    # RFC 9865 §2: ``cursor`` (empty for the first page) asks for cursor paging; unknown to
    # a server without it, it is ignored like any unrecognised parameter (RFC 7644 §3.4.2).
    cursor = args.get("cursor") if cfg.cursor_pagination else None
    if cursor is not None and args.get("startIndex") is not None:
        raise InvalidValue("Use either startIndex (index paging) or cursor, not both.")
    return Query(
        filter=args.get("filter"),
        sort_by=args.get("sortBy"),
        sort_order=args.get("sortOrder"),
        start_index=args.get("startIndex"),
        count=args.get("count"),
        attributes=parse_attribute_list(args.get("attributes")),
        excluded_attributes=parse_attribute_list(args.get("excludedAttributes")),
        cursor=cursor,
    )


def query_from_search(body: Any, cfg: MockConfig) -> Query:
    """A SearchRequest body (RFC 7644 §3.4.3) as a :class:`Query` (P-3.4.3-03, P-3.4.3-04)."""
    if not isinstance(body, dict):
        raise InvalidSyntax("A SearchRequest must be a JSON object.")
    schemas = body.get("schemas")
    if not isinstance(schemas, list) or SEARCH_REQUEST not in schemas:
        raise InvalidSyntax(f"A SearchRequest must list {SEARCH_REQUEST} in schemas.")
    fields = {key.lower(): value for key, value in body.items()}
    known = _SEARCH_FIELDS | ({"cursor"} if cfg.cursor_pagination else set())
    unknown = sorted(k for k in body if k.lower() not in known)
    if unknown:
        raise InvalidSyntax(f"Unknown SearchRequest attribute(s): {', '.join(unknown)}.")
    for name in ("filter", "sortby", "sortorder"):
        if name in fields and not isinstance(fields[name], str):
            raise InvalidValue(f"SearchRequest {name} must be a string.")
    cursor = fields.get("cursor")
    if cursor is not None and not isinstance(cursor, str):
        raise InvalidCursor("SearchRequest cursor must be a string (RFC 9865 §3).")
    for name in ("startindex", "count"):
        value = fields.get(name)
        if value is not None and (not isinstance(value, int) or isinstance(value, bool)):
            if name == "count" and cursor is not None:
                raise InvalidCount("SearchRequest count must be an integer (RFC 9865 §2.1).")
            raise InvalidValue(f"SearchRequest {name} must be an integer.")
    lists: dict[str, list[str] | None] = {}
    for name in ("attributes", "excludedattributes"):
        value = fields.get(name)
        if value is not None and (
            not isinstance(value, list) or not all(isinstance(v, str) for v in value)
        ):
            raise InvalidValue(f"SearchRequest {name} must be an array of strings.")
        lists[name] = parse_attribute_list(value)
    as_args = {
        key: str(fields[name])
        for key, name in (
            ("filter", "filter"),
            ("sortBy", "sortby"),
            ("sortOrder", "sortorder"),
            ("startIndex", "startindex"),
            ("count", "count"),
            ("cursor", "cursor"),
        )
        if fields.get(name) is not None
    }
    query = query_from_args(as_args, cfg)
    return Query(
        filter=query.filter,
        sort_by=query.sort_by,
        sort_order=query.sort_order,
        start_index=query.start_index,
        count=query.count,
        attributes=lists["attributes"],
        excluded_attributes=lists["excludedattributes"],
        cursor=query.cursor,
    )


def patch_operations(body: Any) -> Any:
    """The Operations of a PatchOp message (RFC 7644 §3.5.2), envelope checked."""
    if not isinstance(body, dict):
        raise InvalidSyntax("A PatchOp request must be a JSON object.")
    fields = {key.lower(): value for key, value in body.items()}
    schemas = fields.get("schemas")
    if not isinstance(schemas, list) or PATCH_OP not in schemas:
        raise InvalidSyntax(f"A PatchOp request must list {PATCH_OP} in schemas.")
    extra = sorted(k for k in body if k.lower() not in ("schemas", "operations"))
    if extra:
        raise InvalidSyntax(f"Unknown PatchOp attribute(s): {', '.join(extra)}.")
    if "operations" not in fields:
        raise InvalidSyntax("A PatchOp request must carry Operations.")
    return fields["operations"]
