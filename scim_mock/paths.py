"""Attribute paths (RFC 7644 §3.10 and the ABNF of §3.4.2.2, §3.5.2).

``attrPath = [URI ":"] ATTRNAME *1subAttr`` names an attribute, optionally qualified by its
schema URN, optionally followed by one sub-attribute. A PATCH ``path`` may also carry a value
filter in brackets and a sub-attribute after it: ``emails[type eq "work"].value``. The grammar is
shared by filters (``filters.py``), PATCH (``patch.py``), ``attributes=``/``excludedAttributes=``
and ``sortBy``. Errors raise :class:`PathSyntaxError`; callers turn it into the SCIM error their
context calls for (invalidFilter, invalidPath, invalidValue).
"""

from __future__ import annotations

import re
from collections.abc import Iterable
from dataclasses import dataclass
from typing import TYPE_CHECKING

if TYPE_CHECKING:
    from scim_mock.filters import Filter

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


@dataclass(frozen=True)
class PatchPath:
    """A PATCH path: an attribute path, an optional value filter, an optional sub-attribute.

    With a value filter, ``attr`` has no sub-attribute and ``sub_attribute`` is the one after the
    closing bracket (``emails[type eq "work"].value``).
    """

    attr: AttrPath
    value_filter: Filter | None = None
    sub_attribute: str | None = None

    def __str__(self) -> str:
        if self.value_filter is None:
            return str(self.attr)
        from scim_mock.filters import render

        text = f"{self.attr}[{render(self.value_filter)}]"
        return f"{text}.{self.sub_attribute}" if self.sub_attribute else text


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


def parse_patch_path(text: str, known_urns: Iterable[str] = ()) -> PatchPath:
    """Parse a PATCH ``path`` (RFC 7644 §3.5.2): attrPath, or valuePath with optional subAttr."""
    if not isinstance(text, str):
        raise PathSyntaxError("path must be a string")
    known_urns = tuple(known_urns)
    if "[" not in text:
        return PatchPath(parse_attr_path(text, known_urns))
    head, _, tail = text.partition("[")
    close = _closing_bracket(tail)
    if close < 0:
        raise PathSyntaxError(f"unbalanced brackets in path {text!r}")
    inner, after = tail[:close], tail[close + 1 :]
    attr = parse_attr_path(head, known_urns)
    if attr.attribute is None or attr.sub_attribute is not None:
        raise PathSyntaxError(f"a value filter must follow a top-level attribute in {text!r}")
    sub: str | None = None
    if after:
        match = re.fullmatch(rf"\.({ATTRNAME})", after)
        if match is None:
            raise PathSyntaxError(f"unexpected text after value filter in {text!r}")
        sub = match.group(1)
    from scim_mock.filters import parse_filter

    # A malformed filter inside the brackets raises InvalidFilter (RFC 7644 §3.12 lists
    # invalidFilter for PATCH path filters).
    return PatchPath(attr, parse_filter(inner), sub)


def _closing_bracket(text: str) -> int:
    """Index of the "]" that closes a value filter, skipping brackets inside string literals."""
    in_string = False
    escaped = False
    for index, char in enumerate(text):
        if in_string:
            if escaped:
                escaped = False
            elif char == "\\":
                escaped = True
            elif char == '"':
                in_string = False
        elif char == '"':
            in_string = True
        elif char == "[":
            return -1  # RFC 7644 §3.4.2.2: value filters do not nest
        elif char == "]":
            return index
    return -1
