"""The plugin's fixtures: target, HTTP client, discovery documents, test data and cleanup.

Every fixture is overridable in a user's ``conftest.py``. Resources are created only through
:func:`scim_resources`, named with the run's prefix, and deleted at the end of the session
even when checks fail; the client refuses to modify anything this run did not create.
A property check keeps to the check's time budget through :func:`_scim_bounded_examples`.
"""

from __future__ import annotations

import copy
import dataclasses
import functools
import itertools
import math
from collections.abc import Callable, Iterator
from typing import Any

import pytest
import requests

from scim_tests.asserts import status_cause, status_requirement
from scim_tests.client import Ownership, ScimClient
from scim_tests.discovery import feature_supported
from scim_tests.failures import ConformanceFailure
from scim_tests.target import (
    BUDGET_SPENT,
    CLOCK_KEY,
    NO_TARGET,
    STOPPED,
    TARGET_KEY,
    CheckClock,
    ScimSettings,
    ScimTarget,
    start_mock,
)

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
    settings = dataclasses.replace(target.settings, mock_faults=tuple(scim_mock_faults))
    own = start_mock(settings, target.clock)
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


# -- time budget of property checks -----------------------------------------------------------


class CheckStopped(BaseException):
    """A property check cannot go on: its budget is spent, the server is down or throttling.

    A BaseException, so that Hypothesis lets it through instead of shrinking it as if it were a
    counterexample; the plugin reports :meth:`failure` in its place.
    """

    def __init__(self, refusal: BaseException | None, clock: CheckClock) -> None:
        super().__init__(str(refusal))
        self.refusal, self.found, self.examples = refusal, clock.found, clock.examples
        self.spent = clock.describe()

    def failure(self) -> BaseException:
        """The last counterexample found, else the failure that stopped the check."""
        refusal = self.refusal
        if not isinstance(refusal, ConformanceFailure):
            refusal = ConformanceFailure("The check ran out of its time budget",
                                         received=self.spent, cause=BUDGET_SPENT)  # fmt: skip
        if self.found is not None:
            note = f"scim: the check then had to stop ({refusal.title}): this is the last "
            add_note(self.found, note + "counterexample found, maybe not the smallest")
            return self.found
        add_note(refusal, f"scim: {self.examples} example(s) of this property check passed "
                          "before it stopped; it found no counterexample")  # fmt: skip
        return refusal


def add_note(error: BaseException, note: str) -> None:
    """``error.add_note(note)`` (PEP 678; by hand before Python 3.11), once."""
    notes = list(getattr(error, "__notes__", ()))
    if note not in notes:
        error.__notes__ = [*notes, note]  # type: ignore[attr-defined]  # what add_note does


def bounded_examples(inner: Callable[..., Any], clock: CheckClock) -> Callable[..., Any]:
    """``inner`` (a Hypothesis test body, run once per example) kept to ``clock``'s budget.

    Before a failure is found, a request the budget refuses stops the check (CheckStopped).
    Once a failure is found the budget no longer refuses: Hypothesis must be able to replay it.
    Its shrinking is bounded instead by its own shrink time limit, set after every example to
    what is left of the budget; when that runs out Hypothesis reports the best counterexample
    so far, and the plugin says it is that.
    """
    from hypothesis.errors import UnsatisfiedAssumption

    @functools.wraps(inner)
    def example(*args: Any, **kwargs: Any) -> Any:
        if clock.overrun and clock.remaining() <= 0 and _final_replay():
            clock.cut = True  # the shrink limit (the budget) ended the search
        before = clock.refusals
        stopped: BaseException | None = None
        try:
            result = inner(*args, **kwargs)
        except UnsatisfiedAssumption:
            raise
        except Exception as exc:
            if clock.refusals == before:
                clock.overrun = True
                if getattr(exc, "cause", None) not in STOPPED or clock.found is None:
                    clock.found = exc
                raise
            stopped = exc
        else:
            if clock.refusals == before:
                clock.examples += 1
                return result
        finally:
            shrink_time_limit(clock.remaining())
        raise CheckStopped(stopped, clock)

    return example


def _final_replay() -> bool:
    """Whether Hypothesis is replaying the counterexample it reports."""
    from hypothesis.control import current_build_context
    from hypothesis.errors import InvalidArgument

    try:
        return bool(current_build_context().is_final)
    except InvalidArgument:
        return False


def shrink_time_limit(seconds: float | None = None) -> float:
    """Set Hypothesis' shrink time limit to ``seconds`` (at least 0); the old value.

    Hypothesis stops shrinking that long after it starts (five minutes by default) and
    reports the best failure so far; it reads the limit when shrinking starts, and documents
    it as the setting to patch (``hypothesis.internal.conjecture.engine``).
    """
    from hypothesis.internal.conjecture import engine

    old = engine.MAX_SHRINKING_SECONDS
    if seconds is not None and math.isfinite(seconds):
        # Annotated int, used as a number of seconds added to perf_counter().
        engine.MAX_SHRINKING_SECONDS = max(seconds, 0.0)  # type: ignore[assignment]
    return old


@pytest.fixture(autouse=True)
def _scim_bounded_examples(request: pytest.FixtureRequest) -> Iterator[None]:
    """Keep a property check of the suite (a Hypothesis test) to the check's time budget."""
    handle = getattr(getattr(request.node, "obj", None), "hypothesis", None)
    clock = request.config.stash.get(CLOCK_KEY, None)
    if (
        clock is None
        or not clock.budget
        or handle is None
        or not any(name.startswith("scim_") for name in request.fixturenames)
    ):
        yield
        return
    inner = handle.inner_test
    handle.inner_test = bounded_examples(inner, clock)
    limit = shrink_time_limit()
    try:
        yield
    finally:
        handle.inner_test = inner
        from hypothesis.internal.conjecture import engine

        engine.MAX_SHRINKING_SECONDS = limit  # type: ignore[assignment]


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
    """POST ``body``; the created resource, or a failure naming the set-up step.

    The check that called this is about something else, so a failure here is reported as
    *blocked*, under the requirement the create itself violated (a 201 is P-3.3-03; the id the
    server must assign is C-3.1-02) and the same root cause as the create checks' own failures.
    """
    __tracebackhide__ = True
    response = client.post(endpoint, body)
    if response.status_code != 201:
        raise ConformanceFailure(
            f"Set-up failed: could not create a resource at {endpoint}",
            expected="201 Created",
            received=f"{response.status_code} {response.text[:300]}",
            exchange=response.exchange,
            requirements=(str(status_requirement(response, (201,), None)),),
            cause=status_cause(response, (201,)),
            blocked=True,
        )
    created = response.maybe_json()
    if not isinstance(created, dict) or not isinstance(created.get("id"), str):
        raise ConformanceFailure(
            "Set-up failed: the created resource has no id",
            expected="a JSON object with a string id",
            received=response.text[:300],
            exchange=response.exchange,
            requirements=("C-3.1-02",),
            cause="the 201 body of a create has no string id",
            blocked=True,
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
