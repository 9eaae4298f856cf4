"""The report card's sequence rules: what a client did across exchanges, not in one of them.

- ``retry-too-early``: a 429/503 with ``Retry-After``, then the same client's next request
  before that time (RFC 6585 §4, RFC 9110 §10.2.3). Times are the mock clock's; two exchanges
  stamped with the very same instant (a frozen clock) are not judged, since the client may
  well have waited on its own clock.
- ``unread-pages``: a list read that returned fewer resources than ``totalResults`` without
  being asked for fewer (no ``count``, or the server returned less than ``count``), and no later
  read of the same list and filter by that client with a higher ``startIndex``
  (RFC 7644 §3.4.2.4).
- ``lost-update-risk``: while ETags are advertised, a resource the client read (GET, or a list
  read that returned it) then replaced by PUT, or whose whole multi-valued attribute it replaced
  by PATCH, without ``If-Match`` (RFC 7644 §3.14).
- ``members-replaced-to-add-one`` / ``-remove-one``: a PUT or PATCH replace of a group's whole
  ``members`` whose new set differs from the last one the mock showed by one value.

Pure domain code; :class:`Flows` is fed the exchanges in journal order.
"""

from __future__ import annotations

from dataclasses import dataclass
from datetime import datetime, timedelta, timezone
from email.utils import parsedate_to_datetime
from typing import Any

from scim_mock.report_model import Exchange, Facts, Hit, ci_get, patch_target

#: Timestamps are milliseconds; a client that waited exactly Retry-After is never early.
_SLACK = timedelta(milliseconds=10)


@dataclass
class _Retry:
    source: Exchange
    until: datetime
    header: str


@dataclass
class _Page:
    source: Exchange
    filter: Any
    start: int
    returned: int
    total: int


def _retry_until(ex: Exchange) -> _Retry | None:
    if ex.status not in (429, 503) or ex.response_headers is None:
        return None
    header = ex.response_headers.get("retry-after", "").strip()
    if header.isdigit():
        if ex.time is None:
            return None
        return _Retry(ex, ex.time + timedelta(seconds=int(header)), header)
    try:
        until = parsedate_to_datetime(header)
    except (TypeError, ValueError, IndexError):
        return None
    if until.tzinfo is None:
        until = until.replace(tzinfo=timezone.utc)
    return _Retry(ex, until, header)


def _resources(ex: Exchange) -> list[dict[str, Any]]:
    body = ex.response
    resources = ci_get(body, "Resources") if isinstance(body, dict) else None
    if not isinstance(resources, list):
        return []
    return [r for r in resources if isinstance(r, dict) and isinstance(r.get("id"), str)]


def _is_list_read(ex: Exchange) -> bool:
    return ex.kind in ("list", "search") and ex.status == 200 and isinstance(ex.response, dict)


def _member_values(value: Any) -> frozenset[str] | None:
    if not isinstance(value, list):
        return None
    values = [ci_get(m, "value") for m in value if isinstance(m, dict)]
    if len(values) != len(value) or not all(isinstance(v, str) for v in values):
        return None
    return frozenset(values)


def _whole_replaces(ex: Exchange) -> list[tuple[str, Any]]:
    """(attribute, new value) of each PATCH replace of a whole multi-valued attribute."""
    operations = ci_get(ex.body, "Operations") if isinstance(ex.body, dict) else None
    if ex.endpoint is None or not isinstance(operations, list):
        return []
    found: list[tuple[str, Any]] = []
    for op in operations:
        name = ci_get(op, "op") if isinstance(op, dict) else None
        if not isinstance(name, str) or name.lower() != "replace":
            continue
        path, value = ci_get(op, "path"), ci_get(op, "value")
        if isinstance(path, str):
            target = patch_target(path, ex.endpoint)
            if target and not target.filtered and target.leaf == target.attribute.split(":")[-1]:
                if target.attribute in ex.endpoint.multi_valued:
                    found.append((target.attribute, value))
        elif isinstance(value, dict):
            found += [
                (k.lower(), v) for k, v in value.items() if k.lower() in ex.endpoint.multi_valued
            ]
    return found


class Flows:
    """The sequence rules' state over one journal."""

    def __init__(self, facts: Facts) -> None:
        self.facts = facts
        self._retries: dict[str, _Retry] = {}
        self._pages: dict[str, list[_Page]] = {}
        self._reads: dict[str, dict[str, Any]] = {}
        self._members: dict[str, frozenset[str]] = {}

    def feed(self, ex: Exchange) -> list[Hit]:
        """The hits of ``ex`` given what came before it; then remember what it shows."""
        hits = [*self._retry(ex), *self._lost_update(ex), *self._member_churn(ex)]
        self._page(ex)
        self._remember(ex)
        return hits

    def finish(self) -> list[tuple[Hit, Exchange]]:
        """The list reads whose next page never came."""
        found = []
        for pages in self._pages.values():
            for page in pages:
                detail = (
                    f"returned {page.returned} from startIndex {page.start} of "
                    f"totalResults {page.total}; startIndex {page.start + page.returned} "
                    "was never requested"
                )
                found.append((Hit("unread-pages", detail), page.source))
        found.sort(key=lambda item: item[1].order)
        return found

    def _retry(self, ex: Exchange) -> list[Hit]:
        hits = []
        pending = self._retries.pop(ex.client, None)
        if pending is not None and ex.time is not None and ex.time != pending.source.time:
            if ex.time < pending.until - _SLACK:
                early = (pending.until - ex.time).total_seconds()
                source_id = pending.source.entry.get("id", pending.source.order)
                hits.append(Hit(
                    "retry-too-early",
                    f"request {source_id} answered {pending.source.status} with Retry-After: "
                    f"{pending.header}; this one came {early:.3f} s early",
                ))  # fmt: skip
        retry = _retry_until(ex)
        if retry is not None:
            self._retries[ex.client] = retry
        return hits

    def _page(self, ex: Exchange) -> None:
        if ex.kind not in ("list", "search"):
            return
        flt = ex.param("filter")
        start = ex.int_param("startIndex") or 1
        pages = self._pages.get(ex.client, [])
        self._pages[ex.client] = [
            p
            for p in pages
            if not (p.source.collection == ex.collection and p.filter == flt and start > p.start)
        ]
        if not _is_list_read(ex):
            return
        body = ex.response
        total = body.get("totalResults")
        items = body.get("itemsPerPage")
        returned = items if isinstance(items, int) else len(ci_get(body, "Resources") or [])
        first = body.get("startIndex")
        first = first if isinstance(first, int) else start
        count = ex.int_param("count")
        if count is not None and (count <= 0 or returned >= count):
            return  # the client asked for this much (an existence check, a count-only read)
        if isinstance(total, int) and returned > 0 and first - 1 + returned < total:
            self._pages[ex.client].append(_Page(ex, flt, first, returned, total))

    def _lost_update(self, ex: Exchange) -> list[Hit]:
        if not self.facts.etag_supported or ex.headers is None or ex.key is None:
            return []
        if "if-match" in ex.headers:
            return []
        read = self._reads.get(ex.client, {}).get(ex.key)
        if read is None:
            return []
        if ex.kind == "replace":
            return [Hit("lost-update-risk", f"read in request {read}, then PUT without If-Match")]
        if ex.kind == "patch":
            replaced = sorted({name for name, _ in _whole_replaces(ex)})
            if replaced:
                return [Hit(
                    "lost-update-risk",
                    f"read in request {read}, then PATCH replaced all of "
                    f"{', '.join(replaced)} without If-Match",
                )]  # fmt: skip
        return []

    def _new_members(self, ex: Exchange) -> frozenset[str] | None:
        if ex.kind == "replace" and isinstance(ex.body, dict):
            return _member_values(ci_get(ex.body, "members"))
        if ex.kind == "patch":
            new = [value for name, value in _whole_replaces(ex) if name == "members"]
            return _member_values(new[-1]) if new else None
        return None

    def _member_churn(self, ex: Exchange) -> list[Hit]:
        new = self._new_members(ex)
        old = self._members.get(ex.key or "")
        if new is None or old is None or len(new ^ old) != 1:
            return []
        if new > old and old:
            (added,) = new - old
            return [Hit("members-replaced-to-add-one",
                        f"{len(new)} members sent to add {added}")]  # fmt: skip
        if old > new and new:
            (removed,) = old - new
            return [Hit("members-replaced-to-remove-one",
                        f"{len(new)} members sent to remove {removed}")]  # fmt: skip
        return []

    def _show(self, key: str, resource: dict[str, Any]) -> None:
        members = _member_values(ci_get(resource, "members"))
        if members is not None:
            self._members[key] = members
        else:
            self._members.pop(key, None)

    def _remember(self, ex: Exchange) -> None:
        reads = self._reads.setdefault(ex.client, {})
        source_id = ex.entry.get("id", ex.order)
        if ex.kind == "read" and ex.status == 200 and ex.key:
            reads[ex.key] = source_id
        if _is_list_read(ex):
            for resource in _resources(ex):
                reads[f"{ex.collection}/{resource['id']}"] = source_id
                self._show(f"{ex.collection}/{resource['id']}", resource)
        if ex.status >= 300:
            return
        if ex.kind == "delete" and ex.key:
            self._members.pop(ex.key, None)
        body = ex.response
        if ex.kind == "create" and isinstance(body, dict) and isinstance(body.get("id"), str):
            self._show(f"{ex.collection}/{body['id']}", body)
        elif ex.kind in ("read", "replace", "patch") and ex.key:
            if isinstance(body, dict):
                self._show(ex.key, body)
            elif ex.kind == "replace" or ex.kind == "patch":
                new = self._new_members(ex)  # 204 No Content: the sent set, if whole
                if new is not None:
                    self._members[ex.key] = new
                else:
                    self._members.pop(ex.key, None)
