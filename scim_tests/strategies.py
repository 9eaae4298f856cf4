"""Hypothesis strategies for valid Users and Groups, built from the server's own /Schemas.

:func:`resource_bodies` reads the attribute definitions a provider publishes (RFC 7643 §2.2
defaults applied, so an attribute without ``mutability`` counts as readWrite) and generates a
request body with a value for any subset of the readWrite attributes of the core schema and of
the extensions asked for: typed per the definition (string, boolean, integer, decimal,
dateTime, reference, binary, complex; multi-valued as arrays), ``canonicalValues`` respected,
at most one ``primary`` per multi-valued attribute, required attributes always present.

Values look real: names, e-mail addresses, phone numbers, street addresses and job titles come
from pools Faker fills once with a fixed seed, so examples are reproducible and shrink towards
the first entries of each pool. Unique attributes (``userName``, anything declared
``uniqueness`` server or global) carry the run prefix. ``$ref`` sub-attributes and members'
ids are never invented: members and managers reference ids the caller passes in.
"""

from __future__ import annotations

import base64
import string
from collections.abc import Mapping, Sequence
from functools import cache
from typing import Any

from hypothesis import strategies as st

from scim_tests.resources import (
    CORE_SCHEMAS,
    SchemaAttribute,
    definitions,
)

Body = dict[str, Any]
Schemas = Mapping[str, Any]
POOL_SIZE = 40
#: Attribute names whose values are derived or assigned by the server, never generated.
_NEVER = {"$ref", "password", "groups", "id", "meta", "schemas", "externalid"}
_TOKEN = st.text(string.ascii_lowercase + string.digits, min_size=6, max_size=10)


@cache
def _pools() -> dict[str, tuple[str, ...]]:
    """Realistic values from Faker with a fixed seed (same pools in every run)."""
    from faker import Faker

    faker = Faker("en_US")
    faker.seed_instance(7643)

    def pool(make: Any) -> tuple[str, ...]:
        values = dict.fromkeys(str(make()).strip() for _ in range(POOL_SIZE * 2))
        return tuple(v for v in values if v)[:POOL_SIZE]

    return {
        "given": pool(faker.first_name),
        "family": pool(faker.last_name),
        "prefix": ("Dr.", "Ms.", "Mr.", "Mx.", "Prof."),
        "suffix": ("Jr.", "Sr.", "II", "III", "PhD"),
        "job": pool(lambda: faker.job()[:60]),
        "company": pool(faker.company),
        "department": pool(lambda: faker.bs().split(" ")[-1].title()),
        "street": pool(faker.street_address),
        "city": pool(faker.city),
        "state": pool(faker.state_abbr),
        "zip": pool(faker.zipcode),
        "phone": pool(lambda: faker.numerify("+1-###-555-####")),
        "word": pool(faker.word),
        "handle": pool(faker.user_name),
    }


def _from(pool: str) -> st.SearchStrategy[str]:
    return st.sampled_from(_pools()[pool])


#: A self-signed DER certificate (EC P-256), base64: x509Certificates values hold one
#: certificate each (C-4.1.2-07), so random bytes would be refused by a strict server.
CERTIFICATE = (
    "MIIBvzCCAWWgAwIBAgIUeGNgN1r0mRA8hCl21wro10cgAbowCgYIKoZIzj0EAwIwNTEhMB8GA1UEAwwYc2Np"
    "bS1jb25mb3JtYW5jZSBleGFtcGxlMRAwDgYDVQQKDAdFeGFtcGxlMB4XDTI2MTEyNTIxNDg0OVoXDTM2MTEy"
    "MjIxNDg0OVowNTEhMB8GA1UEAwwYc2NpbS1jb25mb3JtYW5jZSBleGFtcGxlMRAwDgYDVQQKDAdFeGFtcGxl"
    "MFkwEwYHKoZIzj0CAQYIKoZIzj0DAQcDQgAESglPQ8yZBjhp3PgHh5Bu5gjWNmUY8HKCc1DwKRqn7ZR5Nd+c"
    "PpEfElPz2xyID6hDSqTYx8z+Vo5zdVmZMg/EfaNTMFEwHQYDVR0OBBYEFKss7NTJTwCKILJPcee+TK2I5LIi"
    "MB8GA1UdIwQYMBaAFKss7NTJTwCKILJPcee+TK2I5LIiMA8GA1UdEwEB/wQFMAMBAf8wCgYIKoZIzj0EAwID"
    "SAAwRQIhAK+A+vtXXIhmfgG1rz0MZM+1fa3Uko8W50pcNZnw/7MUAiArthPgpaY4xP3q0LE1+W50uZleTkon"
    "H8q/JuZqOXNXQA=="
)

LANGUAGES = ("en-US", "en-GB", "de-DE", "fr-FR", "es-MX", "ja-JP", "pt-BR")
TIMEZONES = ("America/Los_Angeles", "America/New_York", "Europe/Berlin", "Asia/Tokyo", "UTC")
USER_TYPES = ("Employee", "Contractor", "Intern", "Temp", "External")


def _person(draw: st.DrawFn) -> tuple[str, str]:
    return draw(_from("given")), draw(_from("family"))


@st.composite
def _email(draw: st.DrawFn) -> str:
    given, family = _person(draw)
    return f"{given}.{family}.{draw(_TOKEN)}@example.com".lower()


@st.composite
def _url(draw: st.DrawFn, kind: str = "people") -> str:
    return f"https://{kind}.example.com/{draw(_from('handle'))}/{draw(_TOKEN)}"


@st.composite
def _binary(draw: st.DrawFn) -> str:
    return base64.b64encode(draw(st.binary(min_size=8, max_size=48))).decode("ascii")


@st.composite
def _date_time(draw: st.DrawFn) -> str:
    moment = draw(st.datetimes(min_value=_dt(1990), max_value=_dt(2035)))
    return moment.strftime("%Y-%m-%dT%H:%M:%SZ")


def _dt(year: int) -> Any:
    from datetime import datetime

    return datetime(year, 1, 1)


def _formatted_address(draw: st.DrawFn) -> dict[str, str]:
    street, city, state = draw(_from("street")), draw(_from("city")), draw(_from("state"))
    postal = draw(_from("zip"))
    return {"streetAddress": street, "locality": city, "region": state, "postalCode": postal,
            "country": "US", "formatted": f"{street}\n{city}, {state} {postal}\nUSA"}  # fmt: skip


# Realistic values by attribute path (lower-case; "*" for a sub-attribute of any parent).
_BY_PATH: dict[str, st.SearchStrategy[Any]] = {
    "name.formatted": st.builds(lambda g, f: f"{g} {f}", _from("given"), _from("family")),
    "name.givenname": _from("given"),
    "name.familyname": _from("family"),
    "name.middlename": _from("given"),
    "name.honorificprefix": _from("prefix"),
    "name.honorificsuffix": _from("suffix"),
    "displayname": st.builds(lambda g, f: f"{g} {f}", _from("given"), _from("family")),
    "nickname": _from("given"),
    "profileurl": _url("people"),
    "title": _from("job"),
    "usertype": st.sampled_from(USER_TYPES),
    "preferredlanguage": st.sampled_from(LANGUAGES),
    "locale": st.sampled_from(LANGUAGES),
    "timezone": st.sampled_from(TIMEZONES),
    "emails.value": _email(),
    "phonenumbers.value": _from("phone"),
    "ims.value": _from("handle"),
    "photos.value": _url("photos"),
    "addresses.streetaddress": _from("street"),
    "addresses.locality": _from("city"),
    "addresses.region": _from("state"),
    "addresses.postalcode": _from("zip"),
    "addresses.country": st.just("US"),
    "x509certificates.value": st.just(CERTIFICATE),
    "employeenumber": st.integers(10000, 999999).map(str),
    "costcenter": st.integers(1000, 9999).map(lambda n: f"CC-{n}"),
    "organization": _from("company"),
    "division": _from("department"),
    "department": _from("department"),
}


def _simple(attribute: SchemaAttribute, prefix: str, canonical: Sequence[str] | None) -> Any:
    """The strategy for one value of a simple attribute."""
    path = attribute.path.lower()
    if canonical:
        return st.sampled_from(tuple(canonical))
    if path in _BY_PATH:
        strategy = _BY_PATH[path]
    elif attribute.type == "boolean":
        strategy = st.booleans()
    elif attribute.type == "integer":
        strategy = st.integers(-(2**31), 2**31 - 1)
    elif attribute.type == "decimal":
        strategy = st.integers(-(10**6), 10**6).map(lambda n: n / 4)
    elif attribute.type == "dateTime":
        strategy = _date_time()
    elif attribute.type == "reference":
        strategy = _url("refs")
    elif attribute.type == "binary":
        strategy = _binary()
    elif attribute.name.lower() == "display":
        strategy = st.builds(lambda g, f: f"{g} {f}", _from("given"), _from("family"))
    else:
        strategy = st.builds(lambda a, b: f"{a} {b}", _from("word"), _from("word"))
    if attribute.uniqueness in ("server", "global") and attribute.type == "string":
        return st.builds(lambda token, v: f"{prefix}-{token}-{v}", _TOKEN, strategy)
    return strategy


def _canonical(raw: Mapping[str, Any], path: str) -> list[str] | None:
    """canonicalValues of the definition at ``path`` in a raw /Schemas attribute list.

    None when the definition publishes none; an empty list when it publishes an empty list,
    which a server may read as "no value is allowed" (C-2.3.1-01 lets it refuse values outside
    the list; RFC 7643's own User schema publishes [] for roles.type and x509Certificates.type).
    """
    parts = path.lower().split(".")
    attributes: Any = raw.get("attributes", [])
    found: Any = None
    for part in parts:
        found = next((a for a in attributes or [] if isinstance(a, Mapping)
                      and str(a.get("name", "")).lower() == part), None)  # fmt: skip
        if found is None:
            return None
        attributes = found.get("subAttributes", [])
    values = found.get("canonicalValues") if isinstance(found, Mapping) else None
    if not isinstance(values, list):
        return None
    return [v for v in values if isinstance(v, str)]


def _writable(attribute: SchemaAttribute) -> bool:
    return attribute.mutability == "readWrite" and attribute.name.lower() not in _NEVER


class _Builder:
    def __init__(self, raw: Mapping[str, Any], prefix: str, refs: Mapping[str, Sequence[str]]):
        self.raw = raw
        self.prefix = prefix
        self.refs = refs

    def value(self, attribute: SchemaAttribute) -> st.SearchStrategy[Any] | None:
        """The strategy for ``attribute`` (an array when multi-valued), or None to skip it."""
        if attribute.type == "complex":
            single = self.complex(attribute)
            if single is None:
                return None
        else:
            canonical = _canonical(self.raw, attribute.path)
            if canonical == []:  # nothing is sure to be accepted: leave the attribute out
                return None
            single = _simple(attribute, self.prefix, canonical)
        if not attribute.multi_valued:
            return single
        key = _identity(attribute)
        return st.lists(single, min_size=1, max_size=2, unique_by=key).flatmap(_one_primary)

    def complex(self, attribute: SchemaAttribute) -> st.SearchStrategy[Any] | None:
        path = attribute.path.lower()
        if path in ("members", "manager"):
            return self.reference(attribute)
        if path == "addresses":
            subs = {s.name: s for s in attribute.sub_attributes if _writable(s)}
            extra = {s.name: self.value(s) for s in subs.values()
                     if s.name.lower() in ("type", "primary")}  # fmt: skip
            return st.composite(lambda draw: {
                **{k: v for k, v in _formatted_address(draw).items()
                   if k.lower() in {n.lower() for n in subs}},
                **{k: draw(v) for k, v in extra.items() if v is not None and draw(st.booleans())},
            })()  # fmt: skip
        required, optional = {}, {}
        for sub in attribute.sub_attributes:
            if not _writable(sub):
                continue
            strategy = self.value(sub)
            if strategy is None:
                continue
            if sub.name.lower() == "value" or sub.required:
                required[sub.name] = strategy
            else:
                optional[sub.name] = strategy
        if not required and not optional:
            return None
        return st.fixed_dictionaries(required, optional=optional).filter(bool)

    def reference(self, attribute: SchemaAttribute) -> st.SearchStrategy[Any] | None:
        """members / manager point at resources the caller created (never invented ids)."""
        ids = self.refs.get(attribute.path.lower(), ())
        if not ids:
            return None
        value = attribute.sub("value")
        if value is None:
            return None
        entry: dict[str, st.SearchStrategy[Any]] = {value.name: st.sampled_from(tuple(ids))}
        kind = attribute.sub("type")
        if kind is not None and attribute.path.lower() == "members":
            entry[kind.name] = st.just("User")
        # Other sub-attributes the server declares readWrite (e.g. a display name).
        optional = {}
        for sub in attribute.sub_attributes:
            if _writable(sub) and sub.name.lower() not in ("value", "type"):
                strategy = self.value(sub)
                if strategy is not None:
                    optional[sub.name] = strategy
        return st.fixed_dictionaries(entry, optional=optional)


def _identity(attribute: SchemaAttribute) -> Any:
    def key(item: Any) -> Any:
        if isinstance(item, Mapping):
            value = next((v for k, v in item.items() if k.lower() == "value"), None)
            return str(value).lower() if value is not None else repr(sorted(item.items()))
        return str(item).lower()

    return key


def _one_primary(items: list[Any]) -> st.SearchStrategy[list[Any]]:
    """At most one element keeps primary=true (C-2.4-02)."""
    flagged = [i for i, v in enumerate(items)
               if isinstance(v, Mapping) and any(k.lower() == "primary" for k in v)]  # fmt: skip
    if len(flagged) < 2:
        return st.just(items)

    def assign(winner: int) -> list[Any]:
        result = []
        for index, item in enumerate(items):
            if index in flagged:
                key = next(k for k in item if k.lower() == "primary")
                item = {**item, key: index == winner and bool(item[key])}
            result.append(item)
        return result

    return st.sampled_from(flagged).map(assign)


def resource_bodies(
    scim_schemas: Schemas,
    resource_type: str,
    prefix: str,
    *,
    extensions: Sequence[str] = (),
    member_ids: Sequence[str] = (),
    manager_ids: Sequence[str] = (),
) -> st.SearchStrategy[Body]:
    """Valid ``resource_type`` ("User"/"Group") bodies from the server's /Schemas.

    Every readWrite attribute of the core schema and of ``extensions`` (URNs) may appear;
    required ones always do. ``member_ids`` feed Group members (type User), ``manager_ids``
    the enterprise manager. An externalId (caseExact, client-owned) is always included.
    """
    urn = CORE_SCHEMAS[resource_type]
    core = _object(scim_schemas, urn, prefix, {"members": member_ids})
    parts: dict[str, st.SearchStrategy[Any]] = {"core": core}
    for extension in extensions:
        if extension.lower() in scim_schemas:
            parts[extension] = _object(scim_schemas, extension, prefix, {"manager": manager_ids})
    external = st.builds(lambda t: f"{prefix}-Ext-{t}", st.text("ABCDEFabcdef0123456789",
                                                             min_size=8, max_size=8))  # fmt: skip

    def assemble(values: dict[str, Any], external_id: str) -> Body:
        body: Body = {"schemas": [urn], **values["core"], "externalId": external_id}
        for extension, attributes in values.items():
            if extension != "core" and attributes:
                body["schemas"].append(extension)
                body[extension] = attributes
        return body

    return st.builds(assemble, st.fixed_dictionaries(parts), external)


def _object(
    scim_schemas: Schemas, urn: str, prefix: str, refs: Mapping[str, Sequence[str]]
) -> st.SearchStrategy[dict[str, Any]]:
    raw = scim_schemas.get(urn.lower()) or {}
    builder = _Builder(raw if isinstance(raw, Mapping) else {}, prefix, refs)
    required: dict[str, st.SearchStrategy[Any]] = {}
    optional: dict[str, st.SearchStrategy[Any]] = {}
    for attribute in definitions(scim_schemas, urn):
        if not _writable(attribute):
            continue
        if attribute.name.lower() == "username":
            strategy: Any = st.builds(lambda t, h: f"{prefix}-rt-{t}-{h}@example.com".lower(),
                                      _TOKEN, _from("handle"))  # fmt: skip
        else:
            strategy = builder.value(attribute)
        if strategy is None:
            continue
        (required if attribute.required else optional)[attribute.name] = strategy
    if "displayName" in required and urn.lower().endswith(":group"):
        required["displayName"] = st.builds(
            lambda t, w: f"{prefix}-rt-{t}-{w}", _TOKEN, _from("word")
        )
    return st.fixed_dictionaries(required, optional=optional)
