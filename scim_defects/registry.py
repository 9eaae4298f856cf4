"""The registry of named defects and the :class:`Defect` extension they are built from.

A defect is a :class:`scim_mock.extensions.MockExtension` with a name, the catalog requirements it
breaks and a description. It reaches the mock only through the mock's public seams: a response
transform (an ``after_request`` hook), a change of the provider's :class:`scim_mock.seams.Seams`,
or a :class:`scim_mock.operations.ProviderDecorator` around the provider's operations.
"""

from __future__ import annotations

import json
from collections.abc import Callable
from dataclasses import dataclass
from typing import Any

from flask import Flask, Request, Response, request

from scim_mock.extensions import MockExtension
from scim_mock.operations import Provider
from scim_mock.seams import Seams

ResponseTransform = Callable[[Request, Response], Response]
RequestHook = Callable[[Request], "Response | None"]
SeamsChange = Callable[[Seams], Seams]
ProviderWrapper = Callable[[Provider], Provider]


@dataclass(frozen=True)
class Defect(MockExtension):
    """A named, documented deliberate violation of one or more catalog requirements."""

    name: str
    requirements: tuple[str, ...]
    description: str
    response: ResponseTransform | None = None
    change_seams: SeamsChange | None = None
    wrap_provider: ProviderWrapper | None = None
    before: RequestHook | None = None

    def seams(self, seams: Seams) -> Seams:
        """The seams with this defect's replacement, if it has one."""
        return seams if self.change_seams is None else self.change_seams(seams)

    def provider(self, provider: Provider) -> Provider:
        """The provider wrapped in this defect's decorator, if it has one."""
        return provider if self.wrap_provider is None else self.wrap_provider(provider)

    def init_app(self, app: Flask) -> None:
        """Register the response transform and the request hook, if the defect has them."""
        transform, hook = self.response, self.before
        if transform is not None:

            @app.after_request
            def _transform(response: Response) -> Response:
                return transform(request, response)

        if hook is not None:

            @app.before_request
            def _before() -> Response | None:
                return hook(request)

    @property
    def hooks(self) -> tuple[Callable[..., Any], ...]:
        """The functions this defect plugs in (at least one)."""
        found = (self.response, self.change_seams, self.wrap_provider, self.before)
        return tuple(f for f in found if f is not None)


DEFECTS: dict[str, Defect] = {}


def register(defect: Defect) -> Defect:
    """Add ``defect`` to the registry (names are unique; every defect plugs in something)."""
    if defect.name in DEFECTS:
        raise ValueError(f"duplicate defect name {defect.name!r}")
    if not defect.hooks:
        raise ValueError(f"defect {defect.name!r} plugs in nothing")
    DEFECTS[defect.name] = defect
    return defect


def area_of(defect: Defect) -> str:
    """The module of scim_defects that registered ``defect`` (``"core"``, ``"filters"``, ...)."""
    module = getattr(defect.hooks[0], "__module__", "")
    return str(module).rsplit(".", 1)[-1]


def registered_by(area: str) -> set[str]:
    """Names of the defects that ``scim_defects/<area>.py`` registers."""
    return {name for name, defect in DEFECTS.items() if area_of(defect) == area}


def response_json(response: Response) -> Any:
    """The response body as JSON, or None."""
    try:
        return json.loads(response.get_data(as_text=True))
    except ValueError:
        return None


def rewrite(response: Response, body: Any) -> Response:
    """Replace the response body with ``body`` as JSON."""
    response.set_data(json.dumps(body))
    return response
