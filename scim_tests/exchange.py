"""``Exchange``: one recorded request and its response, rendered for failures and as curl.

It sits below both :mod:`scim_tests.client`, which records exchanges, and
:mod:`scim_tests.failures`, which shows one in a failure report, so neither imports the other
for it.
"""

from __future__ import annotations

import json
import re
import shlex
from dataclasses import dataclass, field
from urllib.parse import quote, urlsplit


@dataclass
class Exchange:
    """One request and its response (or the transport error instead of a response)."""

    method: str
    url: str
    request_headers: dict[str, str]
    request_body: str | None
    status: int | None = None
    reason: str = ""
    response_headers: dict[str, str] = field(default_factory=dict)
    response_body: str = ""
    elapsed_ms: float = 0.0
    error: str | None = None
    secrets: tuple[str, ...] = ()

    def _redact(self, text: str) -> str:
        # Any case and the percent-encoded form too: the security checks send the token with
        # its case changed and in the query string, and a report must not show it either way.
        for secret in self.secrets:
            if secret:
                for form in dict.fromkeys((secret, quote(secret, safe=""))):
                    text = re.sub(re.escape(form), "$SCIM_TOKEN", text, flags=re.IGNORECASE)
        return text

    def as_curl(self) -> str:
        """A curl command line that repeats this request, with the token redacted."""
        url = self._redact(self.url)
        parts = [
            "curl",
            "-X",
            self.method,
            f'"{url}"' if "$SCIM_TOKEN" in url else shlex.quote(url),
        ]
        for name, value in self.request_headers.items():
            if name.lower() in ("user-agent", "accept-encoding", "connection", "content-length"):
                continue
            header = self._redact(f"{name}: {value}")
            # Double quotes let the shell expand $SCIM_TOKEN; everything else is quoted safely.
            parts += ["-H", f'"{header}"' if "$SCIM_TOKEN" in header else shlex.quote(header)]
        if self.request_body:
            parts += ["-d", shlex.quote(self._redact(self.request_body))]
        return " ".join(parts)

    def summary(self) -> str:
        """``METHOD /path -> 200 OK`` (or the transport error)."""
        path = urlsplit(self._redact(self.url))
        target = path.path + (f"?{path.query}" if path.query else "")
        if self.error:
            return f"{self.method} {target} -> no response: {self.error}"
        return f"{self.method} {target} -> {self.status} {self.reason}".rstrip()

    def render(self, limit: int = 1500) -> str:
        """Summary line, then the request and response bodies, pretty-printed and truncated."""
        lines = [self.summary()]
        if self.request_body:
            lines.append("  request:  " + _indent(_pretty(self._redact(self.request_body), limit)))
        if self.error is None:
            content_type = self.response_headers.get("Content-Type", "(none)")
            body = _pretty(self.response_body, limit) if self.response_body else "(empty)"
            lines.append(f"  response: [{content_type}] " + _indent(body))
        return "\n".join(lines)


def _pretty(text: str, limit: int) -> str:
    try:
        text = json.dumps(json.loads(text), indent=2, ensure_ascii=False)
    except (ValueError, RecursionError):  # a deeply nested body is shown as sent
        pass
    return text if len(text) <= limit else text[:limit] + f"\n… ({len(text) - limit} more chars)"


def _indent(text: str) -> str:
    return text.replace("\n", "\n            ")
