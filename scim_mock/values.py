"""Reading attribute values out of a stored resource, and typed value helpers.

Stored resources use canonical attribute names (as spelt in the schema); extension attributes
live under their schema URN key (RFC 7643 §3.3). Filters, sorting and projection all read values
through :func:`values_at` so that they agree on what "the value of emails.value" is.
"""

from __future__ import annotations

import base64
import binascii
import copy
import re
import unicodedata
from datetime import datetime, timezone
from typing import Any, TypeVar, cast

from scim_mock.schema import Attribute, ResolvedAttribute

# xsd:dateTime (RFC 7643 §2.3.5): date, "T", time, optional fraction, optional zone.
_DATETIME_RE = re.compile(r"^-?\d{4,}-\d{2}-\d{2}T\d{2}:\d{2}:\d{2}(\.\d+)?(Z|[+-]\d{2}:\d{2})?$")


#: The types of JSON's scalars, which a copy can share (they are immutable).
_JSON_SCALARS = frozenset({str, int, float, bool, type(None)})


_Json = TypeVar("_Json")


def json_copy(value: _Json) -> _Json:
    """A deep copy of a JSON value (dicts, lists and scalars), as ``copy.deepcopy`` makes it.

    Resources are copied on every request (out of the store, into a representation), and
    ``copy.deepcopy`` spends most of its time on its memo and dispatch, which JSON, a tree of
    plain dicts, lists and immutable scalars, does not need; this is several times faster.
    Anything else (a tuple, a datetime) is left to ``copy.deepcopy``.
    """
    kind = type(value)
    if kind is dict:
        items = cast("dict[Any, Any]", value).items()
        return cast(_Json, {k: v if type(v) in _JSON_SCALARS else json_copy(v) for k, v in items})
    if kind is list:
        elements = cast("list[Any]", value)
        return cast(_Json, [v if type(v) in _JSON_SCALARS else json_copy(v) for v in elements])
    if kind in _JSON_SCALARS:
        return value
    return copy.deepcopy(value)


def container(resource: dict[str, Any], resolved: ResolvedAttribute) -> dict[str, Any] | None:
    """The dict that holds ``resolved.attribute`` (the resource, or its extension object)."""
    if resolved.is_extension:
        assert resolved.schema is not None
        extension = resource.get(resolved.schema)
        return extension if isinstance(extension, dict) else None
    return resource


def values_at(resource: dict[str, Any], resolved: ResolvedAttribute) -> list[Any]:
    """Every value the path names, flattened: [] when absent.

    For a multi-valued complex attribute with a sub-attribute (``emails.value``) this is the
    sub-attribute of every element. For a complex attribute named without a sub-attribute the
    elements themselves are returned.
    """
    holder = container(resource, resolved)
    if holder is None:
        return []
    raw = holder.get(resolved.attribute.name)
    if raw is None:
        return []
    items = raw if isinstance(raw, list) else [raw]
    if resolved.sub_attribute is None:
        return [v for v in items if v is not None]
    name = resolved.sub_attribute.name
    return [item[name] for item in items if isinstance(item, dict) and item.get(name) is not None]


def is_present(value: Any) -> bool:
    """RFC 7644 §3.4.2.2 ``pr``: a value that is not null, not "", not [] and not {}."""
    if value is None:
        return False
    if isinstance(value, (str, list, dict)):
        return len(value) > 0
    return True


def parse_datetime(text: str) -> datetime | None:
    """Parse an xsd:dateTime; None when ``text`` is not one. Naive values are taken as UTC."""
    if not isinstance(text, str) or not _DATETIME_RE.match(text):
        return None
    normalized = text.replace("Z", "+00:00")
    # Python < 3.11 accepts only 3 or 6 fraction digits; pad or cut to 6.
    match = re.match(r"^(.*T\d{2}:\d{2}:\d{2})(?:\.(\d+))?(.*)$", normalized)
    if match is None:  # pragma: no cover - the regex above already matched
        return None
    head, fraction, zone = match.groups()
    if fraction:
        head = f"{head}.{fraction[:6].ljust(6, '0')}"
    try:
        parsed = datetime.fromisoformat(head + zone)
    except ValueError:
        return None
    if parsed.tzinfo is None:
        parsed = parsed.replace(tzinfo=timezone.utc)
    return parsed


def is_base64(text: str) -> bool:
    """Whether ``text`` is valid base64 (RFC 7643 §2.3.6 binary values)."""
    try:
        base64.b64decode(text, validate=True)
    except (binascii.Error, ValueError):
        return False
    return True


def type_matches(attribute: Attribute, value: Any) -> bool:
    """Whether a single (non-list) JSON value fits the attribute's type (RFC 7643 §2.3)."""
    kind = attribute.type
    if kind == "boolean":
        return isinstance(value, bool)
    if kind == "integer":
        return isinstance(value, int) and not isinstance(value, bool)
    if kind == "decimal":
        return isinstance(value, (int, float)) and not isinstance(value, bool)
    if kind == "dateTime":
        return isinstance(value, str) and parse_datetime(value) is not None
    if kind == "binary":
        return isinstance(value, str) and is_base64(value)
    if kind == "complex":
        return isinstance(value, dict)
    return isinstance(value, str)  # string, reference


def normalize_text(value: str, case_exact: bool) -> str:
    """The comparison form of a string (P-7.8-01).

    Unicode-normalised (NFC); when not caseExact also width-mapped and case-folded (NFKC +
    casefold), so that "BJensen", "bjensen" and a full-width variant compare equal.
    """
    if case_exact:
        return unicodedata.normalize("NFC", value)
    return unicodedata.normalize("NFKC", unicodedata.normalize("NFKC", value).casefold())


def fold(attribute: Attribute, value: Any) -> Any:
    """The comparison form of a value: normalised, and case-folded unless caseExact."""
    if isinstance(value, str) and attribute.type in ("string", "reference"):
        return normalize_text(value, attribute.case_exact)
    return value
