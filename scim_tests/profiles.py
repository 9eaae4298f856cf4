"""Helpers of the client-profile checks (``--scim-profile okta|entra|interop``).

A profile check replays a request exactly as a real provisioning client sends it. Two kinds of
failure come out of it, and they must not be confused:

- the server breaks an RFC rule on a request the RFC allows: an ordinary conformance failure,
  citing the catalog row (:func:`scim_tests.asserts.assert_status` and friends);
- the client's request itself deviates from the RFC and the server refuses it: the server is
  right by the RFC, but that client cannot provision it. :func:`refused_deviation` reports this
  with no catalog row violated, naming the client behaviour and the RFC rule it departs from, so
  a connector developer sees why "works with our tests" and "works with Entra" differ.
"""

from __future__ import annotations

from dataclasses import dataclass

from scim_tests.client import ScimResponse
from scim_tests.failures import ConformanceFailure

#: ``ConformanceFailure.cause`` prefix of a refused client deviation (one root cause per rule).
DEVIATION_CAUSE = "profile: the server refuses a documented client deviation"


@dataclass(frozen=True)
class ClientBehaviour:
    """One documented behaviour of a real client that departs from the RFCs."""

    #: "Okta", "Microsoft Entra ID (without aadOptscim062020)", ...
    client: str
    #: What the client sends, e.g. "PATCH ops capitalised: \"op\": \"Replace\"".
    sends: str
    #: The RFC rule it departs from, e.g. "RFC 7644 §3.5.2: op is add, remove or replace".
    rule: str
    #: How a server can accept it (the bundled mock: the dialect that accepts it).
    accept: str


def refused_deviation(behaviour: ClientBehaviour, response: ScimResponse) -> ConformanceFailure:
    """The failure for a server that refuses (4xx/5xx) what ``behaviour``'s client sends."""
    return ConformanceFailure(
        f"{behaviour.client} cannot provision this server: it refuses what the client sends "
        f"({behaviour.sends})",
        expected=f"the request accepted as that client means it ({behaviour.accept}); "
        f"strictly it departs from {behaviour.rule}, so a strict server may refuse it, but "
        f"then this client fails against it",
        received=f"{response.status_code} {response.text[:300]}",
        exchange=response.exchange,
        cause=f"{DEVIATION_CAUSE}: {behaviour.client}: {behaviour.sends}",
        uncited=True,
    )


def accept_deviation(behaviour: ClientBehaviour, response: ScimResponse) -> None:
    """Fail with :func:`refused_deviation` unless ``response`` is a 2xx."""
    __tracebackhide__ = True
    if not 200 <= response.status_code < 300:
        raise refused_deviation(behaviour, response)
