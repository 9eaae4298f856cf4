"""The ceiling of bench/throughput.py: a Flask app that answers SCIM routes with fixed JSON.

``create_app()`` serves ``/scim/v2/Users/<id>`` (GET, PATCH), ``/scim/v2/Users`` (GET, POST)
and ``/scim/v2/ServiceProviderConfig`` with one small fixed User (or a ListResponse of it),
encoded once, so that a request costs only what Flask, werkzeug and the WSGI server cost. It
checks nothing and stores nothing; run under the same gunicorn settings as
``scim-mock serve --workers N``, its requests/s bound what any Flask app can do on the machine.
"""

from __future__ import annotations

import json

from flask import Flask, Response

_USER = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:User"],
    "id": "2819c223-7f76-453a-919d-413861904646",
    "userName": "bjensen@example.com",
    "displayName": "Babs Jensen",
    "active": True,
    "meta": {
        "resourceType": "User",
        "created": "2026-01-01T00:00:00Z",
        "lastModified": "2026-01-01T00:00:00Z",
        "version": 'W/"1"',
        "location": "/scim/v2/Users/2819c223-7f76-453a-919d-413861904646",
    },
}
_LIST = {
    "schemas": ["urn:ietf:params:scim:api:messages:2.0:ListResponse"],
    "totalResults": 1,
    "startIndex": 1,
    "itemsPerPage": 1,
    "Resources": [_USER],
}
_CONFIG = {
    "schemas": ["urn:ietf:params:scim:schemas:core:2.0:ServiceProviderConfig"],
    "patch": {"supported": True},
    "bulk": {"supported": False, "maxOperations": 0, "maxPayloadSize": 0},
    "filter": {"supported": True, "maxResults": 200},
    "changePassword": {"supported": False},
    "sort": {"supported": False},
    "etag": {"supported": False},
    "authenticationSchemes": [],
}
MEDIA_TYPE = "application/scim+json"


def create_app() -> Flask:
    """The bare app (a factory, as gunicorn's ``bare_flask:create_app()`` wants it)."""
    app = Flask(__name__)
    user, listing, config = (json.dumps(doc).encode() for doc in (_USER, _LIST, _CONFIG))

    @app.get("/scim/v2/Users/<id>")
    @app.patch("/scim/v2/Users/<id>")
    def one_user(id: str) -> Response:
        return Response(user, mimetype=MEDIA_TYPE)

    @app.get("/scim/v2/Users")
    def list_users() -> Response:
        return Response(listing, mimetype=MEDIA_TYPE)

    @app.post("/scim/v2/Users")
    def create_user() -> Response:
        return Response(user, status=201, mimetype=MEDIA_TYPE)

    @app.get("/scim/v2/ServiceProviderConfig")
    def service_provider_config() -> Response:
        return Response(config, mimetype=MEDIA_TYPE)

    return app
