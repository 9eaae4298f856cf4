"""Querying resources (RFC 7644 §3.4.2, §3.4.3): a tagged population of users, ListResponse pages.

A :class:`Population` is a set of users created once per check module and tagged with the run
prefix. With the filter feature, queries are restricted to it (``userName sw "<tag>"``);
without it the whole list is walked. Shared by the paging, sorting, projection and search
checks.
"""

from __future__ import annotations

from collections.abc import Callable
from dataclasses import dataclass, field
from typing import Any

from scim_tests.asserts import assert_status, assert_valid, json_object, resources_of
from scim_tests.client import ScimClient, ScimResponse
from scim_tests.discovery import Spc, feature_supported
from scim_tests.failures import ConformanceFailure
from scim_tests.fixtures import create
from scim_tests.operations import Payload

SEARCH_REQUEST = "urn:ietf:params:scim:api:messages:2.0:SearchRequest"


@dataclass
class Population:
    """Users created once per module; ``tag`` starts every userName."""

    tag: str
    users: list[dict[str, Any]] = field(default_factory=list)
    filtered: bool = True
    sorted: bool = False

    @property
    def ids(self) -> list[str]:
        """The users' ids in creation order."""
        return [str(u["id"]) for u in self.users]

    @property
    def filter(self) -> str:
        """The filter selecting exactly this population."""
        return f'userName sw "{self.tag}"'

    def params(self, **extra: Any) -> dict[str, str]:
        """Query parameters restricted to the population when the provider filters."""
        params = {"filter": self.filter} if self.filtered else {}
        params.update({k: str(v) for k, v in extra.items()})
        return params


def populate(
    client: ScimClient,
    cache: list[dict[str, Any]],
    bodies: Callable[[], list[dict[str, Any]]],
) -> list[dict[str, Any]]:
    """Create the users of ``bodies()`` once; ``cache`` (module-scoped) keeps them.

    A failed create is remembered and raised again for the module's later checks: creating
    the same fixed names a second time would only collide with what the first attempt made,
    and report a uniqueness conflict instead of the failure that blocked them.
    """
    __tracebackhide__ = True
    failed = _FAILED_POPULATIONS.get(id(cache))
    if failed is not None:
        raise failed
    if not cache:
        try:
            for body in bodies():
                cache.append(create(client, "/Users", body))
        except ConformanceFailure as failure:
            _FAILED_POPULATIONS[id(cache)] = failure
            raise
    return cache


#: The set-up failure of each population cache whose creation failed (by ``id(cache)``).
_FAILED_POPULATIONS: dict[int, ConformanceFailure] = {}


def depopulate(client: ScimClient, cache: list[dict[str, Any]]) -> None:
    """Delete a module's users (those the run still owns)."""
    for user in cache:
        if client.ownership.owns(str(user["id"])):
            client.delete(f"/Users/{user['id']}")
    cache.clear()
    _FAILED_POPULATIONS.pop(id(cache), None)


def tagged(payload: Payload, tag: str, **overrides: Any) -> dict[str, Any]:
    """A run-unique User body whose userName starts with ``tag``."""
    body = payload(**overrides)
    if "userName" not in overrides:
        body["userName"] = f"{tag}-{body['userName']}"
    return body


def tagged_population(
    client: ScimClient, cache: list[dict[str, Any]], payload: Payload, tag: str, size: int,
    spc: Spc,
) -> Population:  # fmt: skip
    """``size`` users whose userNames start with ``tag``, created once into a module's
    ``cache`` (see :func:`populate`), described with the provider's features."""
    users = populate(client, cache, lambda: [tagged(payload, tag) for _ in range(size)])
    return new_population(tag, users, spc)


def new_population(tag: str, users: list[dict[str, Any]], spc: Spc) -> Population:
    """Describe ``users`` with the features the provider advertises."""
    return Population(
        tag,
        users,
        filtered=feature_supported(spc, "filter") is not False,
        sorted=feature_supported(spc, "sort") is True,
    )


def list_body(
    response: ScimResponse, kind: str = "User", requirement: str | tuple[str, ...] | None = None
) -> dict[str, Any]:
    """A 200 ListResponse whose resources are valid ``kind`` bodies.

    ``Resources`` may be absent when the page is empty (count=0, past the end).
    """
    __tracebackhide__ = True
    assert_status(response, 200, requirement=requirement)
    body = json_object(response, requirement=requirement)
    shown = body if "Resources" in body else {**body, "Resources": []}
    assert_valid(shown, "ListResponse", response=response, requirement=requirement)
    for resource in resources_of(body):
        assert_valid(resource, kind, response=response, requirement=requirement)
    return body


def list_page(
    client: ScimClient,
    params: dict[str, str],
    requirement: str | tuple[str, ...] | None = None,
    endpoint: str = "/Users",
) -> tuple[dict[str, Any], ScimResponse]:
    """GET ``endpoint`` with ``params``: the ListResponse body and the response."""
    __tracebackhide__ = True
    response = client.get(endpoint, params=params)
    return list_body(response, requirement=requirement), response


#: The most pages a check follows (a provider that never ends its list is cut off there).
MAX_PAGES = 100


def pages(
    fetch: Callable[[int], tuple[dict[str, Any], ScimResponse]],
    wanted: set[str] | None = None,
) -> tuple[list[dict[str, Any]], ScimResponse]:
    """Every resource of a paged list, in order: ``fetch(startIndex)`` gives one page.

    A provider may return fewer resources per page than ``count`` asked for (RFC 7644
    §3.4.2.4), so the pages are followed by ``startIndex`` up to ``totalResults``; with
    ``wanted`` (ids) it stops as soon as all of them were seen.
    """
    __tracebackhide__ = True
    found: list[dict[str, Any]] = []
    start = 1
    for _ in range(MAX_PAGES):
        body, response = fetch(start)
        page = resources_of(body)
        found += page
        start += len(page)
        total = body.get("totalResults")
        seen = {str(r.get("id")) for r in found}
        if not page or not isinstance(total, int) or start > total:
            break
        if wanted is not None and wanted <= seen:
            break
    return found, response


def ids_of(body: dict[str, Any]) -> list[str]:
    """The ids of a ListResponse's resources, in order."""
    return [str(r.get("id")) for r in resources_of(body)]
