"""The public extension point of the mock: ``create_app(config, extensions=[...])``.

An extension changes how one app behaves without touching the mock's code. It can:

* replace pieces of the provider (:meth:`MockExtension.seams`, see :class:`scim_mock.seams.Seams`);
* wrap the provider's operations (:meth:`MockExtension.provider`, usually a subclass of
  :class:`scim_mock.operations.ProviderDecorator` that overrides one operation and delegates
  the rest);
* register Flask hooks on the app (:meth:`MockExtension.init_app`, e.g. an ``after_request``
  response transform).

Extensions that are distributed by name (for example the deliberate defects that prove the
conformance checks can fail) publish a catalog under the ``scim_mock.extensions`` entry-point
group: a callable returning ``{name: extension}``. :func:`named` resolves names through those
catalogs, so the mock never imports the packages that provide them.
"""

from __future__ import annotations

from collections.abc import Callable, Mapping, Sequence
from importlib.metadata import entry_points
from typing import TYPE_CHECKING

from scim_mock.operations import Provider, ProviderDecorator
from scim_mock.seams import Seams

if TYPE_CHECKING:
    from flask import Flask

__all__ = ["MockExtension", "Provider", "ProviderDecorator", "Seams", "catalogs", "named"]

ENTRY_POINT_GROUP = "scim_mock.extensions"


class MockExtension:
    """Base of extensions: every hook defaults to "change nothing"."""

    #: A short name for logs and the report header (set by every subclass).
    name: str

    def seams(self, seams: Seams) -> Seams:
        """The provider's seams with this extension's replacements."""
        return seams

    def provider(self, provider: Provider) -> Provider:
        """The provider the views use, usually ``provider`` wrapped in a decorator."""
        return provider

    def init_app(self, app: Flask) -> None:
        """Register Flask hooks (before/after request) on the app being built."""


Catalog = Callable[[], Mapping[str, MockExtension]]


def catalogs() -> dict[str, MockExtension]:
    """Every named extension published under the ``scim_mock.extensions`` entry points."""
    found: dict[str, MockExtension] = {}
    for entry in entry_points(group=ENTRY_POINT_GROUP):
        catalog: Catalog = entry.load()
        for name, extension in catalog().items():
            if name in found:
                raise ValueError(f"extension name {name!r} is published twice")
            found[name] = extension
    return found


def named(names: Sequence[str]) -> list[MockExtension]:
    """The published extensions called ``names``, in order; ValueError names unknown ones."""
    if not names:
        return []
    known = catalogs()
    unknown = [n for n in names if n not in known]
    if unknown:
        raise ValueError(
            f"unknown fault(s): {', '.join(unknown)}; known: {', '.join(sorted(known))}"
        )
    return [known[n] for n in names]
