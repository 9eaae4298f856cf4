"""Control endpoints under /_mock: seed, snapshot and restore, the mock clock, tenants.

* ``POST /_mock/seed`` creates realistic users and groups from a seed (scim_mock.seed);
* ``POST /_mock/snapshot`` saves every resource, ``POST /_mock/restore`` returns to it exactly
  (ids, versions, meta), ``GET /_mock/snapshots`` lists the kept ones;
* ``GET``/``POST /_mock/clock`` shows, freezes, advances or releases the mock clock
  (scim_mock.clock), the source of meta timestamps and of the journal's times;
* ``GET /_mock/tenants``, ``DELETE /_mock/tenants[/<name>]`` list and drop tenants
  (scim_mock.tenants; on the root app only).
"""

from __future__ import annotations

from typing import Any

from flask import Blueprint, Response, request

from scim_mock import errors, http, seed
from scim_mock.clock import MockClock, format_instant, parse_instant
from scim_mock.errors import ScimError
from scim_mock.provider import ServiceProvider
from scim_mock.tenants import PREFIX, Tenants


def _optional_body() -> Any:
    """The JSON body, or None when the request has none (every field is optional)."""
    if not request.get_data(cache=True).strip():
        return None
    return http.json_body()


def _object(body: Any, usage: str) -> dict[str, Any]:
    if body is None:
        return {}
    if not isinstance(body, dict):
        raise errors.InvalidValue(f"Send a JSON object: {usage}.")
    return body


def seed_data() -> Response:
    """Create the users and groups the body asks for; all or nothing."""
    plan = seed.SeedPlan.from_json(_optional_body())
    extras = http.state().extras
    service: ServiceProvider = extras["service_provider"]
    ids: seed.SeededIds = extras["ids"]
    saved, position = service.snapshot(), ids.getstate()
    ids.reseed(plan.seed)
    try:
        result = seed.run(http.state().provider, plan)
    except ScimError:
        # A partial seed would leave the mock in a state nobody asked for.
        service.restore(saved)
        ids.setstate(position)
        raise
    return http.scim_response(result.to_json(), status=201)


def take_snapshot() -> Response:
    """Save every resource; answer the snapshot's id."""
    extras = http.state().extras
    service: ServiceProvider = extras["service_provider"]
    shelf: seed.Snapshots = extras["snapshots"]
    name = shelf.save(service.snapshot(), extras["ids"].getstate())
    return http.scim_response({"snapshot": name}, status=201)


def restore_snapshot() -> Response:
    """Return every resource to the snapshot the body names."""
    body = _object(_optional_body(), '{"snapshot": "<id>"}')
    name = body.get("snapshot")
    if not isinstance(name, str):
        raise errors.InvalidValue('Send {"snapshot": "<id>"} with an id from POST /_mock/snapshot.')
    extras = http.state().extras
    data, position = extras["snapshots"].get(name)
    extras["service_provider"].restore(data)
    extras["ids"].setstate(position)
    return http.scim_response({"restored": name})


def list_snapshots() -> Response:
    """The snapshots kept, oldest first."""
    shelf: seed.Snapshots = http.state().extras["snapshots"]
    return http.scim_response({"snapshots": shelf.names(), "limit": shelf.limit})


_CLOCK_USAGE = (
    '{"freeze": "2026-01-01T00:00:00Z"} (or true: now), {"advance": seconds} or {"unfreeze": true}'
)


def clock() -> Response:
    """Show the clock (GET) or change it: unfreeze, then freeze, then advance (POST)."""
    mock_clock: MockClock = http.state().extras["clock"]
    if request.method == "POST":
        body = _object(_optional_body(), _CLOCK_USAGE)
        unknown = sorted(set(body) - {"freeze", "advance", "unfreeze"})
        if unknown or not body:
            raise errors.InvalidValue(f"Send {_CLOCK_USAGE}; got {sorted(body) or 'nothing'}.")
        _change_clock(mock_clock, body)
    return http.scim_response(mock_clock.describe())


def _change_clock(mock_clock: MockClock, body: dict[str, Any]) -> None:
    unfreeze, freeze, advance = body.get("unfreeze"), body.get("freeze"), body.get("advance")
    if unfreeze not in (None, True, False):
        raise errors.InvalidValue("unfreeze must be true.")
    if freeze is not None and not isinstance(freeze, (str, bool)):
        raise errors.InvalidValue("freeze must be an ISO 8601 instant with an offset, or true.")
    if advance is not None and (isinstance(advance, bool) or not isinstance(advance, (int, float))):
        raise errors.InvalidValue("advance must be a number of seconds.")
    moment = None
    if isinstance(freeze, str):
        try:
            moment = parse_instant(freeze)
        except ValueError as exc:
            raise errors.InvalidValue(f"freeze: {exc}.") from exc
    if unfreeze:
        mock_clock.unfreeze()
    if freeze is True or moment is not None:
        mock_clock.freeze(moment)
    if advance is not None:
        try:
            mock_clock.advance(advance)
        except ValueError as exc:
            raise errors.InvalidValue(f"advance: {exc}.") from exc


def _tenants() -> Tenants:
    tenants: Tenants | None = http.state().extras.get("tenants")
    if tenants is None:
        raise errors.NotFound(
            "Tenants are managed on the root server's /_mock/tenants (and are off when "
            "max_tenants is 0)."
        )
    return tenants


def list_tenants() -> Response:
    """Every tenant with its SCIM base URL (GET), or drop them all (DELETE)."""
    tenants = _tenants()
    if request.method == "DELETE":
        tenants.clear()
        return http.scim_response(None, status=204)
    root = request.url_root.rstrip("/")
    base = http.config().normalized_base_path
    listed = [
        {
            "name": t.name,
            "baseUrl": f"{root}{PREFIX}{t.name}{base}",
            "created": format_instant(t.created),
        }
        for t in tenants.entries()
    ]
    return http.scim_response({"tenants": listed, "count": len(listed), "limit": tenants.limit})


def drop_tenant(name: str) -> Response:
    """Forget the tenant ``name`` and all its data."""
    if not _tenants().drop(name):
        raise errors.NotFound(f"No tenant {name!r}.")
    return http.scim_response(None, status=204)


def register(bp: Blueprint) -> None:
    """Add this module's routes to the /_mock blueprint."""
    bp.add_url_rule("/seed", "seed", seed_data, methods=["POST"])
    bp.add_url_rule("/snapshot", "snapshot", take_snapshot, methods=["POST"])
    bp.add_url_rule("/snapshots", "snapshots", list_snapshots, methods=["GET"])
    bp.add_url_rule("/restore", "restore", restore_snapshot, methods=["POST"])
    bp.add_url_rule("/clock", "clock", clock, methods=["GET", "POST"])
    bp.add_url_rule("/tenants", "tenants", list_tenants, methods=["GET", "DELETE"])
    bp.add_url_rule("/tenants/<name>", "tenant", drop_tenant, methods=["DELETE"])
