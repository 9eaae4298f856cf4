"""The operations of a service provider as a protocol, and a decorator base for wrapping them.

:class:`Provider` is what the HTTP layer and /Bulk call; :class:`scim_mock.provider.ServiceProvider`
implements it. :class:`ProviderDecorator` delegates every operation to an inner provider, so an
extension (:mod:`scim_mock.extensions`) changes one operation by overriding it in a subclass,
without reaching into the provider's internals.
"""

from __future__ import annotations

from collections.abc import Iterable
from dataclasses import dataclass
from typing import Any, Protocol, runtime_checkable

from scim_mock.config import MockConfig
from scim_mock.query import Query, QueryResult
from scim_mock.schema import ResourceType, SchemaRegistry

Resource = dict[str, Any]


@dataclass(frozen=True)
class SignIn:
    """The answer of :meth:`Provider.verify_credentials`: may this account sign in?

    ``user_id`` names the account when the userName is known; ``reason`` says why a refused
    sign-in was refused (one of the ``REFUSED_*`` texts of :mod:`scim_mock.provider`).
    """

    signed_in: bool
    user_id: str | None = None
    reason: str | None = None


@runtime_checkable
class Provider(Protocol):
    """The operations the HTTP layer and /Bulk call (implemented by ServiceProvider)."""

    registry: SchemaRegistry
    config: MockConfig

    def resource_type(self, name: str) -> ResourceType: ...

    def create(self, rt: ResourceType, body: Any) -> Resource: ...

    def get(self, rt: ResourceType, resource_id: str) -> Resource: ...

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource: ...

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource: ...

    def delete(
        self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None
    ) -> None: ...

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult: ...

    def present(
        self,
        rt: ResourceType,
        resource: Resource,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> Resource: ...

    def check_projection(
        self,
        rt: ResourceType,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> None: ...

    def verify_credentials(self, user_name: str, password: str) -> SignIn: ...

    def reset(self) -> None: ...


class ProviderDecorator:
    """A :class:`Provider` that delegates every operation to ``inner``.

    Subclass it and override the operations to change; call ``self.inner`` for the original
    behaviour. Decorators compose: each extension wraps the provider the previous one returned.
    """

    def __init__(self, inner: Provider) -> None:
        self.inner = inner
        self.registry = inner.registry
        self.config = inner.config

    def resource_type(self, name: str) -> ResourceType:
        """Delegated."""
        return self.inner.resource_type(name)

    def create(self, rt: ResourceType, body: Any) -> Resource:
        """Delegated."""
        return self.inner.create(rt, body)

    def get(self, rt: ResourceType, resource_id: str) -> Resource:
        """Delegated."""
        return self.inner.get(rt, resource_id)

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        """Delegated."""
        return self.inner.replace(rt, resource_id, body, if_match)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        """Delegated."""
        return self.inner.patch(rt, resource_id, operations, if_match)

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        """Delegated."""
        self.inner.delete(rt, resource_id, if_match)

    def query(self, rts: Iterable[ResourceType], query: Query) -> QueryResult:
        """Delegated."""
        return self.inner.query(rts, query)

    def present(
        self,
        rt: ResourceType,
        resource: Resource,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> Resource:
        """Delegated."""
        return self.inner.present(rt, resource, attributes, excluded_attributes)

    def check_projection(
        self,
        rt: ResourceType,
        attributes: list[str] | None = None,
        excluded_attributes: list[str] | None = None,
    ) -> None:
        """Delegated."""
        self.inner.check_projection(rt, attributes, excluded_attributes)

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        """Delegated."""
        return self.inner.verify_credentials(user_name, password)

    def reset(self) -> None:
        """Delegated."""
        self.inner.reset()
