"""The plugin's fixtures: target, HTTP client, discovery documents, test data and cleanup.

Every fixture is overridable in a user's ``conftest.py``. Resources are created only through
:func:`scim_resources`, named with the run's prefix, and deleted at the end of the session
even when checks fail; the client refuses to modify anything this run did not create.
"""

from __future__ import annotations

import copy
import dataclasses
import itertools
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from scim_tests.client import Ownership, ScimClient
from scim_tests.discovery import feature_supported
from scim_tests.failures import ConformanceFailure
from scim_tests.target import NO_TARGET, TARGET_KEY, ScimSettings, ScimTarget, start_mock

USER_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:User"
GROUP_SCHEMA = "urn:ietf:params:scim:schemas:core:2.0:Group"
ENTERPRISE_SCHEMA = "urn:ietf:params:scim:schemas:extension:enterprise:2.0:User"


# -- target and transport ------------------------------------------------------------------


@pytest.fixture(scope="session")
def scim_mock_faults(pytestconfig: pytest.Config) -> tuple[str, ...]:
    """The deliberate defects the bundled mock runs with (``--scim-mock-fault``).

    Parametrise it (``scope="session"``) to run checks against several broken mocks in one
    session: each value gets a mock of its own, started when the first check needs it.
    """
    return tuple(pytestconfig.getoption("scim_mock_fault", default=None) or ())


@pytest.fixture(scope="session")
def scim_target(
    pytestconfig: pytest.Config, scim_mock_faults: tuple[str, ...]
) -> Iterator[ScimTarget]:
    """The provider under test; skips the requesting test when none is configured."""
    target = pytestconfig.stash.get(TARGET_KEY, None)
    if target is None:
        pytest.skip(NO_TARGET)
    if not target.is_mock or tuple(scim_mock_faults) == target.settings.mock_faults:
        yield target
        return
    own = start_mock(dataclasses.replace(target.settings, mock_faults=tuple(scim_mock_faults)))
    try:
        yield own
    finally:
        own.server.stop()


@pytest.fixture(scope="session")
def scim_config(scim_target: ScimTarget) -> ScimSettings:
    """The resolved settings (URL, auth, timeout, run id)."""
    return scim_target.settings


@pytest.fixture(scope="session")
def scim_session(scim_target: ScimTarget) -> Iterator[requests.Session]:
    """One pooled ``requests.Session`` for the run, closed at the end."""
    with scim_target.mount(requests.Session()) as session:
        yield session


@pytest.fixture(scope="session")
def scim_ownership(scim_target: ScimTarget, scim_session: requests.Session) -> Iterator[Ownership]:
    """What this run created; everything still alive is deleted when the session ends."""
    ownership = Ownership()
    yield ownership
    cleaner = _client(scim_target, scim_session, ownership)
    # Groups first, so deleting users never leaves a group pointing at a deleted member.
    owned = sorted(ownership.owned(), key=lambda item: item[0] != "/Groups")
    for endpoint, resource_id in owned:
        try:
            cleaner.delete(f"{endpoint}/{resource_id}")
        except ConformanceFailure:
            pass  # a provider that stops answering cannot be cleaned; nothing else to do


def _client(target: ScimTarget, session: requests.Session, ownership: Ownership) -> ScimClient:
    return ScimClient(
        session,
        target.url,
        timeout=target.settings.timeout,
        auth_headers=target.settings.auth_headers,
        ownership=ownership,
    )


@pytest.fixture
def scim_client(
    scim_target: ScimTarget, scim_session: requests.Session, scim_ownership: Ownership
) -> Iterator[ScimClient]:
    """A client with a fresh exchange log for this check (shown when the check fails).

    What the check created through it is deleted when the check ends.
    """
    client = _client(scim_target, scim_session, scim_ownership)
    yield client
    client.cleanup()


@pytest.fixture(scope="session")
def scim_discovery_client(
    scim_target: ScimTarget, scim_session: requests.Session, scim_ownership: Ownership
) -> ScimClient:
    """A session-wide client for fetching discovery documents once."""
    return _client(scim_target, scim_session, scim_ownership)


def _document(client: ScimClient, path: str) -> Any:
    try:
        response = client.get(path)
    except ConformanceFailure:
        return None
    return response.maybe_json() if response.status_code == 200 else None


@pytest.fixture(scope="session")
def service_provider_config(scim_discovery_client: ScimClient) -> dict[str, Any] | None:
    """/ServiceProviderConfig as fetched once (None when unusable; discovery checks say why)."""
    body = _document(scim_discovery_client, "/ServiceProviderConfig")
    return body if isinstance(body, dict) else None


@pytest.fixture(scope="session")
def resource_types(scim_discovery_client: ScimClient) -> list[dict[str, Any]]:
    """The /ResourceTypes list (empty when unusable)."""
    body = _document(scim_discovery_client, "/ResourceTypes")
    resources = body.get("Resources", []) if isinstance(body, dict) else []
    return [r for r in resources if isinstance(r, dict)]


@pytest.fixture(scope="session")
def scim_schemas(scim_discovery_client: ScimClient) -> dict[str, dict[str, Any]]:
    """The /Schemas documents by id (lower-cased URN keys; empty when unusable)."""
    body = _document(scim_discovery_client, "/Schemas")
    resources = body.get("Resources", []) if isinstance(body, dict) else []
    return {
        str(r["id"]).lower(): r
        for r in resources
        if isinstance(r, dict) and isinstance(r.get("id"), str)
    }


@pytest.fixture(autouse=True)
def _scim_feature_gate(request: pytest.FixtureRequest) -> None:
    """Skip a check whose ``scim_feature`` the provider does not advertise, naming the evidence.

    Every feature mark counts, not only the closest: a check of the bulk module (module mark
    ``bulk``) that also needs ETags (its own mark ``etag``) runs only when both are offered.
    """
    names = [mark.args[0] for mark in request.node.iter_markers("scim_feature")]
    if not names:
        return
    spc = request.getfixturevalue("service_provider_config")
    for name in dict.fromkeys(names):
        if feature_supported(spc, name) is False:
            pytest.skip(f"ServiceProviderConfig advertises {name}.supported=false (RFC 7643 §5)")


# -- test data ------------------------------------------------------------------------------


@pytest.fixture(scope="session")
def scim_prefix(scim_config: ScimSettings) -> str:
    """The run-unique prefix of every resource name this run creates."""
    return f"scimct-{scim_config.run_id}"


@pytest.fixture(scope="session")
def scim_faker(scim_config: ScimSettings) -> Any:
    """A Faker seeded from the run id (real-looking names, emails, phone numbers)."""
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(scim_config.run_id)
    return faker


@pytest.fixture
def scim_extra_user_attributes() -> dict[str, Any]:
    """Attributes every created User must carry; override in conftest.py for your provider.

    For example, a provider that requires an enterprise employeeNumber::

        @pytest.fixture
        def scim_extra_user_attributes():
            return {"urn:ietf:params:scim:schemas:extension:enterprise:2.0:User":
                    {"employeeNumber": "701984"}}
    """
    return {}


@pytest.fixture
def scim_extra_group_attributes() -> dict[str, Any]:
    """Attributes every created Group must carry; override in conftest.py for your provider."""
    return {}


_COUNTER = itertools.count(1)


def _merge(base: dict[str, Any], extra: dict[str, Any]) -> dict[str, Any]:
    result = copy.deepcopy(base)
    for key, value in extra.items():
        if isinstance(value, dict) and isinstance(result.get(key), dict):
            result[key] = _merge(result[key], value)
        else:
            result[key] = copy.deepcopy(value)
    if any(k.startswith("urn:") for k in extra):
        schemas = result.setdefault("schemas", [])
        schemas.extend(k for k in extra if k.startswith("urn:") and k not in schemas)
    return result


@pytest.fixture
def user_payload(
    scim_faker: Any, scim_prefix: str, scim_extra_user_attributes: dict[str, Any]
) -> Callable[..., dict[str, Any]]:
    """Build a valid, run-unique User body: ``user_payload(active=False, title=…)``."""

    def build(**overrides: Any) -> dict[str, Any]:
        n = next(_COUNTER)
        given, family = scim_faker.first_name(), scim_faker.last_name()
        handle = f"{scim_prefix}-{n}-{given.lower()}.{family.lower()}"
        body: dict[str, Any] = {
            "schemas": [USER_SCHEMA],
            "userName": f"{handle}@example.com",
            "externalId": f"{scim_prefix}-ext-{n}",
            "name": {"givenName": given, "familyName": family, "formatted": f"{given} {family}"},
            "displayName": f"{given} {family}",
            "active": True,
            "emails": [{"value": f"{handle}@example.com", "type": "work", "primary": True}],
            "phoneNumbers": [{"value": scim_faker.numerify("+1-555-###-####"), "type": "work"}],
            "title": scim_faker.job()[:60],
        }
        body = _merge(body, scim_extra_user_attributes)
        body.update(copy.deepcopy(overrides))
        return body

    return build


@pytest.fixture
def group_payload(
    scim_faker: Any, scim_prefix: str, scim_extra_group_attributes: dict[str, Any]
) -> Callable[..., dict[str, Any]]:
    """Build a valid, run-unique Group body: ``group_payload(members=[…])``."""

    def build(**overrides: Any) -> dict[str, Any]:
        n = next(_COUNTER)
        words = "-".join(scim_faker.words(2))
        body: dict[str, Any] = {
            "schemas": [GROUP_SCHEMA],
            "displayName": f"{scim_prefix}-{n}-{words}",
        }
        body = _merge(body, scim_extra_group_attributes)
        body.update(copy.deepcopy(overrides))
        return body

    return build


def create(client: ScimClient, endpoint: str, body: dict[str, Any]) -> dict[str, Any]:
    """POST ``body``; the created resource, or a failure naming the set-up step."""
    __tracebackhide__ = True
    response = client.post(endpoint, body)
    if response.status_code != 201:
        raise ConformanceFailure(
            f"Set-up failed: could not create a resource at {endpoint}",
            expected="201 Created",
            received=f"{response.status_code} {response.text[:300]}",
            exchange=response.exchange,
            requirements=("P-3.3-04",),
        )
    created = response.json()
    if not isinstance(created, dict) or not isinstance(created.get("id"), str):
        raise ConformanceFailure(
            "Set-up failed: the created resource has no id",
            expected="a JSON object with a string id",
            received=response.text[:300],
            exchange=response.exchange,
            requirements=("C-3.1-02",),
        )
    return dict(created)


@pytest.fixture
def new_user(
    scim_client: ScimClient, user_payload: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """A User created for this check (deleted at the end of the run)."""
    return create(scim_client, "/Users", user_payload())


@pytest.fixture
def new_group(
    scim_client: ScimClient, group_payload: Callable[..., dict[str, Any]]
) -> dict[str, Any]:
    """A Group created for this check (deleted at the end of the run)."""
    return create(scim_client, "/Groups", group_payload())
