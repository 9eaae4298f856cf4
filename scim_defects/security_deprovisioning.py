"""Defects of the security_deprovisioning area: the product behind SCIM still lets a leaver in.

The SCIM answers stay right; what goes wrong is the product's sign-in, which the mock stands in
for with its sign-in oracle (``Provider.verify_credentials``, ``POST /_mock/sign-in``). Each
defect models a bug of the kind real deployments had: a login that never reads ``active``
("active:false leaving credentials usable"), a login service with its own copy of the status
that one SCIM write path forgets to update, a credential cache that one handler forgets to
invalidate, a password history consulted at sign-in, a truncating password hash, a missing hash
treated as "nothing to check". The checks of
``scim_tests/checks/test_security_deprovisioning.py`` fail under them. Every defect is a
:class:`scim_mock.operations.ProviderDecorator` and reaches data only through the wrapped
provider's operations.
"""

from __future__ import annotations

import hashlib
from typing import Any

from scim_defects.registry import Defect, register
from scim_mock.operations import Provider, ProviderDecorator, SignIn
from scim_mock.provider import REFUSED_INACTIVE, REFUSED_NO_PASSWORD, REFUSED_WRONG_PASSWORD
from scim_mock.schema import USER, ResourceType

Resource = dict[str, Any]


def _member(body: Any, name: str) -> Any:
    """A member of a JSON object by case-insensitive name (attribute names are), or None."""
    if not isinstance(body, dict):
        return None
    return next((v for k, v in body.items() if isinstance(k, str) and k.lower() == name), None)


def _path_names(op: dict[str, Any]) -> str:
    """The attribute an operation's path names, without a core-schema URN prefix."""
    path = op.get("path")
    return path.rsplit(":", 1)[-1].lower() if isinstance(path, str) else ""


def _operations(operations: Any) -> list[dict[str, Any]]:
    return [op for op in operations if isinstance(op, dict)] if isinstance(operations, list) else []


def _digest(password: str) -> str:
    return hashlib.sha256(password.encode("utf-8")).hexdigest()


class _SignInIgnoresActive(ProviderDecorator):
    """The login checks the password and nothing else: ``active`` is a profile field."""

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        result = self.inner.verify_credentials(user_name, password)
        if result.reason == REFUSED_INACTIVE:
            return SignIn(True, result.user_id)
        return result


class _StatusSyncMissesPathless(ProviderDecorator):
    """The login service keeps its own "disabled" flag, synced from SCIM writes by an event
    handler that reads PUT/POST bodies and PATCH operations whose path is ``active``; a
    pathless ``replace`` with ``{"active": false}`` (how Entra ID sends it) is never seen. The
    login reads its flag, not the SCIM attribute."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.disabled: set[str] = set()

    def _sync(self, user_id: str, active: Any) -> None:
        if active is False:
            self.disabled.add(user_id)
        elif active is True:
            self.disabled.discard(user_id)

    def create(self, rt: ResourceType, body: Any) -> Resource:
        created = self.inner.create(rt, body)
        if rt.schema == USER:
            self._sync(created["id"], _member(body, "active"))
        return created

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        replaced = self.inner.replace(rt, resource_id, body, if_match)
        if rt.schema == USER:
            self._sync(resource_id, _member(body, "active"))
        return replaced

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        patched = self.inner.patch(rt, resource_id, operations, if_match)
        if rt.schema == USER:
            for op in _operations(operations):
                if _path_names(op) == "active":
                    self._sync(resource_id, op.get("value"))
        return patched

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        result = self.inner.verify_credentials(user_name, password)
        if result.reason == REFUSED_INACTIVE and result.user_id not in self.disabled:
            return SignIn(True, result.user_id)
        return result


class _SignInCache(ProviderDecorator):
    """Successful sign-ins are cached (userName and password digest -> the account), as a
    session or token cache would; writes to a User invalidate its entries, except those of
    the handlers named in ``FORGETFUL``, which never call the invalidation."""

    FORGETFUL: frozenset[str] = frozenset()

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.cache: dict[tuple[str, str], SignIn] = {}

    def _invalidate(self, handler: str, user_id: str) -> None:
        if handler not in self.FORGETFUL:
            self.cache = {k: v for k, v in self.cache.items() if v.user_id != user_id}

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        key = (user_name.casefold(), _digest(password))
        cached = self.cache.get(key)
        if cached is not None:
            return cached
        result = self.inner.verify_credentials(user_name, password)
        if result.signed_in:
            self.cache[key] = result
        return result

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        replaced = self.inner.replace(rt, resource_id, body, if_match)
        self._invalidate("replace", resource_id)
        return replaced

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        patched = self.inner.patch(rt, resource_id, operations, if_match)
        self._invalidate("patch", resource_id)
        return patched

    def delete(self, rt: ResourceType, resource_id: str, if_match: list[str] | None = None) -> None:
        self.inner.delete(rt, resource_id, if_match)
        self._invalidate("delete", resource_id)


class _CacheSurvivesPut(_SignInCache):
    """The PUT handler never invalidates the sign-in cache."""

    FORGETFUL = frozenset({"replace"})


class _CacheSurvivesDelete(_SignInCache):
    """The DELETE handler never invalidates the sign-in cache."""

    FORGETFUL = frozenset({"delete"})


def _passwords_written(body: Any) -> list[str]:
    value = _member(body, "password")
    return [value] if isinstance(value, str) else []


class _PasswordHistoryAccepted(ProviderDecorator):
    """Every password set is kept (as a digest) in a history meant for "do not reuse" checks;
    the login accepts a password found in the history, not only the current one."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.history: dict[str, set[str]] = {}

    def _remember(self, user_id: str, passwords: list[str]) -> None:
        self.history.setdefault(user_id, set()).update(_digest(p) for p in passwords)

    def create(self, rt: ResourceType, body: Any) -> Resource:
        created = self.inner.create(rt, body)
        self._remember(created["id"], _passwords_written(body))
        return created

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        replaced = self.inner.replace(rt, resource_id, body, if_match)
        self._remember(resource_id, _passwords_written(body))
        return replaced

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        patched = self.inner.patch(rt, resource_id, operations, if_match)
        for op in _operations(operations):
            value = op.get("value")
            if _path_names(op) == "password" and isinstance(value, str):
                self._remember(resource_id, [value])
            elif not _path_names(op):
                self._remember(resource_id, _passwords_written(value))
        return patched

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        result = self.inner.verify_credentials(user_name, password)
        old = self.history.get(result.user_id or "", set())
        if result.reason == REFUSED_WRONG_PASSWORD and _digest(password) in old:
            return SignIn(True, result.user_id)
        return result


#: How many characters of a password the truncating hash keeps (DES crypt(3) kept 8).
_KEPT = 8


def _truncated(body: Any) -> Any:
    if not isinstance(body, dict):
        return body
    return {k: (v[:_KEPT] if isinstance(k, str) and k.lower() == "password"
                and isinstance(v, str) else v)
            for k, v in body.items()}  # fmt: skip


class _PasswordTruncated(ProviderDecorator):
    """Passwords are stored and compared on their first 8 characters only, like the DES-based
    crypt(3) of old (and bcrypt past 72 bytes): a near guess signs in."""

    def create(self, rt: ResourceType, body: Any) -> Resource:
        return self.inner.create(rt, _truncated(body))

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self.inner.replace(rt, resource_id, _truncated(body), if_match)

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        changed = operations
        if isinstance(operations, list):
            changed = []
            for op in operations:
                if isinstance(op, dict) and _path_names(op) == "password":
                    value = op.get("value")
                    op = {**op, "value": value[:_KEPT] if isinstance(value, str) else value}
                elif isinstance(op, dict) and not _path_names(op):
                    op = {**op, "value": _truncated(op.get("value"))}
                changed.append(op)
        return self.inner.patch(rt, resource_id, changed, if_match)

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        return self.inner.verify_credentials(user_name, password[:_KEPT])


class _PasswordlessAcceptsAny(ProviderDecorator):
    """The login compares password hashes only when one is stored: an account provisioned
    without a password (SSO only) signs in with any password, the empty one included."""

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        result = self.inner.verify_credentials(user_name, password)
        if result.reason == REFUSED_NO_PASSWORD:
            return SignIn(True, result.user_id)
        return result


class _ReactivationKeepsLockout(ProviderDecorator):
    """Deactivation also locks the login account (a lockout flag of its own); reactivation sets
    ``active`` back to true but nothing ever clears the lockout."""

    def __init__(self, inner: Provider) -> None:
        super().__init__(inner)
        self.locked: set[str] = set()

    def _lock_if_inactive(self, rt: ResourceType, resource: Resource) -> Resource:
        if rt.schema == USER and resource.get("active") is False:
            self.locked.add(resource["id"])
        return resource

    def replace(
        self, rt: ResourceType, resource_id: str, body: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self._lock_if_inactive(rt, self.inner.replace(rt, resource_id, body, if_match))

    def patch(
        self, rt: ResourceType, resource_id: str, operations: Any, if_match: list[str] | None = None
    ) -> Resource:
        return self._lock_if_inactive(rt, self.inner.patch(rt, resource_id, operations, if_match))

    def verify_credentials(self, user_name: str, password: str) -> SignIn:
        result = self.inner.verify_credentials(user_name, password)
        if result.user_id in self.locked:
            return SignIn(False, result.user_id, "the login account is locked")
        return result


_DEFECTS: tuple[tuple[str, tuple[str, ...], type[ProviderDecorator], str], ...] = (
    ("signin-ignores-active", ("C-4.1.1-04",), _SignInIgnoresActive,
     "Sign-in checks the password only: a User with active=false still signs in."),
    ("signin-status-sync-misses-pathless", ("C-4.1.1-04", "P-3.5.2.3-10"),
     _StatusSyncMissesPathless,
     "The login service's own disabled flag is synced from PATCH path 'active' and PUT bodies "
     "only: after a pathless PATCH {\"active\": false} the User still signs in."),
    ("signin-cache-survives-put", ("C-4.1.1-04",), _CacheSurvivesPut,
     "Cached sign-ins are invalidated by PATCH and DELETE but not by PUT: after a PUT with "
     "active=false the User still signs in."),
    ("signin-cache-survives-delete", ("P-3.6-02",), _CacheSurvivesDelete,
     "Cached sign-ins are invalidated by PATCH and PUT but not by DELETE: a deleted User "
     "still signs in."),
    ("signin-password-history-accepted", ("P-3.5.2.3-02",), _PasswordHistoryAccepted,
     "Sign-in accepts any password the User ever had: the old password keeps working after a "
     "change."),
    ("signin-password-truncated", ("P-7.7-01",), _PasswordTruncated,
     "Passwords are stored and compared on their first 8 characters: a near guess signs in."),
    ("signin-passwordless-accepts-any", ("P-7.7-01",), _PasswordlessAcceptsAny,
     "A User without a password signs in with any password (no hash, no comparison)."),
    ("signin-reactivation-keeps-lockout", ("C-4.1.1-06",), _ReactivationKeepsLockout,
     "Deactivation locks the login account and reactivation never unlocks it: a reactivated "
     "User cannot sign in."),
)  # fmt: skip
for _name, _requirements, _decorator, _description in _DEFECTS:
    register(Defect(_name, _requirements, _description, wrap_provider=_decorator))
