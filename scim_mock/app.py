"""The Flask application factory (flaskr pattern): ``create_app(config) -> Flask``."""

from __future__ import annotations

import os
from collections.abc import Callable, Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, request

from scim_mock import compat, fault_transport, personas, seed, transport, variants
from scim_mock.clock import MockClock
from scim_mock.config import MockConfig
from scim_mock.extensions import MockExtension
from scim_mock.handlers import register_error_handlers
from scim_mock.http import scim_response
from scim_mock.operations import Provider
from scim_mock.provider import ServiceProvider
from scim_mock.schema import SchemaRegistry
from scim_mock.seams import Seams
from scim_mock.store import ResourceStore
from scim_mock.tenants import RootApp, Tenants


@dataclass
class MockState:
    """Everything a request handler needs, stored in ``app.extensions['scim_mock']``."""

    config: MockConfig
    registry: SchemaRegistry
    provider: Provider
    started: str
    extensions: tuple[str, ...] = ()
    extras: dict[str, Any] = field(default_factory=dict)


def create_app(
    config: MockConfig | None = None,
    registry: SchemaRegistry | None = None,
    *,
    extensions: Sequence[MockExtension] = (),
    tenant: str | None = None,
) -> Flask:
    """Build a mock SCIM service provider app for ``config`` (defaults: strict, auth off).

    ``extensions`` change the app's behaviour through the public seams, applied in order
    (:mod:`scim_mock.extensions`); without them the app is the strict mock. ``tenant`` names
    the tenant an app serves (:mod:`scim_mock.tenants`); only the root app (None) has tenants.
    """
    # Personas (scim_mock.personas) imply configuration; the rest is their extension below.
    config = personas.configure(config or MockConfig())
    persona_runtime = personas.PersonaRuntime(config)
    persona_extension = persona_runtime.extension()
    base_registry = registry or SchemaRegistry.load()
    # Legal variants (scim_mock.variants) come first, so that extensions wrap them in turn.
    registry = variants.extend_registry(config, base_registry)
    app = RootApp("scim_mock")
    # JSON bodies are parsed by scim_mock.http; keep Flask from answering with HTML anywhere.
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    app.config["MAX_CONTENT_LENGTH"] = (
        max(config.max_request_size, config.bulk_max_payload_size) * 2
    )
    app.url_map.strict_slashes = False
    # No 308 redirects with an HTML body for "//Users": such paths are simply unknown (404).
    app.url_map.merge_slashes = False

    from scim_mock.views import bulk, control, discovery, resources

    seams = persona_extension.seams(Seams())
    for extension in extensions:
        seams = extension.seams(seams)
    # Client dialects read the request first, as a server would (scim_mock.compat).
    journal = compat.Journal(config.compat)
    seams = compat.wrap_seams(seams, config.compat, control.compat_sink(journal))
    # The one source of "now" and of new ids (scim_mock.clock, scim_mock.seed).
    clock, ids = MockClock(), seed.SeededIds()
    store = None
    if config.database_url or config.db_path:
        store = durable_store(config, registry, seams, tenant, clock=clock.now, ids=ids)
    service = ServiceProvider(registry, config, store=store, seams=seams, clock=clock.now, ids=ids)
    provider: Provider = service
    provider = variants.wrap_provider(config, provider)
    provider = persona_extension.provider(provider)
    for extension in extensions:
        provider = extension.provider(provider)
    started = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    names = tuple(getattr(e, "name", type(e).__name__) for e in extensions)
    state = MockState(config, registry, provider, started, names)
    app.extensions["scim_mock"] = state
    state.extras.update(clock=clock, ids=ids, service_provider=service, tenant=tenant)
    state.extras["snapshots"] = snapshots = seed.Snapshots()
    # What POST /_mock/reset also clears; other control modules append their own.
    state.extras.setdefault("reset_hooks", []).extend([clock.reset, ids.randomize, snapshots.clear])

    log = control.RequestLog(config.journal_size)
    state.extras["log"] = log
    state.extras["compat"] = journal
    state.extras["personas"] = persona_runtime
    state.extras["reset_hooks"].append(persona_runtime.reset)
    control.install_compat(app, journal)
    if config.record_requests:
        control.install_recorder(app, log)

    prefix = config.normalized_base_path or None
    # Discovery and Bulk first: their static routes must win over "/<endpoint>".
    app.register_blueprint(discovery.create_blueprint(), url_prefix=prefix)
    app.register_blueprint(bulk.create_blueprint(), url_prefix=prefix)
    app.register_blueprint(resources.create_blueprint(), url_prefix=prefix)
    if config.control_endpoints:
        app.register_blueprint(control.create_blueprint(), url_prefix="/_mock")
    register_error_handlers(app)

    @app.before_request
    def _options() -> Response | None:
        # Flask would answer OPTIONS with an empty text/html 200; say what is allowed instead.
        if request.method == "OPTIONS" and request.url_rule is not None:
            view = app.view_functions.get(request.url_rule.endpoint)
            rule_methods = (request.url_rule.methods or set()) - {"OPTIONS"}
            allowed = sorted(getattr(view, "scim_allowed", rule_methods))
            return scim_response(None, status=204, headers={"Allow": ", ".join(allowed)})
        return None

    transport.install(app, config.transport_faults, config.normalized_base_path)
    state.extras["faults"] = fault_transport.install(app, config, registry)
    variants.install(app, config, registry)
    persona_extension.init_app(app)
    for extension in extensions:
        extension.init_app(app)
    if tenant is None and config.max_tenants:
        # RootApp.wsgi_app, the outermost callable, hands /tenants/<name>/... to the tenant.

        def build_tenant(name: str) -> Flask:
            return create_app(config, base_registry, extensions=extensions, tenant=name)

        app.tenants = Tenants(build_tenant, config.max_tenants, clock.now)
        state.extras["tenants"] = app.tenants
    return app


def durable_store(
    config: MockConfig,
    registry: SchemaRegistry,
    seams: Seams,
    tenant: str | None,
    *,
    clock: Callable[[], datetime],
    ids: Callable[[], str],
) -> ResourceStore:
    """The PostgreSQL store of ``config.database_url`` (a schema per tenant) or the SQLite
    store of ``config.db_path`` (a file per tenant beside it), with the seams' uniqueness and
    versioning rules, as the provider would build its in-memory store."""
    if config.database_url:
        # Imported only here: psycopg is needed only by those who ask for PostgreSQL.
        from scim_mock.store_postgres import PostgresStore

        return PostgresStore(
            config.database_url,
            seams.unique_attributes(registry),
            tenant=tenant,
            conflict=seams.unique_conflict,
            version_rule=seams.next_version,
            clock=clock,
            ids=ids,
        )
    from scim_mock.store_sqlite import SqliteStore

    path = config.db_path or ":memory:"
    if tenant is not None and path != ":memory:":
        directory = f"{path}.tenants"
        os.makedirs(directory, exist_ok=True)
        path = os.path.join(directory, f"{tenant}.sqlite")  # tenant names: [A-Za-z0-9_-]
    return SqliteStore(
        path,
        seams.unique_attributes(registry),
        conflict=seams.unique_conflict,
        version_rule=seams.next_version,
        clock=clock,
        ids=ids,
    )
