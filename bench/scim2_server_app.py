"""python-scim's scim2-server 0.8.3 as a WSGI app for gunicorn (bench/throughput.py).

scim2-server's command line builds its app inside ``main()`` and serves it with wsgiref; this
factory builds the same app (default schemas, resource types and service provider config, the
bearer token of ``$SCIM_BENCH_TOKEN``, one in-memory storage) so that gunicorn can serve it:
``gunicorn 'scim2_server_app:create_app()'``. Its storage lives in the process, so it is
served by one worker. It runs in the peer's own virtualenv, never in ours.
"""

from __future__ import annotations

import os
import secrets
from typing import Any


def create_app() -> Any:
    """The app ``scim2-server --bearer-token $SCIM_BENCH_TOKEN`` serves (tenants off)."""
    from scim2_models import ScimProvider
    from scim2_server.memory import InMemoryStorage
    from scim2_server.service import ScimService
    from scim2_server.testserver.application import BEARER_TOKEN_SCHEME, BearerTokenApplication
    from scim2_server.utils import (
        load_default_resource_types,
        load_default_schemas,
        load_default_service_provider_config,
    )

    token = os.environ["SCIM_BENCH_TOKEN"]
    config = load_default_service_provider_config()
    config.authentication_schemes = [*(config.authentication_schemes or []), BEARER_TOKEN_SCHEME]
    provider = ScimProvider.from_discovery(
        load_default_schemas().values(), load_default_resource_types().values(), config=config
    )
    service = ScimService(provider, secret=secrets.token_urlsafe(32))
    return BearerTokenApplication(
        InMemoryStorage(), provider, service=service, bearer_tokens=[token]
    )
