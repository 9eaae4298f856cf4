"""Fuzz family 6: URLs, methods and headers: paths in and outside the base path, percent-encoding
junk, huge and Unicode ids, every HTTP method, and bad Authorization, Accept, If-Match and
If-None-Match headers. The invariants are those of ``fuzz_requests.check``.
"""

from __future__ import annotations

from typing import Any

from hypothesis import strategies as st

from tests.mock.fuzz_requests import (
    AUTH,
    BASE,
    BULK,
    GROUP,
    PATCH_OP,
    SCIM_JSON,
    SEARCH,
    TOKEN,
    USER,
    big,
    play_requests,
    rarely,
    run_family,
    user_body,
)

SEGMENTS = st.one_of(
    st.sampled_from(["Users", "Groups", "Bulk", ".search", "Me", "Schemas", "ResourceTypes",
                     "ServiceProviderConfig", "{U1}", "{G1}", "users", "USERS", "..", ".", "",
                     "%", "%2", "%zz", "%00", "%2F", "%2e%2e", "%ff%fe", "%C0%AF", "%E2%80%AE",
                     "%ED%A0%80", big("a" * 10_000), "\u00e9\u4e2d\U0001f600", "\u202e", "~",
                     ";x=1",
                     USER, "User", "Group", "%7BU1%7D", "{U1}%20", "{U1}/", "_mock", "requests"]),
    st.text(alphabet=st.characters(exclude_categories=("Cs", "Cc"),
                                   exclude_characters="?#"), max_size=12),
)
PREFIXES = st.sampled_from([BASE, BASE, BASE, "", "/scim", "/scim/v1", "/SCIM/v2", "/scim/v2/",
                            "/_mock", "/scim/v2/Users", "/scim/v2//"])
QUERIES = st.sampled_from(["", "", "?filter=%zz", "?filter=userName%20pr&count=%ff",
                           "?attributes=%00", "?filter=", "?&&&=", "?count=1&count=2",
                           "?filter=userName eq \"x\"", "?startIndex=-5&count=-1", "?%"])
METHODS = st.sampled_from(["GET", "POST", "PUT", "PATCH", "DELETE", "OPTIONS", "HEAD", "TRACE",
                           "GET", "PROPFIND"])
LATIN1 = st.text(alphabet=st.characters(min_codepoint=0x20, max_codepoint=0xFF,
                                        exclude_characters="\x7f"), max_size=20)
AUTH_HEADERS = st.one_of(
    st.sampled_from([AUTH, AUTH, AUTH, None, "", "Bearer", "Bearer ", "Bearer nope",
                     f"bearer {TOKEN}", f"BEARER   {TOKEN}  ", f"Basic {TOKEN}", f"Token {TOKEN}",
                     f"Bearer {TOKEN}, Bearer x", f"Bearer {TOKEN}x", big("Bearer " + "a" * 10_000),
                     f"Bearer {TOKEN}\u00e9", "Bearer\u00a0" + TOKEN, "Negotiate xyz"]),
    LATIN1.map(lambda t: "Bearer " + t),
)
ACCEPTS = st.sampled_from([None, SCIM_JSON, "application/json", "text/html", "*/*",
                           "application/*", "garbage;;;q=x", "application/json;q=0",
                           "application/scim+json;q=0, text/html", "", "image/png",
                           "application/scim+json; version=3", "*/*;q=0"])
ETAGS = st.one_of(st.sampled_from(["*", 'W/"1"', '"1"', '"', "W/", "garbage", ",,,",
                                   'W/"abc", *', '"' * 100, "W/W/\"2\"", " "]), LATIN1)


@st.composite
def url_request(draw: st.DrawFn) -> dict[str, Any]:
    segments = draw(st.lists(SEGMENTS, max_size=4))
    path = draw(PREFIXES) + "/" + "/".join(segments) + draw(QUERIES)
    path = "/" + path.lstrip("/")  # "//x" would name a host, not a path
    method = draw(METHODS)
    headers: dict[str, str] = {}
    accept = draw(ACCEPTS)
    if accept is not None:
        headers["Accept"] = accept
    for name in ("If-Match", "If-None-Match"):
        if rarely(draw, 5):
            headers[name] = draw(ETAGS)
    request: dict[str, Any] = {"method": method, "path": path, "headers": headers,
                               "auth": draw(AUTH_HEADERS)}
    if method in ("POST", "PUT", "PATCH") and draw(st.booleans()):
        request["body"] = draw(st.sampled_from([
            user_body("url-user"), {"schemas": [GROUP], "displayName": "url-group"},
            {"schemas": [PATCH_OP], "Operations": [{"op": "replace", "path": "displayName",
                                                    "value": "renamed"}]},
            {"schemas": [SEARCH], "filter": "userName pr"},
            {"schemas": [BULK], "Operations": []},
        ]))
    return request


def test_urls_methods_and_headers() -> None:
    """Random paths in and outside the base path, percent-encoding junk, huge and unicode ids,
    every HTTP method, bad Authorization, Accept, If-Match and If-None-Match headers."""
    run_family("url", 100, st.lists(url_request(), min_size=5, max_size=5), play_requests)
