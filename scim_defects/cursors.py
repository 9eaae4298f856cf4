"""RFC 9865 cursor pagination defects (``scim_tests/checks/test_paginate_cursor.py``).

Bugs seen in cursor implementations: an exclusive/inclusive mix-up that skips a resource at
every page boundary, a nextCursor that never goes away, a previousCursor on the first page, the
RFC 7644 keywords where RFC 9865 defines its own, a count that cannot be read silently ignored,
and the ServiceProviderConfig ``pagination`` flags sent as strings. RFC 9865 has no rows in the
requirement catalog, so the defects name none (the checks report uncited failures).
"""

from __future__ import annotations

import dataclasses
import hashlib
from collections.abc import Iterable

from flask import Request, Response

from scim_defects.registry import Defect, register, response_json, rewrite
from scim_mock import errors
from scim_mock.cursors import InvalidCount, InvalidCursor
from scim_mock.operations import ProviderDecorator
from scim_mock.query import Query, QueryResult
from scim_mock.schema import ResourceType

#: The cursor the "never ends" defect hands out once the results are exhausted.
_END = "end"


def _cursor_query(query: Query) -> bool:
    return query.cursor is not None


class _SkipsAtBoundary(ProviderDecorator):
    """Each later page starts one resource late: the resource right after the cursor is lost."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        result = self.inner.query(rts, query)
        if not query.cursor or not result.cursor_paged or not result.resources:
            return result
        kept = result.resources[1:]
        return dataclasses.replace(result, resources=kept, items_per_page=len(kept))


class _NextCursorForever(ProviderDecorator):
    """The last page still carries a nextCursor, which leads to empty pages that carry one too."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        if query.cursor is not None and query.cursor.startswith(_END):
            first = self.inner.query(rts, dataclasses.replace(query, cursor="", count=0))
            return dataclasses.replace(
                first, resources=[], items_per_page=0, next_cursor=query.cursor
            )
        result = self.inner.query(rts, query)
        if result.cursor_paged and result.next_cursor is None:
            marker = hashlib.sha256(repr(query).encode()).hexdigest()[:12]
            return dataclasses.replace(result, next_cursor=f"{_END}{marker}")
        return result


class _PreviousOnFirstPage(ProviderDecorator):
    """The first page carries ``"previousCursor": ""``."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        result = self.inner.query(rts, query)
        if result.cursor_paged and not query.cursor and result.previous_cursor is None:
            return dataclasses.replace(result, previous_cursor="")
        return result


class _CursorErrorAsInvalidValue(ProviderDecorator):
    """A cursor the server cannot read is answered 400 invalidValue (RFC 7644's keyword)."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        try:
            return self.inner.query(rts, query)
        except InvalidCursor as exc:
            raise errors.InvalidValue(exc.detail) from exc


class _UnreadableCountIgnored(ProviderDecorator):
    """A count that is not an integer is ignored on a cursor query (the default page size)."""

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        try:
            return self.inner.query(rts, query)
        except InvalidCount:
            if query.cursor:
                raise
            return self.inner.query(rts, dataclasses.replace(query, count=None))


def _pagination_flags_as_strings(request: Request, response: Response) -> Response:
    body = response_json(response)
    if not request.path.endswith("/ServiceProviderConfig") or not isinstance(body, dict):
        return response
    pagination = body.get("pagination")
    if isinstance(pagination, dict):
        for name in ("cursor", "index"):
            if isinstance(pagination.get(name), bool):
                pagination[name] = str(pagination[name]).lower()
        return rewrite(response, body)
    return response


_DEFECTS = (
    ("cursor-skips-page-boundary",
     "RFC 9865 §2: a cursor resumes one resource late: the first resource "
     "of every later page is lost.",
     {"wrap_provider": _SkipsAtBoundary}),
    ("cursor-next-on-last-page",
     "RFC 9865 §2: nextCursor is never omitted: the last page and the empty "
     "pages after it all carry one.",
     {"wrap_provider": _NextCursorForever}),
    ("cursor-previous-on-first-page",
     "RFC 9865 §2: the first cursor page carries an empty previousCursor.",
     {"wrap_provider": _PreviousOnFirstPage}),
    ("cursor-invalid-as-invalid-value",
     "RFC 9865 §2.1, §5.2: an invalid or forged cursor is answered 400 "
     "invalidValue instead of invalidCursor.",
     {"wrap_provider": _CursorErrorAsInvalidValue}),
    ("cursor-unreadable-count-ignored",
     "RFC 9865 §2.1: a non-integer count on a cursor query is ignored "
     "instead of refused with invalidCount.",
     {"wrap_provider": _UnreadableCountIgnored}),
    ("cursor-pagination-flags-as-strings",
     "RFC 9865 §4: ServiceProviderConfig pagination.cursor and .index are "
     "the strings \"true\"/\"false\".",
     {"response": _pagination_flags_as_strings}),
)  # fmt: skip
for _name, _description, _hooks in _DEFECTS:
    register(Defect(_name, (), _description, **_hooks))
