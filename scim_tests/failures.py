"""``ConformanceFailure``: a failed check rendered as product output.

A failure answers four questions without a debugger: which requirement, what was expected, what
was received, and how to reproduce it (the exchange and a curl line, token redacted).
"""

from __future__ import annotations

import re
from collections.abc import Sequence
from typing import TYPE_CHECKING, Any

if TYPE_CHECKING:
    from scim_tests.exchange import Exchange


class ConformanceFailure(AssertionError):
    """A check found a violation (or could not get a usable answer)."""

    def __init__(
        self,
        title: str,
        *,
        expected: Any = None,
        received: Any = None,
        exchange: Exchange | None = None,
        requirements: Sequence[str] = (),
        hint: str | None = None,
        cause: str | None = None,
        blocked: bool = False,
        uncited: bool = False,
    ) -> None:
        self.title = title
        #: The server broke no catalog row (e.g. it refused a client's documented deviation
        #: from the RFC): the plugin does not fill in the check's own rows.
        self.uncited = uncited
        #: The shape of the offending response, when the title names more than the shape
        #: (``POST answered 200 where 201 was expected``); groups failures into root causes.
        self.cause = cause
        #: A step the check depends on failed, not the behaviour the check is about.
        self.blocked = blocked
        self.expected = expected
        self.received = received
        self.exchange = exchange
        self.requirements: tuple[str, ...] = tuple(requirements)
        self.hint = hint
        super().__init__(title)

    @property
    def level(self) -> str:
        """The verdict class of the violated requirement: ``MUST``, ``SHOULD`` or ``MAY``.

        The first requirement the failure names is the one violated; a failure that names none
        known to the catalog counts as ``MUST`` (the check could not get a usable answer).
        """
        from scim_tests.catalog import catalog

        rows = [catalog()[r] for r in self.requirements if r in catalog()]
        return rows[0].grade if rows else "MUST"

    def headline(self) -> str:
        """``RFC 7644 §3.6 (MUST) P-3.6-02: title`` (or the title alone without a requirement)."""
        prefix = "Blocked by a failed precondition: " if self.blocked else ""
        if not self.requirements:
            return prefix + self.title
        from scim_tests.catalog import catalog

        rows = [catalog()[r] for r in self.requirements if r in catalog()]
        if not rows:
            return prefix + self.title
        first = rows[0]
        ids = ", ".join(r.id for r in rows)
        return f"{prefix}RFC {first.rfc} §{first.section} ({first.level}) {ids}: {self.title}"

    def __str__(self) -> str:
        lines = [self.headline(), ""]
        if self.expected is not None:
            lines.append(f"Expected: {self.expected}")
        if self.received is not None:
            lines.append(f"Received: {self.received}")
        if self.hint:
            lines.append(f"Hint: {self.hint}")
        if self.exchange is not None:
            lines += [
                "",
                self.exchange.render(),
                "",
                "Reproduce with:",
                "    " + self.exchange.as_curl(),
            ]
        return "\n".join(lines).rstrip()


#: Values that differ between failures of one root cause: quoted text, ids, numbers.
_VARIABLE = re.compile(r"'[^']*'|\"[^\"]*\"|[0-9a-fA-F]{8}-[0-9a-fA-F-]{27,}|\d+")


def root_cause(failure: ConformanceFailure) -> str:
    """``<violated id>: <shape>``, the key that groups failures of one cause.

    Failures of different checks that violate the same requirement in the same way (the same
    ``cause``, else the same title once quoted values, ids and numbers are masked) are one root
    cause: a provider that sends ``status`` as a number fails every check that reads an error
    body, for one reason. A check blocked by a failed set-up step joins the cause of that step.
    """
    requirement = failure.requirements[0] if failure.requirements else "uncited"
    if failure.cause:
        return f"{requirement}: {failure.cause}"
    return f"{requirement}: {_VARIABLE.sub('…', failure.title)}"


class DeprovisioningWarning(UserWarning):
    """A deprovisioning gap the RFCs allow, reported without failing the check.

    RFC 7643 §2.3.7 makes referential integrity optional (catalog C-2.3.7-04, MAY): a provider
    may keep a deleted user in its groups' members. Identity teams usually treat that as a
    failure to deprovision; make it one with ``-W error::scim_tests.DeprovisioningWarning``.
    """
