"""Bearer-token authentication for the SCIM views (django-scim2 leaves authentication to the
project: its check only asks whether ``request.user`` is authenticated)."""

from __future__ import annotations

from collections.abc import Callable

from django.conf import settings
from django.contrib.auth.models import AnonymousUser
from django.http import HttpRequest, HttpResponse


class ScimClient(AnonymousUser):
    """The provisioning client holding the token: authenticated, but no User resource."""

    @property
    def is_anonymous(self) -> bool:  # type: ignore[override]
        return False

    @property
    def is_authenticated(self) -> bool:  # type: ignore[override]
        return True


class BearerTokenMiddleware:
    """``request.user`` is the SCIM client when ``Authorization: Bearer <token>`` matches."""

    def __init__(self, get_response: Callable[[HttpRequest], HttpResponse]) -> None:
        self.get_response = get_response

    def __call__(self, request: HttpRequest) -> HttpResponse:
        given = request.headers.get("Authorization", "")
        known = given == f"Bearer {settings.TOKEN}"
        request.user = ScimClient() if known else AnonymousUser()
        return self.get_response(request)
