"""Attribute paths (RFC 7644 §3.10 and the ABNF of §3.4.2.2, §3.5.2).

``attrPath = [URI ":"] ATTRNAME *1subAttr`` names an attribute, optionally qualified by its
schema URN, optionally followed by one sub-attribute. The grammar is shared by filters
(``filter_parser.py``), PATCH paths (``filter_parser.parse_patch_path``, whose value filter is
filter syntax), ``attributes=``/``excludedAttributes=`` and ``sortBy``; this module sits below
all of them and imports none of them. Errors raise :class:`PathSyntaxError`; callers turn it
into the SCIM error their context calls for (invalidFilter, invalidPath, invalidValue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass

# RFC 7643 §2.1: a letter, then letters, digits, "-", "_" (and "$" for the RFC's own "$ref").
ATTRNAME = r"[A-Za-z$][A-Za-z0-9_$-]*"
_ATTR_RE = re.compile(rf"^({ATTRNAME})(?:\.({ATTRNAME}))?$")
_URN_RE = re.compile(r"^urn:[A-Za-z0-9][A-Za-z0-9-]{0,31}:[^\s\[\]\"]+$", re.IGNORECASE)


class PathSyntaxError(ValueError):
    """The text is not a valid attribute path."""


@dataclass(frozen=True)
class AttrPath:
    """``[urn:]attribute[.sub_attribute]``; ``attribute`` is None for a bare schema URN."""

    urn: str | None
    attribute: str | None
    sub_attribute: str | None = None

    def __str__(self) -> str:
        name = self.attribute or ""
        if self.sub_attribute:
            name = f"{name}.{self.sub_attribute}"
        if self.urn:
            return f"{self.urn}:{name}" if name else self.urn
        return name


def _match_known_urn(text: str, known_urns: Iterable[str]) -> tuple[str, str] | None:
    """Split ``text`` into (known URN, rest) using the longest matching known URN."""
    lowered = text.lower()
    best: tuple[str, str] | None = None
    for urn in known_urns:
        u = urn.lower()
        if lowered == u:
            rest = ""
        elif lowered.startswith(u + ":"):
            rest = text[len(u) + 1 :]
        else:
            continue
        if best is None or len(urn) > len(best[0]):
            best = (text[: len(urn)], rest)
    return best


def parse_attr_path(text: str, known_urns: Iterable[str] = ()) -> AttrPath:
    """Parse ``[urn:]attr[.sub]``; a known schema URN alone is a path too (attribute None)."""
    if not isinstance(text, str) or not text or text != text.strip():
        raise PathSyntaxError(f"invalid attribute path {text!r}")
    urn: str | None = None
    rest = text
    known = _match_known_urn(text, known_urns)
    if known is not None:
        urn, rest = known
        if not rest:
            return AttrPath(urn, None)
    elif text.lower().startswith("urn:"):
        urn, _, rest = text.rpartition(":")
        if not _URN_RE.match(urn) or not rest:
            raise PathSyntaxError(f"invalid URN-qualified attribute path {text!r}")
    match = _ATTR_RE.match(rest)
    if match is None:
        raise PathSyntaxError(f"invalid attribute path {text!r}")
    return AttrPath(urn, match.group(1), match.group(2))
