"""OPTIONS is answered with the allowed methods, never Flask's empty HTML page."""

from __future__ import annotations

import pytest
from flask.testing import FlaskClient


@pytest.mark.parametrize(
    ("path", "allowed"),
    [
        ("/scim/v2/Users", {"GET", "HEAD", "POST"}),
        ("/scim/v2/Users/some-id", {"GET", "HEAD", "PUT", "PATCH", "DELETE"}),
        ("/scim/v2/Bulk", {"POST"}),
        ("/scim/v2/ServiceProviderConfig", {"GET", "HEAD"}),
        ("/scim/v2/Users/.search", {"POST"}),
    ],
)
def test_options_lists_allowed_methods(client: FlaskClient, path: str, allowed: set[str]) -> None:
    """204 with an Allow header and no body or HTML content type."""
    response = client.options(path)
    assert response.status_code == 204
    assert set(response.headers["Allow"].split(", ")) == allowed
    assert response.data == b""
    assert "Content-Type" not in response.headers


def test_options_on_an_unknown_route_is_a_scim_404(client: FlaskClient) -> None:
    """No route, no Allow list: the usual SCIM 404 error body."""
    response = client.options("/scim/v2/nope/x/y")
    assert response.status_code == 404
    assert response.get_json()["status"] == "404"
