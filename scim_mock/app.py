"""The Flask application factory (flaskr pattern): ``create_app(config) -> Flask``."""

from __future__ import annotations

from collections.abc import Sequence
from dataclasses import dataclass, field
from datetime import datetime, timezone
from typing import Any

from flask import Flask, Response, request

from scim_mock import compat, transport, variants
from scim_mock.config import MockConfig
from scim_mock.extensions import MockExtension
from scim_mock.handlers import register_error_handlers
from scim_mock.http import scim_response
from scim_mock.operations import Provider
from scim_mock.provider import ServiceProvider
from scim_mock.schema import SchemaRegistry
from scim_mock.seams import Seams


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
) -> Flask:
    """Build a mock SCIM service provider app for ``config`` (defaults: strict, auth off).

    ``extensions`` change the app's behaviour through the public seams, applied in order
    (:mod:`scim_mock.extensions`); without them the app is the strict mock.
    """
    config = config or MockConfig()
    # Legal variants (scim_mock.variants) come first, so that extensions wrap them in turn.
    registry = variants.extend_registry(config, registry or SchemaRegistry.load())
    app = Flask("scim_mock")
    # JSON bodies are parsed by scim_mock.http; keep Flask from answering with HTML anywhere.
    app.config["TRAP_BAD_REQUEST_ERRORS"] = False
    app.config["MAX_CONTENT_LENGTH"] = (
        max(config.max_request_size, config.bulk_max_payload_size) * 2
    )
    app.url_map.strict_slashes = False
    # No 308 redirects with an HTML body for "//Users": such paths are simply unknown (404).
    app.url_map.merge_slashes = False

    from scim_mock.views import bulk, control, discovery, resources

    seams = Seams()
    for extension in extensions:
        seams = extension.seams(seams)
    # Client dialects read the request first, as a server would (scim_mock.compat).
    journal = compat.Journal(config.compat)
    seams = compat.wrap_seams(seams, config.compat, control.compat_sink(journal))
    provider: Provider = ServiceProvider(registry, config, seams=seams)
    provider = variants.wrap_provider(config, provider)
    for extension in extensions:
        provider = extension.provider(provider)
    started = datetime.now(timezone.utc).isoformat(timespec="milliseconds").replace("+00:00", "Z")
    names = tuple(getattr(e, "name", type(e).__name__) for e in extensions)
    state = MockState(config, registry, provider, started, names)
    app.extensions["scim_mock"] = state

    log = control.RequestLog()
    state.extras["log"] = log
    state.extras["compat"] = journal
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
    variants.install(app, config, registry)
    for extension in extensions:
        extension.init_app(app)
    return app
